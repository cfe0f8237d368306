//! The builder on the reference article: the entities and claims issue 3
//! names, exactly, and hover cards built from the result.

use std::path::{Path, PathBuf};

use copydesk::analysis::cards::entity_card;
use copydesk::analysis::document::analyze;
use copydesk::analysis::index::{LexiconIndex, LexiconInput};
use copydesk::builder::{self, Article};
use copydesk::lexicon::{self, Claim, Entity, EntityKind, Lexicon};
use copydesk::text::prose::DocKind;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn article_text() -> String {
    std::fs::read_to_string(fixtures().join("sochi-putin-erdogan.txt")).unwrap()
}

fn built() -> Lexicon {
    let article = Article::new(
        "sochi-putin-erdogan.txt",
        article_text(),
        DocKind::PlainText,
    );
    builder::build(&[article])
}

fn entity<'a>(l: &'a Lexicon, name: &str) -> &'a Entity {
    l.entities
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no entity named {name}; have {:?}",
                l.entities.iter().map(|e| &e.name).collect::<Vec<_>>()
            )
        })
}

#[test]
fn entities_issue_3_names() {
    let l = built();
    let erdemir = entity(&l, "Aykan Erdemir");
    assert_eq!(erdemir.kind, EntityKind::Person);
    assert_eq!(
        erdemir.description,
        "director of the Turkey Program at the Foundation for Defense of Democracies in Washington and a former opposition member of Turkey’s Parliament"
    );
    assert_eq!(
        erdemir.title,
        "Director of the Turkey Program at the Foundation for Defense of Democracies in Washington"
    );
    assert_eq!(erdemir.aliases, vec!["Erdemir", "Mr. Erdemir"]);

    let has = entity(&l, "Kerim Has");
    assert_eq!(has.kind, EntityKind::Person);
    assert_eq!(
        has.description,
        "lecturer in Turkish-Russian relations at Moscow University"
    );
    assert_eq!(has.aliases, vec!["Has", "Mr. Has"]);

    let stoltenberg = entity(&l, "Jens Stoltenberg");
    assert_eq!(stoltenberg.kind, EntityKind::Person);
    assert_eq!(stoltenberg.title, "NATO secretary-general");

    let wagner = entity(&l, "Wagner");
    assert_eq!(wagner.kind, EntityKind::Organization);
    assert_eq!(wagner.description, "Russian mercenary group");

    let nato = entity(&l, "NATO");
    assert_eq!(nato.kind, EntityKind::Organization);
    assert_eq!(nato.description, "the primary Western military alliance");

    let s400 = entity(&l, "S-400");
    assert_eq!(s400.kind, EntityKind::Weapon);
    assert_eq!(s400.aliases, vec!["S-400s"]);

    let idlib = entity(&l, "Idlib");
    assert_eq!(idlib.kind, EntityKind::Place);
    assert_eq!(idlib.description, "the last rebel-held region of Syria");

    let sochi = entity(&l, "Sochi");
    assert_eq!(sochi.kind, EntityKind::Place);
    assert_eq!(sochi.description, "Black Sea resort city in Russia");

    for (name, kind) in [
        ("Turkey", EntityKind::Place),
        ("Russia", EntityKind::Place),
        ("United States", EntityKind::Place),
        ("Washington", EntityKind::Place),
        ("Nagorno-Karabakh", EntityKind::Place),
        (
            "Foundation for Defense of Democracies",
            EntityKind::Organization,
        ),
        ("Government of National Accord", EntityKind::Organization),
        ("Moscow University", EntityKind::Organization),
        ("European Union", EntityKind::Organization),
        ("F-35", EntityKind::Weapon),
        ("Patriot", EntityKind::Weapon),
        ("Khalifa Hifter", EntityKind::Person),
        ("Joe Biden", EntityKind::Person),
        ("Donald Trump", EntityKind::Person),
        ("Erdogan", EntityKind::Person),
        ("Putin", EntityKind::Person),
    ] {
        assert_eq!(entity(&l, name).kind, kind, "{name}");
    }
    let biden = entity(&l, "Joe Biden");
    assert_eq!(biden.title, "President");
    assert_eq!(
        biden.first_reference.as_deref(),
        Some("President Joe Biden")
    );
    assert!(
        biden.aliases.contains(&"Mr Biden".to_string())
            && biden.aliases.contains(&"Biden".to_string())
    );
}

#[test]
fn evidence_points_at_the_introduction() {
    let l = built();
    let text = article_text();
    let erdemir = entity(&l, "Aykan Erdemir");
    let spans: Vec<&str> = erdemir
        .evidence
        .iter()
        .map(|e| &text[e.start..e.end])
        .collect();
    assert_eq!(spans[0], "Aykan Erdemir");
    assert!(
        spans[1].starts_with("director of the Turkey Program"),
        "{spans:?}"
    );
    for e in &l.entities {
        assert!(!e.evidence.is_empty(), "{} has no evidence", e.name);
        for ev in &e.evidence {
            assert_eq!(ev.source, "sochi-putin-erdogan");
            assert!(
                text.is_char_boundary(ev.start)
                    && text.is_char_boundary(ev.end)
                    && ev.start < ev.end
            );
        }
    }
    let first = &entity(&l, "Sochi").evidence[0];
    assert_eq!(
        &text[first.start..first.end],
        "the Black Sea resort city of Sochi"
    );
}

#[test]
fn no_entities_from_sentence_starts_days_or_demonyms() {
    let l = built();
    for not in [
        "Asked",
        "Highlighting",
        "Nevertheless",
        "Much",
        "Those",
        "Despite",
        "Ahead",
        "Nearly",
        "Since",
        "Wednesday",
        "Turkish",
        "Russian",
        "Syrians",
        "Western",
        "Middle Eastern",
        "We",
        "I",
        "He",
        "Now",
        "Had",
        "Americans",
        "US-Turkish",
        "Turkish-Russian",
    ] {
        assert!(
            l.entities.iter().all(|e| e.name != not),
            "{not} should not be an entity"
        );
    }
}

fn quoted(l: &Lexicon) -> Vec<(&str, Option<&str>, &str, &str)> {
    l.claims
        .iter()
        .filter(|c| c.quoted)
        .map(|c| {
            (
                c.text.as_str(),
                c.speaker.as_deref(),
                c.speaker_text.as_str(),
                c.cue.as_str(),
            )
        })
        .collect()
}

#[test]
fn every_quotation_has_its_speaker() {
    let l = built();
    assert_eq!(
        quoted(&l),
        vec![
            ("We buy our own weapons", Some("erdogan"), "Erdogan", "said"),
            ("would not have had to buy S-400s", Some("erdogan"), "Erdogan", "said"),
            ("I think it was worth it", Some("erdogan"), "he", "said"),
            ("We can strengthen our defense as we please", Some("erdogan"), "he", "said"),
            ("Turkey has long US ties", Some("erdogan"), "he", "said"),
            ("This will be reinforced and has to be protected", Some("erdogan"), "he", "said"),
            ("there is no path back in this sphere", Some("erdogan"), "he", "adding"),
            ("cooperation", Some("putin"), "Putin", "mentioned"),
            (
                "Now, when we see somewhat difficult, turbulent processes on the European gas market, Turkey feels absolutely confident and stable",
                Some("putin"),
                "Putin",
                "said"
            ),
            (
                "On the international arena we cooperate fairly successfully, and I mean in Syria and our coordinated position on Libya",
                Some("putin"),
                "he",
                "said"
            ),
            ("wake-up call", Some("aykan-erdemir"), "Aykan Erdemir", "said"),
            (
                "The Turkish president will continue to play a spoiler role within NATO and provide Putin further opportunities to undermine the trans-Atlantic alliance and its values",
                Some("aykan-erdemir"),
                "he",
                "said in emailed comments"
            ),
            ("weakest hand", Some("kerim-has"), "Kerim Has", "wrote in a personal blog"),
            (
                "Erdogan may have to buy the second part of S-400s for the sake of his ‘personal survival,’",
                Some("kerim-has"),
                "he",
                "said"
            ),
            ("personal survival", Some("kerim-has"), "he", "said"),
            ("In my opinion, Erdogan did not get what he expected", Some("kerim-has"), "he", "wrote on Twitter"),
            (
                "In my 19-year-long life as a ruler as prime minister and president, the point we arrived in our relations with the US is not good",
                Some("erdogan"),
                "he",
                "told the Turkish news media in a briefing"
            ),
            (
                "I have worked well with Bush junior, with Mr Obama, with Mr Trump, but I can’t say we have a good start with Mr Biden",
                Some("erdogan"),
                "he",
                "told the Turkish news media in a briefing"
            ),
        ]
    );
}

#[test]
fn claim_offsets_and_sentences_match_the_article() {
    let l = built();
    let text = article_text();
    for c in &l.claims {
        if c.quoted {
            assert_eq!(&text[c.start..c.end], c.text, "{}", c.id);
        }
        assert!(text.contains(&c.sentence), "{}: {}", c.id, c.sentence);
        // Continued quotations carry the attribution of their first part.
        assert!(
            text.contains(&c.speaker_text) && !c.speaker_text.is_empty(),
            "{}",
            c.id
        );
    }
}

fn reported<'a>(l: &'a Lexicon, speaker_text: &str, cue: &str) -> &'a Claim {
    l.claims
        .iter()
        .find(|c| !c.quoted && c.speaker_text == speaker_text && c.cue == cue)
        .unwrap_or_else(|| panic!("no reported claim by {speaker_text} ({cue})"))
}

#[test]
fn reported_speech_and_group_speakers() {
    let l = built();
    let experts = reported(&l, "arms experts", "say");
    assert_eq!(experts.speaker, None);
    assert_eq!(
        experts.text,
        "Those S-400 missiles are designed to shoot down NATO aircraft"
    );
    assert_eq!(
        experts.sentence,
        "Those S-400 missiles, arms experts say, are designed to shoot down NATO aircraft."
    );

    let rejected = reported(&l, "Erdogan", "rejected suggestions");
    assert_eq!(rejected.speaker.as_deref(), Some("erdogan"));
    assert_eq!(
        rejected.text,
        "he had undermined NATO, the primary Western military alliance, by purchasing a sophisticated Russian missile system"
    );
    let has = reported(&l, "Has", "wrote");
    assert_eq!(has.speaker.as_deref(), Some("kerim-has"));
    assert!(has.text.starts_with("Not only is he desperate"));
    let concluded = reported(&l, "Has", "concluded");
    assert_eq!(concluded.text, "Erdogan was leaving empty-handed");
    let added = reported(&l, "He", "added");
    assert_eq!(added.speaker.as_deref(), Some("aykan-erdemir"));
    let stressed = reported(&l, "Erdogan", "stressed");
    assert_eq!(
        stressed.text,
        "peace in Syria was of the greatest importance among the issues between them"
    );
    let alignment = reported(&l, "Putin", "said");
    assert_eq!(
        alignment.text,
        "the alignment with Russia was insulating Turkey from high gas prices in Europe"
    );
}

#[test]
fn the_lexicon_validates_and_round_trips() {
    let l = built();
    let text = lexicon::to_json_string(&l);
    assert_eq!(lexicon::parse(&text).unwrap(), l);
    let ids: std::collections::HashSet<&str> = l.claims.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), l.claims.len());
    assert!(ids.contains("erdogan-we-buy-our-own-weapons"));
    assert!(ids.contains("kerim-has-weakest-hand"));
}

#[test]
fn hover_cards_from_the_built_lexicon() {
    let l = built();
    let lexicon_text = lexicon::to_json_string(&l);
    let index = LexiconIndex::build(vec![LexiconInput {
        path: fixtures().join("sochi.lexicon.json"),
        text: lexicon_text,
        lexicon: l,
    }]);
    let text = article_text();
    let doc = analyze(&text, DocKind::PlainText, &index);
    let card_at = |needle: &str, nth: usize| -> String {
        let at = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle}"))
            .0;
        let m = doc
            .mention_at(at + 1)
            .unwrap_or_else(|| panic!("no mention at {needle}"));
        entity_card(&index, m.entity)
    };
    let erdemir = card_at("Aykan Erdemir", 0);
    assert!(erdemir.contains("director of the Turkey Program at the Foundation for Defense of Democracies in Washington and a former opposition member of Turkey’s Parliament"), "{erdemir}");
    let has = card_at("Has wrote", 0);
    assert!(has.starts_with("**Kerim Has** · person"), "{has}");
    assert!(
        has.contains("lecturer in Turkish-Russian relations at Moscow University"),
        "{has}"
    );
    assert!(card_at("Jens Stoltenberg", 0).contains("NATO secretary-general"));
    assert!(card_at("Wagner", 0).contains("Russian mercenary group"));
    assert!(card_at("Idlib", 0).contains("the last rebel-held region of Syria"));
    assert!(card_at("NATO", 0).contains("the primary Western military alliance"));
    assert!(card_at("S-400", 0).starts_with("**S-400** · weapon"));
    assert!(card_at("Sochi", 0).starts_with("**Sochi** · place"));
}

#[test]
fn cli_build_writes_a_lexicon_and_rebuilds_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sochi.lexicon.json");
    let article = fixtures().join("sochi-putin-erdogan.txt");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_copydesk"))
            .arg("build")
            .arg(&article)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(first.stdout.is_empty(), "nothing on stdout");
    let bytes = std::fs::read(&out).unwrap();
    let l = lexicon::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
    let source = &l.sources[0];
    assert!(
        Path::new(&source.path).ends_with("tests/fixtures/sochi-putin-erdogan.txt"),
        "{}",
        source.path
    );
    assert_eq!(
        source.sha256,
        "28bf219d2b9d21854c139c8191a7c86fb8b27ba94f1e719f5ab6199afd255802"
    );
    let resolved = dir.path().join(&source.path);
    assert_eq!(std::fs::read_to_string(resolved).unwrap(), article_text());
    let second = run();
    assert!(second.status.success());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        bytes,
        "a rebuild is byte-identical"
    );
}
