//! A compiled lexicon: the name automaton, the completion table and the
//! claim word index. Built once per (re)load, shared read-only by every
//! analysis through an `Arc`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::lexicon::{Claim, Entity, EntityKind, Lexicon, Source};
use crate::text::fold::fold;

pub type EntityId = usize;
pub type ClaimId = usize;

/// One lexicon as loaded: where it came from (for navigation) and its text
/// (to find each entry's line). The caller does the reading.
pub struct LexiconInput {
    pub path: PathBuf,
    pub text: String,
    pub lexicon: Lexicon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// The desk's spelling.
    Name,
    Alias,
    /// A listed spelling to be corrected to the name.
    Variant,
}

#[derive(Debug)]
pub struct IndexedEntity {
    pub entity: Entity,
    pub lexicon: usize,
    /// 0-based line of the entry's `"id"` in the lexicon file.
    pub entry_line: u32,
    /// Claims this entity made, in lexicon order.
    pub claims: Vec<ClaimId>,
}

#[derive(Debug)]
pub struct IndexedClaim {
    pub claim: Claim,
    pub lexicon: usize,
    pub speaker: Option<EntityId>,
    /// Folded words of the claim's text, for matching quotations.
    pub folded_words: Vec<String>,
}

#[derive(Debug)]
pub struct IndexedSource {
    pub source: Source,
    /// Absolute (or as given) path: the lexicon's directory joined with `path`.
    pub path: PathBuf,
}

#[derive(Debug)]
pub struct IndexedLexicon {
    pub path: PathBuf,
    pub sources: Vec<IndexedSource>,
}

/// What one automaton pattern stands for. Several entities may share a
/// spelling ("Washington" the city and the person): all are kept.
#[derive(Debug, Clone)]
pub struct PatternTarget {
    pub entity: EntityId,
    pub form: Form,
    /// The form as written in the lexicon.
    pub written: String,
}

pub struct LexiconIndex {
    pub lexicons: Vec<IndexedLexicon>,
    pub entities: Vec<IndexedEntity>,
    pub claims: Vec<IndexedClaim>,
    automaton: Option<AhoCorasick>,
    /// Pattern id → folded pattern text and what it stands for.
    patterns: Vec<(String, Vec<PatternTarget>)>,
    by_pattern: HashMap<String, usize>,
    /// Folded name, alias or later name word → entity, sorted, for prefix completion.
    completion: Vec<(String, EntityId)>,
    /// Folded content word → claims containing it.
    claim_words: HashMap<String, Vec<ClaimId>>,
}

impl std::fmt::Debug for LexiconIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LexiconIndex")
            .field("entities", &self.entities.len())
            .field("claims", &self.claims.len())
            .finish()
    }
}

/// Ordinary English words that are also names.
pub fn is_common_word(folded: &str) -> bool {
    static WORDS: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| {
            include_str!("../../data/common-words.txt")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect()
        })
        .contains(folded)
}

impl Default for LexiconIndex {
    fn default() -> Self {
        LexiconIndex::empty()
    }
}

impl LexiconIndex {
    pub fn empty() -> LexiconIndex {
        LexiconIndex::build(Vec::new())
    }

    pub fn build(inputs: Vec<LexiconInput>) -> LexiconIndex {
        let mut lexicons = Vec::new();
        let mut entities = Vec::new();
        let mut claims = Vec::new();
        for (lex_idx, input) in inputs.into_iter().enumerate() {
            let base = input
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let lines = EntryLines::new(&input.text);
            let mut local: HashMap<String, EntityId> = HashMap::new();
            let LexiconInput { path, lexicon, .. } = input;
            let Lexicon {
                sources,
                entities: lex_entities,
                claims: lex_claims,
                ..
            } = lexicon;
            for entity in lex_entities {
                let entry_line = lines.line_of_entity(&entity.id);
                local.insert(entity.id.clone(), entities.len());
                entities.push(IndexedEntity {
                    entity,
                    lexicon: lex_idx,
                    entry_line,
                    claims: Vec::new(),
                });
            }
            for claim in lex_claims {
                let speaker = claim.speaker.as_ref().and_then(|s| local.get(s).copied());
                let folded_words = words_of(&fold(&claim.text));
                let id = claims.len();
                if let Some(s) = speaker {
                    entities[s].claims.push(id);
                }
                claims.push(IndexedClaim {
                    claim,
                    lexicon: lex_idx,
                    speaker,
                    folded_words,
                });
            }
            let sources = sources
                .into_iter()
                .map(|source| IndexedSource {
                    path: base.join(&source.path),
                    source,
                })
                .collect();
            lexicons.push(IndexedLexicon { path, sources });
        }

        let mut by_pattern: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<(String, Vec<PatternTarget>)> = Vec::new();
        let mut completion = Vec::new();
        for (id, e) in entities.iter().enumerate() {
            let forms = std::iter::once((Form::Name, &e.entity.name))
                .chain(e.entity.aliases.iter().map(|a| (Form::Alias, a)))
                .chain(e.entity.variants.iter().map(|v| (Form::Variant, v)));
            for (form, written) in forms {
                let folded = fold(written.trim());
                if folded.is_empty() {
                    continue;
                }
                let slot = *by_pattern.entry(folded.clone()).or_insert_with(|| {
                    patterns.push((folded.clone(), Vec::new()));
                    patterns.len() - 1
                });
                patterns[slot].1.push(PatternTarget {
                    entity: id,
                    form,
                    written: written.clone(),
                });
            }
            // Completion finds a name by its start, an alias, or any later
            // word of it ("Stolt" → Jens Stoltenberg).
            let name = fold(&e.entity.name);
            for (i, _) in name.match_indices(' ') {
                if name.len() - i > 3 {
                    completion.push((name[i + 1..].to_string(), id));
                }
            }
            completion.push((name, id));
            completion.extend(e.entity.aliases.iter().map(|a| (fold(a), id)));
        }
        completion.sort();

        let automaton = if patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns.iter().map(|(p, _)| p.as_str()))
                .ok()
        };

        let mut claim_words: HashMap<String, Vec<ClaimId>> = HashMap::new();
        for (id, c) in claims.iter().enumerate() {
            let mut seen: Vec<&str> = Vec::new();
            for w in &c.folded_words {
                if is_common_word(w) || seen.contains(&w.as_str()) {
                    continue;
                }
                seen.push(w);
                claim_words.entry(w.clone()).or_default().push(id);
            }
        }

        LexiconIndex {
            lexicons,
            entities,
            claims,
            automaton,
            patterns,
            by_pattern,
            completion,
            claim_words,
        }
    }

    pub fn entity(&self, id: EntityId) -> &IndexedEntity {
        &self.entities[id]
    }

    pub fn claim(&self, id: ClaimId) -> &IndexedClaim {
        &self.claims[id]
    }

    pub fn automaton(&self) -> Option<&AhoCorasick> {
        self.automaton.as_ref()
    }

    pub fn pattern(&self, id: usize) -> (&str, &[PatternTarget]) {
        let (p, t) = &self.patterns[id];
        (p, t)
    }

    /// The pattern whose folded text is exactly `folded`.
    pub fn pattern_for(&self, folded: &str) -> Option<usize> {
        self.by_pattern.get(folded).copied()
    }

    /// The source a claim or evidence names, within its lexicon.
    pub fn source(&self, lexicon: usize, source_id: &str) -> Option<&IndexedSource> {
        self.lexicons
            .get(lexicon)?
            .sources
            .iter()
            .find(|s| s.source.id == source_id)
    }

    /// Entities whose name starts with `prefix` (folded), at most `limit`,
    /// in name order: a binary search, never a scan of the lexicon.
    pub fn complete(&self, prefix: &str, limit: usize) -> Vec<EntityId> {
        let folded = fold(prefix);
        let start = self
            .completion
            .partition_point(|(name, _)| name.as_str() < folded.as_str());
        let mut out: Vec<EntityId> = Vec::new();
        for &(_, id) in self.completion[start..]
            .iter()
            .take_while(|(name, _)| name.starts_with(&folded))
        {
            if !out.contains(&id) {
                out.push(id);
                if out.len() == limit {
                    break;
                }
            }
        }
        out
    }

    /// Entities whose name contains every word of `query` (folded), for
    /// workspace symbol search. Bounded by `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<EntityId> {
        let words = words_of(&fold(query));
        let mut out: Vec<EntityId> = Vec::new();
        for (id, e) in self.entities.iter().enumerate() {
            if out.len() == limit {
                break;
            }
            let name = fold(&e.entity.name);
            if words.iter().all(|w| name.contains(w.as_str())) {
                out.push(id);
            }
        }
        out
    }

    /// Claims sharing the given folded content words, the best-covered first.
    pub fn candidate_claims(&self, words: &[String], limit: usize) -> Vec<ClaimId> {
        let mut counts: HashMap<ClaimId, usize> = HashMap::new();
        for w in words {
            if let Some(ids) = self.claim_words.get(w) {
                for &id in ids {
                    *counts.entry(id).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, ClaimId)> = counts.into_iter().map(|(id, n)| (n, id)).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.into_iter().take(limit).map(|(_, id)| id).collect()
    }

    pub fn kind(&self, id: EntityId) -> EntityKind {
        self.entities[id].entity.kind
    }
}

/// Splits folded text into words (letters, digits, inner apostrophes and hyphens).
pub fn words_of(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Finds the line of each entity's `"id": "..."` in a lexicon file by a
/// single scan of the text.
struct EntryLines<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> EntryLines<'a> {
    fn new(text: &'a str) -> Self {
        let mut ids = HashMap::new();
        let start = text.find("\"entities\"").unwrap_or(0);
        let end = text
            .find("\"claims\"")
            .filter(|&c| c > start)
            .unwrap_or(text.len());
        let first_line = text[..start].matches('\n').count() as u32;
        for (line, l) in (first_line..).zip(text[start..end].split('\n')) {
            if let Some(at) = l.find("\"id\"") {
                let rest = l[at + 4..]
                    .trim_start()
                    .trim_start_matches(':')
                    .trim_start();
                if let Some(rest) = rest.strip_prefix('"') {
                    if let Some(close) = rest.find('"') {
                        ids.entry(&rest[..close]).or_insert(line);
                    }
                }
            }
        }
        EntryLines { ids }
    }

    fn line_of_entity(&self, id: &str) -> u32 {
        self.ids.get(id).copied().unwrap_or(0)
    }
}
