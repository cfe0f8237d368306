use std::process::ExitCode;

/// `copydesk serve`: runs the language server on stdin/stdout until the
/// client asks it to exit or closes the pipe.
pub fn run() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("copydesk: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(crate::lsp::serve_stdio());
    ExitCode::SUCCESS
}
