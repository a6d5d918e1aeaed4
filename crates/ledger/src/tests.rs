use std::collections::HashMap;

use stix::StixObject;

use super::*;
use crate::query::*;

fn pack_objects() -> Vec<StixObject> {
    pack::compile(&pack::DPRK).expect("the DPRK pack compiles")
}

fn dprk() -> Ledger {
    Ledger::from_objects(&pack_objects(), &dprk_rates())
}

fn usd(s: &str) -> Amount {
    Amount::parse(s).unwrap()
}

#[test]
fn pack_ids_are_deterministic_and_unique() {
    let a = pack_objects();
    let b = pack_objects();
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter().zip(&b).all(|(x, y)| x == y),
        "compiling twice gives the same objects"
    );
    let mut ids = HashMap::new();
    for o in &a {
        if let Some(prev) = ids.insert(o.id().to_string(), o) {
            assert_eq!(prev, o, "two different objects share id {}", o.id());
        }
    }
}

#[test]
fn pack_objects_are_valid_stix() {
    let opts = stix::validate::Options {
        musts_only: true,
        ..Default::default()
    };
    for o in pack_objects() {
        let diags = stix::validate::validate_value(&o.to_value(), &opts);
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == stix::validate::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", o.id());
    }
}

/// S/2019/691 Annex 21: 36 rows (21 banks, 15 crypto), attempted USD 1,938.5 M and
/// stolen USD 270.659 M (sums of the annex columns, A11 unreadable), 23 country
/// codes in the rows against the 17 countries the press reported, and the Poland
/// gap named.
#[test]
fn un_2019_annex_summary() {
    let l = dprk();
    let f = Filter {
        sources: vec!["S/2019/691".into()],
        ..Filter::default()
    };
    let s = summary(&l, &f);
    assert_eq!(s.incidents, 36);
    assert_eq!(s.attempted_usd, usd("1938500000"));
    assert_eq!(s.stolen_usd, usd("270659000"));
    assert_eq!(s.country_count, 23, "{:?}", s.countries);
    assert!(s.countries.contains(&"KR".to_string()) && !s.countries.contains(&"PL".to_string()));
    assert!(
        s.gaps.iter().any(|g| g.description.contains("Poland")),
        "{:?}",
        s.gaps
    );
    let banks = &s.by_target_type["bank"];
    assert_eq!(banks.attempted_usd, usd("1935900000"));
    assert_eq!(banks.stolen_usd, usd("106500000"));
    assert_eq!(
        s.by_target_type["crypto_exchange"].incidents
            + s.by_target_type
                .get("cryptomining")
                .map_or(0, |b| b.incidents)
            + s.by_target_type
                .get("ransomware")
                .map_or(0, |b| b.incidents)
            + s.by_target_type.get("unknown").map_or(0, |b| b.incidents)
            + s.by_target_type
                .get("crypto_other")
                .map_or(0, |b| b.incidents),
        15
    );
    // The same filter by key.
    assert_eq!(
        summary(
            &l,
            &Filter {
                sources: vec!["UN19".into()],
                ..Filter::default()
            }
        )
        .incidents,
        36
    );
}

#[test]
fn seed_article_claims() {
    let l = dprk();
    let f = Filter {
        sources: vec!["S/2019/691".into()],
        ..Filter::default()
    };
    let figures = vec![
        (
            "up to two billion US dollars".to_string(),
            ReportFigure::Money {
                usd: usd("2000000000"),
                qualifier: Some("up-to".into()),
            },
        ),
        (
            "at least 35 instances".to_string(),
            ReportFigure::Count {
                value: 35,
                unit: "instances".into(),
                qualifier: Some("at-least".into()),
            },
        ),
        (
            "17 countries".to_string(),
            ReportFigure::Count {
                value: 17,
                unit: "countries".into(),
                qualifier: None,
            },
        ),
    ];
    let checks = check_claims(&l, &f, &figures);
    let verdicts: Vec<&str> = checks.iter().map(|c| c.verdict.as_str()).collect();
    assert_eq!(verdicts, ["holds", "holds", "does-not-hold"], "{checks:#?}");
    assert!(
        checks[0].explanation.contains("$2.209 bn"),
        "attempted + stolen shown: {}",
        checks[0].explanation
    );
    assert!(
        checks[2].explanation.contains("Poland"),
        "{}",
        checks[2].explanation
    );
    assert_eq!(checks[2].difference.as_deref(), Some("+6"));
}

#[test]
fn attribution_tree_and_actor_filter() {
    let l = dprk();
    let tt = l.find_actor("Jade Sleet").expect("alias resolves");
    assert_eq!(tt.name, "TraderTraitor");
    let chain = l.chain_of(&tt.id);
    assert_eq!(
        chain.last().map(String::as_str),
        Some("Democratic People's Republic of Korea"),
        "{chain:?}"
    );
    let all = summary(&l, &Filter::default()).incidents;
    let tt_only = summary(
        &l,
        &Filter {
            actor: Some("UNC4899".into()),
            ..Filter::default()
        },
    )
    .incidents;
    assert!(tt_only > 0 && tt_only < all);
    // Everything descends from the state.
    let state = summary(
        &l,
        &Filter {
            actor: Some("DPRK".into()),
            ..Filter::default()
        },
    );
    assert_eq!(state.incidents, all);
    // Higher thresholds keep fewer incidents.
    let gov = summary(
        &l,
        &Filter {
            min_confidence: 85,
            ..Filter::default()
        },
    )
    .incidents;
    assert!(gov < all && gov > 0);
}

#[test]
fn compare_years() {
    let l = dprk();
    for y in 2017..=2025 {
        let rows = compare(&l, y);
        assert!(!rows.is_empty(), "a published figure for {y}");
        for r in &rows {
            assert!(!r.explanation.is_empty());
        }
    }
    let r2018 = compare(&l, 2018);
    let ch = r2018
        .iter()
        .find(|r| r.publisher == "Chainalysis")
        .expect("Chainalysis 2018");
    assert_eq!(ch.published_usd, Some(usd("522000000")));
}

#[test]
fn conflicting_amounts_stay_side_by_side() {
    let l = dprk();
    // Bangladesh Bank: the annex records the attempt, a US figure the theft.
    let d = show(&l, "2016-02-bangladesh-bank").expect("incident");
    let kinds: Vec<(AmountKind, &str)> = d
        .incident
        .amounts
        .iter()
        .map(|c| (c.kind, c.source.as_str()))
        .collect();
    assert!(
        kinds
            .iter()
            .any(|(k, s)| *k == AmountKind::Attempted && s.starts_with("UN19")),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, s)| *k == AmountKind::Stolen && !s.starts_with("UN19")),
        "{kinds:?}"
    );
}

#[test]
fn merge_and_unmerge_round_trip() {
    let objs = pack_objects();
    let l = Ledger::from_objects(&objs, &dprk_rates());
    let before = summary(&l, &Filter::default());
    // Property: merging any incident into any other and unmerging it restores every
    // figure; while merged, the count drops by one and no claim is lost.
    let incidents: Vec<&StixObject> = objs
        .iter()
        .filter(|o| o.object_type() == "incident")
        .collect();
    let now = stix::Timestamp::parse("2026-11-25T00:00:00.000Z").unwrap();
    let later = stix::Timestamp::parse("2026-11-26T00:00:00.000Z").unwrap();
    for k in (0..incidents.len()).step_by(7) {
        let a = incidents[k];
        let b = incidents[(k * 31 + 5) % incidents.len()];
        if a.id() == b.id() {
            continue;
        }
        let merged = dedupe::merge(a, b.id().as_str(), &now, "test");
        let with: Vec<StixObject> = objs
            .iter()
            .map(|o| {
                if o.id() == a.id() {
                    merged.clone()
                } else {
                    o.clone()
                }
            })
            .collect();
        let lm = Ledger::from_objects(&with, &dprk_rates());
        let sm = summary(&lm, &Filter::default());
        assert_eq!(sm.incidents, before.incidents - 1);
        let claims = |l: &Ledger| {
            l.effective_incidents()
                .iter()
                .map(|i| i.amounts.len() + i.attributions.len())
                .sum::<usize>()
        };
        assert_eq!(claims(&lm), claims(&l), "claims kept under the target");
        let back = dedupe::unmerge(&merged, &later);
        assert!(
            back.modified().unwrap() > merged.modified().unwrap(),
            "a new version"
        );
        let restored: Vec<StixObject> = objs
            .iter()
            .map(|o| {
                if o.id() == a.id() {
                    back.clone()
                } else {
                    o.clone()
                }
            })
            .collect();
        let sr = summary(
            &Ledger::from_objects(&restored, &dprk_rates()),
            &Filter::default(),
        );
        assert_eq!(
            (sr.incidents, sr.stolen_usd, sr.attempted_usd),
            (before.incidents, before.stolen_usd, before.attempted_usd)
        );
    }
}

#[test]
fn native_amounts_convert_with_the_rate_used() {
    let l = dprk();
    let s = summary(&l, &Filter::default());
    // Claims with a native amount and no USD are converted only when a rate near the
    // date exists; every conversion says which rate and date.
    for c in &s.conversions {
        assert!(c.contains(" on ") && c.contains("USD/"), "{c}");
    }
    assert!(
        s.without_usd > 0,
        "rows without any USD figure are counted, not guessed"
    );
}

#[test]
fn duplicate_candidates_are_explained() {
    let l = dprk();
    let c = dedupe::candidates(&l, 31);
    for m in &c {
        assert!(m.score >= 70 && !m.reasons.is_empty());
    }
}
