//! The lexicon's folded names grouped by their first word, for the name
//! scan: a hash table from a first word to the patterns that start with
//! it, built with the index and stored in its cache.
//!
//! A name accepted at a word start begins with the whole word there (see
//! `mentions::next_name`), so one probe per word of a draft tells whether
//! any name starts there, and only the patterns of that word's group are
//! compared with the text. A group's patterns are pattern ids, ascending,
//! which is their folded texts' byte order: the longest one the text
//! begins with is found by binary search, never by a walk over the group.

use serde::{Deserialize, Serialize};

use super::shared_array::Array;

/// A group's entry in the hash table: the high half of its word's hash
/// (compared before the word itself), the group's first pattern, and
/// where its patterns lie in `ids`. An empty slot has no patterns
/// (`end` 0: every group has one).
///
/// The group's place is in the slot, and so is its pattern when it has
/// only one (most first words start one name): a word that starts a name
/// reads its pattern straight from the slot. The name scan probes every
/// word of a draft, and the names of a long draft are mostly ones it has
/// not met before, whose every load is a miss of the cache: one load from
/// the slot instead of three, one after the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Slot {
    tag: u32,
    first: u32,
    start: u32,
    end: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NameTable {
    /// Open addressing, linear probing; a power of two long (or empty).
    slots: Array<Slot>,
    /// Each group's patterns, ascending, back to back.
    ids: Array<u32>,
}

/// Byte classes for [`word_at`]: an ASCII letter or digit, a byte of a
/// character beyond ASCII (decoded to tell), anything else.
const ASCII_WORD: u8 = 1;
const BEYOND_ASCII: u8 = 2;
// A `const`, not a `static`: each use is a constant of its own code unit,
// addressed directly, where a static of another unit is reached through
// the global offset table on every byte of the scan's word loop.
const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        classes[b] = if (b as u8).is_ascii_alphanumeric() {
            ASCII_WORD
        } else if b >= 0x80 {
            BEYOND_ASCII
        } else {
            0
        };
        b += 1;
    }
    classes
};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Where the run of letters and digits starting at `at` ends, and a hash
/// of the run (the one the table keys a word by), in one pass over its
/// bytes: the name scan asks this of every word of a draft, so the ASCII
/// letters and digits of most words are taken in a loop of their own.
#[inline]
pub fn word_at(s: &str, at: usize) -> (usize, u64) {
    let bytes = s.as_bytes();
    let mut h = FNV_OFFSET;
    let mut i = at;
    // The class of the byte the word stops at (none at the text's end):
    // read once, in the loop.
    let mut stop = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let class = CLASSES[usize::from(b)];
        if class != ASCII_WORD {
            stop = class;
            break;
        }
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    if stop == BEYOND_ASCII {
        return word_beyond_ascii(s, i, h);
    }
    (i, finish(h))
}

/// [`word_at`] from `i`, the first byte of a character beyond ASCII, with
/// the hash of the word's bytes before it.
#[inline(never)]
fn word_beyond_ascii(s: &str, mut i: usize, mut h: u64) -> (usize, u64) {
    let bytes = s.as_bytes();
    while let Some(&b) = bytes.get(i) {
        match CLASSES[usize::from(b)] {
            ASCII_WORD => {
                h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
                i += 1;
            }
            BEYOND_ASCII => {
                let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                if !is_alphanumeric(c) {
                    break;
                }
                for &b in &bytes[i..i + c.len_utf8()] {
                    h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
                }
                i += c.len_utf8();
            }
            _ => break,
        }
    }
    (i, finish(h))
}

/// `char::is_alphanumeric`, with the General Punctuation block (U+2000 to
/// U+206F: the closing quotation mark, dashes, the ellipsis that follow
/// words in prose) answered without the Unicode tables, whose look-up
/// costs hundreds of instructions a character. None of the block is a
/// letter or digit (a test checks every one).
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    !('\u{2000}'..='\u{206F}').contains(&c) && c.is_alphanumeric()
}

/// FNV's high bits mix poorly on short words: a finalizer spreads them
/// (the table takes its slot from the low bits, its tag from the high).
#[inline]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// The character UTF-8 `bytes` start with, if they start with a whole one.
fn first_char(bytes: &[u8]) -> Option<char> {
    let head = &bytes[..bytes.len().min(4)];
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
    };
    valid.chars().next()
}

/// Where the run of letters and digits starting at `at` ends.
pub fn word_end(s: &str, at: usize) -> usize {
    word_at(s, at).0
}

impl NameTable {
    /// The table of `patterns`: every pattern's folded text, in id order
    /// (ascending bytes).
    pub fn build<'a>(patterns: impl Iterator<Item = &'a str>) -> NameTable {
        let mut group_of: std::collections::HashMap<&str, usize> = Default::default();
        let mut groups: Vec<(u64, Vec<u32>)> = Vec::new();
        for (id, p) in patterns.enumerate() {
            let (end, hash) = word_at(p, 0);
            let word = &p[..end];
            let g = *group_of.entry(word).or_insert_with(|| {
                groups.push((hash, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(id as u32);
        }
        let len = if groups.is_empty() {
            0
        } else {
            (groups.len() * 2).next_power_of_two()
        };
        let mut slots = vec![Slot::default(); len];
        let mut ids = Vec::new();
        // A number past the `u32`s (four billion patterns) reads as an
        // empty group, never as another one.
        let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for (h, members) in groups {
            let slot = Slot {
                tag: (h >> 32) as u32,
                first: members[0],
                start: small(ids.len()),
                end: small(ids.len() + members.len()),
            };
            ids.extend(members);
            let mut at = h as usize & (len - 1);
            while slots[at].end != 0 {
                at = (at + 1) & (len - 1);
            }
            slots[at] = slot;
        }
        NameTable {
            slots: slots.into(),
            ids: ids.into(),
        }
    }

    /// The patterns whose first word (run of letters and digits, empty if
    /// the pattern starts with another character) is `word`, whose hash
    /// ([`word_at`]) is `h`: `pattern` gives a pattern's folded text.
    ///
    /// Inlined into the name scan: a word that starts no name costs the
    /// probes alone (one or two slots, the table being at most half full).
    #[inline(always)]
    pub fn group<'a>(&self, word: &[u8], h: u64, pattern: impl Fn(u32) -> &'a [u8]) -> &[u32] {
        // The slice once, so that the probe loop keeps it in registers.
        let slots: &[Slot] = &self.slots;
        if slots.is_empty() {
            return &[];
        }
        let tag = (h >> 32) as u32;
        let mask = slots.len() - 1;
        let mut at = h as usize & mask;
        // Every probe sequence ends at an empty slot (the table is at most
        // half full); a damaged table's is bounded by its length.
        for _ in 0..slots.len() {
            let Some(slot) = slots.get(at) else {
                return &[];
            };
            if slot.end == 0 {
                return &[];
            }
            if slot.tag == tag {
                if let Some(members) = self.group_of_word(slot, word, &pattern) {
                    return members;
                }
            }
            at = (at + 1) & mask;
        }
        &[]
    }

    /// The group of a slot whose tag matches `word`'s, if its first
    /// pattern's first word is `word` (the tag is half a hash: words may
    /// share it).
    fn group_of_word<'s, 'a>(
        &'s self,
        slot: &'s Slot,
        word: &[u8],
        pattern: impl Fn(u32) -> &'a [u8],
    ) -> Option<&'s [u32]> {
        let rest = strip_prefix(pattern(slot.first), word)?;
        // The pattern's first word ends where `word` does: at its end, or
        // at a character that is not a letter or digit.
        let ends = match rest.first() {
            None => true,
            Some(b) if b.is_ascii() => !b.is_ascii_alphanumeric(),
            Some(_) => first_char(rest).is_none_or(|c| !is_alphanumeric(c)),
        };
        if !ends {
            return None;
        }
        if slot.end.wrapping_sub(slot.start) == 1 {
            // The one pattern, from the slot: `ids` is not read.
            return Some(std::slice::from_ref(&slot.first));
        }
        self.ids.get(slot.start as usize..slot.end as usize)
    }
}

/// The longest of `group`'s patterns (ascending, all starting with the
/// same `shared` bytes as `hay`) that `hay` begins with: its length and id.
pub fn longest_prefix<'a>(
    group: &[u32],
    hay: &[u8],
    shared: usize,
    pattern: impl Fn(u32) -> &'a [u8],
) -> Option<(usize, usize)> {
    let rest = |id: u32| pattern(id).get(shared..).unwrap_or(&[]);
    let mut key = hay.get(shared..)?;
    if let [id] = group {
        // Most words start one name: the search below comes to this.
        let p = rest(*id);
        return starts_with(key, p).then_some((shared + p.len(), *id as usize));
    }
    let mut upto = group.len();
    loop {
        // The greatest pattern not above the text: the longest prefix of
        // the text among the patterns if it is one; else every pattern
        // that is one lies within the bytes it shares with the text.
        let at = group[..upto].partition_point(|&id| compare(rest(id), key).is_le());
        let id = *group.get(at.checked_sub(1)?)?;
        let p = rest(id);
        if starts_with(key, p) {
            return Some((shared + p.len(), id as usize));
        }
        let common = p.iter().zip(key).take_while(|(a, b)| a == b).count();
        key = &key[..common];
        upto = at - 1;
    }
}

/// `a.cmp(b)` for names: most comparisons of the scan are decided in the
/// first bytes, which an inline loop compares (eight at a time, then one)
/// where a call of `memcmp` costs more than the comparison.
#[inline]
fn compare(mut a: &[u8], mut b: &[u8]) -> std::cmp::Ordering {
    while let (Some((x, rest_a)), Some((y, rest_b))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            // Big-endian: the first differing byte decides, as in bytes.
            return u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y));
        }
        (a, b) = (rest_a, rest_b);
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// `text.starts_with(prefix)`, compared as [`compare`] does.
#[inline]
fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| compare(head, prefix).is_eq())
}

/// `text.strip_prefix(prefix)`, compared as [`compare`] does.
#[inline]
fn strip_prefix<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    starts_with(text, prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word and hash as the table has always keyed them: letters and
    /// digits by `char::is_alphanumeric`, their UTF-8 bytes through FNV-1a
    /// and the finalizer. Cached tables were built with it.
    fn plain_word_at(s: &str, at: usize) -> (usize, u64) {
        let word: String = s[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        let h = word.bytes().fold(FNV_OFFSET, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        });
        (at + word.len(), finish(h))
    }

    proptest::proptest! {
        /// The inline comparison of names orders and matches bytes as the
        /// slices' own comparison does.
        #[test]
        fn names_compare_as_bytes_do(
            a in proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b' ', b'a', b'b', 0x7f, 0x80, 0xff]), 0..20),
            b in proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b' ', b'a', b'b', 0x7f, 0x80, 0xff]), 0..20),
            shared in 0usize..20,
        ) {
            // Long shared heads, as names of one group have.
            let head = &a[..shared.min(a.len())];
            let b = [head, &b[..]].concat();
            for (x, y) in [(&a[..], &b[..]), (&b[..], &a[..]), (&a[..], &a[..])] {
                proptest::prop_assert_eq!(compare(x, y), x.cmp(y));
                proptest::prop_assert_eq!(starts_with(x, y), x.starts_with(y));
                proptest::prop_assert_eq!(strip_prefix(x, y), x.strip_prefix(y));
            }
        }

        /// The loop over ASCII letters and digits and the one for words
        /// beyond ASCII end words and hash them as the plain definition
        /// does, from every character of the text.
        #[test]
        fn words_end_and_hash_as_plainly_defined(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "erdogan", "Erdoğan", "ERDOĞAN", "’s", "'s", "İstanbul", "ı", "ş", "ğ", "😀",
                "s-400s", "a400", " ", "—", "“", "”", "e\u{301}", "\u{AD}", "\u{A0}", "ß",
                "١٢", "名前", "x", "7", ".",
            ]), 0..8)
        ) {
            let text = pieces.concat();
            for (at, _) in text.char_indices().chain([(text.len(), ' ')]) {
                proptest::prop_assert_eq!(word_at(&text, at), plain_word_at(&text, at), "{:?} at {}", text, at);
            }
        }
    }

    /// The shortcut of [`is_alphanumeric`] answers as the Unicode tables
    /// do, for every character.
    #[test]
    fn alphanumeric_shortcut_agrees_with_the_tables() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn a_word_is_keyed_as_before() {
        // The hashes of cached tables: a change here needs a new cache format.
        assert_eq!(word_at("erdogan's", 0), (7, 0xc970_928d_ff9c_c312));
        assert_eq!(word_at("erdoğan", 0).0, "erdoğan".len());
        assert_eq!(word_at("“x", 0).0, 0);
    }
}
