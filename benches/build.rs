//! Build throughput: MB of article text per second through `builder::build`,
//! over a generated corpus of at least 10 MB.
//!
//! Run: `cargo bench --bench build` (optionally `-- --mb 20 --runs 7`).
//! The corpus is the four fixture articles, each copy with its people and
//! places renamed from syllable lists (a fixed-seed generator), so the
//! builder sees thousands of distinct entities, as in a real archive.
//! Reports every run and the median.

use std::time::Instant;

use copydesk::builder::{self, Article};
use copydesk::text::prose::DocKind;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mir", "sen", "ta", "vo", "ri", "dan", "el", "zu", "bar", "ne", "os", "quin", "ha",
    "ly",
];

fn name(rng: &mut Lcg) -> String {
    let n = 2 + rng.next() % 2;
    let mut s: String = (0..n)
        .map(|_| SYLLABLES[rng.next() % SYLLABLES.len()])
        .collect();
    s[..1].make_ascii_uppercase();
    s
}

fn corpus(min_bytes: usize) -> Vec<Article> {
    let root = env!("CARGO_MANIFEST_DIR");
    let templates: Vec<(&str, String, DocKind)> = [
        ("tests/fixtures/sochi-putin-erdogan.txt", DocKind::PlainText),
        (
            "tests/fixtures/articles/wire-ankara-grain-talks.txt",
            DocKind::PlainText,
        ),
        (
            "tests/fixtures/articles/analysis-caspian-pipeline.txt",
            DocKind::PlainText,
        ),
        (
            "tests/fixtures/articles/feature-kerch-ferry.md",
            DocKind::Markdown,
        ),
    ]
    .into_iter()
    .map(|(p, k)| {
        (
            p,
            std::fs::read_to_string(format!("{root}/{p}")).expect("fixture"),
            k,
        )
    })
    .collect();
    let renamed = [
        "Erdogan",
        "Putin",
        "Erdemir",
        "Kerim",
        "Aykan",
        "Stoltenberg",
        "Hifter",
        "Aydin",
        "Ostrova",
        "Grekov",
        "Kaya",
        "Mammadova",
        "Alimov",
        "Lensky",
        "Petrova",
        "Sidorenko",
        "Volkova",
        "Sochi",
        "Idlib",
        "Kerch",
        "Wagner",
    ];
    let mut rng = Lcg(0x5eed);
    let mut out = Vec::new();
    let mut total = 0;
    let mut i = 0;
    while total < min_bytes {
        let (path, text, kind) = &templates[i % templates.len()];
        let mut text = text.clone();
        for from in renamed {
            text = text.replace(from, &name(&mut rng));
        }
        total += text.len();
        let stem = std::path::Path::new(path)
            .file_stem()
            .unwrap()
            .to_string_lossy();
        let ext = if *kind == DocKind::Markdown {
            "md"
        } else {
            "txt"
        };
        out.push(Article::new(
            &format!("corpus/{stem}-{i:05}.{ext}"),
            text,
            *kind,
        ));
        i += 1;
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mb = arg("--mb", 10).max(10);
    let runs = arg("--runs", 5).max(1);
    let articles = corpus(mb * 1_000_000);
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    println!(
        "corpus: {} articles, {:.2} MB; {} threads",
        articles.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    let mut rates = Vec::new();
    for run in 1..=runs {
        let start = Instant::now();
        let lexicon = builder::build(&articles);
        let secs = start.elapsed().as_secs_f64();
        let rate = bytes as f64 / 1e6 / secs;
        println!(
            "run {run}: {secs:.2} s, {rate:.2} MB/s ({} entities, {} claims)",
            lexicon.entities.len(),
            lexicon.claims.len()
        );
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "median: {:.2} MB/s over {runs} runs",
        rates[rates.len() / 2]
    );
}
