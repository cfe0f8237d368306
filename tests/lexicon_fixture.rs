//! The hand-written fixture lexicon is the ground truth every protocol and
//! end-to-end test leans on, so its offsets, texts and sentences are checked
//! against the reference article byte for byte: if either file drifts, these
//! tests say which entry and where.

use std::collections::HashMap;
use std::path::PathBuf;

use copydesk::lexicon::{self, Claim, Entity, EntityKind, Lexicon};
use sha2::{Digest, Sha256};

const SOURCE_ID: &str = "sochi-putin-erdogan";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn lexicon_text() -> String {
    std::fs::read_to_string(fixtures().join("sochi.lexicon.json"))
        .expect("fixture lexicon is readable")
}

fn load() -> (Lexicon, String) {
    let lexicon =
        lexicon::parse(&lexicon_text()).unwrap_or_else(|e| panic!("fixture lexicon: {e}"));
    let source = &lexicon.sources[0];
    let article =
        std::fs::read_to_string(fixtures().join(&source.path)).expect("source article is readable");
    (lexicon, article)
}

fn entity<'a>(lexicon: &'a Lexicon, id: &str) -> &'a Entity {
    lexicon
        .entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("fixture has no entity {id}"))
}

fn forms(e: &Entity) -> impl Iterator<Item = &str> {
    std::iter::once(e.name.as_str())
        .chain(e.aliases.iter().map(String::as_str))
        .chain(e.variants.iter().map(String::as_str))
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// Whole-word occurrences of `needle`, as byte ranges (case-sensitive: the
/// fixture's evidence points at the spelling the article uses).
fn word_occurrences(haystack: &str, needle: &str) -> Vec<(usize, usize)> {
    haystack
        .match_indices(needle)
        .map(|(at, m)| (at, at + m.len()))
        .filter(|&(start, end)| {
            !is_word_char(haystack[..start].chars().next_back())
                && !is_word_char(haystack[end..].chars().next())
        })
        .collect()
}

fn line_col(text: &str, at: usize) -> String {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    format!("{line}:{col}")
}

#[test]
fn fixture_parses_and_names_its_source() {
    let (lexicon, _) = load();
    assert_eq!(lexicon.copydesk_lexicon, 1);
    assert_eq!(lexicon.sources.len(), 1);
    let source = &lexicon.sources[0];
    assert_eq!(source.id, SOURCE_ID);
    assert_eq!(source.path, "sochi-putin-erdogan.txt");
    assert!(!source.title.is_empty());
}

#[test]
fn source_sha256_matches_the_article_bytes() {
    let (lexicon, _) = load();
    let bytes = std::fs::read(fixtures().join("sochi-putin-erdogan.txt")).unwrap();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(lexicon.sources[0].sha256, hex);
}

#[test]
fn fixture_is_in_the_form_the_tools_write() {
    // A tool that loads and saves the fixture must leave no diff behind, or
    // every rewrite would churn the file a person reviews.
    let text = lexicon_text();
    let lexicon = lexicon::parse(&text).unwrap();
    assert_eq!(lexicon::to_json_string(&lexicon), text);
}

#[test]
fn every_entry_points_at_the_declared_source() {
    let (lexicon, _) = load();
    for e in &lexicon.entities {
        assert!(e.reviewed, "{} is hand-written and must say reviewed", e.id);
        assert!(!e.evidence.is_empty(), "{} has no evidence", e.id);
        for ev in &e.evidence {
            assert_eq!(ev.source, SOURCE_ID, "{}", e.id);
        }
    }
    for c in &lexicon.claims {
        assert_eq!(c.source, SOURCE_ID, "{}", c.id);
        assert!(c.reviewed, "{} is hand-written and must say reviewed", c.id);
    }
}

#[test]
fn evidence_ranges_hold_a_form_of_the_entity() {
    let (lexicon, article) = load();
    for e in &lexicon.entities {
        for ev in &e.evidence {
            assert!(ev.end <= article.len(), "{}: evidence past the end", e.id);
            assert!(
                article.is_char_boundary(ev.start) && article.is_char_boundary(ev.end),
                "{}: evidence {}..{} splits a character",
                e.id,
                ev.start,
                ev.end
            );
            let span = &article[ev.start..ev.end];
            assert!(
                forms(e).any(|f| f == span),
                "{}: evidence at {} reads {span:?}, which is not its name, an alias or a variant",
                e.id,
                line_col(&article, ev.start)
            );
        }
    }
}

#[test]
fn first_evidence_is_where_the_article_introduces_the_entity() {
    // Leftmost-longest over the entity's own forms, whole words: the mention a
    // reader meets first, and the range a "go to evidence" jump selects.
    let (lexicon, article) = load();
    for e in &lexicon.entities {
        let first = forms(e)
            .flat_map(|f| word_occurrences(&article, f))
            .min_by_key(|&(start, end)| (start, std::cmp::Reverse(end)))
            .unwrap_or_else(|| panic!("{}: no form of it occurs in the article", e.id));
        let ev = &e.evidence[0];
        assert_eq!(
            (ev.start, ev.end),
            first,
            "{}: first evidence reads {:?} but the article introduces it as {:?} at {}",
            e.id,
            &article[ev.start..ev.end],
            &article[first.0..first.1],
            line_col(&article, first.0)
        );
    }
}

#[test]
fn no_two_entities_share_a_spelling() {
    let (lexicon, _) = load();
    let mut owner: HashMap<String, &str> = HashMap::new();
    for e in &lexicon.entities {
        for f in forms(e) {
            if let Some(other) = owner.insert(f.to_lowercase(), &e.id) {
                assert_eq!(other, e.id, "{f:?} belongs to both {other} and {}", e.id);
            }
        }
    }
}

#[test]
fn claim_ranges_hold_exactly_the_claim_text() {
    let (lexicon, article) = load();
    for c in &lexicon.claims {
        assert!(
            c.start < c.end && c.end <= article.len(),
            "{}: bad range",
            c.id
        );
        assert!(
            article.is_char_boundary(c.start) && article.is_char_boundary(c.end),
            "{}: range {}..{} splits a character",
            c.id,
            c.start,
            c.end
        );
        assert_eq!(
            &article[c.start..c.end],
            c.text,
            "{}: text differs from the article at {}",
            c.id,
            line_col(&article, c.start)
        );
    }
}

/// The sentence's byte range, if it occurs exactly once.
fn sentence_range(article: &str, c: &Claim) -> (usize, usize) {
    let hits: Vec<_> = article.match_indices(c.sentence.as_str()).collect();
    assert_eq!(
        hits.len(),
        1,
        "{}: sentence occurs {} times: {:?}",
        c.id,
        hits.len(),
        c.sentence
    );
    (hits[0].0, hits[0].0 + c.sentence.len())
}

#[test]
fn claim_sentences_are_whole_sentences_around_the_claim() {
    let (lexicon, article) = load();
    for c in &lexicon.claims {
        let (start, end) = sentence_range(&article, c);
        assert!(
            start <= c.start && c.end <= end,
            "{}: claim lies outside its sentence",
            c.id
        );
        let before = article[..start].chars().next_back();
        let starts_sentence = match before {
            None | Some('\n') => true,
            Some(' ') => article[..start - 1].ends_with(['.', '”', '?', '!']),
            _ => false,
        };
        assert!(
            starts_sentence,
            "{}: sentence starts mid-sentence: {:?}",
            c.id, c.sentence
        );
        assert!(
            c.sentence.ends_with('.') || c.sentence.ends_with(".”"),
            "{}: sentence is cut short: {:?}",
            c.id,
            c.sentence
        );
        assert!(
            matches!(article[end..].chars().next(), None | Some('\n' | ' ')),
            "{}: sentence stops mid-word",
            c.id
        );
    }
}

#[test]
fn speaker_text_and_cue_come_from_the_claims_paragraph() {
    let (lexicon, article) = load();
    for c in &lexicon.claims {
        let para_start = article[..c.start].rfind('\n').map_or(0, |nl| nl + 1);
        let para_end = article[c.end..]
            .find('\n')
            .map_or(article.len(), |nl| c.end + nl);
        let paragraph = &article[para_start..para_end];
        assert!(
            !word_occurrences(paragraph, &c.speaker_text).is_empty(),
            "{}: speaker_text {:?} is not in its paragraph",
            c.id,
            c.speaker_text
        );
        assert!(
            paragraph.contains(&c.cue),
            "{}: cue {:?} is not in its paragraph",
            c.id,
            c.cue
        );
        if c.quoted {
            assert!(
                c.speaker.is_some(),
                "{}: every quotation in the article has a named speaker",
                c.id
            );
        }
    }
}

/// The byte range of a quotation's words under the fixture's rule: between the
/// marks, without surrounding spaces, without the one comma or period that
/// American style puts inside the closing mark.
fn quoted_words(article: &str, open: usize, close: usize) -> (usize, usize) {
    let inner = &article[open..close];
    let start = open + (inner.len() - inner.trim_start().len());
    let mut end = open + inner.trim_end().len();
    if article[..end].ends_with([',', '.']) {
        end -= 1;
    }
    (start, end)
}

/// Every “…” and ‘…’ in the article. ’ doubles as the apostrophe, so a single
/// quotation closes at the first ’ that is not inside a word.
fn quotations(article: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (open, _) in article.match_indices('“') {
        let from = open + '“'.len_utf8();
        let close = from + article[from..].find('”').expect("every “ is closed");
        found.push(quoted_words(article, from, close));
    }
    for (open, _) in article.match_indices('‘') {
        let from = open + '‘'.len_utf8();
        let close = article[from..]
            .match_indices('’')
            .map(|(at, _)| from + at)
            .find(|&at| !is_word_char(article[at + '’'.len_utf8()..].chars().next()))
            .expect("every ‘ is closed");
        found.push(quoted_words(article, from, close));
    }
    found
}

#[test]
fn every_quotation_in_the_article_is_a_quoted_claim() {
    let (lexicon, article) = load();
    let quotations = quotations(&article);
    assert_eq!(
        quotations.len(),
        18,
        "the article has 17 double and 1 single quotations"
    );
    for (start, end) in &quotations {
        assert!(
            lexicon
                .claims
                .iter()
                .any(|c| c.quoted && (c.start, c.end) == (*start, *end)),
            "quotation {:?} at {} has no quoted claim with exactly that range",
            &article[*start..*end],
            line_col(&article, *start)
        );
    }
    for c in lexicon.claims.iter().filter(|c| c.quoted) {
        assert!(
            quotations.contains(&(c.start, c.end)),
            "{}: marked quoted but its range is not a quotation's words",
            c.id
        );
    }
}

#[test]
fn reported_speech_is_not_inside_quotation_marks() {
    let (lexicon, article) = load();
    for c in lexicon.claims.iter().filter(|c| !c.quoted) {
        let before = article[..c.start].chars().next_back();
        assert!(
            !matches!(before, Some('“' | '‘')),
            "{}: reported claim starts at a quotation mark",
            c.id
        );
    }
}

#[test]
fn the_facts_the_editor_tests_rely_on() {
    let (lexicon, _) = load();
    let erdemir = entity(&lexicon, "aykan-erdemir");
    assert!(erdemir
        .description
        .contains("director of the Turkey Program at the Foundation for Defense of Democracies"));
    let s400 = entity(&lexicon, "s-400");
    assert_eq!(s400.kind, EntityKind::Weapon);
    assert!(s400.description.contains("Russian missile system"));
    let has = entity(&lexicon, "kerim-has");
    assert!(has.aliases.iter().any(|a| a == "Has"));
    assert_eq!(
        entity(&lexicon, "jens-stoltenberg").name,
        "Jens Stoltenberg"
    );
    let erdogan = entity(&lexicon, "recep-tayyip-erdogan");
    assert!(erdogan.variants.iter().any(|v| v == "Erdoğan"));
    assert_eq!(
        erdogan.first_reference.as_deref(),
        Some("President Recep Tayyip Erdogan")
    );
    let us = entity(&lexicon, "united-states");
    assert!(us.aliases.iter().any(|a| a == "U.S.") && us.aliases.iter().any(|a| a == "US"));
}

#[test]
fn has_wrote_is_attributed_to_kerim_has() {
    let (lexicon, _) = load();
    let claim = lexicon
        .claims
        .iter()
        .find(|c| c.cue == "wrote" && c.speaker_text == "Has")
        .unwrap();
    assert_eq!(claim.speaker.as_deref(), Some("kerim-has"));
    assert!(claim.text.starts_with("Not only is he desperate"));
}

#[test]
fn schema_describes_this_format_version_and_its_kinds() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/lexicon.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        schema["properties"]["copydesk_lexicon"]["const"],
        lexicon::FORMAT_VERSION
    );
    let in_schema: Vec<&str> = schema["definitions"]["entity"]["properties"]["kind"]["enum"]
        .as_array()
        .expect("the schema lists the kinds")
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for kind in EntityKind::ALL {
        // Exhaustive on purpose: a new kind does not compile here, a
        // reminder to add it to `EntityKind::ALL`; then this fails until the
        // schema lists it.
        match kind {
            EntityKind::Person
            | EntityKind::Organization
            | EntityKind::Place
            | EntityKind::Weapon
            | EntityKind::Event
            | EntityKind::Other => {}
        }
        assert!(
            in_schema.contains(&kind.as_str()),
            "schema lacks kind {}",
            kind.as_str()
        );
    }
    assert_eq!(
        in_schema.len(),
        EntityKind::ALL.len(),
        "schema lists kinds the format does not have"
    );
}
