//! Answers worked out from a lexicon index and a piece of text alone,
//! kept with the index: a draft repeats its quotations, a session checks
//! drafts again and again, and the index does not change once built, so
//! what was found for a text holds for as long as the index lives.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex, MutexGuard};

/// An index's memos, one of each type, made on first use.
#[derive(Default)]
pub struct IndexMemos {
    slots: Mutex<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>,
}

impl IndexMemos {
    /// The memo of type `T`.
    pub fn get<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut slots = lock(&self.slots);
        let id = TypeId::of::<T>();
        let slot = match slots.iter().find(|(t, _)| *t == id) {
            Some((_, slot)) => slot.clone(),
            None => {
                let slot: Arc<dyn Any + Send + Sync> = Arc::new(T::default());
                slots.push((id, slot.clone()));
                slot
            }
        };
        match slot.downcast::<T>() {
            Ok(memo) => memo,
            Err(_) => unreachable!("a memo's slot is found by its type"),
        }
    }
}

impl std::fmt::Debug for IndexMemos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndexMemos({})", lock(&self.slots).len())
    }
}

/// How many texts a [`TextMemo`] remembers before it starts again...
const MEMO_TEXTS: usize = 1 << 16;
/// ...or how many bytes of text.
const MEMO_BYTES: usize = 1 << 24;

/// What was found for each text, by the text.
pub struct TextMemo<V> {
    found: Mutex<Found<V>>,
}

struct Found<V> {
    // foldhash, not SipHash: asked for every quotation of every draft.
    by_text: foldhash::HashMap<Box<str>, V>,
    /// The texts' bytes.
    bytes: usize,
}

impl<V> Default for TextMemo<V> {
    fn default() -> Self {
        TextMemo {
            found: Mutex::new(Found {
                by_text: foldhash::HashMap::default(),
                bytes: 0,
            }),
        }
    }
}

impl<V: Clone> TextMemo<V> {
    /// What was found for `text`, if it was asked about before.
    pub fn get(&self, text: &str) -> Option<V> {
        lock(&self.found).by_text.get(text).cloned()
    }

    pub fn insert(&self, text: &str, found: V) {
        let mut memo = lock(&self.found);
        // Every text typed stays remembered: start again past a bound.
        if memo.by_text.len() >= MEMO_TEXTS || memo.bytes + text.len() > MEMO_BYTES {
            memo.by_text.clear();
            memo.bytes = 0;
        }
        if memo.by_text.insert(text.into(), found).is_none() {
            memo.bytes += text.len();
        }
    }
}

/// `m` locked; a panic elsewhere while it was locked left it whole (each
/// change is one call).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Lengths(TextMemo<usize>);

    #[derive(Default)]
    struct Firsts(TextMemo<char>);

    #[test]
    fn one_memo_per_type_kept_across_asks() {
        let memos = IndexMemos::default();
        memos.get::<Lengths>().0.insert("abc", 3);
        memos.get::<Firsts>().0.insert("abc", 'a');
        assert_eq!(memos.get::<Lengths>().0.get("abc"), Some(3));
        assert_eq!(memos.get::<Firsts>().0.get("abc"), Some('a'));
        assert_eq!(memos.get::<Lengths>().0.get("abd"), None);
    }

    #[test]
    fn a_full_memo_starts_again() {
        let memo = TextMemo::<usize>::default();
        for i in 0..MEMO_TEXTS {
            memo.insert(&i.to_string(), i);
        }
        assert_eq!(memo.get("0"), Some(0));
        memo.insert("new", 1);
        assert_eq!(memo.get("0"), None);
        assert_eq!(memo.get("new"), Some(1));
        let long = "x".repeat(MEMO_BYTES / 2);
        memo.insert(&long, 2);
        memo.insert(&long, 3);
        assert_eq!(memo.get(&long), Some(3), "the same text counted once");
        memo.insert(&format!("{long}y"), 4);
        assert_eq!(memo.get(&long), None, "too many bytes: started again");
        assert_eq!(memo.get("new"), None);
    }
}
