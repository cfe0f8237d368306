//! No panic reaches the protocol. Every message the server handles, and
//! every task it spawns (diagnostics, lexicon reloads), runs under
//! `catch_unwind`: a panic becomes a `window/logMessage` error and, for a
//! request, a JSON-RPC internal error for that request alone. The server
//! goes on reading and answering.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::{Client, ExitedError, LanguageServer, LspService};
use tower_service::Service;

use super::framing::{INVALID_REQUEST, MALFORMED, PARSE_ERROR};

/// Polls a future under `catch_unwind`. A future that panicked is dropped
/// and never polled again.
pub struct CatchUnwind<F> {
    inner: Option<Pin<Box<F>>>,
}

impl<F: Future> CatchUnwind<F> {
    pub fn new(future: F) -> Self {
        CatchUnwind {
            inner: Some(Box::pin(future)),
        }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(Err("polled after a panic".into()));
        };
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => {
                self.inner = None;
                Poll::Ready(Err(panic_message(panic.as_ref())))
            }
        }
    }
}

pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown cause".into())
}

/// Spawns a background task whose panic is logged to the client instead
/// of vanishing with the task.
pub fn spawn_logged<F>(client: Client, what: &'static str, future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(message) = CatchUnwind::new(future).await {
            client
                .log_message(
                    MessageType::ERROR,
                    format!("copydesk: {what} failed: {message}"),
                )
                .await;
        }
    });
}

/// The language service with every message handled under `catch_unwind`.
/// Internal errors (a panic here, or one caught on the blocking pool) are
/// also logged, so that the user sees them in the editor's log.
pub struct Guarded<S: LanguageServer> {
    inner: LspService<S>,
    client: Client,
}

impl<S: LanguageServer> Guarded<S> {
    pub fn new(inner: LspService<S>, client: Client) -> Self {
        Guarded { inner, client }
    }

    pub fn inner(&self) -> &S {
        self.inner.inner()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S: LanguageServer> Service<Request> for Guarded<S> {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = BoxFuture<Result<Option<Response>, ExitedError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExitedError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.method() == MALFORMED {
            // What the framing could not decode, answered as JSON-RPC says.
            let code = req
                .params()
                .and_then(|p| p.get("code"))
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(PARSE_ERROR);
            let error = if code == INVALID_REQUEST {
                Error::invalid_request()
            } else {
                Error::parse_error()
            };
            return Box::pin(std::future::ready(Ok(Some(Response::from_error(
                Id::Null,
                error,
            )))));
        }
        let method = req.method().to_string();
        let id = req.id().cloned();
        let client = self.client.clone();
        let fut = catch_unwind(AssertUnwindSafe(|| self.inner.call(req)))
            .map_err(|p| panic_message(p.as_ref()));
        Box::pin(async move {
            let outcome = match fut {
                Ok(fut) => CatchUnwind::new(fut).await,
                Err(message) => Err(message),
            };
            let response = match outcome {
                Ok(Ok(response)) => response,
                Ok(Err(exited)) => return Err(exited),
                Err(message) => {
                    let error = Error {
                        code: ErrorCode::InternalError,
                        message: format!("copydesk: internal error: {message}").into(),
                        data: None,
                    };
                    id.clone().map(|id| Response::from_error(id, error))
                }
            };
            // tower-lsp-server drops the answer to an unknown `$/` method,
            // request or notification alike; LSP wants a request answered
            // with MethodNotFound (a client would otherwise wait forever).
            let response = match (response, id) {
                (None, Some(id)) if method.starts_with("$/") && method != "$/cancelRequest" => {
                    let mut error = Error::method_not_found();
                    error.data = Some(method.clone().into());
                    Some(Response::from_error(id, error))
                }
                (response, _) => response,
            };
            if let Some(e) = response.as_ref().and_then(Response::error) {
                if e.code == ErrorCode::InternalError {
                    client
                        .log_message(
                            MessageType::ERROR,
                            format!("copydesk: {method} failed: {}", e.message),
                        )
                        .await;
                }
            }
            Ok(response)
        })
    }
}
