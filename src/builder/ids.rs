//! Stable ids: slugs of names, so the same input always gives the same ids.

use crate::text::fold::fold;

/// "Aykan Erdemir" → "aykan-erdemir", "S-400" → "s-400", "U.S." → "u-s".
pub fn slug(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len());
    let mut dash = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// A slug of at most `words` words of `text`.
pub fn slug_words(text: &str, words: usize) -> String {
    let s = slug(text);
    s.split('-').take(words).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Aykan Erdemir"), "aykan-erdemir");
        assert_eq!(slug("S-400"), "s-400");
        assert_eq!(slug("Erdoğan’s"), "erdogan-s");
        assert_eq!(slug("  "), "x");
        assert_eq!(
            slug_words("We buy our own weapons, he said", 4),
            "we-buy-our-own"
        );
    }
}
