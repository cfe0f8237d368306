//! Documents, encodings and lexicon (re)loading through the protocol.

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

const LINE: &str = "😀 🇹🇷 ğ ’ Erdoğan’s visit to Sochi";

fn caps(encodings: &[&str]) -> Value {
    json!({"general": {"positionEncodings": encodings}})
}

/// Columns of `needle` in LINE in each encoding.
fn col(needle: &str, enc: &str) -> u64 {
    let at = LINE.find(needle).unwrap();
    (match enc {
        "utf-8" => at,
        "utf-16" => LINE[..at].encode_utf16().count(),
        _ => LINE[..at].chars().count(),
    }) as u64
}

#[tokio::test]
async fn encodings_are_negotiated_and_used_everywhere() {
    for (offered, chosen) in [
        (vec![], "utf-16"),
        (vec!["utf-16"], "utf-16"),
        (vec!["utf-8", "utf-16", "utf-32"], "utf-8"),
        (vec!["utf-32", "utf-16"], "utf-32"),
    ] {
        let ws = workspace();
        let (mut c, init) = TestClient::initialized(
            ws.path(),
            caps(&offered),
            json!({"lexicons": ["sochi.lexicon.json"]}),
        )
        .await;
        assert_eq!(init["capabilities"]["positionEncoding"], chosen);
        let text = format!("# Notes\n\n{LINE}\n");
        let uri = c.open(&ws.path().join("d.md"), "markdown", &text).await;
        let sochi = col("Sochi", chosen);
        let erdogan = col("Erdoğan", chosen);
        let h = c
            .hover(&uri, json!({"line": 2, "character": sochi + 2}))
            .await;
        assert_eq!(
            h["range"],
            json!({"start": {"line": 2, "character": sochi}, "end": {"line": 2, "character": sochi + 5}}),
            "{chosen}"
        );
        let d = c.request("textDocument/definition", json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": erdogan}})).await;
        // The first (and only) mention goes to the lexicon, not to itself.
        assert!(
            d[0]["uri"]
                .as_str()
                .unwrap()
                .ends_with("sochi.lexicon.json"),
            "{chosen}: {d}"
        );
        let t = c
            .request(
                "textDocument/semanticTokens/full",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
        let data: Vec<u64> = t["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        // Erdoğan (person, first mention + variant spelling), then Sochi (place).
        let erdogan_len = match chosen {
            "utf-8" => 8,
            _ => 7,
        };
        assert_eq!(
            data,
            vec![2, erdogan, erdogan_len, 0, 3, 0, sochi - erdogan, 5, 2, 1],
            "{chosen}"
        );
    }
}

#[tokio::test]
async fn a_broken_lexicon_is_reported_and_the_last_good_one_stays() {
    let ws = workspace();
    let (mut c, _) = TestClient::initialized(
        ws.path(),
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        json!({}),
    )
    .await;
    let uri = c
        .open(&ws.path().join("d.md"), "markdown", "Kerim Has wrote.")
        .await;
    let lex = ws.path().join("sochi.lexicon.json");
    let good = std::fs::read_to_string(&lex).unwrap();
    // Break it: a trailing comma on line 3.
    let broken = good.replacen("\n", ",,\n", 3);
    std::fs::write(&lex, &broken).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&lex), "type": 2}]}),
    )
    .await;
    let status = c.wait_for_notification("copydesk/status").await;
    let msg = c.wait_for_notification("window/showMessage").await;
    let text = msg["message"].as_str().unwrap();
    assert!(text.contains("sochi.lexicon.json:1:"), "{text}");
    assert!(
        text.contains("last version that loaded stays in use"),
        "{text}"
    );
    assert_eq!(msg["type"], 1);
    assert_eq!(status["lexicons"][0]["entities"], 35);
    assert!(status["error"]
        .as_str()
        .unwrap()
        .contains("sochi.lexicon.json"));
    let h = c.hover(&uri, json!({"line": 0, "character": 2})).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("Kerim Has"));
    // The file on disk was not touched.
    assert_eq!(std::fs::read_to_string(&lex).unwrap(), broken);
}

#[tokio::test]
async fn configuration_changes_apply_without_restart() {
    let ws = workspace();
    std::fs::create_dir(ws.path().join("desk")).unwrap();
    std::fs::write(
        ws.path().join("desk/other.json"),
        r#"{"copydesk_lexicon": 1, "entities": [{"id": "k", "name": "Kemal Kılıçdaroğlu", "kind": "person", "aliases": ["Kilicdaroglu"]}]}"#,
    )
    .unwrap();
    let (mut c, _) = TestClient::initialized(
        ws.path(),
        json!({"workspace": {"configuration": true}}),
        json!({}),
    )
    .await;
    let uri = c
        .open(
            &ws.path().join("d.md"),
            "markdown",
            "Kilicdaroglu and Putin.",
        )
        .await;
    // Discovery found the fixture lexicon (a *.lexicon.json): Putin is known.
    let h = c.hover(&uri, json!({"line": 0, "character": 18})).await;
    assert!(h["contents"]["value"].as_str().unwrap().contains("Putin"));
    // The user points the settings at another lexicon.
    c.settings = json!({"lexicons": ["desk/other.json"]});
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    )
    .await;
    let status = c.wait_for_notification("copydesk/status").await;
    assert_eq!(status["lexicons"][0]["entities"], 1);
    let h = c.hover(&uri, json!({"line": 0, "character": 18})).await;
    assert_eq!(h, Value::Null);
    let h = c.hover(&uri, json!({"line": 0, "character": 1})).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Kemal Kılıçdaroğlu**"));
}

async fn next(r: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> Value {
    read_message(r)
        .await
        .expect("the server keeps the stream open")
}

/// A reload asked for while an earlier one still waits for the client's
/// settings must not be overtaken by it: in the end the lexicons in use, and
/// the last status, are those of the latest settings.
#[tokio::test]
async fn the_latest_settings_win_over_an_earlier_reload_still_running() {
    let ws = workspace();
    let (r, mut w, _probe) = start_server();
    let mut r = tokio::io::BufReader::new(r);
    let answer = |id: &Value, lexicon: &str| json!({"jsonrpc": "2.0", "id": id, "result": [{"lexicons": [lexicon]}]});
    write_message(
        &mut w,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": uri_of(ws.path()),
                   "capabilities": {"workspace": {"configuration": true}}}}),
    )
    .await;
    while next(&mut r).await.get("id") != Some(&json!(1)) {}
    write_message(
        &mut w,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    )
    .await;
    // The first reload asks for the settings; its answer is held back.
    let first = loop {
        let m = next(&mut r).await;
        if m["method"] == "workspace/configuration" {
            break m["id"].clone();
        }
    };
    // Meanwhile the user points the settings at a lexicon that is not there.
    write_message(
        &mut w,
        &json!({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
        "params": {"settings": null}}),
    )
    .await;
    let mut statuses = Vec::new();
    let mut first_answered = false;
    while statuses.len() < 2 {
        // Half a second for a second reload to ask for the settings before
        // the first one's answer (the settings as they were) arrives.
        let m = match tokio::time::timeout(Duration::from_millis(500), next(&mut r)).await {
            Ok(m) => m,
            Err(_) if !first_answered => {
                first_answered = true;
                write_message(&mut w, &answer(&first, "sochi.lexicon.json")).await;
                continue;
            }
            Err(_) => continue,
        };
        if m["method"] == "workspace/configuration" {
            write_message(&mut w, &answer(&m["id"], "gone.lexicon.json")).await;
        } else if m["method"] == "copydesk/status" {
            statuses.push(m["params"].clone());
            if !first_answered {
                first_answered = true;
                write_message(&mut w, &answer(&first, "sochi.lexicon.json")).await;
            }
        }
    }
    let last = &statuses[1];
    assert!(
        last["error"]
            .as_str()
            .is_some_and(|e| e.contains("gone.lexicon.json")),
        "the last status is the latest settings': {statuses:?}"
    );
    assert_eq!(last["lexicons"], json!([]), "{statuses:?}");
    // And no name is known any more.
    let uri = uri_of(&ws.path().join("d.md"));
    write_message(
        &mut w,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1,
                                    "text": "Putin met Erdoğan."}}}),
    )
    .await;
    write_message(
        &mut w,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}}),
    )
    .await;
    let hover = loop {
        let m = next(&mut r).await;
        if m.get("id") == Some(&json!(2)) && m.get("method").is_none() {
            break m;
        }
    };
    assert_eq!(hover["result"], Value::Null, "{hover}");
}

#[tokio::test]
async fn edits_for_unknown_or_old_versions_are_ignored() {
    let ws = workspace();
    let (mut c, _) = TestClient::initialized(ws.path(), json!({}), json!({})).await;
    let uri = c.open(&ws.path().join("d.md"), "markdown", "abc").await;
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": "file:///nowhere.md", "version": 2}, "contentChanges": [{"text": "x"}]})).await;
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"range": {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 3}}, "text": "d"}]})).await;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": "stale"}]}),
    )
    .await;
    // A request after the notifications sees their effect (handled in order).
    c.hover(&uri, json!({"line": 0, "character": 0})).await;
    assert_eq!(c.probe.document(&uri), Some((5, "abcd".to_string())));
}

/// An edit as an editor sends it: a range in the encoding's units and new text.
#[derive(Debug, Clone)]
struct Edit {
    start: usize,
    len: usize,
    insert: String,
}

fn text_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("ğ"),
            Just("’"),
            Just("😀"),
            Just("🇹🇷"),
            Just("\n"),
            Just("\r\n"),
            Just(" "),
            Just("İ")
        ],
        0..30,
    )
    .prop_map(|v| v.concat())
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    (0usize..200, 0usize..8, text_strategy()).prop_map(|(start, len, insert)| Edit {
        start,
        len,
        insert,
    })
}

/// Position of char index `ci` in `text`, in `enc` units.
fn position(text: &str, ci: usize, enc: &str) -> Value {
    let at = text.char_indices().nth(ci).map_or(text.len(), |(b, _)| b);
    let before = &text[..at];
    // LSP lines: \n, \r\n and \r.
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    let col = &before[line_start..];
    let units = match enc {
        "utf-8" => col.len(),
        "utf-16" => col.encode_utf16().count(),
        _ => col.chars().count(),
    };
    json!({"line": line, "character": units})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn incremental_edits_keep_the_server_text_identical(initial in text_strategy(), edits in proptest::collection::vec(edit_strategy(), 1..12), enc_i in 0usize..3) {
        let enc = ["utf-8", "utf-16", "utf-32"][enc_i];
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let ws = workspace();
            let (mut c, _) = TestClient::initialized(ws.path(), caps(&[enc]), json!({})).await;
            let uri = c.open(&ws.path().join("d.txt"), "plaintext", &initial).await;
            let mut expected = initial.clone();
            for (i, e) in edits.iter().enumerate() {
                // Edit on char boundaries that do not split a CRLF: a client
                // never sends a range inside a line break.
                let chars: Vec<(usize, char)> = expected.char_indices().collect();
                let n = chars.len();
                let mut start = e.start.min(n);
                let mut end = (start + e.len).min(n);
                let splits_crlf = |ci: usize| ci > 0 && ci < n && chars[ci - 1].1 == '\r' && chars[ci].1 == '\n';
                if splits_crlf(start) { start -= 1; }
                if splits_crlf(end) { end += 1; }
                let byte = |ci: usize| chars.get(ci).map_or(expected.len(), |&(b, _)| b);
                let range = json!({"start": position(&expected, start, enc), "end": position(&expected, end, enc)});
                let (sb, eb) = (byte(start), byte(end));
                expected.replace_range(sb..eb, &e.insert);
                c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2 + i}, "contentChanges": [{"range": range, "text": e.insert}]})).await;
            }
            c.request("workspace/symbol", json!({"query": ""})).await;
            let (version, text) = c.probe.document(&uri).unwrap();
            assert_eq!(version as usize, 1 + edits.len());
            assert_eq!(text, expected);
        });
    }
}

#[tokio::test]
async fn a_request_right_after_connecting_waits_for_the_lexicon() {
    let ws = workspace();
    let mut c = TestClient::start().await;
    c.request("initialize", json!({"processId": null, "rootUri": uri_of(ws.path()), "capabilities": {}, "initializationOptions": {"lexicons": ["sochi.lexicon.json"]}})).await;
    c.notify("initialized", json!({})).await;
    let uri = c
        .open(&ws.path().join("d.md"), "markdown", "Kerim Has wrote.")
        .await;
    let h = c.hover(&uri, json!({"line": 0, "character": 1})).await;
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Kerim Has"),
        "{h}"
    );
}
