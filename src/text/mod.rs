//! Text analysis: pure functions over `&str` returning byte ranges.

pub mod attribution;
pub mod quotes;
pub mod sentences;
pub mod words;
