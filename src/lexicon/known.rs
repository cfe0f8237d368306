//! The lexicon's known fields only, for reading a lexicon to index it and
//! for the compiled index's cache.
//!
//! The file model (`model.rs`) keeps every unknown field in a flattened
//! `extra` map so that a rewrite loses nothing; serde buffers every field of
//! a flattened struct before it can read the known ones, which is most of
//! the cost of parsing a large lexicon, and a flattened map cannot be
//! written in a compact binary format at all. These remote definitions read
//! and write the same structs with `extra` left empty: unknown fields are
//! skipped unread. What they give must never be written back to a lexicon
//! file (it would drop those fields); the builder's read–merge–write path
//! uses [`super::parse`].

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::{Claim, Entity, EntityKind, Evidence, Lexicon, Source};

#[derive(Deserialize)]
#[serde(remote = "Lexicon")]
pub(crate) struct LexiconDef {
    copydesk_lexicon: u64,
    #[serde(default, with = "source_list")]
    sources: Vec<Source>,
    #[serde(default, with = "entity_list")]
    entities: Vec<Entity>,
    #[serde(default, with = "claim_list")]
    claims: Vec<Claim>,
    #[serde(skip)]
    extra: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Source")]
pub(crate) struct SourceDef {
    id: String,
    path: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    sha256: String,
    #[serde(skip)]
    extra: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Entity")]
pub(crate) struct EntityDef {
    id: String,
    name: String,
    kind: EntityKind,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    variants: Vec<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    first_reference: Option<String>,
    #[serde(default, with = "evidence_list")]
    evidence: Vec<Evidence>,
    #[serde(default)]
    reviewed: bool,
    #[serde(skip)]
    extra: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Evidence")]
pub(crate) struct EvidenceDef {
    source: String,
    start: usize,
    end: usize,
    #[serde(skip)]
    extra: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Claim")]
pub(crate) struct ClaimDef {
    id: String,
    text: String,
    #[serde(default)]
    quoted: bool,
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default)]
    speaker_text: String,
    #[serde(default)]
    cue: String,
    source: String,
    start: usize,
    end: usize,
    #[serde(default)]
    sentence: String,
    #[serde(default)]
    reviewed: bool,
    #[serde(skip)]
    extra: Map<String, Value>,
}

/// A `with` module for a list of a remote-defined type.
macro_rules! list_of {
    ($module:ident, $item:ty, $def:ty) => {
        pub(crate) mod $module {
            use super::*;

            struct One<'a>(&'a $item);

            impl Serialize for One<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    <$def>::serialize(self.0, s)
                }
            }

            struct Owned($item);

            impl<'de> Deserialize<'de> for Owned {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    <$def>::deserialize(d).map(Owned)
                }
            }

            #[allow(dead_code)] // the lexicon's lists are only read
            pub fn serialize<S: Serializer>(items: &[$item], s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(items.iter().map(One))
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<$item>, D::Error> {
                struct List;
                impl<'de> Visitor<'de> for List {
                    type Value = Vec<$item>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a list")
                    }
                    fn visit_seq<A: SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                        while let Some(Owned(item)) = seq.next_element()? {
                            out.push(item);
                        }
                        Ok(out)
                    }
                }
                d.deserialize_seq(List)
            }
        }
    };
}

list_of!(source_list, Source, SourceDef);
list_of!(entity_list, Entity, EntityDef);
list_of!(claim_list, Claim, ClaimDef);
list_of!(evidence_list, Evidence, EvidenceDef);

/// Reads a lexicon's known fields; unknown ones are skipped unread.
pub(crate) fn from_json(text: &str) -> serde_json::Result<Lexicon> {
    let mut de = serde_json::Deserializer::from_str(text);
    let lexicon = LexiconDef::deserialize(&mut de)?;
    de.end()?;
    Ok(lexicon)
}
