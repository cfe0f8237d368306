//! Quotation marks in news copy: which marks open and close quotations, which
//! are apostrophes, and how one quotation continues another.
//!
//! Double marks (“…”, "…", «…») are quotations; single marks (‘…’, '…') are
//! quotations when they pair up, usually nested inside a double quotation.
//! An apostrophe is never a mark: Erdogan’s, ’90s, rock ’n’ roll, countries’.
//!
//! Two newsroom conventions link quotations into one continued quotation:
//! - a quotation split around its attribution: “…,” he said. “…”
//! - a quotation running over paragraphs: the paragraph ends without a closing
//!   mark and the next paragraph reopens with an opening mark.

use std::ops::Range;

use crate::text::attribution;
use crate::text::sentences::split_sentences;
use crate::text::words::is_alphanumeric;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotation {
    /// Opening mark .. closing mark inclusive; to the end of its paragraph
    /// (trailing whitespace trimmed) when unclosed.
    pub range: Range<usize>,
    /// The quoted words without the marks, trimmed of surrounding whitespace.
    pub inner: Range<usize>,
    /// 0 for an outermost quotation, 1 for one nested inside it, and so on.
    pub depth: u8,
    pub closed: bool,
    /// Index (into the returned Vec) of the earlier part this one continues.
    pub continues: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Double,
    Single,
}

struct Open {
    at: usize,
    mark_len: usize,
    kind: Kind,
    depth: u8,
    /// Start of the quotation this one continues, resolved to an index later.
    continues: Option<usize>,
}

struct Found {
    quotation: Quotation,
    continues_start: Option<usize>,
}

/// Finds the quotations in `blocks` (the prose paragraphs, in document order),
/// ordered by where they start.
pub fn find_quotations(text: &str, blocks: &[Range<usize>]) -> Vec<Quotation> {
    let mut found: Vec<Found> = Vec::new();
    // The unclosed double quotation that ended the previous block, if any.
    let mut running_over: Option<usize> = None;
    for block in blocks {
        let Some(block_text) = text.get(block.clone()) else {
            continue;
        };
        let reopen_candidate = running_over.take();
        let mut stack: Vec<Open> = Vec::new();
        // The last closed outermost quotation in this block: (start, end).
        let mut last_closed: Option<(usize, usize)> = None;
        let mut first_mark_seen = false;
        let bytes = block_text.as_bytes();
        let mut marks = MarkStarts::new(bytes);
        let mut from = 0;
        // Only quotation marks and apostrophes matter: jump from one byte
        // that may start one to the next.
        while let Some(rel) = marks.next_from(from) {
            let Some(ch) = block_text[rel..].chars().next() else {
                break;
            };
            from = rel + ch.len_utf8();
            let at = block.start + rel;
            let prev = block_text[..rel].chars().next_back();
            let next = block_text[from..].chars().next();
            let role = classify(ch, prev, next, &stack, text, at);
            let Some(role) = role else { continue };
            match role {
                Role::Open(kind) => {
                    let depth = stack.len().min(u8::MAX as usize) as u8;
                    let mut continues = None;
                    if depth == 0 && kind == Kind::Double {
                        let leading = !first_mark_seen && text[block.start..at].trim().is_empty();
                        if leading {
                            continues = reopen_candidate;
                        }
                        if continues.is_none() {
                            if let Some((start, end)) = last_closed {
                                if is_split_attribution(&text[end..at]) {
                                    continues = Some(start);
                                }
                            }
                        }
                    }
                    first_mark_seen = true;
                    stack.push(Open {
                        at,
                        mark_len: ch.len_utf8(),
                        kind,
                        depth,
                        continues,
                    });
                }
                Role::Close(kind) => {
                    first_mark_seen = true;
                    // Singles above the closing double were apostrophes after all.
                    while let Some(top) = stack.last() {
                        if top.kind == kind {
                            break;
                        }
                        stack.pop();
                    }
                    if let Some(open) = stack.pop() {
                        let end = at + ch.len_utf8();
                        let inner = trim_range(text, open.at + open.mark_len..at);
                        if open.depth == 0 {
                            last_closed = Some((open.at, end));
                        }
                        found.push(Found {
                            quotation: Quotation {
                                range: open.at..end,
                                inner,
                                depth: open.depth,
                                closed: true,
                                continues: None,
                            },
                            continues_start: open.continues,
                        });
                    }
                }
            }
        }
        // Unclosed doubles run to the end of the paragraph; unclosed singles
        // were apostrophes.
        let block_end = trim_range(text, block.clone()).end;
        for open in stack.into_iter().filter(|o| o.kind == Kind::Double) {
            let inner = trim_range(text, (open.at + open.mark_len).min(block_end)..block_end);
            if open.depth == 0 {
                running_over = Some(open.at);
            }
            found.push(Found {
                quotation: Quotation {
                    range: open.at..block_end.max(open.at + open.mark_len),
                    inner,
                    depth: open.depth,
                    closed: false,
                    continues: None,
                },
                continues_start: open.continues,
            });
        }
    }
    found.sort_by_key(|f| (f.quotation.range.start, f.quotation.depth));
    let starts: Vec<usize> = found.iter().map(|f| f.quotation.range.start).collect();
    found
        .into_iter()
        .map(|f| {
            let mut q = f.quotation;
            q.continues = f
                .continues_start
                .and_then(|s| starts.iter().position(|&x| x == s));
            q
        })
        .collect()
}

/// Where the bytes that may begin a mark [`classify`] gives a role to are:
/// ' and ", the first byte of ‘ ’ “ ” „ (E2 80 xx), and that of « » (C2 xx),
/// found with memchr.
struct MarkStarts<'a> {
    bytes: &'a [u8],
    /// The first C2 byte at or after the place last asked for (rare in
    /// English: « » and the no-break space), `None` when none is left.
    c2: Option<usize>,
}

impl<'a> MarkStarts<'a> {
    fn new(bytes: &'a [u8]) -> MarkStarts<'a> {
        MarkStarts {
            bytes,
            c2: memchr::memchr(0xC2, bytes),
        }
    }

    fn next_from(&mut self, from: usize) -> Option<usize> {
        let rest = self.bytes.get(from..)?;
        if self.c2.is_some_and(|at| at < from) {
            self.c2 = memchr::memchr(0xC2, rest).map(|rel| from + rel);
        }
        let common = memchr::memchr3(b'"', b'\'', 0xE2, rest).map(|rel| from + rel);
        match (common, self.c2) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Clone, Copy)]
enum Role {
    Open(Kind),
    Close(Kind),
}

fn open_context(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | '[' | '{' | '—' | '–' | '-' | '/' | '“' | '‘' | '"' | '\'' | '«' | ':'
                )
        }
    }
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(is_alphanumeric)
}

fn top_is(stack: &[Open], kind: Kind) -> bool {
    stack.last().is_some_and(|o| o.kind == kind)
}

fn double_open(stack: &[Open]) -> bool {
    stack.iter().any(|o| o.kind == Kind::Double)
}

/// Words that begin with an elided letter: 'em, 'til, 'cause, rock 'n' roll.
const ELISIONS: &[&str] = &[
    "em", "til", "cause", "n", "tis", "twas", "bout", "round", "s",
];

fn starts_elision(text: &str, after_mark: usize) -> bool {
    let rest = &text[after_mark..];
    let word: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return true; // ’90s
    }
    let lower = word.to_lowercase();
    ELISIONS.contains(&lower.as_str())
}

/// What the mark at `at` does, given the marks still open.
fn classify(
    ch: char,
    prev: Option<char>,
    next: Option<char>,
    stack: &[Open],
    text: &str,
    at: usize,
) -> Option<Role> {
    let next_is_space = next.is_none_or(|c| c.is_whitespace());
    match ch {
        '“' | '„' | '«' => {
            // A miscurled closer: “ right after a word and before a space.
            if double_open(stack) && !open_context(prev) && next_is_space {
                return Some(Role::Close(Kind::Double));
            }
            Some(Role::Open(Kind::Double))
        }
        '”' | '»' => {
            if double_open(stack) {
                Some(Role::Close(Kind::Double))
            } else if open_context(prev) && !next_is_space {
                Some(Role::Open(Kind::Double)) // miscurled opener
            } else {
                None
            }
        }
        '"' => {
            if double_open(stack) {
                if open_context(prev) && !next_is_space && !top_is(stack, Kind::Double) {
                    Some(Role::Open(Kind::Double))
                } else {
                    Some(Role::Close(Kind::Double))
                }
            } else if next_is_space {
                None
            } else {
                Some(Role::Open(Kind::Double))
            }
        }
        '‘' => {
            if is_word_char(prev) {
                None
            } else {
                Some(Role::Open(Kind::Single))
            }
        }
        '’' | '\'' => {
            if is_word_char(prev) && is_word_char(next) {
                return None; // Erdogan’s, can’t
            }
            if open_context(prev) {
                // ’90s, ’n’ are apostrophes; a straight ' may open a quotation.
                if ch == '\'' && !next_is_space && !starts_elision(text, at + 1) {
                    return Some(Role::Open(Kind::Single));
                }
                return None;
            }
            if top_is(stack, Kind::Single) && !is_rock_n_roll(text, at) {
                Some(Role::Close(Kind::Single))
            } else {
                None // countries’ leaders
            }
        }
        _ => None,
    }
}

/// The second mark of ’n’ / 'n'.
fn is_rock_n_roll(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let mut rev = before.chars().rev();
    matches!(rev.next(), Some('n' | 'N'))
        && matches!(rev.next(), Some('’' | '\'' | '‘'))
        && rev.next().is_none_or(|c| c.is_whitespace())
}

/// The text between a closed quotation and the next one's opening mark is an
/// attribution (“…,” he said. “…” / “…,” said Erdogan, “…”).
fn is_split_attribution(gap: &str) -> bool {
    let trimmed = gap.trim();
    if trimmed.is_empty() {
        return false;
    }
    let words: Vec<&str> = trimmed
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ':')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 30 {
        return false;
    }
    // One clause only: the gap must not hold a sentence of its own.
    if trimmed.contains(['!', '?', ';']) || split_sentences(trimmed, 0..trimmed.len()).len() > 1 {
        return false;
    }
    attribution::mentions_cue(trimmed)
}

fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let start = range.start + (s.len() - s.trim_start().len());
    let end = range.end - (s.len() - s.trim_end().len());
    if start >= end {
        start..start
    } else {
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The bytes memchr jumps to are every byte that may start a mark.
        #[test]
        fn mark_starts_are_every_byte_that_may_start_a_mark(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", " ", "'", "\"", "’", "‘", "“", "”", "„", "«", "»", "\u{A0}", "©",
                    "—", "…", "İ", "😀", "\u{20AC}",
                ]),
                0..30,
            ),
            asks in proptest::collection::vec(0usize..12, 0..12),
        ) {
            let text = parts.concat();
            let bytes = text.as_bytes();
            let mut marks = MarkStarts::new(bytes);
            let mut from = 0;
            for step in asks {
                from = (from + step).min(bytes.len() + 1);
                let want = (from..bytes.len())
                    .find(|&i| matches!(bytes[i], b'"' | b'\'' | 0xE2 | 0xC2));
                proptest::prop_assert_eq!(marks.next_from(from), want, "from {}", from);
            }
        }
    }

    fn paragraphs(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for part in text.split("\n\n") {
            out.push(start..start + part.len());
            start += part.len() + 2;
        }
        out
    }

    fn quotes(text: &str) -> Vec<(String, u8, bool, Option<usize>)> {
        find_quotations(text, &paragraphs(text))
            .into_iter()
            .map(|q| {
                (
                    text[q.inner.clone()].to_string(),
                    q.depth,
                    q.closed,
                    q.continues,
                )
            })
            .collect()
    }

    fn q(
        s: &str,
        depth: u8,
        closed: bool,
        continues: Option<usize>,
    ) -> (String, u8, bool, Option<usize>) {
        (s.to_string(), depth, closed, continues)
    }

    #[test]
    fn curly_quotation_with_exact_ranges() {
        let text = "“We buy our own weapons,” Erdogan said.";
        let found = find_quotations(text, &paragraphs(text));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].range, 0..29);
        assert_eq!(&text[found[0].range.clone()], "“We buy our own weapons,”");
        assert_eq!(&text[found[0].inner.clone()], "We buy our own weapons,");
        assert!(found[0].closed);
    }

    #[test]
    fn straight_quotes() {
        assert_eq!(
            quotes(r#""We buy our own weapons," Erdogan said. He called it "a deal.""#),
            vec![
                q("We buy our own weapons,", 0, true, None),
                q("a deal.", 0, true, None)
            ]
        );
    }

    #[test]
    fn nested_single_inside_double_with_space_before_closer() {
        let text = "“Erdogan may have to buy the second part of S-400s for the sake of his ‘personal survival,’ ” he said.";
        assert_eq!(
            quotes(text),
            vec![
                q(
                    "Erdogan may have to buy the second part of S-400s for the sake of his ‘personal survival,’",
                    0,
                    true,
                    None
                ),
                q("personal survival,", 1, true, None),
            ]
        );
    }

    #[test]
    fn apostrophes_are_not_marks() {
        let text =
            "Erdogan’s plan, the ’90s, rock ’n’ roll and the countries’ leaders can’t agree.";
        assert_eq!(quotes(text), vec![]);
        let straight =
            "Erdogan's plan, the '90s, rock 'n' roll and the countries' leaders can't agree.";
        assert_eq!(quotes(straight), vec![]);
    }

    #[test]
    fn apostrophes_inside_a_quotation_do_not_close_it() {
        let text = "“It’s the ’90s again, rock ’n’ roll,” he said.";
        assert_eq!(
            quotes(text),
            vec![q("It’s the ’90s again, rock ’n’ roll,", 0, true, None)]
        );
    }

    #[test]
    fn split_around_attribution_continues() {
        let text =
            "“I think it was worth it,” he said. “We can strengthen our defense as we please.”";
        assert_eq!(
            quotes(text),
            vec![
                q("I think it was worth it,", 0, true, None),
                q(
                    "We can strengthen our defense as we please.",
                    0,
                    true,
                    Some(0)
                ),
            ]
        );
        let inverted = "“We buy,” said Mr. Erdogan, “our own weapons.”";
        assert_eq!(
            quotes(inverted),
            vec![
                q("We buy,", 0, true, None),
                q("our own weapons.", 0, true, Some(0))
            ]
        );
    }

    #[test]
    fn separate_quotations_do_not_continue() {
        let text = "“We buy,” he said. Putin met Erdogan on Wednesday and the two leaders agreed on trade. “It was fine.”";
        assert_eq!(
            quotes(text),
            vec![
                q("We buy,", 0, true, None),
                q("It was fine.", 0, true, None)
            ]
        );
    }

    #[test]
    fn quotation_running_over_paragraphs_reopens() {
        let text =
            "“The first paragraph of the quote.\n\n“The second one,” she said.\n\nNot a quote.";
        let found = find_quotations(text, &paragraphs(text));
        assert_eq!(found.len(), 2);
        assert!(!found[0].closed);
        assert_eq!(
            &text[found[0].range.clone()],
            "“The first paragraph of the quote."
        );
        assert_eq!(
            &text[found[0].inner.clone()],
            "The first paragraph of the quote."
        );
        assert_eq!(found[1].continues, Some(0));
        assert!(found[1].closed);
        assert_eq!(&text[found[1].inner.clone()], "The second one,");
    }

    #[test]
    fn unclosed_quotation_without_reopening_stops_at_paragraph() {
        let text = "“An unclosed quotation\n\nThen prose, and a “quote.”";
        assert_eq!(
            quotes(text),
            vec![
                q("An unclosed quotation", 0, false, None),
                q("quote.", 0, true, None)
            ]
        );
    }

    #[test]
    fn top_level_single_quotes_pair_up() {
        assert_eq!(
            quotes("He called it ‘a disaster’ on Monday."),
            vec![q("a disaster", 0, true, None)]
        );
    }

    #[test]
    fn guillemets() {
        assert_eq!(
            quotes("Il a dit «non» hier."),
            vec![q("non", 0, true, None)]
        );
    }

    #[test]
    fn stray_closing_mark_is_ignored() {
        assert_eq!(quotes("He said it ” twice."), vec![]);
    }
}
