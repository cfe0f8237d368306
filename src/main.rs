use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// copydesk keeps attribution and names right while you write.
#[derive(Parser)]
#[command(name = "copydesk", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Speak the Language Server Protocol over stdio (what editors start).
    Serve {
        /// Accepted for clients that always pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Build a lexicon of entities and claims from source articles.
    Build(copydesk::cli::build::BuildArgs),
    /// Check drafts for attribution and naming problems, as the editor does.
    Check(copydesk::cli::check::CheckArgs),
    /// Work with lexicon files.
    Lexicon {
        #[command(subcommand)]
        command: LexiconCommand,
    },
}

#[derive(Subcommand)]
enum LexiconCommand {
    /// Write the lexicons' names as the word list another checker reads
    /// (harper, Vale, typos), so that it stops flagging them.
    Export(copydesk::cli::export::ExportArgs),
    /// Merge lexicons (built in shards, say) into one; the order does not matter.
    Merge(copydesk::cli::merge::MergeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { stdio: _ } => copydesk::cli::serve::run(),
        Command::Lexicon {
            command: LexiconCommand::Export(args),
        } => copydesk::cli::export::run(args),
        Command::Build(args) => copydesk::cli::build::run(args),
        Command::Check(args) => copydesk::cli::check::run(args),
        Command::Lexicon {
            command: LexiconCommand::Merge(args),
        } => copydesk::cli::merge::run(args),
    }
}
