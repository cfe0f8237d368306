//! `workspace/executeCommand copydesk.buildLexicon` from the editor.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn building_from_the_open_article_makes_its_names_known() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("sochi-putin-erdogan.txt");
    std::fs::write(&article, ARTICLE).unwrap();
    let (mut c, init) = TestClient::initialized(
        dir.path(),
        json!({"window": {"workDoneProgress": true}}),
        json!({}),
    )
    .await;
    assert_eq!(
        init["capabilities"]["executeCommandProvider"]["commands"],
        json!(["copydesk.buildLexicon"])
    );
    let uri = c.open(&article, "plaintext", ARTICLE).await;
    // No lexicon yet: nobody is known.
    let h = c.hover(&uri, pos16(ARTICLE, "Aykan Erdemir", 0)).await;
    assert_eq!(h, serde_json::Value::Null);

    let r = c
        .request(
            "workspace/executeCommand",
            json!({"command": "copydesk.buildLexicon", "arguments": [uri]}),
        )
        .await;
    let out = dir.path().join("sochi-putin-erdogan.lexicon.json");
    assert_eq!(r["path"], json!(out.display().to_string()));
    assert!(r["entities"].as_u64().unwrap() >= 8);
    // Progress was reported, and the new lexicon loads.
    let begin = c.wait_for_notification("$/progress").await;
    assert_eq!(begin["value"]["kind"], "begin");
    let status = c.wait_for_notification("copydesk/status").await;
    assert_eq!(
        status["lexicons"][0]["path"],
        json!(out.display().to_string())
    );
    let h = c.hover(&uri, pos16(ARTICLE, "Aykan Erdemir", 0)).await;
    let card = h["contents"]["value"].as_str().unwrap();
    assert!(
        card.contains(
            "director of the Turkey Program at the Foundation for Defense of Democracies"
        ),
        "{card}"
    );
    let lexicon = copydesk::lexicon::parse(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(lexicon.sources[0].path, "sochi-putin-erdogan.txt");
}

#[tokio::test]
async fn a_broken_lexicon_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.md");
    std::fs::write(&article, "Kerim Has, a lecturer, spoke.\n").unwrap();
    let out = dir.path().join("a.lexicon.json");
    std::fs::write(&out, "{ \"copydesk_lexicon\": 1, ").unwrap();
    let (mut c, _) = TestClient::initialized(dir.path(), json!({}), json!({})).await;
    let uri = c
        .open(&article, "markdown", "Kerim Has, a lecturer, spoke.\n")
        .await;
    let r = c
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "copydesk.buildLexicon", "arguments": [uri]}),
        )
        .await;
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("refusing to overwrite"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{ \"copydesk_lexicon\": 1, "
    );
    let r = c
        .request_raw(
            "workspace/executeCommand",
            json!({"command": "copydesk.nothing", "arguments": []}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32602);
}
