//! Framing that survives malformed input.
//!
//! tower-lsp-server (0.23) stops reading stdin at the first message it
//! cannot decode: its read loop ends when the framed stream yields `None`,
//! which tokio-util does right after a decoding error. One bad message from
//! an editor would end the server. So stdin passes through [`Sanitized`]
//! first: well-formed messages go on unchanged; a malformed one is replaced
//! by a notification ([`MALFORMED`]) that [`super::guard::Guarded`] answers
//! as JSON-RPC prescribes: `-32700` (parse error) or `-32600` (invalid
//! request), with a null id. Reading then resumes at the next header.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Deserialize;
use tokio::io::{AsyncRead, ReadBuf};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The method standing for a malformed message; its params carry the
/// JSON-RPC error code to answer with.
pub const MALFORMED: &str = "$/copydesk/malformedMessage";
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;

pub(super) const HEADER_END: &[u8] = b"\r\n\r\n";
const CONTENT_LENGTH: &[u8] = b"Content-Length";
/// A header section longer than this without an end is garbage.
const MAX_HEADER_BYTES: usize = 8 * 1024;

pub struct Sanitized<R> {
    inner: R,
    input: Vec<u8>,
    output: Vec<u8>,
    out_pos: usize,
    chunk: Vec<u8>,
    eof: bool,
}

impl<R> Sanitized<R> {
    pub fn new(inner: R) -> Self {
        Sanitized {
            inner,
            input: Vec::new(),
            output: Vec::new(),
            out_pos: 0,
            chunk: vec![0; 64 * 1024],
            eof: false,
        }
    }

    fn emit(&mut self, body: &[u8]) {
        push_frame(&mut self.output, body);
    }

    fn emit_malformed(&mut self, code: i64) {
        let body =
            format!(r#"{{"jsonrpc":"2.0","method":"{MALFORMED}","params":{{"code":{code}}}}}"#);
        self.emit(body.as_bytes());
    }

    /// Drops bytes up to the next `Content-Length` (or all of them).
    fn resync(&mut self) {
        let skip = find(&self.input, CONTENT_LENGTH).unwrap_or(self.input.len());
        self.input.drain(..skip);
    }

    /// Turns the next complete frame of input into output; false when more
    /// input is needed.
    fn next_frame(&mut self) -> bool {
        if self.input.is_empty() {
            return false;
        }
        // Garbage before a header: answered once, then skipped.
        if !starts_with_header_name(&self.input) {
            if find(&self.input, CONTENT_LENGTH).is_none()
                && !self.eof
                && self.input.len() <= MAX_HEADER_BYTES
            {
                return false;
            }
            self.resync();
            self.emit_malformed(PARSE_ERROR);
            return true;
        }
        let Some(end) = find(&self.input, HEADER_END) else {
            if self.input.len() > MAX_HEADER_BYTES {
                self.input.drain(..1);
                self.resync();
                self.emit_malformed(PARSE_ERROR);
                return true;
            }
            return false;
        };
        let body_start = end + HEADER_END.len();
        match content_length(&self.input[..end]) {
            None => {
                self.input.drain(..body_start);
                self.resync();
                self.emit_malformed(PARSE_ERROR);
                true
            }
            Some(len) => {
                if self.input.len() - body_start < len {
                    return false;
                }
                let body_end = body_start + len;
                match check(&self.input[body_start..body_end]) {
                    Ok(()) => push_frame(&mut self.output, &self.input[body_start..body_end]),
                    Err(code) => self.emit_malformed(code),
                }
                self.input.drain(..body_end);
                true
            }
        }
    }
}

/// Appends `body` to `out` as one frame (the only header copydesk writes).
pub(super) fn push_frame(out: &mut Vec<u8>, body: &[u8]) {
    out.reserve(body.len() + 32);
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Whether the input starts like a header line (`Name: value`).
fn starts_with_header_name(input: &[u8]) -> bool {
    let name_len = input
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    name_len > 0 && (input.len() == name_len || input[name_len] == b':')
}

/// The `Content-Length` of a header section, if it is well formed: every
/// line `Name: value`, a length that is a number, and no charset other than
/// UTF-8 (a `Content-Type` without one means UTF-8).
pub(super) fn content_length(header: &[u8]) -> Option<usize> {
    let header = std::str::from_utf8(header).ok()?;
    let mut len = None;
    for line in header.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("Content-Length") {
            len = Some(value.parse::<usize>().ok()?);
        } else if name.eq_ignore_ascii_case("Content-Type") {
            let charset = value
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().strip_prefix("charset="))
                .next();
            if !matches!(charset, None | Some("utf-8" | "utf8")) {
                return None;
            }
        }
    }
    len
}

/// Whether the body is a JSON-RPC message tower-lsp-server will decode and
/// handle: UTF-8 JSON that is a request or notification (it has a
/// `method`) or a response (an `id` and a `result` or an `error`).
/// tower-lsp-server itself would take an object with neither for a
/// response (`method` defaults to "", `result` and `id` to null) and drop
/// it in silence; JSON-RPC calls it an invalid request.
fn check(body: &[u8]) -> Result<(), i64> {
    let text = std::str::from_utf8(body).map_err(|_| PARSE_ERROR)?;
    if text.is_empty() {
        return Ok(()); // tower-lsp-server skips an empty body itself
    }
    let shape = match serde_json::from_str::<Shape>(text) {
        Ok(shape) => shape,
        Err(e) if e.is_syntax() || e.is_eof() => return Err(PARSE_ERROR),
        Err(_) => return Err(INVALID_REQUEST),
    };
    let decodes = if shape.method {
        serde_json::from_str::<Request>(text).is_ok()
    } else if shape.id && (shape.result || shape.error) {
        serde_json::from_str::<Response>(text).is_ok()
    } else {
        false
    };
    if decodes {
        Ok(())
    } else {
        Err(INVALID_REQUEST)
    }
}

/// Which members a message has (whatever their values, null included).
#[derive(serde::Deserialize)]
struct Shape {
    #[serde(default, deserialize_with = "present")]
    method: bool,
    #[serde(default, deserialize_with = "present")]
    id: bool,
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default, deserialize_with = "present")]
    error: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

impl<R: AsyncRead + Unpin> AsyncRead for Sanitized<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_pos < this.output.len() {
                let n = buf.remaining().min(this.output.len() - this.out_pos);
                buf.put_slice(&this.output[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                if this.out_pos == this.output.len() {
                    this.output.clear();
                    this.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.next_frame() {
                continue;
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut this.chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {
                    let n = read.filled().len();
                    if n == 0 {
                        this.eof = true;
                    } else {
                        this.input.extend_from_slice(&this.chunk[..n]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    async fn pass(input: &[u8]) -> String {
        let mut out = String::new();
        Sanitized::new(input)
            .read_to_string(&mut out)
            .await
            .unwrap();
        out
    }

    fn malformed(code: i64) -> String {
        let body =
            format!(r#"{{"jsonrpc":"2.0","method":"{MALFORMED}","params":{{"code":{code}}}}}"#);
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[tokio::test]
    async fn good_messages_pass_unchanged_and_bad_ones_become_one_notice_each() {
        let good = "Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        assert_eq!(pass(good.as_bytes()).await, good);
        let typed = "Content-Length: 40\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        assert_eq!(pass(typed.as_bytes()).await, good);
        for (input, code) in [
            ("Content-Length: 5\r\n\r\nhello".to_string(), PARSE_ERROR),
            ("Content-Length: 2\r\n\r\n[]".to_string(), INVALID_REQUEST),
            (
                "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_string(),
                INVALID_REQUEST,
            ),
            ("Content-Length: x\r\n\r\n".to_string(), PARSE_ERROR),
            (
                "Content-Type: text/plain\r\n\r\n{}".to_string(),
                PARSE_ERROR,
            ),
            (
                "Content-Length: 2\r\nContent-Type: a; charset=latin1\r\n\r\n{}".to_string(),
                PARSE_ERROR,
            ),
            ("garbage that is no header at all".to_string(), PARSE_ERROR),
        ] {
            assert_eq!(
                pass(format!("{input}{good}").as_bytes()).await,
                format!("{}{good}", malformed(code)),
                "{input:?}"
            );
        }
        let bad_utf8 = b"Content-Length: 3\r\n\r\n\"\xff\"";
        assert_eq!(pass(bad_utf8).await, malformed(PARSE_ERROR));
    }

    #[tokio::test]
    async fn a_message_split_across_reads_is_reassembled() {
        let good = "Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        let (mut w, r) = tokio::io::duplex(7);
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for b in good.as_bytes().chunks(3) {
                w.write_all(b).await.unwrap();
            }
        });
        let mut out = String::new();
        let mut s = Sanitized::new(r);
        let read = s.read_to_string(&mut out);
        let (res, _) = tokio::join!(read, writer);
        res.unwrap();
        assert_eq!(out, good);
    }
}
