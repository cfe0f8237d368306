//! The reference article checked against its own lexicon: the rules that
//! compare a draft with its sources must find nothing, and the rules that
//! judge style find exactly what an editor would mark.

use std::path::Path;

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::rules::{check, DocKind, RuleConfig};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn reference_findings() -> Vec<(String, String)> {
    let input = copydesk::workspace::load_lexicon(&fixture("sochi.lexicon.json")).unwrap();
    let index = LexiconIndex::build(vec![input]);
    let text = std::fs::read_to_string(fixture("sochi-putin-erdogan.txt")).unwrap();
    let analysis = analyze(&text, DocKind::PlainText, &index);
    check(&text, &analysis, &index, &RuleConfig::default())
        .into_iter()
        .map(|f| (f.code().to_string(), text[f.range].to_string()))
        .collect()
}

#[test]
fn the_reference_article_against_its_own_lexicon() {
    let found = reference_findings();
    for code in [
        "quote-without-speaker",
        "misattributed-quote",
        "altered-quote",
        "unattributed-claim",
    ] {
        let wrong: Vec<_> = found.iter().filter(|(c, _)| c == code).collect();
        assert!(
            wrong.is_empty(),
            "{code} on the reference article: {wrong:?}"
        );
    }
}
