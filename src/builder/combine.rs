//! Joins the findings of several articles into one lexicon: one entity per
//! name across articles, then names, aliases, ids and claims.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Map;

use crate::lexicon::{Claim, Entity, EntityKind, Evidence, Lexicon, Source};
use crate::text::fold::fold;

use super::data::data;
use super::extract::{Evidenced, Findings, Gender, LocalEntity};
use super::ids::{slug, slug_words};
use super::Article;

struct Global {
    entity: LocalEntity,
    evidence: BTreeSet<(String, usize, usize)>,
    /// Position of the first mention: (article order, offset).
    first: (usize, usize),
    merged_into: Option<usize>,
}

fn display_name(e: &LocalEntity) -> String {
    match e.gazetteer {
        Some(g) => data().gazetteer[g].name.to_string(),
        None => e.most_used_form().to_string(),
    }
}

fn absorb(dst: &mut Global, src: Global) {
    let d = &mut dst.entity;
    let s = src.entity;
    for (f, n) in s.forms {
        *d.forms.entry(f).or_default() += n;
    }
    d.titled_forms.extend(s.titled_forms);
    d.titles_used.extend(s.titles_used);
    d.honorifics_used.extend(s.honorifics_used);
    for i in 0..6 {
        d.scores[i] += s.scores[i];
    }
    d.gazetteer = d.gazetteer.or(s.gazetteer);
    // Earlier articles win ties: `dst` is always the earlier one here.
    for (mine, theirs) in [(&mut d.title, s.title), (&mut d.description, s.description)] {
        if let Some(t) = theirs {
            if mine
                .as_ref()
                .is_none_or(|m: &Evidenced| t.priority > m.priority)
            {
                *mine = Some(t);
            }
        }
    }
    d.located_in = d.located_in.take().or(s.located_in);
    d.first_reference = d.first_reference.take().or(s.first_reference);
    d.acronyms.extend(s.acronyms);
    d.genders.extend(s.genders);
    dst.evidence.extend(src.evidence);
    dst.first = dst.first.min(src.first);
}

pub(super) fn combine(articles: &[&Article], findings: Vec<Findings>) -> Lexicon {
    let mut lexicon = Lexicon::default();
    // Sources, with unique ids.
    let mut source_ids: Vec<String> = Vec::new();
    let mut taken_sources = Unique::default();
    for article in articles {
        let id = taken_sources.claim(&article.id);
        source_ids.push(id.clone());
        lexicon.sources.push(Source {
            id,
            path: article.path.clone(),
            title: article.title.clone(),
            date: article.date.clone(),
            sha256: article.sha256(),
            extra: Map::new(),
        });
    }

    // Entities: one per key across articles.
    let mut globals: Vec<Global> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut local_to_global: Vec<Vec<Option<usize>>> = Vec::new();
    let mut all_claims = Vec::new();
    for (ai, f) in findings.into_iter().enumerate() {
        let source = &source_ids[ai];
        let mut map = Vec::with_capacity(f.entities.len());
        for e in f.entities {
            if e.forms.is_empty() {
                map.push(None);
                continue;
            }
            let mut evidence = BTreeSet::new();
            evidence.insert((source.clone(), e.first_mention.start, e.first_mention.end));
            for ev in [&e.description, &e.title].into_iter().flatten() {
                if ev.priority > 0 {
                    evidence.insert((source.clone(), ev.at.start, ev.at.end));
                }
            }
            let key = fold(&display_name(&e));
            let global = Global {
                first: (ai, e.first_mention.start),
                entity: e,
                evidence,
                merged_into: None,
            };
            match by_key.get(&key) {
                Some(&g) => {
                    absorb(&mut globals[g], global);
                    map.push(Some(g));
                }
                None => {
                    by_key.insert(key, globals.len());
                    map.push(Some(globals.len()));
                    globals.push(global);
                }
            }
        }
        local_to_global.push(map);
        all_claims.push(f.claims);
    }
    link_surnames(&mut globals);
    let resolve = |globals: &Vec<Global>, mut g: usize| {
        while let Some(n) = globals[g].merged_into {
            g = n;
        }
        g
    };

    // Ids: slugs of names; a clash gets the kind, then a number.
    let live: Vec<usize> = (0..globals.len())
        .filter(|&g| globals[g].merged_into.is_none())
        .collect();
    let mut order: Vec<(String, EntityKind, String, usize)> = live
        .iter()
        .map(|&g| {
            let name = final_name(&globals[g].entity);
            (slug(&name), globals[g].entity.kind(), name, g)
        })
        .collect();
    order.sort();
    let mut ids: HashMap<usize, String> = HashMap::new();
    let mut taken = Unique::default();
    for (base, kind, _, g) in &order {
        let id = if taken.contains(base) {
            taken.claim(&format!("{base}-{}", kind.as_str()))
        } else {
            taken.claim(base)
        };
        ids.insert(*g, id);
    }
    for &g in &live {
        lexicon
            .entities
            .push(finish_entity(ids[&g].clone(), &globals[g]));
    }
    lexicon.entities.sort_by(|a, b| a.id.cmp(&b.id));

    // Claims.
    let mut claims: Vec<Claim> = Vec::new();
    for (ai, list) in all_claims.into_iter().enumerate() {
        for c in list {
            let speaker = c
                .speaker
                .and_then(|l| local_to_global[ai].get(l).copied().flatten())
                .map(|g| ids[&resolve(&globals, g)].clone());
            claims.push(Claim {
                id: String::new(),
                text: c.text,
                quoted: c.quoted,
                speaker,
                speaker_text: c.speaker_text,
                cue: c.cue,
                source: source_ids[ai].clone(),
                start: c.start,
                end: c.end,
                sentence: c.sentence,
                reviewed: false,
                extra: Map::new(),
            });
        }
    }
    claims.sort_by(|a, b| {
        (&a.source, a.start, a.end, !a.quoted).cmp(&(&b.source, b.start, b.end, !b.quoted))
    });
    let mut claim_ids = Unique::default();
    for c in &mut claims {
        let who = match &c.speaker {
            Some(id) => id.clone(),
            None => slug_words(&c.speaker_text, 3),
        };
        c.id = claim_ids.claim(&format!("{who}-{}", slug_words(&c.text, 6)));
    }
    lexicon.claims = claims;
    lexicon.sources.sort_by(|a, b| a.id.cmp(&b.id));
    lexicon
}

/// A one-word person ("Hifter") is the full name that ends with it, when
/// only one does, across all articles.
fn link_surnames(globals: &mut [Global]) {
    let mut by_last: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (g, global) in globals.iter().enumerate() {
        let e = &global.entity;
        if e.gazetteer.is_some() || !matches!(e.kind(), EntityKind::Person | EntityKind::Other) {
            continue;
        }
        let name = display_name(e);
        let words: Vec<&str> = name.split_whitespace().collect();
        if words.len() >= 2 {
            by_last
                .entry(fold(words[words.len() - 1]))
                .or_default()
                .push(g);
        }
    }
    for g in 0..globals.len() {
        let e = &globals[g].entity;
        if e.gazetteer.is_some() || !matches!(e.kind(), EntityKind::Person | EntityKind::Other) {
            continue;
        }
        let name = display_name(e);
        if name.contains(' ') {
            continue;
        }
        if let Some(targets) = by_last.get(&fold(&name)) {
            if targets.len() == 1 && targets[0] != g {
                let into = targets[0];
                let src = std::mem::replace(
                    &mut globals[g],
                    Global {
                        entity: LocalEntity::default(),
                        evidence: BTreeSet::new(),
                        first: (usize::MAX, 0),
                        merged_into: Some(into),
                    },
                );
                absorb(&mut globals[into], src);
            }
        }
    }
}

fn final_name(e: &LocalEntity) -> String {
    display_name(e)
}

fn finish_entity(id: String, g: &Global) -> Entity {
    let e = &g.entity;
    let d = data();
    let kind = e.kind();
    let name = final_name(e);
    let name_fold = fold(&name);
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    let mut variants: BTreeSet<String> = BTreeSet::new();
    for form in e
        .forms
        .keys()
        .chain(e.titled_forms.iter())
        .chain(e.acronyms.iter())
    {
        if *form == name {
            continue;
        }
        if fold(form) == name_fold {
            variants.insert(form.clone());
        } else {
            aliases.insert(form.clone());
        }
    }
    if let Some(gi) = e.gazetteer {
        let entry = &d.gazetteer[gi];
        aliases.extend(entry.aliases.iter().map(|a| a.to_string()));
    }
    if kind == EntityKind::Person {
        let words: Vec<&str> = name.split_whitespace().collect();
        let surname = words.last().copied().unwrap_or(&name).to_string();
        if words.len() > 1 {
            aliases.insert(surname.clone());
        }
        // The honorific a desk would use, where the copy says which: a
        // pronoun ("he said") or an honorific of its own ("Mr Obama").
        let used = |h: &[&str]| {
            e.honorifics_used
                .iter()
                .any(|u| h.contains(&u.trim_end_matches('.').to_lowercase().as_str()))
        };
        let male = e.genders.contains(&Gender::Male) || used(&["mr"]);
        let female = e.genders.contains(&Gender::Female) || used(&["mrs", "ms", "miss"]);
        if male && !female {
            aliases.insert(format!("Mr. {surname}"));
        }
        if female && !male {
            aliases.insert(format!("Ms. {surname}"));
        }
        for honorific in &e.honorifics_used {
            aliases.insert(format!("{honorific} {surname}"));
        }
        for title in &e.titles_used {
            aliases.insert(format!("{title} {surname}"));
            aliases.insert(format!("{title} {name}"));
        }
    }
    aliases.remove(&name);
    let mut description = e
        .description
        .as_ref()
        .map(|d| d.text.clone())
        .unwrap_or_default();
    if let Some(country) = &e.located_in {
        if !description.is_empty() && !description.contains(country.as_str()) {
            description = format!("{description} in {country}");
        }
    }
    let title = if kind == EntityKind::Person {
        e.title.as_ref().map(|t| t.text.clone()).unwrap_or_default()
    } else {
        String::new()
    };
    let mut evidence: Vec<Evidence> = g
        .evidence
        .iter()
        .map(|(source, start, end)| Evidence {
            source: source.clone(),
            start: *start,
            end: *end,
            extra: Map::new(),
        })
        .collect();
    evidence.sort_by(|a, b| (&a.source, a.start, a.end).cmp(&(&b.source, b.start, b.end)));
    Entity {
        id,
        name,
        kind,
        aliases: aliases.into_iter().collect(),
        variants: variants.into_iter().collect(),
        title,
        description,
        first_reference: if kind == EntityKind::Person {
            e.first_reference.clone()
        } else {
            None
        },
        evidence,
        reviewed: false,
        extra: Map::new(),
    }
}

/// Hands out unique ids: the base, then base-2, base-3, … in constant time
/// per id even when thousands share a base.
#[derive(Default)]
struct Unique {
    taken: std::collections::HashSet<String>,
    next: HashMap<String, usize>,
}

impl Unique {
    fn contains(&self, id: &str) -> bool {
        self.taken.contains(id)
    }

    fn claim(&mut self, base: &str) -> String {
        if self.taken.insert(base.to_string()) {
            return base.to_string();
        }
        let n = self.next.entry(base.to_string()).or_insert(2);
        loop {
            let id = format!("{base}-{n}");
            *n += 1;
            if self.taken.insert(id.clone()) {
                return id;
            }
        }
    }
}
