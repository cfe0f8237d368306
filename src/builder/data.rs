//! The builder's data files (`data/gazetteer/`, `data/builder/`,
//! `data/titles.txt`), compiled in and parsed once.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::lexicon::EntityKind;

/// A gazetteer entry: a country, an international organisation, a region.
#[derive(Debug, Clone)]
pub struct GazetteerEntry {
    pub name: &'static str,
    pub kind: EntityKind,
    pub aliases: Vec<&'static str>,
    pub description: &'static str,
}

pub struct Data {
    /// Every name and alias (exact spelling) → entry index.
    pub gazetteer_names: HashMap<&'static str, usize>,
    pub gazetteer: Vec<GazetteerEntry>,
    /// Country and nationality adjectives and nouns: Turkish, Russians.
    pub demonyms: HashSet<&'static str>,
    /// Longest gazetteer name in words, to bound lookups.
    pub longest_name_words: usize,
    pub organization_heads: HashSet<&'static str>,
    pub place_heads: HashSet<&'static str>,
    pub organization_nouns: HashSet<&'static str>,
    pub place_nouns: HashSet<&'static str>,
    pub person_nouns: HashSet<&'static str>,
    pub weapon_nouns: HashSet<&'static str>,
    pub event_nouns: HashSet<&'static str>,
    pub not_entities: HashSet<&'static str>,
    /// Titles before a name, as lower-case word sequences: ["prime", "minister"].
    pub titles: Vec<Vec<&'static str>>,
    /// Titles that are honorifics only (Mr., Ms.): not a job title.
    pub honorifics: HashSet<&'static str>,
    pub female_words: HashSet<&'static str>,
    pub male_words: HashSet<&'static str>,
}

fn lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(|l| {
            if l.starts_with('#') {
                ""
            } else {
                l.trim_end_matches('\r')
            }
        })
        .filter(|l| !l.trim().is_empty())
}

fn sections(data: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut section = "";
    for line in lines(data) {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
        } else {
            out.push((section, line));
        }
    }
    out
}

fn split_list(field: Option<&'static str>) -> Vec<&'static str> {
    field
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(load)
}

fn load() -> Data {
    let mut d = Data {
        gazetteer_names: HashMap::new(),
        gazetteer: Vec::new(),
        demonyms: HashSet::new(),
        longest_name_words: 1,
        organization_heads: HashSet::new(),
        place_heads: HashSet::new(),
        organization_nouns: HashSet::new(),
        place_nouns: HashSet::new(),
        person_nouns: HashSet::new(),
        weapon_nouns: HashSet::new(),
        event_nouns: HashSet::new(),
        not_entities: HashSet::new(),
        titles: Vec::new(),
        honorifics: [
            "mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady",
        ]
        .into_iter()
        .collect(),
        female_words: HashSet::new(),
        male_words: HashSet::new(),
    };
    for (section, word) in sections(include_str!("../../data/builder/gendered-words.txt")) {
        match section {
            "female" => d.female_words.insert(word),
            _ => d.male_words.insert(word),
        };
    }
    let mut capitals: Vec<&'static str> = Vec::new();
    for line in lines(include_str!("../../data/gazetteer/countries.tsv")) {
        let mut fields = line.split('\t');
        let name = fields.next().unwrap_or("").trim();
        let aliases = split_list(fields.next());
        let demonyms = split_list(fields.next());
        if let Some(capital) = fields.next().map(str::trim).filter(|c| !c.is_empty()) {
            capitals.push(capital);
        }
        d.demonyms.extend(demonyms);
        d.gazetteer.push(GazetteerEntry {
            name,
            kind: EntityKind::Place,
            aliases,
            description: "",
        });
    }
    let country_count = d.gazetteer.len();
    for capital in capitals {
        // A capital that is also a country's name (Singapore) is the country.
        if d.gazetteer[..country_count]
            .iter()
            .any(|e| e.name == capital)
        {
            continue;
        }
        d.gazetteer.push(GazetteerEntry {
            name: capital,
            kind: EntityKind::Place,
            aliases: Vec::new(),
            description: "",
        });
    }
    for (file, kind) in [
        (
            include_str!("../../data/gazetteer/organizations.tsv"),
            EntityKind::Organization,
        ),
        (
            include_str!("../../data/gazetteer/places.tsv"),
            EntityKind::Place,
        ),
    ] {
        for line in lines(file) {
            let mut fields = line.split('\t');
            let name = fields.next().unwrap_or("").trim();
            let aliases = split_list(fields.next());
            let description = fields.next().map(str::trim).unwrap_or("");
            d.gazetteer.push(GazetteerEntry {
                name,
                kind,
                aliases,
                description,
            });
        }
    }
    for (i, entry) in d.gazetteer.iter().enumerate() {
        for form in std::iter::once(&entry.name).chain(entry.aliases.iter()) {
            d.gazetteer_names.entry(form).or_insert(i);
            d.longest_name_words = d.longest_name_words.max(form.split_whitespace().count());
        }
    }
    for (section, word) in sections(include_str!("../../data/builder/kind-evidence.txt")) {
        let set = match section {
            "organization-head" => &mut d.organization_heads,
            "place-head" => &mut d.place_heads,
            "organization-noun" => &mut d.organization_nouns,
            "place-noun" => &mut d.place_nouns,
            "person-noun" => &mut d.person_nouns,
            "weapon-noun" => &mut d.weapon_nouns,
            "event-noun" => &mut d.event_nouns,
            other => panic!("unknown section [{other}] in kind-evidence.txt"),
        };
        set.insert(word);
    }
    for word in lines(include_str!("../../data/builder/not-entities.txt")) {
        d.not_entities.insert(word.trim());
    }
    for (section, title) in sections(include_str!("../../data/titles.txt")) {
        if section == "person" {
            d.titles.push(title.split_whitespace().collect());
        }
    }
    d.titles.sort_by_key(|t| std::cmp::Reverse(t.len()));
    d
}

impl Data {
    pub fn gazetteer_entry(&self, name: &str) -> Option<&GazetteerEntry> {
        self.gazetteer_names.get(name).map(|&i| &self.gazetteer[i])
    }

    /// How many of `words` (lower case, final periods removed) form a title
    /// at their start: 2 for "prime minister", 1 for "mr".
    pub fn title_len(&self, words: &[String]) -> usize {
        self.titles
            .iter()
            .find(|t| t.len() <= words.len() && t.iter().zip(words).all(|(a, b)| *a == b.as_str()))
            .map_or(0, |t| t.len())
    }

    /// The kind a description's head noun gives: "mercenary group" → organization.
    pub fn kind_of_noun_phrase(&self, words: &[String]) -> Option<EntityKind> {
        // The head is the last word before a preposition or clause word.
        let end = words
            .iter()
            .position(|w| {
                matches!(
                    w.as_str(),
                    "of" | "in"
                        | "at"
                        | "for"
                        | "on"
                        | "from"
                        | "with"
                        | "who"
                        | "that"
                        | "which"
                        | "and"
                        | "to"
                        | "by"
                        | "since"
                        | "whose"
                )
            })
            .unwrap_or(words.len());
        let head = &words[..end];
        for take in (1..=head.len().min(3)).rev() {
            let phrase = head[head.len() - take..].join(" ");
            let p = phrase.as_str();
            let singular = p.strip_suffix('s').unwrap_or(p);
            let found = [p, singular].into_iter().find_map(|form| {
                if self.person_nouns.contains(form) {
                    Some(EntityKind::Person)
                } else if self.organization_nouns.contains(form) {
                    Some(EntityKind::Organization)
                } else if self.place_nouns.contains(form) {
                    Some(EntityKind::Place)
                } else if self.weapon_nouns.contains(form) {
                    Some(EntityKind::Weapon)
                } else if self.event_nouns.contains(form) {
                    Some(EntityKind::Event)
                } else {
                    None
                }
            });
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gazetteer_knows_countries_capitals_demonyms_and_organisations() {
        let d = data();
        assert_eq!(d.gazetteer_entry("Turkey").unwrap().kind, EntityKind::Place);
        assert_eq!(d.gazetteer_entry("U.S.").unwrap().name, "United States");
        assert_eq!(
            d.gazetteer_entry("Washington").unwrap().kind,
            EntityKind::Place
        );
        assert_eq!(
            d.gazetteer_entry("NATO").unwrap().kind,
            EntityKind::Organization
        );
        assert_eq!(d.gazetteer_entry("E.U.").unwrap().name, "European Union");
        assert!(d.demonyms.contains("Turkish") && d.demonyms.contains("Syrians"));
        assert!(d.gazetteer.len() > 250, "{}", d.gazetteer.len());
    }

    #[test]
    fn titles_and_noun_phrase_kinds() {
        let d = data();
        let w = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(d.title_len(&w("prime minister boris")), 2);
        assert_eq!(d.title_len(&w("president joe")), 1);
        assert_eq!(d.title_len(&w("joe biden")), 0);
        assert_eq!(
            d.kind_of_noun_phrase(&w("russian mercenary group")),
            Some(EntityKind::Organization)
        );
        assert_eq!(
            d.kind_of_noun_phrase(&w(
                "lecturer in turkish-russian relations at moscow university"
            )),
            Some(EntityKind::Person)
        );
        assert_eq!(
            d.kind_of_noun_phrase(&w("the last rebel-held region of syria")),
            Some(EntityKind::Place)
        );
        assert_eq!(
            d.kind_of_noun_phrase(&w("the primary western military alliance")),
            Some(EntityKind::Organization)
        );
        assert_eq!(d.kind_of_noun_phrase(&w("a sunny day")), None);
    }
}
