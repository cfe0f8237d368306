//! Sentence segmentation for news copy.
//!
//! A period, question mark, exclamation mark or ellipsis ends a sentence when
//! the next word starts one. What makes news copy hard is everything else:
//! honorifics and titles (Mr., Gen., Sen.), months (Jan. 5), dotted
//! abbreviations (U.S., a.m.), initials ("Vladimir V. Putin"), and quotations
//! holding several sentences, which stay one sentence with their attribution.
//! The abbreviation lists live in `data/text/`.

// foldhash, not SipHash: asked for every word before a period.
use foldhash::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use crate::text::attribution;
use crate::text::quotes::{find_quotations, Quotation};

struct Abbreviations {
    titles: HashSet<&'static str>,
    months: HashSet<&'static str>,
    other: HashSet<&'static str>,
    starters: HashSet<&'static str>,
}

fn abbreviations() -> &'static Abbreviations {
    static LISTS: OnceLock<Abbreviations> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut lists = Abbreviations {
            titles: HashSet::default(),
            months: HashSet::default(),
            other: HashSet::default(),
            starters: data_lines(include_str!("../../data/text/sentence-starters.txt")).collect(),
        };
        let mut section = "";
        for line in data_lines(include_str!("../../data/text/abbreviations.txt")) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name;
                continue;
            }
            match section {
                "title" => lists.titles.insert(line),
                "month" => lists.months.insert(line),
                _ => lists.other.insert(line),
            };
        }
        lists
    })
}

/// The non-empty, non-comment lines of a data file, trimmed.
pub(crate) fn data_lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// Whether `word` (lower-cased, without its final period) is an abbreviation
/// that always precedes a name: Mr, Dr, Gen, Sen, St.
pub fn is_title_abbreviation(word: &str) -> bool {
    let titles = &abbreviations().titles;
    with_lowercase(word, |lower| titles.contains(lower))
}

/// Splits `text[range]` into sentences: byte ranges in order, trimmed of
/// surrounding whitespace. A blank line always ends a sentence. A sentence
/// does not end inside an open quotation unless the quotation itself ends the
/// sentence, so “A. B,” he said. is one sentence.
pub fn split_sentences(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    split_sentences_quoted(text, range, None)
}

/// [`split_sentences`] given `quotations`, what
/// `find_quotations(text, &[range])` returns, which the caller has anyway:
/// when `range` is a single paragraph (a prose block), they are its
/// paragraph's quotations, and the split does not look for them again.
pub fn split_sentences_quoted(
    text: &str,
    range: Range<usize>,
    quotations: Option<&[Quotation]>,
) -> Vec<Range<usize>> {
    let asked = range.clone();
    let range = clamp(text, range);
    // Room for a sentence in a hundred bytes, enough for most paragraphs.
    let mut out = Vec::with_capacity(range.len() / 100 + 1);
    let mut paragraphs = Paragraphs::new(text, range.clone());
    // There is always one: the range is a paragraph if nothing splits it.
    let first = paragraphs.next().unwrap_or(range.clone());
    if let Some(quotations) = quotations {
        // Only the last paragraph ends where the range does.
        if first == asked {
            split_paragraph(text, range, quotations, &mut out);
            return out;
        }
    }
    for paragraph in std::iter::once(first).chain(paragraphs) {
        let quotations = find_quotations(text, std::slice::from_ref(&paragraph));
        split_paragraph(text, paragraph, &quotations, &mut out);
    }
    out
}

fn clamp(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start.min(text.len());
    let mut end = range.end.min(text.len()).max(start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Splits at blank lines (a line holding only whitespace), one paragraph
/// at a time: a prose block is nearly always one, found without a list.
struct Paragraphs<'a> {
    text: &'a str,
    range: Range<usize>,
    /// Line breaks are single bytes that no other character's UTF-8 holds.
    breaks: memchr::Memchr2<'a>,
    /// Where the paragraph being read starts.
    start: usize,
    line_start: usize,
    previous_blank: bool,
    done: bool,
}

impl<'a> Paragraphs<'a> {
    fn new(text: &'a str, range: Range<usize>) -> Paragraphs<'a> {
        Paragraphs {
            text,
            breaks: memchr::memchr2_iter(b'\n', b'\r', text[range.clone()].as_bytes()),
            start: range.start,
            line_start: range.start,
            previous_blank: false,
            done: false,
            range,
        }
    }
}

impl Iterator for Paragraphs<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.done {
            return None;
        }
        let bytes = self.text.as_bytes();
        for rel in self.breaks.by_ref() {
            let at = self.range.start + rel;
            // "\r\n" is one line break, not a line and a blank line.
            if bytes[at] == b'\n' && rel > 0 && bytes[at - 1] == b'\r' {
                self.line_start = at + 1;
                continue;
            }
            let line_start = self.line_start;
            let blank = self.text[line_start..at].trim().is_empty();
            let ends = blank && !self.previous_blank && line_start > self.start;
            self.previous_blank = blank;
            self.line_start = at + 1;
            if ends {
                let paragraph = self.start..line_start;
                self.start = line_start;
                return Some(paragraph);
            }
        }
        self.done = true;
        Some(self.start..self.range.end)
    }
}

fn split_paragraph(
    text: &str,
    paragraph: Range<usize>,
    quotations: &[Quotation],
    out: &mut Vec<Range<usize>>,
) {
    let lists = abbreviations();
    let mut sentence_start = paragraph.start;
    let para = &text[paragraph.clone()];
    let bytes = para.as_bytes();
    let mut terminators = Terminators::new(bytes);
    let mut from = 0;
    while let Some(rel) = terminators.next_from(from) {
        let ch = para[rel..].chars().next().unwrap_or('.');
        let at = paragraph.start + rel;
        let is_period = ch == '.';
        // A run of terminators: "...", "?!", ".…"
        let mut next = rel + ch.len_utf8();
        let mut ellipsis = ch == '…';
        let mut run = 1;
        while let Some(c) = para[next..].chars().next() {
            if matches!(c, '.' | '?' | '!' | '…') {
                ellipsis |= c == '…' || (c == '.' && is_period);
                run += 1;
                next += c.len_utf8();
            } else {
                break;
            }
        }
        let single_period = is_period && run == 1;
        // Closing marks and brackets that belong to this sentence.
        let mut closed_quote = false;
        while let Some(c) = para[next..].chars().next() {
            if matches!(c, '”' | '"' | '’' | '\'' | ')' | ']' | '»') {
                closed_quote |= !matches!(c, ')' | ']');
                next += c.len_utf8();
            } else {
                break;
            }
        }
        from = next;
        let end = paragraph.start + next;
        let rest = &text[end..paragraph.end];
        if !rest.starts_with(char::is_whitespace) {
            continue; // 3.5, U.S.-backed, “here.”he
        }
        let next_at = end + (rest.len() - rest.trim_start().len());
        if next_at >= paragraph.end {
            continue; // the paragraph's end closes the sentence anyway
        }
        let next_char = text[next_at..].chars().next().unwrap_or(' ');
        let opens_sentence = next_char.is_uppercase()
            || next_char.is_ascii_digit()
            || matches!(
                next_char,
                '“' | '"' | '‘' | '\'' | '«' | '(' | '[' | '—' | '–'
            );
        if !opens_sentence {
            continue;
        }
        // Inside a quotation that does not close right here: keep going.
        let inside_open_quote = quotations.iter().any(|q| {
            q.depth == 0
                && q.range.start < at
                && at < q.range.end
                && !(q.closed && q.range.end <= end)
        });
        if inside_open_quote {
            continue;
        }
        // Whether the next word is one that starts sentences, asked only
        // where the period's own word leaves it open.
        let next_starts =
            || with_lowercase(first_word(&text[next_at..]), |w| lists.starters.contains(w));
        if single_period
            && !ellipsis
            && !period_ends_sentence(text, sentence_start, at, next_starts)
        {
            continue;
        }
        if closed_quote && attribution_follows(&text[next_at..paragraph.end]) {
            continue; // “… here.” Erdogan said.
        }
        push_trimmed(text, sentence_start..end, out);
        sentence_start = end;
    }
    push_trimmed(text, sentence_start..paragraph.end, out);
}

/// Where the next terminator (. ? ! …) at or after `from` starts: only
/// those can end a sentence, and most bytes of prose are none of them, so
/// they are looked for with memchr.
struct Terminators<'a> {
    bytes: &'a [u8],
    /// The first ellipsis at or after the place last asked for; `None`
    /// when there is none left.
    ellipsis: Option<usize>,
}

impl<'a> Terminators<'a> {
    fn new(bytes: &'a [u8]) -> Terminators<'a> {
        Terminators {
            bytes,
            ellipsis: next_ellipsis(bytes, 0),
        }
    }

    fn next_from(&mut self, from: usize) -> Option<usize> {
        if self.ellipsis.is_some_and(|e| e < from) {
            self.ellipsis = next_ellipsis(self.bytes, from);
        }
        let mark = self
            .bytes
            .get(from..)
            .and_then(|rest| memchr::memchr3(b'.', b'?', b'!', rest))
            .map(|rel| from + rel);
        match (mark, self.ellipsis) {
            (Some(m), Some(e)) => Some(m.min(e)),
            (m, e) => m.or(e),
        }
    }
}

/// Where the next '…' (E2 80 A6 in UTF-8) at or after `from` starts.
fn next_ellipsis(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(rel) = bytes.get(at..).and_then(|rest| memchr::memchr(0xE2, rest)) {
        let lead = at + rel;
        if bytes[lead + 1..].starts_with(&[0x80, 0xA6]) {
            return Some(lead);
        }
        at = lead + 1;
    }
    None
}

/// Whether the period at `at` ends its sentence, judging by the word it ends.
fn period_ends_sentence(
    text: &str,
    sentence_start: usize,
    at: usize,
    next_starts: impl FnOnce() -> bool,
) -> bool {
    let lists = abbreviations();
    let before = &text[sentence_start..at];
    let token_start = token_start(before);
    let token = &before[token_start..];
    if token.is_empty() {
        return true;
    }
    if token.contains('.') {
        return next_starts(); // U.S. officials / in the U.S. The
    }
    let listed = with_lowercase(token, |lower| {
        if lists.titles.contains(lower) || lists.months.contains(lower) {
            Some(false)
        } else {
            lists.other.contains(lower).then_some(true)
        }
    });
    match listed {
        Some(false) => return false,
        Some(true) => return next_starts(),
        None => {}
    }
    let mut letters = token.chars();
    if let (Some(c), None) = (letters.next(), letters.next()) {
        if c.is_uppercase() {
            return next_starts(); // Vladimir V. Putin / Plan B. The
        }
    }
    true
}

/// Where the run of letters, digits and periods ending `before` starts:
/// read a byte at a time while they are ASCII, then a character at a time.
fn token_start(before: &str) -> usize {
    let bytes = before.as_bytes();
    let ascii_run = bytes
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'.')
        .count();
    let start = bytes.len() - ascii_run;
    if bytes[..start].last().is_none_or(u8::is_ascii) {
        return start;
    }
    token_start_by_chars(before)
}

/// [`token_start`] a character at a time.
fn token_start_by_chars(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i)
}

/// Calls `f` with `str::to_lowercase` of `word`, without allocating for
/// a short ASCII word: the word before every period and after every
/// sentence end is looked up in a list.
fn with_lowercase<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    if word.is_ascii() && !word.bytes().any(|b| b.is_ascii_uppercase()) {
        return f(word);
    }
    let mut buf = [0u8; 24];
    if let Some(buf) = buf.get_mut(..word.len()).filter(|_| word.is_ascii()) {
        buf.copy_from_slice(word.as_bytes());
        buf.make_ascii_lowercase();
        if let Ok(lower) = std::str::from_utf8(buf) {
            return f(lower);
        }
    }
    f(&word.to_lowercase())
}

fn first_word(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    let end = s.find(|c: char| !c.is_alphanumeric()).unwrap_or(s.len());
    &s[..end]
}

/// "Erdogan said." / "Mr. Erdogan told reporters," right after a quotation
/// that closed with a period: the attribution belongs to that sentence.
fn attribution_follows(rest: &str) -> bool {
    let clause_end = rest
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, ',' | ';' | '“' | '"' | '?' | '!')
                || (c == '.' && !is_abbreviation_period(rest, i))
        })
        .map_or(rest.len(), |(i, _)| i);
    let clause = &rest[..clause_end];
    let words: Vec<&str> = clause.split_whitespace().collect();
    if words.len() < 2 || words.len() > 8 {
        return false;
    }
    // Speaker (up to three words), cue, then nothing or a short phrase: "Erdogan
    // said." / "he told reporters in Ankara." but not "Erdogan also said more."
    let Some(cue) = (1..words.len().min(4)).find(|&k| attribution::is_cue_word(words[k])) else {
        return false;
    };
    match words.get(cue + 1) {
        None => true,
        Some(next) => {
            let next = next.to_lowercase();
            matches!(
                next.as_str(),
                "in" | "on"
                    | "at"
                    | "to"
                    | "during"
                    | "via"
                    | "with"
                    | "from"
                    | "by"
                    | "reporters"
                    | "journalists"
            )
        }
    }
}

fn is_abbreviation_period(s: &str, at: usize) -> bool {
    let before = &s[..at];
    let word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase();
    abbreviations().titles.contains(word.as_str())
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[range.clone()];
    let start = range.start + (s.len() - s.trim_start().len());
    let end = range.end - (s.len() - s.trim_end().len());
    if start < end {
        out.push(start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paragraphs as a list, as they were found before [`Paragraphs`]:
    /// its reference.
    fn paragraph_list(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = range.start;
        let mut line_start = range.start;
        let mut previous_blank = false;
        let slice = &text[range.clone()];
        for rel in memchr::memchr2_iter(b'\n', b'\r', slice.as_bytes()) {
            if slice.as_bytes()[rel] == b'\n' && rel > 0 && slice.as_bytes()[rel - 1] == b'\r' {
                line_start = range.start + rel + 1;
                continue;
            }
            let at = range.start + rel;
            let blank = text[line_start..at].trim().is_empty();
            if blank && !previous_blank && line_start > start {
                out.push(start..line_start);
                start = line_start;
            }
            previous_blank = blank;
            line_start = at + 1;
        }
        out.push(start..range.end);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn paragraphs_are_found_as_in_a_list(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "He said.", " ", "\t", "\n", "\r\n", "\r", "\u{a0}", "’",
                ]),
                0..30,
            ),
            trim in 0usize..3,
        ) {
            let text = parts.concat();
            let end = text.len() - text.chars().rev().take(trim).map(char::len_utf8).sum::<usize>();
            let got: Vec<Range<usize>> = Paragraphs::new(&text, 0..end).collect();
            proptest::prop_assert_eq!(got, paragraph_list(&text, 0..end));
        }
    }

    /// The terminator search as a byte-at-a-time loop, as it was before
    /// memchr: the reference for [`Terminators`].
    fn next_terminator_bytewise(bytes: &[u8], from: usize) -> Option<usize> {
        (from..bytes.len()).find(|&i| {
            matches!(bytes[i], b'.' | b'?' | b'!') || bytes[i..].starts_with("…".as_bytes())
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn terminators_are_found_as_bytewise(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Mr", " ", ".", "?", "!", "…", "’", "“", "—", "\u{2026}\u{2026}",
                    "\u{20AC}", "İ", "😀", "\u{2E2E}", "\n",
                ]),
                0..30,
            ),
            asks in proptest::collection::vec(0usize..40, 0..10),
        ) {
            let text = parts.concat();
            let bytes = text.as_bytes();
            let mut terminators = Terminators::new(bytes);
            // Asked in order, as the splitter asks, sometimes at the same place again.
            let mut from = 0;
            for step in asks {
                from = (from + step).min(bytes.len() + 1);
                proptest::prop_assert_eq!(
                    terminators.next_from(from),
                    next_terminator_bytewise(bytes, from),
                    "from {}", from
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The token before a period is found as reading it a character at
        /// a time finds it.
        #[test]
        fn token_start_reads_as_by_chars(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Z", "7", ".", " ", "U.S", "é", "İ", "’", "—", "😀", "ΣΑΣ", "x-y",
                ]),
                0..12,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(token_start(&text), token_start_by_chars(&text));
        }

        /// The lower case given without allocating is `str::to_lowercase`,
        /// for short and long words, ASCII or not.
        #[test]
        fn with_lowercase_is_str_to_lowercase(word in "[a-zA-Z.İıΣς ]{0,30}") {
            let got = with_lowercase(&word, str::to_string);
            proptest::prop_assert_eq!(got, word.to_lowercase());
        }
    }

    fn split(text: &str) -> Vec<&str> {
        split_sentences(text, 0..text.len())
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn plain_sentences_with_exact_ranges() {
        let text = "  Putin met Erdogan. They talked trade!  Did it work?";
        assert_eq!(
            split_sentences(text, 0..text.len()),
            vec![2..20, 21..39, 41..53]
        );
        assert_eq!(
            split(text),
            vec!["Putin met Erdogan.", "They talked trade!", "Did it work?"]
        );
    }

    #[test]
    fn a_crlf_line_break_is_not_a_blank_line() {
        // Found by tests/rules_robustness.rs: a quotation running over a
        // CRLF line break ran past the sentence that held it.
        assert_eq!(
            split("“We buy our own\r\nweapons,” he said.\r\n\r\nNext."),
            vec!["“We buy our own\r\nweapons,” he said.", "Next."]
        );
        let text = "“\r\n“";
        let block = 0..text.len();
        let quotations = crate::text::quotes::find_quotations(text, std::slice::from_ref(&block));
        let sentences = split_sentences(text, 0..text.len());
        let _ = crate::text::attribution::attribute_quotations(text, &sentences, &quotations);
    }

    #[test]
    fn respects_the_given_range() {
        let text = "Skip this. Take this one. And this.";
        assert_eq!(split_sentences(text, 11..text.len()), vec![11..25, 26..35]);
    }

    #[test]
    fn titles_and_honorifics() {
        assert_eq!(
            split("Mr. Erdemir met Mrs. May, Ms. Lee, Dr. Has, Gen. Milley, Sen. Graham, Rep. Cheney and Gov. Cuomo in St. Petersburg. Then they left."),
            vec![
                "Mr. Erdemir met Mrs. May, Ms. Lee, Dr. Has, Gen. Milley, Sen. Graham, Rep. Cheney and Gov. Cuomo in St. Petersburg.",
                "Then they left."
            ]
        );
    }

    #[test]
    fn dotted_abbreviations_and_times() {
        assert_eq!(
            split("The U.S. Embassy and U.N. officials met at 5 p.m. Friday. They left at 9 a.m. The talks failed in the U.S. But not here."),
            vec![
                "The U.S. Embassy and U.N. officials met at 5 p.m. Friday.",
                "They left at 9 a.m.",
                "The talks failed in the U.S.",
                "But not here."
            ]
        );
    }

    #[test]
    fn months() {
        assert_eq!(
            split("The truce began on Jan. 5 and ended Feb. 20, 2020. Sept. 11 changed things."),
            vec![
                "The truce began on Jan. 5 and ended Feb. 20, 2020.",
                "Sept. 11 changed things."
            ]
        );
    }

    #[test]
    fn initials() {
        assert_eq!(
            split("Vladimir V. Putin met John F. Kennedy Jr. at noon. He had a Plan B. The plan failed."),
            vec![
                "Vladimir V. Putin met John F. Kennedy Jr. at noon.",
                "He had a Plan B.",
                "The plan failed."
            ]
        );
    }

    #[test]
    fn quotation_with_several_sentences_stays_with_its_attribution() {
        assert_eq!(
            split("“We buy our own weapons. We decide. Nobody else does,” Erdogan said. Putin nodded."),
            vec![
                "“We buy our own weapons. We decide. Nobody else does,” Erdogan said.",
                "Putin nodded."
            ]
        );
    }

    #[test]
    fn quotation_that_ends_the_sentence() {
        assert_eq!(
            split("“I think it was worth it,” he said. “We can strengthen our defense as we please.” Erdogan also said more."),
            vec![
                "“I think it was worth it,” he said.",
                "“We can strengthen our defense as we please.”",
                "Erdogan also said more."
            ]
        );
    }

    #[test]
    fn quotation_ending_in_a_period_before_its_attribution() {
        assert_eq!(
            split("“It is over here.” he said. “Not here.” Erdogan said. Next."),
            vec![
                "“It is over here.” he said.",
                "“Not here.” Erdogan said.",
                "Next."
            ]
        );
    }

    #[test]
    fn question_inside_quotation_before_attribution() {
        assert_eq!(
            split("“Has the meeting ended?” she asked. Nobody knew."),
            vec!["“Has the meeting ended?” she asked.", "Nobody knew."]
        );
    }

    #[test]
    fn datelines_stay_with_their_sentence() {
        assert_eq!(
            split("SOCHI, Russia — Putin and Erdogan met on Wednesday. ST. PETERSBURG, Russia (AP) — It rained."),
            vec![
                "SOCHI, Russia — Putin and Erdogan met on Wednesday.",
                "ST. PETERSBURG, Russia (AP) — It rained."
            ]
        );
    }

    #[test]
    fn ellipses() {
        assert_eq!(
            split("We will see … maybe later. He paused... Then he left. “It was … difficult,” he said."),
            vec!["We will see … maybe later.", "He paused...", "Then he left.", "“It was … difficult,” he said."]
        );
    }

    #[test]
    fn numbers_and_hyphenated_abbreviations_do_not_split() {
        assert_eq!(
            split("Prices rose 3.5 percent in the U.S.-backed region. Done."),
            vec![
                "Prices rose 3.5 percent in the U.S.-backed region.",
                "Done."
            ]
        );
    }

    #[test]
    fn blank_line_ends_a_sentence_and_an_open_quotation() {
        assert_eq!(
            split("“A quote that runs on\n\n“and reopens.” Then prose"),
            vec!["“A quote that runs on", "“and reopens.”", "Then prose"]
        );
    }

    #[test]
    fn lower_case_after_period_is_not_a_new_sentence() {
        assert_eq!(
            split("He cited e.g. the war. Then left."),
            vec!["He cited e.g. the war.", "Then left."]
        );
    }

    #[test]
    fn reference_article_paragraphs() {
        let text = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");
        let all = split(text);
        assert!(all.contains(&"“Erdogan may have to buy the second part of S-400s for the sake of his ‘personal survival,’ ” he said."));
        assert!(all.contains(&"“I think it was worth it,” he said."));
        assert!(all.contains(
            &"Those S-400 missiles, arms experts say, are designed to shoot down NATO aircraft."
        ));
        assert!(all.contains(&"“I have worked well with Bush junior, with Mr Obama, with Mr Trump, but I can’t say we have a good start with Mr Biden.”"));
        assert!(all.contains(&"At a three-hour meeting in the Black Sea resort city of Sochi, Russia — the first for the two presidents in more than a year — Putin and Erdogan discussed weapons deals, trade and a nuclear reactor Russia is building in Turkey."));
        assert_eq!(all.len(), 44);
    }

    /// A paragraph's quotations, given, split it as finding them does;
    /// given for a range of several paragraphs they are not used (each
    /// paragraph's own are).
    #[test]
    fn given_quotations_split_as_found_ones() {
        let text = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");
        let mut start = 0;
        let mut quoted = 0;
        for part in text.split("\n\n") {
            let p = start..start + part.len();
            start = p.end + 2;
            let quotations = find_quotations(text, std::slice::from_ref(&p));
            quoted += usize::from(!quotations.is_empty());
            assert_eq!(
                split_sentences_quoted(text, p.clone(), Some(&quotations)),
                split_sentences(text, p)
            );
        }
        assert!(quoted > 10, "{quoted} paragraphs with quotations");
        let one = "“We will win. They will lose,” Erdogan said. Then he left.";
        let quotations = find_quotations(one, std::slice::from_ref(&(0..one.len())));
        assert_eq!(
            split_sentences_quoted(one, 0..one.len(), Some(&quotations)),
            vec![0..48, 49..one.len()]
        );
        let two = "“A. B,” he said.\n\n“C. D,” she said.";
        assert_eq!(
            split_sentences_quoted(two, 0..two.len(), Some(&[])),
            split_sentences(two, 0..two.len())
        );
        assert_eq!(split_sentences(two, 0..two.len()).len(), 2);
    }
}
