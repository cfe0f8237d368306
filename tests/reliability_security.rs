//! Files from an untrusted repository cannot make copydesk read outside
//! the workspace: lexicon paths in `copydesk.toml` that climb out (`../`),
//! are absolute, or go through a symbolic link are refused with a message;
//! discovery does not follow links; sources a lexicon names outside the
//! workspace are not read. Paths from the user's own settings may point
//! anywhere.

mod common;

use std::path::Path;

use common::pipelined::*;
use common::uri_of;
use serde_json::{json, Value};

const NAME: &str = "Kilicdaroglu";

/// A lexicon knowing one person, whose evidence is in source `source`.
fn lexicon(source: &str) -> String {
    json!({"copydesk_lexicon": 1,
        "sources": [{"id": "s", "path": source}],
        "entities": [{"id": "k", "name": "Kemal Kılıçdaroğlu", "kind": "person", "aliases": [NAME],
            "evidence": [{"source": "s", "start": 0, "end": 12}]}]})
    .to_string()
}

struct Places {
    _dir: tempfile::TempDir,
    ws: std::path::PathBuf,
    outside: std::path::PathBuf,
}

/// A workspace and, beside it, a directory the workspace must not reach:
/// it holds a valid lexicon and a "secret" source.
fn places() -> Places {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), format!("{NAME} secret")).unwrap();
    std::fs::write(
        outside.join("x.lexicon.json"),
        lexicon(outside.join("secret.txt").to_str().unwrap()),
    )
    .unwrap();
    Places {
        _dir: dir,
        ws,
        outside,
    }
}

async fn hover_name(c: &mut Client, ws: &Path) -> Value {
    let uri = c
        .open(&ws.join("d.md"), "markdown", &format!("{NAME} spoke."))
        .await;
    c.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
    )
    .await
}

#[tokio::test]
async fn copydesk_toml_cannot_name_lexicons_outside_the_workspace() {
    let p = places();
    std::os::unix::fs::symlink(&p.outside, p.ws.join("link")).unwrap();
    let listed = [
        "../outside/x.lexicon.json".to_string(),
        p.outside.join("x.lexicon.json").display().to_string(),
        "link/x.lexicon.json".to_string(),
        "sub/../../outside/x.lexicon.json".to_string(),
    ];
    std::fs::write(
        p.ws.join("copydesk.toml"),
        format!("lexicons = {}\n", serde_json::to_string(&listed).unwrap()),
    )
    .unwrap();
    let mut c = Client::start(Value::Null);
    c.call(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&p.ws), "capabilities": {}}),
    )
    .await;
    c.notify("initialized", json!({})).await;
    let status = c.notification("copydesk/status", |_| true).await;
    assert_eq!(status["lexicons"], json!([]), "nothing loaded: {status}");
    for path in &listed {
        let msg = c
            .notification("window/showMessage", |m| {
                m["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("\"{path}\""))
            })
            .await;
        assert_eq!(msg["type"], 1);
        assert_eq!(
            msg["message"],
            format!(
                "copydesk: cannot load lexicon {}: lexicon path \"{path}\" leaves the workspace; copydesk.toml may only name files inside it (set `copydesk.lexicons` in your editor settings to use it)",
                p.ws.join("copydesk.toml").display()
            )
        );
    }
    assert_eq!(hover_name(&mut c, &p.ws).await, Value::Null);
}

#[tokio::test]
async fn discovery_does_not_follow_links_out_of_the_workspace() {
    let p = places();
    std::os::unix::fs::symlink(
        p.outside.join("x.lexicon.json"),
        p.ws.join("evil.lexicon.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&p.outside, p.ws.join("linked-dir")).unwrap();
    std::fs::write(p.ws.join("own.lexicon.json"), lexicon("secret.txt")).unwrap();
    let mut c = Client::initialized(&p.ws, json!({}), json!({})).await;
    let h = hover_name(&mut c, &p.ws).await;
    // Only the workspace's own lexicon was found.
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Kemal Kılıçdaroğlu**"));
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"copydesk": {}}}),
    )
    .await;
    let status = c.notification("copydesk/status", |_| true).await;
    assert_eq!(
        status["lexicons"],
        json!([{"path": p.ws.join("own.lexicon.json").display().to_string(), "entities": 1, "claims": 0}])
    );
}

#[tokio::test]
async fn sources_outside_the_workspace_are_not_read() {
    let p = places();
    std::fs::write(p.ws.join("inside.txt"), format!("{NAME} inside")).unwrap();
    std::os::unix::fs::symlink(p.outside.join("secret.txt"), p.ws.join("linked.txt")).unwrap();
    let secret = p.outside.join("secret.txt");
    for (source, readable) in [
        ("inside.txt".to_string(), true),
        ("../outside/secret.txt".to_string(), false),
        (secret.display().to_string(), false),
        ("linked.txt".to_string(), false),
    ] {
        std::fs::write(p.ws.join("desk.lexicon.json"), lexicon(&source)).unwrap();
        let mut c =
            Client::initialized(&p.ws, json!({}), json!({"lexicons": ["desk.lexicon.json"]})).await;
        let uri = c
            .open(&p.ws.join("d.md"), "markdown", &format!("{NAME} spoke."))
            .await;
        let d = c
            .result(
                "textDocument/definition",
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
            )
            .await;
        let uris: Vec<&str> = d
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["uri"].as_str().unwrap())
            .collect();
        let lexicon_uri = uri_of(&p.ws.join("desk.lexicon.json"));
        if readable {
            assert_eq!(
                uris,
                [
                    lexicon_uri.as_str(),
                    uri_of(&p.ws.join("inside.txt")).as_str()
                ],
                "{source}"
            );
        } else {
            assert_eq!(uris, [lexicon_uri.as_str()], "{source} must not be read");
        }
    }
}

#[tokio::test]
async fn the_users_own_settings_may_point_outside() {
    let p = places();
    let outside_lexicon = p.outside.join("x.lexicon.json");
    let mut c = Client::initialized(
        &p.ws,
        json!({}),
        json!({"lexicons": [outside_lexicon.display().to_string()]}),
    )
    .await;
    let h = hover_name(&mut c, &p.ws).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Kemal Kılıçdaroğlu**"));
}

#[test]
fn the_cli_refuses_a_copydesk_toml_that_leaves_the_workspace() {
    let p = places();
    std::fs::write(
        p.ws.join("copydesk.toml"),
        "lexicons = [\"../outside/x.lexicon.json\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["lexicon", "export", "--format", "plain"])
        .current_dir(&p.ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "nothing exported");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "copydesk: {}: lexicon path \"../outside/x.lexicon.json\" leaves the workspace; copydesk.toml may only name files inside it (set `copydesk.lexicons` in your editor settings to use it)\n",
            p.ws.join("copydesk.toml").display()
        )
    );
}
