//! Reliability through the protocol, in process: no panic reaches the
//! protocol, cancellation stops the workspace scan, oversized documents are
//! reported and skipped, and a burst of ten thousand requests with edits
//! interleaved is answered in full, each answer matching the document
//! version it was asked about.

mod common;

use common::pipelined::*;
use common::{pos16_at, workspace, ARTICLE};
use copydesk::lsp::Fault;
use serde_json::{json, Value};

fn hover_at(uri: &str, pos: Value) -> Value {
    json!({"textDocument": {"uri": uri}, "position": pos})
}

/// Waits until the server has published diagnostics for `version`, so that
/// no diagnostics task of an earlier version is still running.
async fn settled(c: &mut Client, uri: &str, version: i64) {
    c.notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && p["version"] == version
    })
    .await;
}

#[tokio::test]
async fn a_panic_in_a_request_is_an_error_for_that_request_and_the_server_serves_on() {
    let ws = workspace();
    let mut c = Client::initialized(
        ws.path(),
        json!({}),
        json!({"lexicons": ["sochi.lexicon.json"]}),
    )
    .await;
    let text = "Putin met Erdogan in Sochi.";
    let uri = c.open(&ws.path().join("d.md"), "markdown", text).await;
    settled(&mut c, &uri, 1).await;

    // On the blocking pool, inside the analysis (the cached analysis of
    // version 1 must not be reused: edit first).
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
    )
    .await;
    settled(&mut c, &uri, 2).await;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    )
    .await;
    c.probe.inject_fault(Fault::Analysis);
    let resp = c
        .call(
            "textDocument/hover",
            hover_at(&uri, json!({"line": 0, "character": 1})),
        )
        .await;
    assert_eq!(resp["error"]["code"], -32603, "{resp}");
    let message = resp["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("analysis failed: injected fault in the analysis"),
        "{message}"
    );
    let log = c.log_containing("injected fault in the analysis").await;
    assert_eq!(log["type"], 1, "logged as an error: {log}");
    assert!(log["message"]
        .as_str()
        .unwrap()
        .starts_with("copydesk: textDocument/hover failed:"));

    // On the protocol task itself, outside the blocking pool.
    c.probe.inject_fault(Fault::Snapshot);
    let resp = c
        .call(
            "textDocument/documentHighlight",
            hover_at(&uri, json!({"line": 0, "character": 1})),
        )
        .await;
    assert_eq!(resp["error"]["code"], -32603, "{resp}");
    assert_eq!(
        resp["error"]["message"],
        "copydesk: internal error: injected fault in a snapshot"
    );
    c.notification("window/logMessage", |p| {
        p["message"]
            == "copydesk: textDocument/documentHighlight failed: copydesk: internal error: injected fault in a snapshot"
    })
    .await;

    // The next requests are served as if nothing had happened.
    let h = c
        .result(
            "textDocument/hover",
            hover_at(&uri, json!({"line": 0, "character": 1})),
        )
        .await;
    assert_eq!(
        h["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}})
    );
    let hl = c
        .result(
            "textDocument/documentHighlight",
            hover_at(&uri, json!({"line": 0, "character": 11})),
        )
        .await;
    assert_eq!(
        hl,
        json!([{"range": {"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 17}}, "kind": 1}])
    );
    assert_eq!(c.probe.document(&uri), Some((3, text.to_string())));
}

#[tokio::test]
async fn a_panic_in_diagnostics_or_a_lexicon_reload_is_logged_and_the_server_serves_on() {
    let ws = workspace();
    let mut c = Client::initialized(
        ws.path(),
        json!({}),
        json!({"lexicons": ["sochi.lexicon.json"]}),
    )
    .await;
    let uri = c
        .open(&ws.path().join("d.md"), "markdown", "Putin met Erdogan.")
        .await;
    settled(&mut c, &uri, 1).await;

    // The diagnostics task of version 2 takes the snapshot and panics.
    c.probe.inject_fault(Fault::Snapshot);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "Putin."}]}),
    )
    .await;
    let log = c
        .notification("window/logMessage", |p| {
            p["message"]
                .as_str()
                .unwrap()
                .starts_with("copydesk: diagnostics failed")
        })
        .await;
    assert_eq!(
        log,
        json!({"type": 1, "message": "copydesk: diagnostics failed: injected fault in a snapshot"})
    );
    // The next version is published as usual.
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "Erdogan."}]})).await;
    settled(&mut c, &uri, 3).await;

    // A reload that panics leaves the loaded lexicon in place.
    c.probe.inject_fault(Fault::Reload);
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"copydesk": {"lexicons": ["sochi.lexicon.json"]}}}),
    )
    .await;
    let log = c.log_containing("reloading lexicons failed").await;
    assert_eq!(
        log["message"],
        "copydesk: reloading lexicons failed: injected fault in a lexicon reload"
    );
    let h = c
        .result(
            "textDocument/hover",
            hover_at(&uri, json!({"line": 0, "character": 2})),
        )
        .await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Recep Tayyip Erdogan**"));
    // And the next reload works.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"copydesk": {"lexicons": ["sochi.lexicon.json"]}}}),
    )
    .await;
    let status = c.notification("copydesk/status", |_| true).await;
    assert_eq!(status["lexicons"][0]["entities"], 35);
}

#[tokio::test]
async fn unknown_dollar_requests_are_answered_and_notifications_ignored() {
    let ws = workspace();
    let mut c = Client::initialized(ws.path(), json!({}), json!({})).await;
    c.notify("$/unknownNotification", json!({"x": 1})).await;
    let resp = c.call("$/unknownRequest", json!({})).await;
    assert_eq!(
        resp,
        json!({"jsonrpc": "2.0", "id": resp["id"], "error": {"code": -32601, "message": "Method not found", "data": "$/unknownRequest"}})
    );
    let resp = c.call("copydesk/unknown", json!({})).await;
    assert_eq!(resp["error"]["code"], -32601);
    c.result("workspace/symbol", json!({"query": "Putin"}))
        .await;
}

#[tokio::test]
async fn cancelled_workspace_references_stop_the_scan() {
    let ws = workspace();
    // Enough drafts on disk that the scan is still running when the
    // cancellation arrives: each one is the whole reference article.
    let drafts = ws.path().join("drafts");
    std::fs::create_dir(&drafts).unwrap();
    const FILES: usize = 1500;
    for i in 0..FILES {
        std::fs::write(drafts.join(format!("{i:04}.txt")), ARTICLE).unwrap();
    }
    let mut c = Client::initialized(
        ws.path(),
        json!({}),
        json!({"lexicons": ["sochi.lexicon.json"]}),
    )
    .await;
    let uri = c
        .open(&ws.path().join("d.md"), "markdown", "Putin met Erdogan.")
        .await;
    settled(&mut c, &uri, 1).await;
    let id = c
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}, "context": {"includeDeclaration": true}}),
        )
        .await;
    c.notify("$/cancelRequest", json!({"id": id})).await;
    let resp = c.response(id).await;
    assert_eq!(
        resp["error"]["code"], -32800,
        "answered RequestCancelled: {resp}"
    );
    // The guard dropped with the request stopped the scan between files.
    let log = c.log_containing("workspace references cancelled").await;
    let message = log["message"].as_str().unwrap();
    let read: usize = message
        .rsplit("stopped after ")
        .next()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!(read < FILES, "stopped after {read} of {FILES} drafts");

    // The same request, not cancelled, finds the mentions in every draft.
    let locations = c
        .result(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}, "context": {"includeDeclaration": true}}),
        )
        .await;
    let per_article = ARTICLE.matches("Putin").count();
    let on_disk = locations
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["uri"].as_str().unwrap().contains("/drafts/"))
        .count();
    assert!(per_article > 0);
    assert_eq!(on_disk, FILES * per_article);
}

#[tokio::test]
async fn a_document_over_the_size_limit_is_reported_and_not_analysed() {
    let ws = workspace();
    let mut c = Client::initialized(
        ws.path(),
        json!({}),
        json!({"lexicons": ["sochi.lexicon.json"], "limits": {"maxFileBytes": 1000}}),
    )
    .await;
    let big = format!("Putin met Erdogan. {}", "More prose here. ".repeat(100));
    assert!(big.len() > 1000);
    let uri = c.open(&ws.path().join("big.md"), "markdown", &big).await;
    let warning = c
        .notification("window/showMessage", |p| p["type"] == 2)
        .await;
    assert_eq!(
        warning["message"],
        format!(
            "copydesk: {} is larger than 1000 bytes; names and attribution are not checked in it (raise copydesk.limits.maxFileBytes to change this)",
            ws.path().join("big.md").display()
        )
    );
    let published = c
        .notification("textDocument/publishDiagnostics", |p| p["uri"] == uri)
        .await;
    assert_eq!(published["diagnostics"], json!([]));
    let h = c
        .result(
            "textDocument/hover",
            hover_at(&uri, json!({"line": 0, "character": 1})),
        )
        .await;
    assert_eq!(h, Value::Null, "no analysis above the limit");
    let symbols = c
        .result(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(symbols, Value::Null);
    // The editor still holds every byte, and an edit below the limit is
    // analysed again.
    assert_eq!(c.probe.document(&uri), Some((1, big.clone())));
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "Putin met Erdogan."}]})).await;
    let h = c
        .result(
            "textDocument/hover",
            hover_at(&uri, json!({"line": 0, "character": 1})),
        )
        .await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Vladimir V. Putin**"));
    // Told once per document, not on every request.
    assert!(c.seen("window/showMessage").iter().all(|m| m["type"] != 2));
}

/// What a burst request asks and what its answer must be at `version`.
#[derive(Clone, Copy, Debug)]
enum Ask {
    Hover,
    Highlight,
    Symbols,
    Tokens,
    Definition,
    Completion,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_ten_thousand_requests_with_edits_is_answered_in_version_order() {
    let requests: usize = std::env::var("BURST").map_or(10_000, |v| v.parse().unwrap());
    const EDIT_EVERY: usize = 10;
    let ws = workspace();
    let mut c = Client::initialized(
        ws.path(),
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        json!({"lexicons": ["sochi.lexicon.json"]}),
    )
    .await;
    // The first paragraphs of the article: the burst is about the protocol
    // (ordering, versions, nothing lost), not about analysing long drafts.
    let paragraphs = ARTICLE.split_inclusive("\n\n").take(5).collect::<String>();
    // The last line holds `tail(v)` mentions of Putin at version v: every
    // count-bearing answer names the version it was computed on (an answer
    // from a neighbouring version is off by at least one), and the draft
    // keeps its size.
    let tail = |v: usize| " Putin.".repeat(v % 7);
    let mut text = format!("{paragraphs}{}", tail(1));
    let uri = c.open(&ws.path().join("d.txt"), "plaintext", &text).await;
    let first_putin = pos16_at(&text, text.find("Putin").unwrap());
    let base_highlights = c
        .result(
            "textDocument/documentHighlight",
            hover_at(&uri, first_putin.clone()),
        )
        .await
        .as_array()
        .unwrap()
        .len();
    let base_tokens = c
        .result(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .await["data"]
        .as_array()
        .unwrap()
        .len()
        / 5;
    assert!(base_highlights >= 2);

    // Every EDIT_EVERY requests, an incremental edit rewrites the last line.
    let asks = [
        Ask::Hover,
        Ask::Highlight,
        Ask::Symbols,
        Ask::Tokens,
        Ask::Definition,
        Ask::Highlight,
        Ask::Completion,
        Ask::Tokens,
    ];
    let check = |resp: &Value, ask: Ask, version: usize| {
        assert!(resp.get("error").is_none(), "{ask:?} at v{version}: {resp}");
        let r = &resp["result"];
        // Mentions the last line has at `version`, beyond those of version 1.
        let added = (version % 7) as isize - 1;
        let expect = |base: usize| (base as isize + added) as usize;
        match ask {
            Ask::Hover => assert_eq!(r["range"]["start"], first_putin, "{ask:?} at v{version}"),
            Ask::Highlight => assert_eq!(
                r.as_array().unwrap().len(),
                expect(base_highlights),
                "{ask:?} at v{version}"
            ),
            Ask::Symbols => {
                let putin = r
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["name"] == "Vladimir V. Putin")
                    .unwrap();
                assert_eq!(
                    putin["children"].as_array().unwrap().len(),
                    expect(base_highlights),
                    "{ask:?} at v{version}"
                );
            }
            Ask::Tokens => assert_eq!(
                r["data"].as_array().unwrap().len() / 5,
                expect(base_tokens),
                "{ask:?} at v{version}"
            ),
            Ask::Definition => assert!(
                r[0]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with("sochi.lexicon.json"),
                "{ask:?} at v{version}: {r}"
            ),
            Ask::Completion => {
                if version % 7 > 0 {
                    assert_eq!(
                        r["items"][0]["label"], "Vladimir V. Putin",
                        "{ask:?} at v{version}"
                    );
                }
            }
        }
    };
    let mut sent: std::collections::HashMap<i64, (Ask, usize)> = Default::default();
    let mut answered = 0;
    let mut version = 1usize;
    for i in 0..requests {
        if i > 0 && i % EDIT_EVERY == 0 {
            version += 1;
            let (start, end) = (
                pos16_at(&text, paragraphs.len()),
                pos16_at(&text, text.len()),
            );
            text.truncate(paragraphs.len());
            text.push_str(&tail(version));
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": start, "end": end}, "text": tail(version)}]}),
            )
            .await;
        }
        let ask = asks[i % asks.len()];
        let params = match ask {
            Ask::Symbols | Ask::Tokens => json!({"textDocument": {"uri": uri}}),
            // After "Put" in the last " Putin." appended.
            Ask::Completion if text.ends_with(" Putin.") => {
                hover_at(&uri, pos16_at(&text, text.len() - 3))
            }
            Ask::Completion => hover_at(&uri, pos16_at(&text, text.len())),
            _ => hover_at(&uri, first_putin.clone()),
        };
        let method = match ask {
            Ask::Hover => "textDocument/hover",
            Ask::Highlight => "textDocument/documentHighlight",
            Ask::Symbols => "textDocument/documentSymbol",
            Ask::Tokens => "textDocument/semanticTokens/full",
            Ask::Definition => "textDocument/definition",
            Ask::Completion => "textDocument/completion",
        };
        let id = c.request(method, params).await;
        sent.insert(id, (ask, version));
        // Check what has already come back, without waiting for anything:
        // the burst goes on, and answers are not all held in memory.
        if i % 256 == 255 {
            for resp in c.arrived() {
                let (ask, version) = sent.remove(&resp["id"].as_i64().unwrap()).unwrap();
                check(&resp, ask, version);
                answered += 1;
            }
        }
    }
    let mut rest: Vec<i64> = sent.keys().copied().collect();
    rest.sort();
    for id in rest {
        let resp = c.response(id).await;
        let (ask, version) = sent.remove(&id).unwrap();
        check(&resp, ask, version);
        answered += 1;
    }
    assert_eq!(answered, requests);
    assert_eq!(c.probe.document(&uri), Some((version as i32, text)));
}
