//! copydesk: keeps attribution and names right in news copy.
//!
//! Layers, from the bottom (see ARCHITECTURE.md):
//! - `lexicon`: the file format, parsed and validated; no I/O.
//! - `text`: prose extraction from Markdown or plain text, folding, sentences
//!   and quotations; pure functions over `&str` returning byte ranges.
//! - `analysis`: a document analysed against a compiled lexicon: mentions,
//!   quotations matched to claims; pure.
//! - `lsp`: the protocol layer (tower-lsp-server, ropey, position encodings).
//! - `cli`: the command-line entry points.

pub mod analysis;
pub mod builder;
pub mod cli;
pub mod config;
pub mod files;
pub mod lexicon;
pub mod lsp;
pub mod rules;
pub mod text;
pub mod workspace;
