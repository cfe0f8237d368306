//! A compiled lexicon: the name automaton, the completion table and the
//! claim word index. Built once per (re)load, shared read-only by every
//! analysis through an `Arc`.
//!
//! Names are matched from word starts only (a mention never starts inside a
//! word), so the folded names live in one finite state transducer walked from
//! each word start: the cost of a document's scan depends on its words, not on
//! how many names the lexicon holds, and a million names build in well under
//! a second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fst::raw::{Fst, Output};

use crate::lexicon::{Claim, Entity, EntityKind, Lexicon, Source};
use crate::text::fold::fold;

pub type EntityId = usize;
pub type ClaimId = usize;

/// How many claim ids [`LexiconIndex::candidate_claims`] gathers before it
/// stops adding more common words' claims.
const CANDIDATE_BUDGET: usize = 2048;

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
    /// Folded pattern → pattern id (its rank in byte order).
    names: Fst<Vec<u8>>,
    /// Which bytes start some pattern: the walk is tried only there.
    first_bytes: [bool; 256],
    /// Pattern id → folded pattern text and what it stands for.
    patterns: Vec<(String, Vec<PatternTarget>)>,
    /// Pattern id → whether it is one ordinary English word ("Has").
    ordinary: Vec<bool>,
    /// Folded name, alias or later name word → entity, sorted, for prefix completion.
    completion: Vec<(String, EntityId)>,
    /// Folded content word → claims containing it, in ascending order.
    claim_words: HashMap<String, Vec<u32>>,
    /// Folded given name → the persons with it and their folded surname,
    /// for spotting transliterated surnames ("Muammar Qaddafi").
    given_names: HashMap<String, Vec<(EntityId, String)>>,
}

impl std::fmt::Debug for LexiconIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LexiconIndex")
            .field("entities", &self.entities.len())
            .field("claims", &self.claims.len())
            .finish()
    }
}

fn given_names(entities: &[IndexedEntity]) -> HashMap<String, Vec<(EntityId, String)>> {
    let mut by_given: HashMap<String, Vec<(EntityId, String)>> = HashMap::new();
    for (id, indexed) in entities.iter().enumerate() {
        let e = &indexed.entity;
        if e.kind != crate::lexicon::EntityKind::Person {
            continue;
        }
        let parts: Vec<&str> = e
            .name
            .split_whitespace()
            .filter(|p| !matches!(*p, "Jr." | "Jr" | "Sr." | "Sr" | "II" | "III" | "IV"))
            .collect();
        if let [given, .., surname] = parts.as_slice() {
            by_given
                .entry(fold(given))
                .or_default()
                .push((id, fold(surname)));
        }
    }
    by_given
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

        let mut by_pattern: HashMap<String, Vec<PatternTarget>> = HashMap::new();
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
                by_pattern.entry(folded).or_default().push(PatternTarget {
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
        completion.sort_unstable();
        let given_names = given_names(&entities);

        // Pattern ids are ranks in byte order, which is the order the
        // transducer is built in.
        let mut patterns: Vec<(String, Vec<PatternTarget>)> = by_pattern.into_iter().collect();
        patterns.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut first_bytes = [false; 256];
        let mut builder = fst::raw::Builder::memory();
        for (id, (p, _)) in patterns.iter().enumerate() {
            first_bytes[usize::from(p.as_bytes()[0])] = true;
            builder
                .insert(p.as_bytes(), id as u64)
                .expect("patterns are unique and sorted");
        }
        let names = builder.into_fst();
        let ordinary = patterns
            .iter()
            .map(|(p, _)| !p.contains(' ') && is_common_word(p))
            .collect();

        let mut claim_words: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, c) in claims.iter().enumerate() {
            let mut words: Vec<&String> = c
                .folded_words
                .iter()
                .filter(|w| !is_common_word(w))
                .collect();
            words.sort_unstable();
            words.dedup();
            for w in words {
                // Claim ids ascend, so every list stays sorted.
                match claim_words.get_mut(w.as_str()) {
                    Some(ids) => ids.push(id as u32),
                    None => {
                        claim_words.insert(w.clone(), vec![id as u32]);
                    }
                }
            }
        }

        LexiconIndex {
            lexicons,
            entities,
            claims,
            names,
            first_bytes,
            patterns,
            ordinary,
            completion,
            claim_words,
            given_names,
        }
    }

    /// The persons whose full name starts with this (folded) given name,
    /// with their folded surnames.
    pub fn persons_named(&self, folded_given: &str) -> &[(EntityId, String)] {
        self.given_names
            .get(folded_given)
            .map_or(&[], Vec::as_slice)
    }

    pub fn entity(&self, id: EntityId) -> &IndexedEntity {
        &self.entities[id]
    }

    pub fn claim(&self, id: ClaimId) -> &IndexedClaim {
        &self.claims[id]
    }

    /// Whether the lexicon has any name at all.
    pub fn has_names(&self) -> bool {
        !self.patterns.is_empty()
    }

    /// The longest pattern that `hay[start..]` begins with: its end and id.
    /// `hay` is folded text.
    pub fn longest_name_at(&self, hay: &str, start: usize) -> Option<(usize, usize)> {
        let bytes = &hay.as_bytes()[start..];
        if !bytes
            .first()
            .is_some_and(|&b| self.first_bytes[usize::from(b)])
        {
            return None;
        }
        let mut node = self.names.root();
        let mut out = Output::zero();
        let mut longest = None;
        for (i, &b) in bytes.iter().enumerate() {
            let Some(t) = node.find_input(b) else {
                break;
            };
            let t = node.transition(t);
            out = out.cat(t.out);
            node = self.names.node(t.addr);
            if node.is_final() {
                let id = out.cat(node.final_output()).value() as usize;
                longest = Some((start + i + 1, id));
            }
        }
        // UTF-8 is prefix-free: a pattern of whole characters ends on one.
        debug_assert!(longest.is_none_or(|(end, _)| hay.is_char_boundary(end)));
        longest
    }

    pub fn pattern(&self, id: usize) -> (&str, &[PatternTarget]) {
        let (p, t) = &self.patterns[id];
        (p, t)
    }

    /// Whether a pattern is a single ordinary English word, which counts as
    /// a name only where the text supports it.
    pub fn is_ordinary_word(&self, pattern: usize) -> bool {
        self.ordinary[pattern]
    }

    /// The pattern whose folded text is exactly `folded`.
    pub fn pattern_for(&self, folded: &str) -> Option<usize> {
        self.names
            .get(folded.as_bytes())
            .map(|o| o.value() as usize)
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

    /// Claims sharing the given folded content words, the best-covered first
    /// (ties in lexicon order), at most `limit`.
    ///
    /// Candidates come from the quotation's rarest words: claims are
    /// gathered from the shortest word lists until `CANDIDATE_BUDGET` ids
    /// have been seen, then scored against every word. A claim sharing only
    /// words that thousands of claims use is not a candidate, so the cost
    /// stays bounded however large the lexicon grows.
    pub fn candidate_claims(&self, words: &[String], limit: usize) -> Vec<ClaimId> {
        let mut lists: Vec<&[u32]> = words
            .iter()
            .filter_map(|w| self.claim_words.get(w.as_str()).map(Vec::as_slice))
            .collect();
        lists.sort_by_key(|l| l.len());
        let mut candidates: Vec<u32> = Vec::new();
        for list in &lists {
            if !candidates.is_empty() && candidates.len() + list.len() > CANDIDATE_BUDGET {
                break;
            }
            candidates.extend_from_slice(list);
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Count each candidate's words by walking every list alongside the
        // sorted candidates: linear in the lists, no lookups.
        let mut counts = vec![0usize; candidates.len()];
        for list in &lists {
            let mut j = 0;
            for (k, &id) in candidates.iter().enumerate() {
                while j < list.len() && list[j] < id {
                    j += 1;
                }
                if j == list.len() {
                    break;
                }
                if list[j] == id {
                    counts[k] += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, u32)> = counts.into_iter().zip(candidates).collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(_, id)| id as ClaimId)
            .collect()
    }

    /// Every claim whose words include all of `words` (folded), in lexicon
    /// order: the intersection of their lists, from the shortest. Ordinary
    /// words are not indexed and constrain nothing.
    pub fn claims_with_all(&self, words: &[String]) -> Vec<ClaimId> {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(words.len());
        for w in words.iter().filter(|w| !is_common_word(w)) {
            match self.claim_words.get(w.as_str()) {
                Some(ids) => lists.push(ids),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let Some((first, rest)) = lists.split_first() else {
            return Vec::new();
        };
        let Some((second, rest)) = rest.split_first() else {
            return first.iter().map(|&id| id as ClaimId).collect();
        };
        let mut out = intersect(first, second);
        for list in rest {
            if out.is_empty() {
                break;
            }
            out = intersect(&out, list);
        }
        out.into_iter().map(|id| id as ClaimId).collect()
    }

    pub fn kind(&self, id: EntityId) -> EntityKind {
        self.entities[id].entity.kind
    }
}

/// The ids in both sorted lists, in order; `a` is the shorter. Lists of
/// like length are merged without data-dependent branches (ids of common
/// words interleave unpredictably); a much shorter list is looked up in the
/// longer by galloping from the last id found, so a rare word's handful of
/// claims costs a few probes into a common word's thousands.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    if a.len() >= 512 {
        // Two common words: a bit per claim id (a few kilobytes) marks
        // `a`'s, and `b` is tested against it, neither walk branching on
        // the other's ids.
        let top = a[a.len() - 1].max(b[b.len() - 1]) as usize;
        let mut bits = vec![0u64; top / 64 + 1];
        for &x in a {
            bits[x as usize / 64] |= 1 << (x % 64);
        }
        out.extend(
            b.iter()
                .copied()
                .filter(|&y| bits[y as usize / 64] & (1 << (y % 64)) != 0),
        );
        return out;
    }
    if a.len() * 16 >= b.len() {
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            if x == y {
                out.push(x);
            }
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        return out;
    }
    let mut rest = b;
    for &x in a {
        let mut hi = 1;
        while hi < rest.len() && rest[hi - 1] < x {
            hi *= 2;
        }
        let at = rest[..hi.min(rest.len())].partition_point(|&y| y < x);
        rest = &rest[at..];
        match rest.first() {
            None => break,
            Some(&y) if y == x => {
                out.push(x);
                rest = &rest[1..];
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod intersect_tests {
    use super::intersect;

    /// Every way of intersecting (merge, gallop, bit set) gives the ids in
    /// both lists, in order.
    #[test]
    fn each_strategy_finds_the_common_ids() {
        let naive = |a: &[u32], b: &[u32]| -> Vec<u32> {
            a.iter().copied().filter(|x| b.contains(x)).collect()
        };
        let evens: Vec<u32> = (0..4000).step_by(2).collect();
        let threes: Vec<u32> = (0..4000).step_by(3).collect();
        let rare = vec![0, 6, 7, 3001, 3998, 5000];
        let few: Vec<u32> = (0..40).map(|i| i * 7).collect();
        for (a, b) in [
            (&rare, &evens),
            (&few, &threes),
            (&evens, &threes),
            (&few, &few),
            (&rare, &vec![]),
        ] {
            assert_eq!(intersect(a, b), naive(a, b));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::parse;

    fn index_of(entities: &str, claims: &[&str]) -> LexiconIndex {
        let claims: Vec<String> = claims
            .iter()
            .enumerate()
            .map(|(i, text)| {
                format!(
                    r#"{{"id": "c{i}", "text": "{text}", "quoted": true, "source": "s", "start": 0, "end": 1}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"copydesk_lexicon": 1, "entities": [{entities}], "claims": [{}]}}"#,
            claims.join(",")
        );
        LexiconIndex::build(vec![LexiconInput {
            path: "x.lexicon.json".into(),
            lexicon: parse(&text).unwrap(),
            text,
        }])
    }

    #[test]
    fn the_longest_name_at_a_position() {
        let index = index_of(
            r#"{"id": "e", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan"]},
               {"id": "s", "name": "S-400", "kind": "weapon"}"#,
            &[],
        );
        let hay = "recep tayyip erdogan's s-400s";
        let (end, p) = index.longest_name_at(hay, 0).unwrap();
        assert_eq!(&hay[..end], "recep tayyip erdogan");
        assert_eq!(index.pattern(p).0, "recep tayyip erdogan");
        assert_eq!(
            index.longest_name_at(hay, 6),
            None,
            "no name starts with tayyip"
        );
        let (end, p) = index.longest_name_at(hay, 13).unwrap();
        assert_eq!(
            (&hay[13..end], index.pattern_for("erdogan")),
            ("erdogan", Some(p))
        );
        let (end, _) = index.longest_name_at(hay, 23).unwrap();
        assert_eq!(&hay[23..end], "s-400");
        assert_eq!(index.pattern_for("tayyip"), None);
    }

    #[test]
    fn claims_with_every_word_in_lexicon_order() {
        let index = index_of(
            "",
            &[
                "We buy our own weapons",
                "We buy gas from Russia",
                "Russia sells weapons to Turkey",
            ],
        );
        let w = |s: &str| words_of(&fold(s));
        assert_eq!(index.claims_with_all(&w("weapons")), vec![0, 2]);
        assert!(is_common_word("buy"));
        assert_eq!(index.claims_with_all(&w("buy weapons")), vec![0, 2]);
        assert_eq!(index.claims_with_all(&w("weapons sells")), vec![2]);
        assert_eq!(index.claims_with_all(&w("russia weapons turkey")), vec![2]);
        assert_eq!(
            index.claims_with_all(&w("weapons tanks")),
            Vec::<ClaimId>::new()
        );
    }

    #[test]
    fn candidates_rank_by_shared_words_and_stay_bounded() {
        let mut claims = vec!["Pipeline talks stalled in Sochi"; CANDIDATE_BUDGET + 10];
        claims.push("Sochi pipeline weapons deal");
        let index = index_of("", &claims);
        let w = |s: &str| words_of(&fold(s));
        let last = claims.len() - 1;
        // The rare word brings its claim first; the common words' claims are
        // too many to gather, however many ids they hold.
        assert_eq!(
            index.candidate_claims(&w("weapons pipeline sochi"), 24),
            vec![last]
        );
        // With only common words, the best covered come first, in lexicon order.
        let common = index.candidate_claims(&w("pipeline stalled"), 3);
        assert_eq!(common, vec![0, 1, 2]);
    }
}
