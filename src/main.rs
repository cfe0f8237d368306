use std::process::ExitCode;

use clap::{Parser, Subcommand};

// jemalloc, not glibc's malloc: `copydesk check` allocates and frees a few
// million small blocks per draft, and spent a tenth of its time in glibc's
// malloc/free and in page faults (BENCHMARKS.md, session 14).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// jemalloc's options, read before `main` from its documented `malloc_conf`
// (under the `_rjem_` prefix tikv-jemalloc-sys gives its symbols; the
// `_RJEM_MALLOC_CONF` environment variable still overrides it). Huge pages
// take about 8k page faults off `check` of ten drafts. This machine's
// kernel, like most, gives them only where asked (`madvise` mode), so
// jemalloc asks. The server opts out: `serve` below.
#[cfg(all(target_os = "linux", not(target_env = "msvc")))]
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: &[u8; 11] = b"thp:always\0";

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
        Command::Serve { stdio: _ } => {
            without_huge_pages();
            copydesk::cli::serve::run()
        }
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

/// Turns transparent huge pages off for this process. The language server
/// stays up for hours with drafts open and is judged by its resident size:
/// huge pages took ten open drafts from 242 to 278 MiB, and edits got no
/// faster. The kernel checks the flag at each fault, so it holds for
/// memory jemalloc has already asked huge pages for.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours.
    if unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0 {
        // Only memory use is at stake: say so (the editor logs stderr) and go on.
        eprintln!(
            "copydesk: cannot turn huge pages off: {}",
            std::io::Error::last_os_error()
        );
    }
}
