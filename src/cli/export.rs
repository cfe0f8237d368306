//! `copydesk lexicon export`: writes the names a lexicon knows as the word
//! lists that other prose checkers read, so that the spell checkers running
//! beside copydesk stop flagging the names the desk has already settled.
//!
//! Which forms count: an entity's `name`, its `aliases` and its
//! `first_reference`, the spellings the desk accepts in copy. `variants` are
//! left out on purpose: they are the spellings copydesk corrects, and a
//! checker told to accept them would undo that.
//!
//! Each checker reads names differently, so each format is shaped after the
//! checker's own tokenizer:
//! - harper splits text into words at anything that is not a letter, a digit
//!   or an inner apostrophe, compares case-sensitively, and does not derive a
//!   possessive from a dictionary word; so the list holds each word of each
//!   form and, where a form ends in a capitalised word, that word with `'s`
//!   (harper folds the typographic apostrophe in the text to `'` before
//!   looking a word up, but not the entries of its dictionary).
//! - Vale's vocabulary is one regular expression per line, matched
//!   case-insensitively by its spell checker and with the entry's exact case
//!   by `Vale.Terms`; a multi-word entry is accepted as a phrase. So the list
//!   holds each whole form, with regular-expression syntax escaped.
//! - typos looks up words case-insensitively after splitting identifiers at
//!   case changes and digits, and reads `[default.extend-words]` entries that
//!   map a word to itself as "always valid"; so the table holds each such
//!   word in lower case.
//! - plain: every whole form, one per line, for any other tool.
//!
//! The output is sorted and deduplicated so that the same lexicons always
//! give the same bytes, and a file written with `-o` is replaced atomically.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::lexicon::Lexicon;
use crate::{files, workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// harper's workspace or user dictionary: one word per line.
    Harper,
    /// Vale's vocabulary `accept.txt`: one escaped term per line.
    Vale,
    /// typos' configuration: a `[default.extend-words]` table.
    Typos,
    /// Every accepted form of every name, one per line.
    Plain,
}

/// Arguments of `copydesk lexicon export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which checker's word list to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write to FILE (replaced atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lexicon files. Without any: the `lexicons` listed in ./copydesk.toml,
    /// else every *.lexicon.json below the current directory.
    #[arg(value_name = "LEXICON")]
    pub lexicons: Vec<PathBuf>,
}

pub fn run(args: ExportArgs) -> ExitCode {
    match export(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("copydesk: {message}");
            ExitCode::from(2)
        }
    }
}

fn export(args: &ExportArgs) -> Result<(), String> {
    let paths = if args.lexicons.is_empty() {
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))?;
        find_lexicons(&cwd)?
    } else {
        args.lexicons.clone()
    };
    let mut lexicons = Vec::with_capacity(paths.len());
    for path in &paths {
        let input = workspace::load_lexicon(path).map_err(|e| e.to_string())?;
        lexicons.push(input.lexicon);
    }
    let rendered = render(args.format, &lexicons);
    match &args.output {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(rendered.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
        Some(out) => {
            // A checker watching the file sees the old list or the new one, never half.
            files::write_atomically(out, rendered.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            let lines = rendered
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
                .count();
            eprintln!(
                "copydesk: wrote {lines} entries from {} lexicon{} to {}",
                paths.len(),
                if paths.len() == 1 { "" } else { "s" },
                out.display()
            );
            Ok(())
        }
    }
}

/// The lexicons the server loads for a workspace rooted at `root` when the
/// editor's settings name none (see `workspace::lexicon_paths`).
fn find_lexicons(root: &Path) -> Result<Vec<PathBuf>, String> {
    let config = workspace::read_config(root)?;
    let listed = config
        .as_ref()
        .and_then(|(settings, _)| settings.lexicons.as_deref());
    let (found, refused) = workspace::lexicon_paths(Some(root), None, listed);
    if let Some(first) = refused.first() {
        return Err(first.to_string());
    }
    if found.is_empty() {
        return Err(format!(
            "no lexicon given, and none found: no `lexicons` in {} and no *.lexicon.json below {}",
            root.join(workspace::CONFIG_FILE).display(),
            root.display()
        ));
    }
    Ok(found.into_iter().map(|(path, _)| path).collect())
}

/// Renders the word list for `format`. Pure: same lexicons, same string.
pub fn render(format: Format, lexicons: &[Lexicon]) -> String {
    let forms = accepted_forms(lexicons);
    match format {
        Format::Plain => lines(forms.iter().map(String::as_str)),
        Format::Harper => {
            let mut words = BTreeSet::new();
            for form in &forms {
                let form_words = harper_words(form);
                // A possessive attaches to the end of a name: "Aykan Erdemir's".
                if let Some(last) = form_words.last() {
                    if last.chars().next().is_some_and(char::is_uppercase) {
                        words.insert(format!("{last}'s"));
                    }
                }
                words.extend(form_words);
            }
            lines(words.iter().map(String::as_str))
        }
        Format::Vale => {
            let terms: BTreeSet<String> = forms.iter().map(|f| vale_escape(f)).collect();
            let mut out = String::from(
                "# Written by `copydesk lexicon export --format vale`: the names the desk's\n\
                 # lexicons accept. Change the lexicon and export again rather than editing this.\n",
            );
            out.push_str(&lines(terms.iter().map(String::as_str)));
            out
        }
        Format::Typos => {
            let words: BTreeSet<String> = forms.iter().flat_map(|f| typos_words(f)).collect();
            #[derive(Serialize)]
            struct TyposConfig {
                default: TyposDefault,
            }
            #[derive(Serialize)]
            struct TyposDefault {
                #[serde(rename = "extend-words")]
                extend_words: BTreeMap<String, String>,
            }
            let config = TyposConfig {
                default: TyposDefault {
                    extend_words: words.into_iter().map(|w| (w.clone(), w)).collect(),
                },
            };
            let table = toml::to_string(&config).expect("a table of strings serialises");
            format!(
                "# Written by `copydesk lexicon export --format typos`: the words of the names\n\
                 # the desk's lexicons accept, each marked as always valid.\n{table}"
            )
        }
    }
}

fn lines<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(item);
        out.push('\n');
    }
    out
}

/// Every spelling of every entity's name that the desk accepts in copy,
/// with surrounding whitespace removed and inner runs of whitespace made one
/// space (a lexicon edited by hand can hold "Jens  Stoltenberg").
pub fn accepted_forms(lexicons: &[Lexicon]) -> BTreeSet<String> {
    let mut forms = BTreeSet::new();
    for entity in lexicons.iter().flat_map(|l| &l.entities) {
        let all = std::iter::once(&entity.name)
            .chain(&entity.aliases)
            .chain(entity.first_reference.as_ref());
        for form in all {
            let tidy = form.split_whitespace().collect::<Vec<_>>().join(" ");
            if !tidy.is_empty() {
                forms.insert(tidy);
            }
        }
    }
    forms
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

/// The words harper's tokenizer would see in `form` that can be misspelt:
/// runs of letters, digits and inner apostrophes, without leading digits
/// (harper reads those as a number) and without any that have no letter.
fn harper_words(form: &str) -> Vec<String> {
    form.split(|c: char| !(c.is_alphabetic() || c.is_ascii_digit() || is_apostrophe(c)))
        .map(|w| w.trim_matches(is_apostrophe))
        .map(|w| w.trim_start_matches(|c: char| c.is_ascii_digit()))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(|w| w.replace(['’', 'ʼ'], "'"))
        .collect()
}

/// The words typos would look up in `form`, lower-cased (it compares them
/// case-insensitively): identifiers split where letters meet digits and at
/// case changes, as `typos --words` shows ("McCain" gives "mc" and "cain",
/// "HTMLTokens" gives "html" and "tokens"). Digit runs are never checked.
fn typos_words(form: &str) -> Vec<String> {
    let mut words = Vec::new();
    for ident in form.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = ident.chars().collect();
        let mut start = 0;
        for i in 1..=chars.len() {
            let boundary = i == chars.len() || {
                let (prev, cur) = (chars[i - 1], chars[i]);
                let next = chars.get(i + 1).copied();
                (prev.is_alphabetic() != cur.is_alphabetic())
                    || (prev.is_lowercase() && cur.is_uppercase())
                    || (prev.is_uppercase()
                        && cur.is_uppercase()
                        && next.is_some_and(char::is_lowercase))
            };
            if boundary {
                let word: String = chars[start..i].iter().collect();
                if word.chars().any(char::is_alphabetic) {
                    words.push(word.to_lowercase());
                }
                start = i;
            }
        }
    }
    words
}

/// Escapes what Vale's regular expressions (Go syntax) give meaning to, and a
/// leading `#`, which would make the line a comment.
fn vale_escape(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 4);
    for (i, c) in term.chars().enumerate() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        ) || (i == 0 && c == '#')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harper_words_follow_its_tokenizer() {
        assert_eq!(harper_words("S-400"), ["S"]);
        assert_eq!(harper_words("Nagorno-Karabakh"), ["Nagorno", "Karabakh"]);
        assert_eq!(harper_words("Mr. Erdemir"), ["Mr", "Erdemir"]);
        assert_eq!(harper_words("O’Brien"), ["O'Brien"]);
        assert_eq!(harper_words("3M"), ["M"]);
        assert_eq!(harper_words("F-35"), ["F"]);
        assert_eq!(
            harper_words("Recep Tayyip Erdoğan"),
            ["Recep", "Tayyip", "Erdoğan"]
        );
    }

    #[test]
    fn typos_words_split_at_case_changes_and_digits() {
        assert_eq!(typos_words("McCain"), ["mc", "cain"]);
        assert_eq!(typos_words("NATO"), ["nato"]);
        assert_eq!(typos_words("HTMLTokens"), ["html", "tokens"]);
        assert_eq!(typos_words("S-400"), ["s"]);
        assert_eq!(typos_words("B52s"), ["b", "s"]);
        assert_eq!(typos_words("Jaques Wagner"), ["jaques", "wagner"]);
        assert_eq!(typos_words("Ned O'Hara"), ["ned", "o", "hara"]);
    }

    #[test]
    fn vale_terms_are_literal() {
        assert_eq!(
            vale_escape("U.S. Army (Reserve)"),
            r"U\.S\. Army \(Reserve\)"
        );
        assert_eq!(vale_escape("#MeToo"), r"\#MeToo");
        assert_eq!(vale_escape("C++ Foundation"), r"C\+\+ Foundation");
        assert_eq!(vale_escape("Nagorno-Karabakh"), "Nagorno-Karabakh");
    }
}
