//! The lexicon file format, version 1 (see `docs/lexicon.md`).
//!
//! Every struct keeps the fields it does not know in `extra`, so a tool that
//! rewrites a lexicon never drops what a person or a newer tool put there.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lexicon {
    pub copydesk_lexicon: u64,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub claims: Vec<Claim>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon {
            copydesk_lexicon: FORMAT_VERSION,
            sources: Vec::new(),
            entities: Vec::new(),
            claims: Vec::new(),
            extra: Map::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    /// Relative to the lexicon file.
    pub path: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default)]
    pub sha256: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Organization,
    Place,
    Weapon,
    Event,
    #[default]
    Other,
}

impl EntityKind {
    /// Every kind, in declaration order: `ALL[k.index()] == k`.
    pub const ALL: [EntityKind; 6] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Place,
        EntityKind::Weapon,
        EntityKind::Event,
        EntityKind::Other,
    ];

    /// The kind's place in [`EntityKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Place => "place",
            EntityKind::Weapon => "weapon",
            EntityKind::Event => "event",
            EntityKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    /// The desk's spelling.
    pub name: String,
    pub kind: EntityKind,
    /// Other accepted forms: surname, acronym, "Mr. Trump".
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Spellings to be corrected to `name`.
    #[serde(default)]
    pub variants: Vec<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reference: Option<String>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub reviewed: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A span of a source text: UTF-8 byte offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: String,
    pub start: usize,
    pub end: usize,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
    /// For a direct quotation, exactly the quoted words without the marks.
    pub text: String,
    #[serde(default)]
    pub quoted: bool,
    /// Entity id of the speaker; `None` for a group or unnamed source.
    #[serde(default)]
    pub speaker: Option<String>,
    /// The literal words naming the source in the article.
    #[serde(default)]
    pub speaker_text: String,
    #[serde(default)]
    pub cue: String,
    pub source: String,
    /// UTF-8 byte offsets of the claim in the source text.
    pub start: usize,
    pub end: usize,
    /// The whole source sentence.
    #[serde(default)]
    pub sentence: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reviewed: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::EntityKind;

    /// The index cache stores a kind as its `index()`, and reads it back
    /// through `ALL`: every kind must come back as itself.
    #[test]
    fn every_kind_is_at_its_index() {
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::ALL[kind.index()], kind);
        }
    }
}
