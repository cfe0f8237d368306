//! The analysis of the reference article against its own lexicon: every
//! quotation matches its claim and is given to the person who said it.

use std::path::Path;

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::text::prose::DocKind;

fn fixture_index() -> LexiconIndex {
    let input = copydesk::workspace::load_lexicon(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sochi.lexicon.json"),
    )
    .unwrap();
    LexiconIndex::build(vec![input])
}

const ARTICLE: &str = include_str!("fixtures/sochi-putin-erdogan.txt");

#[test]
fn every_quotation_matches_its_claim_and_its_speaker() {
    let index = fixture_index();
    let a = analyze(ARTICLE, DocKind::PlainText, &index);
    let outer: Vec<usize> = (0..a.quotations.len())
        .filter(|&i| a.quotations[i].depth == 0)
        .collect();
    assert_eq!(outer.len(), 17);
    for i in outer {
        let q = &ARTICLE[a.quotations[i].inner.clone()];
        let m = a.quote_claims[i].unwrap_or_else(|| panic!("no claim for {q}"));
        let claim = &index.claim(m.claim);
        let expected = claim.speaker.map(|e| index.entity(e).entity.id.clone());
        let got = a.quote_speakers[i].map(|e| index.entity(e).entity.id.clone());
        assert_eq!(got, expected, "speaker of “{q}”");
        assert!(got.is_some(), "“{q}” has a speaker");
    }
}

#[test]
fn pronouns_follow_the_salient_speaker_not_the_last_name() {
    let index = fixture_index();
    let text = "Aykan Erdemir said the plans should be a wake-up call for the Biden administration.\n\n\
                “The Turkish president will play a spoiler role,” he said.\n\n\
                Kerim Has concluded that Erdogan was leaving empty-handed. “Erdogan did not get what he expected,” he wrote.\n\n\
                Erdogan also said ties mattered. On Wednesday, the Turkish leader met with Putin. “There is no path back,” he said.";
    let a = analyze(text, DocKind::Markdown, &index);
    let speakers: Vec<Option<String>> = a
        .quote_speakers
        .iter()
        .map(|s| s.map(|e| index.entity(e).entity.id.clone()))
        .collect();
    assert_eq!(
        speakers,
        vec![Some("aykan-erdemir".to_string()), Some("kerim-has".to_string()), Some("recep-tayyip-erdogan".to_string())],
        "not the Biden of 'the Biden administration', not the Erdogan named inside the quotation, not the Putin met 'with'"
    );
}
