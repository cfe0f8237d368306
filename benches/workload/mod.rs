//! Deterministic workloads for the benchmarks: drafts and lexicons made from
//! a seed and the reference article, nothing downloaded. The same seed gives
//! the same bytes on every machine, so figures from different runs measure
//! the same work.
//!
//! Every generated entity and claim is a pure function of its index, so the
//! draft generator can name entity 4711 or quote claim 1234 of the 100k
//! lexicon without building it.

#![allow(dead_code)] // each bench target uses a different part

use std::path::{Path, PathBuf};

use copydesk::lexicon::{self, Claim, Entity, EntityKind, Evidence, Lexicon, Source};

pub const ARTICLE: &str = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");
pub const SOCHI_LEXICON: &str = include_str!("../../tests/fixtures/sochi.lexicon.json");

/// The seed every published figure was measured with.
pub const SEED: u64 = 0x00c0_ffee_d35c;

/// How many generated sources a generated lexicon lists.
const SOURCES: usize = 1000;

/// splitmix64: tiny, fast, and the same everywhere.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for item `index` of a stream, independent of the others.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.0 ^= index.wrapping_mul(0xd1b5_4a32_d192_ed03);
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ro", "vel", "min", "dar", "sta", "lo", "ne", "bri", "tov", "ash", "el", "mar", "zu",
    "pen", "gor", "li", "sa", "dun", "hel", "ko", "ra", "ti", "vos", "an", "ber", "chi", "do",
    "fen", "gal", "ix", "jor", "kel", "lun", "mo", "nar", "ol", "pra", "quin", "ros", "sul", "tam",
    "ur", "val", "wen", "yar", "zed", "bo", "ci", "de", "fa", "gu", "ha", "ir", "ju", "ky", "le",
    "mu", "no", "pi",
];

/// An invented word of `syllables` syllables; rarely an English word.
fn invented(rng: &mut Rng, syllables: usize) -> String {
    (0..syllables).map(|_| *rng.pick(SYLLABLES)).collect()
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The reference article's words, lower-cased, once each, sorted: the
/// vocabulary of generated prose and claims.
pub fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = ARTICLE
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words
}

const ORG_HEADS: &[&str] = &[
    "Council",
    "Institute",
    "Ministry",
    "Authority",
    "Foundation",
    "Party",
    "Bank",
    "Agency",
    "Forum",
    "Company",
];
const TITLES: &[&str] = &[
    "foreign minister",
    "defense minister",
    "spokesman",
    "analyst",
    "senator",
    "ambassador",
    "governor",
    "general",
    "economist",
    "mayor",
];
const CUES: &[&str] = &[
    "said",
    "told reporters",
    "wrote",
    "argued",
    "added",
    "said in a statement",
];

/// One entity of a generated lexicon: names of one to four words, aliases
/// and variants, as the builder would write them.
pub fn entity(seed: u64, i: usize) -> Entity {
    let mut r = Rng::for_item(seed, 1, i as u64);
    let (kind, name, aliases, variants, title) = match i % 10 {
        0..=5 => {
            let given = capitalised(&invented(&mut r, 2));
            let surname = capitalised(&invented(&mut r, 3));
            let name = if r.percent(25) {
                format!("{given} {} {surname}", capitalised(&invented(&mut r, 2)))
            } else {
                format!("{given} {surname}")
            };
            let honorific = if r.percent(50) { "Mr." } else { "Ms." };
            let mut variants = Vec::new();
            if r.percent(40) {
                // A transliteration the desk does not use.
                variants.push(name.replacen('o', "ö", 1).replacen('a', "á", 1));
            }
            let title = format!("{} {}", capitalised(&invented(&mut r, 2)), r.pick(TITLES));
            (
                EntityKind::Person,
                name,
                vec![surname.clone(), format!("{honorific} {surname}")],
                variants,
                title,
            )
        }
        6 | 7 => {
            let words = r.range(1, 3);
            let mut parts: Vec<String> = (0..words)
                .map(|_| capitalised(&invented(&mut r, 3)))
                .collect();
            parts.push(r.pick(ORG_HEADS).to_string());
            let acronym: String = parts.iter().filter_map(|p| p.chars().next()).collect();
            let name = parts.join(" ");
            (
                EntityKind::Organization,
                name.clone(),
                vec![acronym],
                Vec::new(),
                format!("{} organization", capitalised(&invented(&mut r, 2))),
            )
        }
        8 => {
            let name = capitalised(&invented(&mut r, 3));
            let variants = if r.percent(30) {
                vec![format!("{name}a")]
            } else {
                Vec::new()
            };
            (
                EntityKind::Place,
                name,
                Vec::new(),
                variants,
                "City".to_string(),
            )
        }
        _ => {
            let letters: String = invented(&mut r, 1).to_uppercase();
            let name = format!("{letters}-{}", r.range(10, 999));
            (
                EntityKind::Weapon,
                name,
                Vec::new(),
                Vec::new(),
                "Missile system".to_string(),
            )
        }
    };
    let first_reference = (kind == EntityKind::Person).then(|| format!("{title} {name}"));
    let description = format!(
        "{} of the {} region, named in {} reports.",
        title,
        capitalised(&invented(&mut r, 2)),
        r.range(1, 40)
    );
    let start = r.below(20_000);
    Entity {
        id: format!("e{i}"),
        name,
        kind,
        aliases,
        variants,
        title,
        description,
        first_reference,
        evidence: vec![Evidence {
            source: format!("gen-{:03}", i % SOURCES),
            start,
            end: start + 12,
            extra: Default::default(),
        }],
        reviewed: i % 3 == 0,
        extra: Default::default(),
    }
}

/// The person who made claim `j` in a lexicon of `entities` generated entities.
pub fn claim_speaker(seed: u64, j: usize, entities: usize) -> usize {
    let mut r = Rng::for_item(seed, 3, j as u64);
    let i = r.below(entities);
    // Persons are the entities whose index ends in 0..=5.
    let person = i - i % 10 + (i % 10) % 6;
    if person < entities {
        person
    } else {
        0
    }
}

/// The words of claim `j`: mostly the article's vocabulary, with a few
/// invented words so that claims differ.
pub fn claim_text(seed: u64, j: usize, vocab: &[String]) -> String {
    let mut r = Rng::for_item(seed, 2, j as u64);
    let n = r.range(10, 24);
    let mut words: Vec<String> = (0..n)
        .map(|_| {
            if r.percent(15) {
                invented(&mut r, 3)
            } else {
                r.pick(vocab).clone()
            }
        })
        .collect();
    words[0] = capitalised(&words[0]);
    words.join(" ")
}

pub fn claim(seed: u64, j: usize, entities: usize, vocab: &[String]) -> Claim {
    let mut r = Rng::for_item(seed, 4, j as u64);
    let speaker = claim_speaker(seed, j, entities);
    let text = claim_text(seed, j, vocab);
    let speaker_entity = entity(seed, speaker);
    let surname = speaker_entity.aliases[0].clone();
    let quoted = r.percent(60);
    let cue = r.pick(CUES).to_string();
    let sentence = if quoted {
        format!("“{text},” {surname} {cue}.")
    } else {
        format!("{surname} {cue} that {}.", text.to_lowercase())
    };
    let start = r.below(20_000);
    Claim {
        id: format!("c{j}"),
        text: text.clone(),
        quoted,
        speaker: Some(format!("e{speaker}")),
        speaker_text: surname,
        cue,
        source: format!("gen-{:03}", j % SOURCES),
        start,
        end: start + text.len(),
        sentence,
        reviewed: j % 2 == 0,
        extra: Default::default(),
    }
}

/// A lexicon of the reference article's entities and claims plus
/// `entities` generated entities and `claims` generated claims.
pub fn lexicon(seed: u64, entities: usize, claims: usize) -> Lexicon {
    let vocab = vocabulary();
    let mut lex = lexicon::parse(SOCHI_LEXICON).expect("the fixture lexicon parses");
    lex.sources.extend((0..SOURCES).map(|s| Source {
        id: format!("gen-{s:03}"),
        path: format!("sources/gen-{s:03}.txt"),
        title: format!("Generated source {s}"),
        date: Some("2021-09-29".into()),
        sha256: String::new(),
        extra: Default::default(),
    }));
    lex.entities.reserve(entities);
    lex.entities.extend((0..entities).map(|i| entity(seed, i)));
    if entities > 0 {
        lex.claims.reserve(claims);
        lex.claims
            .extend((0..claims).map(|j| claim(seed, j, entities, &vocab)));
    }
    lex
}

/// The reference article's paragraphs.
fn article_paragraphs() -> Vec<&'static str> {
    ARTICLE
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The reference article's sentences (split naively at ". " — good enough to
/// shuffle them into generated paragraphs).
fn article_sentences() -> Vec<String> {
    let mut out = Vec::new();
    for p in article_paragraphs() {
        let mut rest = p;
        while let Some(at) = rest.find(". ") {
            out.push(rest[..=at].to_string());
            rest = &rest[at + 2..];
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

/// Builds a generated draft paragraph by paragraph.
struct DraftWriter<'a> {
    rng: Rng,
    seed: u64,
    entities: usize,
    vocab: &'a [String],
    /// Entities already named in full (later mentions use the surname).
    named: std::collections::HashSet<usize>,
    out: String,
    words: usize,
}

impl DraftWriter<'_> {
    fn push_paragraph(&mut self, p: &str) {
        self.words += p.split_whitespace().count();
        self.out.push_str(p);
        self.out.push_str("\n\n");
    }

    /// A mention of a generated entity as a reporter writes it: full name
    /// first, the surname (or acronym) afterwards, now and then a variant.
    fn mention(&mut self) -> String {
        let i = self.rng.below(self.entities);
        let e = entity(self.seed, i);
        if self.named.insert(i) || e.aliases.is_empty() {
            if !e.variants.is_empty() && self.rng.percent(10) {
                return e.variants[0].clone();
            }
            return e.name;
        }
        e.aliases[0].clone()
    }

    fn plain_words(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.rng.pick(self.vocab).clone()).collect()
    }

    fn sentence(&mut self) -> String {
        let n = self.rng.range(8, 24);
        let mut words = self.plain_words(n);
        if self.entities > 0 {
            for _ in 0..self.rng.range(0, 2) {
                let at = self.rng.below(words.len());
                let m = self.mention();
                words[at] = m;
            }
        }
        words[0] = capitalised(&words[0]);
        let mut s = words.join(" ");
        match self.rng.below(10) {
            0 => s.push_str(", officials said."),
            1 if self.entities > 0 => {
                let m = self.mention();
                s.push_str(&format!(", according to {m}."));
            }
            2 => s.push_str(&format!(" in {}.", self.rng.range(1990, 2024))),
            3 => s.push_str(&format!(", a rise of {} percent.", self.rng.range(2, 90))),
            _ => s.push('.'),
        }
        s
    }

    fn prose_paragraph(&mut self) -> String {
        let n = self.rng.range(2, 5);
        (0..n)
            .map(|_| self.sentence())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A quotation of a lexicon claim, whole or in part, attributed to its
    /// speaker or (now and then) to someone else or no one.
    fn quotation_paragraph(&mut self, claims: usize) -> String {
        let j = self.rng.below(claims);
        let text = claim_text(self.seed, j, self.vocab);
        let speaker = entity(self.seed, claim_speaker(self.seed, j, self.entities));
        let surname = speaker.aliases[0].clone();
        let who = if self
            .named
            .insert(claim_speaker(self.seed, j, self.entities))
        {
            speaker.name
        } else {
            surname
        };
        let words: Vec<&str> = text.split(' ').collect();
        let quoted = match self.rng.below(4) {
            0 => {
                let from = self.rng.below(words.len() / 2);
                words[from..from + words.len() / 2].join(" ")
            }
            1 => format!(
                "{} … {}",
                words[..4].join(" "),
                words[words.len() - 4..].join(" ")
            ),
            _ => text.clone(),
        };
        match self.rng.below(6) {
            0 => format!("{who} said: “{quoted}.”"),
            1 => format!("“{quoted}.”"),
            2 => format!("“{quoted},” {who} said. “{}.”", self.sentence()),
            _ => format!("“{quoted},” {who} {}.", self.rng.pick(CUES)),
        }
    }
}

/// A Markdown draft of about `words` words: the reference article's
/// paragraphs and sentences (its mentions, quotations and attributions)
/// mixed with generated prose naming and quoting the entities and claims of
/// the generated lexicon with `entities` entities and `claims` claims
/// (0 for prose without generated names).
pub fn draft(seed: u64, words: usize, entities: usize, claims: usize) -> String {
    draft_variant(seed, 0, words, entities, claims)
}

/// Another draft of the same kind over the same lexicon: variant 0 is
/// [`draft`]'s, and every other variant draws its prose, mentions and
/// quotations afresh. What a desk checks in one run is many different
/// drafts, not one draft many times.
pub fn draft_variant(
    seed: u64,
    variant: u64,
    words: usize,
    entities: usize,
    claims: usize,
) -> String {
    let vocab = vocabulary();
    let paragraphs = article_paragraphs();
    let sentences = article_sentences();
    let mut w = DraftWriter {
        rng: Rng::new(seed ^ 0xd4af7 ^ variant.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        seed,
        entities,
        vocab: &vocab,
        named: Default::default(),
        out: String::with_capacity(words * 7),
        words: 0,
    };
    w.out.push_str(
        "---\ntitle: Generated draft\ndesk: world\n---\n\n# Erdogan and Putin meet in Sochi\n\n",
    );
    let mut article_at = 0;
    while w.words < words {
        match w.rng.below(100) {
            0..=24 => {
                let p = paragraphs[article_at % paragraphs.len()];
                article_at += 1;
                w.push_paragraph(p);
            }
            25..=34 => {
                let mut parts: Vec<String> = (0..w.rng.range(1, 3))
                    .map(|_| w.rng.pick(&sentences).clone())
                    .collect();
                parts.insert(w.rng.below(parts.len() + 1), w.sentence());
                let p = parts.join(" ");
                w.push_paragraph(&p);
            }
            35..=69 => {
                let p = w.prose_paragraph();
                w.push_paragraph(&p);
            }
            70..=84 if entities > 0 && claims > 0 => {
                let p = w.quotation_paragraph(claims);
                w.push_paragraph(&p);
            }
            70..=84 => {
                // A quotation running over two paragraphs.
                let a = w.sentence();
                let b = w.sentence();
                w.push_paragraph(&format!("“{a}"));
                w.push_paragraph(&format!("“{b}” the report said."));
            }
            85..=88 => {
                let n = w.rng.range(3, 7);
                let mut words = w.plain_words(n);
                words[0] = capitalised(&words[0]);
                let h = format!("## {}", words.join(" "));
                w.push_paragraph(&h);
            }
            89..=93 => {
                let items: Vec<String> = (0..w.rng.range(2, 4))
                    .map(|_| format!("- {}", w.sentence()))
                    .collect();
                w.push_paragraph(&items.join("\n"));
            }
            94..=96 => {
                let s = w.rng.pick(&sentences).clone();
                w.push_paragraph(&format!("> {s}"));
            }
            _ => {
                let s = w.sentence();
                let page = w.rng.range(1, 9999);
                let code = w.rng.pick(&vocab).clone();
                w.push_paragraph(&format!(
                    "See [the report](https://example.com/{page}) and `{code}`. {s}"
                ));
            }
        }
    }
    w.out
}

/// The draft sizes and lexicons the benchmarks name.
pub const DRAFT_WORDS: usize = 50_000;
pub const LEXICON_100K: (usize, usize) = (100_000, 200_000);
/// The issue gives the 1M lexicon for load and memory, naming no claim count:
/// a million entities with the 100k desk's 200,000 claims.
pub const LEXICON_1M: (usize, usize) = (1_000_000, 200_000);

/// The 50,000-word draft, written against the 100k lexicon.
pub fn long_draft() -> String {
    long_draft_variant(0)
}

/// The `variant`th 50,000-word draft over the 100k lexicon (0 is
/// [`long_draft`]).
pub fn long_draft_variant(variant: u64) -> String {
    draft_variant(SEED, variant, DRAFT_WORDS, LEXICON_100K.0, LEXICON_100K.1)
}

/// The short example draft: examples/draft.md when the repository has one,
/// else a generated draft of 600 words over the reference article's lexicon.
pub fn example_draft() -> (String, &'static str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/draft.md");
    match std::fs::read_to_string(&path) {
        Ok(text) => (text, "examples/draft.md"),
        Err(_) => (draft(SEED, 600, 0, 0), "generated 600-word draft"),
    }
}

/// Where generated files are kept between runs.
pub fn cache_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("copydesk-workloads");
    std::fs::create_dir_all(&dir).expect("the workload directory can be created");
    dir
}

/// A generated lexicon written to disk (once; reused while it exists).
pub fn lexicon_file(entities: usize, claims: usize) -> PathBuf {
    let path = cache_dir().join(format!("gen-{entities}-{claims}-{SEED:x}.lexicon.json"));
    if !path.exists() {
        let text = lexicon::to_json_string(&lexicon(SEED, entities, claims));
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).expect("the workload lexicon can be written");
        std::fs::rename(&tmp, &path).expect("the workload lexicon can be moved into place");
    }
    path
}
