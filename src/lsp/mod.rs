//! The protocol layer: the only module that knows LSP types. It holds the
//! documents (ropey), negotiates position encodings, loads lexicons and
//! settings, and turns the pure analysis into protocol answers.

pub mod diagnostics;
pub mod document;
pub mod framing;
pub mod guard;
pub mod output;
pub mod position;
mod server;
mod tokens;

pub use server::{service, Backend, Connection, Fault, Probe};

/// Serves LSP on stdin/stdout until the client exits or closes the pipe.
pub async fn serve_stdio() {
    service()
        .serve(tokio::io::stdin(), tokio::io::stdout())
        .await;
}
