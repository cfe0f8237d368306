//! Pathological drafts through the protocol: a line of more than 100,000
//! characters, ten thousand quotation marks in a paragraph,
//! unbalanced quotation marks, deeply nested Markdown. Each is analysed in
//! full and answered exactly; the only time bound is the client's hang
//! guard. (The 5 MB draft is in `e2e_malformed.rs`, against the release
//! binary: a debug build takes minutes over it.)

mod common;

use common::pipelined::*;
use common::workspace;
use serde_json::{json, Value};

async fn server() -> (tempfile::TempDir, Client) {
    let ws = workspace();
    let c = Client::initialized(
        ws.path(),
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        json!({"lexicons": ["sochi.lexicon.json"]}),
    )
    .await;
    (ws, c)
}

/// The mentions of each entity, by name, as documentSymbol reports them.
async fn mention_counts(c: &mut Client, uri: &str) -> Vec<(String, usize)> {
    let symbols = c
        .result(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    symbols
        .as_array()
        .unwrap_or_else(|| panic!("{symbols}"))
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["children"].as_array().unwrap().len(),
            )
        })
        .collect()
}

fn count_of(counts: &[(String, usize)], name: &str) -> usize {
    counts
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, c)| *c)
}

#[tokio::test]
async fn a_line_of_more_than_100_000_characters() {
    let (ws, mut c) = server().await;
    let unit = "😀 Putin met Erdoğan, ";
    let n = 100_000 / unit.chars().count() + 1;
    let line = unit.repeat(n);
    assert!(line.chars().count() > 100_000);
    let uri = c.open(&ws.path().join("line.md"), "markdown", &line).await;
    let counts = mention_counts(&mut c, &uri).await;
    assert_eq!(count_of(&counts, "Vladimir V. Putin"), n);
    assert_eq!(count_of(&counts, "Recep Tayyip Erdogan"), n);
    // The last Erdoğan, addressed in UTF-16 far along the line.
    let at = line.rfind("Erdoğan").unwrap();
    let col = line[..at].encode_utf16().count() as u64;
    let h = c
        .result(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": col + 3}}),
        )
        .await;
    assert_eq!(
        h["range"],
        json!({"start": {"line": 0, "character": col}, "end": {"line": 0, "character": col + 7}})
    );
}

#[tokio::test]
async fn ten_thousand_quotation_marks_in_one_paragraph() {
    let (ws, mut c) = server().await;
    let text = "“Yes,” Putin said. ".repeat(5_000);
    let uri = c.open(&ws.path().join("q.md"), "markdown", &text).await;
    let counts = mention_counts(&mut c, &uri).await;
    assert_eq!(count_of(&counts, "Vladimir V. Putin"), 5_000);
    let tokens = c
        .result(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    // One token per quotation and one per mention.
    assert_eq!(tokens["data"].as_array().unwrap().len() / 5, 10_000);
    let published = c
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    assert!(published["diagnostics"].is_array());
}

#[tokio::test]
async fn unbalanced_quotation_marks() {
    let (ws, mut c) = server().await;
    for (name, text) in [
        (
            "open.md",
            format!("{} Putin said.\n\nErdogan.", "“".repeat(10_000)),
        ),
        (
            "close.md",
            format!("{} Putin said.\n\nErdogan.", "”".repeat(10_000)),
        ),
        (
            "mixed.md",
            format!("{} Putin said.\n\nErdogan.", "\"“'‘”’«»".repeat(1_500)),
        ),
    ] {
        let uri = c.open(&ws.path().join(name), "markdown", &text).await;
        let counts = mention_counts(&mut c, &uri).await;
        assert_eq!(count_of(&counts, "Vladimir V. Putin"), 1, "{name}");
        let h = c
            .result(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 1}}),
            )
            .await;
        assert!(
            h["contents"]["value"]
                .as_str()
                .unwrap()
                .starts_with("**Recep Tayyip Erdogan**"),
            "{name}: {h}"
        );
    }
}

#[tokio::test]
async fn deeply_nested_markdown() {
    let (ws, mut c) = server().await;
    let lists: String = (0..1_000)
        .map(|i| format!("{}- Putin\n", "  ".repeat(i)))
        .collect();
    for (name, text, putins) in [
        (
            "quotes.md",
            format!("{} Putin said.\n\nErdogan.\n", ">".repeat(10_000)),
            1,
        ),
        ("lists.md", format!("{lists}\nErdogan.\n"), 1_000),
        (
            "emphasis.md",
            format!(
                "{0}Putin{1}\n\nErdogan.\n",
                "*_".repeat(5_000),
                "_*".repeat(5_000)
            ),
            1,
        ),
        (
            "links.md",
            format!(
                "{}Putin{}\n\nErdogan.\n",
                "[".repeat(10_000),
                "](x)".repeat(10_000)
            ),
            1,
        ),
    ] {
        let uri = c.open(&ws.path().join(name), "markdown", &text).await;
        let counts = mention_counts(&mut c, &uri).await;
        assert_eq!(count_of(&counts, "Vladimir V. Putin"), putins, "{name}");
        assert_eq!(count_of(&counts, "Recep Tayyip Erdogan"), 1, "{name}");
        let r = c
            .result(
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        assert_ne!(r, Value::Null, "{name}");
    }
}
