//! `copydesk lexicon merge A.json B.json... -o OUT.json`: the builder's merge
//! as a command, associative and commutative, for lexicons built in shards.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::builder::{merge, relative_path};
use crate::files;
use crate::lexicon::Lexicon;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The lexicons to merge; their order does not matter.
    #[arg(required = true, value_name = "LEXICON.json")]
    pub inputs: Vec<PathBuf>,
    /// Where to write the merged lexicon.
    #[arg(short, long, value_name = "OUT.json")]
    pub output: PathBuf,
}

pub fn run(args: MergeArgs) -> ExitCode {
    match merge_files(&args.inputs, &args.output) {
        Ok(lexicon) => {
            eprintln!(
                "{}: {} lexicons merged: {} sources, {} entities, {} claims",
                args.output.display(),
                args.inputs.len(),
                lexicon.sources.len(),
                lexicon.entities.len(),
                lexicon.claims.len()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("copydesk lexicon merge: {message}");
            ExitCode::from(2)
        }
    }
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

pub fn merge_files(inputs: &[PathBuf], output: &Path) -> Result<Lexicon, String> {
    // Refuse to replace an output that exists but is not a lexicon.
    match files::read_lexicon(output) {
        Err(e) if !e.is_not_found() && !inputs.iter().any(|i| i == output) => {
            return Err(format!(
                "{e}\nrefusing to overwrite it: fix or move it first"
            ));
        }
        _ => {}
    }
    let out_dir = dir_of(output);
    let mut merged: Option<Lexicon> = None;
    for input in inputs {
        let mut lexicon = files::read_lexicon(input).map_err(|e| e.to_string())?;
        // Source paths are relative to their lexicon: rebase them on the output.
        let in_dir = dir_of(input);
        for source in &mut lexicon.sources {
            if !Path::new(&source.path).is_absolute() {
                source.path = relative_path(&in_dir.join(&source.path), &out_dir);
            }
        }
        merged = Some(match merged {
            Some(m) => merge::join(m, lexicon),
            None => merge::join(Lexicon::default(), lexicon),
        });
    }
    let merged = merged.unwrap_or_default();
    super::build::write(output, &merged)?;
    Ok(merged)
}
