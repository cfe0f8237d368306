//! `unsourced-figure`: a statistic (a large count, millions and billions, a
//! percentage, a sum of money) in a sentence that gives no source for it.
//! Years, dates, times, ages, ordinals, measurements written as compounds
//! ("18-month truce", "2,000-year-old"), designators (S-400) and small
//! counts are not statistics. Words inside a quotation are the speaker's
//! figures, sourced by the quotation's attribution.

use std::ops::Range;
use std::sync::LazyLock;

use super::patterns::{Class, Classes, PatternSet, Shapes};
use super::tokens::Word;
use super::{Context, Finding, Rule, Scope, Severity};

/// The word lists and cues of data/rules-figures.txt, with the classes the
/// code reads numbers by.
struct Lists {
    set: PatternSet,
    /// Rules out most words as magnitudes: a sentence with none and no
    /// number holds no figure.
    magnitude_shapes: Shapes,
    magnitude: Class,
    percent: Class,
    currency: Class,
    spelled: Class,
    month: Class,
    clock: Class,
}

static WORDS: LazyLock<Lists> = LazyLock::new(|| {
    let set = PatternSet::parse(include_str!("../../data/rules-figures.txt"))
        .expect("data/rules-figures.txt is valid (tested)");
    let class = |name: &str| {
        set.class(name)
            .unwrap_or_else(|| panic!("data/rules-figures.txt defines @{name} (tested)"))
    };
    let magnitude = class("magnitude");
    Lists {
        magnitude_shapes: set.shapes_of(magnitude),
        magnitude,
        percent: class("percent"),
        currency: class("currency"),
        spelled: class("spelled"),
        month: class("month"),
        clock: class("clock"),
        set,
    }
});

/// A sentence's words with their classes.
struct Sentence<'a, 'w> {
    words: &'a [Word<'w>],
    classes: &'a [Classes],
}

/// Plain counts below this are not statistics ("three soldiers", "400 km").
const LARGE_COUNT: f64 = 1000.0;

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut classes = Vec::new();
    // Read once: each use of the lazy static asks whether it is made yet,
    // and the lists are read for every word.
    let lists: &Lists = &WORDS;
    for i in scope.sentences.clone() {
        let sentence = &cx.analysis.sentences[i];
        if cx.in_heading(sentence.start) {
            continue;
        }
        // A figure is a word that starts with a digit, or a spelled number
        // with a magnitude ("four million"). The sentence's words are split
        // once per check for every rule that reads them.
        let ws = cx.sentence_words(i);
        // One pass over the words: most sentences have neither.
        if !ws.iter().any(|w| may_start_figure(lists, w)) {
            continue;
        }
        WORDS.set.classify_into(ws, &mut classes);
        let s = Sentence {
            words: ws,
            classes: &classes,
        };
        let figures: Vec<Range<usize>> = figures(cx.masked, &s)
            .into_iter()
            .filter(|r| !cx.in_quotation(r))
            .collect();
        if figures.is_empty() || has_source(cx, sentence, &s) {
            continue;
        }
        for range in figures {
            findings.push(Finding {
                rule: Rule::UnsourcedFigure,
                severity,
                message: format!(
                    "Unsourced figure: “{}” — according to whom? Say in the sentence where the number comes from.",
                    &cx.text[range.clone()]
                ),
                range,
                fixes: Vec::new(),
                related: Vec::new(),
            });
        }
    }
    findings
}

/// Whether a word starts with a digit or is a magnitude ("million"): a
/// sentence holds a figure only if one of its words does.
#[inline(always)]
fn may_start_figure(lists: &Lists, w: &Word<'_>) -> bool {
    // Asked of every word of the draft. A keyed word (most) holds its
    // first byte in the key's low byte, and its shape beside it.
    if let Some((key, _)) = w.keyed() {
        return (key as u8).is_ascii_digit()
            || (lists.magnitude_shapes.may_hold_word(w)
                && lists.set.classes_of_word(w).contain(lists.magnitude));
    }
    may_start_figure_plain(lists, w)
}

/// [`may_start_figure`] read from the word's form: the plain reading the
/// keyed shortcut is tested against.
fn may_start_figure_plain(lists: &Lists, w: &Word<'_>) -> bool {
    w.lower.first_byte().is_some_and(|b| b.is_ascii_digit())
        || (lists.magnitude_shapes.may_hold_word(w)
            && lists.set.classes_of_word(w).contain(lists.magnitude))
}

fn has_source(cx: &Context<'_>, sentence: &Range<usize>, s: &Sentence<'_, '_>) -> bool {
    // A link in the sentence is the reporter's citation (its URL is masked,
    // so look at the text as written).
    let written = &cx.text[sentence.clone()];
    if written.contains("](") || written.contains("<http") {
        return true;
    }
    !WORDS.set.find_classified(s.words, s.classes).is_empty()
}

/// The byte ranges of the statistics among `ws`.
fn figures(masked: &str, s: &Sentence<'_, '_>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.words.len() {
        if let Some((range, next)) = figure_at(masked, s, i) {
            out.push(range);
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

/// Reads a figure starting at word `i`: returns its range and the index of
/// the first word after it.
fn figure_at(masked: &str, s: &Sentence<'_, '_>, i: usize) -> Option<(Range<usize>, usize)> {
    let ws = s.words;
    let w = &ws[i];
    let joined = |k: usize| ws.get(k).filter(|n| !n.break_before);
    let next_in = |k: usize, class: Class| joined(k).is_some() && s.classes[k].contain(class);
    // "four million", "a billion": spelled numbers count only with a magnitude.
    if !w.lower.first_byte()?.is_ascii_digit() {
        if s.classes[i].contain(WORDS.spelled) && next_in(i + 1, WORDS.magnitude) {
            // "millions of" is a vague quantity, not a figure.
            if ws[i + 1].lower.ends_with('s') {
                return None;
            }
            let mut end = i + 2;
            if next_in(end, WORDS.currency) {
                end += 1;
            }
            return Some((w.range.start..ws[end - 1].range.end, end));
        }
        return None;
    }

    // Compounds ("18-month", "2,000-year-old", "2019-2020") are measures,
    // ages and spans; letters after the digits make ordinals ("19th"),
    // decades ("1990s") or designators, except the magnitude abbreviations.
    // The digits and separators are ASCII: the number is the form's first
    // bytes, read in place.
    let lower = w.lower.as_str();
    let numeric = &lower[..lower
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b',' || *b == b'.')
        .count()];
    let suffix = &lower[numeric.len()..];
    let start_byte = w.range.start;
    let before = masked[..start_byte].trim_end();
    let currency_symbol = before.ends_with(['$', '€', '£', '¥', '₽', '₺', '₹']);
    // "$2bn", "£40m"; but "a 10m wall" and "5k run" are measures.
    let suffix_magnitude = match suffix {
        "bn" => true,
        "m" | "mn" | "k" => currency_symbol,
        _ => false,
    };
    if !suffix.is_empty() && !suffix_magnitude {
        return None;
    }
    let value = number_value(numeric)?;
    let mut start = start_byte;
    if currency_symbol {
        start = before.len() - before.chars().next_back().map_or(0, char::len_utf8);
    }
    let after = &masked[w.range.end..];
    // Times ("10:30") and dates written with separators.
    if after.starts_with(':') || after.starts_with('/') {
        return None;
    }
    let prev = i
        .checked_sub(1)
        .filter(|_| !w.break_before || currency_symbol);
    if prev.is_some_and(|p| s.classes[p].contain(WORDS.month)) || next_in(i + 1, WORDS.month) {
        return None;
    }
    if next_in(i + 1, WORDS.clock) {
        return None;
    }

    let mut end = i + 1;
    let mut magnitude = suffix_magnitude;
    let mut percent = false;
    let mut money = currency_symbol;
    if next_in(end, WORDS.magnitude) {
        magnitude = true;
        end += 1;
    }
    if after.starts_with('%') {
        percent = true;
    } else if next_in(end, WORDS.percent) {
        percent = true;
        end += 1;
        if joined(end).is_some_and(|n| n.lower == "points" || n.lower == "point") {
            end += 1;
        }
    } else if joined(end).is_some_and(|n| n.lower == "per")
        && joined(end + 1).is_some_and(|n| n.lower == "cent")
    {
        percent = true;
        end += 2;
    }
    if next_in(end, WORDS.currency) {
        money = true;
        end += 1;
    }
    let year_like = !numeric.contains([',', '.']) && (1000.0..2200.0).contains(&value);
    // "Resolution 2254", "Flight 1549": a capitalised word before a bare
    // number makes it a name, unless that word only opens the sentence.
    let named = i > 0 && !w.break_before && ws[i - 1].capitalized && !ws[i - 1].break_before;
    let statistic =
        percent || magnitude || (value >= LARGE_COUNT && (money || (!year_like && !named)));
    if !statistic {
        return None;
    }
    let mut range_end = ws[end - 1].range.end;
    if percent && after.starts_with('%') {
        range_end = w.range.end + 1;
    }
    Some((start..range_end, end))
}

/// The value of digits with thousands separators ("12,000"): most
/// figures have none, and are parsed without a copy made.
fn number_value(numeric: &str) -> Option<f64> {
    if numeric.contains(',') {
        return number_value_plain(numeric);
    }
    numeric.parse().ok()
}

/// [`number_value`] with the separators always taken out: the plain
/// reading it is tested against.
fn number_value_plain(numeric: &str) -> Option<f64> {
    numeric.replace(',', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{phrases, Lexicon};

    fn figures(sentence: &str) -> Vec<String> {
        phrases(&Lexicon::empty(), sentence, "unsourced-figure")
    }

    #[test]
    fn the_word_lists_parse() {
        let _ = &*super::WORDS;
    }

    #[test]
    fn counts_in_millions_with_no_source() {
        assert_eq!(
            figures(
                "Nearly 4 million people are living in the remaining rebel-held part of Idlib."
            ),
            ["4 million"]
        );
        assert_eq!(
            figures("Turkey is already host to 4 million refugees, the majority of them Syrians."),
            ["4 million"]
        );
        assert_eq!(
            figures("More than a million people fled to the border."),
            ["a million"]
        );
        assert_eq!(
            figures("MORE THAN FOUR MILLION PEOPLE FLED."),
            ["FOUR MILLION"]
        );
        assert_eq!(
            figures("Some 12,000 fighters remain in the province."),
            ["12,000"]
        );
    }

    #[test]
    fn money_and_percentages() {
        assert_eq!(
            figures("The S-400 deal was worth $2.5 billion."),
            ["$2.5 billion"]
        );
        assert_eq!(
            figures("Inflation reached 19.6 percent in September."),
            ["19.6 percent"]
        );
        assert_eq!(figures("Gas prices rose 40% in a month."), ["40%"]);
        assert_eq!(
            figures("The lira has lost 20 per cent of its value since June."),
            ["20 per cent"]
        );
        assert_eq!(
            figures("Russia lent Turkey 4 billion euros for the reactor."),
            ["4 billion euros"]
        );
        assert_eq!(
            figures("The pipeline cost £40m and the port 2bn lira."),
            ["£40m", "2bn lira"]
        );
    }

    #[test]
    fn a_source_in_the_sentence_silences_it() {
        for sentence in [
            "Nearly 4 million people live in Idlib, according to the United Nations.",
            "Turkey hosts 3.7 million Syrian refugees, the U.N. refugee agency says.",
            "Inflation reached 19.6 percent, official data from TurkStat showed.",
            "The deal was worth $2.5 billion, Erdogan told reporters.",
            "Nearly [4 million people](https://data.unhcr.org/en/situations/syria) live in Idlib.",
            "Economists polled by Reuters had expected a rate of 21 percent.",
        ] {
            assert_eq!(figures(sentence), [] as [&str; 0], "{sentence}");
        }
    }

    #[test]
    fn years_dates_ages_and_small_counts_are_not_statistics() {
        for sentence in [
            "Washington canceled Turkey’s purchase of F-35 warplanes in 2019.",
            "The offensive would end an 18-month truce.",
            "It was his weakest hand yet in the pair’s 19-year relationship.",
            "Since a dangerous clash in 2015, the two leaders have met often.",
            "The meeting in Sochi lasted three hours and began at 10:30 a.m.",
            "Turkey deployed hundreds of soldiers and 300 Syrian militants to Libya.",
            "Erdogan, 67, has led Turkey since 2003.",
            "The talks were held on Sept. 29 in Sochi.",
            "Millions of people have fled the fighting since the 1990s.",
            "The city’s 2,000-year-old walls were damaged.",
            "The Security Council passed Resolution 2254 unanimously.",
            "It was the 19th meeting between the two presidents.",
            "The S-400 and the Su-57 were on the table.",
            "Workers built a 10m wall along the 5k route.",
            "The bank’s governor, Hafize Gaye Erkan, 41, took office in June.",
        ] {
            assert_eq!(figures(sentence), [] as [&str; 0], "{sentence}");
        }
    }

    proptest::proptest! {
        /// A number without separators parsed in place has the value of
        /// the plain reading, and so does one with them.
        #[test]
        fn numbers_parse_as_the_plain_reading(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["0", "1", "9", "12", ",", ".", "000", "e", "-"]),
                0..8,
            ),
        ) {
            let numeric: String = pieces.concat();
            let plain = super::number_value_plain(&numeric);
            let fast = super::number_value(&numeric);
            proptest::prop_assert_eq!(fast.map(f64::to_bits), plain.map(f64::to_bits), "{:?}", numeric);
        }

        /// The keyed shortcut of `may_start_figure` answers as the plain
        /// reading of the word's form, for words in any case, digits,
        /// currency, non-ASCII and long words.
        #[test]
        fn the_keyed_figure_start_test_agrees_with_the_plain_one(
            text in crate::rules::testing::prose_of(
                &[
                    "million", "Millions", "BILLION", "bn", "mln", "4", "12,000", "2.5",
                    "19th", "$2bn", "£40m", "four", "percent", "a", "Ünïcode", "1990s",
                    "extraordinarily-long-word", "trillions", "mill", "billionaire", "0",
                ],
                &[" ", ", ", "-", "’", ". ", "“", "é", "9", "%"],
            ),
        ) {
            let lists: &super::Lists = &super::WORDS;
            for w in crate::rules::tokens::words(&text, 0..text.len()) {
                proptest::prop_assert_eq!(
                    super::may_start_figure(lists, &w),
                    super::may_start_figure_plain(lists, &w),
                    "{} in {:?}", w.lower.as_str(), text
                );
            }
        }
    }
}
