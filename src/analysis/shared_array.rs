//! Arrays of numbers that an index reads in place from its cache file.
//!
//! A freshly built index owns its arrays; one read from the (mapped) cache
//! file borrows them from the file instead of copying them out: a start
//! then touches only the pages it reads, and the pages are the file
//! cache's, shared with every process that maps the same file, instead of
//! fresh memory written number by number. [`Array`] derefs to a slice either
//! way, so the code that reads an index does not know which it has.
//!
//! In the cache file the arrays lie in one section of their own, each
//! starting at a multiple of [`ALIGN`] bytes from the section's start (which
//! the file aligns too), in the machine's byte order: a cache is only ever
//! read by the very program that wrote it (its key holds the program's size
//! and mtime). The index's serde form refers to each array by its place in
//! that section; [`write_section`] and [`read_section`] say where the
//! section is while an index is encoded or decoded. Outside them (any other
//! serde use) an array is written inline as bytes and read back as a copy.
//!
//! The byte casts are bytemuck's (checked for length and alignment), and
//! the borrowed slice lives with the buffer it borrows from in a `yoke`, so
//! reading an element is a plain slice access: no unsafe code here.

use std::cell::RefCell;
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use bytemuck::Pod;
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use yoke::Yoke;

/// Bytes an index may borrow from: the mapped cache file (or, in tests, a
/// buffer standing for it). Never changed while anything holds it.
pub type Owner = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A number stored as a `u32` in an array read in place: one too large
/// (four billion ids or bytes) saturates, so that it reads as out of range,
/// never as another, smaller number.
pub fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where every array starts in its section, and where the section starts
/// in the file: enough for any element type used here.
pub const ALIGN: usize = 8;

/// What an [`Array`] holds: plain numbers, or records of them with no
/// padding, which any bytes of the right length and alignment are.
pub trait Number: Pod + Send + Sync {}

impl<T: Pod + Send + Sync> Number for T {}

/// A slice of `T`, borrowed from an [`Owner`]: the buffer an index was
/// read from, or a vector of its own. Either way the slice is kept ready,
/// so reading it costs what reading a `Vec` does (the name scan reads
/// these arrays for every word of a draft).
pub struct Array<T: 'static> {
    items: Yoke<&'static [T], Owner>,
    /// Whether the items lie in a buffer the index was read from.
    shared: bool,
}

/// A vector as the bytes an [`Array`] borrows from.
struct Owned<T>(Vec<T>);

impl<T: Number> AsRef<[u8]> for Owned<T> {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

impl<T: Number> Array<T> {
    /// Changes the items (a copy of them, if they are borrowed): what tests
    /// that damage an index on purpose do.
    pub fn edit(&mut self, f: impl FnOnce(&mut Vec<T>)) {
        let mut items = self.to_vec();
        f(&mut items);
        *self = Array::from(items);
    }

    /// Whether the elements are borrowed from a buffer the index was read
    /// from (not copied out of it).
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// `owner`'s bytes at `range` as elements: borrowed where they lie
    /// aligned in memory (a mapped file always does), else copied. `None`
    /// if the range is not inside the owner or not a whole number of
    /// elements.
    fn borrow(owner: &Owner, range: Range<usize>) -> Option<Array<T>> {
        let bytes = (**owner).as_ref().get(range.clone())?;
        if bytes.len() % std::mem::size_of::<T>() != 0 {
            return None;
        }
        if bytemuck::try_cast_slice::<u8, T>(bytes).is_err() {
            // A buffer that is not aligned in memory (a `Vec<u8>` is only
            // guaranteed byte alignment): the same numbers, copied.
            return Some(Array::from(bytemuck::pod_collect_to_vec::<u8, T>(bytes)));
        }
        let items = Yoke::<&'static [T], Owner>::try_attach_to_cart(owner.clone(), |b| {
            bytemuck::try_cast_slice(&b.as_ref()[range])
        })
        .ok()?;
        Some(Array {
            items,
            shared: true,
        })
    }
}

impl<T> Deref for Array<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.items.get()
    }
}

impl<T> AsRef<[T]> for Array<T> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T: Number> From<Vec<T>> for Array<T> {
    fn from(v: Vec<T>) -> Array<T> {
        let owner: Owner = Arc::new(Owned(v));
        // A vector's bytes are a whole number of its elements, aligned for
        // them: the cast back cannot fail.
        let items = Yoke::attach_to_cart(owner, |b| bytemuck::cast_slice(b.as_ref()));
        Array {
            items,
            shared: false,
        }
    }
}

impl<T: Number> FromIterator<T> for Array<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Array<T> {
        Array::from(items.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Number> Default for Array<T> {
    fn default() -> Array<T> {
        Array::from(Vec::new())
    }
}

impl<T: fmt::Debug> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for Array<T> {
    fn eq(&self, other: &Array<T>) -> bool {
        **self == **other
    }
}

/// Text read in place like an [`Array`] (checked to be UTF-8 once, when
/// read), or owned; as cheap to read as a `String` either way.
pub struct Text(Yoke<&'static str, Owner>);

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.0.get()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        let owner: Owner = Arc::new(s);
        Text(
            Yoke::try_attach_to_cart(owner, |b| std::str::from_utf8(b.as_ref()))
                .expect("a String is UTF-8"),
        )
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from(String::new())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_slice(self.as_bytes(), s)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        // SIMD validation: the index's texts are megabytes, checked at
        // every start.
        Array::<u8>::deserialize(d)?
            .items
            .try_map_project(|b, _| simdutf8::basic::from_utf8(b))
            .map(Text)
            .map_err(|_| D::Error::custom("text that is not UTF-8"))
    }
}

/// The arrays sections being written or read on this thread: the arrays
/// the file's hash covers, and the [`Checked`] arrays' items, which it does
/// not (they are checked block by block as they are read).
enum Section {
    Writing {
        hashed: Vec<u8>,
        checked: Vec<u8>,
    },
    Reading {
        owner: Owner,
        hashed: Range<usize>,
        checked: Range<usize>,
    },
}

thread_local! {
    static SECTION: RefCell<Option<Section>> = const { RefCell::new(None) };
}

/// Runs `encode` (which serializes an index) with its arrays written to
/// sections of their own, and gives those sections' bytes (the hashed
/// arrays, the checked arrays' items) with the result.
pub fn write_section<R>(encode: impl FnOnce() -> R) -> (R, [Vec<u8>; 2]) {
    let writing = Section::Writing {
        hashed: Vec::new(),
        checked: Vec::new(),
    };
    let previous = SECTION.with(|s| s.replace(Some(writing)));
    let result = encode();
    let section = SECTION.with(|s| s.replace(previous));
    match section {
        Some(Section::Writing { hashed, checked }) => (result, [hashed, checked]),
        _ => unreachable!("the section set above"),
    }
}

/// Runs `decode` (which deserializes an index) with its arrays borrowed
/// from the `hashed` and `checked` ranges of `owner`'s bytes, each of which
/// must start at a multiple of [`ALIGN`] from the start of `owner`'s bytes.
pub fn read_section<R>(
    owner: Owner,
    [hashed, checked]: [Range<usize>; 2],
    decode: impl FnOnce() -> R,
) -> R {
    let reading = Section::Reading {
        owner,
        hashed,
        checked,
    };
    let previous = SECTION.with(|s| s.replace(Some(reading)));
    let result = decode();
    SECTION.with(|s| s.replace(previous));
    result
}

/// Serializes `items` as an array: their place in the section being
/// written, else their bytes inline.
pub fn serialize_slice<T: Pod, S: Serializer>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    serialize_into(items, false, s)
}

/// [`serialize_slice`] into the hashed section, or the checked one.
fn serialize_into<T: Pod, S: Serializer>(
    items: &[T],
    in_checked: bool,
    s: S,
) -> Result<S::Ok, S::Error> {
    // What the reading side's alignment check relies on, for any `T`.
    const { assert!(std::mem::align_of::<T>() <= ALIGN) };
    let bytes: &[u8] = bytemuck::cast_slice(items);
    let place = SECTION.with(|section| match &mut *section.borrow_mut() {
        Some(Section::Writing { hashed, checked }) => {
            let out = if in_checked { checked } else { hashed };
            out.resize(out.len().next_multiple_of(ALIGN), 0);
            let at = out.len();
            out.extend_from_slice(bytes);
            Some((at as u64, bytes.len() as u64))
        }
        Some(Section::Reading { .. }) => Some((u64::MAX, 0)),
        None => None,
    });
    match place {
        Some((u64::MAX, _)) => Err(S::Error::custom("an array written while reading")),
        Some(place) => place.serialize(s),
        None => s.serialize_bytes(bytes),
    }
}

impl<T: Number> Serialize for Array<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_slice(self, s)
    }
}

impl<'de, T: Number> Deserialize<'de> for Array<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Array<T>, D::Error> {
        deserialize_from(d, false)
    }
}

/// An [`Array`] from the hashed section being read, or the checked one
/// (else inline bytes).
fn deserialize_from<'de, T: Number, D: Deserializer<'de>>(
    d: D,
    in_checked: bool,
) -> Result<Array<T>, D::Error> {
    let section = SECTION.with(|section| match &*section.borrow() {
        Some(Section::Reading {
            owner,
            hashed,
            checked,
        }) => {
            let range = if in_checked { checked } else { hashed };
            Some(Ok((owner.clone(), range.clone())))
        }
        Some(Section::Writing { .. }) => Some(Err(())),
        None => None,
    });
    match section {
        None => {
            let bytes: std::borrow::Cow<'de, [u8]> = serde_bytes::deserialize(d)?;
            if bytes.len() % std::mem::size_of::<T>() != 0 {
                return Err(D::Error::custom("a number array of the wrong length"));
            }
            Ok(Array::from(bytemuck::pod_collect_to_vec(&bytes)))
        }
        Some(Err(())) => Err(D::Error::custom("an array read while writing")),
        Some(Ok((owner, range))) => {
            let (at, len) = <(u64, u64)>::deserialize(d)?;
            let width = std::mem::size_of::<T>() as u64;
            let align = std::mem::align_of::<T>() as u64;
            // Each array starts at a multiple of its element's alignment
            // (at most ALIGN) from an aligned section start, and holds
            // whole elements: anything else is damage.
            if at % align != 0 || len % width != 0 {
                return Err(D::Error::custom("a misaligned number array"));
            }
            let outside = || D::Error::custom("a number array outside its section");
            let start = usize::try_from(at)
                .ok()
                .and_then(|at| range.start.checked_add(at))
                .ok_or_else(outside)?;
            let end = usize::try_from(len)
                .ok()
                .and_then(|len| start.checked_add(len))
                .filter(|&end| end <= range.end)
                .ok_or_else(outside)?;
            Array::borrow(&owner, start..end).ok_or_else(outside)
        }
    }
}

/// How many bytes of a [`Checked`] array one hash covers: a few pages'
/// worth of lookups share a check, and a check costs some 300 instructions.
pub const CHECK_BLOCK: usize = 1024;

/// The hash a block of a [`Checked`] array is checked against (the low half
/// of its xxh3-128: like the file's hash, a guard against accidents).
fn check_hash(bytes: &[u8]) -> u64 {
    twox_hash::XxHash3_128::oneshot(bytes) as u64
}

/// A large array that a start does not hash whole: its items lie in a
/// section of the cache file outside the file's hash, and each
/// [`CHECK_BLOCK`] of them is checked against its own hash (kept in the
/// hashed arrays) the first time a lookup reads it. The claims' stem lists
/// and the claim words' posting lists are about 40% of the arrays of a
/// large lexicon's cache, of which a draft reads a few hundred blocks.
///
/// There is no `Deref`: every read goes through [`Checked::get`], which
/// says which block did not match, so that the caller can take the items
/// from the index rebuilt from the lexicons instead (`index::Repair`).
pub struct Checked<T: 'static> {
    items: Array<T>,
    /// The hash of each block of the items' bytes.
    blocks: Array<u64>,
    /// For items read from a cache file: one bit per block, set once the
    /// block has matched its hash. `None` for items built here.
    sound: Option<Box<[std::sync::atomic::AtomicU64]>>,
}

impl<T: Number> Checked<T> {
    /// `items[range]` (`Ok(None)` if that is not inside the items), once
    /// every block under it has matched its hash; else the first block that
    /// did not.
    #[inline]
    pub fn get(&self, range: Range<usize>) -> Result<Option<&[T]>, usize> {
        let Some(items) = self.items.get(range.clone()) else {
            return Ok(None);
        };
        match &self.sound {
            Some(sound) if !items.is_empty() => {
                let width = std::mem::size_of::<T>();
                let (start, end) = (range.start * width, range.end * width);
                self.check(sound, start / CHECK_BLOCK..=(end - 1) / CHECK_BLOCK)?;
                Ok(Some(items))
            }
            _ => Ok(Some(items)),
        }
    }

    /// Checks the blocks not yet known sound among `blocks`.
    fn check(
        &self,
        sound: &[std::sync::atomic::AtomicU64],
        blocks: std::ops::RangeInclusive<usize>,
    ) -> Result<(), usize> {
        use std::sync::atomic::Ordering;
        let bytes: &[u8] = bytemuck::cast_slice(&self.items);
        for block in blocks {
            let (word, bit) = (block / 64, 1u64 << (block % 64));
            let word = sound.get(word).ok_or(block)?;
            if word.load(Ordering::Relaxed) & bit != 0 {
                continue;
            }
            let start = block * CHECK_BLOCK;
            let end = (start + CHECK_BLOCK).min(bytes.len());
            let block_bytes = bytes.get(start..end).ok_or(block)?;
            if self.blocks.get(block) != Some(&check_hash(block_bytes)) {
                return Err(block);
            }
            word.fetch_or(bit, Ordering::Relaxed);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the items are borrowed from a buffer the index was read from.
    pub fn is_shared(&self) -> bool {
        self.items.is_shared()
    }

    /// Changes the items (a copy, trusted from then on): for tests that
    /// damage an index on purpose.
    pub fn edit(&mut self, f: impl FnOnce(&mut Vec<T>)) {
        let mut items = self.items.to_vec();
        f(&mut items);
        *self = Checked::from(items);
    }
}

impl<T: Number> From<Vec<T>> for Checked<T> {
    fn from(items: Vec<T>) -> Checked<T> {
        let blocks = bytemuck::cast_slice::<T, u8>(&items)
            .chunks(CHECK_BLOCK)
            .map(check_hash)
            .collect();
        Checked {
            items: Array::from(items),
            blocks,
            sound: None,
        }
    }
}

impl<T: Number> Default for Checked<T> {
    fn default() -> Checked<T> {
        Checked::from(Vec::new())
    }
}

impl<T: fmt::Debug> fmt::Debug for Checked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.items, f)
    }
}

/// A [`Checked`] array's items, written to (and read from) the section the
/// file's hash does not cover.
struct Unhashed<T: 'static>(Array<T>);

impl<T: Number> Serialize for Checked<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Items<'a, T>(&'a [T]);
        impl<T: Pod> Serialize for Items<'_, T> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_into(self.0, true, s)
            }
        }
        (&self.blocks, Items(&self.items)).serialize(s)
    }
}

impl<'de, T: Number> Deserialize<'de> for Unhashed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unhashed<T>, D::Error> {
        deserialize_from(d, true).map(Unhashed)
    }
}

impl<'de, T: Number> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked<T>, D::Error> {
        let (blocks, Unhashed(items)) = <(Array<u64>, Unhashed<T>)>::deserialize(d)?;
        let len = std::mem::size_of_val::<[T]>(&items);
        // One hash per block: checked here, so that `get` finds one for
        // every block it reads.
        if blocks.len() != len.div_ceil(CHECK_BLOCK) {
            return Err(D::Error::custom("a checked array without a hash per block"));
        }
        let sound = (0..blocks.len().div_ceil(64))
            .map(|_| std::sync::atomic::AtomicU64::new(0))
            .collect();
        Ok(Checked {
            items,
            blocks,
            sound: Some(sound),
        })
    }
}

/// An fst map over bytes read in place like an [`Array`].
pub type SharedMap = fst::Map<Array<u8>>;

/// A freshly built map as a [`SharedMap`] (its bytes moved, not copied).
pub fn shared_map(map: fst::Map<Vec<u8>>) -> SharedMap {
    fst::Map::from(
        fst::raw::Fst::new(Array::from(map.into_fst().into_inner()))
            .expect("the bytes of a map just built are a map"),
    )
}

/// An fst map is its bytes: stored as an array, checked when read back.
pub mod map_bytes {
    use super::{Array, SharedMap};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &SharedMap, s: S) -> Result<S::Ok, S::Error> {
        super::serialize_slice(m.as_fst().as_bytes(), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SharedMap, D::Error> {
        let bytes = Array::<u8>::deserialize(d)?;
        fst::Map::new(bytes).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Two {
        small: Array<u32>,
        big: Array<u64>,
        bytes: Array<u8>,
        /// Records of numbers (as the index's pattern targets are): their
        /// size is no power of two, and they start at a multiple of 4.
        triples: Array<[u32; 3]>,
    }

    fn two() -> Two {
        Two {
            small: vec![1, 2, u32::MAX].into(),
            big: vec![7, u64::MAX].into(),
            bytes: vec![9; 5].into(),
            triples: vec![[1, 2, 3], [u32::MAX, 0, 7]].into(),
        }
    }

    /// A buffer aligned to 8 in memory, as a mapped file is (a plain
    /// `Vec<u8>` promises only byte alignment).
    struct Words(Vec<u64>, usize);

    impl AsRef<[u8]> for Words {
        fn as_ref(&self) -> &[u8] {
            &bytemuck::cast_slice(&self.0)[..self.1]
        }
    }

    /// An aligned buffer holding `bytes` at `offset`, and where they lie.
    fn aligned(bytes: &[u8], offset: usize) -> (Owner, Range<usize>) {
        let len = offset + bytes.len();
        let mut words = vec![0u64; len.div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[offset..len].copy_from_slice(bytes);
        (Arc::new(Words(words, len)), offset..len)
    }

    #[test]
    fn arrays_are_written_aligned_and_read_in_place() {
        let (meta, [section, _]) = write_section(|| postcard::to_stdvec(&two()).unwrap());
        assert_eq!(
            section.len(),
            16 + 16 + 8 + 24,
            "each array at a multiple of 8"
        );
        let (owner, range) = aligned(&section, 16);
        let back: Two = read_section(owner, [range, 0..0], || {
            postcard::from_bytes(&meta).unwrap()
        });
        assert_eq!(back, two());
        assert!(back.small.is_shared() && back.big.is_shared() && back.bytes.is_shared());
        assert!(back.triples.is_shared(), "records read in place at byte 40");
    }

    #[test]
    fn arrays_in_a_buffer_not_aligned_in_memory_are_copied() {
        let (meta, [section, _]) = write_section(|| postcard::to_stdvec(&two()).unwrap());
        // The section one byte into a buffer aligned to 8.
        let (owner, range) = aligned(&section, 1);
        let back: Two = read_section(owner, [range, 0..0], || {
            postcard::from_bytes(&meta).unwrap()
        });
        assert_eq!(back, two());
        assert!(!back.small.is_shared() && !back.big.is_shared());
    }

    #[test]
    fn a_misplaced_or_truncated_array_is_refused() {
        let (meta, [section, _]) = write_section(|| postcard::to_stdvec(&two()).unwrap());
        let read = |section: &[u8], meta: &[u8]| {
            let (owner, range) = aligned(section, 8);
            read_section(owner, [range, 0..0], || postcard::from_bytes::<Two>(meta))
        };
        assert!(read(&section, &meta).is_ok());
        // The section cut short: only the last array runs past its end.
        assert!(read(&section[..section.len() - 1], &meta).is_err());
        // The first array moved two bytes on, still inside the section:
        // off its element size.
        let mut moved = meta.clone();
        assert_eq!(moved[0], 0, "the first array's offset");
        moved[0] = 2;
        assert!(read(&section, &moved).is_err());
        moved[0] = 4;
        assert!(read(&section, &moved).is_ok(), "a u32 array may start at 4");
    }

    #[test]
    fn outside_a_section_arrays_are_inline_bytes() {
        let bytes = postcard::to_stdvec(&two()).unwrap();
        assert_eq!(postcard::from_bytes::<Two>(&bytes).unwrap(), two());
    }

    #[test]
    fn writing_to_a_shared_array_copies_it() {
        let (meta, [section, _]) = write_section(|| postcard::to_stdvec(&two()).unwrap());
        let (owner, range) = aligned(&section, 0);
        let mut back: Two = read_section(owner, [range, 0..0], || {
            postcard::from_bytes(&meta).unwrap()
        });
        back.small.edit(|v| v[0] = 5);
        assert!(!back.small.is_shared());
        assert_eq!(&back.small[..], &[5, 2, u32::MAX]);
    }
}
