//! Which lexicon claim a quotation in the draft reproduces.
//!
//! A quotation matches a claim when its words, folded, are the claim's
//! words or an exact, whole-word part of them. Acknowledged edits are
//! allowed: an ellipsis splits the quotation into parts that must each
//! appear, in order; a [bracketed] insertion stands for words of the
//! source and is skipped.

use std::borrow::Cow;

use super::index::{word_slices, ClaimId, LexiconIndex};
use super::memo::TextMemo;
use crate::text::fold::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteMatch {
    pub claim: ClaimId,
    /// The quotation is the whole claim, not a part of it.
    pub whole: bool,
}

/// The claim a quotation's inner text reproduces, if any.
pub fn match_quotation(inner: &str, index: &LexiconIndex) -> Option<QuoteMatch> {
    let memo = index.memo::<QuoteMemo>();
    if let Some(known) = memo.0.get(inner) {
        return known;
    }
    let found = match_afresh(inner, index);
    memo.0.insert(inner, found);
    found
}

/// [`match_quotation`] worked out, without the memo.
fn match_afresh(inner: &str, index: &LexiconIndex) -> Option<QuoteMatch> {
    let folded = folded_quotation(inner);
    let parts = Parts::of(&folded);
    let needles = parts.joined();
    // A claim the quotation reproduces holds every one of its content
    // words (the lists narrow the claims to check; the check is the
    // order); the first in lexicon order is the one. A claim is compared
    // by its quoted words alone, never decoded: most compared are not it.
    let claim = index.find_claim_with_all(parts.words.iter().copied(), |c| {
        holds_in_order(index.quoted_words(c), &needles)
    })?;
    Some(QuoteMatch {
        claim,
        // The one part matched whole words of the claim: all of them if
        // it is as long.
        whole: matches!(&needles[..], [one] if one.len() == index.quoted_words(claim).len()),
    })
}

/// Each quotation's match, by its inner text: matching one costs tens of
/// thousands of instructions (its words looked up, their claim lists
/// intersected, claims decoded and compared), looking it up a hash of its
/// text. The match depends on nothing but the text and the index.
#[derive(Default)]
struct QuoteMemo(TextMemo<Option<QuoteMatch>>);

/// The quotation folded, with [bracketed] insertions turned into ellipses
/// and "..." written as one: its parts are what lies between ellipses.
fn folded_quotation(inner: &str) -> String {
    let unbracketed = if inner.bytes().any(|b| b == b'[' || b == b']') {
        let mut unbracketed = String::with_capacity(inner.len());
        let mut depth = 0usize;
        for c in inner.chars() {
            match c {
                '[' => {
                    depth += 1;
                    // A bracketed insertion stands in for source words: a gap.
                    unbracketed.push_str(" … ");
                }
                ']' => depth = depth.saturating_sub(1),
                _ if depth == 0 => unbracketed.push(c),
                _ => {}
            }
        }
        Cow::Owned(unbracketed)
    } else {
        Cow::Borrowed(inner)
    };
    // Folding goes a character at a time and keeps "…" and "." as they
    // are, so the parts of the folded text are the folded parts.
    let dots = |w: &[u8]| matches!(w, [b'.', b'.', b'.']);
    if unbracketed.as_bytes().windows(3).any(dots) {
        fold(&unbracketed.replace("...", "…"))
    } else {
        fold(&unbracketed)
    }
}

/// A quotation's words, borrowed from its folded text, in parts split at
/// ellipses (parts without words left out).
struct Parts<'a> {
    words: Vec<&'a str>,
    /// Where each part's words end in `words`.
    ends: Vec<usize>,
}

impl<'a> Parts<'a> {
    fn of(folded: &'a str) -> Parts<'a> {
        // Room for the words of most quotations at once.
        let mut words = Vec::with_capacity(folded.len() / 4 + 1);
        let mut ends = Vec::new();
        for part in folded.split('…') {
            words.extend(word_slices(part));
            if ends.last().map_or(0, |&e| e) < words.len() {
                ends.push(words.len());
            }
        }
        Parts { words, ends }
    }

    fn iter(&self) -> impl Iterator<Item = &[&'a str]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(s, &e)| &self.words[s..e])
    }

    /// Each part's words joined by single spaces, as a claim's quoted
    /// words are ([`LexiconIndex::quoted_words`]).
    fn joined(&self) -> Vec<String> {
        self.iter().map(|part| part.join(" ")).collect()
    }
}

/// Whether each of `needles` (a part's words joined by single spaces)
/// occurs in `words` (a claim's, joined the same way) as a run of whole
/// words, in order, each after the one before: as the words hold no space,
/// a needle matching at a word start and ending at a word's end is a run
/// of words equal to the part's.
fn holds_in_order(words: &[u8], needles: &[String]) -> bool {
    let mut from = 0;
    for needle in needles {
        match run_at_or_after(words, from, needle.as_bytes()) {
            // The next part starts at a later word.
            Some(end) => from = end + 1,
            None => return false,
        }
    }
    true
}

/// Where the first run of whole words of `words` that starts at the word
/// start `at` or later and equals `needle` (not empty) ends.
fn run_at_or_after(words: &[u8], mut at: usize, needle: &[u8]) -> Option<usize> {
    loop {
        let rest = words.get(at..)?;
        let end = at + needle.len();
        // The first byte decides most words: no call to compare the rest.
        if rest.first() == needle.first()
            && rest.starts_with(needle)
            && matches!(words.get(end), None | Some(b' '))
        {
            return Some(end);
        }
        at += memchr::memchr(b' ', rest)? + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::words_of;
    use proptest::prelude::*;

    /// A claim's quoted words, as the index keeps them.
    fn quoted_words(claim: &str) -> String {
        words_of(&fold(claim)).join(" ")
    }

    fn in_order(claim: &str, quotation: &str) -> bool {
        let folded = folded_quotation(quotation);
        holds_in_order(quoted_words(claim).as_bytes(), &Parts::of(&folded).joined())
    }

    #[test]
    fn parts_and_order() {
        let claim = "We can strengthen our defense as we please.";
        assert!(in_order(claim, "we can strengthen our defense"));
        assert!(in_order(claim, "We can … defense as we please"));
        assert!(in_order(claim, "We can... defense as we please"));
        assert!(in_order(claim, "[Turkey] can strengthen our defense"));
        assert!(!in_order(claim, "we can strengthen our army"));
        assert!(!in_order(claim, "as we please … we can"));
        assert!(
            !in_order(claim, "strengthen defense"),
            "a part must be contiguous"
        );
        assert!(
            in_order(claim, "we can [build] our defense"),
            "an insertion is a gap, whatever words it replaces"
        );
    }

    #[test]
    fn parts_are_the_words_between_ellipses_and_insertions() {
        let parts = |q: &str| {
            let folded = folded_quotation(q);
            let parts = Parts::of(&folded);
            parts.iter().map(|p| p.join(" ")).collect::<Vec<_>>()
        };
        assert_eq!(
            parts("Erdoğan’s S-400s, he said"),
            ["erdogan's s-400s he said"]
        );
        assert_eq!(
            parts("…we [Turkey] buy... our own [[nested] weapons] … ,"),
            ["we", "buy", "our own"]
        );
        assert_eq!(parts(" … [x] ..."), Vec::<String>::new());
    }

    /// What matching was before posting lists: each part folded on its own,
    /// every claim of the lexicon tried in order.
    fn plain_match(inner: &str, index: &LexiconIndex) -> Option<QuoteMatch> {
        let mut unbracketed = String::new();
        let mut depth = 0usize;
        for c in inner.chars() {
            match c {
                '[' => {
                    depth += 1;
                    unbracketed.push_str(" … ");
                }
                ']' => depth = depth.saturating_sub(1),
                _ if depth == 0 => unbracketed.push(c),
                _ => {}
            }
        }
        let parts: Vec<Vec<String>> = unbracketed
            .replace("...", "…")
            .split('…')
            .map(|part| words_of(&fold(part)))
            .filter(|w| !w.is_empty())
            .collect();
        let total: usize = parts.iter().map(Vec::len).sum();
        if !parts
            .iter()
            .flatten()
            .any(|w| !crate::analysis::index::is_common_word(w))
        {
            return None;
        }
        (0..index.claims.len()).find_map(|c| {
            let claim = index.claim(c);
            let words = words_of(&fold(&claim.claim.text));
            let mut from = 0;
            for part in &parts {
                let at = (from..=words.len().saturating_sub(part.len()))
                    .find(|&i| words[i..].starts_with(part))?;
                from = at + part.len();
            }
            claim.claim.quoted.then_some(QuoteMatch {
                claim: c,
                whole: total == words.len() && parts.len() == 1,
            })
        })
    }

    const VOCABULARY: &[&str] = &[
        "we",
        "buy",
        "our",
        "can",
        "weapons",
        "Weapons",
        "gas",
        "Russia",
        "Turkey’s",
        "turkey's",
        "Erdoğan",
        "erdogan",
        "S-400s",
        "defense",
        "please",
        "strengthen",
        "pipeline",
        "ties",
        "sochi",
    ];

    fn lexicon(claims: &[(Vec<usize>, bool)]) -> LexiconIndex {
        let claims: Vec<String> = claims
            .iter()
            .enumerate()
            .map(|(i, (words, quoted))| {
                let text: Vec<&str> = words.iter().map(|&w| VOCABULARY[w]).collect();
                format!(
                    r#"{{"id": "c{i}", "text": "{}.", "quoted": {quoted}, "source": "s", "start": 0, "end": 1}}"#,
                    text.join(" ")
                )
            })
            .collect();
        let text = format!(
            r#"{{"copydesk_lexicon": 1, "entities": [], "claims": [{}]}}"#,
            claims.join(",")
        );
        LexiconIndex::of_json("x.lexicon.json", &text)
    }

    /// Whether each part occurs as a contiguous run of `words`, in order:
    /// the comparison word by word that [`holds_in_order`] replaced.
    fn plain_in_order(words: &[String], parts: &[Vec<String>]) -> bool {
        let mut from = 0;
        for part in parts {
            match (from..=words.len().saturating_sub(part.len()))
                .find(|&i| i + part.len() <= words.len() && words[i..].starts_with(part))
            {
                Some(i) => from = i + part.len(),
                None => return false,
            }
        }
        true
    }

    proptest! {
        /// Comparing the joined words equals comparing word by word, with
        /// words that begin or end others ("we", "weapons", "s-400s").
        #[test]
        fn joined_words_hold_parts_as_the_words_do(
            claim in prop::collection::vec(0..6usize, 0..9),
            parts in prop::collection::vec(prop::collection::vec(0..6usize, 1..4), 1..4),
        ) {
            const WORDS: [&str; 6] = ["we", "weapons", "s-400s", "s", "buy", "we'd"];
            let claim: Vec<String> = claim.iter().map(|&w| WORDS[w].to_string()).collect();
            let parts: Vec<Vec<String>> = parts
                .iter()
                .map(|p| p.iter().map(|&w| WORDS[w].to_string()).collect())
                .collect();
            let needles: Vec<String> = parts.iter().map(|p| p.join(" ")).collect();
            prop_assert_eq!(
                holds_in_order(claim.join(" ").as_bytes(), &needles),
                plain_in_order(&claim, &parts)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Every quotation matches the claim (and wholeness) that trying
        /// each claim in order finds: the posting lists, the words left
        /// unread once a list is short, and the borrowed parts change what
        /// matching costs, never what it finds; so does the memo of
        /// quotations matched before.
        #[test]
        fn the_claim_found_is_the_first_the_plain_walk_finds(
            claims in prop::collection::vec(
                (prop::collection::vec(0..VOCABULARY.len(), 1..7), prop::bool::weighted(0.7)),
                1..40),
            quotations in prop::collection::vec(
                (0usize..40, 0usize..7, 1usize..6,
                 prop::collection::vec((0..VOCABULARY.len(), 0u8..8), 0..4)),
                1..12),
        ) {
            let index = lexicon(&claims);
            for (claim, from, len, extra) in quotations {
                // Mostly a run of a claim's words, with ellipses, insertions
                // and other words mixed in.
                let words = &claims[claim % claims.len()].0;
                let mut quote: Vec<String> = words
                    .iter()
                    .skip(from)
                    .take(len)
                    .map(|&w| VOCABULARY[w].to_string())
                    .collect();
                for (w, how) in extra {
                    let at = usize::from(how) % (quote.len() + 1);
                    let piece = match how {
                        0 | 1 => "…".to_string(),
                        2 => "...".to_string(),
                        3 => format!("[{}]", VOCABULARY[w]),
                        _ => VOCABULARY[w].to_string(),
                    };
                    quote.insert(at, piece);
                }
                let inner = quote.join(" ");
                let plain = plain_match(&inner, &index);
                prop_assert_eq!(match_quotation(&inner, &index), plain, "{}", inner);
                // Again, now from the memo.
                prop_assert_eq!(match_quotation(&inner, &index), plain, "{} (remembered)", inner);
            }
        }
    }
}
