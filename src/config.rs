//! Settings: from `copydesk.toml` at the workspace root, overridden by the
//! client's settings (`initializationOptions`, then the `copydesk` section of
//! `workspace/configuration`). The same type serves the server and the CLI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
    Off,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "error" => Severity::Error,
            "warning" | "warn" => Severity::Warning,
            "information" | "info" => Severity::Information,
            "hint" => Severity::Hint,
            "off" | "none" => Severity::Off,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
            Severity::Off => "off",
        }
    }
}

/// Default diagnostics delay: long enough to coalesce a burst of keystrokes,
/// short enough to feel live.
pub const DEFAULT_DELAY_MS: u64 = 40;
/// Above this many bytes a document is not analysed (the server says so).
pub const DEFAULT_MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Lexicon paths as given (relative to the workspace root, or absolute).
    /// `None`: not set at this level.
    pub lexicons: Option<Vec<String>>,
    pub rules: BTreeMap<String, Severity>,
    pub delay_ms: u64,
    pub max_file_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lexicons: None,
            rules: BTreeMap::new(),
            delay_ms: DEFAULT_DELAY_MS,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// `copydesk.toml` as written by a desk.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    lexicons: Option<Vec<String>>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    diagnostics: TomlDiagnostics,
    #[serde(default)]
    limits: TomlLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlDiagnostics {
    delay_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlLimits {
    max_file_bytes: Option<usize>,
}

/// Problems in settings are reported, never fatal: the rest still applies.
pub type Warnings = Vec<String>;

impl Settings {
    /// Parses `copydesk.toml`. A syntax error is an error (the caller keeps
    /// the previous settings); unknown rule codes or severities are warnings.
    pub fn from_toml(text: &str) -> Result<(Settings, Warnings), String> {
        let file: TomlFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut settings = Settings::default();
        let mut warnings = Vec::new();
        settings.lexicons = file.lexicons;
        for (code, sev) in file.rules {
            apply_rule(
                &mut settings.rules,
                &mut warnings,
                &code,
                &Value::String(sev),
            );
        }
        if let Some(d) = file.diagnostics.delay_ms {
            settings.delay_ms = d;
        }
        if let Some(m) = file.limits.max_file_bytes {
            settings.max_file_bytes = m;
        }
        Ok((settings, warnings))
    }

    /// Overlays client settings (`{"lexicons": [...], "rules": {...},
    /// "diagnostics": {"delayMs": N}, "limits": {"maxFileBytes": N}}`).
    pub fn overlay_client(&mut self, value: &Value) -> Warnings {
        let mut warnings = Vec::new();
        let Some(obj) = value.as_object() else {
            if !value.is_null() {
                warnings.push("copydesk settings must be an object; ignored".into());
            }
            return warnings;
        };
        if let Some(lex) = obj.get("lexicons") {
            match lex.as_array() {
                Some(items) => {
                    let paths: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                    if paths.len() != items.len() {
                        warnings
                            .push("copydesk.lexicons: every entry must be a path string".into());
                    }
                    self.lexicons = Some(paths);
                }
                None if lex.is_null() => {}
                None => warnings.push("copydesk.lexicons must be a list of paths".into()),
            }
        }
        if let Some(rules) = obj.get("rules").and_then(Value::as_object) {
            for (code, sev) in rules {
                apply_rule(&mut self.rules, &mut warnings, code, sev);
            }
        }
        if let Some(d) = obj.get("diagnostics").and_then(|d| d.get("delayMs")) {
            match d.as_u64() {
                Some(ms) => self.delay_ms = ms,
                None => warnings.push(
                    "copydesk.diagnostics.delayMs must be a whole number of milliseconds".into(),
                ),
            }
        }
        if let Some(m) = obj.get("limits").and_then(|d| d.get("maxFileBytes")) {
            match m.as_u64() {
                Some(n) => self.max_file_bytes = n as usize,
                None => warnings.push("copydesk.limits.maxFileBytes must be a whole number".into()),
            }
        }
        warnings
    }

    pub fn severity(&self, code: &str, default: Severity) -> Severity {
        self.rules.get(code).copied().unwrap_or(default)
    }
}

/// The rule codes: the public contract of diagnostics, configuration and
/// suppression comments.
pub const RULE_CODES: &[&str] = &[
    "quote-without-speaker",
    "misattributed-quote",
    "altered-quote",
    "unattributed-claim",
    "vague-attribution",
    "unsourced-figure",
    "name-variant",
    "first-reference",
];

fn apply_rule(
    rules: &mut BTreeMap<String, Severity>,
    warnings: &mut Warnings,
    code: &str,
    sev: &Value,
) {
    if !RULE_CODES.contains(&code) {
        warnings.push(format!(
            "unknown rule \"{code}\" in settings (known: {})",
            RULE_CODES.join(", ")
        ));
        return;
    }
    match sev.as_str().and_then(Severity::parse) {
        Some(s) => {
            rules.insert(code.to_string(), s);
        }
        None => warnings.push(format!(
            "rule \"{code}\": severity must be error, warning, information, hint or off"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn toml_then_client_settings_win() {
        let (mut s, w) = Settings::from_toml(
            "lexicons = [\"desk/world.lexicon.json\"]\n[rules]\nname-variant = \"off\"\nvague-attribution = \"hint\"\n[diagnostics]\ndelay_ms = 0\n",
        )
        .unwrap();
        assert!(w.is_empty());
        assert_eq!(s.delay_ms, 0);
        let w = s.overlay_client(
            &json!({"rules": {"name-variant": "error"}, "diagnostics": {"delayMs": 25}}),
        );
        assert!(w.is_empty());
        assert_eq!(
            s.severity("name-variant", Severity::Warning),
            Severity::Error
        );
        assert_eq!(
            s.severity("vague-attribution", Severity::Information),
            Severity::Hint
        );
        assert_eq!(s.delay_ms, 25);
        assert_eq!(
            s.lexicons.as_deref(),
            Some(&["desk/world.lexicon.json".to_string()][..])
        );
    }

    #[test]
    fn bad_values_warn_and_keep_the_rest() {
        let mut s = Settings::default();
        let w = s.overlay_client(&json!({"rules": {"no-such-rule": "off", "name-variant": "loud"}, "lexicons": ["a.json"]}));
        assert_eq!(w.len(), 2);
        assert_eq!(s.lexicons, Some(vec!["a.json".to_string()]));
        assert!(Settings::from_toml("lexicons = [").is_err());
        assert!(Settings::from_toml("lexicon = []")
            .unwrap_err()
            .contains("unknown field"));
    }
}
