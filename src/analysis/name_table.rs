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

use super::shared_array::{saturating_u32, Array};

/// A group's entry in the hash table: the high half of its word's hash
/// (compared before the word itself), where its first pattern's text
/// starts in the index's text of patterns, how many patterns it has, and
/// where they are: the pattern itself for a group of one, where its
/// members start in `members` for a group of several. An empty slot has
/// no patterns (`len` 0: every group has one).
///
/// A word that starts a name is checked against the text the slot points
/// to, and a word that starts one name (most first words) finds it in the
/// slot: the name scan probes every word of a draft, and the names of a
/// long draft are mostly ones it has not met before, whose every load
/// misses the cache. From the slot, the pattern's text and its record are
/// read side by side, not one after the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Slot {
    tag: u32,
    text: u32,
    start: u32,
    len: u32,
}

/// How many bytes of a member's text past its first word [`Member`] holds.
const HEAD: usize = 8;

/// The largest group whose members are read ahead of its search
/// ([`NameTable::read_members_ahead`]).
const READ_AHEAD: usize = 64;

/// A pattern of a group of several: its id, and its text past the group's
/// first word, the first [`HEAD`] bytes of it and its length. The search
/// of a group ("john" starts hundreds of names) compares the text with
/// these: most comparisons are decided in the first bytes past the first
/// word (" smith", " kaya"), and the pattern's record and text, two more
/// misses of the cache each, are read only where the heads tie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Member {
    id: u32,
    len: u32,
    head: [u8; HEAD],
}

impl Member {
    fn new(id: u32, rest: &[u8]) -> Member {
        let mut head = [0; HEAD];
        let n = rest.len().min(HEAD);
        head[..n].copy_from_slice(&rest[..n]);
        Member {
            id,
            len: saturating_u32(rest.len()),
            head,
        }
    }

    /// The first bytes of the member's text past the first word.
    fn head(&self) -> &[u8] {
        &self.head[..(self.len as usize).min(HEAD)]
    }

    /// The member's text past the first word: its head if that is all of
    /// it, else `full()`.
    fn rest<'a>(&'a self, full: impl FnOnce() -> &'a [u8]) -> &'a [u8] {
        if self.len as usize <= HEAD {
            self.head()
        } else {
            full()
        }
    }

    /// `compare(text, key)` for the member's `text` past the first word,
    /// which `full()` gives: read only when the heads decide nothing.
    fn compare<'a>(&self, key: &[u8], full: impl FnOnce() -> &'a [u8]) -> std::cmp::Ordering {
        let head = self.head();
        let key_head = &key[..key.len().min(HEAD)];
        match compare(head, key_head) {
            // Both longer than the heads: the rest decides. (A head shorter
            // than HEAD is all of its text, and a shorter key all of it.)
            std::cmp::Ordering::Equal if head.len() == HEAD && key_head.len() == HEAD => {
                compare(full(), key)
            }
            order => order,
        }
    }
}

/// The patterns whose first word is a given word: one pattern (most
/// words), or the members of a group of several, ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group<'a> {
    One(u32),
    Several(&'a [Member]),
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NameTable {
    /// Open addressing, linear probing; a power of two long (or empty).
    slots: Array<Slot>,
    /// The groups of several patterns' members, back to back.
    members: Array<Member>,
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
    /// (ascending bytes), with where it starts in the index's text of
    /// patterns, in which each is followed by a byte that is no letter or
    /// digit ([`NameTable::group`]).
    pub fn build<'a>(patterns: impl Iterator<Item = (&'a str, usize)>) -> NameTable {
        let mut group_of: std::collections::HashMap<&str, usize> = Default::default();
        // Each group's hash, first pattern's text, and patterns.
        let mut groups: Vec<(u64, usize, Vec<Member>)> = Vec::new();
        for (id, (p, text)) in patterns.enumerate() {
            let (end, hash) = word_at(p, 0);
            let word = &p[..end];
            let g = *group_of.entry(word).or_insert_with(|| {
                groups.push((hash, text, Vec::new()));
                groups.len() - 1
            });
            groups[g]
                .2
                .push(Member::new(id as u32, &p.as_bytes()[end..]));
        }
        let len = if groups.is_empty() {
            0
        } else {
            (groups.len() * 2).next_power_of_two()
        };
        let mut slots = vec![Slot::default(); len];
        let mut members = Vec::new();
        // A number past the `u32`s (four billion patterns or bytes of
        // them) reads as an empty group, never as another one.
        for (h, text, group) in groups {
            let start = match group[..] {
                [one] => one.id,
                _ => {
                    let start = saturating_u32(members.len());
                    members.extend(group.iter().copied());
                    start
                }
            };
            let slot = Slot {
                tag: (h >> 32) as u32,
                text: saturating_u32(text),
                start,
                len: saturating_u32(group.len()),
            };
            let mut at = h as usize & (len - 1);
            while slots[at].len != 0 {
                at = (at + 1) & (len - 1);
            }
            slots[at] = slot;
        }
        NameTable {
            slots: slots.into(),
            members: members.into(),
        }
    }

    /// The patterns whose first word (run of letters and digits, empty if
    /// the pattern starts with another character) is `word`, whose hash
    /// ([`word_at`]) is `h`. `text` is the index's text of patterns, each
    /// followed by a byte that is no letter or digit: a word is compared
    /// with a group's first pattern there, and the byte after it tells
    /// whether the pattern's first word ends with it, whatever the
    /// pattern's length.
    ///
    /// Inlined into the name scan: a word that starts no name costs the
    /// probes alone (one or two slots, the table being at most half full).
    #[inline(always)]
    pub fn group(&self, word: &[u8], h: u64, text: &[u8]) -> Option<Group<'_>> {
        self.group_reading_ahead(word, h, text, |_| 0)
    }

    /// [`NameTable::group`], which, for a group of one whose slot the word
    /// matches, first calls `read_ahead` with its pattern: a load there
    /// (the pattern's record, the value discarded) goes out while the word
    /// is compared with the pattern's text, not after.
    #[inline(always)]
    pub fn group_reading_ahead(
        &self,
        word: &[u8],
        h: u64,
        text: &[u8],
        read_ahead: impl Fn(u32) -> u32,
    ) -> Option<Group<'_>> {
        // The slice once, so that the probe loop keeps it in registers.
        let slots: &[Slot] = &self.slots;
        if slots.is_empty() {
            return None;
        }
        let tag = (h >> 32) as u32;
        let mask = slots.len() - 1;
        let mut at = h as usize & mask;
        // Every probe sequence ends at an empty slot (the table is at most
        // half full); a damaged table's is bounded by its length.
        for _ in 0..slots.len() {
            let slot = slots.get(at)?;
            if slot.len == 0 {
                return None;
            }
            if slot.tag == tag {
                if slot.len == 1 {
                    std::hint::black_box(read_ahead(slot.start));
                } else {
                    self.read_members_ahead(slot);
                }
                if let Some(group) = self.group_of_word(slot, word, text) {
                    return Some(group);
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Reads a number from each cache line of the members of a slot's
    /// group of up to [`READ_AHEAD`]: loads that wait neither for one
    /// another nor for the word's comparison with the group's first
    /// pattern. A group the draft has not met before then comes into the
    /// cache in about the time of one miss, where the binary search's
    /// probes, each waiting for the one before, would miss one after the
    /// other.
    #[inline]
    fn read_members_ahead(&self, slot: &Slot) {
        if slot.len as usize > READ_AHEAD {
            return;
        }
        // Four members to a line of 64 bytes: every fourth and the last.
        let members = self.members_of(slot);
        let lines = members.iter().step_by(4).chain(members.last());
        std::hint::black_box(lines.fold(0, |any, m| any | m.len));
    }

    /// The members of a slot's group of several (none if a damaged slot
    /// points past them).
    #[inline]
    fn members_of(&self, slot: &Slot) -> &[Member] {
        let start = slot.start as usize;
        let end = start.saturating_add(slot.len as usize);
        self.members.get(start..end).unwrap_or(&[])
    }

    /// The group of a slot whose tag matches `word`'s, if its first
    /// pattern's first word is `word` (the tag is half a hash: words may
    /// share it).
    fn group_of_word(&self, slot: &Slot, word: &[u8], text: &[u8]) -> Option<Group<'_>> {
        let first = text.get(slot.text as usize..)?;
        let rest = strip_prefix(first, word)?;
        // The pattern's first word ends where `word` does: at a character
        // that is not a letter or digit (the byte after the pattern is
        // none).
        let ends = match rest.first() {
            None => true,
            Some(b) if b.is_ascii() => !b.is_ascii_alphanumeric(),
            Some(_) => first_char(rest).is_none_or(|c| !is_alphanumeric(c)),
        };
        if !ends {
            return None;
        }
        if slot.len == 1 {
            return Some(Group::One(slot.start));
        }
        Some(Group::Several(self.members_of(slot)))
    }
}

#[cfg(test)]
impl NameTable {
    /// Sets a slot's group from `value`, as a file forged to pass the
    /// cache's hash might.
    pub(crate) fn forge_slot(&mut self, at: usize, value: u64) {
        self.slots.edit(|slots| {
            let n = slots.len().max(1);
            if let Some(slot) = slots.get_mut(at % n) {
                (slot.text, slot.start) = (value as u32, (value >> 16) as u32);
                slot.len = slot.len.max(1).wrapping_add((value >> 48) as u32);
            }
        });
    }

    /// Sets a member's head (`value`'s bytes, little-endian), its length
    /// (`value`'s fifth byte, below 16) and its id (from the sixth byte).
    pub(crate) fn forge_member(&mut self, at: usize, value: u64) {
        self.members.edit(|members| {
            let n = members.len().max(1);
            if let Some(member) = members.get_mut(at % n) {
                *member = Member {
                    id: (value >> 40) as u32,
                    len: (value >> 32) as u32 % 16,
                    head: value.to_le_bytes(),
                };
            }
        });
    }
}

/// The longest of `group`'s patterns (all starting with the same `shared`
/// bytes as `hay`) that `hay` begins with: its length and id.
pub fn longest_prefix<'a>(
    group: Group<'a>,
    hay: &[u8],
    shared: usize,
    pattern: impl Fn(u32) -> &'a [u8],
) -> Option<(usize, usize)> {
    let full = |id: u32| pattern(id).get(shared..).unwrap_or(&[]);
    let mut key = hay.get(shared..)?;
    let members = match group {
        Group::One(id) => {
            // Most words start one name: the search below comes to this.
            let p = full(id);
            return starts_with(key, p).then_some((shared + p.len(), id as usize));
        }
        Group::Several(members) => members,
    };
    let mut upto = members.len();
    loop {
        // The greatest pattern not above the text: the longest prefix of
        // the text among the patterns if it is one; else every pattern
        // that is one lies within the bytes it shares with the text.
        let at = members[..upto].partition_point(|m| m.compare(key, || full(m.id)).is_le());
        let m = members.get(at.checked_sub(1)?)?;
        let p = m.rest(|| full(m.id));
        if starts_with(key, p) {
            return Some((shared + p.len(), m.id as usize));
        }
        let common = p.iter().zip(key).take_while(|(a, b)| a == b).count();
        key = &key[..common];
        upto = at - 1;
    }
}

/// The pattern of `group` (all starting with the same `shared` bytes as
/// `folded`) whose text is `folded`.
pub fn exact<'a>(
    group: Group<'a>,
    folded: &[u8],
    shared: usize,
    pattern: impl Fn(u32) -> &'a [u8],
) -> Option<usize> {
    let full = |id: u32| pattern(id).get(shared..).unwrap_or(&[]);
    let key = folded.get(shared..)?;
    match group {
        Group::One(id) => (full(id) == key).then_some(id as usize),
        Group::Several(members) => {
            let at = members
                .binary_search_by(|m| m.compare(key, || full(m.id)))
                .ok()?;
            Some(members[at].id as usize)
        }
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

    proptest::proptest! {
        /// A group's search, by the members' heads and by their texts
        /// where the heads tie, finds the longest pattern the text begins
        /// with, and each pattern by its text, as a plain search of every
        /// pattern does: with first words shared by many patterns and
        /// texts alike far past the heads ("john smithsonian", "john
        /// smithson").
        #[test]
        fn a_group_is_searched_as_a_plain_search_finds(
            names in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(vec![
                "john", " ", "smith", "smiths", "smithson", "smithsonian", "-", "x", "é", "’",
            ]), 1..6), 1..16),
            text in proptest::collection::vec(proptest::sample::select(vec![
                "john", " ", "smith", "smiths", "smithson", "smithsonian", "-", "x", "é", "’", "s",
            ]), 0..7),
        ) {
            let mut patterns: Vec<String> = names.iter().map(|p| p.concat()).collect();
            patterns.sort();
            patterns.dedup();
            // The patterns' text as the index lays it out: each followed by
            // a byte that is no letter or digit.
            let mut pattern_text = Vec::new();
            let mut starts = Vec::new();
            for p in &patterns {
                starts.push(pattern_text.len());
                pattern_text.extend_from_slice(p.as_bytes());
                pattern_text.push(0);
            }
            let table = NameTable::build(patterns.iter().map(String::as_str).zip(starts));
            let pattern = |id: u32| patterns[id as usize].as_bytes();
            let text = text.concat();
            let (end, h) = word_at(&text, 0);
            let word = &text.as_bytes()[..end];
            let in_group = |p: &str| p.as_bytes()[..word_at(p, 0).0] == *word;
            let group = table.group(word, h, &pattern_text);
            proptest::prop_assert_eq!(group.is_some(), patterns.iter().any(|p| in_group(p)));
            let Some(group) = group else { return Ok(()) };
            let longest = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| in_group(p) && text.starts_with(p.as_str()))
                .max_by_key(|(_, p)| p.len())
                .map(|(id, p)| (p.len(), id));
            proptest::prop_assert_eq!(longest_prefix(group, text.as_bytes(), end, pattern), longest);
            for (id, p) in patterns.iter().enumerate().filter(|(_, p)| in_group(p)) {
                proptest::prop_assert_eq!(exact(group, p.as_bytes(), end, pattern), Some(id));
            }
            let text_id = patterns.iter().position(|p| *p == text);
            proptest::prop_assert_eq!(exact(group, text.as_bytes(), end, pattern), text_id);
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
