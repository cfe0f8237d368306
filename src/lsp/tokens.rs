//! Semantic tokens: mentions typed by entity kind, and quotations; one
//! token per line, never overlapping, positions in the negotiated encoding.

use std::ops::Range;

use ropey::Rope;
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend,
};

use super::position::{len_in, to_position, Encoding};
use crate::analysis::{DocAnalysis, LexiconIndex};
use crate::lexicon::EntityKind;

pub const TYPES: &[&str] = &[
    "person",
    "organization",
    "place",
    "weapon",
    "event",
    "other",
    "quotation",
];
pub const MODIFIERS: &[&str] = &["firstMention", "variant"];
const QUOTATION: u32 = 6;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.iter().map(|t| SemanticTokenType::new(t)).collect(),
        token_modifiers: MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

fn kind_index(kind: EntityKind) -> u32 {
    match kind {
        EntityKind::Person => 0,
        EntityKind::Organization => 1,
        EntityKind::Place => 2,
        EntityKind::Weapon => 3,
        EntityKind::Event => 4,
        EntityKind::Other => 5,
    }
}

/// Tokens for the byte window `window` (the whole document for `full`).
pub fn tokens(
    text: &str,
    rope: &Rope,
    analysis: &DocAnalysis,
    index: &LexiconIndex,
    window: Range<usize>,
    enc: Encoding,
) -> Vec<SemanticToken> {
    // (range, type, modifiers), sorted and non-overlapping: quotations are
    // cut around the mentions inside them.
    let mut spans: Vec<(Range<usize>, u32, u32)> = Vec::new();
    let mut first_seen = std::collections::HashSet::new();
    for m in &analysis.mentions {
        let mut mods = 0;
        if first_seen.insert(m.entity) {
            mods |= 1;
        }
        if m.folded_only || m.form == crate::analysis::Form::Variant {
            mods |= 2;
        }
        spans.push((m.range.clone(), kind_index(index.kind(m.entity)), mods));
    }
    // Outer quotations only: a nested one lies inside its outer one.
    for q in analysis
        .quotations
        .iter()
        .filter(|q| q.depth == 0)
        .map(|q| &q.range)
    {
        let mut at = q.start;
        for m in analysis
            .mentions
            .iter()
            .filter(|m| m.range.start >= q.start && m.range.end <= q.end)
        {
            if m.range.start > at {
                spans.push((at..m.range.start, QUOTATION, 0));
            }
            at = at.max(m.range.end);
        }
        if at < q.end {
            spans.push((at..q.end, QUOTATION, 0));
        }
    }
    spans.sort_by_key(|(r, _, _)| (r.start, r.end));
    let mut out = Vec::new();
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    for (range, ty, mods) in spans {
        if range.end <= window.start || range.start >= window.end {
            continue;
        }
        for piece in split_lines(text, range) {
            let p = to_position(rope, piece.start, enc);
            let len = len_in(&text[piece.clone()], enc);
            if len == 0 {
                continue;
            }
            let delta_line = p.line - prev_line;
            let delta_start = if delta_line == 0 {
                p.character - prev_col
            } else {
                p.character
            };
            out.push(SemanticToken {
                delta_line,
                delta_start,
                length: len,
                token_type: ty,
                token_modifiers_bitset: mods,
            });
            prev_line = p.line;
            prev_col = p.character;
        }
    }
    out
}

/// Splits a range at line breaks; the breaks themselves are not tokens.
fn split_lines(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = range.start;
    let slice = &text[range.clone()];
    for (i, c) in slice.char_indices() {
        if c == '\n' || c == '\r' {
            let at = range.start + i;
            if at > start {
                pieces.push(start..at);
            }
            start = at + 1;
        }
    }
    if range.end > start {
        pieces.push(start..range.end);
    }
    pieces
}
