//! The server's output: one queue of whole frames, one writer.
//!
//! tower-lsp-server turns every message into a `serde_json::Value` before it
//! writes it. For the diagnostics of a long draft (hundreds of diagnostics,
//! ~190 KB of JSON) that costs about a millisecond per keystroke, spent
//! allocating a map per object. So `textDocument/publishDiagnostics` is
//! serialized straight from the diagnostics into a frame
//! ([`Outbox::publish_diagnostics`]), and the frames tower-lsp-server writes
//! and the ones the server publishes share one queue ([`FrameWriter`] cuts
//! tower-lsp-server's byte stream back into frames), so no frame is ever
//! written into the middle of another. A single task ([`Output::run`])
//! writes the queue to the client in order.
//!
//! The queue is bounded: a client that stops reading holds up the writers
//! on both paths, as a full pipe would, instead of growing the queue.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::PollSender;
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use super::framing::{content_length, find, push_frame, HEADER_END};

/// Frames waiting for the writer; past this, senders wait.
const QUEUE_FRAMES: usize = 64;

type Frame = Vec<u8>;

/// Creates the queue: its two entrances and its writer.
pub fn queue() -> (Outbox, FrameWriter, Output) {
    let (tx, rx) = mpsc::channel(QUEUE_FRAMES);
    let (stop_tx, stop_rx) = oneshot::channel();
    (
        Outbox { tx: tx.clone() },
        FrameWriter {
            tx: PollSender::new(tx),
            partial: Vec::new(),
            ready: std::collections::VecDeque::new(),
        },
        Output {
            rx,
            stop: stop_rx,
            stopper: Some(stop_tx),
        },
    )
}

/// The server's own entrance to the queue.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Frame>,
}

#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'static str,
    params: &'a P,
}

/// `PublishDiagnosticsParams`, borrowed: the same fields in the same order.
#[derive(Serialize)]
struct PublishDiagnostics<'a> {
    uri: &'a Uri,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i32>,
}

impl Outbox {
    /// Sends `textDocument/publishDiagnostics`; false if the output is closed.
    pub async fn publish_diagnostics(
        &self,
        uri: &Uri,
        diagnostics: &[Diagnostic],
        version: Option<i32>,
    ) -> bool {
        let frame = diagnostics_frame(uri, diagnostics, version);
        self.tx.send(frame).await.is_ok()
    }
}

impl Outbox {
    /// Sends a frame made by [`diagnostics_frame`] or
    /// [`diagnostics_frame_after_ranges`]; false if the output is closed.
    pub async fn send(&self, frame: Frame) -> bool {
        self.tx.send(frame).await.is_ok()
    }
}

/// The start of every diagnostic's JSON: its range comes first.
const RANGE_KEY: &[u8] = br#"{"range":"#;

/// A diagnostic's JSON after its range (`,"severity":…}`): all of it that
/// stays the same when an edit elsewhere moves the diagnostic. None if
/// serde_json wrote the diagnostic some other way than its range first.
pub fn after_range(d: &Diagnostic) -> Option<Box<[u8]>> {
    let whole = serde_json::to_vec(d).ok()?;
    let mut head = RANGE_KEY.to_vec();
    serde_json::to_writer(&mut head, &d.range).ok()?;
    whole.strip_prefix(head.as_slice()).map(Into::into)
}

/// [`diagnostics_frame`] of diagnostics whose JSON after the range
/// ([`after_range`]) is known, in the same order: only the ranges are
/// serialized, and the frame is written once, at its size. Byte for byte
/// the other's frame.
pub fn diagnostics_frame_after_ranges(
    uri: &Uri,
    diagnostics: &[Diagnostic],
    after: &[&[u8]],
    version: Option<i32>,
) -> Frame {
    if after.len() != diagnostics.len() {
        return diagnostics_frame(uri, diagnostics, version);
    }
    // Serializing LSP types into a Vec cannot fail (see `diagnostics_frame`).
    let mut head =
        br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#.to_vec();
    let _ = serde_json::to_writer(&mut head, uri);
    head.extend_from_slice(br#","diagnostics":["#);
    let mut ranges = Vec::with_capacity(diagnostics.len() * 64);
    let mut ends = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        push_range(&mut ranges, &d.range);
        ends.push(ranges.len());
    }
    let mut foot = b"]".to_vec();
    if let Some(v) = version {
        foot.extend_from_slice(format!(r#","version":{v}"#).as_bytes());
    }
    foot.extend_from_slice(b"}}");
    let n = diagnostics.len();
    let len = head.len()
        + n * RANGE_KEY.len()
        + ranges.len()
        + after.iter().map(|a| a.len()).sum::<usize>()
        + n.saturating_sub(1)
        + foot.len();
    let header = format!("Content-Length: {len}\r\n\r\n");
    let mut frame = Vec::with_capacity(header.len() + len);
    frame.extend_from_slice(header.as_bytes());
    frame.extend_from_slice(&head);
    let mut start = 0;
    for (i, (end, after)) in ends.into_iter().zip(after).enumerate() {
        if i > 0 {
            frame.push(b',');
        }
        frame.extend_from_slice(RANGE_KEY);
        frame.extend_from_slice(&ranges[start..end]);
        frame.extend_from_slice(after);
        start = end;
    }
    frame.extend_from_slice(&foot);
    debug_assert_eq!(frame.len(), header.len() + len);
    frame
}

/// A range's JSON as serde_json writes it (the fields in order, no
/// spaces), without going through the serializer: hundreds per keystroke.
fn push_range(out: &mut Vec<u8>, range: &tower_lsp_server::ls_types::Range) {
    for (key, at) in [
        (&br#"{"start":"#[..], range.start),
        (br#","end":"#, range.end),
    ] {
        out.extend_from_slice(key);
        out.extend_from_slice(br#"{"line":"#);
        push_number(out, at.line);
        out.extend_from_slice(br#","character":"#);
        push_number(out, at.character);
        out.push(b'}');
    }
    out.push(b'}');
}

fn push_number(out: &mut Vec<u8>, n: u32) {
    // itoa is what serde_json formats integers with.
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The whole frame of a `textDocument/publishDiagnostics` notification.
pub fn diagnostics_frame(uri: &Uri, diagnostics: &[Diagnostic], version: Option<i32>) -> Frame {
    let message = Notification {
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: &PublishDiagnostics {
            uri,
            diagnostics,
            version,
        },
    };
    // Serializing LSP types into a Vec cannot fail (string keys, no maps
    // with other keys, no I/O).
    let body = serde_json::to_vec(&message).unwrap_or_default();
    let mut frame = Vec::new();
    push_frame(&mut frame, &body);
    frame
}

/// The output tower-lsp-server writes into: its byte stream cut into whole
/// frames and queued.
pub struct FrameWriter {
    tx: PollSender<Frame>,
    /// Bytes of a frame not yet complete.
    partial: Vec<u8>,
    /// Complete frames the queue had no room for yet.
    ready: std::collections::VecDeque<Frame>,
}

impl FrameWriter {
    /// Moves whole frames out of `partial`.
    fn cut_frames(&mut self) -> io::Result<()> {
        loop {
            let Some(end) = find(&self.partial, HEADER_END) else {
                return Ok(());
            };
            let len = content_length(&self.partial[..end]).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a message without a valid Content-Length header",
                )
            })?;
            let frame_end = end + HEADER_END.len() + len;
            if self.partial.len() < frame_end {
                return Ok(());
            }
            let rest = self.partial.split_off(frame_end);
            self.ready
                .push_back(std::mem::replace(&mut self.partial, rest));
        }
    }

    /// Queues the complete frames; ready when none is left waiting.
    fn poll_queue(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.ready.is_empty() {
            match self.tx.poll_reserve(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(Err(closed())),
                Poll::Ready(Ok(())) => {
                    let frame = self.ready.pop_front().expect("not empty");
                    if self.tx.send_item(frame).is_err() {
                        return Poll::Ready(Err(closed()));
                    }
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the output is closed")
}

impl AsyncWrite for FrameWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Frames already cut go first: the queue's order is the stream's.
        match self.poll_queue(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {}
        }
        self.partial.extend_from_slice(buf);
        self.cut_frames()?;
        // What was cut is sent on this call if there is room, else on flush.
        if let Poll::Ready(Err(e)) = self.poll_queue(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_queue(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_queue(cx)
    }
}

/// The writer's end of the queue.
pub struct Output {
    rx: mpsc::Receiver<Frame>,
    stop: oneshot::Receiver<()>,
    stopper: Option<oneshot::Sender<()>>,
}

/// Tells a running [`Output`] to write what is queued and end.
pub struct Stop(oneshot::Sender<()>);

impl Stop {
    pub fn stop(self) {
        let _ = self.0.send(());
    }
}

impl Output {
    pub fn stopper(&mut self) -> Stop {
        Stop(self.stopper.take().expect("one stopper per output"))
    }

    /// Writes frames in queue order until the queue closes, `Stop` is
    /// called (what is queued by then is still written), or the client is
    /// gone.
    pub async fn run<W: AsyncWrite + Unpin>(mut self, mut out: W) -> io::Result<()> {
        let mut stopping = false;
        loop {
            let frame = if stopping {
                match self.rx.try_recv() {
                    Ok(frame) => frame,
                    Err(_) => break,
                }
            } else {
                tokio::select! {
                    biased;
                    frame = self.rx.recv() => match frame {
                        Some(frame) => frame,
                        None => break,
                    },
                    _ = &mut self.stop => {
                        stopping = true;
                        continue;
                    }
                }
            };
            out.write_all(&frame).await?;
            // Flushed when nothing else is waiting: one flush per burst.
            if self.rx.is_empty() {
                out.flush().await?;
            }
        }
        out.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tower_lsp_server::jsonrpc::Request;
    use tower_lsp_server::ls_types::{
        notification::{Notification, PublishDiagnostics as Method},
        DiagnosticSeverity, NumberOrString, Position, PublishDiagnosticsParams, Range,
    };

    fn diagnostics() -> Vec<Diagnostic> {
        vec![
            Diagnostic {
                range: Range::new(Position::new(3, 4), Position::new(3, 19)),
                severity: Some(DiagnosticSeverity::WARNING),
                code: Some(NumberOrString::String("vague-attribution".into())),
                source: Some("copydesk".into()),
                message: "“experts say”: which experts? Name them.".into(),
                ..Default::default()
            },
            Diagnostic::new_simple(Range::default(), "Erdoğan 🇹🇷".into()),
        ]
    }

    /// A frame's JSON, as the client parses it.
    fn body(frame: &[u8]) -> serde_json::Value {
        let end = find(frame, HEADER_END).unwrap();
        let len = content_length(&frame[..end]).unwrap();
        assert_eq!(
            frame.len(),
            end + 4 + len,
            "the header counts the body's bytes"
        );
        serde_json::from_slice(&frame[end + 4..]).unwrap()
    }

    #[test]
    fn the_diagnostics_frame_is_the_message_tower_lsp_server_would_write() {
        let uri: Uri = "file:///desk/draft%20one.md".parse().unwrap();
        for version in [Some(7), None] {
            let frame = diagnostics_frame(&uri, &diagnostics(), version);
            // What `Client::publish_diagnostics` builds.
            let params = PublishDiagnosticsParams::new(uri.clone(), diagnostics(), version);
            let theirs = Request::build(<Method as Notification>::METHOD)
                .params(serde_json::to_value(params).unwrap())
                .finish();
            let theirs = serde_json::to_string(&theirs).unwrap();
            // Byte for byte: same fields, same order, same escapes.
            let end = find(&frame, HEADER_END).unwrap();
            assert_eq!(std::str::from_utf8(&frame[end + 4..]).unwrap(), theirs);
        }
    }

    /// The frame made from the diagnostics' JSON after their ranges is the
    /// one serialized whole, with and without a version, empty or not.
    #[test]
    fn the_frame_from_known_json_after_the_ranges_is_the_same_frame() {
        let uri: Uri = "file:///desk/draft%20one.md".parse().unwrap();
        let mut all = diagnostics();
        all.push(Diagnostic {
            code_description: Some(tower_lsp_server::ls_types::CodeDescription {
                href: "https://example.org/rules/x?a=1&b=%22q%22".parse().unwrap(),
            }),
            related_information: Some(vec![
                tower_lsp_server::ls_types::DiagnosticRelatedInformation {
                    location: tower_lsp_server::ls_types::Location::new(
                        "file:///desk/source.txt".parse().unwrap(),
                        Range::new(Position::new(9, 1), Position::new(10, 0)),
                    ),
                    message: "the claim: \"quoted\"\n\ttab".into(),
                },
            ]),
            ..all[0].clone()
        });
        for diagnostics in [&all[..], &all[..1], &[]] {
            let after: Vec<Box<[u8]>> = diagnostics
                .iter()
                .map(|d| after_range(d).unwrap())
                .collect();
            let after: Vec<&[u8]> = after.iter().map(|a| &**a).collect();
            for version in [Some(7), Some(-3), None] {
                let want = diagnostics_frame(&uri, diagnostics, version);
                let got = diagnostics_frame_after_ranges(&uri, diagnostics, &after, version);
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want).unwrap()
                );
            }
        }
    }

    #[test]
    fn ranges_are_written_as_serde_json_writes_them() {
        for (a, b, c, d) in [(0, 0, 0, 0), (9, 10, 99, 100), (3, 4, 1234567, u32::MAX)] {
            let range = Range::new(Position::new(a, b), Position::new(c, d));
            let mut out = Vec::new();
            push_range(&mut out, &range);
            assert_eq!(out, serde_json::to_vec(&range).unwrap());
        }
    }

    #[tokio::test]
    async fn frames_from_both_entrances_are_written_whole_and_in_order() {
        let (outbox, mut writer, output) = queue();
        let (client, server) = tokio::io::duplex(1 << 20);
        let run = tokio::spawn(output.run(server));
        let uri: Uri = "file:///d.md".parse().unwrap();
        // tower-lsp-server's bytes arrive in pieces that split headers and
        // bodies anywhere, two frames in one write.
        let a = r#"{"jsonrpc":"2.0","id":1,"result":null}"#;
        let b =
            r#"{"jsonrpc":"2.0","method":"window/logMessage","params":{"type":3,"message":"é"}}"#;
        let mut stream = Vec::new();
        for body in [a, b] {
            push_frame(&mut stream, body.as_bytes());
        }
        writer.write_all(&stream[..7]).await.unwrap();
        writer.write_all(&stream[7..70]).await.unwrap();
        assert!(
            outbox
                .publish_diagnostics(&uri, &diagnostics(), Some(1))
                .await
        );
        writer.write_all(&stream[70..]).await.unwrap();
        writer.flush().await.unwrap();
        drop((outbox, writer));
        run.await.unwrap().unwrap();

        let mut written = Vec::new();
        let (mut client, _) = tokio::io::split(client);
        client.read_to_end(&mut written).await.unwrap();
        let mut messages = Vec::new();
        let mut rest = &written[..];
        while !rest.is_empty() {
            let end = find(rest, HEADER_END).unwrap();
            let len = content_length(&rest[..end]).unwrap();
            messages.push(body(&rest[..end + 4 + len]));
            rest = &rest[end + 4 + len..];
        }
        let methods: Vec<_> = messages
            .iter()
            .map(|m| {
                m.get("method")
                    .and_then(|m| m.as_str())
                    .unwrap_or("response")
            })
            .collect();
        // The first frame was complete before the publish; the second was not.
        assert_eq!(
            methods,
            [
                "response",
                "textDocument/publishDiagnostics",
                "window/logMessage"
            ]
        );
        assert_eq!(
            messages[1]["params"]["diagnostics"][1]["message"],
            "Erdoğan 🇹🇷"
        );
        assert_eq!(messages[2]["params"]["message"], "é");
    }

    #[tokio::test]
    async fn stopping_writes_what_is_queued_then_ends() {
        let (outbox, _writer, mut output) = queue();
        let stop = output.stopper();
        let (client, server) = tokio::io::duplex(1 << 20);
        let uri: Uri = "file:///d.md".parse().unwrap();
        assert!(outbox.publish_diagnostics(&uri, &[], Some(2)).await);
        stop.stop();
        // Ends although the outbox and the writer are still alive.
        output.run(server).await.unwrap();
        let (mut client, _) = tokio::io::split(client);
        let mut written = Vec::new();
        client.read_to_end(&mut written).await.unwrap();
        assert_eq!(body(&written)["params"]["version"], 2);
    }

    #[tokio::test]
    async fn a_gone_client_fails_the_writers_instead_of_blocking_them() {
        let (outbox, mut writer, output) = queue();
        let (client, server) = tokio::io::duplex(64);
        drop(client);
        let run = output.run(server);
        let uri: Uri = "file:///d.md".parse().unwrap();
        assert!(outbox.publish_diagnostics(&uri, &diagnostics(), None).await);
        assert!(run.await.is_err(), "the write to a closed pipe fails");
        assert!(!outbox.publish_diagnostics(&uri, &[], None).await);
        let frame = diagnostics_frame(&uri, &[], None);
        assert!(writer.write_all(&frame).await.is_err());
    }
}
