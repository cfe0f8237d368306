//! Merging lexicons without losing work.
//!
//! - [`update`]: a fresh build folded into the lexicon already on disk.
//!   Reviewed entries are never changed; unknown fields are kept; entities
//!   and claims keep the ids they already have.
//! - [`join`]: the merge behind `copydesk lexicon merge`, associative and
//!   commutative, for lexicons built in shards.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::lexicon::{Claim, Entity, EntityKind, Evidence, Lexicon, Source};
use crate::text::fold::fold;

// ---------------------------------------------------------------------------
// update

/// Folds `built` (a fresh [`super::build`]) into `existing`.
///
/// Sources are matched by id or path; entities by id, then by name or alias;
/// claims by id, then by their text or their offsets in the same source.
/// Matched reviewed entries stay exactly as they are; matched unreviewed
/// entries take the new findings but keep their id, their unknown fields and
/// the aliases people added. Unreviewed claims of a rebuilt source that the
/// build no longer finds are dropped, as are unreviewed entities whose only
/// evidence was in rebuilt sources and that nothing refers to any more.
pub fn update(existing: Lexicon, built: Lexicon) -> Lexicon {
    let mut out = existing;

    // Sources.
    let mut source_map: HashMap<String, String> = HashMap::new();
    for s in built.sources {
        let found = out
            .sources
            .iter()
            .position(|e| e.id == s.id)
            .or_else(|| out.sources.iter().position(|e| e.path == s.path));
        match found {
            Some(i) => {
                let e = &mut out.sources[i];
                source_map.insert(s.id.clone(), e.id.clone());
                e.path = s.path;
                e.title = s.title;
                if s.date.is_some() {
                    e.date = s.date;
                }
                e.sha256 = s.sha256;
            }
            None => {
                let mut s = s;
                let id = unique(&s.id, |id| out.sources.iter().any(|e| e.id == id));
                source_map.insert(s.id.clone(), id.clone());
                s.id = id;
                out.sources.push(s);
            }
        }
    }
    let rebuilt: HashSet<String> = source_map.values().cloned().collect();
    let map_source = |id: &str| {
        source_map
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };

    // Entities, matched through indexes so that big lexicons merge in linear time.
    let mut entity_map: HashMap<String, String> = HashMap::new();
    let mut touched: HashSet<String> = HashSet::new();
    let mut by_id: HashMap<String, usize> = out
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut by_form: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in out.entities.iter().enumerate() {
        for f in forms(e) {
            by_form.entry(f).or_default().push(i);
        }
        by_name.entry(fold(&e.name)).or_default().push(i);
    }
    for b in built.entities {
        let found = by_id.get(&b.id).copied().or_else(|| {
            let mut candidates: Vec<usize> =
                by_form.get(&fold(&b.name)).cloned().unwrap_or_default();
            for f in forms(&b) {
                candidates.extend(by_name.get(&f).into_iter().flatten());
            }
            candidates.sort_unstable();
            candidates
                .into_iter()
                .find(|&i| same_entity(&out.entities[i], &b))
        });
        let mut evidence: Vec<Evidence> = b.evidence.clone();
        for ev in &mut evidence {
            ev.source = map_source(&ev.source);
        }
        match found {
            Some(i) => {
                let e = &mut out.entities[i];
                entity_map.insert(b.id.clone(), e.id.clone());
                touched.insert(e.id.clone());
                if e.reviewed {
                    continue;
                }
                update_entity(e, b, evidence, &rebuilt);
            }
            None => {
                let mut b = b;
                let id = unique(&b.id, |id| by_id.contains_key(id));
                entity_map.insert(b.id.clone(), id.clone());
                touched.insert(id.clone());
                b.id = id.clone();
                b.evidence = evidence;
                by_id.insert(id, out.entities.len());
                out.entities.push(b);
            }
        }
    }

    // Claims: by id, then by text, then by offsets, in the same source.
    type Key = (String, bool, String);
    let mut by_claim_id: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut by_text: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut by_span: HashMap<(String, bool, usize, usize), Vec<usize>> = HashMap::new();
    for (i, c) in out.claims.iter().enumerate() {
        by_claim_id
            .entry((c.id.clone(), c.source.clone()))
            .or_default()
            .push(i);
        by_text
            .entry((c.source.clone(), c.quoted, c.text.clone()))
            .or_default()
            .push(i);
        by_span
            .entry((c.source.clone(), c.quoted, c.start, c.end))
            .or_default()
            .push(i);
    }
    let mut matched: HashSet<usize> = HashSet::new();
    let mut new_claims: Vec<Claim> = Vec::new();
    for mut b in built.claims {
        b.source = map_source(&b.source);
        b.speaker = b.speaker.map(|s| entity_map.get(&s).cloned().unwrap_or(s));
        let free = |list: Option<&Vec<usize>>| {
            list.into_iter()
                .flatten()
                .copied()
                .find(|i| !matched.contains(i))
        };
        let found = free(by_claim_id.get(&(b.id.clone(), b.source.clone())))
            .or_else(|| free(by_text.get(&(b.source.clone(), b.quoted, b.text.clone()))))
            .or_else(|| free(by_span.get(&(b.source.clone(), b.quoted, b.start, b.end))));
        match found {
            Some(i) => {
                matched.insert(i);
                let e = &mut out.claims[i];
                if !e.reviewed {
                    e.text = b.text;
                    e.quoted = b.quoted;
                    e.speaker = b.speaker;
                    e.speaker_text = b.speaker_text;
                    e.cue = b.cue;
                    e.start = b.start;
                    e.end = b.end;
                    e.sentence = b.sentence;
                }
            }
            None => new_claims.push(b),
        }
    }
    let mut kept_claims: Vec<Claim> = Vec::new();
    for (i, c) in out.claims.drain(..).enumerate() {
        let stale = !matched.contains(&i) && !c.reviewed && rebuilt.contains(&c.source);
        if !stale {
            kept_claims.push(c);
        }
    }
    let mut claim_ids: HashSet<String> = kept_claims.iter().map(|c| c.id.clone()).collect();
    for mut c in new_claims {
        c.id = unique(&c.id, |id| claim_ids.contains(id));
        claim_ids.insert(c.id.clone());
        kept_claims.push(c);
    }
    out.claims = kept_claims;

    // Entities the build no longer finds and nothing refers to.
    let referenced: HashSet<String> = out
        .claims
        .iter()
        .filter_map(|c| c.speaker.clone())
        .collect();
    out.entities.retain(|e| {
        let stale = !e.reviewed
            && !touched.contains(&e.id)
            && !referenced.contains(&e.id)
            && !e.evidence.is_empty()
            && e.evidence.iter().all(|ev| rebuilt.contains(&ev.source));
        !stale
    });
    canonical_order(&mut out);
    out
}

fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut id = base.to_string();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn forms(e: &Entity) -> BTreeSet<String> {
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .chain(&e.variants)
        .map(|f| fold(f))
        .collect()
}

/// Same kind (or one of them unknown) and a name of one is a name or alias of the other.
fn same_entity(existing: &Entity, built: &Entity) -> bool {
    let kinds = existing.kind == built.kind
        || existing.kind == EntityKind::Other
        || built.kind == EntityKind::Other;
    kinds
        && (forms(existing).contains(&fold(&built.name))
            || forms(built).contains(&fold(&existing.name)))
}

fn update_entity(e: &mut Entity, b: Entity, evidence: Vec<Evidence>, rebuilt: &HashSet<String>) {
    // Found only in the sources being rebuilt: the build's view replaces the
    // tool's earlier one. Otherwise other sources contributed too: add to it.
    let only_rebuilt = e.evidence.iter().all(|ev| rebuilt.contains(&ev.source));
    if only_rebuilt {
        e.name = b.name;
        e.kind = b.kind;
        e.aliases = b.aliases;
        e.variants = b.variants;
        e.title = b.title;
        e.description = b.description;
        e.first_reference = b.first_reference;
        e.evidence = evidence;
        return;
    }
    // A fuller name found by the build becomes the name; the old one an alias.
    if b.name.split_whitespace().count() > e.name.split_whitespace().count()
        && fold(&b.name) != fold(&e.name)
    {
        let old = std::mem::replace(&mut e.name, b.name.clone());
        push_new(&mut e.aliases, [old]);
    }
    if b.kind != EntityKind::Other {
        e.kind = b.kind;
    }
    if !b.title.is_empty() {
        e.title = b.title;
    }
    if !b.description.is_empty() {
        e.description = b.description;
    }
    if b.first_reference.is_some() {
        e.first_reference = b.first_reference;
    }
    let name = e.name.clone();
    push_new(
        &mut e.aliases,
        b.aliases
            .into_iter()
            .chain(std::iter::once(b.name))
            .filter(|a| *a != name),
    );
    push_new(&mut e.variants, b.variants);
    e.evidence.retain(|ev| !rebuilt.contains(&ev.source));
    e.evidence.extend(evidence);
    e.evidence
        .sort_by(|a, b| (&a.source, a.start, a.end).cmp(&(&b.source, b.start, b.end)));
    e.evidence
        .dedup_by(|a, b| (&a.source, a.start, a.end) == (&b.source, b.start, b.end));
}

/// Appends the values not already present, keeping the existing order.
fn push_new(list: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    for v in new {
        if !list.contains(&v) {
            list.push(v);
        }
    }
}

fn canonical_order(l: &mut Lexicon) {
    l.sources.sort_by(|a, b| a.id.cmp(&b.id));
    l.entities.sort_by(|a, b| a.id.cmp(&b.id));
    l.claims.sort_by(|a, b| {
        (&a.source, a.start, a.end, !a.quoted, &a.id)
            .cmp(&(&b.source, b.start, b.end, !b.quoted, &b.id))
    });
}

// ---------------------------------------------------------------------------
// join

/// Merges two lexicons. Associative and commutative: the order in which
/// shards are merged never changes the result.
///
/// Entries are matched by id. A reviewed entry beats an unreviewed one and is
/// kept verbatim; between two reviewed (or two unreviewed claims or sources)
/// a fixed total order decides. Two unreviewed entities are merged field by
/// field: the union of their names, aliases, variants and evidence, the
/// fuller of each text field. Unknown fields are kept: for a key on both
/// sides, a fixed order on the values decides.
pub fn join(a: Lexicon, b: Lexicon) -> Lexicon {
    let mut out = Lexicon {
        copydesk_lexicon: a.copydesk_lexicon.max(b.copydesk_lexicon),
        sources: join_by_id(a.sources, b.sources, |s| s.id.clone(), join_source),
        entities: join_by_id(a.entities, b.entities, |e| e.id.clone(), join_entity),
        claims: join_by_id(a.claims, b.claims, |c| c.id.clone(), join_claim),
        extra: join_extra(a.extra, b.extra),
    };
    canonical_order(&mut out);
    out
}

fn join_by_id<T>(
    a: Vec<T>,
    b: Vec<T>,
    id: impl Fn(&T) -> String,
    join: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut map: BTreeMap<String, T> = BTreeMap::new();
    for item in a.into_iter().chain(b) {
        let key = id(&item);
        let item = match map.remove(&key) {
            Some(prev) => join(prev, item),
            None => item,
        };
        map.insert(key, item);
    }
    map.into_values().collect()
}

fn canonical<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn join_extra(a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in a.into_iter().chain(b) {
        let keep = match out.remove(&k) {
            Some(prev) if canonical(&prev) >= canonical(&v) => prev,
            _ => v,
        };
        out.insert(k, keep);
    }
    out.into_iter().collect()
}

/// The larger of two by their known fields; unknown fields joined.
fn pick<T: Clone + Serialize>(
    a: T,
    b: T,
    known: impl Fn(&T) -> String,
    extra: impl Fn(&mut T) -> &mut Map<String, Value>,
) -> T {
    let (mut win, mut lose) = if known(&a) >= known(&b) {
        (a, b)
    } else {
        (b, a)
    };
    let joined = join_extra(
        std::mem::take(extra(&mut win)),
        std::mem::take(extra(&mut lose)),
    );
    *extra(&mut win) = joined;
    win
}

fn join_source(a: Source, b: Source) -> Source {
    pick(
        a,
        b,
        |s| canonical(&(&s.id, &s.path, &s.title, &s.date, &s.sha256)),
        |s| &mut s.extra,
    )
}

fn claim_key(c: &Claim) -> String {
    canonical(&(
        c.reviewed,
        &c.source,
        c.start,
        c.end,
        &c.text,
        c.quoted,
        &c.speaker,
        &c.speaker_text,
        &c.cue,
        &c.sentence,
    ))
}

fn join_claim(a: Claim, b: Claim) -> Claim {
    if a.reviewed != b.reviewed {
        return if a.reviewed { a } else { b };
    }
    if a.reviewed {
        // Both reviewed: one of them verbatim.
        return if canonical(&a) >= canonical(&b) { a } else { b };
    }
    pick(a, b, claim_key, |c| &mut c.extra)
}

fn longer(a: String, b: String) -> String {
    if (a.chars().count(), &a) >= (b.chars().count(), &b) {
        a
    } else {
        b
    }
}

fn kind_rank(k: EntityKind) -> u8 {
    match k {
        EntityKind::Other => 0,
        EntityKind::Event => 1,
        EntityKind::Weapon => 2,
        EntityKind::Place => 3,
        EntityKind::Organization => 4,
        EntityKind::Person => 5,
    }
}

fn join_entity(a: Entity, b: Entity) -> Entity {
    if a.reviewed != b.reviewed {
        return if a.reviewed { a } else { b };
    }
    if a.reviewed {
        return if canonical(&a) >= canonical(&b) { a } else { b };
    }
    let name = {
        let key = |n: &String| (n.split_whitespace().count(), n.chars().count(), n.clone());
        if key(&a.name) >= key(&b.name) {
            a.name.clone()
        } else {
            b.name.clone()
        }
    };
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend([a.name, b.name]);
    names.extend(a.aliases);
    names.extend(b.aliases);
    names.remove(&name);
    let mut variants: BTreeSet<String> = a.variants.into_iter().collect();
    variants.extend(b.variants);
    let mut evidence: BTreeMap<String, Evidence> = BTreeMap::new();
    for ev in a.evidence.into_iter().chain(b.evidence) {
        let key = canonical(&(&ev.source, ev.start, ev.end));
        let keep = match evidence.remove(&key) {
            Some(prev) => pick(prev, ev, |_| String::new(), |e| &mut e.extra),
            None => ev,
        };
        evidence.insert(key, keep);
    }
    let mut evidence: Vec<Evidence> = evidence.into_values().collect();
    evidence.sort_by(|a, b| (&a.source, a.start, a.end).cmp(&(&b.source, b.start, b.end)));
    Entity {
        id: a.id,
        name,
        kind: if kind_rank(a.kind) >= kind_rank(b.kind) {
            a.kind
        } else {
            b.kind
        },
        aliases: names.into_iter().collect(),
        variants: variants.into_iter().collect(),
        title: longer(a.title, b.title),
        description: longer(a.description, b.description),
        first_reference: match (a.first_reference, b.first_reference) {
            (Some(x), Some(y)) => Some(longer(x, y)),
            (x, y) => x.or(y),
        },
        evidence,
        reviewed: false,
        extra: join_extra(a.extra, b.extra),
    }
}
