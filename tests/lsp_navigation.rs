//! Hover, definition, references, highlights, completion, symbols, tokens
//! and rename on the reference article, through the protocol.

mod common;

use common::*;
use serde_json::{json, Value};

async fn article_session(caps: Value) -> (TestClient, String, tempfile::TempDir) {
    let ws = workspace();
    let (mut c, _) =
        TestClient::initialized(ws.path(), caps, json!({"lexicons": ["sochi.lexicon.json"]})).await;
    let uri = c
        .open(
            &ws.path().join("sochi-putin-erdogan.txt"),
            "plaintext",
            ARTICLE,
        )
        .await;
    (c, uri, ws)
}

async fn hover_text(c: &mut TestClient, uri: &str, pos: Value) -> String {
    let h = c.hover(uri, pos).await;
    h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn hover_cards_say_who_and_what() {
    let (mut c, uri, _ws) = article_session(json!({})).await;
    let card = hover_text(&mut c, &uri, pos16(ARTICLE, "Aykan Erdemir", 0)).await;
    assert!(card.starts_with("**Aykan Erdemir** · person"), "{card}");
    assert!(
        card.contains(
            "director of the Turkey Program at the Foundation for Defense of Democracies"
        ),
        "{card}"
    );

    let card = hover_text(&mut c, &uri, pos16(ARTICLE, "S-400", 0)).await;
    assert!(card.starts_with("**S-400** · weapon"), "{card}");
    assert!(card.to_lowercase().contains("missile system"), "{card}");

    // "Has wrote" is Kerim Has, not the verb.
    let card = hover_text(&mut c, &uri, pos16(ARTICLE, "Has wrote", 0)).await;
    assert!(card.starts_with("**Kerim Has** · person"), "{card}");
    assert!(
        card.contains("lecturer in Turkish-Russian relations at Moscow University"),
        "{card}"
    );

    // The verb "has" is nobody.
    let h = c.hover(&uri, pos16(ARTICLE, "has reinforced", 0)).await;
    assert_eq!(h, Value::Null);

    // The hover range is the name as written.
    let h = c.hover(&uri, pos16(ARTICLE, "Stoltenberg", 0)).await;
    assert_eq!(h["range"], range16(ARTICLE, "Jens Stoltenberg", 0));
}

#[tokio::test]
async fn definition_goes_to_the_first_mention_then_to_the_lexicon() {
    let (mut c, uri, ws) = article_session(json!({})).await;
    // A later "Erdogan" goes to the first one in the draft.
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos16(ARTICLE, "Erdogan", 5)}),
        )
        .await;
    assert_eq!(
        d,
        json!([{"uri": uri, "range": range16(ARTICLE, "Erdogan", 0)}])
    );

    // The first mention goes to the lexicon entry and to the evidence in the source article.
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos16(ARTICLE, "Aykan Erdemir", 0)}),
        )
        .await;
    let lexicon_uri = uri_of(&ws.path().join("sochi.lexicon.json"));
    let lexicon_text = std::fs::read_to_string(ws.path().join("sochi.lexicon.json")).unwrap();
    let entry_line = lexicon_text
        .lines()
        .position(|l| l.contains("\"id\": \"aykan-erdemir\""))
        .unwrap();
    assert_eq!(
        d[0],
        json!({"uri": lexicon_uri, "range": {"start": {"line": entry_line, "character": 0}, "end": {"line": entry_line, "character": 0}}})
    );
    assert_eq!(d[1]["uri"], json!(uri));
    assert_eq!(d[1]["range"]["start"], pos16(ARTICLE, "Aykan Erdemir", 0));
}

#[tokio::test]
async fn references_and_highlights_cover_every_mention() {
    let (mut c, uri, ws) = article_session(json!({})).await;
    let expected: Vec<Value> = (0..ARTICLE.matches("Putin").count())
        .map(|i| range16(ARTICLE, "Putin", i))
        .collect();
    let h = c
        .request(
            "textDocument/documentHighlight",
            json!({"textDocument": {"uri": uri}, "position": pos16(ARTICLE, "Putin", 3)}),
        )
        .await;
    let got: Vec<Value> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["range"].clone())
        .collect();
    assert_eq!(got, expected);

    // A second draft in the workspace, on disk and not open, is searched too.
    std::fs::write(
        ws.path().join("draft.md"),
        "# Notes\n\nPutin met Erdogan.\n",
    )
    .unwrap();
    let r = c
        .request("textDocument/references", json!({"textDocument": {"uri": uri}, "position": pos16(ARTICLE, "Putin", 0), "context": {"includeDeclaration": true}}))
        .await;
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), expected.len() + 1);
    let draft = r
        .iter()
        .find(|l| l["uri"].as_str().unwrap().ends_with("draft.md"))
        .unwrap();
    assert_eq!(
        draft["range"],
        json!({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 5}})
    );
}

#[tokio::test]
async fn completion_offers_desk_spellings() {
    let text = "Talks with Stolt\nand then Jens Sto";
    let (mut c, uri, _ws) = TestClient::with_draft(json!({}), "draft.md", text).await;
    let r = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 16}}),
        )
        .await;
    let first = &r["items"][0];
    assert_eq!(first["label"], "Jens Stoltenberg");
    assert_eq!(
        first["textEdit"],
        json!({"range": {"start": {"line": 0, "character": 11}, "end": {"line": 0, "character": 16}}, "newText": "Jens Stoltenberg"})
    );
    // No documentation format declared: plain text.
    let doc = first["documentation"].as_str().unwrap();
    assert!(
        doc.starts_with("Jens Stoltenberg · person") && doc.contains("NATO secretary-general"),
        "{doc}"
    );
    let r = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 17}}),
        )
        .await;
    assert_eq!(
        r["items"][0]["textEdit"]["range"]["start"],
        json!({"line": 1, "character": 9})
    );
    assert_eq!(r["items"][0]["label"], "Jens Stoltenberg");
}

#[tokio::test]
async fn symbols_in_the_draft_and_in_the_lexicon() {
    let (mut c, uri, _ws) = article_session(json!({})).await;
    let s = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    // In order of first mention.
    assert_eq!(
        &names[..4],
        &["Black Sea", "Sochi", "Russia", "Vladimir V. Putin"]
    );
    let putin = &s[3];
    assert_eq!(
        putin["children"].as_array().unwrap().len(),
        ARTICLE.matches("Putin").count()
    );
    let w = c
        .request("workspace/symbol", json!({"query": "stolten"}))
        .await;
    assert_eq!(w.as_array().unwrap().len(), 1);
    assert_eq!(w[0]["name"], "Jens Stoltenberg");
    assert!(w[0]["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("sochi.lexicon.json"));
}

#[tokio::test]
async fn rename_rewrites_the_form_in_every_mention() {
    let text = "President Recep Tayyip Erdogan spoke. Mr. Erdogan left; Erdogan’s aides stayed. Putin waved.";
    let (mut c, uri, _ws) = TestClient::with_draft(json!({}), "draft.md", text).await;
    let p = c
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": pos16(text, "Erdogan’s", 0)}),
        )
        .await;
    assert_eq!(
        p,
        json!({"range": range16(text, "Erdogan", 2), "placeholder": "Erdogan"})
    );
    let e = c.request("textDocument/rename", json!({"textDocument": {"uri": uri}, "position": pos16(text, "Erdogan’s", 0), "newName": "Erdoğan"})).await;
    let edits = e["changes"][&uri].as_array().unwrap();
    let ranges: Vec<Value> = edits.iter().map(|x| x["range"].clone()).collect();
    assert_eq!(
        ranges,
        vec![
            range16(text, "Erdogan", 0),
            range16(text, "Erdogan", 1),
            range16(text, "Erdogan", 2)
        ]
    );
    assert!(edits.iter().all(|x| x["newText"] == "Erdoğan"));
    // Not on a word copydesk does not know.
    let r = c
        .request_raw(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": pos16(text, "spoke", 0)}),
        )
        .await;
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("none here"));
}

#[tokio::test]
async fn quotations_say_who_said_them_and_lead_to_the_source() {
    let text = "The Turkish leader was defiant. “We buy our own weapons,” he said.\n\nHe also wrote: “Erdogan did not get what he expected.”\n";
    let (mut c, uri, ws) = TestClient::with_draft(json!({}), "draft.md", text).await;
    let h = c.hover(&uri, pos16(text, "own weapons", 0)).await;
    let card = h["contents"]["value"].as_str().unwrap();
    assert!(
        card.starts_with("**Quotation from Recep Tayyip Erdogan**"),
        "{card}"
    );
    assert!(card.contains("> “We buy our own weapons,” Erdogan said, asserting that both the NATO secretary-general"), "{card}");
    assert_eq!(h["range"], range16(text, "“We buy our own weapons,”", 0));

    // A part of a longer quotation matches too; a name inside it is still a name.
    let h = c.hover(&uri, pos16(text, "what he expected", 0)).await;
    let card = h["contents"]["value"].as_str().unwrap();
    assert!(card.starts_with("**Quotation from Kerim Has**"), "{card}");
    assert!(card.contains("Wrote on Twitter"), "{card}");
    let h = c.hover(&uri, pos16(text, "Erdogan did", 0)).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Recep Tayyip Erdogan**"));

    // Definition: the claim's sentence in the source article.
    let d = c
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": pos16(text, "own weapons", 0)}),
        )
        .await;
    let sentence = "“We buy our own weapons,” Erdogan said, asserting that both the NATO secretary-general, Jens Stoltenberg, and President Donald Trump had reaffirmed Turkey’s right to choose arms suppliers.";
    assert_eq!(
        d,
        json!([{"uri": uri_of(&ws.path().join("sochi-putin-erdogan.txt")), "range": range16(ARTICLE, sentence, 0)}])
    );

    // A quotation no source contains has no card.
    let text2 = "“Nobody said these words at all,” he said.";
    let uri2 = c.open(&ws.path().join("other.md"), "markdown", text2).await;
    let h = c.hover(&uri2, pos16(text2, "these words", 0)).await;
    assert_eq!(h, Value::Null);
}

#[tokio::test]
async fn semantic_tokens_split_quotations_around_names_and_lines() {
    let text = "“Putin met\nErdogan,” NATO said.";
    let (mut c, uri, _ws) = TestClient::with_draft(json!({}), "draft.md", text).await;
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
    // quotation “ | Putin (person, first) | quotation " met" | line 2: Erdogan (person, first) | quotation ,” | NATO (organization, first)
    assert_eq!(
        data,
        vec![
            0, 0, 1, 6, 0, 0, 1, 5, 0, 1, 0, 5, 4, 6, 0, 1, 0, 7, 0, 1, 0, 7, 2, 6, 0, 0, 3, 4, 1,
            1
        ]
    );
    let r = c
        .request("textDocument/semanticTokens/range", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 30}}}))
        .await;
    let data: Vec<u64> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data, vec![1, 0, 7, 0, 1, 0, 7, 2, 6, 0, 0, 3, 4, 1, 1]);
}

#[tokio::test]
async fn markdown_only_where_the_client_reads_it() {
    let ws = workspace();
    let caps = json!({"textDocument": {"hover": {"contentFormat": ["plaintext"]}, "completion": {"completionItem": {"documentationFormat": ["markdown", "plaintext"]}}}});
    let (mut c, _) =
        TestClient::initialized(ws.path(), caps, json!({"lexicons": ["sochi.lexicon.json"]})).await;
    let text = "Stolt";
    let uri = c.open(&ws.path().join("d.md"), "markdown", text).await;
    let h = c.hover(&uri, json!({"line": 0, "character": 0})).await;
    assert_eq!(h, Value::Null);
    let r = c
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 5}}),
        )
        .await;
    assert_eq!(r["items"][0]["documentation"]["kind"], "markdown");
    assert!(r["items"][0]["documentation"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Jens Stoltenberg** · person"));
    let text2 = "Jens Stoltenberg spoke.";
    let uri2 = c.open(&ws.path().join("e.md"), "markdown", text2).await;
    let h = c.hover(&uri2, json!({"line": 0, "character": 2})).await;
    assert_eq!(h["contents"]["kind"], "plaintext");
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("Jens Stoltenberg · person"));
}
