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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { stdio: _ } => copydesk::cli::serve::run(),
    }
}
