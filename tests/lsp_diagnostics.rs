//! Diagnostics through the protocol: pushed with the document version,
//! pulled for clients that prefer it, quick fixes that produce the expected
//! text, settings applied live, cleared on close.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

const DRAFT: &str = include_str!("../examples/draft.md");

fn examples_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for f in [
        "sochi-putin-erdogan.txt",
        "sochi.lexicon.json",
        "copydesk.toml",
        "draft.md",
    ] {
        std::fs::copy(examples.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

fn codes(diags: &Value) -> Vec<String> {
    diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Applies LSP text edits (UTF-16 positions) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap() as usize;
        let col = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= col || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

async fn pushed(c: &mut TestClient, uri: &str) -> Value {
    loop {
        let p = c
            .wait_for_notification("textDocument/publishDiagnostics")
            .await;
        if p["uri"] == uri {
            return p;
        }
    }
}

#[tokio::test]
async fn the_example_draft_gets_every_rule_it_breaks() {
    let ws = examples_workspace();
    let (mut c, _) = TestClient::initialized(ws.path(), json!({}), json!({})).await;
    let uri = c.open(&ws.path().join("draft.md"), "markdown", DRAFT).await;
    let p = pushed(&mut c, &uri).await;
    assert_eq!(p["version"], 1);
    assert_eq!(
        codes(&p["diagnostics"]),
        vec![
            "unattributed-claim",
            "misattributed-quote",
            "altered-quote",
            "vague-attribution",
            "first-reference",
            "name-variant",
            "name-variant",
            "quote-without-speaker"
        ]
    );
    let mis = &p["diagnostics"][1];
    assert_eq!(mis["severity"], 1);
    assert_eq!(mis["source"], "copydesk");
    assert_eq!(
        mis["range"],
        range16(DRAFT, "“Turkey has long US ties,”", 0)
    );
    assert!(mis["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("docs/rules.md#misattributed-quote"));
    let related = &mis["relatedInformation"][0];
    assert!(related["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("sochi-putin-erdogan.txt"));
    let sentence =
        "Erdogan also said the US-Turkish relationship remained fundamentally important.";
    assert!(
        related["location"]["range"]["start"]["line"]
            .as_u64()
            .unwrap()
            == pos16(ARTICLE, sentence, 0)["line"].as_u64().unwrap()
    );

    // The suppressed figure at the end is silent; closing clears everything.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let p = pushed(&mut c, &uri).await;
    assert_eq!(p["diagnostics"], json!([]));
}

#[tokio::test]
async fn quick_fixes_produce_the_expected_copy() {
    let ws = examples_workspace();
    let (mut c, _) =
        TestClient::initialized(ws.path(), json!({}), json!({"diagnostics": {"delayMs": 0}})).await;
    let uri = c.open(&ws.path().join("draft.md"), "markdown", DRAFT).await;
    pushed(&mut c, &uri).await;
    let at = range16(DRAFT, "“Turkey has long US ties,”", 0);
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": at, "context": {"diagnostics": []}}),
        )
        .await;
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Give the quotation to Erdogan (replaces “he”)",
            "Disable misattributed-quote for this line"
        ]
    );
    assert_eq!(actions[0]["isPreferred"], true);
    let fixed = apply(
        DRAFT,
        actions[0]["edit"]["changes"][&uri].as_array().unwrap(),
    );
    assert!(
        fixed
            .contains("Putin praised the energy deals. “Turkey has long US ties,” Erdogan said.\n"),
        "{fixed}"
    );
    let disabled = apply(
        DRAFT,
        actions[1]["edit"]["changes"][&uri].as_array().unwrap(),
    );
    assert!(disabled.contains("\n<!-- copydesk-disable-next-line misattributed-quote -->\nPutin praised the energy deals."));

    // Applying the fix as the editor would: the finding goes away.
    let edits = actions[0]["edit"]["changes"][&uri].clone();
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": edits.as_array().unwrap().iter().map(|e| json!({"range": e["range"], "text": e["newText"]})).collect::<Vec<_>>()})).await;
    let p = pushed(&mut c, &uri).await;
    assert_eq!(p["version"], 2);
    assert!(!codes(&p["diagnostics"]).contains(&"misattributed-quote".to_string()));
    assert_eq!(c.probe.document(&uri).unwrap().1, fixed);
}

#[tokio::test]
async fn severities_change_live_and_pull_clients_are_not_pushed_to() {
    let ws = examples_workspace();
    let caps = json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}, "workspace": {"configuration": true}});
    let (mut c, init) = TestClient::initialized(ws.path(), caps, json!({})).await;
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["identifier"],
        "copydesk"
    );
    let uri = c.open(&ws.path().join("draft.md"), "markdown", DRAFT).await;
    let r = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(r["kind"], "full");
    assert_eq!(codes(&r["items"]).len(), 8);
    c.settings = json!({"rules": {"name-variant": "off", "vague-attribution": "error"}});
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    )
    .await;
    c.wait_for_notification("copydesk/status").await;
    let r = c
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let items = r["items"].as_array().unwrap();
    assert!(!codes(&r["items"]).contains(&"name-variant".to_string()));
    let vague = items
        .iter()
        .find(|d| d["code"] == "vague-attribution")
        .unwrap();
    assert_eq!(vague["severity"], 1);
    assert!(
        !c.notifications
            .iter()
            .any(|n| n["method"] == "textDocument/publishDiagnostics"),
        "pull clients get no pushes"
    );
}
