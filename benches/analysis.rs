//! Benches of the analysis core (divan): lexicon parsing and indexing, and
//! each stage of a document's analysis, on the generated workloads.
//!
//! `cargo bench --bench analysis` (add a filter, e.g. `-- analyze`, to run
//! some). The lexicons are generated once into target/tmp.

use std::hint::black_box;
use std::sync::LazyLock;

use copydesk::analysis::{self, cards, LexiconIndex, LexiconInput};
use copydesk::text::prose::{self, DocKind};
use copydesk::text::{attribution, quotes, sentences};
use divan::Bencher;

mod workload;

fn main() {
    divan::main();
}

struct Lex {
    text: String,
    index: LexiconIndex,
}

fn load(entities: usize, claims: usize) -> Lex {
    let path = workload::lexicon_file(entities, claims);
    let text = std::fs::read_to_string(&path).expect("workload lexicon");
    let lexicon = copydesk::lexicon::parse(&text).expect("workload lexicon parses");
    let index = LexiconIndex::build(vec![LexiconInput {
        path,
        text: text.clone(),
        lexicon,
    }]);
    Lex { text, index }
}

static SOCHI: LazyLock<LexiconIndex> = LazyLock::new(|| {
    let text = workload::SOCHI_LEXICON;
    LexiconIndex::build(vec![LexiconInput {
        path: "sochi.lexicon.json".into(),
        text: text.into(),
        lexicon: copydesk::lexicon::parse(text).expect("fixture parses"),
    }])
});
static LEX_100K: LazyLock<Lex> =
    LazyLock::new(|| load(workload::LEXICON_100K.0, workload::LEXICON_100K.1));
static LONG: LazyLock<String> = LazyLock::new(workload::long_draft);
static EXAMPLE: LazyLock<String> = LazyLock::new(|| workload::example_draft().0);

mod lexicon {
    use super::*;

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn parse_100k(b: Bencher) {
        let text = &LEX_100K.text;
        b.bench(|| copydesk::lexicon::parse(black_box(text)).unwrap());
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn build_index_100k(b: Bencher) {
        let text = &LEX_100K.text;
        let lexicon = copydesk::lexicon::parse(text).unwrap();
        b.with_inputs(|| {
            vec![LexiconInput {
                path: "gen.lexicon.json".into(),
                text: text.clone(),
                lexicon: lexicon.clone(),
            }]
        })
        .bench_values(LexiconIndex::build);
    }
}

mod analyze {
    use super::*;

    #[divan::bench(sample_count = 50)]
    fn example_draft_sochi(b: Bencher) {
        b.bench(|| analysis::analyze(black_box(&EXAMPLE), DocKind::Markdown, &SOCHI));
    }

    #[divan::bench(sample_count = 20)]
    fn long_draft_sochi(b: Bencher) {
        b.bench(|| analysis::analyze(black_box(&LONG), DocKind::Markdown, &SOCHI));
    }

    #[divan::bench(sample_count = 20)]
    fn long_draft_100k(b: Bencher) {
        let index = &LEX_100K.index;
        b.bench(|| analysis::analyze(black_box(&LONG), DocKind::Markdown, index));
    }

    /// A one-character edit in the middle of the long draft, analysed with
    /// the parts of the version before it (typing a letter, then deleting it).
    #[divan::bench(sample_count = 100)]
    fn edit_long_draft_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let mut inc = analysis::Incremental::default();
        // The texts shared, as the server's versions are.
        let original = std::sync::Arc::new(LONG.clone());
        let at = LONG[LONG.len() / 2..].find(' ').unwrap() + LONG.len() / 2 + 1;
        let mut edited = (*original).clone();
        edited.insert(at, 'x');
        let edited = std::sync::Arc::new(edited);
        inc.analyze_shared(&original, DocKind::Markdown, index, 1);
        let mut flip = false;
        b.bench_local(|| {
            flip = !flip;
            let text = if flip { &edited } else { &original };
            inc.analyze_shared(black_box(text), DocKind::Markdown, index, 1)
        });
    }
}

/// The stages of `analyze` on the long draft, one by one.
mod stages {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn prose_extract(b: Bencher) {
        b.bench(|| prose::extract(black_box(&LONG), DocKind::Markdown));
    }

    fn blocks() -> (prose::Prose, Vec<std::ops::Range<usize>>) {
        let p = prose::extract(&LONG, DocKind::Markdown);
        let blocks = p.blocks.iter().map(|b| b.range.clone()).collect();
        (p, blocks)
    }

    #[divan::bench(sample_count = 20)]
    fn sentences(b: Bencher) {
        let (p, blocks) = blocks();
        b.bench(|| {
            blocks
                .iter()
                .flat_map(|r| sentences::split_sentences(&p.masked, r.clone()))
                .count()
        });
    }

    #[divan::bench(sample_count = 20)]
    fn quotations(b: Bencher) {
        let (p, blocks) = blocks();
        b.bench(|| quotes::find_quotations(&p.masked, &blocks));
    }

    #[divan::bench(sample_count = 20)]
    fn attribution(b: Bencher) {
        let (p, blocks) = blocks();
        let s: Vec<_> = blocks
            .iter()
            .flat_map(|r| sentences::split_sentences(&p.masked, r.clone()))
            .collect();
        let q = quotes::find_quotations(&p.masked, &blocks);
        b.bench(|| attribution::attribute_quotations(&p.masked, &s, &q));
    }

    #[divan::bench(sample_count = 20)]
    fn mentions_100k(b: Bencher) {
        let (p, _) = blocks();
        let index = &LEX_100K.index;
        b.bench(|| analysis::mentions::find_mentions(&p.masked, index));
    }

    #[divan::bench(sample_count = 10)]
    fn quote_speakers_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        b.bench(|| {
            analysis::speakers::Resolver {
                text: &a.prose.masked,
                sentences: &a.sentences,
                quotations: &a.quotations,
                mentions: &a.mentions,
                index,
                sentence_attributions: None,
            }
            .quote_speakers(&a.attributions)
        });
    }

    /// Every rule over the analysed long draft (what the server adds to an
    /// analysis before it publishes diagnostics).
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn rules_check_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        let config = copydesk::rules::RuleConfig::default();
        b.bench(|| copydesk::rules::check(&LONG, &a, index, &config).len());
    }

    /// One rule alone over the analysed long draft, the others off: which
    /// rule the whole check's time goes to.
    #[divan::bench(sample_count = 3, sample_size = 1, args = copydesk::rules::Rule::ALL.map(|r| r.code()))]
    fn rule_alone_100k(b: Bencher, code: &str) {
        use copydesk::config::Severity;
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        let (config, unknown) = copydesk::rules::RuleConfig::with_overrides(
            copydesk::rules::Rule::ALL
                .iter()
                .filter(|r| r.code() != code)
                .map(|r| (r.code(), Severity::Off)),
        );
        assert!(unknown.is_empty());
        b.bench(|| copydesk::rules::check(&LONG, &a, index, &config).len());
    }

    #[divan::bench(sample_count = 20)]
    fn quote_claims_100k(b: Bencher) {
        let (p, blocks) = blocks();
        let q = quotes::find_quotations(&p.masked, &blocks);
        let index = &LEX_100K.index;
        b.bench(|| {
            q.iter()
                .filter(|q| q.depth == 0)
                .filter_map(|q| {
                    analysis::quotes::match_quotation(&p.masked[q.inner.clone()], index)
                })
                .count()
        });
    }
}

/// What a request does once the analysis is cached.
mod requests {
    use super::*;

    #[divan::bench]
    fn complete_prefix_100k(b: Bencher) {
        let index = &LEX_100K.index;
        b.bench(|| index.complete(black_box("Kar"), 50));
    }

    #[divan::bench]
    fn entity_card_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        let m = a.mentions[a.mentions.len() / 2].clone();
        b.bench(|| cards::entity_card(index, black_box(m.entity)));
    }

    #[divan::bench]
    fn mention_at_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        let at = a.mentions[a.mentions.len() / 2].range.start + 1;
        b.bench(|| a.mention_at(black_box(at)).map(|m| m.entity));
    }
}

/// The rules on the long draft as the server runs them: with the rule
/// cache (`rules::Checker`) kept per open document.
mod rules_cache {
    use super::*;
    use copydesk::rules::{Checker, RuleConfig};

    /// A one-character edit in the middle of the long draft (typing a
    /// letter, then deleting it), checked with the cache of the version
    /// before. The analyses are made outside the timing, incrementally as
    /// the server makes them (each tells what changed since the one
    /// before): this is the rules alone.
    #[divan::bench(sample_count = 100)]
    fn edit_long_draft_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let config = RuleConfig::default();
        // The texts shared, as the server's versions are.
        let original = std::sync::Arc::new(LONG.clone());
        let at = LONG[LONG.len() / 2..].find(' ').unwrap() + LONG.len() / 2 + 1;
        let mut edited = (*original).clone();
        edited.insert(at, 'x');
        let edited = std::sync::Arc::new(edited);
        let mut inc = analysis::Incremental::default();
        let before =
            std::sync::Arc::new(inc.analyze_shared(&original, DocKind::Markdown, index, 1));
        let mut checker = Checker::default();
        checker.check(&original, &before, index, 1, &config);
        let mut flip = false;
        b.with_inputs(|| {
            flip = !flip;
            let text = if flip { &edited } else { &original };
            let a = inc.analyze_shared(text, DocKind::Markdown, index, 1);
            (text, std::sync::Arc::new(a))
        })
        .bench_local_refs(|(text, a)| checker.check(black_box(text), a, index, 1, &config).len());
    }

    /// What the rules' per-claim content adds to an index build: every
    /// claim's content words stemmed and numbered.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn claim_content_100k(b: Bencher) {
        let lexicon = copydesk::lexicon::parse(&LEX_100K.text).unwrap();
        b.bench(|| copydesk::analysis::claim_content::ClaimContent::build(&lexicon.claims, |c| c));
    }

    /// Opening the long draft: the first check, with nothing cached.
    #[divan::bench(sample_count = 3, sample_size = 1)]
    fn open_long_draft_100k(b: Bencher) {
        let index = &LEX_100K.index;
        let config = RuleConfig::default();
        let a = std::sync::Arc::new(analysis::analyze(&LONG, DocKind::Markdown, index));
        let text = std::sync::Arc::new(LONG.to_string());
        b.bench(|| {
            Checker::default()
                .check(black_box(&text), &a, index, 1, &config)
                .len()
        });
    }
}

/// Loading a lexicon into the server's index: the parse of its known fields,
/// the build, the index cache, and a whole load through the cache.
mod lexicon_load {
    use super::*;
    use copydesk::analysis::index_cache::{self, CacheKey, ContentHasher};
    use copydesk::analysis::LexiconPart;
    use copydesk::workspace::{load_index, CacheSettings};

    fn key() -> CacheKey {
        CacheKey::new(
            b"bench",
            &[(
                std::path::Path::new("gen.lexicon.json"),
                ContentHasher::of(LEX_100K.text.as_bytes()),
            )],
        )
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn parse_known_100k(b: Bencher) {
        let text = &LEX_100K.text;
        b.bench(|| copydesk::lexicon::parse_known(black_box(text)).unwrap());
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn build_parts_100k(b: Bencher) {
        let text = &LEX_100K.text;
        let part = LexiconPart::from(LexiconInput {
            path: "gen.lexicon.json".into(),
            text: text.clone(),
            lexicon: copydesk::lexicon::parse_known(text).unwrap(),
        });
        b.with_inputs(|| vec![part.clone()])
            .bench_values(LexiconIndex::build_parts);
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn hash_100k(b: Bencher) {
        let text = &LEX_100K.text;
        b.bench(|| ContentHasher::of(black_box(text.as_bytes())));
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn cache_encode_100k(b: Bencher) {
        b.bench(|| index_cache::encode(&LEX_100K.index, key(), &[]).len());
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn cache_decode_100k(b: Bencher) {
        let bytes = index_cache::encode(&LEX_100K.index, key(), &[]);
        b.bench(|| index_cache::decode(black_box(&bytes), key()).unwrap());
    }

    /// Hash the file, read and check the cache beside it, decode: what a
    /// server start costs with a warm cache.
    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn load_warm_cache_100k(b: Bencher) {
        let path = workload::lexicon_file(workload::LEXICON_100K.0, workload::LEXICON_100K.1);
        let paths = vec![path];
        let cache = CacheSettings::standard();
        load_index(&paths, None, &cache);
        b.bench(|| {
            let loaded = load_index(&paths, None, &cache);
            assert!(
                loaded
                    .cache_note
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("index read"),
                "{:?}",
                loaded.cache_note
            );
            loaded.index
        });
    }
}

/// What the server does between a keystroke and its diagnostics, stage by
/// stage, on the long draft with the 100k lexicon and every rule on: the
/// findings turned into LSP diagnostics, and the notification as JSON.
mod publish {
    use super::*;
    use copydesk::lsp::diagnostics::{to_diagnostics, SourceCache, SourceTexts};
    use copydesk::lsp::output::diagnostics_frame;
    use copydesk::lsp::position::Encoding;
    use copydesk::rules::{check, RuleConfig};
    use tower_lsp_server::ls_types::{Diagnostic, PublishDiagnosticsParams};

    struct Findings {
        findings: Vec<copydesk::rules::Finding>,
    }

    static FINDINGS: LazyLock<Findings> = LazyLock::new(|| {
        let index = &LEX_100K.index;
        let a = analysis::analyze(&LONG, DocKind::Markdown, index);
        Findings {
            findings: check(&LONG, &a, index, &RuleConfig::default()),
        }
    });

    /// Every finding of the draft as an LSP diagnostic (UTF-16 ranges).
    #[divan::bench(sample_count = 50)]
    fn to_diagnostics_100k(b: Bencher) {
        let f = &*FINDINGS;
        let mut cache = SourceCache::default();
        b.bench_local(|| {
            let mut sources = SourceTexts::new(&LEX_100K.index, None, &mut cache);
            to_diagnostics(&f.findings, &LONG, Encoding::Utf16, &mut sources)
        });
    }

    /// A one-character edit's findings converted with the diagnostics of
    /// the version before kept (`Converter`, as the server does per open
    /// document): typing a letter in the middle of the draft, then deleting it.
    #[divan::bench(sample_count = 50)]
    fn convert_edit_100k(b: Bencher) {
        use copydesk::analysis::document::{Revision, Since};
        use copydesk::lsp::diagnostics::{Converter, Version};
        let index = &LEX_100K.index;
        let config = RuleConfig::default();
        let at = LONG[LONG.len() / 2..].find(' ').unwrap() + LONG.len() / 2 + 1;
        let mut edited = LONG.clone();
        edited.insert(at, 'x');
        let a = analysis::analyze(&edited, DocKind::Markdown, index);
        let edited_findings = check(&edited, &a, index, &config);
        let ropes = [ropey::Rope::from_str(&LONG), ropey::Rope::from_str(&edited)];
        let versions = [(&*LONG, &FINDINGS.findings), (&edited, &edited_findings)];
        let mut cache = SourceCache::default();
        let mut converter = Converter::default();
        let mut flip = 0;
        // Each version is the one before with the letter typed or deleted,
        // as its analysis's revision says.
        let mut id = 1;
        b.bench_local(|| {
            flip ^= 1;
            id += 1;
            let (text, findings) = versions[flip];
            let bounds = (at, LONG.len() - at);
            let revision = Revision {
                id,
                since: Some(Since {
                    previous: id - 1,
                    text: bounds,
                    masked: bounds,
                }),
            };
            let version = Version {
                text,
                rope: &ropes[flip],
                revision,
            };
            let mut sources = SourceTexts::new(index, None, &mut cache);
            converter
                .convert(findings, &version, Encoding::Utf16, 1, &mut sources)
                .len()
        });
    }

    /// The diagnostics the notification benches send.
    static DIAGNOSTICS: LazyLock<Vec<Diagnostic>> = LazyLock::new(|| {
        let mut cache = SourceCache::default();
        let mut sources = SourceTexts::new(&LEX_100K.index, None, &mut cache);
        to_diagnostics(&FINDINGS.findings, &LONG, Encoding::Utf16, &mut sources)
    });

    /// The `publishDiagnostics` notification of those diagnostics as the
    /// bytes written to the client.
    #[divan::bench(sample_count = 50)]
    fn notification_json_100k(b: Bencher) {
        let diagnostics = &*DIAGNOSTICS;
        // As tower-lsp-server sends it: the parameters made a JSON value,
        // then the message written as a string.
        b.bench_local(|| {
            let params = serde_json::to_value(PublishDiagnosticsParams::new(
                "file:///draft.md".parse().unwrap(),
                diagnostics.to_vec(),
                Some(2),
            ))
            .unwrap();
            serde_json::to_string(&serde_json::json!({
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": params,
            }))
            .unwrap()
            .len()
        });
    }

    /// The same notification as copydesk writes it since session 5:
    /// serialized straight from the diagnostics (`lsp::output`).
    #[divan::bench(sample_count = 50)]
    fn notification_frame_100k(b: Bencher) {
        let diagnostics = &*DIAGNOSTICS;
        let uri = "file:///draft.md".parse().unwrap();
        b.bench_local(|| diagnostics_frame(&uri, diagnostics, Some(2)).len());
    }
}
