//! `copydesk build ARTICLE_OR_DIR... -o LEXICON.json`: build a lexicon from
//! source articles, merging into the lexicon already at LEXICON.json.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::builder::{self, merge};
use crate::files;
use crate::lexicon;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Articles (Markdown or plain text) and directories to search for them.
    #[arg(required = true, value_name = "ARTICLE_OR_DIR")]
    pub inputs: Vec<PathBuf>,
    /// The lexicon to write; an existing one is updated, never overwritten blindly.
    #[arg(short, long, value_name = "LEXICON.json")]
    pub output: PathBuf,
}

pub fn run(args: BuildArgs) -> ExitCode {
    match build(&args) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("copydesk build: {message}");
            ExitCode::from(2)
        }
    }
}

fn build(args: &BuildArgs) -> Result<String, String> {
    let out = &args.output;
    let out_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Refuse early, before any work, if the existing lexicon cannot be read.
    if let Err(e) = files::read_lexicon(out) {
        if !e.is_not_found() {
            return Err(format!(
                "{e}\nrefusing to overwrite it: fix or move it first"
            ));
        }
    }
    let paths = builder::collect_articles(&args.inputs).map_err(|e| e.to_string())?;
    if paths.is_empty() {
        return Err("no articles (.md, .markdown, .txt) found in the given paths".into());
    }
    let articles = paths
        .iter()
        .map(|p| builder::load_article(p, &out_dir))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;

    let bar = progress_bar(articles.len() as u64);
    let progress = bar.as_ref().map(|bar| move || bar.inc(1));
    let outcome = update_lexicon_file(
        out,
        &articles,
        progress.as_ref().map(|p| p as &(dyn Fn() + Sync)),
    )?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let Outcome {
        found_entities: entities,
        found_claims: claims,
        lexicon,
    } = outcome;
    Ok(format!(
        "{}: {} article{}, {entities} entities and {claims} claims found; the lexicon holds {} entities and {} claims",
        out.display(),
        articles.len(),
        if articles.len() == 1 { "" } else { "s" },
        lexicon.entities.len(),
        lexicon.claims.len()
    ))
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if len < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} articles {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// What building into a lexicon file did.
pub struct Outcome {
    pub found_entities: usize,
    pub found_claims: usize,
    /// The lexicon as written.
    pub lexicon: lexicon::Lexicon,
}

/// Builds from `articles` and merges into the lexicon at `out` (created if
/// missing), writing atomically. A lexicon at `out` that cannot be read is
/// never overwritten. Shared by `copydesk build` and the server's
/// `copydesk.buildLexicon` command.
pub fn update_lexicon_file(
    out: &Path,
    articles: &[builder::Article],
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<Outcome, String> {
    let existing = match files::read_lexicon(out) {
        Ok(l) => l,
        Err(e) if e.is_not_found() => Default::default(),
        Err(e) => {
            return Err(format!(
                "{e}\nrefusing to overwrite it: fix or move it first"
            ))
        }
    };
    let built = match progress {
        Some(p) => builder::build_with_progress(articles, p),
        None => builder::build(articles),
    };
    let (found_entities, found_claims) = (built.entities.len(), built.claims.len());
    let lexicon = merge::update(existing, built);
    write(out, &lexicon)?;
    Ok(Outcome {
        found_entities,
        found_claims,
        lexicon,
    })
}

pub(crate) fn write(path: &Path, lexicon: &lexicon::Lexicon) -> Result<(), String> {
    let text = lexicon::to_json_string(lexicon);
    // Never write what we could not read back.
    if let Err(e) = lexicon::parse(&text) {
        return Err(format!(
            "internal error: the lexicon built does not validate ({e}); nothing written"
        ));
    }
    files::write_atomically(path, text.as_bytes())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}
