//! Text layer: pure functions over `&str` returning byte ranges.

pub mod fold;
pub mod prose;
