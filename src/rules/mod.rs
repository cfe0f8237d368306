//! Attribution and naming rules: a document's analysis in, findings with byte
//! ranges out. Pure: no I/O and no protocol types; `crate::lsp` and the CLI
//! turn findings into diagnostics.
//!
//! Each rule lives in its own file and sees the document through [`Context`],
//! which holds what several rules share (quotation spans, headings, the
//! analysis and the lexicon) so it is computed once per check. Helpers: word
//! tokens (`tokens`), phrase patterns kept as data (`patterns`), speakers and
//! claims (`claims`), suppression comments (`suppress`).

mod altered_quote;
mod cache;
mod claim_match;
mod claims;
mod first_reference;
mod misattributed_quote;
mod name_variant;
mod patterns;
mod quote_without_speaker;
pub mod suppress;
mod tokens;
mod unattributed_claim;
mod unsourced_figure;
mod vague_attribution;

use std::ops::Range;

pub use cache::Checker;
use suppress::Suppressions;
use tokens::Word;

use crate::analysis::EntityId;
use crate::analysis::{DocAnalysis, LexiconIndex, Mention};
pub use crate::config::Severity;
pub use crate::text::prose::DocKind;
use crate::text::prose::{Block, BlockKind};
use crate::text::quotes::Quotation;

/// The public contract: these codes appear in diagnostics, configuration and
/// suppression comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    QuoteWithoutSpeaker,
    MisattributedQuote,
    AlteredQuote,
    UnattributedClaim,
    VagueAttribution,
    UnsourcedFigure,
    NameVariant,
    FirstReference,
}

/// Where `codeDescription` points: the rule's section in docs/rules.md, in
/// the repository Cargo.toml names (one place to change when it moves).
pub const RULES_DOC_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

impl Rule {
    pub const ALL: [Rule; 8] = [
        Rule::QuoteWithoutSpeaker,
        Rule::MisattributedQuote,
        Rule::AlteredQuote,
        Rule::UnattributedClaim,
        Rule::VagueAttribution,
        Rule::UnsourcedFigure,
        Rule::NameVariant,
        Rule::FirstReference,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::QuoteWithoutSpeaker => "quote-without-speaker",
            Rule::MisattributedQuote => "misattributed-quote",
            Rule::AlteredQuote => "altered-quote",
            Rule::UnattributedClaim => "unattributed-claim",
            Rule::VagueAttribution => "vague-attribution",
            Rule::UnsourcedFigure => "unsourced-figure",
            Rule::NameVariant => "name-variant",
            Rule::FirstReference => "first-reference",
        }
    }

    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Rule::MisattributedQuote => Severity::Error,
            Rule::QuoteWithoutSpeaker
            | Rule::AlteredQuote
            | Rule::UnattributedClaim
            | Rule::NameVariant => Severity::Warning,
            Rule::VagueAttribution | Rule::UnsourcedFigure | Rule::FirstReference => {
                Severity::Information
            }
        }
    }

    /// One line for rule listings (SARIF `shortDescription`, `--help`).
    pub fn summary(self) -> &'static str {
        match self {
            Rule::QuoteWithoutSpeaker => "A quotation whose speaker is given nowhere.",
            Rule::MisattributedQuote => {
                "A quotation the sources give to someone other than the draft's speaker."
            }
            Rule::AlteredQuote => "A quotation whose words differ from the source's.",
            Rule::UnattributedClaim => {
                "A claim the sources attribute to someone, stated in the draft as fact."
            }
            Rule::VagueAttribution => "Weasel words and faceless attribution.",
            Rule::UnsourcedFigure => "A statistic with no source in its sentence.",
            Rule::NameVariant => "A name spelled against the desk's style.",
            Rule::FirstReference => "A first reference to a person without the full name.",
        }
    }

    /// The rule's section in docs/rules.md; the anchor is the code.
    pub fn doc_url(self) -> String {
        format!("{RULES_DOC_URL}#{}", self.code())
    }
}

/// One thing an editor would mark in the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// UTF-8 byte range in the document.
    pub range: Range<usize>,
    /// In newsroom language: what is wrong and what to do.
    pub message: String,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
}

impl Finding {
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }
}

/// A quick fix: byte-range replacements in the document, applied together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    /// Non-overlapping, in document order.
    pub edits: Vec<(Range<usize>, String)>,
    /// The one right answer (editors apply it with a single key).
    pub preferred: bool,
}

/// A place in a source article that explains a finding (the claim's sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The lexicon's source id.
    pub source: String,
    /// The source article's file, as the lexicon index resolved it.
    pub path: std::path::PathBuf,
    /// UTF-8 byte range in the source article.
    pub range: Range<usize>,
    pub message: String,
}

/// Applies non-overlapping edits (in any order) to `text`. Edits whose range
/// is out of bounds or splits a character are refused, never applied half.
pub fn apply_edits(text: &str, edits: &[(Range<usize>, String)]) -> Option<String> {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, new_text) in sorted {
        if range.start < at
            || range.end < range.start
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            return None;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(new_text);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// Severity per rule, after the desk's and the client's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConfig {
    severities: [Severity; 8],
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            severities: Rule::ALL.map(Rule::default_severity),
        }
    }
}

impl RuleConfig {
    /// Applies `code = severity` overrides. Returns the codes that name no
    /// rule, so the caller can tell the user instead of silently ignoring a
    /// typo.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, Severity)>,
    ) -> (RuleConfig, Vec<String>) {
        let mut config = RuleConfig::default();
        let mut unknown = Vec::new();
        for (code, severity) in overrides {
            match Rule::from_code(code) {
                Some(rule) => config.severities[rule as usize] = severity,
                None => unknown.push(code.to_string()),
            }
        }
        (config, unknown)
    }

    pub fn severity(&self, rule: Rule) -> Severity {
        self.severities[rule as usize]
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.severity(rule) != Severity::Off
    }
}

/// Runs every enabled rule over an analysed document and drops what the
/// document's suppression comments silence. `text` is the document the
/// analysis was made from (suppression comments and links are not prose,
/// so the masked copy does not have them).
pub fn check(
    text: &str,
    analysis: &DocAnalysis,
    index: &LexiconIndex,
    config: &RuleConfig,
) -> Vec<Finding> {
    let cx = Context::new(text, analysis, index);
    let mut findings = run(&cx, config);
    Suppressions::parse(text, analysis.kind).retain(&mut findings);
    findings
}

/// What the rules see of a document. Built once per check.
///
/// Every lookup here is a binary search over the analysis's sorted lists
/// (blocks, sentences, quotations and mentions are all in document order,
/// and quotations and mentions never leave their block), so a rule's cost
/// per sentence or quotation does not grow with the length of the draft.
pub(crate) struct Context<'a> {
    /// The document as the user wrote it; finding ranges index into it.
    pub text: &'a str,
    /// `text` with everything that is not prose blanked out (same length).
    pub masked: &'a str,
    pub mentions: &'a [Mention],
    pub index: &'a LexiconIndex,
    /// Quotations, their attributions and matched claims, sentences.
    pub analysis: &'a DocAnalysis,
    /// For each quotation, whether a later one continues it.
    continued: Vec<bool>,
    /// For each quotation, the furthest end of it and the quotations
    /// before it: [`Context::in_quotation`] is asked of most names and
    /// phrases of a draft, and most lie past every quotation opened
    /// before them.
    reach: Vec<usize>,
    /// The longest mention, so a search by start can reach every mention
    /// that overlaps a range.
    pub mention_span: usize,
    /// Entity → the end of its earliest-ending mention, built on first use.
    first_mention_end: std::cell::OnceCell<IdMap<EntityId, usize>>,
    /// How many [`Context::named_before`] questions were answered by a scan.
    named_before_scans: std::cell::Cell<usize>,
    /// Stems of the words seen, kept by the rule cache across checks.
    pub stems: Option<&'a std::cell::RefCell<claim_match::StemMemo>>,
    /// The stems of this check's words when the caller keeps none: the
    /// rules that stem words share them.
    own_stems: std::cell::RefCell<claim_match::StemMemo>,
    /// While set, every [`Context::named_before`] question and its answer
    /// (the rule cache asks them again before reusing findings).
    named_before_asked: std::cell::RefCell<Option<Vec<(EntityId, usize, bool)>>>,
    /// Per sentence, its words once some rule asked for them: three rules
    /// read the words of most sentences, and splitting them is most of
    /// what a sentence costs them.
    sentence_words: std::cell::OnceCell<Vec<std::cell::OnceCell<Vec<Word<'a>>>>>,
    /// The heading blocks' ranges, in document order, made on first use:
    /// [`Context::in_heading`] is asked for every sentence by two rules,
    /// and a search of a draft's few headings costs less than one of all
    /// its blocks.
    headings: std::cell::OnceCell<Vec<Range<usize>>>,
}

impl<'a> Context<'a> {
    fn new(text: &'a str, analysis: &'a DocAnalysis, index: &'a LexiconIndex) -> Context<'a> {
        let mut continued = vec![false; analysis.quotations.len()];
        for q in &analysis.quotations {
            if let Some(c) = q.continues.and_then(|c| continued.get_mut(c)) {
                *c = true;
            }
        }
        let reach = analysis
            .quotations
            .iter()
            .scan(0, |furthest, q| {
                *furthest = q.range.end.max(*furthest);
                Some(*furthest)
            })
            .collect();
        Context {
            text,
            masked: &analysis.prose.masked,
            mentions: &analysis.mentions,
            index,
            analysis,
            continued,
            reach,
            mention_span: analysis
                .mentions
                .iter()
                .map(|m| m.range.len())
                .max()
                .unwrap_or(0),
            first_mention_end: std::cell::OnceCell::new(),
            named_before_scans: std::cell::Cell::new(0),
            named_before_asked: std::cell::RefCell::new(None),
            stems: None,
            own_stems: std::cell::RefCell::default(),
            sentence_words: std::cell::OnceCell::new(),
            headings: std::cell::OnceCell::new(),
        }
    }

    /// The stems memo the rules share: the caller's, else this check's.
    pub fn stem_memo(&self) -> std::cell::RefMut<'_, claim_match::StemMemo> {
        self.stems.unwrap_or(&self.own_stems).borrow_mut()
    }

    /// The words of sentence `i` (an index into the analysis's sentences),
    /// split once per check however many rules read them.
    pub fn sentence_words(&self, i: usize) -> &[Word<'a>] {
        let all = self.sentence_words.get_or_init(|| {
            std::iter::repeat_with(std::cell::OnceCell::new)
                .take(self.analysis.sentences.len())
                .collect()
        });
        all[i].get_or_init(|| tokens::words(self.masked, self.analysis.sentences[i].clone()))
    }

    /// The words of sentence `i` if some rule has split them already in
    /// this check.
    pub fn sentence_words_if_split(&self, i: usize) -> Option<&[Word<'a>]> {
        self.sentence_words.get()?.get(i)?.get().map(Vec::as_slice)
    }

    /// The prose block holding byte `at`.
    pub fn block_at(&self, at: usize) -> Option<&'a Block> {
        let blocks = &self.analysis.prose.blocks;
        let i = blocks.partition_point(|b| b.range.end <= at);
        blocks.get(i).filter(|b| b.range.start <= at)
    }

    /// Whether `range` lies inside a quotation (its marks included).
    pub fn in_quotation(&self, range: &Range<usize>) -> bool {
        let quotations = &self.analysis.quotations;
        // A quotation lies inside its block, so only those opening between
        // the block's start and the range can hold it.
        let holds = |q: &Quotation| q.range.start <= range.start && range.end <= q.range.end;
        // Only a quotation opening at or before the range can hold it, and
        // only if it reaches the range's end.
        let hi = quotations.partition_point(|q| q.range.start <= range.start);
        if hi == 0 || self.reach[hi - 1] < range.end {
            return false;
        }
        match self.block_at(range.start) {
            // Those before the range, walked back to the block's start
            // (no second search for where that is: most blocks hold few
            // quotations, and the same ones are tested either way).
            Some(b) => quotations[..hi]
                .iter()
                .rev()
                .take_while(|q| q.range.start >= b.range.start)
                .any(holds),
            None => quotations.iter().any(holds),
        }
    }

    /// A quotation with no closing mark that no later paragraph continues:
    /// still being typed, or a slip of the keyboard; either way not a
    /// quotation to judge yet.
    pub fn dangling(&self, qi: usize) -> bool {
        !self.analysis.quotations[qi].closed && !self.continued[qi]
    }

    pub fn in_heading(&self, at: usize) -> bool {
        let headings = self.headings.get_or_init(|| {
            let blocks = &self.analysis.prose.blocks;
            blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Heading)
                .map(|b| b.range.clone())
                .collect()
        });
        // Blocks are sorted and disjoint: `at` lies in a heading exactly
        // when the first heading ending after it starts at or before it
        // (what `block_at` would find among all blocks).
        let i = headings.partition_point(|h| h.end <= at);
        headings.get(i).is_some_and(|h| h.start <= at)
    }

    /// The mentions that may overlap `range` (a superset, in document
    /// order): callers test overlap or containment themselves.
    pub fn mentions_near(&self, range: Range<usize>) -> &'a [Mention] {
        let from = range.start.saturating_sub(self.mention_span);
        let lo = self.mentions.partition_point(|m| m.range.start < from);
        let hi = self
            .mentions
            .partition_point(|m| m.range.start < range.end.max(range.start + 1));
        &self.mentions[lo..hi.max(lo)]
    }

    /// Whether some mention of `entity` ends at or before `at`.
    pub fn named_before(&self, entity: EntityId, at: usize) -> bool {
        // A keystroke asks a handful of these: scanning the mentions before
        // `at` is cheaper than mapping every mention of a long draft. A
        // check that asks many maps them once.
        let asked = self.named_before_scans.get();
        let answer = if asked < NAMED_BEFORE_SCANS && self.first_mention_end.get().is_none() {
            self.named_before_scans.set(asked + 1);
            let before = self.mentions.partition_point(|m| m.range.start < at);
            self.mentions[..before]
                .iter()
                .any(|m| m.entity == entity && m.range.end <= at)
        } else {
            self.named_before_mapped(entity, at)
        };
        if let Some(asked) = self.named_before_asked.borrow_mut().as_mut() {
            asked.push((entity, at, answer));
        }
        answer
    }

    fn named_before_mapped(&self, entity: EntityId, at: usize) -> bool {
        let ends = self.first_mention_end.get_or_init(|| {
            // Room for every mention's entity at once: growing the map
            // step by step rehashed what it held at each step.
            let mut ends = IdMap::with_capacity_and_hasher(self.mentions.len(), Default::default());
            for m in self.mentions {
                ends.entry(m.entity)
                    .and_modify(|e: &mut usize| *e = (*e).min(m.range.end))
                    .or_insert(m.range.end);
            }
            ends
        });
        ends.get(&entity).is_some_and(|&end| end <= at)
    }

    /// Starts (`true`) or stops recording [`Context::named_before`]
    /// questions; stopping returns what was asked.
    pub fn record_named_before(&self, on: bool) -> Vec<(EntityId, usize, bool)> {
        let mut asked = self.named_before_asked.borrow_mut();
        let before = asked.take().unwrap_or_default();
        if on {
            *asked = Some(Vec::new());
        }
        before
    }

    /// The index of the sentence holding byte `at`.
    pub fn sentence_at(&self, at: usize) -> Option<usize> {
        let sentences = &self.analysis.sentences;
        let i = sentences.partition_point(|s| s.end <= at);
        sentences.get(i).filter(|s| s.start <= at).map(|_| i)
    }

    /// The quotations that may overlap `range`: its block's, up to its end.
    /// Enough for `find_attributions`, which looks only at those.
    pub fn quotations_around(&self, range: &Range<usize>) -> &'a [Quotation] {
        let quotations = &self.analysis.quotations;
        match self.block_at(range.start) {
            Some(b) => {
                let lo = quotations.partition_point(|q| q.range.start < b.range.start);
                let hi = quotations.partition_point(|q| q.range.start < range.end);
                &quotations[lo..hi.max(lo)]
            }
            None => quotations,
        }
    }

    /// The quotations that open inside `range`, as an index range.
    pub fn quotations_opening_in(&self, range: Range<usize>) -> Range<usize> {
        let quotations = &self.analysis.quotations;
        let lo = quotations.partition_point(|q| q.range.start < range.start);
        let hi = quotations.partition_point(|q| q.range.start < range.end);
        lo..hi.max(lo)
    }
}

/// How many "named before?" questions a check answers by scanning the
/// mentions before it maps them all.
const NAMED_BEFORE_SCANS: usize = 32;

/// Hashes a number with one multiplication: for maps keyed by ids, or by
/// hashes already computed, which SipHash would only slow down.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub(crate) type IdMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The part of a document a rule looks at: the sentences, quotations and
/// mentions (index ranges into the analysis's lists) and the bytes they
/// lie in. A rule's findings for a scope are its findings for those items
/// in the whole document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub bytes: Range<usize>,
    pub sentences: Range<usize>,
    pub quotations: Range<usize>,
    pub mentions: Range<usize>,
}

impl Scope {
    fn whole(analysis: &DocAnalysis) -> Scope {
        Scope {
            bytes: 0..analysis.prose.masked.len(),
            sentences: 0..analysis.sentences.len(),
            quotations: 0..analysis.quotations.len(),
            mentions: 0..analysis.mentions.len(),
        }
    }
}

type RuleFn = fn(&Context<'_>, Severity, &Scope) -> Vec<Finding>;

/// Every rule but `first-reference`, which needs the whole story.
const LOCAL_RULES: [(Rule, RuleFn); 7] = [
    (Rule::QuoteWithoutSpeaker, quote_without_speaker::check),
    (Rule::MisattributedQuote, misattributed_quote::check),
    (Rule::AlteredQuote, altered_quote::check),
    (Rule::UnattributedClaim, unattributed_claim::check),
    (Rule::VagueAttribution, vague_attribution::check),
    (Rule::UnsourcedFigure, unsourced_figure::check),
    (Rule::NameVariant, name_variant::check),
];

fn run(cx: &Context<'_>, config: &RuleConfig) -> Vec<Finding> {
    let scope = Scope::whole(cx.analysis);
    let mut findings = Vec::new();
    for (rule, check) in LOCAL_RULES {
        if config.enabled(rule) {
            findings.extend(check(cx, config.severity(rule), &scope));
        }
    }
    if config.enabled(Rule::FirstReference) {
        findings.extend(first_reference::check(
            cx,
            config.severity(Rule::FirstReference),
            &scope,
        ));
    }
    sort_findings(&mut findings);
    findings
}

/// Document order; the order is stable, so findings of one rule at the same
/// range keep the order the rule gave them.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
}

/// What `unattributed-claim` counts as a claim's content words (the index
/// stems and numbers them once).
pub(crate) use unattributed_claim::claim_content_words;

/// The whole pipeline over the fixture lexicon, for the rules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::analysis::analyze;

    pub struct Lexicon {
        pub index: LexiconIndex,
    }

    impl Lexicon {
        /// tests/fixtures/sochi.lexicon.json, built for the reference article.
        pub fn sochi() -> Lexicon {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/sochi.lexicon.json");
            let input = crate::workspace::load_lexicon(&path).expect("fixture lexicon loads");
            Lexicon {
                index: LexiconIndex::build(vec![input]),
            }
        }

        pub fn empty() -> Lexicon {
            Lexicon {
                index: LexiconIndex::empty(),
            }
        }
    }

    /// Random prose for the rules' property tests: up to thirteen pieces,
    /// each one of `words` or one of `between` (spaces, marks, characters
    /// beyond ASCII), back to back.
    pub fn prose_of(
        words: &'static [&'static str],
        between: &'static [&'static str],
    ) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(words),
                proptest::sample::select(between)
            ],
            0..14,
        )
        .prop_map(|pieces| pieces.concat())
    }

    /// The findings of one rule on a Markdown text, with the text they cover.
    pub fn findings_in(lexicon: &Lexicon, text: &str, code: &str) -> Vec<(String, Finding)> {
        findings_in_kind(lexicon, text, DocKind::Markdown, code)
    }

    pub fn findings_in_kind(
        lexicon: &Lexicon,
        text: &str,
        kind: DocKind,
        code: &str,
    ) -> Vec<(String, Finding)> {
        let analysis = analyze(text, kind, &lexicon.index);
        check(text, &analysis, &lexicon.index, &RuleConfig::default())
            .into_iter()
            .filter(|f| f.code() == code)
            .map(|f| (text[f.range.clone()].to_string(), f))
            .collect()
    }

    /// Just the phrases.
    pub fn phrases(lexicon: &Lexicon, text: &str, code: &str) -> Vec<String> {
        findings_in(lexicon, text, code)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// `in_heading` (a search of the headings alone) and
        /// `in_quotation` (a walk back from the range) answer as the
        /// plain readings: the block holding the byte, and every quotation
        /// that opens in that block before the range.
        #[test]
        fn heading_and_quotation_tests_agree_with_the_plain_readings(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "# Heading\n\n", "## “Quoted” head\n", "Putin said. ", "“Yes,” he said. ",
                    "\n\n", "- item “one”\n", "> “quote", "” ", "plain words ", "\n",
                    "‘a “b” c’ ", "Setext\n---\n", "`code` ", "\"straight\" ",
                ]),
                0..16,
            ),
            kind in proptest::sample::select(vec![DocKind::Markdown, DocKind::PlainText]),
        ) {
            let lexicon = testing::Lexicon::sochi();
            let text: String = pieces.concat();
            let analysis = crate::analysis::analyze(&text, kind, &lexicon.index);
            let cx = Context::new(&text, &analysis, &lexicon.index);
            for at in 0..=text.len() {
                let plain = cx.block_at(at).is_some_and(|b| b.kind == BlockKind::Heading);
                proptest::prop_assert_eq!(cx.in_heading(at), plain, "{} in {:?}", at, text);
                for end in at..(at + 12).min(text.len()) + 1 {
                    let range = at..end;
                    let quotations = &analysis.quotations;
                    let candidates = match cx.block_at(at) {
                        Some(b) => {
                            let lo = quotations.partition_point(|q| q.range.start < b.range.start);
                            let hi = quotations.partition_point(|q| q.range.start <= at);
                            &quotations[lo..hi.max(lo)]
                        }
                        None => &quotations[..],
                    };
                    let plain = candidates
                        .iter()
                        .any(|q| q.range.start <= at && end <= q.range.end);
                    proptest::prop_assert_eq!(cx.in_quotation(&range), plain, "{:?} in {:?}", range, text);
                }
            }
        }
    }

    /// `vague-attribution`, `unsourced-figure` and `name-variant` read the
    /// words of the sentences `unattributed-claim` split, and search or
    /// split the text themselves when it is off: their findings must not
    /// depend on which.
    #[test]
    fn rules_find_the_same_whether_or_not_another_rule_split_the_sentences() {
        let lexicon = testing::Lexicon::sochi();
        let article = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");
        let extra = "Experts say Vladimir Poutine met Kerim Hass. Turkey sold four million shells to Libya. It cost $2bn, and 40 percent went abroad.";
        let text = format!("{article}\n\n{extra}\n");
        let analysis = crate::analysis::analyze(&text, DocKind::PlainText, &lexicon.index);
        let read = [
            Rule::VagueAttribution,
            Rule::UnsourcedFigure,
            Rule::NameVariant,
        ];
        let of = |findings: Vec<Finding>| -> Vec<Finding> {
            findings
                .into_iter()
                .filter(|f| read.contains(&f.rule))
                .collect()
        };
        let all = of(check(
            &text,
            &analysis,
            &lexicon.index,
            &RuleConfig::default(),
        ));
        let (alone, _) = RuleConfig::with_overrides([("unattributed-claim", Severity::Off)]);
        assert_eq!(of(check(&text, &analysis, &lexicon.index, &alone)), all);
        for rule in read {
            assert!(all.iter().any(|f| f.rule == rule), "{rule:?}: {all:?}");
        }
    }

    #[test]
    fn codes_round_trip_and_are_the_public_contract() {
        let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "quote-without-speaker",
                "misattributed-quote",
                "altered-quote",
                "unattributed-claim",
                "vague-attribution",
                "unsourced-figure",
                "name-variant",
                "first-reference"
            ]
        );
        for rule in Rule::ALL {
            assert_eq!(Rule::from_code(rule.code()), Some(rule));
        }
        assert_eq!(Rule::from_code("vague"), None);
    }

    #[test]
    fn overrides_change_one_rule_and_report_unknown_codes() {
        let (config, unknown) = RuleConfig::with_overrides([
            ("name-variant", Severity::Off),
            ("unsourced-figure", Severity::Warning),
            ("name-varient", Severity::Error),
        ]);
        assert!(!config.enabled(Rule::NameVariant));
        assert_eq!(config.severity(Rule::UnsourcedFigure), Severity::Warning);
        assert_eq!(config.severity(Rule::MisattributedQuote), Severity::Error);
        assert_eq!(unknown, ["name-varient"]);
    }

    #[test]
    fn edits_apply_in_document_order_and_refuse_overlaps() {
        let text = "Erdoğan met Putin.";
        let edits = vec![
            (13..18, "Vladimir Putin".to_string()),
            (0..8, "Erdogan".to_string()),
        ];
        assert_eq!(
            apply_edits(text, &edits).as_deref(),
            Some("Erdogan met Vladimir Putin.")
        );
        assert_eq!(
            apply_edits(text, &[(0..5, "x".into()), (3..6, "y".into())]),
            None
        );
        // Byte 5 is inside "ğ".
        assert_eq!(apply_edits(text, &[(5..6, "g".into())]), None);
    }
}
