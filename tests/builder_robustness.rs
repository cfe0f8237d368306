//! Nothing panics on user data: the text layer and the builder on arbitrary
//! text made of the characters that matter to them.

use copydesk::builder::{self, Article};
use copydesk::text::attribution::{attribute_quotations, find_reported_speech};
use copydesk::text::prose::DocKind;
use copydesk::text::quotes::find_quotations;
use copydesk::text::sentences::split_sentences;
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Erdogan",
        "said",
        "he",
        "Has",
        "wrote",
        ",",
        ".",
        " ",
        "\n",
        "\n\n",
        "“",
        "”",
        "‘",
        "’",
        "\"",
        "'",
        "—",
        ":",
        "(",
        ")",
        "Mr.",
        "U.S.",
        "S-400s",
        "according to",
        "arms experts",
        "that",
        "a lecturer",
        "Ğ",
        "🇹🇷",
        "…",
        "...",
        "?",
        "!",
        "> ",
        "# ",
        "`",
        "*",
        "adding",
        "the",
        "of",
        "Foundation",
        "NATO",
        "(FDD)",
        "54",
        "SOCHI",
        "\r\n",
    ])
    .prop_map(String::from)
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|p| p.join(" ").replace("  ", " "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn text_layer_never_panics(t in text()) {
        let sentences = split_sentences(&t, 0..t.len());
        for s in &sentences {
            prop_assert!(s.start < s.end && s.end <= t.len());
            prop_assert!(t.is_char_boundary(s.start) && t.is_char_boundary(s.end));
        }
        let quotes = find_quotations(&t, std::slice::from_ref(&(0..t.len())));
        for q in &quotes {
            prop_assert!(q.range.start <= q.inner.start && q.inner.end <= q.range.end);
            prop_assert!(t.is_char_boundary(q.inner.start) && t.is_char_boundary(q.inner.end));
        }
        let _ = attribute_quotations(&t, &sentences, &quotes);
        for s in sentences {
            let _ = find_reported_speech(&t, s, &quotes);
        }
    }

    #[test]
    fn builder_never_panics(t in text(), markdown in any::<bool>()) {
        let kind = if markdown { DocKind::Markdown } else { DocKind::PlainText };
        let lexicon = builder::build(&[Article::new("a.md", t.clone(), kind)]);
        let json = copydesk::lexicon::to_json_string(&lexicon);
        prop_assert!(copydesk::lexicon::parse(&json).is_ok());
        for c in &lexicon.claims {
            prop_assert!(c.start <= c.end && c.end <= t.len());
        }
    }
}
