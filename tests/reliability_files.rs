//! No lost work: a rebuild never changes reviewed entries or drops unknown
//! fields (a property over random edits of a real lexicon), and a process
//! killed while it writes a lexicon leaves the previous file intact.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use copydesk::builder::{self, merge, Article};
use copydesk::lexicon::{self, Lexicon};
use copydesk::text::prose::DocKind;
use proptest::prelude::*;
use serde_json::json;

fn article() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sochi-putin-erdogan.txt"),
    )
    .unwrap()
}

/// A fresh build of the reference article, as `copydesk build` makes it.
fn built() -> &'static Lexicon {
    static BUILT: OnceLock<Lexicon> = OnceLock::new();
    BUILT.get_or_init(|| {
        builder::build(&[Article::new(
            "sochi-putin-erdogan.txt",
            article(),
            DocKind::PlainText,
        )])
    })
}

/// What a desk does to a built lexicon between two builds: reviews some
/// entries (and edits them), annotates others with fields copydesk does
/// not know.
#[derive(Debug, Clone)]
struct DeskEdits {
    reviewed_entities: Vec<bool>,
    renamed: Vec<Option<String>>,
    noted_entities: Vec<Option<String>>,
    reviewed_claims: Vec<bool>,
    top_note: Option<String>,
}

fn desk_edits() -> impl Strategy<Value = DeskEdits> {
    let (e, c) = (built().entities.len(), built().claims.len());
    (
        proptest::collection::vec(any::<bool>(), e),
        proptest::collection::vec(proptest::option::weighted(0.2, "[A-Z][a-zğış]{2,8}"), e),
        proptest::collection::vec(proptest::option::weighted(0.3, "[a-z ]{0,12}"), e),
        proptest::collection::vec(any::<bool>(), c),
        proptest::option::of("[a-z]{1,8}"),
    )
        .prop_map(
            |(reviewed_entities, renamed, noted_entities, reviewed_claims, top_note)| DeskEdits {
                reviewed_entities,
                renamed,
                noted_entities,
                reviewed_claims,
                top_note,
            },
        )
}

fn apply(edits: &DeskEdits) -> Lexicon {
    let mut l = built().clone();
    for (i, e) in l.entities.iter_mut().enumerate() {
        if edits.reviewed_entities[i] {
            e.reviewed = true;
            if let Some(name) = &edits.renamed[i] {
                e.name = name.clone();
                e.description = format!("checked by the desk: {name}");
            }
        }
        if let Some(note) = &edits.noted_entities[i] {
            e.extra
                .insert("desk_note".into(), json!({"by": "editor", "text": note}));
        }
    }
    for (i, c) in l.claims.iter_mut().enumerate() {
        if edits.reviewed_claims[i] {
            c.reviewed = true;
            c.extra.insert("checked".into(), json!(true));
        }
    }
    if let Some(note) = &edits.top_note {
        l.extra.insert("desk".into(), json!(note));
    }
    l
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn rebuilds_keep_reviewed_entries_and_unknown_fields(edits in desk_edits(), rebuilds in 1usize..3) {
        let before = apply(&edits);
        let mut after = before.clone();
        for _ in 0..rebuilds {
            after = merge::update(after, built().clone());
        }
        for e in before.entities.iter().filter(|e| e.reviewed) {
            let kept = after.entities.iter().find(|a| a.id == e.id);
            prop_assert_eq!(kept, Some(e), "reviewed entity {} changed", &e.id);
        }
        for c in before.claims.iter().filter(|c| c.reviewed) {
            let kept = after.claims.iter().find(|a| a.id == c.id);
            prop_assert_eq!(kept, Some(c), "reviewed claim {} changed", &c.id);
        }
        for e in before.entities.iter().filter(|e| e.extra.contains_key("desk_note")) {
            // The same article was rebuilt: every entity is found again.
            let kept = after.entities.iter().find(|a| a.id == e.id);
            prop_assert!(kept.is_some(), "entity {} dropped", &e.id);
            prop_assert_eq!(kept.unwrap().extra.get("desk_note"), e.extra.get("desk_note"));
        }
        prop_assert_eq!(after.extra.get("desk"), before.extra.get("desk"));
        // What is written is a valid lexicon that reads back the same.
        let text = lexicon::to_json_string(&after);
        let again = lexicon::parse(&text);
        prop_assert_eq!(again.as_ref(), Ok(&after));
    }
}

const CHILD_ENV: &str = "COPYDESK_RELIABILITY_WRITER";

/// The child process of the kill test: rewrites the lexicon in a loop
/// through `files::write_atomically` until it is killed. Does nothing when
/// run as an ordinary test.
#[test]
fn writer_child_process() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let bytes = big_lexicon("new");
    loop {
        copydesk::files::write_atomically(Path::new(&path), bytes.as_bytes()).unwrap();
    }
}

/// A lexicon of some megabytes, so that writing it takes a while.
fn big_lexicon(tag: &str) -> String {
    let mut l = built().clone();
    l.extra.insert("tag".into(), json!(tag));
    l.extra
        .insert("padding".into(), json!("x".repeat(16 * 1024 * 1024)));
    lexicon::to_json_string(&l)
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tmp"))
        .collect()
}

#[test]
fn a_process_killed_while_writing_leaves_the_previous_lexicon_intact() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("desk.lexicon.json");
    let old = big_lexicon("old");
    std::fs::write(&target, &old).unwrap();
    let new = big_lexicon("new");
    let mut killed_mid_write = 0;
    for round in 0..6 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_child_process", "--nocapture"])
            .env(CHILD_ENV, &target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill it while a temporary file is being filled: mid-write.
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut mid_write = false;
        while Instant::now() < deadline {
            if temp_files(dir.path())
                .iter()
                .any(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
            {
                mid_write = true;
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        killed_mid_write += usize::from(mid_write);
        let now = std::fs::read_to_string(&target).unwrap();
        assert!(
            now == old || now == new,
            "round {round}: the lexicon is neither the old one nor the new one ({} bytes)",
            now.len()
        );
        assert!(lexicon::parse(&now).is_ok());
        // The next round starts from the old file again.
        std::fs::write(&target, &old).unwrap();
        for t in temp_files(dir.path()) {
            std::fs::remove_file(t).unwrap();
        }
    }
    assert!(
        killed_mid_write >= 3,
        "killed mid-write {killed_mid_write} times of 6"
    );
}
