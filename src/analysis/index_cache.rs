//! The compiled index as bytes, for the cache file kept beside a lexicon
//! (`<lexicon>.copydesk-cache`; the I/O is `crate::workspace`'s).
//!
//! A cache file is a fixed header, the stamps of the lexicons it was built
//! from, the index encoded with postcard, its number arrays, then the
//! encoded entities and claims as raw sections. A loaded index reads the
//! arrays and the entries in place from the mapped file ([`decode_shared`]):
//! the arrays lie aligned, in the machine's byte order, so that they are
//! used as they lie ([`crate::analysis::shared_array`]); the entries —
//! most of the file — are used a few at a time:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `CDXINDEX` |
//! | 4 | cache format, little-endian ([`CACHE_FORMAT`]) |
//! | 16 | the key: a hash of everything the index was built from ([`CacheKey`]) |
//! | 6 × 8 | lengths of the six sections, little-endian |
//! | 16 | xxh3-128 of the stamps, index and arrays sections |
//! | … | the lexicons' stamps ([`Stamp`], postcard) |
//! | … | the index without its arrays and entries (postcard) |
//! | 0–7 | zeros, up to a multiple of 8 from the file's start |
//! | … | the index's number arrays, each at a multiple of 8 |
//! | 0–7 | zeros, up to a multiple of 8 from the file's start |
//! | … | the items of its checked arrays (`shared_array::Checked`), likewise |
//! | … | the entities' bytes |
//! | … | the claims' bytes |
//!
//! A file is used only if every check passes: magic, format, key, length,
//! the hash, an index that decodes (every array inside its section and
//! aligned), and one whose parts have the shapes its lookups assume
//! (`LexiconIndex::is_consistent`, in constant time: the numbers inside the
//! arrays are the hash's to vouch for, and every lookup into them stays
//! bounds-checked). Anything else is a [`CacheMiss`], never an error for
//! the user: the index is rebuilt from the lexicons.
//!
//! The entries, most of the file, are not hashed whole at every start: the
//! index holds a hash of every block of them (in the arrays, under the
//! file's hash), and a block is checked when an entry in it is first read.
//! An entry in a block that does not match is taken from the index rebuilt
//! from the lexicons, and the cache is rewritten (`index::Repair`): a
//! damaged cache is found out and rebuilt either way, and damaged bytes are
//! never decoded. The largest number arrays (the claims' stem lists, the
//! claim words' posting lists, the quoted claims' folded words) are kept
//! the same way, in a section of their own outside the file's hash
//! (`shared_array::Checked`).
//!
//! The stamps are read before any check: they only say which lexicons need
//! not be read again to work out the key (see [`Stamp`]); a stamp that lies
//! gives a wrong key, and the cache is then refused as stale.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use twox_hash::XxHash3_128;

use super::index::{LexiconIndex, SharedBytes};
use super::shared_array::{self, Owner, ALIGN};

const MAGIC: &[u8; 8] = b"CDXINDEX";
/// Bump whenever the index's encoding changes in a way the key below does
/// not already capture.
pub const CACHE_FORMAT: u32 = 16;
const SECTIONS: usize = 6;
pub const HEADER_LEN: usize = 8 + 4 + 16 + SECTIONS * 8 + 16;

/// One lexicon file as the key sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub len: u64,
    pub hash: u128,
}

/// xxh3-128 of some bytes, as a streaming hasher for files read in chunks.
#[derive(Default)]
pub struct ContentHasher {
    hasher: XxHash3_128,
    len: u64,
}

impl ContentHasher {
    pub fn new() -> ContentHasher {
        ContentHasher::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.write(bytes);
        self.len += bytes.len() as u64;
    }

    pub fn finish(&self) -> FileHash {
        FileHash {
            len: self.len,
            hash: self.hasher.finish_128(),
        }
    }

    /// The hash of bytes held whole (the same as streaming them): in one
    /// call, which skips the streaming hasher's copies through its buffer
    /// (a quarter of the instructions of checking a cache file).
    pub fn of(bytes: &[u8]) -> FileHash {
        FileHash {
            len: bytes.len() as u64,
            hash: XxHash3_128::oneshot(bytes),
        }
    }
}

/// What `stat` says of a file: which file it is, its size, and when its
/// content (mtime) and its inode (ctime: any write, any change of mtime)
/// last changed, in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

/// A lexicon's content hash, the file's stat once it had been read whole,
/// and the time (system clock, nanoseconds since the epoch) just before the
/// read began.
///
/// A later start may take the hash without reading the file when the file's
/// stat is still exactly `stat` and the stamp is settled: the file's mtime
/// and ctime lie more than a margin before the read began. Why that is
/// enough (docs/lexicon.md, "The index cache"): a write that began after
/// the read began sets the ctime to its own time (less the filesystem's
/// timestamp granularity, which the margin covers). If it came before the
/// stat was taken, the stat holds that ctime and the stamp is not settled;
/// if after, the file's ctime is no longer the one recorded. Either way the
/// file is read again. A write that ended before the read began is in the
/// bytes that were hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub file: FileHash,
    pub stat: FileStat,
    pub read_from_ns: i128,
}

impl Stamp {
    /// Whether the file had last changed more than `margin` before the
    /// read began: no write during or after the read can have kept the
    /// stat's times.
    pub fn is_settled(&self, margin: Duration) -> bool {
        let before = self.read_from_ns - margin.as_nanos() as i128;
        self.stat.mtime_ns < before
            && self.stat.ctime_ns < before
            && self.stat.size == self.file.len
    }

    /// The recorded hash, if the file whose stat is now `now` is provably
    /// the one that was hashed, unchanged.
    pub fn vouches_for(&self, now: &FileStat, margin: Duration) -> Option<FileHash> {
        (self.stat == *now && self.is_settled(margin)).then_some(self.file)
    }
}

/// What a compiled index depends on: the cache format, the copydesk that
/// built it (`build` identifies the program), and every lexicon in order —
/// the path as the index records it (source articles are resolved against
/// it) and the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey([u8; 16]);

impl CacheKey {
    pub fn new(build: &[u8], lexicons: &[(&std::path::Path, FileHash)]) -> CacheKey {
        let mut h = XxHash3_128::new();
        let mut field = |bytes: &[u8]| {
            h.write(&(bytes.len() as u64).to_le_bytes());
            h.write(bytes);
        };
        field(&CACHE_FORMAT.to_le_bytes());
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(build);
        field(&(lexicons.len() as u64).to_le_bytes());
        for (path, file) in lexicons {
            field(path.as_os_str().as_encoded_bytes());
            field(&file.len.to_le_bytes());
            field(&file.hash.to_le_bytes());
        }
        CacheKey(h.finish_128().to_le_bytes())
    }
}

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheMiss {
    /// Not a copydesk index cache at all.
    NotACache,
    /// Written by a copydesk with another cache format.
    OtherFormat(u32),
    /// Built from other lexicon contents, paths or another copydesk.
    Stale,
    /// Shorter or longer than its header says: an interrupted copy.
    Truncated,
    /// The payload does not match its hash, or does not decode.
    Damaged(String),
}

impl fmt::Display for CacheMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheMiss::NotACache => f.write_str("not a copydesk index cache"),
            CacheMiss::OtherFormat(v) => write!(
                f,
                "written in cache format {v} (this copydesk writes {CACHE_FORMAT})"
            ),
            CacheMiss::Stale => {
                f.write_str("stale: the lexicons or copydesk changed since it was written")
            }
            CacheMiss::Truncated => f.write_str("truncated"),
            CacheMiss::Damaged(why) => write!(f, "damaged ({why})"),
        }
    }
}

fn hash_of(bytes: &[u8]) -> u128 {
    ContentHasher::of(bytes).hash
}

/// The cache file's bytes for an index built from what `key` names, with
/// the stamps of the lexicons as they were read.
pub fn encode(index: &LexiconIndex, key: CacheKey, stamps: &[Stamp]) -> Vec<u8> {
    let stamps = postcard::to_stdvec(stamps).expect("stamps encode");
    let (meta, [arrays, checked]) =
        shared_array::write_section(|| postcard::to_stdvec(index).expect("an index encodes"));
    let [entities, claims] = index.entry_bytes();
    assemble(key, [&stamps, &meta, &arrays, &checked, entities, claims])
}

/// A cache file of these sections, with their lengths and hashes.
fn assemble(key: CacheKey, sections: [&[u8]; SECTIONS]) -> Vec<u8> {
    let total: usize = sections.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + total + ALIGN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CACHE_FORMAT.to_le_bytes());
    out.extend_from_slice(&key.0);
    for section in sections {
        out.extend_from_slice(&(section.len() as u64).to_le_bytes());
    }
    let hash_at = out.len();
    out.resize(HEADER_LEN, 0);
    let mut hashed_end = HEADER_LEN;
    for (i, section) in sections.into_iter().enumerate() {
        if i == ARRAYS || i == CHECKED {
            out.resize(out.len().next_multiple_of(ALIGN), 0);
        }
        out.extend_from_slice(section);
        if i == ARRAYS {
            hashed_end = out.len();
        }
    }
    let front = hash_of(&out[HEADER_LEN..hashed_end]);
    out[hash_at..hash_at + 16].copy_from_slice(&front.to_le_bytes());
    out
}

/// A cache file's header: what it was built from and how its sections lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub key: CacheKey,
    /// Lengths of the stamps, index, arrays, checked arrays, entities and
    /// claims sections.
    pub sections: [u64; SECTIONS],
    /// The hash of the stamps, index and arrays sections.
    front_hash: u128,
}

impl Header {
    /// The header at the start of `bytes` (at least [`HEADER_LEN`] of them
    /// for a whole one).
    pub fn read(bytes: &[u8]) -> Result<Header, CacheMiss> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(CacheMiss::NotACache);
        }
        if bytes.len() < HEADER_LEN {
            return Err(CacheMiss::Truncated);
        }
        let format = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if format != CACHE_FORMAT {
            return Err(CacheMiss::OtherFormat(format));
        }
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let u128_at =
            |at: usize| u128::from_le_bytes(bytes[at..at + 16].try_into().expect("16 bytes"));
        let hashes = 28 + SECTIONS * 8;
        Ok(Header {
            key: CacheKey(bytes[12..28].try_into().expect("16 bytes")),
            sections: std::array::from_fn(|i| u64_at(28 + 8 * i)),
            front_hash: u128_at(hashes),
        })
    }

    /// Where each section starts and ends, as the header says: back to
    /// back after the header, the arrays from the next multiple of
    /// [`ALIGN`] (saturating: a header that lies ends past any file).
    fn layout(&self) -> [(u64, u64); SECTIONS] {
        let mut at = HEADER_LEN as u64;
        std::array::from_fn(|i| {
            if i == ARRAYS || i == CHECKED {
                at = at.saturating_add(ALIGN as u64 - 1) / ALIGN as u64 * ALIGN as u64;
            }
            let start = at;
            at = at.saturating_add(self.sections[i]);
            (start, at)
        })
    }

    /// Where the bytes the file's hash covers lie (stamps, index, padding,
    /// arrays), as the header says.
    pub fn hashed_range(&self) -> Range<u64> {
        let layout = self.layout();
        layout[0].0..layout[ARRAYS].1
    }

    /// The whole file's length, header included, as the header says.
    pub fn file_len(&self) -> u64 {
        self.layout()[SECTIONS - 1].1
    }

    /// Where the six sections lie in a whole file that `len` bytes long,
    /// if the header's lengths add up to it.
    fn ranges(&self, len: usize) -> Result<[Range<usize>; SECTIONS], CacheMiss> {
        if self.file_len() != len as u64 {
            return Err(CacheMiss::Truncated);
        }
        // Every offset fits: the last is the file's length.
        Ok(self
            .layout()
            .map(|(start, end)| start as usize..end as usize))
    }

    /// The stamps a whole file's `bytes` record, unchecked: a hint of which
    /// lexicons need not be read again, which the key then confirms (none
    /// if the section is not there or does not decode).
    pub fn stamps(&self, bytes: &[u8]) -> Vec<Stamp> {
        self.ranges(bytes.len())
            .ok()
            .and_then(|[stamps, ..]| postcard::from_bytes(&bytes[stamps]).ok())
            .unwrap_or_default()
    }

    /// The index in a whole file, `file`'s bytes, if its sections are
    /// what this header says, reading its arrays and entries in place. The
    /// key is the caller's to compare.
    fn decode_in_place(&self, file: &Owner) -> Result<LexiconIndex, CacheMiss> {
        let bytes: &[u8] = (**file).as_ref();
        let [stamps, meta, arrays, checked, entities, claims] = self.ranges(bytes.len())?;
        if hash_of(&bytes[stamps.start..arrays.end]) != self.front_hash {
            return Err(CacheMiss::Damaged(
                "its contents do not match its hash".into(),
            ));
        }
        let mut index: LexiconIndex =
            shared_array::read_section(file.clone(), [arrays, checked], || {
                postcard::from_bytes(&bytes[meta])
            })
            .map_err(|e| CacheMiss::Damaged(e.to_string()))?;
        let entries = [entities, claims].map(|r| SharedBytes::shared(file.clone(), r));
        let [Some(entities), Some(claims)] = entries else {
            return Err(CacheMiss::Truncated);
        };
        index.set_entry_bytes([entities, claims]);
        if !index.is_consistent() {
            return Err(CacheMiss::Damaged("its parts do not agree".into()));
        }
        Ok(index)
    }
}

/// Index of the arrays section among the six.
const ARRAYS: usize = 2;
/// Index of the checked arrays' section (`shared_array::Checked`).
const CHECKED: usize = 3;

/// The index in a whole cache file's bytes, if they are a sound cache for
/// `key`. The bytes are copied first (the index keeps them).
pub fn decode(bytes: &[u8], key: CacheKey) -> Result<LexiconIndex, CacheMiss> {
    let header = Header::read(bytes)?;
    if header.key != key {
        return Err(CacheMiss::Stale);
    }
    header.decode_in_place(&(Arc::new(bytes.to_vec()) as Owner))
}

/// The index in a whole cache file (a mapped one), and the key it was built
/// for, if the file is a sound cache. The index keeps `file` and reads its
/// arrays and entries in place: only the pages it reads are ever brought
/// into memory again after the checks, and they are the file cache's pages,
/// not copies.
pub fn decode_shared(file: Owner) -> Result<(CacheKey, LexiconIndex), CacheMiss> {
    let header = Header::read((*file).as_ref())?;
    let index = header.decode_in_place(&file)?;
    Ok((header.key, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixture() -> LexiconIndex {
        let text = include_str!("../../tests/fixtures/sochi.lexicon.json");
        LexiconIndex::of_json("/desk/sochi.lexicon.json", text)
    }

    fn key(content: &[u8]) -> CacheKey {
        CacheKey::new(
            b"test build",
            &[(
                Path::new("/desk/sochi.lexicon.json"),
                ContentHasher::of(content),
            )],
        )
    }

    #[test]
    fn a_hash_of_bytes_held_whole_is_the_streamed_hash() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for chunk in [1, 63, 64, 1000, 4096, 100_000] {
            let mut streamed = ContentHasher::new();
            bytes.chunks(chunk).for_each(|c| streamed.update(c));
            assert_eq!(streamed.finish(), ContentHasher::of(&bytes), "{chunk}");
        }
        assert_eq!(ContentHasher::new().finish(), ContentHasher::of(&[]));
    }

    #[test]
    fn the_key_changes_with_every_input() {
        let a = ContentHasher::of(b"lexicon a");
        let b = ContentHasher::of(b"lexicon b");
        let p = Path::new("/desk/a.lexicon.json");
        let q = Path::new("/elsewhere/a.lexicon.json");
        let base = CacheKey::new(b"one", &[(p, a)]);
        assert_eq!(base, CacheKey::new(b"one", &[(p, a)]));
        assert_ne!(base, CacheKey::new(b"one", &[(p, b)]), "content");
        assert_ne!(base, CacheKey::new(b"one", &[(q, a)]), "path");
        assert_ne!(base, CacheKey::new(b"two", &[(p, a)]), "program");
        assert_ne!(base, CacheKey::new(b"one", &[(p, a), (q, b)]), "lexicons");
        assert_ne!(
            CacheKey::new(b"one", &[(p, a), (q, b)]),
            CacheKey::new(b"one", &[(q, b), (p, a)]),
            "order"
        );
    }

    #[test]
    fn a_cache_round_trips_and_refuses_anything_else() {
        let index = fixture();
        let k = key(b"v1");
        let bytes = encode(&index, k, &[]);
        let back = decode(&bytes, k).unwrap();
        assert_eq!(back.entities.len(), index.entities.len());
        assert!(
            encode(&back, k, &[]) == bytes,
            "the decoded index encodes to the same bytes"
        );

        // Read in place from a shared buffer, as from a mapped file.
        let (found, shared) = decode_shared(Arc::new(bytes.clone())).unwrap();
        assert_eq!(found, k);
        assert!(
            encode(&shared, k, &[]) == bytes,
            "the index read in place encodes to the same bytes"
        );

        assert_eq!(decode(&bytes, key(b"v2")).unwrap_err(), CacheMiss::Stale);
        assert_eq!(
            decode(b"{\"copydesk_lexicon\": 1}", k).unwrap_err(),
            CacheMiss::NotACache
        );
        assert_eq!(decode(&bytes[..20], k).unwrap_err(), CacheMiss::Truncated);
        assert_eq!(
            decode(&bytes[..bytes.len() - 1], k).unwrap_err(),
            CacheMiss::Truncated
        );
        let mut other = bytes.clone();
        other[8] = 99;
        assert_eq!(decode(&other, k).unwrap_err(), CacheMiss::OtherFormat(99));
        // A flipped bit where the file's hash covers it (the entries' blocks
        // are checked when read).
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 1] ^= 1;
        assert!(matches!(decode(&flipped, k), Err(CacheMiss::Damaged(_))));
        for refused in [flipped, bytes[..bytes.len() - 1].to_vec(), Vec::new()] {
            assert!(decode_shared(Arc::new(refused)).is_err());
        }
    }

    #[test]
    fn a_payload_that_hashes_right_but_does_not_decode_is_damaged() {
        let k = key(b"v1");
        // No stamps, the garbage as the index, no arrays or entries.
        let bytes = assemble(k, [&[], &[0xff; 64], &[], &[], &[], &[]]);
        assert!(matches!(decode(&bytes, k), Err(CacheMiss::Damaged(_))));
    }

    /// The fixture's sections, as `encode` lays them out.
    fn sections(bytes: &[u8]) -> [Vec<u8>; SECTIONS] {
        let header = Header::read(bytes).unwrap();
        header
            .ranges(bytes.len())
            .unwrap()
            .map(|r| bytes[r].to_vec())
    }

    /// A buffer aligned to 8 in memory, as a mapped file is.
    struct Aligned(Vec<u64>, usize);

    impl AsRef<[u8]> for Aligned {
        fn as_ref(&self) -> &[u8] {
            &bytemuck::cast_slice(&self.0)[..self.1]
        }
    }

    fn aligned(bytes: &[u8]) -> Owner {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Arc::new(Aligned(words, bytes.len()))
    }

    #[test]
    fn a_mapped_cache_is_read_in_place() {
        let k = key(b"v1");
        let bytes = encode(&fixture(), k, &[]);
        let [.., arrays, _, _, _] = Header::read(&bytes).unwrap().ranges(bytes.len()).unwrap();
        assert_eq!(
            arrays.start % ALIGN,
            0,
            "the arrays start aligned in the file"
        );
        let (_, index) = decode_shared(aligned(&bytes)).unwrap();
        assert!(index.reads_arrays_in_place());
        assert!(encode(&index, k, &[]) == bytes);
        // Not aligned in memory: the same index, its arrays copied.
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&bytes);
        struct From1(Vec<u8>);
        impl AsRef<[u8]> for From1 {
            fn as_ref(&self) -> &[u8] {
                &self.0[1..]
            }
        }
        let (_, copied) = decode_shared(Arc::new(From1(shifted))).unwrap();
        assert!(!copied.reads_arrays_in_place());
        assert!(encode(&copied, k, &[]) == bytes);
    }

    /// An arrays section cut short (its hash right) leaves arrays outside
    /// it: refused as damaged, never read past, never a panic.
    #[test]
    fn an_arrays_section_cut_short_is_damaged() {
        let k = key(b"v1");
        let [stamps, meta, arrays, checked, entities, claims] =
            sections(&encode(&fixture(), k, &[]));
        for cut in [0, 1, 8, arrays.len() / 2, arrays.len() - 1] {
            let short = &arrays[..cut];
            let bytes = assemble(k, [&stamps, &meta, short, &checked, &entities, &claims]);
            for result in [
                decode(&bytes, k).map(|_| ()),
                decode_shared(aligned(&bytes)).map(|_| ()),
            ] {
                assert!(matches!(result, Err(CacheMiss::Damaged(_))), "{cut}");
            }
        }
    }

    const SECOND: i128 = 1_000_000_000;

    fn stamp(content: &[u8], changed_ns: i128, read_from_ns: i128) -> Stamp {
        let file = ContentHasher::of(content);
        Stamp {
            file,
            stat: FileStat {
                dev: 2049,
                ino: 77,
                size: file.len,
                mtime_ns: changed_ns,
                ctime_ns: changed_ns,
            },
            read_from_ns,
        }
    }

    #[test]
    fn a_stamp_vouches_only_for_the_same_file_settled_before_it_was_read() {
        let margin = Duration::from_secs(3);
        let settled = stamp(b"lexicon", 100 * SECOND, 104 * SECOND);
        assert_eq!(
            settled.vouches_for(&settled.stat, margin),
            Some(settled.file)
        );
        // Changed within the margin of the read: a write during the read
        // may have kept these times.
        let racy = stamp(b"lexicon", 100 * SECOND, 102 * SECOND);
        assert!(!racy.is_settled(margin));
        assert_eq!(racy.vouches_for(&racy.stat, margin), None);
        // Changed after the read began (a clock that went back, or a
        // filesystem's clock ahead of this one).
        assert!(!stamp(b"lexicon", 105 * SECOND, 104 * SECOND).is_settled(Duration::ZERO));
        // Every field of the stat counts.
        let s = settled.stat;
        for other in [
            FileStat { dev: 2050, ..s },
            FileStat { ino: 78, ..s },
            FileStat { size: 8, ..s },
            FileStat {
                mtime_ns: s.mtime_ns + 1,
                ..s
            },
            FileStat {
                ctime_ns: s.ctime_ns + 1,
                ..s
            },
        ] {
            assert_eq!(settled.vouches_for(&other, margin), None, "{other:?}");
        }
        // A stamp whose size is not the hashed length vouches for nothing.
        let mut short = settled;
        short.stat.size -= 1;
        assert_eq!(short.vouches_for(&short.stat, margin), None);
    }

    #[test]
    fn stamps_come_back_and_every_section_is_checked() {
        let k = key(b"v1");
        let stamps = [stamp(b"v1", 100 * SECOND, 200 * SECOND)];
        let bytes = encode(&fixture(), k, &stamps);
        let header = Header::read(&bytes).unwrap();
        assert_eq!(header.stamps(&bytes), stamps);
        assert!(decode(&bytes, k).is_ok());
        // A flipped bit in each section the file's hash covers: stamps,
        // index, arrays (the entries' blocks are checked as they are read:
        // see the tests below).
        let ranges = header.ranges(bytes.len()).unwrap();
        for range in &ranges[..=ARRAYS] {
            let range = range.clone();
            assert!(!range.is_empty());
            let mut flipped = bytes.clone();
            flipped[range.start + range.len() / 2] ^= 0x10;
            assert_eq!(
                decode(&flipped, k).unwrap_err(),
                CacheMiss::Damaged("its contents do not match its hash".into()),
                "{range:?}"
            );
        }
        // Stamps that do not decode are no stamps.
        assert_eq!(header.stamps(&bytes[..bytes.len() - 1]), Vec::new());
    }

    /// Every entity and claim as the index gives them, decoded.
    fn entries(index: &LexiconIndex) -> Vec<String> {
        let entities = (0..index.entities.len()).map(|i| format!("{:?}", index.entity(i)));
        let claims = (0..index.claims.len()).map(|i| format!("{:?}", index.claim(i)));
        entities.chain(claims).collect()
    }

    /// The fixture's cache with the byte at `at` of its entries (entities
    /// then claims) changed, read back; and where the entries start.
    fn with_entry_byte_changed(at: usize, xor: u8) -> (LexiconIndex, usize) {
        let k = key(b"v1");
        let mut bytes = encode(&fixture(), k, &[]);
        let [.., entities, _] = Header::read(&bytes).unwrap().ranges(bytes.len()).unwrap();
        bytes[entities.start + at] ^= xor;
        let (_, index) = decode_shared(aligned(&bytes)).expect("entries are not checked up front");
        (index, entities.start)
    }

    /// The entries' sections, and how many blocks each has.
    fn entry_lengths() -> [usize; 2] {
        let index = fixture();
        index.entry_bytes().map(<[u8]>::len)
    }

    proptest::proptest! {
        /// Checking entry blocks as they are read takes the place of
        /// hashing the entries whole: whichever byte is damaged, no entry is
        /// decoded from a block that does not match its hash (each is the
        /// fresh build's entry, taken from the rebuilt index), the damage is
        /// reported, and entries in sound blocks are read without a rebuild.
        #[test]
        fn a_damaged_entry_block_is_never_decoded(
            at in 0..entry_lengths().iter().sum::<usize>(),
            xor in 1..=255u8,
            rebuild: bool,
        ) {
            let fresh = entries(&fixture());
            let (index, _) = with_entry_byte_changed(at, xor);
            let rebuilt = Arc::new(std::sync::atomic::AtomicBool::new(false));
            if rebuild {
                let flag = rebuilt.clone();
                index.set_rebuild(Box::new(move |why| {
                    assert!(why.contains("does not match its hash"), "{why}");
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                    Ok(fixture())
                }));
            }
            let [entities_len, _] = entry_lengths();
            let (what, offset) = if at < entities_len { ("entity", at) } else { ("claim", at - entities_len) };
            let damaged_block = offset / crate::analysis::index::ENTRY_BLOCK;
            // The entries in sound blocks first: no rebuild for them.
            let in_block = |entries: &[u64], i: usize| {
                let start = if i == 0 { 0 } else { entries[i - 1] as usize };
                let end = entries[i] as usize;
                (start / crate::analysis::index::ENTRY_BLOCK..=(end - 1) / crate::analysis::index::ENTRY_BLOCK)
                    .contains(&damaged_block)
            };
            let ends = index.entry_ends();
            let touched = |kind: &str, i: usize| kind == what && in_block(ends[usize::from(kind == "claim")], i);
            let n = index.entities.len();
            for (i, entry) in fresh.iter().enumerate() {
                let (kind, j) = if i < n { ("entity", i) } else { ("claim", i - n) };
                if touched(kind, j) {
                    continue;
                }
                let got = if i < n { format!("{:?}", index.entity(j)) } else { format!("{:?}", index.claim(j)) };
                proptest::prop_assert_eq!(&got, entry);
            }
            proptest::prop_assert!(!rebuilt.load(std::sync::atomic::Ordering::SeqCst));
            proptest::prop_assert_eq!(index.damage(), None);
            // Then the rest, whose blocks hold the damaged byte.
            let got = entries(&index);
            let report = index.damage().expect("the damage is reported");
            proptest::prop_assert!(report.contains(&format!("{what} block {damaged_block} does not match its hash")), "{}", report);
            if rebuild {
                proptest::prop_assert!(rebuilt.load(std::sync::atomic::Ordering::SeqCst));
                proptest::prop_assert_eq!(got, fresh);
            } else {
                for (i, (got, fresh)) in got.iter().zip(&fresh).enumerate() {
                    let (kind, j) = if i < n { ("entity", i) } else { ("claim", i - n) };
                    if touched(kind, j) {
                        proptest::prop_assert!(got.contains("id: \"\""), "{}", got);
                    } else {
                        proptest::prop_assert_eq!(got, fresh);
                    }
                }
            }
        }
    }

    /// The checked arrays' items (claim content's, quoted words) lie outside the
    /// file's hash and are
    /// checked block by block as they are read: whichever of their bytes is
    /// damaged, the cache loads, a claim's stems in a damaged block are
    /// taken from the rebuilt index (never from the damaged bytes), and the
    /// damage is reported; with no rebuild they read as none.
    #[test]
    fn a_damaged_checked_block_is_never_read() {
        let fresh = fixture();
        let k = key(b"v1");
        let bytes = encode(&fresh, k, &[]);
        let [.., checked, _, _] = Header::read(&bytes).unwrap().ranges(bytes.len()).unwrap();
        assert!(!checked.is_empty());
        // Every claim's stems and quoted words and every stem's claims: all
        // of the checked arrays.
        let stems = |index: &LexiconIndex| -> Vec<Vec<u32>> {
            let content = &index.claim_content;
            let claims = (0..index.claims.len()).map(|c| content.of(c).to_vec());
            let stems = (0..10_000).map(|s| content.claims_with(s).unwrap_or(&[]).to_vec());
            let quoted = (0..index.claims.len()).map(|c| {
                index
                    .quoted_words(c)
                    .iter()
                    .map(|&b| u32::from(b))
                    .collect()
            });
            claims.chain(stems).chain(quoted).collect()
        };
        let want = stems(&fresh);
        let mut reported = 0;
        for at in checked.clone().step_by(7).chain([checked.end - 1]) {
            for rebuild in [true, false] {
                let mut damaged = bytes.clone();
                damaged[at] ^= 0x04;
                let (_, index) = decode_shared(aligned(&damaged)).expect("not checked up front");
                if rebuild {
                    index.set_rebuild(Box::new(|_| Ok(fixture())));
                }
                let got = stems(&index);
                // A byte no array covers (padding between two) changes
                // nothing; any other is found and reported.
                let Some(report) = index.damage() else {
                    assert_eq!(got, want, "{at}");
                    continue;
                };
                reported += 1;
                assert!(report.contains("does not match its hash"), "{report}");
                if rebuild {
                    assert_eq!(got, want, "{at}");
                } else {
                    for (got, want) in got.iter().zip(&want) {
                        assert!(got.is_empty() || got == want, "{at}");
                    }
                }
            }
        }
        assert!(reported > checked.len() / 7, "{reported}");
        // Sound blocks are read without a rebuild.
        let (_, index) = decode_shared(aligned(&bytes)).unwrap();
        assert_eq!(stems(&index), want);
        assert_eq!(index.damage(), None);
    }

    /// A rebuild that cannot give the same index (the lexicons changed
    /// since the load) leaves the damaged entries blank and says so.
    #[test]
    fn a_failed_rebuild_leaves_damaged_entries_blank() {
        let (index, _) = with_entry_byte_changed(3, 0x40);
        index.set_rebuild(Box::new(|_| Err("the lexicons changed".into())));
        assert_eq!(index.entity(0).entity.name, "");
        let report = index.damage().unwrap();
        assert!(
            report.contains("entity block 0 does not match its hash")
                && report.contains("could not be rebuilt (the lexicons changed)"),
            "{report}"
        );
        // Asked once: later damaged reads do not rebuild again.
        assert_eq!(index.entity(0).entity.name, "");
        assert_eq!(entries(&index).len(), entries(&fixture()).len());
    }
}
