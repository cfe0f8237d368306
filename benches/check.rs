//! How fast the rules run: the latency of one check of a typical draft (what
//! a keystroke costs in the editor, after the debounce) and the throughput
//! over a large generated corpus (what `copydesk check` on an archive costs).
//! Run with `cargo bench --bench check`; numbers go to BENCHMARKS-rules.md.

use std::path::Path;
use std::time::{Duration, Instant};

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::rules::{check, DocKind, RuleConfig};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let index = LexiconIndex::build(vec![copydesk::workspace::load_lexicon(
        &root.join("tests/fixtures/sochi.lexicon.json"),
    )
    .expect("fixture lexicon")]);
    let draft = std::fs::read_to_string(root.join("examples/draft.md")).expect("example draft");
    let config = RuleConfig::default();

    // Latency: the example draft, many times.
    let runs = 200;
    let mut times = Vec::with_capacity(runs);
    let mut findings = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let analysis = analyze(&draft, DocKind::Markdown, &index);
        findings = check(&draft, &analysis, &index, &config).len();
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[runs / 2];
    let p95 = times[runs * 95 / 100];
    println!(
        "example draft ({} bytes, {findings} findings): analysis + rules median {:.2} ms, p95 {:.2} ms",
        draft.len(),
        ms(median),
        ms(p95)
    );

    // Throughput: drafts made from the example's paragraphs in rotating
    // order, about 4 MB, each checked as its own document.
    let paragraphs: Vec<&str> = draft.split("\n\n").skip(2).collect();
    let mut corpus = Vec::new();
    let mut bytes = 0;
    let mut i = 0;
    while bytes < 4 * 1024 * 1024 {
        let doc: String = (0..12)
            .map(|k| paragraphs[(i + k * 7) % paragraphs.len()])
            .collect::<Vec<_>>()
            .join("\n\n");
        bytes += doc.len();
        corpus.push(doc);
        i += 1;
    }
    let start = Instant::now();
    let mut total = 0;
    for doc in &corpus {
        let analysis = analyze(doc, DocKind::Markdown, &index);
        total += check(doc, &analysis, &index, &config).len();
    }
    let elapsed = start.elapsed();
    println!(
        "corpus: {} drafts, {:.1} MB, {total} findings in {:.2} s: {:.2} MB/s",
        corpus.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
