//! A document analysed against a compiled lexicon. Pure: text in, plain
//! data with byte ranges out.

pub mod cards;
pub mod claim_content;
pub mod document;
pub mod index;
pub mod index_cache;
pub mod memo;
pub mod mentions;
pub mod name_table;
pub mod quotes;
pub mod shared_array;
pub mod speakers;

pub use document::{analyze, DocAnalysis, Incremental};
pub use index::{ClaimId, EntityId, Form, LexiconIndex, LexiconInput, LexiconPart};
pub use mentions::Mention;
pub use quotes::QuoteMatch;
