//! Drafts in other house styles than the reference article's, checked
//! without a lexicon (as a desk starting out would) and with one: each
//! finding listed is one an editor would mark, and nothing else is found.

use std::path::Path;

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::rules::{check, DocKind, RuleConfig};

fn findings(text: &str, kind: DocKind, index: &LexiconIndex) -> Vec<(String, String)> {
    let analysis = analyze(text, kind, index);
    check(text, &analysis, index, &RuleConfig::default())
        .into_iter()
        .map(|f| (f.code().to_string(), text[f.range].to_string()))
        .collect()
}

fn sochi() -> LexiconIndex {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sochi.lexicon.json");
    LexiconIndex::build(vec![copydesk::workspace::load_lexicon(&path).unwrap()])
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect()
}

/// Wire copy with a dateline, many figures (most of them sourced), quotes
/// from people and bodies the lexicon does not know, an age, a year.
const WIRE: &str = "ISTANBUL (AP) — Turkey’s central bank raised its main interest rate to 25 percent on Thursday, the bank said in a statement, its biggest increase since 2018.

The lira, which has lost 35% of its value against the dollar this year, rallied after the decision. “The committee decided to continue the monetary tightening process in order to establish disinflation,” the bank said.

Annual inflation stood at 38.2 percent in June, according to the Turkish Statistical Institute. Economists polled by Reuters had expected a rate of 21 percent.

Mehmet Simsek, the finance minister, told reporters in Ankara that the government would “do whatever it takes.” Asked whether rates would rise again, he said: “We will take all necessary steps. Price stability is our priority.”

The decision is widely seen as a return to orthodox policy after years of rate cuts that President Recep Tayyip Erdogan championed. Some economists warned that the increase was too small.

“It’s a step in the right direction, but the bank is still behind the curve,” said Liam Peach, an economist at Capital Economics in London.

The 2023 election, in which Erdogan won a third decade in power, was followed by a 30 percent slide in the lira.

The bank’s governor, Hafize Gaye Erkan, 41, took office in June.

Turkish exporters, who account for roughly $250 billion in annual sales, have welcomed a weaker lira. “Let them say what they want,” one exporter in Gaziantep said, declining to be named for fear of reprisals.

“We are not worried.” The mood at the Istanbul bazaar was calm. Traders shrugged off the news.

The so-called “new economic program” drew praise in Washington. Critics, including the opposition leader Ozgur Ozel, called it “too little, too late.”
";

#[test]
fn wire_copy_without_a_lexicon() {
    assert_eq!(
        findings(WIRE, DocKind::PlainText, &LexiconIndex::empty()),
        pairs(&[
            ("unsourced-figure", "35%"),
            ("vague-attribution", "is widely seen as"),
            ("vague-attribution", "Some economists warned"),
            ("unsourced-figure", "30 percent"),
            ("unsourced-figure", "$250 billion"),
            ("quote-without-speaker", "“We are not worried.”"),
        ])
    );
}

#[test]
fn wire_copy_with_the_desks_lexicon() {
    // The lexicon adds what it knows about Erdogan: named in full first,
    // so nothing more.
    assert_eq!(
        findings(WIRE, DocKind::PlainText, &sochi()),
        findings(WIRE, DocKind::PlainText, &LexiconIndex::empty())
    );
}

/// An analysis piece in Markdown: front matter, a headline, a block quote
/// introduced by its speaker, a quotation over two paragraphs, links as
/// sources, code, and a reporter's suppression comment.
const ANALYSIS: &str = "---
title: Why Ankara keeps buying from Moscow
tags: [turkey, russia]
---

# Erdogan’s Russian bet

For President Recep Tayyip Erdogan, the Russian S-400 missile system was never only about air defense. Turkey paid about [$2.5 billion](https://example.com/sipri) for it, and the purchase cost it a place in the F-35 program.

Jens Stoltenberg, NATO’s secretary-general, chose his words with care when asked about it in Brussels:

> “It is a national decision. But interoperability matters for the alliance, and the S-400 does not fit into NATO’s integrated air defense.”

Stoltenberg has said much the same for years. Erdemir, who follows Turkish policy in Washington, put it more bluntly:

“The Turkish president will continue to play a spoiler role within NATO.

“He sees leverage where others see risk.”

Analysts at the International Institute for Strategic Studies say the system has never been switched on. It is believed that the batteries remain in storage near Ankara.

<!-- copydesk-disable-next-line unsourced-figure -- figure from the SIPRI table linked above -->
Turkey’s arms imports fell 59 percent over the decade.

```
“This code block is not prose at all, whatever it says.”
```

Some 12,000 Turkish troops remain in Syria, where Erdogan wants a buffer zone.
";

#[test]
fn an_analysis_piece_in_markdown_with_the_lexicon() {
    assert_eq!(
        findings(ANALYSIS, DocKind::Markdown, &sochi()),
        pairs(&[
            ("first-reference", "Erdemir"),
            ("vague-attribution", "It is believed"),
            ("unsourced-figure", "12,000"),
        ])
    );
}
