//! TEMPORARY: stands in for the lead's `crate::config::Severity` until the core branch lands on main. Delete
//! this file then and import the real types in `rules/mod.rs`.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
    Off,
}
