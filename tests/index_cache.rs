//! The compiled index cache beside a lexicon: a cached index answers
//! exactly as a fresh build, and a stale, damaged or unwritable cache only
//! costs a rebuild.

use std::path::{Path, PathBuf};

use copydesk::analysis::{analyze, cards, LexiconIndex};
use copydesk::rules::{self, RuleConfig};
use copydesk::text::prose::DocKind;
use copydesk::workspace::{load_index, CacheSettings, IndexLoad, RACY_MARGIN};

const LEXICON: &str = include_str!("fixtures/sochi.lexicon.json");
const ARTICLE: &str = include_str!("fixtures/sochi-putin-erdogan.txt");

fn settings(fallback: Option<PathBuf>) -> CacheSettings {
    CacheSettings {
        enabled: true,
        fallback_dir: fallback,
        // The fixture is small; cache it anyway.
        min_bytes: 0,
        racy_margin: RACY_MARGIN,
    }
}

/// A desk directory with the fixture lexicon (and its article, which the
/// lexicon's sources name).
fn desk() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lexicon = dir.path().join("sochi.lexicon.json");
    std::fs::write(&lexicon, LEXICON).unwrap();
    std::fs::write(dir.path().join("sochi-putin-erdogan.txt"), ARTICLE).unwrap();
    (dir, lexicon)
}

/// Where the cache of `lexicon` goes: beside it (the first place tried).
fn cache_of(lexicon: &Path) -> PathBuf {
    settings(None).locations(lexicon).remove(0)
}

fn load(paths: &[PathBuf], cache: &CacheSettings) -> IndexLoad {
    let loaded = load_index(paths, None, cache);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded
}

fn note(loaded: &IndexLoad) -> &str {
    loaded.cache_note.as_deref().unwrap_or("")
}

/// Everything a user sees of the index on the reference article: each
/// mention with its hover card, each quotation's claim with its card, the
/// diagnostics, completion and symbol search.
/// The load refused the cache as stale, rebuilt and cached the index, and
/// the index answers with `edit` in place of Erdemir's original title.
fn assert_rebuilt_with(loaded: &IndexLoad, edit: &str) {
    assert!(
        note(loaded).contains("not used: stale") && note(loaded).contains("index cached in"),
        "{}",
        note(loaded)
    );
    let cards = answers(&loaded.index).join("\n");
    assert!(cards.contains(edit), "{cards}");
    assert!(!cards.contains("director of the Turkey Program"));
}

fn answers(index: &LexiconIndex) -> Vec<String> {
    let a = analyze(ARTICLE, DocKind::PlainText, index);
    let mut out = Vec::new();
    for m in &a.mentions {
        out.push(format!(
            "{:?} {:?} {}",
            m.range,
            m.form,
            cards::entity_card(index, m.entity)
        ));
    }
    for (q, claim) in a.quote_claims.iter().enumerate() {
        if let Some(c) = claim {
            out.push(format!("quote {q}: {}", cards::claim_card(index, c.claim)));
        }
    }
    for f in rules::check(ARTICLE, &a, index, &RuleConfig::default()) {
        out.push(format!("{f:?}"));
    }
    for prefix in ["Er", "k", "Stolt", "n", ""] {
        out.push(format!(
            "complete {prefix}: {:?}",
            index.complete(prefix, 50)
        ));
    }
    for query in ["erdogan", "president", "foundation defense", ""] {
        out.push(format!("search {query}: {:?}", index.search(query, 200)));
    }
    out
}

#[test]
fn a_cached_index_answers_exactly_as_a_fresh_build() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    let built = load(&paths, &cache);
    assert!(
        note(&built).starts_with("index cached in"),
        "{}",
        note(&built)
    );
    // The name docs/lexicon.md gives users (for their .gitignore).
    let beside = lexicon.with_file_name("sochi.lexicon.json.copydesk-cache");
    assert_eq!(cache_of(&lexicon), beside);
    assert!(beside.is_file());
    let cached = load(&paths, &cache);
    assert!(
        note(&cached).starts_with("index read from"),
        "{}",
        note(&cached)
    );

    let fresh = answers(&built.index);
    assert!(
        fresh.len() > 100,
        "the reference article exercises the index"
    );
    assert!(fresh
        .iter()
        .any(|a| a.contains("director of the Turkey Program")));
    assert_eq!(answers(&cached.index), fresh);
    // And the same as an index built without any cache.
    let uncached = load(&paths, &CacheSettings::disabled());
    assert_eq!(uncached.cache_note, None);
    assert_eq!(answers(&uncached.index), fresh);
}

/// A cached index reads its entries from the mapped cache file as they are
/// asked for: copydesk replacing that file (by rename, after an edit) or
/// the user deleting it must not change what the live index answers.
#[test]
fn a_mapped_index_is_untouched_when_its_cache_is_replaced_or_deleted() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    let fresh = answers(&load(&paths, &cache).index);
    let live = load(&paths, &cache);
    assert!(
        note(&live).starts_with("index read from"),
        "{}",
        note(&live)
    );

    let edited = LEXICON.replace(
        "director of the Turkey Program",
        "head of the Turkey Program",
    );
    std::fs::write(&lexicon, &edited).unwrap();
    let next = load(&paths, &cache);
    assert!(note(&next).contains("index cached in"), "{}", note(&next));
    // Nothing of `live` was decoded before the cache was replaced.
    assert_eq!(answers(&live.index), fresh);
    assert!(answers(&next.index)
        .join("\n")
        .contains("head of the Turkey Program"));

    let reread = load(&paths, &cache);
    assert!(note(&reread).starts_with("index read from"));
    std::fs::remove_file(cache_of(&lexicon)).unwrap();
    let cards = answers(&reread.index).join("\n");
    assert!(cards.contains("head of the Turkey Program"));
    assert!(!cards.contains("director of the Turkey Program"));
}

/// The mapped cache asks the kernel for huge pages: a cache file read back
/// from disk page by page made every later `check` of ten drafts about 15%
/// slower, in page faults (BENCHMARKS.md, session 17).
#[cfg(target_os = "linux")]
#[test]
fn the_mapped_cache_asks_for_huge_pages() {
    if !Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
        eprintln!("skipped: this kernel has no transparent huge pages");
        return;
    }
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    load(&paths, &cache);
    let mapped = load(&paths, &cache);
    assert!(
        note(&mapped).starts_with("index read from"),
        "{}",
        note(&mapped)
    );
    let file = cache_of(&lexicon).canonicalize().unwrap();
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    // A mapping's header line ends with its file; its `VmFlags` line comes
    // last among its fields.
    let flags = smaps
        .lines()
        .skip_while(|line| !line.ends_with(&*file.to_string_lossy()))
        .find_map(|line| line.strip_prefix("VmFlags:"))
        .unwrap_or_else(|| panic!("{} is not mapped:\n{smaps}", file.display()));
    assert!(
        flags.split_whitespace().any(|f| f == "hg"),
        "VmFlags:{flags}"
    );
    drop(mapped);
}

#[test]
fn an_edited_lexicon_makes_its_cache_stale() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    load(&paths, &cache);
    let edited = LEXICON.replace(
        "director of the Turkey Program",
        "head of the Turkey Program",
    );
    assert_ne!(edited, LEXICON);
    std::fs::write(&lexicon, &edited).unwrap();

    let loaded = load(&paths, &cache);
    assert_rebuilt_with(&loaded, "head of the Turkey Program");
    // The rewritten cache now holds the edit.
    let again = load(&paths, &cache);
    assert!(
        note(&again).starts_with("index read from"),
        "{}",
        note(&again)
    );
    assert!(answers(&again.index)
        .join("\n")
        .contains("head of the Turkey Program"));
}

#[test]
fn every_lexicon_and_its_place_key_the_cache() {
    let (dir, lexicon) = desk();
    let other = dir.path().join("other.lexicon.json");
    std::fs::write(
        &other,
        r#"{"copydesk_lexicon": 1, "entities": [{"id": "k", "name": "Kemal Kilicdaroglu", "kind": "person"}]}"#,
    )
    .unwrap();
    let cache = settings(None);
    let both = vec![lexicon.clone(), other.clone()];
    load(&both, &cache);
    assert!(note(&load(&both, &cache)).starts_with("index read from"));

    // The second lexicon changes: the combined cache is stale.
    std::fs::write(
        &other,
        r#"{"copydesk_lexicon": 1, "entities": [{"id": "k", "name": "Kemal Kılıçdaroğlu", "kind": "person"}]}"#,
    )
    .unwrap();
    let loaded = load(&both, &cache);
    assert!(note(&loaded).contains("stale"), "{}", note(&loaded));
    let k = loaded.index.complete("kemal", 5);
    assert_eq!(loaded.index.entity(k[0]).entity.name, "Kemal Kılıçdaroğlu");

    // The same lexicon somewhere else resolves its sources elsewhere: the
    // cache beside it (copied along) is not used.
    let moved = tempfile::tempdir().unwrap();
    let moved_lexicon = moved.path().join("sochi.lexicon.json");
    std::fs::copy(&lexicon, &moved_lexicon).unwrap();
    load(std::slice::from_ref(&lexicon), &cache);
    std::fs::copy(cache_of(&lexicon), cache_of(&moved_lexicon)).unwrap();
    let loaded = load(std::slice::from_ref(&moved_lexicon), &cache);
    assert!(note(&loaded).contains("stale"), "{}", note(&loaded));
    let source = &loaded.index.lexicons[0].sources[0].path;
    assert!(source.starts_with(moved.path()), "{}", source.display());
}

#[test]
fn a_truncated_or_garbage_cache_is_rebuilt_with_a_clear_note() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    let fresh = answers(&load(&paths, &cache).index);
    let good = std::fs::read(cache_of(&lexicon)).unwrap();

    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("truncated", good[..10].to_vec()),
        (
            "not a copydesk index cache",
            b"garbage, not a cache".to_vec(),
        ),
        ("not a copydesk index cache", Vec::new()),
        ("damaged", {
            // In the middle of what the file's hash covers (the rest is
            // checked block by block as it is read).
            let mut b = good.clone();
            let (hashed, _) = hashed_part(&b);
            b[(hashed.start + hashed.end) / 2] ^= 0x55;
            b
        }),
    ];
    for (why, bytes) in damaged {
        std::fs::write(cache_of(&lexicon), &bytes).unwrap();
        let loaded = load(&paths, &cache);
        let n = note(&loaded);
        assert!(
            n.contains(&format!(
                "index cache {} not used: {why}",
                cache_of(&lexicon).display()
            )) && n.contains("index cached in"),
            "{why}: {n}"
        );
        assert_eq!(answers(&loaded.index), fresh, "{why}");
        // Rewritten whole: the next load uses it.
        let again = load(&paths, &cache);
        assert!(
            note(&again).starts_with("index read from"),
            "{why}: {}",
            note(&again)
        );
        assert_eq!(answers(&again.index), fresh, "{why}");
    }
}

/// The entries (most of the file) are checked block by block as they are
/// read, not at the start: damage there is found when a damaged entry is
/// first read, that entry is taken from the index rebuilt from the
/// lexicons, the user is told, and the cache is written again.
#[test]
fn a_cache_with_damaged_entries_is_rebuilt_when_they_are_read() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    let fresh = answers(&load(&paths, &cache).index);
    let good = std::fs::read(cache_of(&lexicon)).unwrap();
    let header = copydesk::analysis::index_cache::Header::read(&good).unwrap();
    let [.., entities, claims] = header.sections;
    for at in [
        good.len() - (entities + claims) as usize + 2,
        good.len() - claims as usize + 2,
        good.len() - 1,
    ] {
        let mut damaged = good.clone();
        damaged[at] ^= 0x21;
        std::fs::write(cache_of(&lexicon), &damaged).unwrap();
        let loaded = load(&paths, &cache);
        assert!(
            note(&loaded).starts_with("index read from"),
            "{}",
            note(&loaded)
        );
        assert_eq!(loaded.index.damage(), None, "nothing read yet");
        assert_eq!(answers(&loaded.index), fresh, "{at}");
        // Every entry, damaged or not, as built.
        let built = load(&paths, &CacheSettings::disabled()).index;
        for i in 0..built.entities.len() {
            assert_eq!(
                format!("{:?}", loaded.index.entity(i)),
                format!("{:?}", built.entity(i))
            );
        }
        for i in 0..built.claims.len() {
            assert_eq!(
                format!("{:?}", loaded.index.claim(i)),
                format!("{:?}", built.claim(i))
            );
        }
        let report = loaded.index.damage().expect("the damage is reported");
        assert!(
            report.contains("does not match its hash")
                && report.contains("rebuilt from the lexicons"),
            "{report}"
        );
        // The damaged file was replaced: the next load reads a sound cache.
        assert_ne!(std::fs::read(cache_of(&lexicon)).unwrap(), damaged);
        let again = load(&paths, &cache);
        assert!(
            note(&again).starts_with("index read from"),
            "{}",
            note(&again)
        );
        assert_eq!(answers(&again.index), fresh);
        assert_eq!(again.index.damage(), None);
    }
}

#[test]
fn an_unwritable_cache_place_costs_only_the_cache() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let fresh = answers(&load(&paths, &CacheSettings::disabled()).index);
    // A directory where the cache file would go: neither readable nor
    // replaceable as a file, whoever runs the test (root ignores a
    // read-only directory's permissions).
    std::fs::create_dir(cache_of(&lexicon)).unwrap();
    std::fs::write(cache_of(&lexicon).join("keep"), "x").unwrap();

    let loaded = load(&paths, &settings(None));
    assert!(
        note(&loaded).contains("index not cached"),
        "{}",
        note(&loaded)
    );
    assert_eq!(answers(&loaded.index), fresh);

    // With a user cache directory, the cache goes there instead.
    let user = tempfile::tempdir().unwrap();
    let fallback = user.path().join("copydesk");
    let cache = settings(Some(fallback.clone()));
    let loaded = load(&paths, &cache);
    assert!(
        note(&loaded).contains(&format!("index cached in {}", fallback.display())),
        "{}",
        note(&loaded)
    );
    let again = load(&paths, &cache);
    assert!(
        note(&again).contains(&format!("index read from {}", fallback.display())),
        "{}",
        note(&again)
    );
    assert_eq!(answers(&again.index), fresh);
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_works_without_a_cache() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes into a read-only directory anyway.
    let root = std::fs::write(dir.path().join("probe"), "").is_ok();
    let loaded = load(&paths, &settings(None));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    if root {
        assert!(
            note(&loaded).contains("index cached in"),
            "{}",
            note(&loaded)
        );
    } else {
        assert!(
            note(&loaded).contains("index not cached"),
            "{}",
            note(&loaded)
        );
        assert!(!cache_of(&lexicon).exists());
    }
    assert_eq!(loaded.index.entities.len(), 35);
    assert_eq!(
        answers(&loaded.index),
        answers(&load(&paths, &CacheSettings::disabled()).index)
    );
}

#[test]
fn a_lexicon_that_breaks_keeps_its_previous_version() {
    let (dir, lexicon) = desk();
    let other = dir.path().join("other.lexicon.json");
    let kemal = r#"{"copydesk_lexicon": 1, "entities": [{"id": "k", "name": "Kemal Kilicdaroglu", "kind": "person"}]}"#;
    std::fs::write(&other, kemal).unwrap();
    let paths = vec![lexicon.clone(), other.clone()];
    let cache = settings(None);
    let first = load(&paths, &cache);
    let before = answers(&first.index);

    // The fixture breaks, the other lexicon gains an entity.
    std::fs::write(&lexicon, LEXICON.replacen("\n", ",,\n", 3)).unwrap();
    std::fs::write(
        &other,
        kemal.replace(
            "}]}",
            r#"}, {"id": "m", "name": "Meral Aksener", "kind": "person"}]}"#,
        ),
    )
    .unwrap();
    let loaded = load_index(&paths, Some(&first.index), &cache);
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].path, lexicon);
    assert_eq!(loaded.errors[0].line, Some(1));
    assert_eq!(loaded.kept, vec![lexicon.clone()]);
    let index = &loaded.index;
    assert_eq!(index.lexicons.len(), 2);
    assert_eq!(index.lexicons[0].entities.len(), 35);
    assert_eq!(index.lexicons[1].entities.len(), 2);
    assert_eq!(index.complete("meral", 5).len(), 1);
    // The kept lexicon answers as before: same cards, same lines.
    let kept: Vec<String> = answers(index)
        .into_iter()
        .filter(|a| !a.starts_with("complete") && !a.starts_with("search"))
        .collect();
    let old: Vec<String> = before
        .into_iter()
        .filter(|a| !a.starts_with("complete") && !a.starts_with("search"))
        .collect();
    assert_eq!(kept, old);
    for id in 0..35 {
        assert_eq!(
            index.entity(id).entry_line,
            first.index.entity(id).entry_line
        );
    }
    // Nothing was cached from a partly broken load, and the broken file was
    // not touched.
    assert!(!note(&loaded).contains("index cached"), "{}", note(&loaded));
    assert!(std::fs::read_to_string(&lexicon).unwrap().contains(",,"));
}

/// Settings whose stamps may be trusted 10 ms after a lexicon's last
/// change: small enough that a test can wait it out (the file's clock here
/// is the system's, with a granularity under a millisecond).
fn settled_settings() -> CacheSettings {
    CacheSettings {
        racy_margin: std::time::Duration::from_millis(10),
        ..settings(None)
    }
}

/// Waits until what was just written lies outside [`settled_settings`]'s
/// margin.
fn settle_down() {
    std::thread::sleep(std::time::Duration::from_millis(50));
}

const UNCHANGED: &str = "(1 of 1 lexicons unchanged since hashed, not read)";
const READ: &str = "(0 of 1 lexicons unchanged since hashed, not read)";

#[test]
fn an_unchanged_lexicon_is_not_read_again() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settled_settings();
    settle_down();
    let built = load(&paths, &cache);
    assert!(
        note(&built).starts_with("index cached in"),
        "{}",
        note(&built)
    );
    let fresh = answers(&built.index);
    for _ in 0..2 {
        let cached = load(&paths, &cache);
        assert_eq!(
            note(&cached),
            format!(
                "index read from {} {UNCHANGED}",
                cache_of(&lexicon).display()
            )
        );
        assert_eq!(answers(&cached.index), fresh);
    }

    // Touched, not changed: read and hashed again, and the cache still
    // serves (its key is the content's).
    let file = std::fs::File::options().write(true).open(&lexicon).unwrap();
    let mtime = file.metadata().unwrap().modified().unwrap();
    file.set_modified(mtime - std::time::Duration::from_secs(60))
        .unwrap();
    let touched = load(&paths, &cache);
    assert_eq!(
        note(&touched),
        format!("index read from {} {READ}", cache_of(&lexicon).display())
    );
    assert_eq!(answers(&touched.index), fresh);
}

#[test]
fn an_edit_that_keeps_the_size_and_restores_the_mtime_is_caught() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settled_settings();
    settle_down();
    load(&paths, &cache);
    let trusted = load(&paths, &cache);
    assert!(note(&trusted).ends_with(UNCHANGED), "{}", note(&trusted));
    let before = std::fs::metadata(&lexicon).unwrap();

    // Same length, same mtime: only the ctime (which no program can set)
    // tells that the file changed.
    let edited = LEXICON.replace(
        "director of the Turkey Program",
        "overseer of the Turkey Program",
    );
    assert_ne!(edited, LEXICON);
    assert_eq!(edited.len(), LEXICON.len());
    std::fs::write(&lexicon, &edited).unwrap();
    let file = std::fs::File::options().write(true).open(&lexicon).unwrap();
    file.set_modified(before.modified().unwrap()).unwrap();
    drop(file);
    let after = std::fs::metadata(&lexicon).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());

    // Long enough after the edit that its stamp can be trusted, below.
    settle_down();
    let loaded = load(&paths, &cache);
    assert_rebuilt_with(&loaded, "overseer of the Turkey Program");

    // The rewritten cache holds the edit, and vouches for the file as it
    // is now.
    let again = load(&paths, &cache);
    assert!(note(&again).ends_with(UNCHANGED), "{}", note(&again));
    assert!(answers(&again.index)
        .join("\n")
        .contains("overseer of the Turkey Program"));
}

#[test]
fn a_lexicon_changed_just_before_it_was_read_is_read_again() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    // Every file here is younger than an hour: each was read too soon
    // after it changed for its stat to prove it unchanged later.
    let cache = CacheSettings {
        racy_margin: std::time::Duration::from_secs(3600),
        ..settings(None)
    };
    settle_down();
    let built = load(&paths, &cache);
    for _ in 0..2 {
        let cached = load(&paths, &cache);
        assert_eq!(
            note(&cached),
            format!("index read from {} {READ}", cache_of(&lexicon).display())
        );
        assert_eq!(answers(&cached.index), answers(&built.index));
    }
}

/// A cache another copydesk wrote for the same lexicon elsewhere (another
/// machine, a restored backup) names another file: its stamps vouch for
/// nothing here, even where the content is the same.
#[test]
fn a_copied_cache_vouches_for_nothing() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settled_settings();
    settle_down();
    load(&paths, &cache);
    let saved = std::fs::read(cache_of(&lexicon)).unwrap();
    // The same bytes in a new file at the same path.
    let text = std::fs::read(&lexicon).unwrap();
    std::fs::remove_file(&lexicon).unwrap();
    std::fs::write(&lexicon, text).unwrap();
    std::fs::write(cache_of(&lexicon), saved).unwrap();
    settle_down();
    let loaded = load(&paths, &cache);
    assert_eq!(
        note(&loaded),
        format!("index read from {} {READ}", cache_of(&lexicon).display())
    );
}

/// Where the sections the file's hash covers lie in a cache file's bytes
/// (stamps, index, padding, arrays: not the checked arrays or the entries,
/// which are checked block by block as they are read), and where that hash
/// is kept in the header.
fn hashed_part(bytes: &[u8]) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    use copydesk::analysis::index_cache::{Header, HEADER_LEN};
    let hashed = Header::read(bytes).unwrap().hashed_range();
    (
        hashed.start as usize..hashed.end as usize,
        HEADER_LEN - 16..HEADER_LEN,
    )
}

/// Nothing the start trusts without reading it whole (the index, its
/// arrays, the entries' block hashes) is used once damaged: a flipped bit
/// anywhere in it refuses the cache, and the index is rebuilt. (Were the
/// file's hash not checked, most of these would load: the start no longer
/// checks the arrays' numbers one by one.)
#[test]
fn a_flipped_bit_anywhere_the_start_trusts_refuses_the_cache() {
    let (_dir, lexicon) = desk();
    let paths = vec![lexicon.clone()];
    let cache = settings(None);
    let fresh = answers(&load(&paths, &cache).index);
    let good = std::fs::read(cache_of(&lexicon)).unwrap();
    let (hashed, _) = hashed_part(&good);
    let step = (hashed.len() / 40).max(1);
    for at in hashed.clone().step_by(step).chain([hashed.end - 1]) {
        let mut damaged = good.clone();
        damaged[at] ^= 1 << (at % 8);
        std::fs::write(cache_of(&lexicon), &damaged).unwrap();
        let loaded = load(&paths, &cache);
        assert!(
            note(&loaded).contains("not used: damaged (its contents do not match its hash)"),
            "{at}: {}",
            note(&loaded)
        );
        assert_eq!(answers(&loaded.index), fresh, "{at}");
    }
}
