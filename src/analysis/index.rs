//! A compiled lexicon: the name table, the completion table and the claim
//! word index. Built once per (re)load, shared read-only by every analysis
//! through an `Arc`, and stored whole in the index cache (`index_cache`),
//! so everything here is plain serialisable data.
//!
//! Names are matched from word starts only (a mention never starts inside a
//! word), and a name found there begins with the whole word: the folded
//! names are grouped by their first word in a hash table
//! ([`NameTable`]), probed once per word of a document. The cost of a
//! document's scan depends on its words, not on how many names the lexicon
//! holds. Completion, claim words and given names are finite state
//! transducers (prefix ranges, compact keys).
//!
//! Entries (entities and claims) are kept encoded, back to back in one
//! buffer, and decoded the first time something asks for one: a lexicon has
//! up to a million entities and a draft names a few hundred, so the server
//! holds the lexicon once, compactly, and a cached index loads with a handful
//! of allocations instead of tens of millions.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use fst::automaton::Automaton;
use fst::{IntoStreamer, Streamer};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::memo::{IndexMemos, TextMemo};
use super::name_table::{self, NameTable};
use super::shared_array::{map_bytes, saturating_u32, shared_map, Array, Checked, SharedMap, Text};
use crate::lexicon::known::{ClaimDef, EntityDef, SourceDef};
use crate::lexicon::{Claim, Entity, EntityKind, Lexicon, Source, FORMAT_VERSION};
use crate::text::fold::fold;

pub type EntityId = usize;
pub type ClaimId = usize;

/// One lexicon as loaded: where it came from (for navigation) and its text
/// (to find each entry's line). The caller does the reading.
pub struct LexiconInput {
    pub path: PathBuf,
    pub text: String,
    pub lexicon: Lexicon,
}

/// One lexicon as the index is built from it: its entries and the line of
/// each entity's entry, without the file's text.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconPart {
    pub path: PathBuf,
    pub lexicon: Lexicon,
    /// 0-based line of each entity's `"id"` in the file, in entity order.
    pub entry_lines: Vec<u32>,
}

impl From<LexiconInput> for LexiconPart {
    fn from(input: LexiconInput) -> LexiconPart {
        let lines = EntryLines::new(&input.text);
        let entry_lines = input
            .lexicon
            .entities
            .iter()
            .map(|e| lines.line_of_entity(&e.id))
            .collect();
        LexiconPart {
            path: input.path,
            lexicon: input.lexicon,
            entry_lines,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Form {
    /// The desk's spelling.
    Name,
    Alias,
    /// A listed spelling to be corrected to the name.
    Variant,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IndexedEntity {
    #[serde(with = "EntityDef")]
    pub entity: Entity,
    pub lexicon: usize,
    /// 0-based line of the entry's `"id"` in the lexicon file.
    pub entry_line: u32,
    /// Claims this entity made, in lexicon order.
    pub claims: Vec<ClaimId>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IndexedClaim {
    #[serde(with = "ClaimDef")]
    pub claim: Claim,
    pub lexicon: usize,
    pub speaker: Option<EntityId>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IndexedSource {
    #[serde(with = "SourceDef")]
    pub source: Source,
    /// Absolute (or as given) path: the lexicon's directory joined with `path`.
    pub path: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IndexedLexicon {
    pub path: PathBuf,
    pub sources: Vec<IndexedSource>,
    /// This lexicon's entities and claims among the index's.
    pub entities: Range<usize>,
    pub claims: Range<usize>,
}

/// What one automaton pattern stands for. Several entities may share a
/// spelling ("Washington" the city and the person): all are kept.
///
/// Four numbers, so that a cached index reads its targets in place from
/// the mapped file like its other arrays ([`Array`]) instead of decoding
/// hundreds of thousands of them at every start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct PatternTarget {
    entity: u32,
    /// [`Form`] as a number ([`PatternTarget::form`]).
    form: u8,
    /// 1 if the form as written is ASCII and its pattern is its lower
    /// case ([`PatternTarget::folds_by_case`]).
    folds_by_case: u8,
    _unused: [u8; 2],
    /// The form as written in the lexicon: where it lies in the index's
    /// text of written forms ([`LexiconIndex::written`]).
    written_start: u32,
    written_end: u32,
}

impl PatternTarget {
    /// A target of the pattern `folded`; a number too large for the
    /// index's `u32`s (an index of four billion entities or bytes of
    /// names) reads as out of range.
    fn new(
        entity: EntityId,
        form: Form,
        folded: &str,
        written: &str,
        at: Range<usize>,
    ) -> PatternTarget {
        // `folded` is the lower case of `written` exactly when it has the
        // same bytes but for the case of ASCII letters.
        let by_case = written.is_ascii() && written.eq_ignore_ascii_case(folded);
        PatternTarget {
            entity: saturating_u32(entity),
            form: form as u8,
            folds_by_case: u8::from(by_case),
            _unused: [0; 2],
            written_start: saturating_u32(at.start),
            written_end: saturating_u32(at.end),
        }
    }

    pub fn entity(&self) -> EntityId {
        self.entity as EntityId
    }

    /// The form; a number no form has (only a forged cache holds one, the
    /// file's hash guarding against accidents) reads as the name.
    pub fn form(&self) -> Form {
        // The numbers `new` writes, named by the same casts.
        const ALIAS: u8 = Form::Alias as u8;
        const VARIANT: u8 = Form::Variant as u8;
        match self.form {
            ALIAS => Form::Alias,
            VARIANT => Form::Variant,
            _ => Form::Name,
        }
    }

    /// Whether the form as written is ASCII and its pattern is its lower
    /// case: then ASCII text that matched the pattern is the form but for
    /// letter case, which the name scan tells without reading the form.
    pub fn folds_by_case(&self) -> bool {
        self.folds_by_case != 0
    }

    fn written(&self) -> Range<usize> {
        self.written_start as usize..self.written_end as usize
    }
}

/// What a pattern without targets stands for (see
/// [`LexiconIndex::pattern_targets`]).
static NO_TARGET: [PatternTarget; 1] = [PatternTarget {
    entity: 0,
    form: Form::Name as u8,
    folds_by_case: 0,
    _unused: [0; 2],
    written_start: 0,
    written_end: 0,
}];

/// Where a pattern's folded text and its targets lie, whether it is one
/// ordinary English word, and its first target: all that the name scan
/// reads of a pattern that stands for one entity, in one record (most
/// patterns do). A name that a long draft has not met before misses the
/// cache on every load, and these were four arrays, four misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct PatternRecord {
    text_start: u32,
    text_end: u32,
    targets_start: u32,
    /// Where its targets end, below [`ORDINARY`], plus [`ORDINARY`] if the
    /// pattern is an ordinary word.
    targets_end: u32,
    /// A copy of its first target (of [`NO_TARGET`] if it has none).
    first: PatternTarget,
}

/// What follows each pattern in the index's text of patterns: a byte that
/// is no letter or digit (see [`NameTable::group`]).
const PATTERN_END: char = '\0';

/// The bit of [`PatternRecord::targets_end`] that marks an ordinary word.
const ORDINARY: u32 = 1 << 31;

impl PatternRecord {
    /// A pattern's record; a place too large for the index's `u32`s (four
    /// billion bytes of names, two billion targets) reads as out of range.
    fn new(
        text: Range<usize>,
        targets: &[PatternTarget],
        from: usize,
        ordinary: bool,
    ) -> PatternRecord {
        let end = u32::try_from(from + targets.len())
            .ok()
            .filter(|&end| end < ORDINARY)
            .unwrap_or(ORDINARY - 1);
        PatternRecord {
            text_start: saturating_u32(text.start),
            text_end: saturating_u32(text.end),
            targets_start: saturating_u32(from),
            targets_end: end | if ordinary { ORDINARY } else { 0 },
            first: targets.first().copied().unwrap_or(NO_TARGET[0]),
        }
    }

    fn text(&self) -> Range<usize> {
        self.text_start as usize..self.text_end as usize
    }

    fn targets(&self) -> Range<usize> {
        self.targets_start as usize..(self.targets_end & !ORDINARY) as usize
    }

    fn is_ordinary(&self) -> bool {
        self.targets_end & ORDINARY != 0
    }
}

/// An entry kind that the index keeps encoded.
pub trait Entry: Serialize + DeserializeOwned {
    /// Fills in what is worked out rather than stored.
    fn decoded(self) -> Self {
        self
    }

    /// The entries of this kind in `index`.
    fn of(index: &LexiconIndex) -> &Entries<Self>;

    /// What stands for an entry that cannot be read: nothing of the
    /// damaged bytes, no name, no text (see [`Repair`]).
    fn blank() -> Self;
}

impl Entry for IndexedEntity {
    fn of(index: &LexiconIndex) -> &Entries<Self> {
        &index.entities
    }

    fn blank() -> Self {
        IndexedEntity {
            entity: Entity::default(),
            lexicon: 0,
            entry_line: 0,
            claims: Vec::new(),
        }
    }
}

impl Entry for IndexedClaim {
    fn of(index: &LexiconIndex) -> &Entries<Self> {
        &index.claims
    }

    fn blank() -> Self {
        IndexedClaim {
            claim: Claim::default(),
            lexicon: 0,
            speaker: None,
        }
    }
}

/// Bytes an index reads in place: its own buffer, or a range of a buffer
/// shared with whatever else holds it (the mapped cache file the index was
/// read from), so that a cached index uses the file's pages where they are
/// instead of copying them into fresh memory.
#[derive(Clone)]
pub enum SharedBytes {
    Owned(Vec<u8>),
    Shared {
        owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
        range: Range<usize>,
    },
}

impl SharedBytes {
    /// `range` of `owner`'s bytes, if it lies inside them.
    pub fn shared(
        owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
        range: Range<usize>,
    ) -> Option<SharedBytes> {
        let inside = range.start <= range.end && range.end <= (*owner).as_ref().len();
        inside.then_some(SharedBytes::Shared { owner, range })
    }
}

impl Default for SharedBytes {
    fn default() -> Self {
        SharedBytes::Owned(Vec::new())
    }
}

impl std::ops::Deref for SharedBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            SharedBytes::Owned(v) => v,
            // The range was checked against the owner's bytes when made,
            // and the owner never changes them.
            SharedBytes::Shared { owner, range } => &(**owner).as_ref()[range.clone()],
        }
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// The size of the blocks a cached index checks its entries in: each block
/// has its own hash in the index, checked the first time an entry in it is
/// read, so a start hashes only the few hundred blocks a draft reads instead
/// of the whole entries section (most of the cache file). About a page, and
/// a few entries each: a block costs some 300 instructions to check.
pub const ENTRY_BLOCK: usize = 1024;

/// The hash a block of entry bytes is checked against (the low half of its
/// xxh3-128: a block is a guard against accidents, like the file's hash).
fn block_hash(bytes: &[u8]) -> u64 {
    twox_hash::XxHash3_128::oneshot(bytes) as u64
}

/// Entries kept encoded (postcard) back to back, each decoded on first use
/// and kept from then on.
///
/// The serde form holds where each entry ends and a hash of each
/// [`ENTRY_BLOCK`] of the bytes, not the bytes themselves: the index cache
/// stores those as raw sections after the index
/// ([`LexiconIndex::entry_bytes`]), read in place from the mapped file.
/// Bytes read from a cache are trusted block by block, once a block matches
/// its hash; an entry whose bytes do not is taken from the index rebuilt
/// from the lexicons instead ([`Repair`]), never decoded from them.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Entries<T> {
    #[serde(skip)]
    bytes: SharedBytes,
    /// Where each entry's encoding ends in `bytes`.
    ends: Array<u64>,
    /// The hash of each block of `bytes` ([`block_hash`]).
    blocks: Array<u64>,
    /// For bytes read from a cache file: which blocks are known sound.
    #[serde(skip)]
    check: Option<BlockCheck>,
    #[serde(skip)]
    decoded: OnceLock<Box<[OnceLock<Box<T>>]>>,
    /// What an id out of range reads as.
    #[serde(skip)]
    blank: OnceLock<Box<T>>,
}

/// What checks the entries of a cached index as they are read.
struct BlockCheck {
    /// One bit per block, set once the block has matched its hash.
    sound: Box<[AtomicU64]>,
    /// Which entries these are, for the report of a damaged block.
    what: &'static str,
    repair: Arc<Repair>,
}

/// What a cached index does when entry bytes turn out damaged after it was
/// loaded: the entries are taken from the index built afresh from the
/// lexicons (`rebuild`, which `workspace` gives: the index does no I/O),
/// and what happened is kept for the user ([`LexiconIndex::damage`]).
#[derive(Default)]
pub struct Repair {
    rebuild: Mutex<Option<Rebuild>>,
    rebuilt: OnceLock<Option<Box<LexiconIndex>>>,
    report: OnceLock<String>,
}

/// Builds the index afresh from the lexicons a cache was made from:
/// `Err` (why) if they are no longer what the cache was built from, or
/// cannot be read. Given why the cache was found damaged.
pub type Rebuild = Box<dyn FnOnce(&str) -> Result<LexiconIndex, String> + Send>;

impl Repair {
    /// The rebuilt index, built on the first call (later calls wait for it).
    pub(crate) fn rebuilt(&self, why: &str) -> Option<&LexiconIndex> {
        self.rebuilt
            .get_or_init(|| {
                let rebuild = self.rebuild.lock().map(|mut r| r.take()).ok().flatten();
                let Some(rebuild) = rebuild else {
                    let _ = self.report.set(format!(
                        "the index cache is damaged ({why}) and cannot be rebuilt here: \
                         its entries are left out"
                    ));
                    return None;
                };
                // On a thread of its own, so that the thread asking (a
                // rayon worker, perhaps) only waits: a waiting worker that
                // stole a job reading an entry would ask again from
                // inside this initialisation.
                let result = std::thread::scope(|s| {
                    s.spawn(|| rebuild(why))
                        .join()
                        .unwrap_or_else(|_| Err("the rebuild failed".into()))
                });
                let (report, rebuilt) = match result {
                    Ok(index) => (
                        format!(
                            "the index cache is damaged ({why}): \
                             the index was rebuilt from the lexicons"
                        ),
                        Some(Box::new(index)),
                    ),
                    Err(e) => (
                        format!(
                            "the index cache is damaged ({why}) and the index could not be \
                             rebuilt ({e}): its damaged entries are left out"
                        ),
                        None,
                    ),
                };
                let _ = self.report.set(report);
                rebuilt
            })
            .as_deref()
    }
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            bytes: SharedBytes::default(),
            ends: Array::default(),
            blocks: Array::default(),
            check: None,
            decoded: OnceLock::new(),
            blank: OnceLock::new(),
        }
    }
}

impl<T> std::fmt::Debug for Entries<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entries({} in {} bytes)", self.len(), self.bytes.len())
    }
}

impl<T> Entries<T> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Where entry `i` lies in the bytes, if its ends say it lies inside
    /// them (an index read from a cache trusts nothing unchecked).
    fn span(&self, i: usize) -> Option<Range<usize>> {
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        let end = *self.ends.get(i)? as usize;
        (start < end && end <= self.bytes.len()).then_some(start..end)
    }

    /// Whether there is a hash for every block of the bytes: all a cached
    /// index must satisfy before entries are read (each entry's place is
    /// checked when it is read).
    fn is_consistent(&self) -> bool {
        self.blocks.len() == self.bytes.len().div_ceil(ENTRY_BLOCK)
    }

    /// Whether the blocks under `span` match their hashes (checked once
    /// each); the first that does not, if any.
    fn blocks_sound(&self, span: &Range<usize>) -> Result<(), usize> {
        let Some(check) = &self.check else {
            return Ok(());
        };
        for block in span.start / ENTRY_BLOCK..=(span.end - 1) / ENTRY_BLOCK {
            let (word, bit) = (block / 64, 1u64 << (block % 64));
            let sound = check.sound.get(word).ok_or(block)?;
            if sound.load(Ordering::Relaxed) & bit != 0 {
                continue;
            }
            let start = block * ENTRY_BLOCK;
            let end = (start + ENTRY_BLOCK).min(self.bytes.len());
            if self.blocks.get(block) != Some(&block_hash(&self.bytes[start..end])) {
                return Err(block);
            }
            sound.fetch_or(bit, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl<T: Entry> Entries<T> {
    /// `entries`, encoded back to back.
    fn encode(entries: impl IntoIterator<Item = T>) -> Entries<T> {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for entry in entries {
            bytes = postcard::to_extend(&entry, bytes).expect("an entry encodes");
            ends.push(bytes.len() as u64);
        }
        Entries {
            blocks: bytes.chunks(ENTRY_BLOCK).map(block_hash).collect(),
            bytes: SharedBytes::Owned(bytes),
            ends: ends.into(),
            check: None,
            decoded: OnceLock::new(),
            blank: OnceLock::new(),
        }
    }

    /// Entry `i`, decoded afresh (not kept); `Err` with why if its bytes
    /// cannot be trusted or do not decode.
    fn read(&self, i: usize) -> Result<T, String> {
        let what = self.check.as_ref().map_or("entries", |c| c.what);
        let span = self
            .span(i)
            .ok_or_else(|| format!("{what} {i} lies outside its section"))?;
        self.blocks_sound(&span)
            .map_err(|block| format!("{what} block {block} does not match its hash"))?;
        let entry = postcard::from_bytes::<T>(&self.bytes[span])
            .map_err(|e| format!("{what} {i} does not decode: {e}"))?;
        Ok(entry.decoded())
    }

    /// Entry `i`, decoded afresh (not kept): from its bytes if they are
    /// sound, else from the index rebuilt from the lexicons, else (the
    /// lexicons changed since, or no rebuild is possible) a blank entry.
    fn decode(&self, i: usize) -> T {
        let why = match self.read(i) {
            Ok(entry) => return entry,
            Err(why) => why,
        };
        let Some(check) = &self.check else {
            // The index encoded these bytes itself, in this process.
            panic!("an index entry built here does not decode: {why}");
        };
        match check.repair.rebuilt(&why) {
            Some(index) => match T::of(index).read(i) {
                Ok(entry) => entry,
                Err(_) => T::blank(),
            },
            None => T::blank(),
        }
    }

    /// Entry `i`, decoded on first use; a blank entry for an id that no
    /// entry has (only a forged cache's ids can be: see
    /// [`LexiconIndex::is_consistent`]).
    pub fn get(&self, i: usize) -> &T {
        let cells = self
            .decoded
            .get_or_init(|| (0..self.len()).map(|_| OnceLock::new()).collect());
        match cells.get(i) {
            Some(cell) => cell.get_or_init(|| Box::new(self.decode(i))),
            None => self.blank.get_or_init(|| Box::new(T::blank())),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct LexiconIndex {
    pub lexicons: Vec<IndexedLexicon>,
    pub entities: Entries<IndexedEntity>,
    pub claims: Entries<IndexedClaim>,
    /// Entity → kind, read on every mention without decoding the entity.
    /// (Each kind's index in [`EntityKind::ALL`], read in place: a start
    /// decodes no array of one-byte kinds or flags.)
    kinds: Array<u8>,
    /// Entity → the pattern of its name (`u32::MAX` if it folds to nothing).
    name_patterns: Array<u32>,
    /// Patterns by their first word: what the name scan probes.
    name_table: NameTable,
    /// Pattern id (a rank in byte order) → where its folded text and its
    /// targets lie, whether it is one ordinary English word ("Has"), and
    /// its first target ([`PatternRecord`]).
    patterns: Array<PatternRecord>,
    /// Every pattern's folded text, each followed by [`PATTERN_END`].
    pattern_text: Text,
    /// Every pattern's targets, back to back.
    targets: Array<PatternTarget>,
    /// The targets' forms as written, back to back.
    target_text: Text,
    /// Folded name, alias or later name word → rank; the rank's entities
    /// are `completion_ids[completion_ends[rank - 1]..completion_ends[rank]]`.
    #[serde(with = "map_bytes")]
    completion: SharedMap,
    /// (Checked block by block as they are read: only completion reads
    /// them, never a `copydesk check`.)
    completion_ids: Checked<u32>,
    completion_ends: Checked<u64>,
    /// Folded content word → rank; its claims, ascending, are
    /// `claim_postings[claim_word_ends[rank - 1]..claim_word_ends[rank]]`.
    #[serde(with = "map_bytes")]
    claim_words: SharedMap,
    claim_postings: Array<u32>,
    claim_word_ends: Array<u64>,
    /// Each quoted claim's folded words joined by single spaces, back to
    /// back (nothing for a claim not quoted), for matching quotations
    /// without decoding the claim's entry and folding its text: most
    /// claims a quotation is compared with are not the one it reproduces.
    /// Claim `c`'s are `quoted_words[quoted_starts[c]..quoted_starts[c + 1]]`.
    /// (Checked block by block as they are read: a draft reads a few
    /// hundred claims' words.)
    quoted_words: Checked<u8>,
    quoted_starts: Checked<u64>,
    /// Folded given name → rank; the persons with it, for spotting
    /// transliterated surnames ("Muammar Qaddafi"), are
    /// `given_persons[given_ends[rank - 1]..given_ends[rank]]`, each with
    /// its folded surname (the same place in `surname_ends`, into
    /// `surnames`). Flat arrays, not a map of strings: a cached index reads
    /// them with a few copies instead of an allocation per person.
    #[serde(with = "map_bytes")]
    given: SharedMap,
    given_ends: Array<u64>,
    given_persons: Array<u32>,
    surnames: Text,
    surname_ends: Array<u64>,
    /// Each claim's content words, stemmed and numbered, for the rules.
    pub claim_content: super::claim_content::ClaimContent,
    /// What was worked out from this index for texts asked about so far.
    #[serde(skip)]
    memos: IndexMemos,
}

impl std::fmt::Debug for LexiconIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LexiconIndex")
            .field("entities", &self.entities.len())
            .field("claims", &self.claims.len())
            .finish()
    }
}

/// Folded given name → (person, folded surname), for every person whose
/// name has at least two words.
fn given_names(entities: &[&Entity]) -> BTreeMap<String, Vec<(EntityId, String)>> {
    let mut by_given: BTreeMap<String, Vec<(EntityId, String)>> = BTreeMap::new();
    for (id, e) in entities.iter().enumerate() {
        if e.kind != EntityKind::Person {
            continue;
        }
        let parts: Vec<&str> = e
            .name
            .split_whitespace()
            .filter(|p| !matches!(*p, "Jr." | "Jr" | "Sr." | "Sr" | "II" | "III" | "IV"))
            .collect();
        if let [given, .., surname] = parts.as_slice() {
            by_given
                .entry(fold(given))
                .or_default()
                .push((id, fold(surname)));
        }
    }
    by_given
}

/// Ordinary English words that are also names.
pub fn is_common_word(folded: &str) -> bool {
    // foldhash, not SipHash: asked for every word of every quotation.
    static WORDS: OnceLock<foldhash::HashSet<&'static str>> = OnceLock::new();
    WORDS
        .get_or_init(|| {
            include_str!("../../data/common-words.txt")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect()
        })
        .contains(folded)
}

/// Keys with their ids as an fst map from each key to its rank, the ids
/// back to back, and where each rank's ids end. Keys are sorted here.
fn grouped<K: AsRef<[u8]> + Send>(
    mut groups: Vec<(K, Vec<u32>)>,
) -> (fst::Map<Vec<u8>>, Vec<u32>, Vec<u64>) {
    groups.par_sort_unstable_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut builder = fst::MapBuilder::memory();
    let mut ids = Vec::with_capacity(groups.iter().map(|g| g.1.len()).sum());
    let mut ends: Vec<u64> = Vec::with_capacity(groups.len());
    for (rank, (key, group)) in groups.into_iter().enumerate() {
        builder
            .insert(key.as_ref(), rank as u64)
            .expect("keys are sorted and distinct");
        ids.extend(group);
        ends.push(ids.len() as u64);
    }
    (builder.into_map(), ids, ends)
}

/// Whether a word ends in a digit and `s` ("s-400s", "a400s"): ASCII
/// bytes both, never part of a longer character.
fn is_designator_plural(word: &[u8]) -> bool {
    matches!(word, [.., digit, b's'] if digit.is_ascii_digit())
}

/// `items[ends[rank - 1]..ends[rank]]` (empty where that is out of range).
fn group<'a, T>(items: &'a [T], ends: &[u64], rank: usize) -> &'a [T] {
    let start = match rank {
        0 => 0,
        _ => ends.get(rank - 1).map_or(0, |&e| e as usize),
    };
    let end = ends.get(rank).map_or(0, |&e| e as usize);
    items.get(start..end).unwrap_or(&[])
}

impl Default for LexiconIndex {
    fn default() -> Self {
        LexiconIndex::empty()
    }
}

impl LexiconIndex {
    pub fn empty() -> LexiconIndex {
        LexiconIndex::build_parts(Vec::new())
    }

    pub fn build(inputs: Vec<LexiconInput>) -> LexiconIndex {
        LexiconIndex::build_parts(inputs.into_iter().map(LexiconPart::from).collect())
    }

    pub fn build_parts(parts: Vec<LexiconPart>) -> LexiconIndex {
        let mut lexicons = Vec::new();
        // Entities and claims in index order, with their lexicon.
        let mut entities: Vec<(Entity, usize, u32)> = Vec::new();
        let mut claims: Vec<(Claim, usize, Option<EntityId>)> = Vec::new();
        for (lex_idx, part) in parts.into_iter().enumerate() {
            let base = part
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let Lexicon {
                sources,
                entities: lex_entities,
                claims: lex_claims,
                ..
            } = part.lexicon;
            let first_entity = entities.len();
            let first_claim = claims.len();
            let mut local: HashMap<&str, EntityId> = HashMap::new();
            for (i, e) in lex_entities.iter().enumerate() {
                local.insert(e.id.as_str(), first_entity + i);
            }
            let speakers: Vec<Option<EntityId>> = lex_claims
                .iter()
                .map(|c| c.speaker.as_deref().and_then(|s| local.get(s).copied()))
                .collect();
            drop(local);
            let lines = part.entry_lines;
            for (i, entity) in lex_entities.into_iter().enumerate() {
                let line = lines.get(i).copied().unwrap_or(0);
                entities.push((entity, lex_idx, line));
            }
            for (claim, speaker) in lex_claims.into_iter().zip(speakers) {
                claims.push((claim, lex_idx, speaker));
            }
            let sources = sources
                .into_iter()
                .map(|source| IndexedSource {
                    path: base.join(&source.path),
                    source,
                })
                .collect();
            lexicons.push(IndexedLexicon {
                path: part.path,
                sources,
                entities: first_entity..entities.len(),
                claims: first_claim..claims.len(),
            });
        }

        let plain: Vec<&Entity> = entities.iter().map(|(e, _, _)| e).collect();
        let kinds: Array<u8> = plain.iter().map(|e| e.kind.index() as u8).collect();

        // Folding is the cost of a build: done on every core.
        let forms: Vec<Vec<(String, Form, &String)>> = plain
            .par_iter()
            .map(|e| {
                std::iter::once((Form::Name, &e.name))
                    .chain(e.aliases.iter().map(|a| (Form::Alias, a)))
                    .chain(e.variants.iter().map(|v| (Form::Variant, v)))
                    .map(|(form, written)| (fold(written.trim()), form, written))
                    .filter(|(folded, _, _)| !folded.is_empty())
                    .collect()
            })
            .collect();
        let mut by_pattern: HashMap<&str, Vec<PatternTarget>> = HashMap::new();
        let mut target_text = String::new();
        for (id, entity_forms) in forms.iter().enumerate() {
            for (folded, form, written) in entity_forms {
                let start = target_text.len();
                target_text.push_str(written);
                by_pattern
                    .entry(folded.as_str())
                    .or_default()
                    .push(PatternTarget::new(
                        id,
                        *form,
                        folded,
                        written,
                        start..target_text.len(),
                    ));
            }
        }
        // Pattern ids are ranks in byte order, which is the order the
        // transducer is built in.
        let mut patterns: Vec<(&str, Vec<PatternTarget>)> = by_pattern.into_iter().collect();
        patterns.par_sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let sorted: Vec<&str> = patterns.iter().map(|(p, _)| *p).collect();
        let name_patterns = forms
            .iter()
            .map(|f| match f.first() {
                Some((folded, Form::Name, _)) => sorted
                    .binary_search_by(|p| p.as_bytes().cmp(folded.as_bytes()))
                    .map_or(u32::MAX, |id| id as u32),
                _ => u32::MAX,
            })
            .collect();
        let mut pattern_text = String::new();
        let mut targets = Vec::new();
        let records: Vec<PatternRecord> = patterns
            .into_iter()
            .map(|(p, t)| {
                let text = pattern_text.len()..pattern_text.len() + p.len();
                pattern_text.push_str(p);
                // No letter or digit: the name table reads a first word's
                // end in the text without the pattern's length.
                pattern_text.push(PATTERN_END);
                let ordinary = !p.contains(' ') && is_common_word(p);
                let record = PatternRecord::new(text, &t, targets.len(), ordinary);
                targets.extend(t);
                record
            })
            .collect();
        let starts = records.iter().map(|r| r.text_start as usize);
        let name_table = NameTable::build(sorted.iter().copied().zip(starts));
        drop(sorted);
        drop(forms);

        // Completion finds a name by its start, an alias, or any later word
        // of it ("Stolt" → Jens Stoltenberg).
        let keys: Vec<Vec<String>> = plain
            .par_iter()
            .map(|e| {
                let name = fold(&e.name);
                let mut keys: Vec<String> = name
                    .match_indices(' ')
                    .filter(|(i, _)| name.len() - i > 3)
                    .map(|(i, _)| name[i + 1..].to_string())
                    .collect();
                keys.push(name);
                keys.extend(e.aliases.iter().map(|a| fold(a)));
                keys
            })
            .collect();
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        for (id, keys) in keys.into_iter().enumerate() {
            for key in keys {
                let ids = by_key.entry(key).or_default();
                // Entity ids ascend: each list stays sorted and distinct.
                if ids.last() != Some(&(id as u32)) {
                    ids.push(id as u32);
                }
            }
        }
        let (completion, completion_ids, completion_ends) = grouped(by_key.into_iter().collect());
        let mut given_builder = fst::MapBuilder::memory();
        let mut given_ends = Vec::new();
        let mut given_persons = Vec::new();
        let mut surnames = String::new();
        let mut surname_ends = Vec::new();
        for (rank, (given, persons)) in given_names(&plain).into_iter().enumerate() {
            given_builder
                .insert(given.as_bytes(), rank as u64)
                .expect("a map's keys are sorted and distinct");
            for (id, surname) in persons {
                given_persons.push(id as u32);
                surnames.push_str(&surname);
                surname_ends.push(surnames.len() as u64);
            }
            given_ends.push(given_persons.len() as u64);
        }
        let given = given_builder.into_map();
        drop(plain);

        let folded_claims: Vec<String> = claims.par_iter().map(|(c, _, _)| fold(&c.text)).collect();
        let mut by_word: HashMap<&str, Vec<u32>> = HashMap::new();
        let mut words: Vec<&str> = Vec::new();
        for (id, text) in folded_claims.iter().enumerate() {
            words.clear();
            words.extend(word_slices(text).filter(|w| !is_common_word(w)));
            words.sort_unstable();
            words.dedup();
            for w in &words {
                // Claim ids ascend: every list stays sorted.
                by_word.entry(w).or_default().push(id as u32);
            }
        }
        let (claim_words, claim_postings, claim_word_ends) = grouped(by_word.into_iter().collect());
        let (quoted_words, quoted_starts) = quoted_words(&claims, &folded_claims);
        drop(folded_claims);

        let claim_content = super::claim_content::ClaimContent::build(&claims, |(c, _, _)| c);
        let mut entity_claims: Vec<Vec<ClaimId>> = vec![Vec::new(); entities.len()];
        for (id, (_, _, speaker)) in claims.iter().enumerate() {
            if let Some(s) = speaker {
                entity_claims[*s].push(id);
            }
        }
        let encoded_entities = Entries::encode(entities.into_iter().zip(entity_claims).map(
            |((entity, lexicon, entry_line), claims)| IndexedEntity {
                entity,
                lexicon,
                entry_line,
                claims,
            },
        ));
        let encoded_claims = Entries::encode(claims.into_iter().map(
            |(claim, lexicon, speaker)| IndexedClaim {
                claim,
                lexicon,
                speaker,
            },
        ));

        LexiconIndex {
            lexicons,
            entities: encoded_entities,
            claims: encoded_claims,
            kinds,
            name_patterns,
            name_table,
            patterns: records.into(),
            pattern_text: pattern_text.into(),
            targets: targets.into(),
            target_text: target_text.into(),
            completion: shared_map(completion),
            completion_ids: completion_ids.into(),
            completion_ends: completion_ends.into(),
            claim_words: shared_map(claim_words),
            claim_postings: claim_postings.into(),
            claim_word_ends: claim_word_ends.into(),
            quoted_words: quoted_words.into(),
            quoted_starts: quoted_starts.into(),
            given: shared_map(given),
            given_ends: given_ends.into(),
            given_persons: given_persons.into(),
            surnames: surnames.into(),
            surname_ends: surname_ends.into(),
            claim_content,
            memos: IndexMemos::default(),
        }
    }

    /// One lexicon of the index as it was built from: what a reload keeps
    /// in use when that lexicon's file no longer loads.
    pub fn part(&self, lexicon: usize) -> Option<LexiconPart> {
        let lex = self.lexicons.get(lexicon)?;
        let (entities, entry_lines) = lex
            .entities
            .clone()
            .map(|i| {
                let e = self.entities.decode(i);
                (e.entity, e.entry_line)
            })
            .unzip();
        let claims = lex
            .claims
            .clone()
            .map(|i| self.claims.decode(i).claim)
            .collect();
        let sources = lex.sources.iter().map(|s| s.source.clone()).collect();
        Some(LexiconPart {
            path: lex.path.clone(),
            lexicon: Lexicon {
                copydesk_lexicon: FORMAT_VERSION,
                sources,
                entities,
                claims,
                extra: Default::default(),
            },
            entry_lines,
        })
    }

    /// The encoded entities and claims, which the index's serde form leaves
    /// out (see [`Entries`]).
    pub fn entry_bytes(&self) -> [&[u8]; 2] {
        [&self.entities.bytes[..], &self.claims.bytes[..]]
    }

    /// Puts back the entry bytes of an index read from a cache file: each
    /// block of them is trusted once it matches its hash, when an entry in
    /// it is first read.
    pub fn set_entry_bytes(&mut self, [entities, claims]: [SharedBytes; 2]) {
        let repair = Arc::new(Repair::default());
        let check = |bytes: &SharedBytes, what| BlockCheck {
            sound: (0..bytes.len().div_ceil(ENTRY_BLOCK).div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
            what,
            repair: repair.clone(),
        };
        self.claim_content.set_repair(repair.clone());
        self.entities.check = Some(check(&entities, "entity"));
        self.claims.check = Some(check(&claims, "claim"));
        self.entities.bytes = entities;
        self.claims.bytes = claims;
    }

    /// Where each entity's and each claim's encoding ends.
    #[cfg(test)]
    pub(crate) fn entry_ends(&self) -> [&[u64]; 2] {
        [&self.entities.ends, &self.claims.ends]
    }

    fn repair(&self) -> Option<&Repair> {
        self.entities.check.as_ref().map(|c| &*c.repair)
    }

    /// How to build this index afresh, should its cached entries turn out
    /// damaged when they are read (an index read from a cache file; any
    /// other has nothing to repair).
    pub fn set_rebuild(&self, rebuild: Rebuild) {
        if let Some(repair) = self.repair() {
            if let Ok(mut slot) = repair.rebuild.lock() {
                *slot = Some(rebuild);
            }
        }
    }

    /// What went wrong, if entries read from the cache file turned out
    /// damaged: for the user (the entries themselves were taken from the
    /// index rebuilt from the lexicons, or, if that could not be done, left
    /// blank).
    pub fn damage(&self) -> Option<&str> {
        self.repair()?.report.get().map(String::as_str)
    }

    /// Whether the parts of a decoded index have the shapes that its
    /// lookups assume: one kind and one name pattern per entity, one end
    /// per key of each map, a hash for every
    /// block of entries, lexicons whose ranges lie inside the entries.
    /// Checked on every cached index before it is used, in constant time.
    ///
    /// The numbers inside the arrays (ids, ends) are not checked here: the
    /// file's hash, which covers every array, has already vouched that they
    /// are the ones this very program wrote from a fresh build (the key
    /// holds the program), and a fresh build's parts agree. Checking them
    /// again cost a start some 19 M instructions (tens of millions of
    /// numbers). What a file forged to pass the hash can still do is
    /// bounded by the lookups instead: every one reads through `get`, a
    /// range that is out of order or out of bounds reads as empty, an id
    /// out of range reads as a blank entry (see [`Entries::get`],
    /// [`LexiconIndex::kind`], [`LexiconIndex::pattern_targets`]), so such
    /// a file gives wrong answers, never a panic (unit tests
    /// `an_index_whose_parts_disagree_answers_without_a_panic` and
    /// `any_number_of_a_forged_index_reads_without_a_panic`). (The fst
    /// maps were never checked node by node, which the fst crate does not
    /// offer: they are the hash's to vouch for, as before.)
    pub(crate) fn is_consistent(&self) -> bool {
        let entities = self.entities.len();
        let claims = self.claims.len();
        self.entities.is_consistent()
            && self.claims.is_consistent()
            && self.kinds.len() == entities
            && self.name_patterns.len() == entities
            && self.completion.len() == self.completion_ends.len()
            && self.claim_words.len() == self.claim_word_ends.len()
            && self.given.len() == self.given_ends.len()
            && self.surname_ends.len() == self.given_persons.len()
            && self.claim_content.is_consistent(claims)
            && self.quoted_starts.len() == claims + 1
            && self.lexicons.iter().all(|l| {
                l.entities.start <= l.entities.end
                    && l.entities.end <= entities
                    && l.claims.start <= l.claims.end
                    && l.claims.end <= claims
            })
    }

    /// The persons whose full name starts with this (folded) given name,
    /// with their folded surnames.
    pub fn persons_named(&self, folded_given: &str) -> Vec<(EntityId, &str)> {
        let Some(rank) = self.given.get(folded_given.as_bytes()) else {
            return Vec::new();
        };
        let rank = rank as usize;
        let start = match rank {
            0 => 0,
            _ => self.given_ends.get(rank - 1).map_or(0, |&e| e as usize),
        };
        let end = self.given_ends.get(rank).map_or(0, |&e| e as usize);
        // Through `get`: ends that a forged cache put out of order or past
        // the persons give none, never a walk over a made-up range.
        let persons = self.given_persons.get(start..end).unwrap_or(&[]);
        (start..)
            .zip(persons)
            .map(|(i, &person)| {
                let from = match i {
                    0 => 0,
                    _ => self.surname_ends.get(i - 1).map_or(0, |&e| e as usize),
                };
                let to = self.surname_ends.get(i).map_or(0, |&e| e as usize);
                (
                    person as EntityId,
                    self.surnames.get(from..to).unwrap_or(""),
                )
            })
            .collect()
    }

    pub fn entity(&self, id: EntityId) -> &IndexedEntity {
        self.entities.get(id)
    }

    pub fn claim(&self, id: ClaimId) -> &IndexedClaim {
        self.claims.get(id)
    }

    /// The memo of type `T` kept with this index (see [`super::memo`]).
    pub fn memo<T: std::any::Any + Default + Send + Sync>(&self) -> Arc<T> {
        self.memos.get()
    }

    /// Whether the number arrays are borrowed from the buffer the index
    /// was read from, not copied out of it.
    #[cfg(test)]
    pub(crate) fn reads_arrays_in_place(&self) -> bool {
        self.patterns.is_shared()
            && self.targets.is_shared()
            && self.claim_postings.is_shared()
            && self.claim_content.reads_in_place()
            && self.quoted_words.is_shared()
            && self.completion.as_fst().as_inner().is_shared()
    }

    /// Every pattern's folded text, in id order.
    #[cfg(test)]
    pub(crate) fn pattern_texts(&self) -> Vec<&str> {
        (0..self.patterns.len())
            .map(|p| self.pattern_str(p))
            .collect()
    }

    /// Whether the lexicon has any name at all.
    pub fn has_names(&self) -> bool {
        !self.patterns.is_empty()
    }

    /// Whether some name starts with a character that is not a letter or
    /// digit ("’t Hooft", "(Bob)"): only then does the name scan look one
    /// up between words.
    pub fn names_start_otherwise(&self) -> bool {
        let (_, hash) = name_table::word_at("", 0);
        (self.name_table)
            .group(b"", hash, self.pattern_text.as_bytes())
            .is_some()
    }

    /// The longest name that can be a mention at the word start `start`
    /// of `hay` (folded text), whose word's end and hash are `word`
    /// ([`name_table::word_at`]): its end and
    /// pattern. That is the longest pattern `hay[start..]` begins with,
    /// where it begins with the whole word (any other pattern there ends
    /// inside the word), else the word less a designator's plural `s`
    /// ("s-400s", "a400s"), the one name that may end inside a word.
    #[inline(always)]
    pub fn name_at(&self, hay: &str, start: usize, word: (usize, u64)) -> Option<(usize, usize)> {
        let (word_end, hash) = word;
        let word = &hay.as_bytes()[start..word_end];
        // Inlined into the name scan down to here: most words start no
        // name, and cost this probe alone.
        // The record of a group of one's pattern is read next: loaded while
        // the word is compared.
        let text = self.pattern_text.as_bytes();
        let group = (self.name_table).group_reading_ahead(word, hash, text, |id| {
            self.patterns.get(id as usize).map_or(0, |r| r.text_end)
        });
        if group.is_none() && !is_designator_plural(word) {
            return None;
        }
        self.name_in(group, hay, start, word_end)
    }

    /// [`LexiconIndex::name_at`] past the probe: `group` holds the patterns
    /// whose first word is `hay[start..word_end]`.
    #[inline(never)]
    fn name_in(
        &self,
        group: Option<name_table::Group<'_>>,
        hay: &str,
        start: usize,
        word_end: usize,
    ) -> Option<(usize, usize)> {
        let bytes = hay.as_bytes();
        if let Some(group) = group {
            let found =
                name_table::longest_prefix(group, &bytes[start..], word_end - start, |id| {
                    self.pattern_bytes(id as usize)
                });
            // UTF-8 is prefix-free: a pattern of whole characters ends on
            // one. (Only a forged cache's could end inside a character.)
            if let Some((len, id)) = found.filter(|&(len, _)| hay.is_char_boundary(start + len)) {
                return Some((start + len, id));
            }
        }
        if !is_designator_plural(&bytes[start..word_end]) {
            return None;
        }
        Some((word_end - 1, self.pattern_for(&hay[start..word_end - 1])?))
    }

    /// A target's form as written in the lexicon.
    pub fn written(&self, target: &PatternTarget) -> &str {
        self.target_text.get(target.written()).unwrap_or("")
    }

    pub fn pattern(&self, id: usize) -> (&str, &[PatternTarget]) {
        (self.pattern_str(id), self.pattern_targets(id))
    }

    /// What a pattern stands for, without its text (the name scan's view).
    ///
    /// Never empty: every pattern of a built index stands for someone, and
    /// one a forged cache leaves without targets stands for a blank one
    /// (its callers read a pattern's first target). The name scan reads
    /// the first from the pattern's record ([`LexiconIndex::first_target`])
    /// and these only for a name several entities share.
    pub fn pattern_targets(&self, id: usize) -> &[PatternTarget] {
        let range = self.patterns.get(id).map_or(0..0, PatternRecord::targets);
        match self.targets.get(range).unwrap_or(&[]) {
            [] => &NO_TARGET,
            targets => targets,
        }
    }

    /// A pattern's first target ([`LexiconIndex::pattern_targets`]), and
    /// whether it has others, read from the pattern's record alone.
    pub fn first_target(&self, id: usize) -> (&PatternTarget, bool) {
        match self.patterns.get(id) {
            Some(record) if !record.targets().is_empty() => {
                (&record.first, record.targets().len() > 1)
            }
            _ => (&NO_TARGET[0], false),
        }
    }

    /// A pattern's folded text alone (empty for an id out of range).
    fn pattern_str(&self, id: usize) -> &str {
        self.pattern_text.get(self.pattern_span(id)).unwrap_or("")
    }

    /// A pattern's folded text as bytes: what the name scan compares, on
    /// every word that starts a name (no test of character boundaries).
    #[inline]
    fn pattern_bytes(&self, id: usize) -> &[u8] {
        self.pattern_text
            .as_bytes()
            .get(self.pattern_span(id))
            .unwrap_or(&[])
    }

    #[inline]
    fn pattern_span(&self, id: usize) -> Range<usize> {
        self.patterns.get(id).map_or(0..0, PatternRecord::text)
    }

    /// Whether a pattern is a single ordinary English word, which counts as
    /// a name only where the text supports it.
    pub fn is_ordinary_word(&self, pattern: usize) -> bool {
        self.patterns
            .get(pattern)
            .is_some_and(PatternRecord::is_ordinary)
    }

    /// The pattern whose folded text is exactly `folded`.
    pub fn pattern_for(&self, folded: &str) -> Option<usize> {
        let (end, hash) = name_table::word_at(folded, 0);
        let text = self.pattern_text.as_bytes();
        let group = (self.name_table).group(&folded.as_bytes()[..end], hash, text)?;
        name_table::exact(group, folded.as_bytes(), end, |id| {
            self.pattern_bytes(id as usize)
        })
    }

    /// The source a claim or evidence names, within its lexicon.
    pub fn source(&self, lexicon: usize, source_id: &str) -> Option<&IndexedSource> {
        self.lexicons
            .get(lexicon)?
            .sources
            .iter()
            .find(|s| s.source.id == source_id)
    }

    /// Entities whose name starts with `prefix` (folded), at most `limit`,
    /// in name order: a walk of the completion table from the prefix, never
    /// a scan of the lexicon.
    pub fn complete(&self, prefix: &str, limit: usize) -> Vec<EntityId> {
        let folded = fold(prefix);
        let mut out: Vec<EntityId> = Vec::new();
        let mut keys = self
            .completion
            .search(fst::automaton::Str::new(&folded).starts_with())
            .into_stream();
        while let Some((_, rank)) = keys.next() {
            let ids = match self.completion_group(rank as usize) {
                Ok(ids) => ids,
                Err(block) => return self.repaired_complete(prefix, limit, block),
            };
            for &id in ids {
                let id = id as EntityId;
                if !out.contains(&id) {
                    out.push(id);
                    if out.len() == limit {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// The entities of a completion key's rank (none where its ends are
    /// out of range); `Err` with the block that did not match its hash.
    fn completion_group(&self, rank: usize) -> Result<&[u32], String> {
        let damaged = |block| format!("completion block {block} does not match its hash");
        let ends = match rank {
            0 => self.completion_ends.get(0..1),
            _ => self.completion_ends.get(rank - 1..rank + 1),
        };
        let (start, end) = match ends.map_err(damaged)? {
            Some([end]) => (0, *end as usize),
            Some([start, end]) => (*start as usize, *end as usize),
            _ => return Ok(&[]),
        };
        let ids = self.completion_ids.get(start..end).map_err(damaged)?;
        Ok(ids.unwrap_or(&[]))
    }

    /// Completion from the index rebuilt from the lexicons, the cached
    /// one's completion table being damaged (none if it cannot be rebuilt).
    #[cold]
    fn repaired_complete(&self, prefix: &str, limit: usize, why: String) -> Vec<EntityId> {
        let rebuilt = self.repair().and_then(|r| r.rebuilt(&why));
        rebuilt.map_or_else(Vec::new, |index| index.complete(prefix, limit))
    }

    /// An entity's name as folded for matching (empty if nothing is left
    /// of it), read without decoding the entity.
    fn folded_name(&self, id: EntityId) -> &str {
        match self.name_patterns.get(id).copied().unwrap_or(u32::MAX) {
            u32::MAX => "",
            p => self.pattern(p as usize).0,
        }
    }

    /// Entities whose name contains every word of `query` (folded), for
    /// workspace symbol search. Bounded by `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<EntityId> {
        let words = words_of(&fold(query));
        let mut out: Vec<EntityId> = Vec::new();
        for id in 0..self.entities.len() {
            if out.len() == limit {
                break;
            }
            let name = self.folded_name(id);
            if words.iter().all(|w| name.contains(w.as_str())) {
                out.push(id);
            }
        }
        out
    }

    /// The claims whose words include this (folded) content word, ascending.
    /// `ranks`: the index's [`ClaimWordRanks`], asked first.
    fn claims_with_word(&self, ranks: &ClaimWordRanks, word: &str) -> Option<&[u32]> {
        let rank = match ranks.0.get(word) {
            Some(rank) => rank,
            None => {
                let rank = self.claim_words.get(word.as_bytes());
                ranks.0.insert(word, rank);
                rank
            }
        }?;
        Some(group(
            &self.claim_postings,
            &self.claim_word_ends,
            rank as usize,
        ))
    }

    /// A quoted claim's folded words joined by single spaces (empty for a
    /// claim not quoted, or an id that no claim has): what a quotation is
    /// compared with, read without decoding the claim.
    pub fn quoted_words(&self, claim: ClaimId) -> &[u8] {
        let words = self
            .quoted_starts
            .get(claim..claim + 2)
            .and_then(|bounds| match bounds {
                Some(&[start, end]) => self.quoted_words.get(start as usize..end as usize),
                _ => Ok(None),
            });
        match words {
            Ok(words) => words.unwrap_or_default(),
            Err(block) => self.repaired_quoted_words(claim, block),
        }
    }

    /// [`LexiconIndex::quoted_words`] from the index rebuilt from the
    /// lexicons, a block of the cached one's having not matched its hash
    /// (none if the index cannot be rebuilt).
    #[cold]
    fn repaired_quoted_words(&self, claim: ClaimId, block: usize) -> &[u8] {
        let why = format!("quoted words block {block} does not match its hash");
        let rebuilt = self.repair().and_then(|r| r.rebuilt(&why));
        rebuilt.map_or(&[], |index| index.quoted_words(claim))
    }

    /// Every claim whose words include all of `words` (folded), in lexicon
    /// order. Ordinary words are not indexed and constrain nothing.
    pub fn claims_with_all<'w>(&self, words: impl IntoIterator<Item = &'w str>) -> Vec<ClaimId> {
        let Some(mut lists) = self.claim_lists(words, 0) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        first_common(&mut lists, |id| {
            out.push(id as ClaimId);
            false
        });
        out
    }

    /// The first claim, in lexicon order, that `accept` takes among those
    /// that may hold all of `words` (folded), without working out the rest
    /// of the intersection. `accept` must itself check that the claim holds
    /// every word: the lists of the last words may be left unread once a
    /// word's list is down to [`FEW_CLAIMS`], as checking those few claims
    /// costs less than looking up the other words. None when some word read
    /// is in no claim, or when no word is a content word.
    pub fn find_claim_with_all<'w>(
        &self,
        words: impl IntoIterator<Item = &'w str>,
        mut accept: impl FnMut(ClaimId) -> bool,
    ) -> Option<ClaimId> {
        let mut lists = self.claim_lists(words, FEW_CLAIMS)?;
        first_common(&mut lists, |id| accept(id as ClaimId)).map(|id| id as ClaimId)
    }

    /// The claim lists of the content words among `words`, read in order
    /// until one holds no more than `enough` claims (None as soon as a word
    /// is in no claim).
    fn claim_lists<'w>(
        &self,
        words: impl IntoIterator<Item = &'w str>,
        enough: usize,
    ) -> Option<Vec<&[u32]>> {
        let ranks = self.memo::<ClaimWordRanks>();
        let mut lists: Vec<&[u32]> = Vec::new();
        for w in words.into_iter().filter(|w| !is_common_word(w)) {
            let list = self.claims_with_word(&ranks, w)?;
            lists.push(list);
            if list.len() <= enough {
                break;
            }
        }
        Some(lists)
    }

    /// An entity's kind (the default kind for an id that no entity has,
    /// which only a forged cache can give).
    pub fn kind(&self, id: EntityId) -> EntityKind {
        let kind = self
            .kinds
            .get(id)
            .map(|&k| EntityKind::ALL.get(usize::from(k)));
        kind.flatten().copied().unwrap_or_default()
    }
}

/// Each content word's rank in the index's map of claim words (`None`: in
/// no claim), as looked up so far: a lookup in the map walks a node per
/// byte (about 1,500 instructions), and quotations repeat their words.
#[derive(Default)]
struct ClaimWordRanks(TextMemo<Option<u64>>);

/// Ids in a window of the id space (a place each in [`Marks`]): a window
/// costs a few binary searches to find its ids in both lists, and a wide
/// one fewer of them (measured: 4,096 ids a window cost a second draft
/// 1 M instructions more than 65,536).
const WINDOW: u32 = 1 << 16;

/// A word's claims few enough to check one by one rather than look up
/// another word: a lookup in the word map walks a node per byte (about
/// 1,500 instructions for a word); checking a claim against a quotation
/// costs a few hundred.
const FEW_CLAIMS: usize = 4;

/// The first id, ascending, that is in every one of the sorted `lists` and
/// that `accept` takes (None without lists). Quotations of one claim stop
/// at that claim, so the intersection is worked out only up to it: the two
/// shortest lists are intersected a window of ids at a time, and each id in
/// both is looked up in the longer lists by galloping from the last one
/// found. In a window, where the shortest list is not much shorter than the
/// second (ids of common words, interleaving unpredictably), the second's
/// ids are marked as bits and the shortest's tested against them, neither
/// walk branching on the other's ids; a much shorter list is looked up in
/// the second by galloping too, so a rare word's handful of claims costs a
/// few probes into a common word's thousands.
fn first_common(lists: &mut [&[u32]], mut accept: impl FnMut(u32) -> bool) -> Option<u32> {
    lists.sort_by_key(|l| l.len());
    let (&mut first, rest) = lists.split_first_mut()?;
    let in_rest = |x: u32, rest: &mut [&[u32]]| rest.iter_mut().all(|l| gallop_to(l, x));
    if rest.is_empty() || first.len() * 16 < rest[0].len() {
        return first
            .iter()
            .copied()
            .find(|&x| in_rest(x, rest) && accept(x));
    }
    let (second, rest) = rest.split_first_mut()?;
    MARKS.with(|marks| match marks.try_borrow_mut() {
        Ok(mut marks) => by_windows(first, second, rest, &mut marks, accept),
        // An intersection inside another's `accept`: marks of its own.
        Err(_) => by_windows(first, second, rest, &mut Marks::new(), accept),
    })
}

/// [`first_common`] of lists sorted by length whose first is not much
/// shorter than the second, a window of ids at a time: the second's ids in
/// the window are marked, the first's tested against the marks, and each
/// id in both looked up in the rest by galloping.
fn by_windows(
    first: &[u32],
    second: &mut &[u32],
    rest: &mut [&[u32]],
    marks: &mut Marks,
    mut accept: impl FnMut(u32) -> bool,
) -> Option<u32> {
    let mut i = 0;
    while i < first.len() {
        let lo = first[i] - first[i] % WINDOW;
        // Past the window, in u64: a window may end at the ids' very top.
        let hi = u64::from(lo) + u64::from(WINDOW);
        let n = first[i..].partition_point(|&x| u64::from(x) < hi);
        let mine = &first[i..i + n];
        i += n;
        let from = second.partition_point(|&y| y < lo);
        let upto = second.partition_point(|&y| u64::from(y) < hi);
        let window = &second[from..upto];
        *second = &second[upto..];
        marks.next_window();
        marks.set_all(window);
        let mut at = 0;
        while let Some(k) = marks.first_marked(&mine[at..]) {
            let x = mine[at + k];
            if rest.iter_mut().all(|l| gallop_to(l, x)) && accept(x) {
                return Some(x);
            }
            at += k + 1;
        }
    }
    None
}

/// Which ids of a window the second list has: a byte per place in the
/// window holding the number of the window that marked it, so moving on
/// to the next window clears nothing (a byte is stored and read with fewer
/// instructions than a bit); cleared only when the numbers wrap. Kept per
/// thread ([`MARKS`]), so that an intersection does not zero 64 KiB to
/// start: the numbers go on from the last one's.
struct Marks {
    bytes: [u8; WINDOW as usize],
    /// The number of the window being marked: no byte held it when the
    /// window began.
    mark: u8,
}

impl Marks {
    const fn new() -> Marks {
        Marks {
            bytes: [0; WINDOW as usize],
            mark: 0,
        }
    }

    /// Moves on to a new window (its number held by no byte yet).
    fn next_window(&mut self) {
        self.mark = match self.mark.checked_add(1) {
            Some(next) => next,
            None => {
                self.bytes = [0; WINDOW as usize];
                1
            }
        };
    }

    /// An id's place in the window is its remainder (windows start at
    /// multiples of [`WINDOW`]): a place the compiler can see is inside
    /// `bytes`.
    fn set(&mut self, id: u32) {
        self.bytes[(id % WINDOW) as usize] = self.mark;
    }

    fn has(&self, id: u32) -> bool {
        self.bytes[(id % WINDOW) as usize] == self.mark
    }

    /// Marks every id of `ids`, eight to a step: the two lists of an
    /// intersection are thousands of ids long, and a loop's own steps cost
    /// as many instructions as the mark.
    fn set_all(&mut self, ids: &[u32]) {
        let mut eights = ids.chunks_exact(UNROLL);
        for eight in &mut eights {
            for &id in eight {
                self.set(id);
            }
        }
        for &id in eights.remainder() {
            self.set(id);
        }
    }

    /// Where the first marked id of `ids` is, eight ids to a step (as
    /// [`Marks::set_all`]).
    fn first_marked(&self, ids: &[u32]) -> Option<usize> {
        let mut eights = ids.chunks_exact(UNROLL);
        for (i, eight) in (&mut eights).enumerate() {
            for (k, &id) in eight.iter().enumerate() {
                if self.has(id) {
                    return Some(i * UNROLL + k);
                }
            }
        }
        let rest = eights.remainder();
        let tail = ids.len() - rest.len();
        rest.iter().position(|&id| self.has(id)).map(|k| tail + k)
    }
}

/// How many ids [`Marks::set_all`] and [`Marks::first_marked`] take a step.
const UNROLL: usize = 8;

thread_local! {
    static MARKS: std::cell::RefCell<Marks> = const { std::cell::RefCell::new(Marks::new()) };
}

/// Moves `list` on to its first id not below `x` (galloping: a few probes
/// however far that is) and says whether that id is `x`.
fn gallop_to(list: &mut &[u32], x: u32) -> bool {
    let mut hi = 1;
    while hi < list.len() && list[hi - 1] < x {
        hi *= 2;
    }
    let at = list[..hi.min(list.len())].partition_point(|&y| y < x);
    *list = &list[at..];
    list.first() == Some(&x)
}

#[cfg(test)]
mod intersect_tests {
    use super::{first_common, WINDOW};
    use proptest::prelude::*;

    fn naive(lists: &[Vec<u32>]) -> Vec<u32> {
        let sets: Vec<std::collections::BTreeSet<u32>> =
            lists.iter().map(|l| l.iter().copied().collect()).collect();
        let mut out: Vec<u32> = lists[0]
            .iter()
            .copied()
            .filter(|x| sets.iter().all(|s| s.contains(x)))
            .collect();
        out.sort_unstable();
        out
    }

    fn all(lists: &[Vec<u32>]) -> Vec<u32> {
        let mut slices: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
        let mut out = Vec::new();
        first_common(&mut slices, |x| {
            out.push(x);
            false
        });
        out
    }

    /// Every way of intersecting (bits by windows, gallop) gives the ids
    /// in all lists, in order.
    #[test]
    fn each_strategy_finds_the_common_ids() {
        // Ids over ten windows.
        let top = 10 * WINDOW;
        let evens: Vec<u32> = (0..top).step_by(2).collect();
        let threes: Vec<u32> = (0..top).step_by(3).collect();
        let fives: Vec<u32> = (0..top).step_by(5).collect();
        let rare = vec![0, 6, 7, 3001, 3998, 5000, WINDOW * 3, top - 10];
        let few: Vec<u32> = (0..40).map(|i| i * 7).collect();
        for lists in [
            vec![rare.clone(), evens.clone()],
            vec![few.clone(), threes.clone()],
            vec![evens.clone(), threes.clone()],
            vec![evens.clone(), threes.clone(), fives.clone()],
            vec![few.clone(), few.clone()],
            vec![rare.clone(), vec![]],
            vec![rare.clone()],
        ] {
            assert_eq!(all(&lists), naive(&lists), "{:?}", lists.len());
        }
    }

    /// The walk stops at the first id taken, having offered the ones
    /// before it in order.
    #[test]
    fn stops_at_the_first_id_taken() {
        let evens: Vec<u32> = (0..3 * WINDOW).step_by(2).collect();
        let threes: Vec<u32> = (0..3 * WINDOW).step_by(3).collect();
        let mut offered = Vec::new();
        let found = first_common(&mut [&evens, &threes], |x| {
            offered.push(x);
            x > WINDOW + 5
        });
        assert_eq!(found, Some(WINDOW + 8));
        assert_eq!(offered.last(), Some(&(WINDOW + 8)));
        assert_eq!(offered.len(), ((WINDOW + 8) / 6 + 1) as usize);
    }

    /// A window's marks are numbered, and the numbers wrap after 255
    /// windows: a mark left from 255 windows before must not count.
    #[test]
    fn marks_from_windows_long_gone_do_not_count() {
        let windows = 3 * 256;
        // One id in every window at place 5 in the first list; the second
        // has place 5 only in the first window, and place 6 in every one
        // (as many ids as the first: intersected window by window).
        let first: Vec<u32> = (0..windows).map(|w| w * WINDOW + 5).collect();
        let mut second: Vec<u32> = (0..windows).map(|w| w * WINDOW + 6).collect();
        second.push(5);
        second.sort_unstable();
        assert_eq!(all(&[first.clone(), second.clone()]), [5]);
        let third: Vec<u32> = (0..windows).map(|w| w * WINDOW + 5).collect();
        let many = vec![first.clone(), second.clone(), third];
        assert_eq!(all(&many), [5]);
        // And a common id in every window: each one found, in order.
        let every: Vec<u32> = (0..windows).map(|w| w * WINDOW + 5).collect();
        assert_eq!(all(&[first, every.clone()]), every);
    }

    proptest! {
        #[test]
        fn windows_and_gallops_equal_a_plain_intersection(
            lists in prop::collection::vec(
                prop::collection::btree_set(0u32..20_000, 0..600), 1..5)
        ) {
            let lists: Vec<Vec<u32>> = lists.into_iter().map(|s| s.into_iter().collect()).collect();
            prop_assert_eq!(all(&lists), naive(&lists));
        }

        /// The walk offers the common ids below the first one taken, in
        /// order, and stops there, whichever way it intersects (windows
        /// dense enough to mark as bits, short lists galloped).
        #[test]
        fn the_first_id_taken_is_the_plain_one(
            lists in prop::collection::vec(
                prop::collection::btree_set(0u32..3 * WINDOW, 0..2000), 1..5),
            rare in prop::collection::btree_set(0u32..3 * WINDOW, 0..40),
            threshold in 0u32..3 * WINDOW,
        ) {
            let lists: Vec<Vec<u32>> = lists.into_iter().map(|s| s.into_iter().collect()).collect();
            for add_rare in [false, true] {
                let mut with_rare = lists.clone();
                if add_rare {
                    with_rare.push(rare.iter().copied().collect());
                }
                let common = naive(&with_rare);
                let want = common.iter().copied().find(|&x| x >= threshold);
                let mut offered = Vec::new();
                let mut slices: Vec<&[u32]> = with_rare.iter().map(Vec::as_slice).collect();
                let found = first_common(&mut slices, |x| {
                    offered.push(x);
                    x >= threshold
                });
                prop_assert_eq!(found, want);
                let upto: Vec<u32> = common.iter().copied().take_while(|&x| x < threshold).chain(want).collect();
                prop_assert_eq!(offered, upto);
            }
        }
    }
}

/// [`LexiconIndex::quoted_words`] for every claim (`folded`: each claim's
/// text folded), and where each claim's start (one more than the claims).
fn quoted_words(
    claims: &[(Claim, usize, Option<EntityId>)],
    folded: &[String],
) -> (Vec<u8>, Vec<u64>) {
    let mut words = Vec::new();
    let mut starts = vec![0u64];
    for ((claim, _, _), folded) in claims.iter().zip(folded) {
        if claim.quoted {
            for (i, word) in word_slices(folded).enumerate() {
                if i > 0 {
                    words.push(b' ');
                }
                words.extend_from_slice(word.as_bytes());
            }
        }
        starts.push(words.len() as u64);
    }
    (words, starts)
}

/// Splits folded text into words (letters, digits, inner apostrophes and hyphens).
pub fn words_of(folded: &str) -> Vec<String> {
    word_slices(folded).map(str::to_string).collect()
}

/// The words of [`words_of`], borrowed.
pub fn word_slices(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
}

/// Finds the line of each entity's `"id": "..."` in a lexicon file by a
/// single scan of the text.
struct EntryLines<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> EntryLines<'a> {
    fn new(text: &'a str) -> Self {
        let mut ids = HashMap::new();
        let start = text.find("\"entities\"").unwrap_or(0);
        let end = text
            .find("\"claims\"")
            .filter(|&c| c > start)
            .unwrap_or(text.len());
        let first_line = text[..start].matches('\n').count() as u32;
        for (line, l) in (first_line..).zip(text[start..end].split('\n')) {
            if let Some(at) = l.find("\"id\"") {
                let rest = l[at + 4..]
                    .trim_start()
                    .trim_start_matches(':')
                    .trim_start();
                if let Some(rest) = rest.strip_prefix('"') {
                    if let Some(close) = rest.find('"') {
                        ids.entry(&rest[..close]).or_insert(line);
                    }
                }
            }
        }
        EntryLines { ids }
    }

    fn line_of_entity(&self, id: &str) -> u32 {
        self.ids.get(id).copied().unwrap_or(0)
    }
}

/// The index of one lexicon given as JSON text: what the unit tests build
/// their small lexicons with.
#[cfg(test)]
impl LexiconIndex {
    pub(crate) fn of_json(path: &str, text: &str) -> LexiconIndex {
        LexiconIndex::build(vec![LexiconInput {
            path: path.into(),
            lexicon: crate::lexicon::parse(text).expect("a test lexicon parses"),
            text: text.into(),
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(entities: &str, claims: &[&str]) -> LexiconIndex {
        let claims: Vec<String> = claims
            .iter()
            .enumerate()
            .map(|(i, text)| {
                format!(
                    r#"{{"id": "c{i}", "text": "{text}", "quoted": true, "source": "s", "start": 0, "end": 1}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"copydesk_lexicon": 1, "entities": [{entities}], "claims": [{}]}}"#,
            claims.join(",")
        );
        LexiconIndex::of_json("x.lexicon.json", &text)
    }

    #[test]
    fn the_longest_name_at_a_word_start() {
        let index = index_of(
            r#"{"id": "e", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan"]},
               {"id": "s", "name": "S-400", "kind": "weapon"},
               {"id": "a", "name": "A400", "kind": "weapon"},
               {"id": "k", "name": "Ankara", "kind": "place"}"#,
            &[],
        );
        let name_at = |hay: &str, start: usize| {
            index
                .name_at(hay, start, name_table::word_at(hay, start))
                .map(|(end, p)| (hay[start..end].to_string(), index.pattern(p).0.to_string()))
        };
        let hay = "recep tayyip erdogan's s-400s";
        let found = |s: &str| Some((s.to_string(), s.to_string()));
        assert_eq!(name_at(hay, 0), found("recep tayyip erdogan"));
        assert_eq!(name_at(hay, 6), None, "no name starts with tayyip");
        assert_eq!(name_at(hay, 13), found("erdogan"));
        assert_eq!(name_at(hay, 23), found("s-400"));
        assert_eq!(name_at("a400s flew", 0), found("a400"), "a plural");
        assert_eq!(name_at("a400x flew", 0), None);
        assert_eq!(name_at("ankaragucu", 0), None, "a name inside a word");
        assert_eq!(name_at("recep tayyip", 0), None);
        assert_eq!(
            index.pattern_for("erdogan").map(|p| index.pattern(p).0),
            Some("erdogan")
        );
        assert_eq!(index.pattern_for("tayyip"), None);
        assert_eq!(index.pattern_for("recep"), None);
    }

    /// Every name the table finds is the longest pattern the text begins
    /// with at that word start, as a plain search of every pattern says.
    #[test]
    fn the_table_finds_the_longest_pattern_of_the_first_word() {
        let index = index_of(
            r#"{"id": "a", "name": "Jean", "kind": "person", "aliases": ["Jean-Paul", "Jean Paul Sartre", "Jean-Paul II", "Jeanne"]},
               {"id": "b", "name": "Mr. Has", "kind": "person", "aliases": ["Mr. Hasan", "Mr.", "Mr. H", "Has"]},
               {"id": "c", "name": "’t Hooft", "kind": "person", "aliases": ["(Bob)"]}"#,
            &[],
        );
        let patterns: Vec<&str> = (0..index.patterns.len())
            .map(|p| index.pattern_str(p))
            .collect();
        for hay in [
            "jean",
            "jean-paul ii",
            "jean-paul iii",
            "jean paul",
            "jean paul sartre's",
            "jeanne",
            "jeannette",
            "mr. hasan",
            "mr. has",
            "mr. hx",
            "mr.",
            "mr",
            "mr. h",
            "'t hooft",
            "'t hoo",
            "(bob) x",
            "(bo",
        ] {
            let word = name_table::word_at(hay, 0);
            let plain = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| hay.starts_with(**p) && p.len() >= word.0)
                .max_by_key(|(_, p)| p.len())
                .map(|(id, p)| (p.len(), id));
            assert_eq!(index.name_at(hay, 0, word), plain, "{hay}");
        }
    }

    /// A cached index is refused if its parts do not have the shapes its
    /// lookups assume; ids out of range and names standing for nobody
    /// (which only a cache forged to pass the file's hash can hold) are
    /// not looked for at the start, and read as blank or empty: analysing
    /// and checking a draft on such an index never panics.
    #[test]
    fn an_index_whose_parts_disagree_answers_without_a_panic() {
        let fresh = || {
            index_of(
                r#"{"id": "e", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan", "Tayyip"]},
                   {"id": "t", "name": "Tayyip Kaya", "kind": "person"}"#,
                &["Erdogan buys weapons", "Tayyip sells weapons"],
            )
        };
        assert!(fresh().is_consistent());
        let draft = "Recep Tayyip Erdogan said: \"Erdogan buys weapons.\" Tayyip Kaya \
                     agreed. Erdogan buys weapons, Kaya said. \"Tayyip sells weapons\", he said.";
        type Damage = fn(&mut LexiconIndex);
        let damaged: [(&str, Damage); 10] = [
            ("a name with no target", |i| {
                i.patterns
                    .edit(|v| v.iter_mut().for_each(|p| p.targets_end = 0))
            }),
            ("targets past the end", |i| {
                i.patterns.edit(|v| v[0].targets_end = ORDINARY - 1)
            }),
            ("a target's entity", |i| {
                i.targets.edit(|v| v[0].entity = 99)
            }),
            ("an entity's name pattern", |i| {
                i.name_patterns.edit(|v| v[0] = 7)
            }),
            ("a completion's entity", |i| {
                i.completion_ids.edit(|v| v[0] = 9)
            }),
            ("a given name's person", |i| {
                i.given_persons.edit(|v| v[0] = 5)
            }),
            ("given names' ends", |i| {
                i.given_ends.edit(|v| v[0] = u64::MAX)
            }),
            ("a claim word's claim", |i| {
                i.claim_postings.edit(|v| v.iter_mut().for_each(|c| *c = 3))
            }),
            ("a first word's pattern", |i| {
                i.name_table = NameTable::build(["x", "y", "z", "erdogan"].into_iter().zip(0..))
            }),
            ("patterns' text out of order", |i| {
                i.patterns
                    .edit(|v| v.iter_mut().for_each(|p| p.text_end = p.text_start / 2))
            }),
        ];
        for (what, damage) in damaged {
            let mut index = fresh();
            damage(&mut index);
            assert!(index.is_consistent(), "{what}");
            let analysis =
                crate::analysis::analyze(draft, crate::text::prose::DocKind::PlainText, &index);
            let _ = crate::rules::check(draft, &analysis, &index, &Default::default());
            let _ = (index.complete("", 10), index.search("erdogan", 10));
            let _ = (
                index.persons_named("tayyip"),
                index.kind(99),
                index.claim(99),
            );
        }
        // What the lookups do assume is checked.
        let mut short = fresh();
        short.name_patterns.edit(|v| {
            v.pop();
        });
        assert!(!short.is_consistent(), "one name pattern per entity");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whichever number of whichever array a forged cache changes, to
        /// whatever value, a draft is analysed and checked without a panic.
        #[test]
        fn any_number_of_a_forged_index_reads_without_a_panic(
            array in 0..19usize,
            at: proptest::sample::Index,
            value in proptest::prop_oneof![0..8u64, proptest::prelude::any::<u64>()],
        ) {
            let mut index = index_of(
                r#"{"id": "e", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan", "Tayyip"]},
                   {"id": "t", "name": "Tayyip Kaya", "kind": "person"}"#,
                &["Erdogan buys weapons", "Tayyip sells weapons"],
            );
            fn set<T: crate::analysis::shared_array::Number>(a: &mut Array<T>, at: proptest::sample::Index, v: T) {
                a.edit(|v_| if !v_.is_empty() { let i = at.index(v_.len()); v_[i] = v });
            }
            let v32 = value as u32;
            match array {
                0 => set(&mut index.name_patterns, at, v32),
                1 | 2 => index.patterns.edit(|v| if !v.is_empty() {
                    let i = at.index(v.len());
                    let p = &mut v[i];
                    if array == 1 {
                        (p.text_start, p.text_end) = (v32, (value >> 32) as u32);
                    } else {
                        (p.targets_start, p.targets_end) = (v32, (value >> 32) as u32);
                        (p.first.entity, p.first.form) = (v32, (value >> 40) as u8);
                    }
                }),
                3 => index.completion_ids.edit(|v| if !v.is_empty() { let i = at.index(v.len()); v[i] = v32 }),
                4 => index.completion_ends.edit(|v| if !v.is_empty() { let i = at.index(v.len()); v[i] = value }),
                5 => set(&mut index.claim_postings, at, v32),
                6 => set(&mut index.claim_word_ends, at, value),
                7 => set(&mut index.given_ends, at, value),
                8 => set(&mut index.given_persons, at, v32),
                9 => set(&mut index.surname_ends, at, value),
                15 => index.quoted_words.edit(|v| if !v.is_empty() { let i = at.index(v.len()); v[i] = value as u8 }),
                16 => index.quoted_starts.edit(|v| if !v.is_empty() { let i = at.index(v.len()); v[i] = value }),
                17 => index.name_table.forge_slot(at.index(usize::MAX), value),
                18 => index.name_table.forge_member(at.index(usize::MAX), value),
                11..=14 => {
                    let arrays = index.claim_content.arrays_mut();
                    let array = arrays.into_iter().nth(array - 11).unwrap();
                    array.edit(|v| if !v.is_empty() { let i = at.index(v.len()); v[i] = v32 })
                }
                _ => index.targets.edit(|v| if !v.is_empty() {
                    let i = at.index(v.len());
                    let t = &mut v[i];
                    (t.entity, t.form, t.folds_by_case, t.written_start, t.written_end) =
                        (v32, (value >> 32) as u8, (value >> 40) as u8, v32, (value >> 16) as u32);
                }),
            }
            proptest::prop_assert!(index.is_consistent());
            // A letter that folds to ASCII ("ğ") and quotation marks that
            // do not ("“"): a forged pattern or head may end inside one.
            let draft = "Recep Tayyip Erdoğan said: “Erdogan buys weapons.” Tayyip Kaya \
                         agreed. Erdogan buys weapons, Kaya said. \"Tayyip sells weapons\", he said.";
            let analysis =
                crate::analysis::analyze(draft, crate::text::prose::DocKind::PlainText, &index);
            let _ = crate::rules::check(draft, &analysis, &index, &Default::default());
            let _ = (index.complete("", 10), index.complete("k", 10), index.search("erdogan", 10));
            let _ = index.persons_named("tayyip");
        }
    }

    /// A forged member whose text ends inside a character of the draft
    /// (" \xE2\x80", two bytes of the three of "“") matches nothing there:
    /// the scan would otherwise cut the character.
    #[test]
    fn a_forged_name_that_ends_inside_a_character_is_no_match() {
        let mut index = index_of(
            r#"{"id": "k", "name": "Tayyip Kaya", "kind": "person"},
               {"id": "x", "name": "Tayyip Xu", "kind": "person"}"#,
            &[],
        );
        // Member 1 ("tayyip xu"): head " \xE2\x80", three bytes long, id 1.
        index
            .name_table
            .forge_member(1, u64::from_le_bytes([b' ', 0xE2, 0x80, 0, 3, 1, 0, 0]));
        let draft = "Tayyip “Kaya” spoke to Tayyip Kaya.";
        let found: Vec<&str> = crate::analysis::mentions::find_mentions(draft, &index)
            .into_iter()
            .map(|m| &draft[m.range])
            .collect();
        assert_eq!(found, ["Tayyip Kaya"]);
    }

    /// A target's numbers read back as given, and a form number no form
    /// has (a forged cache's) reads as the name.
    #[test]
    fn targets_read_back_their_entity_form_and_written_form() {
        for (i, form) in [Form::Name, Form::Alias, Form::Variant]
            .into_iter()
            .enumerate()
        {
            let t = PatternTarget::new(70_000 * i, form, "x", "x", i..i * 300 + 1);
            assert_eq!(
                (t.entity(), t.form(), t.written()),
                (70_000 * i, form, i..i * 300 + 1)
            );
        }
        let forged = PatternTarget {
            form: 3,
            ..PatternTarget::new(1, Form::Variant, "x", "x", 0..1)
        };
        assert_eq!(forged.form(), Form::Name);
        let huge = PatternTarget::new(usize::MAX, Form::Alias, "x", "x", 0..usize::MAX);
        assert_eq!(
            (huge.entity(), huge.written()),
            (u32::MAX as usize, 0..u32::MAX as usize)
        );
    }

    /// A target folds by case alone exactly when its pattern is the ASCII
    /// form's lower case: not with a mark, a space the pattern trims, or
    /// another character that folding changes.
    #[test]
    fn a_target_says_whether_its_form_folds_by_case_alone() {
        let by_case = |written: &str| {
            let folded = fold(written.trim());
            PatternTarget::new(0, Form::Name, &folded, written, 0..0).folds_by_case()
        };
        assert!(by_case("Recep Tayyip Erdogan") && by_case("S-400") && by_case("FDD"));
        assert!(!by_case("Erdoğan") && !by_case(" Erdogan") && !by_case("Erdogan "));
        assert!(
            !by_case("Mr\u{00A0}Has") && !by_case("O\u{2019}Neil") && !by_case("Kerim\u{00AD}")
        );
    }

    #[test]
    fn claims_with_every_word_in_lexicon_order() {
        let index = index_of(
            "",
            &[
                "We buy our own weapons",
                "We buy gas from Russia",
                "Russia sells weapons to Turkey",
            ],
        );
        let all = |s: &str| index.claims_with_all(words_of(&fold(s)).iter().map(String::as_str));
        assert_eq!(all("weapons"), vec![0, 2]);
        assert!(is_common_word("buy"));
        assert_eq!(all("buy weapons"), vec![0, 2]);
        assert_eq!(all("weapons sells"), vec![2]);
        assert_eq!(all("russia weapons turkey"), vec![2]);
        assert_eq!(all("weapons tanks"), Vec::<ClaimId>::new());
    }
}
