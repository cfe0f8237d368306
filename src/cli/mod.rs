//! Command-line entry points: each subcommand's I/O and exit codes.

pub mod build;
pub mod check;
pub mod export;
pub mod merge;
pub mod serve;
