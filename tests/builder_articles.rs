//! The builder on articles in other house styles (tests/fixtures/articles/),
//! so that the rules are not tuned to one text: wire copy with a dateline and
//! straight quotes, an analysis piece with long appositives, and a Markdown
//! feature with a block quotation and a quotation running over paragraphs.

use std::path::{Path, PathBuf};

use copydesk::builder;
use copydesk::lexicon::{Claim, Entity, EntityKind, Lexicon};

fn articles() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/articles")
}

fn build(name: &str) -> Lexicon {
    let path = articles().join(name);
    let article = builder::load_article(&path, &articles()).unwrap();
    builder::build(&[article])
}

fn entity<'a>(l: &'a Lexicon, name: &str) -> &'a Entity {
    l.entities
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no entity {name}; have {:?}",
                l.entities.iter().map(|e| &e.name).collect::<Vec<_>>()
            )
        })
}

fn names(l: &Lexicon) -> Vec<&str> {
    l.entities.iter().map(|e| e.name.as_str()).collect()
}

type Row<'a> = (&'a str, Option<&'a str>, &'a str, &'a str);

fn quoted(l: &Lexicon) -> Vec<Row<'_>> {
    claims(l, true)
}

fn claims(l: &Lexicon, quoted: bool) -> Vec<Row<'_>> {
    l.claims
        .iter()
        .filter(|c| c.quoted == quoted)
        .map(|c: &Claim| {
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
fn wire_copy_with_dateline_and_straight_quotes() {
    let l = build("wire-ankara-grain-talks.txt");
    assert_eq!(
        l.sources[0].title,
        "Turkey to host new grain talks as Black Sea shipments stall"
    );
    assert_eq!(l.sources[0].path, "wire-ankara-grain-talks.txt");
    let aydin = entity(&l, "Selim Aydin");
    assert_eq!(aydin.kind, EntityKind::Person);
    assert_eq!(aydin.title, "Foreign Minister");
    assert_eq!(
        aydin.aliases,
        vec![
            "Aydin",
            "Foreign Minister Aydin",
            "Foreign Minister Selim Aydin",
            "Mr. Aydin"
        ]
    );
    assert_eq!(
        aydin.first_reference.as_deref(),
        Some("Foreign Minister Selim Aydin")
    );
    let ostrova = entity(&l, "Maria Ostrova");
    assert_eq!(
        ostrova.description,
        "the executive director of the World Food Program"
    );
    assert_eq!(
        ostrova.title,
        "Executive director of the World Food Program"
    );
    let grekov = entity(&l, "Pavel Grekov");
    assert_eq!(grekov.description, "Kremlin spokesman");
    assert!(
        grekov.aliases.contains(&"Mr. Grekov".to_string()),
        "spokesman says he is a man"
    );
    let kaya = entity(&l, "Elif Kaya");
    assert_eq!(kaya.kind, EntityKind::Person);
    assert!(
        kaya.aliases.contains(&"Dr. Kaya".to_string())
            && kaya.aliases.contains(&"Ms. Kaya".to_string())
    );
    // The dateline's city in capitals is the gazetteer's Ankara.
    let ankara = entity(&l, "Ankara");
    assert_eq!(ankara.kind, EntityKind::Place);
    let text = std::fs::read_to_string(articles().join("wire-ankara-grain-talks.txt")).unwrap();
    assert_eq!(
        &text[ankara.evidence[0].start..ankara.evidence[0].end],
        "ANKARA"
    );
    for (name, kind) in [
        ("Reuters", EntityKind::Organization),
        ("World Food Program", EntityKind::Organization),
        ("United Nations", EntityKind::Organization),
        ("Istanbul Policy Center", EntityKind::Organization),
        ("Kremlin", EntityKind::Organization),
        ("Istanbul", EntityKind::Place),
        ("Chicago", EntityKind::Place),
        ("Black Sea", EntityKind::Place),
        ("Ukraine", EntityKind::Place),
    ] {
        assert_eq!(entity(&l, name).kind, kind, "{name}");
    }
    for not in [
        "Asked",
        "Failure",
        "Wheat",
        "Every",
        "Too",
        "Western",
        "Turkish",
        "Russians",
        "Analysts",
        "Moscow wants",
    ] {
        assert!(!names(&l).contains(&not), "{not}");
    }
    assert_eq!(
        quoted(&l),
        vec![
            (
                "We are not going to let the corridor close",
                Some("selim-aydin"),
                "Mr. Aydin",
                "said"
            ),
            (
                "Too many people depend on it",
                Some("selim-aydin"),
                "Mr. Aydin",
                "said"
            ),
            (
                "Every ship that sails is a meal on a table somewhere",
                Some("maria-ostrova"),
                "Maria Ostrova",
                "said"
            ),
            (
                "The Russians want something they cannot get",
                Some("elif-kaya"),
                "Dr. Elif Kaya",
                "said"
            ),
            (
                "Failure is not an option for the hungry",
                Some("selim-aydin"),
                "Mr. Aydin",
                "was blunt"
            ),
        ]
    );
    assert_eq!(
        claims(&l, false),
        vec![
            (
                "they would host a new round of talks on grain exports next week, as shipments across the Black Sea fell to their lowest level in a year",
                None,
                "Turkish officials",
                "said on Tuesday"
            ),
            ("delegations from Russia and Ukraine had agreed to attend", Some("selim-aydin"), "Foreign Minister Selim Aydin", "told reporters in Ankara"),
            ("the talks would begin at 10 a.m. on Monday in Istanbul", None, "Turkish officials", "said"),
            (
                "Moscow wants Western sanctions on its agricultural bank lifted before it rejoins the arrangement",
                Some("pavel-grekov"),
                "Pavel Grekov",
                "according to"
            ),
            ("such a concession is unlikely", None, "Analysts", "say"),
            ("Ankara's leverage was limited", Some("elif-kaya"), "She", "added"),
        ]
    );
}

#[test]
fn analysis_with_long_appositives() {
    let l = build("analysis-caspian-pipeline.txt");
    let mammadova = entity(&l, "Leyla Mammadova");
    assert_eq!(mammadova.kind, EntityKind::Person);
    assert_eq!(
        mammadova.description,
        "former deputy energy minister of Azerbaijan who now directs the Caspian Energy Institute"
    );
    assert_eq!(
        mammadova.title,
        "Former deputy energy minister of Azerbaijan"
    );
    assert_eq!(mammadova.aliases, vec!["Mammadova", "Ms. Mammadova"]);
    let institute = entity(&l, "Caspian Energy Institute");
    assert_eq!(institute.kind, EntityKind::Organization);
    assert_eq!(
        institute.description,
        "research group in Baku funded by European and Gulf donors"
    );
    let iea = entity(&l, "International Energy Agency");
    assert_eq!(
        iea.description,
        "the Paris-based body that advises industrialized countries on energy policy"
    );
    assert!(iea.aliases.contains(&"IEA".to_string()));
    let alimov = entity(&l, "Rustam Alimov");
    assert_eq!(
        alimov.title,
        "Commander of Kazakhstan’s naval forces on the Caspian"
    );
    assert!(alimov.aliases.contains(&"Gen. Alimov".to_string()));
    let lensky = entity(&l, "Viktor Lensky");
    assert_eq!(
        lensky.description,
        "senior analyst at the Carnegie Endowment for International Peace"
    );
    let carnegie = entity(&l, "Carnegie Endowment for International Peace");
    assert_eq!(carnegie.kind, EntityKind::Organization);
    assert_eq!(carnegie.description, "Washington think tank");
    assert_eq!(entity(&l, "Caspian Watch").kind, EntityKind::Organization);
    for not in ["By", "Some", "Others", "That", "The", "It", "European"] {
        assert!(!names(&l).contains(&not), "{not}");
    }
    assert_eq!(
        quoted(&l),
        vec![
            (
                "the real summit",
                Some("leyla-mammadova"),
                "Leyla Mammadova",
                "said"
            ),
            (
                "not a lake to be divided by lawyers",
                Some("rustam-alimov"),
                "Gen. Rustam Alimov",
                "warned"
            ),
            (
                "Russia will not accept a pipeline it does not control",
                Some("viktor-lensky"),
                "Viktor Lensky",
                "said"
            ),
            (
                "It never has",
                Some("viktor-lensky"),
                "Viktor Lensky",
                "said"
            ),
            (
                "The money is already there. The politics will follow",
                Some("leyla-mammadova"),
                "Ms. Mammadova",
                "put it"
            ),
        ]
    );
    let reported = claims(&l, false);
    assert!(reported.contains(&(
        "the pipeline could carry 20 million tons of oil a year by 2030",
        Some("international-energy-agency"),
        "The International Energy Agency",
        "estimated in June"
    )));
    // "Some experts believe …" is vague, not a claim by anyone; "critics …
    // argue" names nobody either.
    assert!(
        reported
            .iter()
            .all(|(_, _, who, _)| !who.contains("experts") && !who.contains("critics")),
        "{reported:?}"
    );
}

#[test]
fn markdown_with_block_quote_and_running_quotation() {
    let l = build("feature-kerch-ferry.md");
    assert_eq!(
        l.sources[0].title,
        "A harbor town waits for the ferry to Crimea"
    );
    assert_eq!(l.sources[0].date.as_deref(), Some("2023-05-14"));
    let petrova = entity(&l, "Anna Petrova");
    assert_eq!(petrova.kind, EntityKind::Person, "an age says a person");
    let sidorenko = entity(&l, "Oleg Sidorenko");
    assert_eq!(
        sidorenko.description,
        "retired ship's engineer who worked on the Kerch Strait Bridge"
    );
    assert_eq!(sidorenko.title, "Retired ship's engineer");
    assert_eq!(sidorenko.aliases, vec!["Mr. Sidorenko", "Sidorenko"]);
    let volkova = entity(&l, "Irina Volkova");
    assert_eq!(
        volkova.description,
        "spokeswoman for the regional transport ministry"
    );
    assert_eq!(volkova.aliases, vec!["Ms. Volkova", "Volkova"]);
    let fsb = entity(&l, "Federal Security Service");
    assert_eq!(fsb.kind, EntityKind::Organization);
    assert_eq!(fsb.aliases, vec!["FSB"]);
    assert_eq!(entity(&l, "Kerch").kind, EntityKind::Place);
    for not in [
        "By",
        "Now",
        "But",
        "Nobody",
        "When",
        "Local",
        "Paper",
        "A harbor town waits for the ferry to Crimea",
    ] {
        assert!(!names(&l).contains(&not), "{not}");
    }
    // Inline code is not prose.
    assert!(l.claims.iter().all(|c| !c.sentence.contains("schedule")));
    assert_eq!(
        quoted(&l),
        vec![
            ("We used to count tourists. Now we count patrol boats", Some("anna-petrova"), "She", "described the summer in one sentence"),
            (
                "When they built the bridge, everyone said the ferry was finished. But the bridge was closed twice last year, and each time the whole peninsula came back to us",
                Some("oleg-sidorenko"),
                "he",
                "said"
            ),
            (
                "The ferry is slow, it smells of diesel, and it is ours. Nobody can blow up a ferry that has already sunk twice",
                Some("oleg-sidorenko"),
                "he",
                "said"
            ),
            ("fully recovered", Some("irina-volkova"), "Irina Volkova", "said in a statement"),
            ("Paper", Some("oleg-sidorenko"), "he", "said"),
        ]
    );
    assert_eq!(
        claims(&l, false),
        vec![(
            "ferry traffic had “fully recovered” and that no further closures were planned",
            Some("irina-volkova"),
            "Irina Volkova",
            "said in a statement"
        )]
    );
}

#[test]
fn all_articles_together_keep_their_own_sources() {
    let dir = articles();
    let paths = builder::collect_articles(&[
        dir.clone(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sochi-putin-erdogan.txt"),
    ])
    .unwrap();
    assert_eq!(paths.len(), 4);
    let loaded: Vec<_> = paths
        .iter()
        .map(|p| builder::load_article(p, &dir).unwrap())
        .collect();
    let l = builder::build(&loaded);
    assert_eq!(
        l.sources.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        vec![
            "analysis-caspian-pipeline",
            "feature-kerch-ferry",
            "sochi-putin-erdogan",
            "wire-ankara-grain-talks"
        ]
    );
    assert!(l
        .sources
        .iter()
        .any(|s| s.path == "../sochi-putin-erdogan.txt"));
    // Russia appears in three articles: one entity, evidence in each.
    let russia = entity(&l, "Russia");
    let sources: std::collections::BTreeSet<&str> =
        russia.evidence.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources.len(), 3, "{sources:?}");
    // The order of the inputs does not change the lexicon.
    let mut reversed = loaded.clone();
    reversed.reverse();
    assert_eq!(builder::build(&reversed), l);
    assert!(Path::new(&dir).exists());
}

#[test]
fn negatives_scare_quotes_and_sentence_starts() {
    let text = "On Monday, Erdogan met Putin in Sochi. The so-called “reset” was over, and the talks ended.\n\n\
                Nevertheless, Turkey’s “strategic” choice stands. Highlighting the rift, Ankara recalled its envoy.\n\n\
                “Nobody believes that any more.” Putin smiled.\n";
    let l = builder::build(&[builder::Article::new(
        "draft.txt",
        text.into(),
        copydesk::text::prose::DocKind::PlainText,
    )]);
    assert!(l.claims.is_empty(), "{:?}", l.claims);
    let names = names(&l);
    for not in ["The", "Nevertheless", "Highlighting", "Nobody"] {
        assert!(!names.contains(&not), "{not} in {names:?}");
    }
    for yes in ["Erdogan", "Putin", "Sochi", "Turkey", "Ankara"] {
        assert!(names.contains(&yes), "{yes} missing from {names:?}");
    }
}
