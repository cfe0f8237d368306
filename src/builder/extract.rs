//! One article → its entity candidates, with the evidence for their kinds,
//! titles and descriptions, and its claims with resolved speakers.
//!
//! Everything here is per article and pure, so articles can be processed in
//! parallel; `combine` then joins the articles' findings into one lexicon.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use crate::lexicon::EntityKind;
use crate::text::attribution::{
    attribute_quotations, find_reported_speech, Attribution, Placement, SpeakerKind,
};
use crate::text::fold::fold;
use crate::text::prose::{self, BlockKind};
use crate::text::quotes::{find_quotations, Quotation};
use crate::text::sentences::split_sentences;
use crate::text::words::{is_capitalized, tokenize, Token, TokenKind};

use super::data::{data, Data};
use super::Article;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gender {
    Male,
    Female,
}

/// A piece of text found in the article, with where it was found and how
/// much it is worth (higher wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidenced {
    pub text: String,
    pub priority: u8,
    pub at: Range<usize>,
}

fn better(current: &mut Option<Evidenced>, new: Evidenced) {
    let replace = match current {
        None => true,
        Some(c) => new.priority > c.priority,
    };
    if replace {
        *current = Some(new);
    }
}

#[derive(Debug, Clone, Default)]
pub struct LocalEntity {
    /// Surface forms without titles or possessives, with their counts.
    pub forms: BTreeMap<String, usize>,
    /// Forms with their title as written: "President Joe Biden", "Mr Obama".
    pub titled_forms: BTreeSet<String>,
    /// Job titles used before the name: "President".
    pub titles_used: BTreeSet<String>,
    /// Honorifics used before the name, as written: "Mr", "Dr.".
    pub honorifics_used: BTreeSet<String>,
    pub scores: [i32; 6],
    pub gazetteer: Option<usize>,
    pub title: Option<Evidenced>,
    pub description: Option<Evidenced>,
    /// "in Russia" for a city given as "Sochi, Russia".
    pub located_in: Option<String>,
    pub first_mention: Range<usize>,
    pub first_reference: Option<String>,
    pub acronyms: BTreeSet<String>,
    pub genders: BTreeSet<Gender>,
    /// Only ever seen as a capitalised first word of a sentence.
    pub weak_only: bool,
    /// Removed by merging into another candidate.
    merged_into: Option<usize>,
}

impl LocalEntity {
    pub fn add(&mut self, kind: EntityKind, score: i32) {
        self.scores[kind.index()] += score;
    }

    /// The kind the evidence supports, or `Other`.
    pub fn kind(&self) -> EntityKind {
        if let Some(g) = self.gazetteer {
            return data().gazetteer[g].kind;
        }
        let (best, score) = self
            .scores
            .iter()
            .enumerate()
            .max_by_key(|&(i, s)| (*s, std::cmp::Reverse(i)))
            .unwrap_or((5, &0));
        if *score > 0 {
            EntityKind::ALL[best]
        } else {
            EntityKind::Other
        }
    }

    pub fn most_used_form(&self) -> &str {
        self.forms
            .iter()
            .max_by(|a, b| {
                let wa = a.0.split_whitespace().count();
                let wb = b.0.split_whitespace().count();
                (wa, a.1).cmp(&(wb, b.1)).then_with(|| b.0.cmp(a.0))
            })
            .map_or("", |(f, _)| f.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct LocalClaim {
    pub text: String,
    pub quoted: bool,
    pub speaker: Option<usize>,
    pub speaker_text: String,
    pub cue: String,
    pub start: usize,
    pub end: usize,
    pub sentence: String,
}

#[derive(Debug, Clone)]
pub struct Findings {
    pub entities: Vec<LocalEntity>,
    pub claims: Vec<LocalClaim>,
}

#[derive(Debug, Clone)]
struct Mention {
    /// The name as written, without title or possessive.
    range: Range<usize>,
    in_quote: bool,
    sentence: usize,
    subject_like: bool,
    entity: usize,
}

/// Collapses line breaks (and Markdown markers masked to spaces) to one space.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn strip_possessive(word: &str) -> (&str, bool) {
    for suffix in ["’s", "'s", "’", "'"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if !stem.is_empty() {
                return (stem, true);
            }
        }
    }
    (word, false)
}

/// S-400, F-35, MiG-29, AK-47, B-52: letters, a hyphen, digits.
fn is_designator(word: &str) -> bool {
    let w = word.strip_suffix('s').unwrap_or(word);
    let Some((letters, digits)) = w.split_once('-') else {
        return false;
    };
    !letters.is_empty()
        && letters.len() <= 4
        && letters.chars().all(|c| c.is_ascii_alphabetic())
        && letters.starts_with(|c: char| c.is_ascii_uppercase())
        && !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_alphanumeric())
}

/// NATO, FDD, U.S., E.U.: two or more capitals, maybe with periods.
fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| *c != '.' && *c != '&').collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_ascii_uppercase())
}

fn lower_bare(word: &str) -> String {
    strip_possessive(word)
        .0
        .trim_end_matches('.')
        .to_lowercase()
}

struct Lists {
    function_words: std::collections::HashSet<&'static str>,
}

fn lists() -> &'static Lists {
    static LISTS: std::sync::OnceLock<Lists> = std::sync::OnceLock::new();
    LISTS.get_or_init(|| {
        let mut function_words = std::collections::HashSet::new();
        for data in [
            include_str!("../../data/text/function-words.txt"),
            include_str!("../../data/text/sentence-starters.txt"),
        ] {
            for line in data.lines() {
                let l = line.split('#').next().unwrap_or("").trim();
                if !l.is_empty() && !l.starts_with('[') {
                    function_words.insert(l);
                }
            }
        }
        Lists { function_words }
    })
}

fn is_function_word(word: &str) -> bool {
    lists().function_words.contains(lower_bare(word).as_str())
}

/// A capitalised word that can be part of a name: not a demonym compound
/// ("Turkish-backed", "US-Turkish").
fn is_name_word(d: &Data, word: &str) -> bool {
    if !is_capitalized(word)
        || word
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return false;
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return false; // 4, 2019, 18-month
    }
    if word.contains('-') && !is_designator(word) {
        let (stem, _) = strip_possessive(word);
        if d.gazetteer_names.contains_key(stem) {
            return true; // Nagorno-Karabakh, Guinea-Bissau
        }
        let parts: Vec<&str> = stem.split('-').collect();
        if parts.iter().any(|p| d.demonyms.contains(p))
            || parts.iter().all(|p| d.gazetteer_names.contains_key(p))
        {
            return false; // US-Turkish, Turkish-backed, US-Russia
        }
        if parts
            .last()
            .is_some_and(|p| p.starts_with(char::is_lowercase))
        {
            return false; // "Kremlin-backed"
        }
    }
    true
}

const PARTICLES: &[&str] = &[
    "de", "da", "di", "du", "del", "della", "van", "von", "bin", "ibn", "al", "el", "la", "le", "y",
];

struct Ctx<'a> {
    text: &'a str,
    d: &'static Data,
    quotations: Vec<Quotation>,
    sentences: Vec<Range<usize>>,
    mentions: Vec<Mention>,
    entities: Vec<LocalEntity>,
    /// fold(form) → entity.
    keys: HashMap<String, usize>,
}

pub fn extract(article: &Article) -> Findings {
    let prose = prose::extract(&article.text, article.kind);
    let text = prose.masked.as_str();
    let blocks: Vec<Range<usize>> = prose
        .blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Heading)
        .map(|b| b.range.clone())
        .collect();
    let quotations = find_quotations(text, &blocks);
    let sentences: Vec<Range<usize>> = blocks
        .iter()
        .flat_map(|b| split_sentences(text, b.clone()))
        .collect();
    let mut ctx = Ctx {
        text,
        d: data(),
        quotations,
        sentences,
        mentions: Vec::new(),
        entities: Vec::new(),
        keys: HashMap::new(),
    };
    ctx.find_mentions();
    ctx.link_names();
    let quote_attributions = attribute_quotations(ctx.text, &ctx.sentences, &ctx.quotations);
    let reported: Vec<Vec<_>> = ctx
        .sentences
        .iter()
        .map(|s| find_reported_speech(ctx.text, s.clone(), &ctx.quotations))
        .collect();
    // Named speakers are people (or organisations that speak, whose names
    // carry their own evidence).
    for a in quote_attributions
        .iter()
        .flatten()
        .map(|q| &q.attribution)
        .chain(reported.iter().flatten().map(|r| &r.attribution))
    {
        if a.speaker.kind == SpeakerKind::Name {
            if let Some(e) = ctx.entity_at(&a.speaker.name) {
                ctx.entities[e].add(EntityKind::Person, 3);
            }
        }
    }
    let claims = ctx.claims(&quote_attributions, &reported);
    let Ctx { mut entities, .. } = ctx;
    for e in &mut entities {
        if e.merged_into.is_some() {
            e.forms.clear();
        }
    }
    // Keep indices stable for claims: drop nothing here; combine skips empties.
    for e in &mut entities {
        let total: i32 = e.scores.iter().sum();
        if e.weak_only && total <= 0 && e.gazetteer.is_none() {
            e.forms.clear();
        }
    }
    Findings { entities, claims }
}

impl<'a> Ctx<'a> {
    fn in_quote(&self, at: usize) -> bool {
        self.quotations
            .iter()
            .any(|q| q.depth == 0 && q.range.start <= at && at < q.range.end)
    }

    fn word(&self, t: &Token) -> &'a str {
        let text: &'a str = self.text;
        &text[t.range.clone()]
    }

    fn entity_at(&self, range: &Range<usize>) -> Option<usize> {
        let mut found = None;
        for m in &self.mentions {
            if m.range.start < range.end && range.start < m.range.end {
                let e = self.resolve(m.entity);
                if found.is_some_and(|f| f != e) {
                    return None; // "Putin and Erdogan"
                }
                found = Some(e);
            }
        }
        found
    }

    fn resolve(&self, mut e: usize) -> usize {
        while let Some(next) = self.entities[e].merged_into {
            e = next;
        }
        e
    }

    /// Longest gazetteer name starting at token `i`, in tokens.
    fn gazetteer_at(&self, tokens: &[Token], i: usize) -> Option<(usize, usize)> {
        let max = self.d.longest_name_words.min(tokens.len() - i);
        for len in (1..=max).rev() {
            let span = &tokens[i..i + len];
            if span.iter().any(|t| !t.is_word()) {
                continue;
            }
            // Only single spaces between the words.
            if span
                .windows(2)
                .any(|w| &self.text[w[0].range.end..w[1].range.start] != " ")
            {
                continue;
            }
            let raw = &self.text[span[0].range.start..span[len - 1].range.end];
            let (stem, _) = strip_possessive(raw);
            if let Some(&g) = self.d.gazetteer_names.get(stem) {
                return Some((len, g));
            }
        }
        None
    }

    fn find_mentions(&mut self) {
        for si in 0..self.sentences.len() {
            let sentence = self.sentences[si].clone();
            let tokens = tokenize(self.text, sentence.clone());
            let dateline = self.dateline(&tokens);
            let mut i = 0;
            while i < tokens.len() {
                let t = &tokens[i];
                // A capitalised function word opening a sentence (or a
                // sentence inside a quotation) is capitalised by position only.
                let positional = is_initial(&tokens, i) && is_function_word(self.word(t));
                if !t.is_word() || !is_name_word(self.d, self.word(t)) || positional {
                    i += 1;
                    continue;
                }
                let gaz = self.gazetteer_at(&tokens, i);
                let run_end = self.run_end(&tokens, i);
                let (end, gazetteer) = match gaz {
                    Some((len, g)) if i + len >= run_end => (i + len, Some(g)),
                    _ => (run_end, None),
                };
                self.add_run(&tokens, i, end, gazetteer, si, dateline.as_ref());
                i = end.max(i + 1);
            }
        }
    }

    /// "SOCHI, Russia —": the all-capitals city of a dateline.
    fn dateline(&self, tokens: &[Token]) -> Option<usize> {
        let first = tokens.first()?;
        let word = self.word(first);
        if !(word.len() > 2 && word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())) {
            return None;
        }
        let mut k = 0;
        while k < tokens.len()
            && tokens[k].is_word()
            && self
                .word(&tokens[k])
                .chars()
                .all(|c| !c.is_alphabetic() || c.is_uppercase())
        {
            k += 1;
        }
        let has_dash = tokens
            .iter()
            .take(12)
            .any(|t| matches!(t.kind, TokenKind::Punct('—' | '–')));
        (tokens.get(k).is_some_and(|t| t.is_punct(',')) && has_dash).then_some(k)
    }

    /// One past the last token of the capitalised run starting at `i`.
    fn run_end(&self, tokens: &[Token], i: usize) -> usize {
        let mut j = i;
        while j < tokens.len() {
            let t = &tokens[j];
            if !t.is_word() {
                break;
            }
            if j > i && self.text[tokens[j - 1].range.end..t.range.start].contains(['\n', '\r']) {
                break;
            }
            let w = self.word(t);
            if is_name_word(self.d, w) {
                j += 1;
                if strip_possessive(w).1 {
                    break;
                }
                continue;
            }
            // Connectors inside names: "Foundation for Defense of Democracies", "Charles de Gaulle".
            let lw = w.to_lowercase();
            let next_is_name = tokens
                .get(j + 1)
                .is_some_and(|n| n.is_word() && is_name_word(self.d, self.word(n)));
            if j > i && next_is_name {
                let prev = lower_bare(self.word(&tokens[j - 1]));
                let joins = PARTICLES.contains(&lw.as_str())
                    || (matches!(lw.as_str(), "of" | "for" | "on" | "and")
                        && (self.d.organization_heads.contains(prev.as_str())
                            || self.d.place_heads.contains(prev.as_str())
                            || self.run_has_head(tokens, i, j)));
                if joins {
                    j += 1;
                    continue;
                }
            }
            break;
        }
        j
    }

    fn run_has_head(&self, tokens: &[Token], i: usize, j: usize) -> bool {
        tokens[i..j].iter().any(|t| {
            self.d
                .organization_heads
                .contains(lower_bare(self.word(t)).as_str())
        })
    }

    fn add_run(
        &mut self,
        tokens: &[Token],
        mut i: usize,
        end: usize,
        gazetteer: Option<usize>,
        si: usize,
        dateline: Option<&usize>,
    ) {
        let d = self.d;
        let sentence_start = self.sentences[si].start;
        let initial = |i: usize| is_initial(tokens, i);
        // Sentence-initial function words are capitalised only by position.
        while i < end
            && initial(i)
            && (is_function_word(self.word(&tokens[i]))
                || d.not_entities
                    .contains(lower_bare(self.word(&tokens[i])).as_str()))
            && gazetteer.is_none()
        {
            i += 1;
        }
        if i >= end {
            return;
        }
        // Titles and honorifics before the name.
        let lower: Vec<String> = tokens[i..end]
            .iter()
            .map(|t| lower_bare(self.word(t)))
            .collect();
        let title_len = if gazetteer.is_none() {
            d.title_len(&lower)
        } else {
            0
        };
        let titled_start = i;
        let name_start = i + title_len;
        if name_start >= end {
            return;
        }
        let name_tokens = &tokens[name_start..end];
        // A title phrase ending in a possessive ends there: "President Biden’s".
        let first_text = self.word(&name_tokens[0]).to_string();
        let single = name_tokens.len() == 1;
        let joined_lower = lower[title_len..].join(" ");
        // A function word is a name only mid-sentence: "…, Has wrote" (Kerim Has).
        let function_word =
            is_function_word(&first_text) && (initial(name_start) || first_text == "I");
        if gazetteer.is_none()
            && (d.not_entities.contains(joined_lower.as_str())
                || (single
                    && (d.demonyms.contains(strip_possessive(&first_text).0) || function_word)))
        {
            return;
        }
        if single && gazetteer.is_none() && lower[title_len] == "i" {
            return;
        }
        // A dateline city in capitals: "SOCHI" → "Sochi".
        let is_dateline = dateline.is_some_and(|&k| name_start == 0 && end <= k);
        let last = &name_tokens[name_tokens.len() - 1];
        let (last_stem, possessive) = strip_possessive(self.word(last));
        let range = name_tokens[0].range.start..last.range.start + last_stem.len();
        let mut form = clean(&self.text[range.clone()]);
        if is_dateline {
            form = title_case(&form);
        }
        if is_designator(last_stem) && last_stem.ends_with('s') && name_tokens.len() == 1 {
            // "S-400s" is the plural of S-400.
            let base = &last_stem[..last_stem.len() - 1];
            self.add_form_alias(&form, base);
            form = base.to_string();
        }
        if let Some(g) = gazetteer {
            form = d.gazetteer[g].name.to_string();
        }
        let designator = name_tokens.iter().any(|t| is_designator(self.word(t)));
        let acronym = single && is_acronym(last_stem);
        let weak = single
            && initial(name_start)
            && gazetteer.is_none()
            && !designator
            && !acronym
            && title_len == 0;
        let title = (title_len > 0).then(|| {
            clean(&self.text[tokens[titled_start].range.start..tokens[name_start - 1].range.end])
        });
        let before = titled_start.checked_sub(1).map(|k| &tokens[k]);
        let subject_like = !possessive
            && before.is_none_or(|b| {
                b.is_punct(',')
                    || (b.is_word()
                        && matches!(
                            lower_bare(self.word(b)).as_str(),
                            "but"
                                | "and"
                                | "while"
                                | "when"
                                | "since"
                                | "as"
                                | "so"
                                | "yet"
                                | "though"
                                | "although"
                                | "because"
                                | "if"
                                | "then"
                                | "after"
                                | "before"
                        ))
            });
        let titled_range = tokens[titled_start].range.start..range.end;
        let in_quote = self.in_quote(range.start);
        let name_lower: Vec<String> = name_tokens
            .iter()
            .map(|t| lower_bare(self.word(t)))
            .collect();
        let entity = self.entity_for(&form, gazetteer);
        let e = &mut self.entities[entity];
        *e.forms.entry(form.clone()).or_default() += 1;
        e.weak_only &= weak;
        if e.first_mention.is_empty() {
            e.first_mention = range.clone();
        }
        if let Some(g) = gazetteer {
            e.gazetteer = Some(g);
            if !d.gazetteer[g].description.is_empty() {
                better(
                    &mut e.description,
                    Evidenced {
                        text: d.gazetteer[g].description.to_string(),
                        priority: 0,
                        at: range.clone(),
                    },
                );
            }
        }
        if let Some(title) = &title {
            e.add(EntityKind::Person, 5);
            let head = title.trim_end_matches('.').to_lowercase();
            if let Some(g) = gender_of_words(d, head.split_whitespace()) {
                e.genders.insert(g);
            }
            if d.honorifics.contains(head.as_str()) {
                e.honorifics_used.insert(title.clone());
            } else {
                e.titles_used.insert(title.clone());
                better(
                    &mut e.title,
                    Evidenced {
                        text: title.clone(),
                        priority: 1,
                        at: titled_range.clone(),
                    },
                );
            }
            e.titled_forms
                .insert(clean(&self.text[titled_range.clone()]));
            if name_tokens.len() > 1
                && e.first_reference.is_none()
                && !d.honorifics.contains(head.as_str())
            {
                e.first_reference = Some(clean(&self.text[titled_range.clone()]));
            }
        }
        if is_dateline {
            e.add(EntityKind::Place, 5);
        }
        if designator {
            e.add(EntityKind::Weapon, 1);
        }
        // Heads inside the name.
        if !(single && initial(name_start)) {
            if name_lower
                .iter()
                .any(|w| d.organization_heads.contains(w.as_str()))
            {
                e.add(EntityKind::Organization, 5);
            } else if name_lower.len() > 1
                && name_lower
                    .last()
                    .is_some_and(|w| d.place_heads.contains(w.as_str()))
            {
                e.add(EntityKind::Place, 4);
            }
        }
        self.mentions.push(Mention {
            range: range.clone(),
            in_quote,
            sentence: si,
            subject_like,
            entity,
        });
        self.context_evidence(tokens, titled_start, end, entity, si, sentence_start);
    }

    fn add_form_alias(&mut self, alias: &str, base: &str) {
        let entity = self.entity_for(base, None);
        *self.entities[entity]
            .forms
            .entry(alias.to_string())
            .or_default() += 0;
    }

    fn entity_for(&mut self, form: &str, gazetteer: Option<usize>) -> usize {
        let key = match gazetteer {
            Some(g) => fold(self.d.gazetteer[g].name),
            None => fold(form),
        };
        if let Some(&e) = self.keys.get(&key) {
            return self.resolve(e);
        }
        let e = self.entities.len();
        self.entities.push(LocalEntity {
            weak_only: true,
            ..Default::default()
        });
        self.keys.insert(key, e);
        e
    }

    /// Evidence from the words around a name.
    fn context_evidence(
        &mut self,
        tokens: &[Token],
        start: usize,
        end: usize,
        e: usize,
        si: usize,
        sentence_start: usize,
    ) {
        let d = self.d;
        let lower = |t: &Token| lower_bare(&self.text[t.range.clone()]);
        let words_after: Vec<String> = tokens[end..]
            .iter()
            .take(4)
            .take_while(|t| t.is_word())
            .map(lower)
            .collect();
        // "S-400 missiles", "Patriot missile defense system".
        for take in (1..=words_after.len().min(4)).rev() {
            if d.weapon_nouns
                .contains(words_after[..take].join(" ").as_str())
            {
                self.entities[e].add(EntityKind::Weapon, 5);
                break;
            }
        }
        // "an offensive in Idlib", "travelling to Sochi".
        if let Some(prev) = start.checked_sub(1).map(|k| &tokens[k]) {
            let p = lower(prev);
            if prev.is_word()
                && matches!(
                    p.as_str(),
                    "in" | "to"
                        | "from"
                        | "near"
                        | "toward"
                        | "towards"
                        | "into"
                        | "across"
                        | "outside"
                        | "inside"
                )
            {
                self.entities[e].add(EntityKind::Place, 1);
            }
            // "led by Khalifa Hifter".
            if p == "by" && start >= 2 && lower(&tokens[start - 2]) == "led" {
                self.entities[e].add(EntityKind::Person, 2);
            }
            // "the Black Sea resort city of Sochi".
            if p == "of" && start >= 2 {
                self.city_of(tokens, start, e);
            }
        }
        // "Anna Petrova, 54,": an age is said of people.
        let age = tokens.get(end).is_some_and(|t| t.is_punct(','))
            && tokens.get(end + 1).is_some_and(|t| {
                let w = self.word(t);
                t.is_word() && w.len() <= 3 && w.chars().all(|c| c.is_ascii_digit())
            })
            && tokens
                .get(end + 2)
                .is_none_or(|t| t.is_punct(',') || t.is_punct('.'));
        if age {
            self.entities[e].add(EntityKind::Person, 3);
        }
        // "the environmental group Caspian Watch", "lecturer Kerim Has".
        if start >= 1 && tokens[start - 1].is_word() {
            let prev: Vec<String> = tokens[start.saturating_sub(2)..start]
                .iter()
                .filter(|t| t.is_word() && !is_capitalized(self.word(t)))
                .map(lower)
                .collect();
            if prev.last().is_some_and(|w| !is_function_word(w)) {
                if let Some(kind) = d.kind_of_noun_phrase(&prev) {
                    self.entities[e].add(kind, 3);
                }
            }
        }
        // "Sochi, Russia" (but not "Nevertheless, Turkey’s …": a lone
        // capitalised first word is no name).
        let lone_first = end == start + 1 && is_initial(tokens, start);
        if !lone_first && tokens.get(end).is_some_and(|t| t.is_punct(',')) {
            if let Some((len, g)) = (end + 1 < tokens.len())
                .then(|| self.gazetteer_at(tokens, end + 1))
                .flatten()
            {
                let country = &d.gazetteer[g];
                let after = tokens.get(end + 1 + len);
                let closes = after.is_none_or(|t| !t.is_word());
                if closes
                    && country.kind == EntityKind::Place
                    && self.entities[e].gazetteer.is_none()
                    && self.entities[e].title.is_none()
                {
                    self.entities[e].add(EntityKind::Place, 4);
                    self.entities[e].located_in = Some(country.name.to_string());
                }
            }
        }
        self.appositive_after(tokens, end, e, sentence_start);
        self.appositive_before(tokens, start, end, e);
        self.acronym_definition(tokens, start, end, e, si);
    }

    fn city_of(&mut self, tokens: &[Token], start: usize, e: usize) {
        let d = self.d;
        // Walk back from "of" to the article.
        let of = start - 1;
        let mut k = of;
        while k > 0 && tokens[k - 1].is_word() && of - k < 8 {
            let w = lower_bare(self.word(&tokens[k - 1]));
            if matches!(w.as_str(), "the" | "a" | "an") {
                // "the resort city of Sochi" names the city; "…, the last
                // rebel-held region of Syria" (an appositive) names its country.
                let head = lower_bare(self.word(&tokens[of - 1]));
                let appositive = k >= 2 && tokens[k - 2].is_punct(',');
                let names_it = matches!(
                    head.as_str(),
                    "city"
                        | "town"
                        | "village"
                        | "port"
                        | "island"
                        | "province"
                        | "state"
                        | "enclave"
                );
                let words: Vec<String> = tokens[k..of]
                    .iter()
                    .map(|t| lower_bare(self.word(t)))
                    .collect();
                if names_it
                    && !appositive
                    && d.kind_of_noun_phrase(&words) == Some(EntityKind::Place)
                {
                    let text = clean(&self.text[tokens[k].range.start..tokens[of - 1].range.end]);
                    let ent = &mut self.entities[e];
                    ent.add(EntityKind::Place, 4);
                    better(
                        &mut ent.description,
                        Evidenced {
                            text,
                            priority: 2,
                            at: tokens[k - 1].range.start..tokens[start].range.end,
                        },
                    );
                }
                return;
            }
            k -= 1;
        }
    }

    /// "Aykan Erdemir, director of …," / "NATO, the primary Western military alliance,"
    fn appositive_after(&mut self, tokens: &[Token], end: usize, e: usize, _sentence_start: usize) {
        let d = self.d;
        // "The International Energy Agency (IEA), the Paris-based body …"
        let mut end = end;
        if tokens.get(end).is_some_and(|t| t.is_punct('('))
            && tokens.get(end + 2).is_some_and(|t| t.is_punct(')'))
        {
            end += 3;
        }
        if !tokens.get(end).is_some_and(|t| t.is_punct(',')) {
            return;
        }
        let from = end + 1;
        let Some(first) = tokens.get(from).filter(|t| t.is_word()) else {
            return;
        };
        let fw = lower_bare(self.word(first));
        let article = matches!(fw.as_str(), "a" | "an" | "the");
        if !article
            && (is_capitalized(self.word(first))
                || is_function_word(self.word(first)) && fw != "former")
        {
            return;
        }
        let mut to = from;
        while to < tokens.len() && to - from < 30 {
            let t = &tokens[to];
            if t.is_word() || t.is_punct('-') || t.is_punct('’') {
                to += 1;
                continue;
            }
            break;
        }
        if to == from {
            return;
        }
        // It must end the clause: a comma, a dash or the end of the sentence.
        let ends = tokens.get(to).is_none_or(|t| {
            matches!(
                t.kind,
                TokenKind::Punct(',' | '—' | '–' | '.' | ';' | ')' | '(')
            )
        });
        if !ends {
            return;
        }
        let words: Vec<String> = tokens[from..to]
            .iter()
            .map(|t| lower_bare(self.word(t)))
            .collect();
        let Some(kind) = d.kind_of_noun_phrase(&words) else {
            return;
        };
        let start_tok = if matches!(fw.as_str(), "a" | "an") {
            from + 1
        } else {
            from
        };
        if start_tok >= to {
            return;
        }
        let text = clean(&self.text[tokens[start_tok].range.start..tokens[to - 1].range.end]);
        let at = tokens[from].range.start..tokens[to - 1].range.end;
        let gender = gender_of_words(d, words.iter().map(String::as_str));
        let ent = &mut self.entities[e];
        ent.add(kind, 4);
        if kind == EntityKind::Person {
            ent.genders.extend(gender);
            let title_text = title_of(&text);
            better(
                &mut ent.title,
                Evidenced {
                    text: capitalize_first(&title_text),
                    priority: 3,
                    at: at.clone(),
                },
            );
        }
        better(
            &mut ent.description,
            Evidenced {
                text,
                priority: 3,
                at,
            },
        );
    }

    /// "a Russian mercenary group, Wagner," / "the NATO secretary-general, Jens
    /// Stoltenberg," / "A spokeswoman for the regional transport ministry, Irina Volkova,"
    fn appositive_before(&mut self, tokens: &[Token], start: usize, end: usize, e: usize) {
        let d = self.d;
        if start < 3 || !tokens[start - 1].is_punct(',') {
            return;
        }
        let closes = tokens
            .get(end)
            .is_none_or(|t| matches!(t.kind, TokenKind::Punct(',' | '.' | ';' | '—')));
        if !closes {
            return;
        }
        let comma = start - 1;
        // The phrase starts at an article; an article after "for", "of", … is
        // inside it ("a spokeswoman for the … ministry"), so look further back.
        let mut k = comma;
        let mut article: Option<usize> = None;
        while k > 0 && tokens[k - 1].is_word() && comma - k < 12 {
            let w = lower_bare(self.word(&tokens[k - 1]));
            if matches!(w.as_str(), "a" | "an" | "the") {
                article = Some(k - 1);
                let inner = k >= 2
                    && tokens[k - 2].is_word()
                    && matches!(
                        lower_bare(self.word(&tokens[k - 2])).as_str(),
                        "for" | "of" | "at" | "in" | "on"
                    );
                if !inner {
                    break;
                }
            } else if is_function_word(self.word(&tokens[k - 1]))
                && !matches!(w.as_str(), "for" | "of" | "at" | "in" | "on")
            {
                break;
            }
            k -= 1;
        }
        let Some(article) = article else { return };
        let first = article + 1;
        if first >= comma {
            return;
        }
        let words: Vec<String> = tokens[first..comma]
            .iter()
            .map(|t| lower_bare(self.word(t)))
            .collect();
        let Some(kind) = d.kind_of_noun_phrase(&words) else {
            return;
        };
        let text = clean(&self.text[tokens[first].range.start..tokens[comma - 1].range.end]);
        let at = tokens[article].range.start..tokens[end - 1].range.end;
        let gender = gender_of_words(d, words.iter().map(String::as_str));
        let ent = &mut self.entities[e];
        ent.add(kind, 4);
        if kind == EntityKind::Person {
            ent.genders.extend(gender);
            let title = capitalize_first(&title_of(&text));
            better(
                &mut ent.title,
                Evidenced {
                    text: title,
                    priority: 3,
                    at: at.clone(),
                },
            );
        }
        better(
            &mut ent.description,
            Evidenced {
                text,
                priority: 3,
                at,
            },
        );
    }

    /// "Foundation for Defense of Democracies (FDD)".
    fn acronym_definition(
        &mut self,
        tokens: &[Token],
        start: usize,
        end: usize,
        e: usize,
        _si: usize,
    ) {
        if !(tokens.get(end).is_some_and(|t| t.is_punct('('))
            && tokens.get(end + 2).is_some_and(|t| t.is_punct(')')))
        {
            return;
        }
        let acr = self.word(&tokens[end + 1]).to_string();
        if !is_acronym(&acr) {
            return;
        }
        let initials: String = tokens[start..end]
            .iter()
            .map(|t| self.word(t))
            .filter(|w| is_capitalized(w))
            .filter_map(|w| w.chars().next())
            .collect();
        let letters: String = acr.chars().filter(|c| c.is_alphabetic()).collect();
        // Initials match, or at least the first letter does: an acronym from
        // another language ("Federal Security Service (FSB)").
        if initials.to_uppercase() != letters && initials.chars().next() != letters.chars().next() {
            return;
        }
        self.entities[e].acronyms.insert(acr.clone());
        // Later uses of the acronym are this entity.
        let key = fold(&acr);
        match self.keys.get(&key).copied() {
            Some(other) if other != e => {
                let other = self.resolve(other);
                if other != e {
                    self.merge(other, e);
                }
            }
            _ => {
                self.keys.insert(key, e);
            }
        }
    }

    fn merge(&mut self, from: usize, into: usize) {
        if from == into {
            return;
        }
        let src = std::mem::take(&mut self.entities[from]);
        let dst = &mut self.entities[into];
        for (f, n) in src.forms {
            *dst.forms.entry(f).or_default() += n;
        }
        dst.titled_forms.extend(src.titled_forms);
        dst.titles_used.extend(src.titles_used);
        dst.honorifics_used.extend(src.honorifics_used);
        for i in 0..6 {
            dst.scores[i] += src.scores[i];
        }
        dst.gazetteer = dst.gazetteer.or(src.gazetteer);
        if let Some(t) = src.title {
            better(&mut dst.title, t);
        }
        if let Some(t) = src.description {
            better(&mut dst.description, t);
        }
        dst.located_in = dst.located_in.take().or(src.located_in);
        let src_first =
            src.first_mention.start < dst.first_mention.start || dst.first_mention.is_empty();
        if src_first {
            dst.first_mention = src.first_mention;
        }
        if (src_first && src.first_reference.is_some()) || dst.first_reference.is_none() {
            dst.first_reference = src.first_reference.or(dst.first_reference.take());
        }
        dst.acronyms.extend(src.acronyms);
        dst.genders.extend(src.genders);
        dst.weak_only &= src.weak_only;
        self.entities[from].merged_into = Some(into);
        for m in &mut self.mentions {
            if m.entity == from {
                m.entity = into;
            }
        }
    }

    /// Surnames and short forms join the full name: "Has" → "Kerim Has",
    /// "Vladimir Putin" → "Vladimir V. Putin".
    fn link_names(&mut self) {
        let live: Vec<usize> = (0..self.entities.len())
            .filter(|&e| self.entities[e].merged_into.is_none())
            .collect();
        // Full names by (first, last) word and by last word.
        let mut by_last: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_first_last: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for &e in &live {
            let ent = &self.entities[e];
            if ent.gazetteer.is_some()
                || ent.kind() == EntityKind::Organization
                || ent.kind() == EntityKind::Place
            {
                continue;
            }
            let form = ent.most_used_form().to_string();
            let words: Vec<&str> = form.split_whitespace().collect();
            if words.len() >= 2 && words.iter().all(|w| is_capitalized(w)) {
                let last = fold(words[words.len() - 1]);
                by_last.entry(last.clone()).or_default().push(e);
                by_first_last
                    .entry((fold(words[0]), last))
                    .or_default()
                    .push(e);
            }
        }
        for group in by_first_last.values() {
            for &e in &group[1..] {
                let into = self.resolve(group[0]);
                let from = self.resolve(e);
                self.merge(from, into);
            }
        }
        for &e in &live {
            if self.entities[e].merged_into.is_some() {
                continue;
            }
            let ent = &self.entities[e];
            if ent.gazetteer.is_some() || ent.forms.keys().any(|f| f.contains(' ')) {
                continue;
            }
            let kind = ent.kind();
            if kind != EntityKind::Person && kind != EntityKind::Other {
                continue;
            }
            let form = fold(ent.most_used_form());
            if let Some(targets) = by_last.get(&form) {
                let targets: BTreeSet<usize> = targets.iter().map(|&t| self.resolve(t)).collect();
                if targets.len() == 1 {
                    let into = *targets.iter().next().unwrap_or(&e);
                    if into != e {
                        self.merge(e, into);
                        self.entities[into].add(EntityKind::Person, 2);
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------
    // Claims and speakers

    fn person_mentions_in(&self, si: usize) -> Vec<&Mention> {
        self.mentions
            .iter()
            .filter(|m| {
                m.sentence == si
                    && !m.in_quote
                    && self.entities[self.resolve(m.entity)].kind() == EntityKind::Person
            })
            .collect()
    }

    fn claims(
        &mut self,
        quote_attributions: &[Option<crate::text::attribution::QuoteAttribution>],
        reported: &[Vec<crate::text::attribution::ReportedSpeech>],
    ) -> Vec<LocalClaim> {
        // Events in document order: (position, kind of event, index).
        enum Event {
            Quote(usize),
            Reported(usize, usize),
        }
        let mut events: Vec<(usize, usize, Event)> = Vec::new();
        for (qi, q) in self.quotations.iter().enumerate() {
            if let Some(si) = self
                .sentences
                .iter()
                .position(|s| s.start <= q.range.start && q.range.start < s.end)
            {
                events.push((si, q.range.start, Event::Quote(qi)));
            }
        }
        for (si, list) in reported.iter().enumerate() {
            for (ri, r) in list.iter().enumerate() {
                events.push((
                    si,
                    r.content.first().map_or(0, |c| c.start),
                    Event::Reported(si, ri),
                ));
            }
        }
        events.sort_by_key(|(si, pos, _)| (*si, *pos));
        let mut by_sentence: Vec<Vec<Event>> =
            (0..self.sentences.len()).map(|_| Vec::new()).collect();
        for (si, _, event) in events {
            by_sentence[si].push(event);
        }

        // The person the copy is about at this point: the last speaker, or
        // else the subject of the last sentence that had a person as subject.
        // Most recent last.
        let mut salient: Vec<usize> = Vec::new();
        let mut quote_speakers: Vec<Option<Option<usize>>> = vec![None; self.quotations.len()];
        let mut claims = Vec::new();
        for (si, events) in by_sentence.into_iter().enumerate() {
            let mut sentence_speakers: Vec<usize> = Vec::new();
            for event in events {
                match event {
                    Event::Quote(qi) => {
                        let q = self.quotations[qi].clone();
                        let (attribution, speaker) = if q.depth > 0 {
                            // A quotation inside a quotation: the outer speaker quotes it.
                            let Some(outer) = (0..qi).rev().find(|&o| {
                                let oq = &self.quotations[o];
                                oq.depth == 0
                                    && oq.range.start <= q.range.start
                                    && q.range.end <= oq.range.end
                            }) else {
                                continue;
                            };
                            let Some(Some(outer_att)) = quote_attributions.get(outer) else {
                                continue;
                            };
                            (
                                outer_att.attribution.clone(),
                                quote_speakers[outer].flatten(),
                            )
                        } else {
                            let Some(Some(qa)) = quote_attributions.get(qi) else {
                                continue;
                            };
                            let speaker = match (qa.placement, qa.inherited_from) {
                                // Earlier parts are resolved already; a later part
                                // (a quotation running over paragraphs) is resolved here.
                                (Placement::Continued, Some(from)) if from < qi => {
                                    quote_speakers.get(from).copied().flatten().flatten()
                                }
                                _ => self.resolve_speaker(&qa.attribution, &salient),
                            };
                            quote_speakers[qi] = Some(speaker);
                            (qa.attribution.clone(), speaker)
                        };
                        if let Some(s) = speaker {
                            sentence_speakers.push(s);
                        }
                        let (start, end) = trim_claim(self.text, q.inner.clone());
                        if start >= end {
                            continue;
                        }
                        claims.push(self.claim(
                            true,
                            start..end,
                            std::slice::from_ref(&(start..end)),
                            &attribution,
                            speaker,
                            si,
                        ));
                    }
                    Event::Reported(rsi, ri) => {
                        let r = &reported[rsi][ri];
                        let speaker = self.resolve_speaker(&r.attribution, &salient);
                        if let Some(s) = speaker {
                            sentence_speakers.push(s);
                        }
                        let start = r.content.first().map_or(0, |c| c.start);
                        let end = r.content.last().map_or(0, |c| c.end);
                        claims.push(self.claim(
                            false,
                            start..end,
                            &r.content,
                            &r.attribution,
                            speaker,
                            si,
                        ));
                    }
                }
            }
            let focus = match sentence_speakers.last() {
                Some(&last) => Some(last),
                None => self
                    .person_mentions_in(si)
                    .into_iter()
                    .find(|m| m.subject_like)
                    .map(|m| self.resolve(m.entity)),
            };
            if let Some(f) = focus {
                salient.retain(|&x| x != f);
                salient.push(f);
            }
        }
        claims
    }

    fn claim(
        &self,
        quoted: bool,
        span: Range<usize>,
        parts: &[Range<usize>],
        a: &Attribution,
        speaker: Option<usize>,
        si: usize,
    ) -> LocalClaim {
        let text = parts
            .iter()
            .map(|p| clean(&self.text[p.clone()]))
            .collect::<Vec<_>>()
            .join(" ");
        LocalClaim {
            text,
            quoted,
            speaker,
            speaker_text: clean(&self.text[a.speaker.range.clone()]),
            cue: clean(&self.text[a.cue.clone()]),
            start: span.start,
            end: span.end,
            sentence: clean(&self.text[self.sentences[si].clone()]),
        }
    }

    fn resolve_speaker(&mut self, a: &Attribution, salient: &[usize]) -> Option<usize> {
        match a.speaker.kind {
            SpeakerKind::Name => self.entity_at(&a.speaker.name),
            SpeakerKind::Pronoun => {
                let word = self.text[a.speaker.range.clone()].to_lowercase();
                let gender = match word.as_str() {
                    "he" => Gender::Male,
                    "she" => Gender::Female,
                    _ => return None,
                };
                let at = a.speaker.range.start;
                let si = self
                    .sentences
                    .iter()
                    .position(|s| s.start <= at && at < s.end)?;
                // "he" is not someone the copy calls "she" or "Ms.".
                let fits = |e: usize| {
                    let g = &self.entities[e].genders;
                    g.is_empty() || g.contains(&gender)
                };
                let within = self
                    .person_mentions_in(si)
                    .into_iter()
                    .filter(|m| m.range.end <= at && m.subject_like)
                    .map(|m| self.resolve(m.entity))
                    .rfind(|&e| fits(e));
                let found = within.or_else(|| {
                    salient
                        .iter()
                        .rev()
                        .copied()
                        .map(|e| self.resolve(e))
                        .find(|&e| fits(e))
                })?;
                self.entities[found].genders.insert(gender);
                self.entities[found].add(EntityKind::Person, 2);
                Some(found)
            }
            _ => None,
        }
    }
}

/// The quoted words without the punctuation that belongs to the sentence:
/// “We buy our own weapons,” → We buy our own weapons.
fn trim_claim(text: &str, inner: Range<usize>) -> (usize, usize) {
    let s = &text[inner.clone()];
    let kept = s.trim_end_matches([',', '.', ';', ':', ' ']);
    (inner.start, inner.start + kept.len())
}

fn capitalize_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn title_case(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut out = String::new();
            let mut first = true;
            for c in w.chars() {
                if first && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                    first = false;
                } else if c == '-' {
                    out.push(c);
                    first = true;
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A job title from a description: its first conjunct, without an article
/// or a relative clause. "the commander of X who …" → "commander of X".
fn title_of(description: &str) -> String {
    let mut text = description;
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = text.strip_prefix(article) {
            text = rest;
        }
    }
    let cut = [
        " and a ",
        " and an ",
        " and the ",
        " who ",
        " which ",
        " that ",
        ", ",
    ]
    .iter()
    .filter_map(|m| text.find(m))
    .min()
    .unwrap_or(text.len());
    text[..cut].to_string()
}

/// The first word of a sentence, or of a sentence inside it: after an
/// opening quotation mark, a colon, a dash, or a sentence's final period.
fn is_initial(tokens: &[Token], i: usize) -> bool {
    i == 0
        || tokens[..i].iter().all(|t| !t.is_word())
        || matches!(
            tokens[i - 1].kind,
            TokenKind::Punct('“' | '"' | '‘' | ':' | '—' | '(' | '[' | '.' | '?' | '!' | '…')
        )
}

/// The gender the head of a title or description gives: "spokeswoman", "Mr".
fn gender_of_words<'w>(d: &Data, words: impl Iterator<Item = &'w str>) -> Option<Gender> {
    let mut found = None;
    for w in words {
        if matches!(w, "of" | "for" | "at" | "in" | "who" | "that") {
            break;
        }
        if d.female_words.contains(w) {
            found = Some(Gender::Female);
        } else if d.male_words.contains(w) {
            found = Some(Gender::Male);
        }
    }
    found
}
