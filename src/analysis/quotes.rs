//! Which lexicon claim a quotation in the draft reproduces.
//!
//! A quotation matches a claim when its words, folded, are the claim's
//! words or an exact, whole-word part of them. Acknowledged edits are
//! allowed: an ellipsis splits the quotation into parts that must each
//! appear, in order; a [bracketed] insertion stands for words of the
//! source and is skipped.

use super::index::{is_common_word, words_of, ClaimId, LexiconIndex};
use crate::text::fold::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteMatch {
    pub claim: ClaimId,
    /// The quotation is the whole claim, not a part of it.
    pub whole: bool,
}

/// The claim a quotation's inner text reproduces, if any.
pub fn match_quotation(inner: &str, index: &LexiconIndex) -> Option<QuoteMatch> {
    let parts = parts_of(inner);
    if parts.is_empty() {
        return None;
    }
    let content: Vec<String> = parts
        .iter()
        .flatten()
        .filter(|w| !is_common_word(w))
        .cloned()
        .collect();
    if content.is_empty() {
        return None;
    }
    let total: usize = parts.iter().map(Vec::len).sum();
    // A claim the quotation reproduces holds every one of its content
    // words; the first in lexicon order is the one.
    let claim = index.find_claim_with_all(&content, |c| {
        let claim = index.claim(c);
        claim.claim.quoted && contains_in_order(&claim.folded_words, &parts)
    })?;
    Some(QuoteMatch {
        claim,
        whole: total == index.claim(claim).folded_words.len() && parts.len() == 1,
    })
}

/// The quotation's folded words, split at ellipses, with [bracketed]
/// insertions removed.
pub fn parts_of(inner: &str) -> Vec<Vec<String>> {
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
    unbracketed
        .replace("...", "…")
        .split('…')
        .map(|part| words_of(&fold(part)))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether each part occurs as a contiguous run of `words`, in order.
fn contains_in_order(words: &[String], parts: &[Vec<String>]) -> bool {
    let mut from = 0;
    for part in parts {
        match (from..=words.len().saturating_sub(part.len()))
            .find(|&i| words[i..].starts_with(part))
        {
            Some(i) => from = i + part.len(),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words_of(&fold(s))
    }

    #[test]
    fn parts_and_order() {
        let claim = w("We can strengthen our defense as we please.");
        assert!(contains_in_order(
            &claim,
            &parts_of("we can strengthen our defense")
        ));
        assert!(contains_in_order(
            &claim,
            &parts_of("We can … defense as we please")
        ));
        assert!(contains_in_order(
            &claim,
            &parts_of("[Turkey] can strengthen our defense")
        ));
        assert!(!contains_in_order(
            &claim,
            &parts_of("we can strengthen our army")
        ));
        assert!(!contains_in_order(
            &claim,
            &parts_of("as we please … we can")
        ));
        assert!(
            !contains_in_order(&claim, &parts_of("strengthen defense")),
            "a part must be contiguous"
        );
    }
}
