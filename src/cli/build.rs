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
    let existing = match files::read_lexicon(out) {
        Ok(l) => Some(l),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            return Err(format!(
                "{e}\nrefusing to overwrite it: fix or move it first"
            ))
        }
    };
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
    let built = match &bar {
        Some(bar) => builder::build_with_progress(&articles, &|| bar.inc(1)),
        None => builder::build(&articles),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (entities, claims) = (built.entities.len(), built.claims.len());
    let lexicon = match existing {
        Some(existing) => merge::update(existing, built),
        None => merge::update(Default::default(), built),
    };
    write(out, &lexicon)?;
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
