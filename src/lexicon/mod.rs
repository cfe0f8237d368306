//! The entity and claim lexicon: its file format (`model`), parsing with
//! precise error positions, and serialisation. No I/O happens here; reading
//! and writing files is `crate::files`' job.

pub(crate) mod known;
mod model;

pub use model::*;

use std::collections::HashSet;
use std::fmt;

/// Why a lexicon could not be used. `line` and `column` are 1-based, as an
/// editor's status line shows them, and point into the lexicon file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LexiconError {}

/// Parses and validates a lexicon file's text.
pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
    let lexicon: Lexicon = serde_json::from_str(text).map_err(syntax_error)?;
    validated(text, lexicon)
}

/// Parses and validates a lexicon for reading only: unknown fields are
/// skipped unread (every `extra` map is empty), several times faster than
/// [`parse`] on a large file. Never write the result back to a file: use
/// [`parse`] for that, which keeps them.
pub fn parse_known(text: &str) -> Result<Lexicon, LexiconError> {
    let lexicon = known::from_json(text).map_err(syntax_error)?;
    validated(text, lexicon)
}

fn syntax_error(e: serde_json::Error) -> LexiconError {
    LexiconError {
        line: e.line().max(1),
        column: e.column().max(1),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn validated(text: &str, lexicon: Lexicon) -> Result<Lexicon, LexiconError> {
    validate(&lexicon).map_err(|message| {
        let (line, column) = locate_message_subject(text, &message);
        LexiconError {
            line,
            column,
            message: message.text,
        }
    })?;
    Ok(lexicon)
}

/// Serialises a lexicon the one way the tools write it: two-space indent,
/// fields in a fixed order, a final newline. Same lexicon, same bytes.
pub fn to_json_string(lexicon: &Lexicon) -> String {
    let mut out = serde_json::to_string_pretty(lexicon).expect("lexicon serialises");
    out.push('\n');
    out
}

struct ValidationError {
    text: String,
    /// A JSON fragment (`"id": "x"`) to locate the error in the file.
    subject: Option<String>,
}

fn validate(lexicon: &Lexicon) -> Result<(), ValidationError> {
    if lexicon.copydesk_lexicon != FORMAT_VERSION {
        return Err(ValidationError {
            text: format!(
                "unsupported lexicon format version {} (this copydesk reads version {FORMAT_VERSION})",
                lexicon.copydesk_lexicon
            ),
            subject: Some("\"copydesk_lexicon\"".into()),
        });
    }
    let mut source_ids = HashSet::new();
    for source in &lexicon.sources {
        if !source_ids.insert(source.id.as_str()) {
            return Err(duplicate("source", &source.id));
        }
    }
    let mut entity_ids = HashSet::new();
    for entity in &lexicon.entities {
        if entity.id.is_empty() {
            return Err(ValidationError {
                text: format!("entity \"{}\" has an empty id", entity.name),
                subject: Some(format!("\"name\": {}", json_str(&entity.name))),
            });
        }
        if !entity_ids.insert(entity.id.as_str()) {
            return Err(duplicate("entity", &entity.id));
        }
        if entity.name.trim().is_empty() {
            return Err(ValidationError {
                text: format!("entity \"{}\" has an empty name", entity.id),
                subject: Some(id_subject(&entity.id)),
            });
        }
        for ev in &entity.evidence {
            if ev.start > ev.end {
                return Err(ValidationError {
                    text: format!(
                        "entity \"{}\" has evidence whose start {} is after its end {}",
                        entity.id, ev.start, ev.end
                    ),
                    subject: Some(id_subject(&entity.id)),
                });
            }
        }
    }
    let mut claim_ids = HashSet::new();
    for claim in &lexicon.claims {
        if !claim_ids.insert(claim.id.as_str()) {
            return Err(duplicate("claim", &claim.id));
        }
        if let Some(speaker) = &claim.speaker {
            if !entity_ids.contains(speaker.as_str()) {
                return Err(ValidationError {
                    text: format!(
                        "claim \"{}\" names speaker \"{speaker}\", which is not an entity in this lexicon",
                        claim.id
                    ),
                    subject: Some(id_subject(&claim.id)),
                });
            }
        }
        if claim.start > claim.end {
            return Err(ValidationError {
                text: format!(
                    "claim \"{}\" starts at {} after its end {}",
                    claim.id, claim.start, claim.end
                ),
                subject: Some(id_subject(&claim.id)),
            });
        }
    }
    Ok(())
}

fn duplicate(what: &str, id: &str) -> ValidationError {
    ValidationError {
        text: format!("two {what}s share the id \"{id}\"; ids must be unique"),
        subject: Some(id_subject(id)),
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn id_subject(id: &str) -> String {
    format!("\"id\": {}", json_str(id))
}

/// Finds the last occurrence of the offending fragment so that a duplicate
/// points at the second copy. Falls back to the top of the file.
fn locate_message_subject(text: &str, err: &ValidationError) -> (usize, usize) {
    let Some(subject) = &err.subject else {
        return (1, 1);
    };
    let Some(at) = text.rfind(subject.as_str()) else {
        return (1, 1);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = parse("{\n  \"copydesk_lexicon\": 1,\n  \"entities\": [,]\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 16));
        assert!(err.message.contains("expected value"), "{}", err.message);
    }

    #[test]
    fn duplicate_ids_point_at_the_second_entry() {
        let text = r#"{"copydesk_lexicon": 1, "entities": [
  {"id": "a", "name": "A", "kind": "person"},
  {"id": "a", "name": "B", "kind": "place"}
]}"#;
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("share the id \"a\""));
    }

    #[test]
    fn unknown_speaker_is_refused() {
        let text = r#"{"copydesk_lexicon": 1, "claims": [
  {"id": "c1", "text": "x", "speaker": "nobody", "source": "s", "start": 0, "end": 1}
]}"#;
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("not an entity"), "{}", err.message);
        assert_eq!(err.line, 2);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"copydesk_lexicon": 1, "desk": "world", "entities": [
  {"id": "a", "name": "A", "kind": "person", "note": {"by": "editor"}, "reviewed": true}
]}"#;
        let lexicon = parse(text).unwrap();
        let again = parse(&to_json_string(&lexicon)).unwrap();
        assert_eq!(lexicon, again);
        assert_eq!(again.extra["desk"], "world");
        assert_eq!(again.entities[0].extra["note"]["by"], "editor");
    }

    #[test]
    fn reading_known_fields_gives_the_lexicon_without_its_unknown_fields() {
        let text = r#"{"copydesk_lexicon": 1, "desk": {"a": [1, 2]}, "sources": [
  {"id": "s", "path": "a.txt", "note": "x"}],
  "entities": [
  {"id": "a", "name": "A", "kind": "person", "note": {"by": "editor"}, "reviewed": true,
   "evidence": [{"source": "s", "start": 0, "end": 1, "why": "intro"}]}],
  "claims": [{"id": "c", "text": "x", "speaker": "a", "source": "s", "start": 0, "end": 1, "tag": null}]
}"#;
        let mut full = parse(text).unwrap();
        let known = parse_known(text).unwrap();
        full.extra.clear();
        full.sources[0].extra.clear();
        full.entities[0].extra.clear();
        full.entities[0].evidence[0].extra.clear();
        full.claims[0].extra.clear();
        assert_eq!(known, full);
    }

    #[test]
    fn reading_known_fields_reports_errors_as_parse_does() {
        for text in [
            "{\n  \"copydesk_lexicon\": 1,\n  \"entities\": [,]\n}",
            r#"{"copydesk_lexicon": 1, "entities": [{"id": "a", "kind": "person"}]}"#,
            r#"{"copydesk_lexicon": 1, "entities": [{"id": "a", "name": "A", "kind": "robot"}]}"#,
            r#"{"copydesk_lexicon": 2}"#,
            r#"{"copydesk_lexicon": 1} trailing"#,
            "{\"copydesk_lexicon\": 1, \"entities\": [\n  {\"id\": \"a\", \"name\": \"A\", \"kind\": \"person\"},\n  {\"id\": \"a\", \"name\": \"B\", \"kind\": \"place\"}\n]}",
        ] {
            assert_eq!(parse_known(text).unwrap_err(), parse(text).unwrap_err(), "{text}");
        }
        // A syntax error inside an unknown field is found at the same place
        // (serde_json words it differently when it skips the value).
        let text = r#"{"copydesk_lexicon": 1, "x": [1,]}"#;
        let (known, full) = (parse_known(text).unwrap_err(), parse(text).unwrap_err());
        assert_eq!((known.line, known.column), (full.line, full.column));
    }

    #[test]
    fn newer_format_is_refused() {
        let err = parse(r#"{"copydesk_lexicon": 2}"#).unwrap_err();
        assert!(err.message.contains("version 2"));
    }
}
