//! `copydesk lexicon export` end to end: the binary's output for each format
//! against golden files, lexicon discovery, atomic writes, and bad input.
//!
//! Set `UPDATE_GOLDEN=1` to rewrite the golden files after an intended change,
//! then read the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn copydesk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_copydesk"))
}

fn export_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 output")
}

fn check_golden(name: &str, actual: &str) {
    let path = export_dir().join("golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

fn export_both(format: &str) -> Output {
    let dir = export_dir();
    let out = copydesk()
        .args(["lexicon", "export", "--format", format])
        .arg(dir.join("desk.lexicon.json"))
        .arg(dir.join("region.lexicon.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

#[test]
fn harper_dictionary_matches_golden() {
    check_golden("harper.txt", &stdout(&export_both("harper")));
}

#[test]
fn vale_accept_list_matches_golden() {
    check_golden("vale-accept.txt", &stdout(&export_both("vale")));
}

#[test]
fn typos_config_matches_golden() {
    let text = stdout(&export_both("typos"));
    check_golden("typos.toml", &text);
    // typos reads it as TOML: every word maps to itself, so it is always valid.
    let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
    let words = parsed["default"]["extend-words"].as_table().unwrap();
    assert!(words.len() > 10);
    for (key, value) in words {
        assert_eq!(value.as_str(), Some(key.as_str()));
    }
}

#[test]
fn plain_list_matches_golden() {
    check_golden("plain.txt", &stdout(&export_both("plain")));
}

#[test]
fn variants_are_never_exported() {
    // Each is a word found only in a variant: the spellings the desk corrects.
    for format in ["harper", "vale", "typos", "plain"] {
        let text = stdout(&export_both(format)).to_lowercase();
        for corrected in ["erdoğan", "idleb", "s400", "jacques"] {
            assert!(
                !text.contains(corrected),
                "{format} exported the variant {corrected:?}"
            );
        }
    }
}

#[test]
fn order_of_lexicons_does_not_change_the_output() {
    let dir = export_dir();
    for format in ["harper", "vale", "typos", "plain"] {
        let reversed = copydesk()
            .args(["lexicon", "export", "--format", format])
            .arg(dir.join("region.lexicon.json"))
            .arg(dir.join("desk.lexicon.json"))
            .output()
            .unwrap();
        assert_eq!(stdout(&reversed), stdout(&export_both(format)), "{format}");
    }
}

#[test]
fn output_file_is_replaced_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join(".harper-dictionary.txt");
    std::fs::write(&target, "OldWord\n".repeat(10_000)).unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args([
            "lexicon",
            "export",
            "--format",
            "harper",
            "-o",
            ".harper-dictionary.txt",
        ])
        .arg(export_dir().join("desk.lexicon.json"))
        .arg(export_dir().join("region.lexicon.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing on stdout when writing a file");
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written, stdout(&export_both("harper")));
    let entries = written.lines().count();
    assert_eq!(
        stderr(&out),
        format!("copydesk: wrote {entries} entries from 2 lexicons to .harper-dictionary.txt\n")
    );
    // Only the target is left: the temporary file was renamed onto it.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [".harper-dictionary.txt"]);
}

#[test]
fn lexicons_listed_in_copydesk_toml_are_used() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("desk")).unwrap();
    std::fs::copy(
        export_dir().join("region.lexicon.json"),
        tmp.path().join("desk/region.lexicon.json"),
    )
    .unwrap();
    // Not listed, so not read, though it matches the pattern.
    std::fs::copy(
        export_dir().join("desk.lexicon.json"),
        tmp.path().join("other.lexicon.json"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("copydesk.toml"),
        "lexicons = [\"desk/region.lexicon.json\"]\n\n[rules]\nvague-attribution = \"off\"\n",
    )
    .unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args(["lexicon", "export", "--format", "plain"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Erdogan\nGNA\nGovernment of National Accord\nIdlib\nIdlib province\nRecep Tayyip Erdogan\n"
    );
}

#[test]
fn lexicon_files_below_the_directory_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["desk/world", "node_modules/pkg", ".git", "target"] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
    }
    std::fs::copy(
        export_dir().join("region.lexicon.json"),
        tmp.path().join("desk/world/region.lexicon.json"),
    )
    .unwrap();
    for skipped in ["node_modules/pkg", ".git", "target"] {
        std::fs::copy(
            export_dir().join("desk.lexicon.json"),
            tmp.path().join(skipped).join("desk.lexicon.json"),
        )
        .unwrap();
    }
    // A copydesk.toml without `lexicons` leaves the search to the files.
    std::fs::write(
        tmp.path().join("copydesk.toml"),
        "[diagnostics]\ndelay_ms = 0\n",
    )
    .unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args(["lexicon", "export", "--format", "plain"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Erdogan\nGNA\nGovernment of National Accord\nIdlib\nIdlib province\nRecep Tayyip Erdogan\n"
    );
}

#[test]
fn no_lexicon_anywhere_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args(["lexicon", "export", "--format", "vale"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("copydesk: no lexicon given, and none found:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_lexicon_names_file_line_and_column_and_keeps_the_old_output() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.lexicon.json");
    std::fs::write(
        &bad,
        "{\n  \"copydesk_lexicon\": 1,\n  \"entities\": [\n    {\"id\": \"a\", \"name\": \"A\",}\n  ]\n}\n",
    )
    .unwrap();
    let target = tmp.path().join("accept.txt");
    std::fs::write(&target, "Kept\n").unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args([
            "lexicon",
            "export",
            "--format",
            "vale",
            "-o",
            "accept.txt",
            "bad.lexicon.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "copydesk: bad.lexicon.json:4:29: trailing comma\n"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "Kept\n");
}

#[test]
fn missing_lexicon_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = copydesk()
        .current_dir(tmp.path())
        .args([
            "lexicon",
            "export",
            "--format",
            "typos",
            "nowhere.lexicon.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "copydesk: nowhere.lexicon.json: file not found\n"
    );
}

#[test]
fn unknown_format_is_refused_by_the_argument_parser() {
    let out = copydesk()
        .args(["lexicon", "export", "--format", "hunspell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("invalid value 'hunspell'"), "{err}");
    assert!(err.contains("harper, vale, typos, plain"), "{err}");
}

#[test]
fn copydesk_toml_may_not_lead_outside_the_directory() {
    // As in the server: a file in a repository cannot make copydesk read
    // outside it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("desk")).unwrap();
    std::fs::write(
        tmp.path().join("desk/copydesk.toml"),
        "lexicons = [\"../secret.lexicon.json\"]\n",
    )
    .unwrap();
    let out = copydesk()
        .current_dir(tmp.path().join("desk"))
        .args(["lexicon", "export", "--format", "plain"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("lexicon path \"../secret.lexicon.json\" leaves the workspace"),
        "{err}"
    );
}
