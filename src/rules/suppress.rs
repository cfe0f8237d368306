//! Suppression comments: a reporter's way to tell copydesk "I know".
//!
//! In Markdown, HTML comments:
//! `<!-- copydesk-disable-next-line CODE -->` silences CODE on the next line;
//! `<!-- copydesk-disable CODE -->` … `<!-- copydesk-enable CODE -->` silences
//! it in between (to the end of the document when never enabled again).
//! Without a code, all rules. Several codes are separated by spaces or
//! commas; text after ` -- ` is the reporter's reason and is ignored. In plain
//! text the same words stand on a line of their own.
//!
//! Comments inside code blocks, inline code or front matter are not
//! directives: pulldown-cmark says which comments are HTML.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser};

use super::{DocKind, Finding, Fix, Rule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    DisableNextLine,
    Disable,
    Enable,
}

#[derive(Debug, Clone)]
struct Directive {
    verb: Verb,
    /// Empty: every rule.
    rules: Vec<Rule>,
    /// The whole comment (or plain-text line, without its line break).
    range: Range<usize>,
}

impl Directive {
    fn covers(&self, rule: Rule) -> bool {
        self.rules.is_empty() || self.rules.contains(&rule)
    }
}

/// A code in a directive that names no rule, so the user hears about a typo
/// instead of wondering why the comment does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub range: Range<usize>,
    pub code: String,
}

#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    /// Per rule (indexed by `Rule as usize`): byte ranges in which a finding
    /// starting there is silenced.
    silenced: [Vec<Range<usize>>; 8],
    pub unknown_codes: Vec<UnknownCode>,
}

/// What every directive starts with.
pub(crate) const PREFIX: &str = "copydesk-";

/// Whether `bytes` hold [`PREFIX`]: without it a text has no directive.
pub(crate) fn may_hold(bytes: &[u8]) -> bool {
    bytes.windows(PREFIX.len()).any(|w| w == PREFIX.as_bytes())
}

/// Whether `text` holds [`PREFIX`] anywhere: asked of every whole draft
/// (most hold no directive), with memchr's vector search, which reads a
/// long text in fewer instructions than `str::contains`.
fn holds_prefix(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PREFIX));
    FINDER.find(text.as_bytes()).is_some()
}

impl Suppressions {
    pub fn parse(text: &str, kind: DocKind) -> Suppressions {
        // Every directive starts with the prefix: without it there is
        // nothing to parse (and no Markdown parse on every keystroke).
        if !holds_prefix(text) {
            return Suppressions::default();
        }
        let mut unknown_codes = Vec::new();
        let directives: Vec<Directive> = match kind {
            DocKind::Markdown => markdown_comments(text)
                .into_iter()
                .filter_map(|(range, body)| directive(text, range, body, &mut unknown_codes))
                .collect(),
            DocKind::PlainText => plain_lines(text)
                .filter_map(|(range, body)| directive(text, range, body, &mut unknown_codes))
                .collect(),
        };
        let mut silenced: [Vec<Range<usize>>; 8] = Default::default();
        for rule in Rule::ALL {
            let spans = &mut silenced[rule as usize];
            let mut disabled_since: Option<usize> = None;
            for d in directives.iter().filter(|d| d.covers(rule)) {
                match d.verb {
                    Verb::DisableNextLine => {
                        let next = next_line(text, d.range.end);
                        if !next.is_empty() {
                            spans.push(next);
                        }
                    }
                    Verb::Disable => {
                        disabled_since.get_or_insert(d.range.end);
                    }
                    Verb::Enable => {
                        if let Some(since) = disabled_since.take() {
                            spans.push(since..d.range.start);
                        }
                    }
                }
            }
            if let Some(since) = disabled_since {
                spans.push(since..text.len() + 1);
            }
        }
        Suppressions {
            silenced,
            unknown_codes,
        }
    }

    pub fn silences(&self, finding: &Finding) -> bool {
        self.silenced[finding.rule as usize]
            .iter()
            .any(|span| span.contains(&finding.range.start))
    }

    pub fn retain(&self, findings: &mut Vec<Finding>) {
        findings.retain(|f| !self.silences(f));
    }
}

/// The ranges and inner text of the HTML comments pulldown-cmark sees as HTML.
fn markdown_comments(text: &str) -> Vec<(Range<usize>, &str)> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let html: Vec<Range<usize>> = Parser::new_ext(text, options)
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::Html(_) | Event::InlineHtml(_)))
        .map(|(_, range)| range)
        .collect();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("<!--").map(|i| from + i) {
        let Some(close) = text[open + 4..].find("-->").map(|i| open + 4 + i) else {
            break;
        };
        let range = open..close + 3;
        if html.iter().any(|h| h.contains(&open)) {
            out.push((range.clone(), &text[open + 4..close]));
        }
        from = range.end;
    }
    out
}

/// Each line with its text, for plain-text directives: the bare words, or
/// the Markdown form pasted into a text file.
fn plain_lines(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = at;
        at += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let range = start..start + content.len();
        let trimmed = content.trim();
        let body = trimmed
            .strip_prefix("<!--")
            .and_then(|s| s.strip_suffix("-->"))
            .unwrap_or(trimmed);
        (range, body)
    })
}

fn directive(
    text: &str,
    range: Range<usize>,
    body: &str,
    unknown: &mut Vec<UnknownCode>,
) -> Option<Directive> {
    let trimmed = body.trim();
    let rest = trimmed.strip_prefix(PREFIX)?;
    let (verb, args) = [
        ("disable-next-line", Verb::DisableNextLine),
        ("disable", Verb::Disable),
        ("enable", Verb::Enable),
    ]
    .into_iter()
    .find_map(|(word, verb)| {
        let args = rest.strip_prefix(word)?;
        (args.is_empty() || args.starts_with(char::is_whitespace)).then_some((verb, args))
    })?;
    let codes = args.split(" -- ").next().unwrap_or_default();
    let mut rules = Vec::new();
    for code in codes
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|c| !c.is_empty())
    {
        match Rule::from_code(code) {
            Some(rule) => rules.push(rule),
            None => {
                // Point at the code inside the comment.
                let at = text[range.clone()]
                    .find(code)
                    .map_or(range.start, |i| range.start + i);
                unknown.push(UnknownCode {
                    range: at..at + code.len(),
                    code: code.to_string(),
                });
            }
        }
    }
    if rules.is_empty() && codes.split_whitespace().next().is_some() {
        // Only unknown codes: silencing everything instead would hide more
        // than the reporter asked for.
        return None;
    }
    Some(Directive { verb, rules, range })
}

/// The line after the one holding `at`, without its line break; empty at the
/// end of the text.
fn next_line(text: &str, at: usize) -> Range<usize> {
    let Some(nl) = text[at..].find(['\n', '\r']).map(|i| at + i) else {
        return text.len()..text.len();
    };
    let start = if text[nl..].starts_with("\r\n") {
        nl + 2
    } else {
        nl + 1
    };
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    // A finding may start at the very end of an empty line.
    start..end.max(start) + 1
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The quick fix "Disable CODE for this line": a next-line directive above
/// the line where the finding starts, inside the same block quote, or the code
/// added to a directive already there.
pub fn disable_for_line(text: &str, kind: DocKind, finding: &Finding) -> Fix {
    let code = finding.code();
    let title = format!("Disable {code} for this line");
    let start = line_start(text, finding.range.start.min(text.len()));
    // A directive on the previous line already: add the code to it, since a
    // second directive would silence the first one's line instead.
    if start > 0 {
        let prev_end = if text[..start].ends_with("\r\n") {
            start - 2
        } else {
            start - 1
        };
        let prev_start = line_start(text, prev_end);
        let prev = &text[prev_start..prev_end];
        let marker = format!("{PREFIX}disable-next-line");
        if let Some(at) = prev.find(&marker) {
            let after = prev_start + at + marker.len();
            let args_end = match kind {
                DocKind::Markdown => text[after..prev_end].find("-->").map(|i| after + i),
                DocKind::PlainText => Some(prev_end),
            };
            if let Some(args_end) = args_end {
                let args = &text[after..args_end];
                let codes_end = args.find(" -- ").map_or(args_end, |i| after + i);
                let codes = text[after..codes_end].trim_end();
                if codes.split([' ', ',']).any(|c| c == code) {
                    return Fix {
                        title,
                        edits: Vec::new(),
                        preferred: false,
                    };
                }
                if !codes.trim().is_empty() {
                    let insert_at = after + codes.len();
                    return Fix {
                        title,
                        edits: vec![(insert_at..insert_at, format!(" {code}"))],
                        preferred: false,
                    };
                }
            }
        }
    }
    let line_end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    let eol = if text[line_end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let line = &text[start..line_end];
    let prefix_len = line
        .find(|c: char| !(c.is_whitespace() || (kind == DocKind::Markdown && c == '>')))
        .unwrap_or(line.len());
    let prefix = &line[..prefix_len];
    let comment = match kind {
        DocKind::Markdown => format!("{prefix}<!-- {PREFIX}disable-next-line {code} -->{eol}"),
        DocKind::PlainText => format!("{prefix}{PREFIX}disable-next-line {code}{eol}"),
    };
    Fix {
        title,
        edits: vec![(start..start, comment)],
        preferred: false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{apply_edits, Severity};
    use super::*;

    fn finding(rule: Rule, text: &str, needle: &str) -> Finding {
        let at = text.find(needle).expect("needle in text");
        Finding {
            rule,
            severity: Severity::Warning,
            range: at..at + needle.len(),
            message: String::new(),
            fixes: Vec::new(),
            related: Vec::new(),
        }
    }

    fn silenced(text: &str, kind: DocKind, rule: Rule, needle: &str) -> bool {
        Suppressions::parse(text, kind).silences(&finding(rule, text, needle))
    }

    const MD: &str = "Nearly 4 million people live in Idlib.\n\
<!-- copydesk-disable-next-line unsourced-figure -- UN figure, cited in the graphic -->\n\
Turkey hosts 3.7 million refugees.\n\
Russia spent $2 billion.\n";

    #[test]
    fn next_line_silences_only_the_named_rule_on_the_next_line() {
        use Rule::*;
        assert!(!silenced(
            MD,
            DocKind::Markdown,
            UnsourcedFigure,
            "4 million"
        ));
        assert!(silenced(
            MD,
            DocKind::Markdown,
            UnsourcedFigure,
            "3.7 million"
        ));
        assert!(!silenced(
            MD,
            DocKind::Markdown,
            VagueAttribution,
            "3.7 million"
        ));
        assert!(!silenced(
            MD,
            DocKind::Markdown,
            UnsourcedFigure,
            "$2 billion"
        ));
    }

    #[test]
    fn disable_enable_regions_and_all_rules() {
        use Rule::*;
        let text = "Experts say A.\n\n<!-- copydesk-disable -->\n\nExperts say B.\n\n\
<!-- copydesk-enable vague-attribution -->\n\nExperts say C. It cost $9 billion.\n";
        let kind = DocKind::Markdown;
        assert!(!silenced(text, kind, VagueAttribution, "Experts say A"));
        assert!(silenced(text, kind, VagueAttribution, "Experts say B"));
        assert!(!silenced(text, kind, VagueAttribution, "Experts say C"));
        assert!(
            silenced(text, kind, UnsourcedFigure, "$9 billion"),
            "still disabled to the end"
        );
    }

    #[test]
    fn comments_in_code_and_front_matter_are_not_directives() {
        let text = "---\nnote: <!-- copydesk-disable -->\n---\n\n\
```\n<!-- copydesk-disable -->\n```\n\n`<!-- copydesk-disable -->`\n\nExperts say so.\n";
        assert!(!silenced(
            text,
            DocKind::Markdown,
            Rule::VagueAttribution,
            "Experts say"
        ));
    }

    #[test]
    fn plain_text_uses_the_words_on_a_line_of_their_own() {
        let text =
            "copydesk-disable-next-line vague-attribution\r\nExperts say so.\r\nCritics say no.\n\
Some say copydesk-disable-next-line vague-attribution mid-line.\nExperts agree.\n";
        let kind = DocKind::PlainText;
        assert!(silenced(text, kind, Rule::VagueAttribution, "Experts say"));
        assert!(!silenced(text, kind, Rule::VagueAttribution, "Critics say"));
        assert!(!silenced(
            text,
            kind,
            Rule::VagueAttribution,
            "Experts agree"
        ));
    }

    #[test]
    fn unknown_codes_are_reported_and_silence_nothing() {
        let text = "<!-- copydesk-disable-next-line vague-atribution -->\nExperts say so.\n";
        let s = Suppressions::parse(text, DocKind::Markdown);
        assert!(!s.silences(&finding(Rule::VagueAttribution, text, "Experts say")));
        assert_eq!(
            s.unknown_codes,
            [UnknownCode {
                range: 32..48,
                code: "vague-atribution".into()
            }]
        );
        assert_eq!(&text[32..48], "vague-atribution");
    }

    #[test]
    fn disable_for_line_inserts_a_directive_inside_the_block_quote() {
        let text = "Intro.\r\n\r\n> Experts say so.\r\n";
        let f = finding(Rule::VagueAttribution, text, "Experts say");
        let fix = disable_for_line(text, DocKind::Markdown, &f);
        assert_eq!(fix.title, "Disable vague-attribution for this line");
        let fixed = apply_edits(text, &fix.edits).unwrap();
        assert_eq!(
            fixed,
            "Intro.\r\n\r\n> <!-- copydesk-disable-next-line vague-attribution -->\r\n> Experts say so.\r\n"
        );
        let again = finding(Rule::VagueAttribution, &fixed, "Experts say");
        assert!(Suppressions::parse(&fixed, DocKind::Markdown).silences(&again));
    }

    #[test]
    fn disable_for_line_extends_an_existing_directive() {
        let f = finding(Rule::VagueAttribution, MD, "3.7 million");
        let fix = disable_for_line(MD, DocKind::Markdown, &f);
        let fixed = apply_edits(MD, &fix.edits).unwrap();
        assert!(fixed.contains(
            "<!-- copydesk-disable-next-line unsourced-figure vague-attribution -- UN figure"
        ));
        let again = finding(Rule::VagueAttribution, &fixed, "3.7 million");
        assert!(Suppressions::parse(&fixed, DocKind::Markdown).silences(&again));
    }

    #[test]
    fn disable_for_line_in_plain_text() {
        let text = "Erdogan met Putin.\nExperts say so.\n";
        let f = finding(Rule::VagueAttribution, text, "Experts say");
        let fixed =
            apply_edits(text, &disable_for_line(text, DocKind::PlainText, &f).edits).unwrap();
        assert_eq!(
            fixed,
            "Erdogan met Putin.\ncopydesk-disable-next-line vague-attribution\nExperts say so.\n"
        );
    }

    proptest::proptest! {
        /// The vector search for the prefix answers as `str::contains`.
        #[test]
        fn the_prefix_search_agrees_with_contains(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "copydesk-", "copydesk", "-", "c", "opydesk-", "<!-- ", "é", " ", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                    "COPYDESK-", "copy", "desk-",
                ]),
                0..24,
            ),
        ) {
            let text: String = pieces.concat();
            proptest::prop_assert_eq!(holds_prefix(&text), text.contains(PREFIX), "{:?}", text);
        }
    }
}
