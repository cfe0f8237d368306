//! Which bytes of a document are prose.
//!
//! Analysis runs on a *masked* copy of the document: the same length, every
//! byte that is not prose (code, front matter, HTML, link destinations, URLs,
//! Markdown syntax) replaced by a space, line breaks kept. Byte offsets in
//! the masked text are therefore offsets in the document, and no later stage
//! needs to know about Markdown.

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

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

#[derive(Debug, Clone)]
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

fn extract_plain(text: &str) -> Prose {
    let mut masked = text.as_bytes().to_vec();
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
    Prose {
        masked: into_string(masked, text),
        blocks,
    }
}

fn extract_markdown(text: &str) -> Prose {
    // Start from all-blank and copy prose back in.
    let mut masked: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut blocks = Vec::new();
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
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
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
                    _ => {}
                }
                if is_block(&tag) {
                    close(&mut current, &mut blocks);
                }
            }
            Event::End(end) => {
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
                masked[range.clone()].copy_from_slice(&text.as_bytes()[range.clone()]);
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
    mask_urls(text, &mut masked);
    Prose {
        masked: into_string(masked, text),
        blocks,
    }
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
fn mask_urls(text: &str, masked: &mut [u8]) {
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

fn blank_out(masked: &mut [u8], range: Range<usize>) {
    for b in &mut masked[range] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// Masking replaces whole UTF-8 sequences (ranges come from the parser or
/// from ASCII boundaries), so the bytes stay valid UTF-8; should that ever
/// break, fall back to the lossy form rather than panic on user text.
fn into_string(masked: Vec<u8>, original: &str) -> String {
    debug_assert_eq!(masked.len(), original.len());
    match String::from_utf8(masked) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            // Replace any broken sequence byte-for-byte with spaces to keep offsets.
            let mut fixed = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                match std::str::from_utf8(&bytes[i..]) {
                    Ok(s) => {
                        fixed.extend_from_slice(s.as_bytes());
                        break;
                    }
                    Err(err) => {
                        let good = err.valid_up_to();
                        fixed.extend_from_slice(&bytes[i..i + good]);
                        let bad = err.error_len().unwrap_or(bytes.len() - i - good);
                        fixed.extend(std::iter::repeat_n(b' ', bad));
                        i += good + bad;
                    }
                }
            }
            String::from_utf8(fixed).unwrap_or_else(|_| " ".repeat(original.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
