//! How the copydesk binary sets up its memory (src/main.rs): jemalloc asks
//! for transparent huge pages for `check` and `build`, and `copydesk serve`
//! turns them off for itself, so that a server left running with drafts
//! open keeps a small resident size (BENCHMARKS.md, session 14).
//!
//! Linux only: huge pages and `prctl` are Linux's. Runs the binary named by
//! `COPYDESK_BIN`, else the one cargo built for this test.
#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};

fn copydesk() -> Command {
    Command::new(
        std::env::var("COPYDESK_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_copydesk").to_string()),
    )
}

/// The server process reports huge pages off (`THP_enabled: 0` in its
/// status), and exits when its input closes.
#[test]
fn the_server_runs_without_huge_pages() {
    let mut server = copydesk()
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("copydesk starts");
    let status_file = format!("/proc/{}/status", server.id());
    // The flag is set first thing in `serve`; the runtime starts after it.
    // Poll until the line says so or the guard runs out.
    let guard = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let thp = loop {
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix("THP_enabled:"))
            .map(|v| v.trim().to_string());
        match line {
            // A kernel before 5.0 does not say: nothing to check.
            None if !status.is_empty() => break None,
            Some(v) if v == "0" || std::time::Instant::now() > guard => break Some(v),
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    drop(server.stdin.take());
    let exit = server
        .wait()
        .expect("the server exits when its input closes");
    match thp {
        Some(v) => assert_eq!(v, "0", "huge pages are still on in `copydesk serve`"),
        None => eprintln!("this kernel does not report THP_enabled; not checked"),
    }
    assert!(exit.code().is_some(), "the server was killed: {exit:?}");
}

/// `check` runs with jemalloc's huge pages: its `malloc_conf` is the one
/// compiled in (jemalloc prints its options when asked to through the
/// environment).
#[test]
fn check_asks_for_huge_pages() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.md");
    std::fs::write(&draft, "Hello.\n").unwrap();
    let out = copydesk()
        .args(["check", "--fail-on", "never"])
        .arg(&draft)
        .current_dir(dir.path())
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .expect("copydesk runs");
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("opt.thp: \"always\""),
        "jemalloc's options do not ask for huge pages:\n{stderr}"
    );
}
