//! Which bytes of a document are prose.
//!
//! Analysis runs on a *masked* copy of the document: the same length, every
//! byte that is not prose (code, front matter, HTML, link destinations, URLs,
//! Markdown syntax) replaced by a space, line breaks kept. Byte offsets in
//! the masked text are therefore offsets in the document, and no later stage
//! needs to know about Markdown.

use std::ops::Range;
use std::sync::Arc;

use crate::text::versions::{common_prefix, common_suffix};
use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Markdown,
    PlainText,
}

impl DocKind {
    /// From an LSP language id; anything that is not Markdown is prose throughout.
    pub fn from_language_id(id: &str) -> DocKind {
        match id {
            "markdown" | "md" | "mdx" | "quarto" | "rmd" => DocKind::Markdown,
            _ => DocKind::PlainText,
        }
    }

    /// From a file name's extension.
    pub fn from_path(path: &std::path::Path) -> DocKind {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext)
                if ["md", "markdown", "mdown", "mkd"]
                    .contains(&ext.to_ascii_lowercase().as_str()) =>
            {
                DocKind::Markdown
            }
            _ => DocKind::PlainText,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    /// A paragraph inside a Markdown block quote.
    BlockQuote,
    ListItem,
    TableCell,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// From the first prose byte to the last, in document offsets.
    pub range: Range<usize>,
    pub kind: BlockKind,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prose {
    pub masked: String,
    pub blocks: Vec<Block>,
}

pub fn extract(text: &str, kind: DocKind) -> Prose {
    match kind {
        DocKind::Markdown => extract_markdown(text),
        DocKind::PlainText => extract_plain(text),
    }
}

/// The last version of a document with what its parse found, so that the
/// next version's Markdown is parsed again only around the edit: from a
/// cut before the edit to a cut after it. A cut is the start of a line
/// where the parse has nothing open (the block before it, one that a blank
/// line closes whatever follows, ended before a blank line), so what
/// follows parses alone as it does in the document, the document's start
/// aside (front matter) and definitions aside (a link reference or
/// footnote definition reaches the whole document: with one in either
/// version, the whole document is parsed). The window's parse is kept only
/// if it, too, leaves nothing open at its end; else the window grows to the
/// next cut, a few times, then the whole document is parsed. Either way the
/// result is exactly [`extract`] of the new version.
#[derive(Debug, Default)]
pub struct ProseCache {
    /// The last version's text, kind and prose; None before the first.
    /// Both shared with whoever gave the text and took the prose: a long
    /// draft is not copied to be kept.
    last: Option<(Arc<String>, DocKind, Arc<Prose>)>,
    /// The last version's cuts, ascending, 0 and its length included (the
    /// length only as where a window may end).
    cuts: Vec<usize>,
    /// Whether the last version has a link reference or footnote definition.
    defines: bool,
    /// The last version's front matter (see [`front_matter`]).
    front: usize,
    /// How the last version was parsed.
    parsed: Parsed,
    /// The prose of the version before the last one.
    previous: Option<Arc<Prose>>,
    /// How many bytes the last version shares with the one before at the
    /// front and, after those, at the back (see [`ProseCache::edit`]).
    edit: Option<(usize, usize)>,
}

/// How [`ProseCache::extract`] parsed a version.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Parsed {
    #[default]
    Whole,
    /// Only this range of it (offsets in the version).
    Window(Range<usize>),
}

/// How many times a window that leaves a block open grows to the next cut
/// before the whole document is parsed instead: each try parses the window
/// again, and what stays open past a few paragraphs (a fence opened, an
/// HTML comment) usually runs to the end of the document.
const WIDEN: usize = 4;

impl ProseCache {
    /// The prose of `text`, equal to [`extract`]`(text, kind)`.
    pub fn extract(&mut self, text: &str, kind: DocKind) -> Arc<Prose> {
        self.extract_shared(&Arc::new(text.to_owned()), kind)
    }

    /// [`Self::extract`] of a text kept shared rather than copied.
    pub fn extract_shared(&mut self, shared: &Arc<String>, kind: DocKind) -> Arc<Prose> {
        let text = shared.as_str();
        self.edit = self.last.as_ref().map(|(was, _, _)| {
            let (old, new) = (was.as_bytes(), text.as_bytes());
            let prefix = common_prefix(old, new);
            (prefix, common_suffix(&old[prefix..], &new[prefix..]))
        });
        let windowed = match (&self.last, self.edit) {
            (Some((was, was_kind, prose)), Some(edit))
                if kind == DocKind::Markdown && *was_kind == kind && !self.defines =>
            {
                self.window(was, prose, text, edit)
            }
            _ => None,
        };
        let prose = match windowed {
            Some(Spliced {
                prose,
                cuts,
                window,
                front,
            }) => {
                self.cuts = cuts;
                self.front = front;
                self.parsed = Parsed::Window(window);
                prose
            }
            None => {
                self.parsed = Parsed::Whole;
                match kind {
                    DocKind::Markdown => {
                        self.front = front_matter(text);
                        let parsed = parse_markdown(text, self.front);
                        self.cuts.clear();
                        self.cuts.push(0);
                        self.cuts.extend_from_slice(&parsed.cuts);
                        if !text.is_empty() {
                            self.cuts.push(text.len());
                        }
                        self.defines = parsed.defines;
                        Prose {
                            masked: parsed.masked,
                            blocks: parsed.blocks,
                        }
                    }
                    DocKind::PlainText => extract_plain(text),
                }
            }
        };
        let prose = Arc::new(prose);
        self.previous = self.last.take().map(|(_, _, prose)| prose);
        self.last = Some((shared.clone(), kind, prose.clone()));
        prose
    }

    /// The masked text of the version before the one [`Self::extract`]
    /// returned last (empty before that): what an edit changed in it.
    pub fn previous_masked(&self) -> &str {
        self.previous.as_ref().map_or("", |p| p.masked.as_str())
    }

    /// Where the text [`Self::extract`] was given last differs from the
    /// text before it: the bytes they share at the front, and after those
    /// at the back. None for the first text.
    pub fn edit(&self) -> Option<(usize, usize)> {
        self.edit
    }

    /// How the last version was parsed.
    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// The prose of `text` from a window around its edit and the last
    /// version's prose `was_prose` of `was`; None where that cannot be
    /// done (see [`ProseCache`]).
    fn window(
        &self,
        was: &str,
        was_prose: &Prose,
        text: &str,
        (prefix, suffix): (usize, usize),
    ) -> Option<Spliced> {
        let (old, new) = (was.as_bytes(), text.as_bytes());
        let (old_tail, new_tail) = (old.len() - suffix, new.len() - suffix);
        let cuts = &self.cuts;
        // The last cut at or before the edit: the text before it is
        // unchanged. The end of the text is no cut to start from: no blank
        // line need end it.
        let starts = &cuts[..cuts.len().saturating_sub(1).max(1)];
        let first = starts.partition_point(|&c| c <= prefix).checked_sub(1)?;
        let start = cuts[first];
        // A window from the start holds the front matter; cuts after it
        // hold while it is the same.
        let front = front_matter(text);
        if start > 0 && front != self.front {
            return None;
        }
        // The first cut at or after it in the last version: the text after
        // it is unchanged too, and was not parsed as the document's start.
        let after = cuts.partition_point(|&c| c < old_tail.max(self.front));
        for last in after..cuts.len().min(after + WIDEN) {
            let was_end = cuts[last];
            let end = was_end - old_tail + new_tail;
            let window = text.get(start..end)?;
            // Nothing left between the two cuts: what follows parses as it
            // did, unless it now starts the document (front matter).
            if window.is_empty() && start > 0 {
                return Some(splice(was_prose, cuts, first, last, text, None, front));
            }
            // Only a window from the start holds the front matter, whole.
            let window_front = if start == 0 { front } else { 0 };
            if window_front > window.len() {
                return None;
            }
            let parsed = parse_markdown(window, window_front);
            if parsed.defines {
                return None;
            }
            if end == text.len() || ends_closed(window, parsed.last) {
                let parsed = Some(parsed);
                return Some(splice(was_prose, cuts, first, last, text, parsed, front));
            }
        }
        None
    }
}

/// A version's prose made from the last one's and a window's parse.
struct Spliced {
    prose: Prose,
    cuts: Vec<usize>,
    window: Range<usize>,
    front: usize,
}

/// The last version's prose and cuts before its cut `first` and from its
/// cut `last` on, with the parse of the window of `text` between them.
fn splice(
    was: &Prose,
    cuts: &[usize],
    first: usize,
    last: usize,
    text: &str,
    window: Option<MarkdownParse>,
    front: usize,
) -> Spliced {
    let (start, was_end) = (cuts[first], cuts[last]);
    let end = text.len() - (was.masked.len() - was_end);
    let moved = |at: usize| at + end - was_end;
    let mut masked = String::with_capacity(text.len());
    masked.push_str(&was.masked[..start]);
    let before = was.blocks.partition_point(|b| b.range.end <= start);
    let after = was.blocks.partition_point(|b| b.range.start < was_end);
    let mut blocks = Vec::with_capacity(was.blocks.len() + 4);
    blocks.extend_from_slice(&was.blocks[..before]);
    let mut new_cuts = Vec::with_capacity(cuts.len() + 4);
    new_cuts.extend_from_slice(&cuts[..=first]);
    if let Some(window) = window {
        masked.push_str(&window.masked);
        blocks.extend(window.blocks.into_iter().map(|b| Block {
            range: b.range.start + start..b.range.end + start,
            kind: b.kind,
        }));
        new_cuts.extend(window.cuts.iter().map(|c| c + start));
    }
    masked.push_str(&was.masked[was_end..]);
    blocks.extend(was.blocks[after..].iter().map(|b| Block {
        range: moved(b.range.start)..moved(b.range.end),
        kind: b.kind,
    }));
    new_cuts.extend(
        cuts[last..]
            .iter()
            .map(|&c| moved(c))
            .filter(|&c| c > start),
    );
    Spliced {
        prose: Prose { masked, blocks },
        cuts: new_cuts,
        window: start..end,
        front,
    }
}

fn extract_plain(text: &str) -> Prose {
    let mut masked = text.to_owned();
    let mut blocks = Vec::new();
    let mut block_start: Option<usize> = None;
    let mut block_end = 0;
    let mut line_start = 0;
    for line in text.split_inclusive(['\n']) {
        let content = line.trim_end_matches(['\r', '\n']);
        let trimmed = content.trim();
        let is_directive =
            trimmed.starts_with("copydesk-disable") || trimmed.starts_with("copydesk-enable");
        if trimmed.is_empty() || is_directive {
            if is_directive {
                blank_out(&mut masked, line_start..line_start + content.len());
            }
            if let Some(start) = block_start.take() {
                blocks.push(Block {
                    range: start..block_end,
                    kind: BlockKind::Paragraph,
                });
            }
        } else {
            let lead = content.len() - content.trim_start().len();
            if block_start.is_none() {
                block_start = Some(line_start + lead);
            }
            block_end = line_start + content.trim_end().len();
        }
        line_start += line.len();
    }
    if let Some(start) = block_start {
        blocks.push(Block {
            range: start..block_end,
            kind: BlockKind::Paragraph,
        });
    }
    mask_urls(text, &mut masked);
    Prose { masked, blocks }
}

fn extract_markdown(text: &str) -> Prose {
    let parsed = parse_markdown(text, front_matter(text));
    Prose {
        masked: parsed.masked,
        blocks: parsed.blocks,
    }
}

/// What one parse of a Markdown text found, in offsets from its start.
struct MarkdownParse {
    masked: String,
    blocks: Vec<Block>,
    /// See [`Versions`]: where the parse could have been cut in two.
    cuts: Vec<usize>,
    /// The last top-level block: whether a blank line closes it whatever
    /// follows (see [`closes_at_blank_line`]), and where it ends.
    last: Option<(bool, usize)>,
    /// Link reference or footnote definitions: these reach every link and
    /// footnote reference in the document, wherever they are.
    defines: bool,
}

/// How many bytes of the document's start are front matter: a metadata
/// block opening the document. pulldown-cmark ends one at its first closing
/// line and would take one anywhere a block starts (a `---` line, text, a
/// `---` line further on), hiding prose between two thematic breaks: only
/// the document's start is parsed with metadata blocks on.
fn front_matter(text: &str) -> usize {
    let bytes = text.as_bytes();
    let Some(&delimiter @ (b'-' | b'+')) = bytes.first() else {
        return 0;
    };
    let mut at = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    while at < bytes.len() {
        let next = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
        let line = bytes[at..next]
            .strip_suffix(b"\n")
            .unwrap_or(&bytes[at..next]);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let marks = line.trim_ascii_end();
        let closes = line[marks.len()..].iter().all(|&b| b == b' ')
            && (marks == [delimiter; 3] || (delimiter == b'-' && marks == b"..."));
        if closes {
            let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
                | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
            return match Parser::new_ext(&text[..next], options)
                .into_offset_iter()
                .next()
            {
                Some((Event::Start(Tag::MetadataBlock(_)), range)) if range.start == 0 => range.end,
                _ => 0,
            };
        }
        at = next;
    }
    0
}

/// `front`: how many bytes at the start are front matter (see [`front_matter`]).
fn parse_markdown(text: &str, front: usize) -> MarkdownParse {
    let mut masked = Masker::new(text);
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut blocks = Vec::new();
    let mut cuts = Vec::new();
    // Front matter is closed by its closing line.
    let mut last: Option<(bool, usize)> = (front > 0).then_some((true, front));
    let mut defines = false;
    // Tags open, inline ones included: 0 between top-level blocks.
    let mut depth = 0usize;
    let mut top_closes = false;
    let mut current: Option<Block> = None;
    let mut quote_depth = 0usize;
    let mut list_depth = 0usize;
    let mut heading = false;
    let mut table_cell = false;
    // Text inside these is never prose.
    let mut opaque = 0usize;
    let mut links: Vec<bool> = Vec::new();
    let close = |current: &mut Option<Block>, blocks: &mut Vec<Block>| {
        if let Some(b) = current.take() {
            blocks.push(b);
        }
    };
    let mut events = Parser::new_ext(&text[front..], options).into_offset_iter();
    for (event, range) in events.by_ref() {
        let range = range.start + front..range.end + front;
        if depth == 0 {
            let starts = matches!(event, Event::Start(_) | Event::Rule);
            if starts {
                if let Some(cut) = last
                    .filter(|&(closes, _)| closes)
                    .and_then(|(_, end)| cut_before(text, range.start, end))
                {
                    cuts.push(cut);
                }
            }
            match &event {
                Event::Start(tag) => top_closes = closes_at_blank_line(tag),
                Event::End(_) => {}
                // A thematic break is one line; anything else found
                // between blocks is taken to be open.
                _ => last = Some((matches!(event, Event::Rule), range.end)),
            }
        }
        match event {
            Event::Start(tag) => {
                depth += 1;
                match &tag {
                    Tag::CodeBlock(_) | Tag::MetadataBlock(_) | Tag::HtmlBlock => opaque += 1,
                    Tag::Image { .. } => opaque += 1,
                    Tag::Link { link_type, .. } => {
                        // An autolink's text is its URL.
                        let autolink = matches!(link_type, LinkType::Autolink | LinkType::Email);
                        opaque += usize::from(autolink);
                        links.push(autolink);
                    }
                    Tag::BlockQuote(_) => quote_depth += 1,
                    Tag::List(_) => list_depth += 1,
                    Tag::Heading { .. } => heading = true,
                    Tag::TableCell => table_cell = true,
                    Tag::FootnoteDefinition(_) => defines = true,
                    _ => {}
                }
                if is_block(&tag) {
                    close(&mut current, &mut blocks);
                }
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    last = Some((top_closes, range.end));
                }
                match end {
                    TagEnd::CodeBlock
                    | TagEnd::MetadataBlock(_)
                    | TagEnd::HtmlBlock
                    | TagEnd::Image => opaque = opaque.saturating_sub(1),
                    // An autolink raised `opaque` when it opened.
                    TagEnd::Link if links.pop() == Some(true) => {
                        opaque = opaque.saturating_sub(1);
                    }
                    TagEnd::BlockQuote(_) => quote_depth = quote_depth.saturating_sub(1),
                    TagEnd::List(_) => list_depth = list_depth.saturating_sub(1),
                    TagEnd::Heading(_) => heading = false,
                    TagEnd::TableCell => table_cell = false,
                    _ => {}
                }
                if is_block_end(&end) {
                    close(&mut current, &mut blocks);
                }
            }
            Event::Text(_) if opaque == 0 => {
                masked.prose(range.clone());
                let kind = if heading {
                    BlockKind::Heading
                } else if table_cell {
                    BlockKind::TableCell
                } else if quote_depth > 0 {
                    BlockKind::BlockQuote
                } else if list_depth > 0 {
                    BlockKind::ListItem
                } else {
                    BlockKind::Paragraph
                };
                match &mut current {
                    Some(b) => b.range.end = range.end,
                    None => current = Some(Block { range, kind }),
                }
            }
            _ => {}
        }
    }
    close(&mut current, &mut blocks);
    defines |= events.reference_definitions().iter().next().is_some();
    let mut masked = masked.finish();
    mask_urls(text, &mut masked);
    MarkdownParse {
        masked,
        blocks,
        cuts,
        last,
        defines,
    }
}

/// Whether a top-level block is closed by a blank line, whatever the
/// lines after it hold. Not so a list or a footnote definition (a line
/// indented under an item continues it after blank lines), indented code
/// (an indented line continues it) or, to be safe, a block quote. A fenced
/// code block or an HTML block that a blank line does not close runs on
/// past it, and is seen by where it ends.
fn closes_at_blank_line(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::CodeBlock(CodeBlockKind::Fenced(_))
            | Tag::HtmlBlock
            | Tag::Table(_)
            | Tag::MetadataBlock(_)
    )
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Where a top-level block starting at `start` can be cut from what is
/// before it: the start of its line, when only indentation precedes it
/// there, a blank line precedes that line and the block before, which a
/// blank line closes, ended before the blank line.
fn cut_before(text: &str, start: usize, before_ends: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let line = memchr::memrchr(b'\n', &bytes[..start]).map_or(0, |i| i + 1);
    if line == 0 || !bytes[line..start].iter().all(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    let blank = memchr::memrchr(b'\n', &bytes[..line - 1]).map_or(0, |i| i + 1);
    (is_blank(&bytes[blank..line - 1]) && before_ends <= blank).then_some(line)
}

/// Whether a parse of `text` left nothing open at its end that what
/// follows could continue: it ends with a blank line, before which its
/// last top-level block, one that a blank line closes, ended.
fn ends_closed(text: &str, last: Option<(bool, usize)>) -> bool {
    let Some(body) = text.as_bytes().strip_suffix(b"\n") else {
        return false;
    };
    let line = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
    is_blank(&body[line..]) && last.is_none_or(|(closes, end)| closes && end <= line)
}

fn is_block(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::Table(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::MetadataBlock(_)
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::MetadataBlock(_)
    )
}

/// Bare URLs in running text are not prose: a name inside a URL is not a mention.
fn mask_urls(text: &str, masked: &mut String) {
    let bytes = text.as_bytes();
    let mut skip_to = 0;
    // Every URL starts with "http" or "www.": jump between those with a
    // substring search instead of trying every character.
    let mut http = memchr::memmem::find_iter(bytes, b"http").peekable();
    let mut www = memchr::memmem::find_iter(bytes, b"www.").peekable();
    loop {
        let i = match (http.peek(), www.peek()) {
            (Some(&h), Some(&w)) if w < h => www.next(),
            (Some(_), _) => http.next(),
            (None, Some(_)) => www.next(),
            (None, None) => None,
        };
        let Some(i) = i else { break };
        if i < skip_to {
            continue;
        }
        let rest = &text[i..];
        let is_url =
            rest.starts_with("http://") || rest.starts_with("https://") || rest.starts_with("www.");
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if is_url && at_word_start {
            let len = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”'))
                .unwrap_or(rest.len());
            // Sentence punctuation after a URL belongs to the sentence.
            let url = rest[..len].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '\'', '’']);
            blank_out(masked, i..i + url.len());
            skip_to = i + url.len();
        }
    }
}

/// Blanks `range` of `masked` (on character boundaries): every byte a
/// space but line breaks, which stay, so offsets do not move.
fn blank_out(masked: &mut String, range: Range<usize>) {
    let mut blank = String::with_capacity(range.len());
    push_blank(&mut blank, &masked.as_bytes()[range.clone()]);
    masked.replace_range(range, &blank);
}

/// Pushes one space for every byte of `bytes` but line breaks, pushed as
/// they are.
fn push_blank(out: &mut String, bytes: &[u8]) {
    // Most stretches between prose are a few bytes: a line break, the
    // marks of emphasis or a heading, not worth a vector search.
    if bytes.len() <= 16 {
        out.extend(bytes.iter().map(|&b| match b {
            b'\n' | b'\r' => char::from(b),
            _ => ' ',
        }));
        return;
    }
    let mut at = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        push_spaces(out, i - at);
        out.push(char::from(bytes[i]));
        at = i + 1;
    }
    push_spaces(out, bytes.len() - at);
}

fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// The masked text of a Markdown text, written from the start: the prose
/// the parse finds copied, every byte between blanked (see [`push_blank`]).
/// Written as a string, of whole characters and spaces, it needs no check
/// that it is UTF-8, which a copy masked byte by byte would.
struct Masker<'a> {
    text: &'a str,
    masked: String,
}

impl<'a> Masker<'a> {
    fn new(text: &'a str) -> Masker<'a> {
        Masker {
            text,
            masked: String::with_capacity(text.len()),
        }
    }

    /// Copies the prose at `range` (on character boundaries), blanking what
    /// lies between the last prose copied and it.
    fn prose(&mut self, range: Range<usize>) {
        let written = self.masked.len();
        if range.start < written {
            // Behind what is written (the parser gives prose in order, but
            // what is masked must not depend on it): copied over in place.
            let end = range.end.min(written);
            self.masked
                .replace_range(range.start..end, &self.text[range.start..end]);
            if range.end > written {
                self.masked.push_str(&self.text[written..range.end]);
            }
            return;
        }
        push_blank(
            &mut self.masked,
            &self.text.as_bytes()[written..range.start],
        );
        self.masked.push_str(&self.text[range]);
    }

    /// The masked text, what follows the last prose blanked.
    fn finish(mut self) -> String {
        let written = self.masked.len();
        push_blank(&mut self.masked, &self.text.as_bytes()[written..]);
        self.masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::document::testing::edit_at;
    use proptest::prelude::*;

    fn prose_of(text: &str) -> Vec<String> {
        let p = extract(text, DocKind::Markdown);
        assert_eq!(p.masked.len(), text.len());
        p.blocks
            .iter()
            .map(|b| p.masked[b.range.clone()].to_string())
            .collect()
    }

    #[test]
    fn code_front_matter_and_comments_are_not_prose() {
        let text = "---\ntitle: Erdogan\n---\n\n# Sochi talks\n\nPutin met `Erdogan` at <!-- Trump --> Sochi.\n\n```\nNATO\n```\n\n    Biden\n";
        let p = extract(text, DocKind::Markdown);
        assert!(!p.masked.contains("title"));
        assert!(!p.masked.contains("NATO"));
        assert!(!p.masked.contains("Biden"));
        assert!(!p.masked.contains("Trump"));
        assert!(!p.masked.contains("`"));
        assert_eq!(
            prose_of(text),
            vec![
                "Sochi talks",
                "Putin met           at                Sochi."
            ]
        );
        assert_eq!(p.blocks[0].kind, BlockKind::Heading);
    }

    #[test]
    fn link_text_is_prose_and_destination_is_not() {
        let text = "Read [Erdemir's comments](https://example.com/Erdemir) and <https://nato.int>.";
        let p = extract(text, DocKind::Markdown);
        assert_eq!(p.masked.matches("Erdemir").count(), 1);
        assert!(!p.masked.contains("nato"));
    }

    #[test]
    fn block_quotes_keep_their_kind_and_lose_markers() {
        let text = "He said:\n\n> “We buy our own weapons,”\n> Erdogan said.\n";
        let p = extract(text, DocKind::Markdown);
        assert_eq!(p.blocks.len(), 2);
        assert_eq!(p.blocks[1].kind, BlockKind::BlockQuote);
        assert_eq!(
            &p.masked[p.blocks[1].range.clone()],
            "“We buy our own weapons,”\n  Erdogan said."
        );
    }

    #[test]
    fn plain_text_paragraphs_and_urls() {
        let text =
            "First para\nstill first.\n\n  Second, see https://www.nytimes.com/Putin.html.\n";
        let p = extract(text, DocKind::PlainText);
        let blocks: Vec<_> = p.blocks.iter().map(|b| &text[b.range.clone()]).collect();
        assert_eq!(
            blocks,
            vec![
                "First para\nstill first.",
                "Second, see https://www.nytimes.com/Putin.html."
            ]
        );
        assert!(!p.masked.contains("Putin"));
        assert!(p.masked.ends_with(".\n"));
    }

    #[test]
    fn urls_start_at_a_word_and_leave_sentence_punctuation() {
        let text =
            "Ünal: www.example.org/Putin, http://x.y/Erdogan. Not xhttp://Biden or awww.Trump";
        let p = extract(text, DocKind::PlainText);
        assert_eq!(p.masked.len(), text.len());
        assert!(!p.masked.contains("Putin") && !p.masked.contains("Erdogan"));
        assert!(p.masked.contains("Biden") && p.masked.contains("Trump"));
        assert!(p.masked.starts_with("Ünal: "));
        assert!(p.masked.contains(", ") && p.masked.contains(". Not"));
    }

    #[test]
    fn multibyte_text_keeps_offsets() {
        let text = "😀 Erdoğan’s visit to `Ankara` — “yes.”";
        let p = extract(text, DocKind::Markdown);
        assert_eq!(p.masked.len(), text.len());
        assert!(p.masked.starts_with("😀 Erdoğan’s visit to "));
        assert!(p.masked.ends_with("— “yes.”"));
    }

    /// A Markdown draft with a block of every kind, front matter first.
    const DRAFT: &str = "---\ntitle: Sochi\n---\n\n# Sochi talks\n\nPutin met Erdogan in Sochi.\nHe left.\n\nSecond paragraph with `code`, *emphasis* and [a link](http://x.y/Putin).\n\n- one\n- two\n\n  indented continuation\n\nAfter the list.\n\n> quoted\nlazy line\n\nAfter the quote.\n\n| a | b |\n|---|---|\n| c | d |\n\n<div>\nhtml\n</div>\n\n```\nfenced\n```\n\nBetween code.\n\n    indented code\n\nLast paragraph, see www.example.org/Erdogan.\n";

    /// Extracts `text` with `cache`, checks that equals the whole parse and
    /// that every cut kept splits the text into two parses that agree with
    /// it, and tells how it was parsed.
    fn check(cache: &mut ProseCache, text: &str) -> Parsed {
        let got = cache.extract(text, DocKind::Markdown);
        let want = extract(text, DocKind::Markdown);
        assert_eq!(got.masked, want.masked, "masked text of {text:?}");
        assert_eq!(got.blocks, want.blocks, "blocks of {text:?}");
        let cuts = &cache.cuts;
        assert_eq!((cuts.first(), cuts.last()), (Some(&0), Some(&text.len())));
        assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{cuts:?}");
        if !cache.defines {
            for &cut in &cuts[1..cuts.len() - 1] {
                let head = parse_markdown(&text[..cut], front_matter(text));
                let tail = parse_markdown(&text[cut..], 0);
                let mut masked = head.masked;
                masked.push_str(&tail.masked);
                let mut blocks = head.blocks;
                blocks.extend(tail.blocks.into_iter().map(|b| Block {
                    range: b.range.start + cut..b.range.end + cut,
                    kind: b.kind,
                }));
                assert_eq!(masked, want.masked, "cut at {cut} of {text:?}");
                assert_eq!(blocks, want.blocks, "cut at {cut} of {text:?}");
            }
        }
        cache.parsed().clone()
    }

    /// The cache after parsing `DRAFT`.
    fn cache() -> ProseCache {
        let mut cache = ProseCache::default();
        assert_eq!(check(&mut cache, DRAFT), Parsed::Whole);
        cache
    }

    fn edited(at: &str, insert: &str) -> String {
        let mut text = DRAFT.to_string();
        text.insert_str(DRAFT.find(at).unwrap(), insert);
        text
    }

    /// The window that parsing `DRAFT` edited at `at` used, as text.
    fn window_of(at: &str, insert: &str) -> Option<String> {
        let mut cache = cache();
        let text = edited(at, insert);
        match check(&mut cache, &text) {
            Parsed::Window(w) => Some(text[w].to_string()),
            Parsed::Whole => None,
        }
    }

    #[test]
    fn a_letter_typed_in_a_paragraph_parses_that_paragraph() {
        assert_eq!(
            window_of("Erdogan in", "x").as_deref(),
            Some("Putin met xErdogan in Sochi.\nHe left.\n\n")
        );
        assert_eq!(
            window_of("Last", "x").as_deref(),
            Some("    indented code\n\nxLast paragraph, see www.example.org/Erdogan.\n")
        );
        // The blocks a blank line does not close are parsed with what follows.
        assert_eq!(
            window_of("two", "x").as_deref(),
            Some("- one\n- xtwo\n\n  indented continuation\n\nAfter the list.\n\n")
        );
        assert_eq!(
            window_of("quoted", "x").as_deref(),
            Some("> xquoted\nlazy line\n\nAfter the quote.\n\n")
        );
        assert_eq!(
            window_of("indented code", "x").as_deref(),
            Some("    xindented code\n\nLast paragraph, see www.example.org/Erdogan.\n")
        );
        assert_eq!(
            window_of("Between", "x").as_deref(),
            Some("xBetween code.\n\n")
        );
    }

    #[test]
    fn front_matter_is_parsed_from_the_start_of_the_document() {
        assert_eq!(
            window_of("title", "x").as_deref(),
            Some("---\nxtitle: Sochi\n---\n\n")
        );
        // Front matter grown in a window, then a line put before it.
        let mut cache = cache();
        let grown = edited("---\n\n#", "more: yes\n");
        assert_eq!(check(&mut cache, &grown), Parsed::Window(0..32));
        assert!(matches!(
            check(&mut cache, &format!("\n{grown}")),
            Parsed::Window(_)
        ));
        // Elsewhere a `---` line is a thematic break or an underline: a
        // line before the front matter makes it Markdown.
        let mut cache = self::cache();
        let text = format!("\n{DRAFT}");
        assert_eq!(check(&mut cache, &text), Parsed::Window(0..23));
        let masked = cache.extract(&text, DocKind::Markdown).masked.clone();
        assert!(masked.starts_with("\n   \ntitle: Sochi\n"), "{masked:?}");
        // And back: the front matter the line was taken from is kept.
        assert_eq!(check(&mut cache, DRAFT), Parsed::Window(0..22));
        assert!(matches!(check(&mut cache, &text), Parsed::Window(_)));
        // A thematic break ending the document has no blank line before
        // it: the last paragraph becomes a heading (the one before it is
        // indented code, which a blank line does not close).
        let mut cache = self::cache();
        let text = format!("{DRAFT}---\n");
        let start = DRAFT.find("    indented").unwrap();
        assert_eq!(check(&mut cache, &text), Parsed::Window(start..text.len()));
        let heading = cache
            .extract(&text, DocKind::Markdown)
            .blocks
            .last()
            .cloned();
        assert_eq!(heading.map(|b| b.kind), Some(BlockKind::Heading));
        let window = window_of("Between code", "---\n\n").unwrap();
        assert_eq!(window, "---\n\n");
        let window = window_of("\n\nBetween code", "\n---").unwrap();
        assert!(window.starts_with("```\nfenced\n```\n---"), "{window:?}");
    }

    /// pulldown-cmark takes a metadata block wherever a block starts, if a
    /// closing line follows anywhere: prose between two thematic breaks
    /// would be hidden, and an edit anywhere could hide or show it.
    #[test]
    fn only_the_document_start_holds_front_matter() {
        let text = "Intro.\n\n---\nErdogan spoke.\n\n---\n";
        assert_eq!(prose_of(text), vec!["Intro.", "Erdogan spoke."]);
        let text = format!("---\ndesk: world\n---\n{text}");
        assert_eq!(prose_of(&text), vec!["Intro.", "Erdogan spoke."]);
    }

    #[test]
    fn a_setext_underline_or_a_table_row_joins_the_paragraph_above() {
        let mut cache = cache();
        let text = edited("\n\nSecond paragraph", "\n===");
        assert!(matches!(check(&mut cache, &text), Parsed::Window(_)));
        let p = cache.extract(&text, DocKind::Markdown);
        let heading = p
            .blocks
            .iter()
            .find(|b| text[b.range.clone()].starts_with("Putin"));
        assert_eq!(heading.map(|b| b.kind), Some(BlockKind::Heading));
        let mut cache = self::cache();
        let text = edited("\n\nSecond paragraph", "\n|---|");
        assert!(matches!(check(&mut cache, &text), Parsed::Window(_)));
        let p = cache.extract(&text, DocKind::Markdown);
        assert!(p.blocks.iter().any(|b| b.kind == BlockKind::TableCell));
    }

    #[test]
    fn an_indented_line_after_a_list_continues_it() {
        let mut cache = cache();
        let text = edited("After the list", "  ");
        match check(&mut cache, &text) {
            Parsed::Window(w) => assert!(text[w].starts_with("- one"), "the list is parsed again"),
            Parsed::Whole => panic!("a window holds the list"),
        }
        let after = cache.extract(&text, DocKind::Markdown);
        let b = after
            .blocks
            .iter()
            .find(|b| text[b.range.clone()].starts_with("After"));
        assert_eq!(b.map(|b| b.kind), Some(BlockKind::ListItem));
    }

    #[test]
    fn what_opens_and_runs_to_the_end_parses_the_whole_document() {
        for open in ["```\n", "~~~\n", "<!--\n"] {
            let mut cache = cache();
            let text = edited("Second paragraph", open);
            assert_eq!(check(&mut cache, &text), Parsed::Whole, "{open:?}");
            assert!(!cache
                .extract(&text, DocKind::Markdown)
                .masked
                .contains("After the quote"));
            // Closing it again parses a window.
            let closed = edited(
                "Second paragraph",
                &format!("{open}{}\n", &open[..3].replace("<!-", "-->")),
            );
            assert!(
                matches!(check(&mut cache, &closed), Parsed::Window(_)),
                "{closed:?}"
            );
        }
        // An HTML block that a blank line closes stays in its window.
        assert!(window_of("Second paragraph", "<div>\n").is_some());
    }

    #[test]
    fn a_definition_anywhere_parses_the_whole_document() {
        let mut cache = cache();
        let text = edited("Second paragraph", "[a link]\n\n");
        assert!(matches!(check(&mut cache, &text), Parsed::Window(_)));
        // A definition turns `[a link]` into a link, paragraphs away.
        let defined = edited("Last", "[a link]: /u\n\n");
        assert_eq!(check(&mut cache, &defined), Parsed::Whole);
        let typed = defined.replacen("Last", "Lastx", 1);
        assert_eq!(
            check(&mut cache, &typed),
            Parsed::Whole,
            "while it is there"
        );
        let footnote = edited("Last", "[^1]: a note\n\n");
        assert_eq!(check(&mut cache, &footnote), Parsed::Whole);
        assert!(matches!(check(&mut cache, DRAFT), Parsed::Whole));
        assert!(matches!(
            check(&mut cache, &edited("Last", "x")),
            Parsed::Window(_)
        ));
    }

    #[test]
    fn crlf_line_ends_cut_like_lf() {
        let crlf = DRAFT.replace('\n', "\r\n");
        let mut cache = ProseCache::default();
        check(&mut cache, &crlf);
        let text = crlf.replacen("Erdogan in", "xErdogan in", 1);
        assert_eq!(
            check(&mut cache, &text),
            Parsed::Window(crlf.find("Putin met").unwrap()..crlf.find("Second").unwrap() + 1)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random edits that insert and delete Markdown syntax anywhere:
        /// every version's prose, parsed around its edit, equals the whole
        /// parse of that version, and every cut kept is one.
        #[test]
        fn windowed_parse_equals_whole_parse(
            edits in proptest::collection::vec(
                (0.0f64..1.0, 0usize..4, prop::sample::select(vec![
                    "x", " ", "\n", "\n\n", "\r\n", "```", "```\n", "~~~\n", "[x]: /u\n",
                    "[x]", "[^1]", "[^1]: n\n", ">", "> ", "- ", "1. ", "2) ", "    ", "  ",
                    "\t", "<div>", "<div>\n", "</div>", "<!--", "-->", "---", "---\n",
                    "\n---\n", "===", "\n===\n", "+++\n", "|", "| a | b |\n|---|---|\n",
                    "*", "_", "`", "#", "# ", "http://x.y/z ", "<http://a.b>", "Putin",
                ])),
                1..16,
            ),
        ) {
            let mut text = DRAFT.to_string();
            let mut cache = ProseCache::default();
            check(&mut cache, &text);
            for (where_, delete, insert) in edits {
                edit_at(&mut text, where_, delete, insert);
                check(&mut cache, &text);
            }
        }
    }

    /// The masking as it was before [`Masker`]: every byte blank but line
    /// breaks, then each prose range copied back in, in any order.
    fn masked_bytewise(text: &str, prose: &[Range<usize>]) -> String {
        let mut masked: Vec<u8> = text
            .bytes()
            .map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' })
            .collect();
        for r in prose {
            masked[r.clone()].copy_from_slice(&text.as_bytes()[r.clone()]);
        }
        String::from_utf8(masked).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The masked text written as a string equals the byte-by-byte
        /// masking, for prose ranges in order, overlapping or out of order,
        /// with stretches between them short and long.
        #[test]
        fn the_masker_masks_as_byte_by_byte(
            parts in proptest::collection::vec(
                prop::sample::select(vec![
                    "a", "Putin", " ", "\n", "\r\n", "\r", "’", "😀", "#", "**",
                    "a long stretch of words between the prose",
                ]),
                0..40,
            ),
            picks in proptest::collection::vec((0.0f64..1.0, 0.0f64..1.0), 0..8),
            in_order in any::<bool>(),
        ) {
            let text = parts.concat();
            let bounds: Vec<usize> =
                (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let at = |f: f64| bounds[((f * bounds.len() as f64) as usize).min(bounds.len() - 1)];
            let mut prose: Vec<Range<usize>> = picks
                .iter()
                .map(|&(a, b)| at(a.min(b))..at(a.max(b)))
                .collect();
            if in_order {
                prose.sort_by_key(|r| r.start);
                let mut end = 0;
                prose.retain(|r| {
                    let keep = r.start >= end;
                    end = end.max(r.end);
                    keep
                });
            }
            let mut masker = Masker::new(&text);
            for r in &prose {
                masker.prose(r.clone());
            }
            prop_assert_eq!(masker.finish(), masked_bytewise(&text, &prose));
        }
    }
}
