//! Building into an existing lexicon and merging lexicons: reviewed entries
//! and unknown fields survive, rebuilds are byte-identical, bad lexicons are
//! never overwritten, writes are atomic, and `lexicon merge` is associative
//! and commutative.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use copydesk::builder::merge::{join, update};
use copydesk::builder::{self, Article};
use copydesk::files;
use copydesk::lexicon::{self, Claim, Entity, EntityKind, Evidence, Lexicon, Source};
use copydesk::text::prose::DocKind;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> PathBuf {
    root().join("tests/fixtures/sochi-putin-erdogan.txt")
}

fn copydesk(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(args)
        .output()
        .unwrap()
}

fn build_cli(inputs: &[&Path], out: &Path) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["build".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.push("-o".as_ref());
    args.push(out.as_os_str());
    copydesk(&args)
}

fn read(path: &Path) -> Lexicon {
    files::read_lexicon(path).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn reviewed_entries_and_unknown_fields_survive_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sochi.lexicon.json");
    assert!(build_cli(&[&reference()], &out).status.success());

    // A reporter reviews two entries and a claim and adds fields copydesk does not know.
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    value["desk"] = json!("world");
    for e in value["entities"].as_array_mut().unwrap() {
        match e["id"].as_str().unwrap() {
            "aykan-erdemir" => {
                e["reviewed"] = json!(true);
                e["description"] = json!("Turkey analyst at FDD; former member of parliament");
                e["aliases"] = json!(["Erdemir"]);
            }
            "s-400" => {
                e["reviewed"] = json!(true);
                e["description"] = json!("Russian surface-to-air missile system");
            }
            "nato" => e["desk_note"] = json!({"checked_by": "copy chief"}),
            _ => {}
        }
    }
    for c in value["claims"].as_array_mut().unwrap() {
        if c["id"] == "erdogan-we-buy-our-own-weapons" {
            c["reviewed"] = json!(true);
            c["cue"] = json!("said in an interview");
        }
        if c["id"] == "erdogan-i-think-it-was-worth-it" {
            c["fact_check"] = json!("confirmed");
        }
    }
    let edited = serde_json::to_string_pretty(&value).unwrap();
    std::fs::write(&out, &edited).unwrap();
    let before = lexicon::parse(&edited).unwrap();

    let rebuilt = build_cli(&[&reference()], &out);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    let after = read(&out);
    let find = |l: &Lexicon, id: &str| l.entities.iter().find(|e| e.id == id).cloned().unwrap();
    assert_eq!(
        find(&after, "aykan-erdemir"),
        find(&before, "aykan-erdemir"),
        "reviewed entity untouched"
    );
    assert_eq!(find(&after, "s-400"), find(&before, "s-400"));
    assert_eq!(
        find(&after, "nato").extra["desk_note"]["checked_by"],
        "copy chief"
    );
    assert_eq!(after.extra["desk"], "world");
    let claim = |l: &Lexicon, id: &str| l.claims.iter().find(|c| c.id == id).cloned().unwrap();
    assert_eq!(
        claim(&after, "erdogan-we-buy-our-own-weapons").cue,
        "said in an interview"
    );
    assert_eq!(
        claim(&after, "erdogan-i-think-it-was-worth-it").extra["fact_check"],
        "confirmed"
    );
    assert_eq!(after.claims.len(), before.claims.len());

    // And again: nothing moves.
    let bytes = std::fs::read(&out).unwrap();
    assert!(build_cli(&[&reference()], &out).status.success());
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

#[test]
fn building_into_the_hand_written_fixture_keeps_its_ids() {
    let fixture = root().join("tests/fixtures/sochi.lexicon.json");
    let existing = read(&fixture);
    let article = Article::new(
        "sochi-putin-erdogan.txt",
        std::fs::read_to_string(reference()).unwrap(),
        DocKind::PlainText,
    );
    let merged = update(existing.clone(), builder::build(&[article]));
    // Everything in the fixture is reviewed: all of it stays as it was.
    for e in &existing.entities {
        assert_eq!(
            merged.entities.iter().find(|m| m.id == e.id),
            Some(e),
            "{}",
            e.id
        );
    }
    for c in &existing.claims {
        assert_eq!(
            merged.claims.iter().find(|m| m.id == c.id),
            Some(c),
            "{}",
            c.id
        );
    }
    // New claims speak through the fixture's ids: "Erdogan" is recep-tayyip-erdogan.
    assert!(merged
        .claims
        .iter()
        .all(|c| c.speaker.as_deref() != Some("erdogan")));
    assert!(merged
        .entities
        .iter()
        .all(|e| e.id != "erdogan" && e.id != "putin"));
    let text = lexicon::to_json_string(&merged);
    assert_eq!(lexicon::parse(&text).unwrap(), merged);
}

#[test]
fn a_lexicon_that_does_not_parse_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("broken.lexicon.json");
    let broken = "{\n  \"copydesk_lexicon\": 1,\n  \"entities\": [\n    {\"id\": \"x\", \"name\": \"X\",}\n  ]\n}\n";
    std::fs::write(&out, broken).unwrap();
    let o = build_cli(&[&reference()], &out);
    assert_eq!(o.status.code(), Some(2));
    let msg = stderr(&o);
    assert!(msg.contains(&format!("{}:4:", out.display())), "{msg}");
    assert!(msg.contains("refusing to overwrite"), "{msg}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), broken);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let merged = dir.path().join("merged.json");
    std::fs::write(&merged, "not json").unwrap();
    let o = copydesk(&[
        "lexicon".as_ref(),
        "merge".as_ref(),
        root().join("tests/fixtures/sochi.lexicon.json").as_os_str(),
        "-o".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&merged).unwrap(), "not json");
}

#[test]
fn unreadable_inputs_are_reported_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.lexicon.json");
    let bad = dir.path().join("latin1.txt");
    std::fs::write(&bad, b"Erdo\xF0an said.").unwrap();
    let o = build_cli(&[&bad], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("latin1.txt: not UTF-8"),
        "{}",
        stderr(&o)
    );
    let o = build_cli(&[&dir.path().join("missing.md")], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.md"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn an_interrupted_write_leaves_the_old_lexicon_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sochi.lexicon.json");
    assert!(build_cli(&[&reference()], &out).status.success());
    let old = std::fs::read(&out).unwrap();
    // The writer fails half-way, as on a full disk.
    let err = files::write_atomically_with(&out, |f| {
        f.write_all(&old[..old.len() / 2])?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device",
        ))
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    assert_eq!(std::fs::read(&out).unwrap(), old);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_killed_build_never_leaves_half_a_lexicon() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus.lexicon.json");
    // A corpus big enough that a build takes a while.
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let text = std::fs::read_to_string(reference()).unwrap();
    for i in 0..40 {
        std::fs::write(
            corpus.join(format!("a{i:02}.txt")),
            text.replace("Sochi", &format!("Sochi{i}")),
        )
        .unwrap();
    }
    assert!(build_cli(&[&reference()], &out).status.success());
    let old = std::fs::read(&out).unwrap();
    for delay_ms in [5u64, 40, 120, 300, 700] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
            .args([
                "build".as_ref(),
                corpus.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&out).unwrap();
        // Either the old lexicon or a complete new one; never a torn file.
        let parsed = lexicon::parse(std::str::from_utf8(&now).unwrap());
        assert!(
            parsed.is_ok(),
            "after a kill at {delay_ms} ms the lexicon does not parse"
        );
        if now != old {
            assert!(parsed.unwrap().sources.len() > 1);
        }
    }
}

// ---------------------------------------------------------------------------
// lexicon merge

fn shard(dir: &Path, name: &str, article: &Path) -> PathBuf {
    let out = dir.join(format!("{name}.lexicon.json"));
    let o = build_cli(&[article], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn merge_cli(inputs: &[&Path], out: &Path) -> Vec<u8> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["lexicon".as_ref(), "merge".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.push("-o".as_ref());
    args.push(out.as_os_str());
    let o = copydesk(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

#[test]
fn merging_shards_in_any_order_and_grouping_gives_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let articles = root().join("tests/fixtures/articles");
    let a = shard(d, "a", &reference());
    let b = shard(d, "b", &articles.join("wire-ankara-grain-talks.txt"));
    let c = shard(d, "c", &articles.join("feature-kerch-ferry.md"));
    std::fs::create_dir(d.join("out")).unwrap();
    let abc = merge_cli(&[&a, &b, &c], &d.join("out/abc.json"));
    assert_eq!(merge_cli(&[&c, &a, &b], &d.join("out/cab.json")), abc);
    assert_eq!(merge_cli(&[&b, &c, &a], &d.join("out/bca.json")), abc);
    let ab = d.join("ab.json");
    merge_cli(&[&a, &b], &ab);
    let bc = d.join("bc.json");
    merge_cli(&[&b, &c], &bc);
    assert_eq!(merge_cli(&[&ab, &c], &d.join("out/ab_c.json")), abc);
    assert_eq!(merge_cli(&[&a, &bc], &d.join("out/a_bc.json")), abc);
    // Paths are rebased on the output's directory and still lead to the articles.
    let merged = read(&d.join("out/abc.json"));
    for s in &merged.sources {
        let text = std::fs::read_to_string(d.join("out").join(&s.path)).unwrap();
        assert!(!text.is_empty(), "{}", s.path);
    }
    assert_eq!(merged.sources.len(), 3);
    // The same as building all three at once, apart from its own merge order.
    let together = d.join("together.json");
    let o = build_cli(
        &[
            &reference(),
            &articles.join("wire-ankara-grain-talks.txt"),
            &articles.join("feature-kerch-ferry.md"),
        ],
        &together,
    );
    assert!(o.status.success());
    let together = read(&together);
    let ids = |l: &Lexicon| {
        l.claims
            .iter()
            .map(|c| c.id.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(ids(&merged), ids(&together));
}

// Random lexicons over a few shared ids, for the algebra of `join`.

fn arb_entity(id: &'static str) -> impl Strategy<Value = Entity> {
    (
        prop::sample::select(vec![
            "Erdogan",
            "Recep Tayyip Erdogan",
            "Mr. Erdogan",
            "Turkey",
        ]),
        prop::sample::select(vec![
            EntityKind::Person,
            EntityKind::Place,
            EntityKind::Other,
        ]),
        prop::collection::vec(
            prop::sample::select(vec!["Erdogan", "R. T. Erdogan", "Erdoğan", "Tayyip"]),
            0..3,
        ),
        prop::sample::select(vec!["", "President", "Turkish president"]),
        prop::sample::select(vec!["", "short", "a longer description"]),
        any::<bool>(),
        prop::collection::vec((0usize..3, 0usize..40), 0..3),
        prop::option::of(prop::sample::select(vec!["x", "y"])),
    )
        .prop_map(
            move |(name, kind, aliases, title, description, reviewed, evidence, note)| {
                let mut extra = Map::new();
                if let Some(n) = note {
                    extra.insert("note".into(), json!(n));
                }
                Entity {
                    id: id.into(),
                    name: name.into(),
                    kind,
                    aliases: aliases.into_iter().map(String::from).collect(),
                    variants: Vec::new(),
                    title: title.into(),
                    description: description.into(),
                    first_reference: None,
                    evidence: evidence
                        .into_iter()
                        .map(|(s, start)| Evidence {
                            source: format!("s{s}"),
                            start,
                            end: start + 5,
                            extra: Map::new(),
                        })
                        .collect(),
                    reviewed,
                    extra,
                }
            },
        )
}

fn arb_claim(id: &'static str, speakers: Vec<&'static str>) -> impl Strategy<Value = Claim> {
    (
        prop::sample::select(vec!["We buy our own weapons", "I think it was worth it"]),
        prop::option::of(prop::sample::select(speakers)),
        any::<bool>(),
        0usize..50,
        prop::option::of(prop::sample::select(vec!["checked", "disputed"])),
    )
        .prop_map(move |(text, speaker, reviewed, start, note)| {
            let mut extra = Map::new();
            if let Some(n) = note {
                extra.insert("fact_check".into(), json!(n));
            }
            Claim {
                id: id.into(),
                text: text.into(),
                quoted: true,
                speaker: speaker.map(String::from),
                speaker_text: "he".into(),
                cue: "said".into(),
                source: "s0".into(),
                start,
                end: start + text.len(),
                sentence: String::new(),
                reviewed,
                extra,
            }
        })
}

fn arb_lexicon() -> impl Strategy<Value = Lexicon> {
    (
        prop::option::of(arb_entity("e1")),
        prop::option::of(arb_entity("e2")),
        prop::option::of(prop::sample::select(vec!["Sochi", "Kerch"])),
        prop::option::of(prop::sample::select(vec!["world", "metro"])),
        any::<bool>(),
    )
        .prop_flat_map(|(e1, e2, title, desk, claim)| {
            let entities: Vec<Entity> = e1.into_iter().chain(e2).collect();
            let speakers: Vec<&'static str> = entities
                .iter()
                .map(|e| if e.id == "e1" { "e1" } else { "e2" })
                .collect();
            let claim = if claim && !speakers.is_empty() {
                arb_claim("c1", speakers).prop_map(Some).boxed()
            } else {
                Just(None).boxed()
            };
            (Just(entities), claim, Just(title), Just(desk))
        })
        .prop_map(|(entities, claim, title, desk)| {
            let mut l = Lexicon::default();
            if let Some(t) = title {
                l.sources.push(Source {
                    id: "s0".into(),
                    path: "s0.txt".into(),
                    title: t.into(),
                    date: None,
                    sha256: String::new(),
                    extra: Map::new(),
                });
            }
            if let Some(d) = desk {
                l.extra.insert("desk".into(), json!(d));
            }
            l.entities = entities;
            l.claims = claim.into_iter().collect();
            l
        })
}

fn bytes(l: &Lexicon) -> String {
    lexicon::to_json_string(l)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn join_is_commutative(a in arb_lexicon(), b in arb_lexicon()) {
        prop_assert_eq!(bytes(&join(a.clone(), b.clone())), bytes(&join(b, a)));
    }

    #[test]
    fn join_is_associative(a in arb_lexicon(), b in arb_lexicon(), c in arb_lexicon()) {
        let left = join(join(a.clone(), b.clone()), c.clone());
        let right = join(a, join(b, c));
        prop_assert_eq!(bytes(&left), bytes(&right));
    }

    #[test]
    fn join_keeps_reviewed_entries_verbatim(a in arb_lexicon(), b in arb_lexicon()) {
        let joined = join(a.clone(), b.clone());
        for e in a.entities.iter().chain(&b.entities).filter(|e| e.reviewed) {
            let other = a.entities.iter().chain(&b.entities).find(|o| o.id == e.id && o.reviewed && o != &e);
            if other.is_none() {
                prop_assert_eq!(joined.entities.iter().find(|j| j.id == e.id), Some(e));
            }
        }
        // The result is always a valid lexicon.
        prop_assert!(lexicon::parse(&bytes(&joined)).is_ok());
    }
}
