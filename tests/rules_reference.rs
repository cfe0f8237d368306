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

/// The same holds for the lexicon `copydesk build` makes from the article,
/// before anyone has reviewed it, and for the three articles the builder is
/// tested on: no draft-against-source rule fires on a source itself.
#[test]
fn articles_against_the_lexicon_built_from_them() {
    use copydesk::analysis::LexiconInput;
    use copydesk::builder::{build, Article};

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files = [
        fixtures.join("sochi-putin-erdogan.txt"),
        fixtures.join("articles/feature-kerch-ferry.md"),
        fixtures.join("articles/analysis-caspian-pipeline.txt"),
        fixtures.join("articles/wire-ankara-grain-talks.txt"),
    ];
    let articles: Vec<Article> = files
        .iter()
        .map(|f| copydesk::builder::load_article(f, &fixtures).unwrap())
        .collect();
    let lexicon = build(&articles);
    assert!(
        lexicon.claims.len() > 40,
        "the builder found the claims: {}",
        lexicon.claims.len()
    );
    let text = copydesk::lexicon::to_json_string(&lexicon);
    let index = LexiconIndex::build(vec![LexiconInput {
        path: fixtures.join("built.lexicon.json"),
        text,
        lexicon,
    }]);
    for (file, article) in files.iter().zip(&articles) {
        let analysis = analyze(&article.text, article.kind, &index);
        let wrong: Vec<(String, String)> =
            check(&article.text, &analysis, &index, &RuleConfig::default())
                .into_iter()
                .filter(|f| {
                    matches!(
                        f.code(),
                        "quote-without-speaker"
                            | "misattributed-quote"
                            | "altered-quote"
                            | "unattributed-claim"
                    )
                })
                .map(|f| (f.code().to_string(), article.text[f.range].to_string()))
                .collect();
        assert!(wrong.is_empty(), "{}: {wrong:?}", file.display());
    }
}
