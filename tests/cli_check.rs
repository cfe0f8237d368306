//! `copydesk check` as a user runs it: the three formats against golden
//! files (set UPDATE_GOLDEN=1 to rewrite them after a deliberate change),
//! SARIF against its schema, exit statuses and error messages.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn copydesk_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("copydesk runs");
    Run {
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
        code: out.status.code().expect("exit status"),
    }
}

fn copydesk(args: &[&str]) -> Run {
    copydesk_in(&root(), args)
}

fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "output differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn human_output_of_the_example_draft() {
    let run = copydesk(&["check", "examples/draft.md"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
    golden("check-draft.human.txt", &run.stdout);
}

#[test]
fn json_output_of_the_example_draft_is_the_servers_diagnostics() {
    let run = copydesk(&["check", "--format", "json", "examples/draft.md"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut files: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    // Related locations are file URIs of wherever the checkout is: check
    // them, then write them the same way on every machine.
    let mut uris = 0;
    for d in files[0]["diagnostics"].as_array_mut().unwrap() {
        for r in d["relatedInformation"].as_array_mut().into_iter().flatten() {
            let uri = r["location"]["uri"].as_str().unwrap();
            assert!(
                uri.starts_with("file:///") && uri.ends_with("/examples/sochi-putin-erdogan.txt"),
                "{uri}"
            );
            r["location"]["uri"] = "file:///$ROOT/examples/sochi-putin-erdogan.txt".into();
            uris += 1;
        }
    }
    assert_eq!(
        uris, 4,
        "every lexicon finding points at the source sentence"
    );
    let mut normalised = serde_json::to_string_pretty(&files).unwrap();
    normalised.push('\n');
    golden("check-draft.json", &normalised);
}

#[test]
fn sarif_output_of_the_example_draft_is_valid_sarif() {
    let run = copydesk(&["check", "--format", "sarif", "examples/draft.md"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    golden("check-draft.sarif.json", &run.stdout);
    validate_sarif(&run.stdout);
}

/// Validates against the vendored SARIF 2.1.0 schema with Python's
/// jsonschema, offline. Missing Python or jsonschema fails the test.
fn validate_sarif(log: &str) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("log.sarif");
    std::fs::write(&log_path, log).unwrap();
    let schema = root().join("tests/schema/sarif-2.1.0-rtm.5.json");
    let script = "import json, sys\n\
import jsonschema\n\
schema = json.load(open(sys.argv[1]))\n\
log = json.load(open(sys.argv[2]))\n\
errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\n\
for e in errors: print(list(e.absolute_path), e.message)\n\
sys.exit(1 if errors else 0)\n";
    // COPYDESK_PYTHON: a Python with jsonschema, e.g. the end-to-end venv's.
    let python = std::env::var("COPYDESK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(&log_path)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e}; a Python with jsonschema is needed to validate SARIF (set COPYDESK_PYTHON)"));
    assert!(
        out.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("note.md"),
        "Critics say the deal rewards Moscow.\n",
    )
    .unwrap();
    let status =
        |fail_on: &str| copydesk_in(dir.path(), &["check", "--fail-on", fail_on, "note.md"]).code;
    // One information finding.
    assert_eq!(copydesk_in(dir.path(), &["check", "note.md"]).code, 0);
    assert_eq!(status("error"), 0);
    assert_eq!(status("warning"), 0);
    assert_eq!(status("information"), 1);
    assert_eq!(status("hint"), 1);
    assert_eq!(status("never"), 0);
    assert_eq!(
        copydesk(&["check", "--fail-on", "error", "examples/draft.md"]).code,
        1
    );
    assert_eq!(
        copydesk(&["check", "--fail-on", "never", "examples/draft.md"]).code,
        0
    );
}

#[test]
fn a_clean_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clean.txt"),
        "The talks ended on Wednesday.\n",
    )
    .unwrap();
    let run = copydesk_in(dir.path(), &["check", "clean.txt"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "copydesk: no problems in 1 file\n")
    );
}

#[test]
fn bad_usage_exits_2() {
    let run = copydesk(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("PATH"), "{}", run.stderr);
    let run = copydesk(&["check", "--format", "xml", "examples/draft.md"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid value 'xml'"), "{}", run.stderr);
}

#[test]
fn unreadable_input_exits_2_and_still_reports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.md"), "Critics say so.\n").unwrap();
    std::fs::write(dir.path().join("latin1.txt"), b"Erdo\xf0an said so.\n").unwrap();
    let run = copydesk_in(
        dir.path(),
        &["check", "missing.md", "latin1.txt", "good.md"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "copydesk: cannot read missing.md: no such file or directory\n\
copydesk: latin1.txt: not UTF-8 text (invalid byte at offset 4)\n"
    );
    assert!(
        run.stdout
            .starts_with("good.md:1:1: information: Vague attribution"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_broken_lexicon_is_named_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("desk.lexicon.json"),
        "{\"copydesk_lexicon\": 1,\n  \"entities\": [,]\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("story.md"), "Putin spoke.\n").unwrap();
    let run = copydesk_in(
        dir.path(),
        &["check", "--lexicon", "desk.lexicon.json", "story.md"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "copydesk: desk.lexicon.json:2:16: expected value\n"
    );
    assert_eq!(run.stdout, "copydesk: no problems in 0 files\n");
}

#[test]
fn directories_are_walked_for_drafts_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("drafts/node_modules")).unwrap();
    std::fs::write(p.join("drafts/a.md"), "Critics say so.\n").unwrap();
    std::fs::write(p.join("drafts/b.txt"), "Some analysts disagree.\n").unwrap();
    std::fs::write(p.join("drafts/c.rs"), "// Critics say so.\n").unwrap();
    std::fs::write(p.join("drafts/node_modules/d.md"), "Critics say so.\n").unwrap();
    let run = copydesk_in(p, &["check", "drafts"]);
    let heads: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("drafts"))
        .collect();
    assert_eq!(
        heads,
        [
            "drafts/a.md:1:1: information: Vague attribution: “Critics say” — which critics? Name them, or say who they are and how they know. [vague-attribution]",
            "drafts/b.txt:1:1: information: Vague attribution: “Some analysts” — which analysts? Name them, or say who they are and how they know. [vague-attribution]",
        ]
    );
    assert!(
        run.stdout.ends_with("copydesk: 2 information in 2 files\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn settings_come_from_the_nearest_copydesk_toml_or_config() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("desk/drafts")).unwrap();
    std::fs::write(
        p.join("desk/copydesk.toml"),
        "[rules]\nvague-attribution = \"warning\"\nnot-a-rule = \"off\"\n",
    )
    .unwrap();
    std::fs::write(p.join("desk/drafts/a.md"), "Critics say so.\n").unwrap();
    let run = copydesk_in(p, &["check", "desk/drafts/a.md"]);
    assert_eq!(
        run.code, 1,
        "vague-attribution raised to warning: {}",
        run.stdout
    );
    assert!(run.stdout.contains("warning: Vague attribution"));
    assert!(run.stderr.contains("not-a-rule"), "{}", run.stderr);

    std::fs::write(
        p.join("quiet.toml"),
        "[rules]\nvague-attribution = \"off\"\n",
    )
    .unwrap();
    let run = copydesk_in(p, &["check", "--config", "quiet.toml", "desk/drafts/a.md"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "copydesk: no problems in 1 file\n")
    );
}

#[test]
fn lexicon_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("story.md"), "Erdoğan met Putin.\n").unwrap();
    let lexicon = root().join("tests/fixtures/sochi.lexicon.json");
    let run = copydesk_in(
        dir.path(),
        &["check", "--lexicon", lexicon.to_str().unwrap(), "story.md"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("story.md:1:1: warning: Name variant: the desk writes “Erdogan”, not “Erdoğan”. [name-variant]"), "{}", run.stdout);
}

#[test]
fn a_misspelt_suppression_code_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("note.md"),
        "<!-- copydesk-disable-next-line vague-atribution -->\nCritics say so.\n",
    )
    .unwrap();
    let run = copydesk_in(dir.path(), &["check", "note.md"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        "copydesk: note.md:1:33: \"vague-atribution\" in a suppression comment is not a rule; the rules are quote-without-speaker, misattributed-quote, altered-quote, unattributed-claim, vague-attribution, unsourced-figure, name-variant, first-reference\n"
    );
    assert!(
        run.stdout.contains("[vague-attribution]"),
        "the finding stays: {}",
        run.stdout
    );
}
