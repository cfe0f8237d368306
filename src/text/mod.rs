//! Text layer: pure functions over `&str` returning byte ranges.

pub mod attribution;
pub mod fold;
pub mod prose;
pub mod quotes;
pub mod sentences;
pub mod versions;
pub mod words;
