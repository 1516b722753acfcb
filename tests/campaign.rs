//! Every level of the campaign, found on disk: the starting design fails its exam, the reference solution under tests/campaign_solutions/ earns three stars, brute force misses the par, the debrief quotes the run; plus progress, unlock order and refusals.

use std::path::{Path, PathBuf};

use loadlab::campaign::{self, Campaign, Grade, Level, Progress};
use loadlab::scenario;
use loadlab::sim::Model;
use rayon::prelude::*;

fn campaign() -> Campaign {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/campaign");
    Campaign::load(&dir).unwrap_or_else(|e| panic!("{e}"))
}

fn solution_path(level: &Level) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/campaign_solutions")
        .join(format!("{}.toml", level.id))
}

/// The level's text with the solution's nodes appended and its `set`
/// overrides applied.
fn solution(level: &Level) -> (Model, String) {
    let path = solution_path(level);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: no reference solution ({e})", path.display()));
    let sol: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}"));
    let set: Vec<String> = sol
        .get("set")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let add = sol.get("add").and_then(|v| v.as_str()).unwrap_or("");
    let level_text = std::fs::read_to_string(&level.path).expect("level file");
    let design_text = format!("{level_text}\n{add}\n");
    let model = scenario::load_str(&design_text, &path.display().to_string(), &set)
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    (model, design_text)
}

/// Every replica, worker and capacity count the design may change, ×4
/// (within the level's upper limits).
fn brute_force(level: &Level, design: &Model) -> Model {
    let mut set = Vec::new();
    let start_ids: Vec<&str> = level.model.nodes.iter().map(|n| n.id.as_str()).collect();
    for (id, table) in campaign::rules::node_tables(design) {
        let kind = table.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        for field in [
            "replicas",
            "workers",
            "capacity",
            "read_replicas",
            "consumers",
        ] {
            let Some(n) = table.get(field).and_then(|v| v.as_integer()) else {
                continue;
            };
            let free = !start_ids.contains(&id.as_str()) || level.spec.is_unlocked(&id, field);
            if !free {
                continue;
            }
            let max = level.spec.max_of(&id, kind, field).unwrap_or(f64::MAX);
            let four = ((n.max(1) * 4) as f64).min(max) as i64;
            set.push(format!("{id}.{field}={four}"));
        }
    }
    let text = scenario::to_toml(design);
    scenario::load_str(&text, "brute.toml", &set)
        .unwrap_or_else(|d| panic!("{}: {}", level.id, scenario::render(&d)))
}

fn graded(level: &Level, design: &Model, hints: u32) -> Grade {
    campaign::grade(level, design, hints).unwrap_or_else(|r| panic!("{}: {r}", level.id))
}

fn assert_debrief(level: &Level, g: &Grade, what: &str) {
    let d = &g.debrief;
    assert!(
        !d.is_empty()
            && !d.contains("n/a")
            && !d.contains('{')
            && d.chars().any(|c| c.is_ascii_digit()),
        "{} ({what}): the debrief lacks the run's figures:\n{d}",
        level.id
    );
}

/// (a) to (d) for one level; returns a line for the table printed at the end.
fn check_level(level: &Level) -> String {
    let start = graded(level, &level.model, 0);
    assert!(
        !start.passed,
        "{}: the starting design already passes:\n{}",
        level.id,
        start.to_text()
    );
    assert_debrief(level, &start, "miss");
    let (sol, _) = solution(level);
    let best = graded(level, &sol, 0);
    assert_eq!(
        best.stars,
        3,
        "{}: the reference solution earns {} stars:\n{}",
        level.id,
        best.stars,
        best.to_text()
    );
    assert_debrief(level, &best, "pass");
    let brute = brute_force(level, &sol);
    let brute_grade = match campaign::grade(level, &brute, 0) {
        Ok(g) => g,
        Err(r) => panic!("{}: brute force refused: {r}", level.id),
    };
    assert!(
        brute_grade.stars < 2,
        "{}: brute force (×4) still makes par: cost {} ≤ {}",
        level.id,
        brute_grade.cost,
        level.spec.par
    );
    format!(
        "{:<45} start {}★  solution {}★ ${:.2}/h  brute ${:.2}/h  par ${:.2}/h",
        level.id, start.stars, best.stars, best.cost, brute_grade.cost, level.spec.par
    )
}

#[test]
fn every_level_starts_in_trouble_and_its_solution_earns_three_stars_for_less_than_brute_force() {
    let c = campaign();
    let levels: Vec<&Level> = c.levels().collect();
    assert!(!levels.is_empty());
    let lines: Vec<String> = levels.par_iter().map(|l| check_level(l)).collect();
    for l in lines {
        println!("{l}");
    }
}

#[test]
fn every_level_has_a_briefing() {
    for l in campaign().levels() {
        assert!(
            !l.title.is_empty() && !l.story.is_empty() && !l.spec.ask.is_empty(),
            "{}",
            l.id
        );
        assert!(
            l.budget().is_finite() && l.spec.par <= l.budget(),
            "{}",
            l.id
        );
        assert!(l.seeds().len() >= 3, "{}", l.id);
        assert!(!l.spec.hints.is_empty(), "{}: no hints", l.id);
        let knobs = l.knobs();
        assert!(
            knobs.iter().any(|k| k.locked.is_none()),
            "{}: nothing to change",
            l.id
        );
        assert!(
            knobs.iter().any(|k| k.locked.is_some()),
            "{}: nothing locked",
            l.id
        );
        assert!(
            solution_path(l).is_file(),
            "{}: no reference solution",
            l.id
        );
    }
}

// ---- rules ---------------------------------------------------------------

fn first_level() -> Level {
    campaign().levels().next().expect("a level").clone()
}

fn design(level: &Level, set: &[&str]) -> Model {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    level
        .load_design(None, &set)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_design_that_breaks_the_rules_is_refused_naming_what() {
    let level = first_level();
    let refused = |set: &[&str]| -> String {
        match campaign::grade(&level, &design(&level, set), 0) {
            Ok(g) => panic!("{set:?} was graded: {}", g.to_text()),
            Err(r) => r.to_string(),
        }
    };
    let r = refused(&["api.service_time=1ms"]);
    assert!(
        r.contains("`api.service_time` is locked") && r.contains("The code is what it is"),
        "{r}"
    );
    let r = refused(&["api.replicas=7"]);
    assert!(
        r.contains("`api.replicas` = 7 is over the level's limit of 6"),
        "{r}"
    );
    // A field the scenario file leaves out reads as its default, not "(none)".
    let r = refused(&["api.cost_per_hour=0"]);
    assert!(
        r.contains("the level has 0.2, the design 0") && !r.contains("(none)"),
        "{r}"
    );
    let r = refused(&["workload.users.rate=10"]);
    assert!(r.contains("[[workload]]"), "{r}");
    let r = refused(&["scenario.duration=30s"]);
    assert!(r.contains("scenario.duration"), "{r}");
    let text = std::fs::read_to_string(&level.path).expect("level")
        + "\n[[node]]\nid = \"jobs\"\nkind = \"queue\"\nservice_time = \"1ms\"\n";
    let m = scenario::load_str(&text, "q.toml", &[]).expect("loads");
    let r = campaign::grade(&level, &m, 0)
        .expect_err("a queue may not be added")
        .to_string();
    assert!(r.contains("node `jobs` is a queue added"), "{r}");
}

/// A locked field that only follows an unlocked one the learner changed
/// is not the learner's change: a write-back cache's flush interval
/// appears with its default (2.2 refused `cache.write_policy=write_back`
/// for a `flush_interval` nobody wrote); a locked maximum the backoff
/// moves is refused naming the backoff (9.11 named only the maximum).
#[test]
fn a_locked_field_that_follows_an_unlocked_one_is_told_as_the_learner_s_change() {
    let c = campaign();
    let level = |id: &str| c.level(id).unwrap_or_else(|| panic!("{id}")).clone();
    let l = level("02-news-feed/02-timeline-cache");
    let m = design(&l, &["cache.write_policy=\"write_back\""]);
    assert_eq!(campaign::rules::check(&l, &m), Ok(()));
    // Written by the learner, the locked field is the learner's change.
    let m = design(
        &l,
        &[
            "cache.write_policy=\"write_back\"",
            "cache.flush_interval=\"5s\"",
        ],
    );
    let r = campaign::rules::check(&l, &m).expect_err("a locked flush interval");
    assert!(
        r.to_string().contains("`cache.flush_interval` is locked"),
        "{r}"
    );
    let l = level("09-mechanisms/11-backpressure");
    let m = design(&l, &["orders.redelivery_backoff=\"100s\""]);
    let r = campaign::rules::check(&l, &m)
        .expect_err("the locked maximum moved")
        .to_string();
    assert!(
        r.contains("`orders.redelivery_backoff` = \"100s\" moves `orders.max_redelivery_backoff` from \"1m\" to \"100s\""),
        "{r}"
    );
}

/// Deleting a level's calls (the work its story needs) used to win: the
/// exam ran faster and cheaper on a design that did nothing.
#[test]
fn dropping_a_level_s_calls_is_refused_where_calls_may_be_changed() {
    let c = campaign();
    let mut tried = 0;
    for level in c.levels() {
        for node in &level.model.nodes {
            let calls = node.kind.calls();
            if calls.is_empty() || !level.spec.is_unlocked(&node.id, "calls") {
                continue;
            }
            let id = &node.id;
            let first = &level.model.nodes[calls[0].to].id;
            let mut cuts = vec![format!("{id}.calls=[]")];
            if calls.iter().any(|c| c.to != calls[0].to) {
                cuts.push(format!("{id}.calls=[\"{first}\"]"));
            }
            for cut in cuts {
                // A level whose limits name the call refuses the file itself.
                let Ok(m) = level.load_design(None, std::slice::from_ref(&cut)) else {
                    tried += 1;
                    continue;
                };
                let r = match campaign::grade(level, &m, 0) {
                    Ok(g) => panic!("{}: {cut} was graded: {}", level.id, g.to_text()),
                    Err(r) => r.to_string(),
                };
                assert!(r.contains(&format!("`{id}` no longer reaches")), "{r}");
                tried += 1;
            }
        }
    }
    assert!(tried >= 20, "only {tried} cuts tried");
}

#[test]
fn an_added_node_pays_the_level_s_price() {
    let c = campaign();
    let level = c
        .levels()
        .find(|l| l.spec.add.iter().any(|k| k == "cache"))
        .expect("a level that lets a cache be added");
    let text = std::fs::read_to_string(&level.path).expect("level")
        + "\n[[node]]\nid = \"free\"\nkind = \"cache\"\ncapacity = 10\ncost_per_hour = 0\nkeys_per_unit = 1000000\n";
    let m = scenario::load_str(&text, "free.toml", &[]).expect("loads");
    let r = campaign::grade(level, &m, 0)
        .expect_err("a free cache")
        .to_string();
    assert!(
        r.contains("`free.cost_per_hour` is 0: an added cache costs"),
        "{r}"
    );
    assert!(r.contains("`free.keys_per_unit` is 1000000"), "{r}");
}

#[test]
fn luck_cannot_pass_the_exam_runs_every_seed() {
    let level = first_level();
    let g = graded(&level, &level.model, 0);
    assert_eq!(g.seeds, level.seeds());
    assert_eq!(g.runs.len(), g.seeds.len());
    for c in &g.objectives {
        assert_eq!(c.per_seed.len(), g.seeds.len());
        for s in &c.per_seed {
            assert_eq!(s.missed_by.is_some(), !s.pass && s.value.is_some(), "{c:?}");
        }
    }
    let json = g.to_json();
    for key in ["passed", "stars", "objectives", "seeds", "par", "debrief"] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    // Same design, same exam, same grade.
    let again = graded(&level, &level.model, 0);
    assert_eq!(again.objectives, g.objectives);
}

#[test]
fn hints_beyond_the_three_star_allowance_cost_the_third_star() {
    let c = campaign();
    let Some(level) = c.levels().find(|l| l.spec.three_stars.max_hints.is_some()) else {
        return;
    };
    let (sol, _) = solution(level);
    let max = level.spec.three_stars.max_hints.unwrap_or(0);
    assert_eq!(graded(level, &sol, max).stars, 3);
    assert_eq!(graded(level, &sol, max + 1).stars, 2);
}

// ---- progress ------------------------------------------------------------

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loadlab-campaign-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("progress.json")
}

#[test]
fn progress_round_trips_and_keeps_the_best() {
    let path = temp("round");
    let level = first_level();
    let (sol, text) = solution(&level);
    let (mut p, msg) = Progress::load(&path);
    assert!(msg.is_some_and(|m| m.contains("fresh start")));
    assert_eq!(p.reveal_hint(&level).map(|(n, _)| n), Some(1));
    let best = graded(&level, &sol, 1);
    assert!(p.record(&best, &text));
    let worse = graded(&level, &level.model, 1);
    assert!(
        !p.record(&worse, "worse"),
        "a worse grade replaced the best"
    );
    p.save(&path).expect("save");
    let (back, msg) = Progress::load(&path);
    assert_eq!(msg, None);
    assert_eq!(back, p);
    assert_eq!(back.stars(&level.id), best.stars);
    assert_eq!(back.hints_used(&level.id), 1);
    assert_eq!(
        back.levels[&level.id].best_design.as_deref(),
        Some(text.as_str())
    );
}

#[test]
fn a_corrupt_or_unreadable_progress_file_is_a_fresh_start_with_a_message() {
    let path = temp("corrupt");
    for bad in [
        &b"{ not json"[..],
        b"\xff\xfe",
        b"{\"version\": 1, \"levels\": 7}",
        b"",
    ] {
        std::fs::write(&path, bad).expect("write");
        let (p, msg) = Progress::load(&path);
        assert_eq!(p, Progress::fresh());
        assert!(msg.is_some_and(|m| m.contains("afresh")), "{bad:?}");
    }
    let dir = path.parent().expect("folder").join("a-folder");
    std::fs::create_dir_all(&dir).expect("dir");
    let (p, msg) = Progress::load(&dir);
    assert_eq!(p, Progress::fresh());
    assert!(msg.is_some());
}

#[test]
fn levels_unlock_in_order_as_the_one_before_earns_a_star() {
    let c = campaign();
    let ids: Vec<String> = c.levels().map(|l| l.id.clone()).collect();
    let mut p = Progress::fresh();
    assert!(c.is_unlocked(&p, &ids[0]));
    assert_eq!(c.resume(&p).map(|l| l.id.clone()), Some(ids[0].clone()));
    if ids.len() < 2 {
        return;
    }
    assert!(!c.is_unlocked(&p, &ids[1]));
    p.levels.entry(ids[0].clone()).or_default().stars = 0;
    assert!(!c.is_unlocked(&p, &ids[1]), "a miss unlocks nothing");
    p.levels.entry(ids[0].clone()).or_default().stars = 1;
    assert!(c.is_unlocked(&p, &ids[1]));
    assert_eq!(c.resume(&p).map(|l| l.id.clone()), Some(ids[1].clone()));
    if ids.len() > 2 {
        assert!(!c.is_unlocked(&p, &ids[2]));
    }
    if ids.len() > 3 {
        // Stars earned on a level opened by its file out of order: it
        // shows open (it showed locked beside the next one, open).
        let mut q = Progress::fresh();
        q.levels.entry(ids[2].clone()).or_default().stars = 3;
        assert!(c.is_unlocked(&q, &ids[2]) && c.is_unlocked(&q, &ids[3]));
        assert!(!c.is_unlocked(&q, &ids[1]));
    }
}

#[test]
fn an_extra_fault_the_design_cannot_survive_costs_only_the_third_star() {
    let c = campaign();
    let Some(level) = c.levels().find(|l| !l.spec.three_stars.chaos.is_empty()) else {
        return;
    };
    let (sol, _) = solution(level);
    let survived = graded(level, &sol, 0);
    assert_eq!(survived.stars, 3, "{}", survived.to_text());
    let n = sol.objectives.len() + level.spec.three_stars.objectives.len();
    assert_eq!(survived.extra_fault.len(), n, "every objective again");
    assert!(survived.extra_fault.iter().all(|c| c.pass));
    // The same fault, lasting to the end of the run: too much to survive.
    let mut harsh = level.clone();
    for event in &mut harsh.spec.three_stars.chaos {
        event.remove("for");
    }
    let g = graded(&harsh, &sol, 0);
    assert_eq!(g.stars, 2, "{}", g.to_text());
    assert!(g.extra_fault.iter().any(|c| !c.pass), "{}", g.to_text());
    assert!(
        g.to_json()["extra_fault"]
            .as_array()
            .is_some_and(|a| a.len() == n)
    );
}

#[test]
fn limits_reach_inside_a_node_s_calls() {
    let c = campaign();
    let level = c
        .levels()
        .find(|l| l.id == "08-case-studies/01-n-plus-one")
        .expect("level 8.1");
    let call = |repeat: &str, pool: &str| {
        format!(
            "app.calls=[{{ to = \"db\", key = \"derived\", keys = {{ count = 1_000_000 }}, repeat = {repeat}, latency = \"0.5ms\"{pool} }}]"
        )
    };
    let refused = |set: String| -> String {
        match campaign::grade(level, &design(level, &[set.as_str()]), 0) {
            Ok(g) => panic!("{set} was graded: {}", g.to_text()),
            Err(r) => r.to_string(),
        }
    };
    let pool = |n: u32| format!(", pool = {{ size = {n}, acquire_timeout = \"500ms\" }}");
    let r = refused(call("1", &pool(25)));
    assert!(
        r.contains("`app.calls.db.repeat` = 1 is under the level's least of 5"),
        "{r}"
    );
    let r = refused(call("5", &pool(26)));
    assert!(
        r.contains("`app.calls.db.pool.size` = 26 is over the level's limit of 25"),
        "{r}"
    );
    let r = refused(call("5", ""));
    assert!(
        r.contains("`app.calls.db.pool.size` is not set (no limit)"),
        "{r}"
    );
    let r = refused(call("{ dist = \"poisson\", mean = 5 }", &pool(25)));
    assert!(r.contains("is not a plain number"), "{r}");
    // Within the limits: graded.
    let ok = design(level, &[call("5", &pool(25)).as_str()]);
    assert!(campaign::grade(level, &ok, 0).is_ok());
}

// ---- money alone ---------------------------------------------------------

/// The capacity counts a learner can buy.
const MONEY: [&str; 6] = [
    "replicas",
    "workers",
    "capacity",
    "read_replicas",
    "consumers",
    "shards",
];

/// Every way to buy more of the starting design: each unlocked count alone
/// at one more, ×1.5, ×2, ×3, ×4 and the level's upper limit, then all of them together at ×2
/// and ×4 (a count the node lacks starts at 1; a field its kind does not
/// have is skipped by the loader); each also with the level's rate
/// limiters opened wide, and the limiters opened alone.
fn money_only_designs(level: &Level) -> Vec<Vec<String>> {
    let mut knobs = Vec::new();
    for (id, table) in campaign::rules::node_tables(&level.model) {
        let kind = table.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        for field in MONEY {
            if !level.spec.is_unlocked(&id, field) {
                continue;
            }
            let now = table.get(field).and_then(|v| v.as_integer()).unwrap_or(1);
            let max = level.spec.max_of(&id, kind, field).map(|m| m as i64);
            knobs.push((format!("{id}.{field}"), now, max));
        }
    }
    let at = |now: i64, factor: i64, max: Option<i64>| {
        let want = now.max(1) * factor;
        max.map_or(want, |m| want.min(m))
    };
    let mut designs = Vec::new();
    for (knob, now, max) in &knobs {
        let base = (*now).max(1);
        let mut values = vec![now + 1, (base * 3 + 1) / 2, base * 2, base * 3, base * 4];
        values.extend(*max);
        values.sort_unstable();
        values.dedup();
        for value in values
            .into_iter()
            .filter(|v| v > now && max.is_none_or(|m| *v <= m))
        {
            designs.push(vec![format!("{knob}={value}")]);
        }
    }
    if knobs.len() > 1 {
        for factor in [2, 4] {
            designs.push(
                knobs
                    .iter()
                    .map(|(k, now, max)| format!("{k}={}", at(*now, factor, *max)))
                    .collect(),
            );
        }
    }
    // A rate limiter opened wide (its rate and burst at the level's
    // limit) in front of the capacity bought: 9.10 passed that way.
    let opened = opened_limiters(level);
    if !opened.is_empty() {
        let bought = designs.clone();
        designs.push(opened.clone());
        for mut set in bought {
            set.extend(opened.iter().cloned());
            designs.push(set);
        }
    }
    designs
}

/// Each unlocked rate and burst of the level's rate limiters at its upper
/// limit (a million where there is none).
fn opened_limiters(level: &Level) -> Vec<String> {
    let mut set = Vec::new();
    for (id, table) in campaign::rules::node_tables(&level.model) {
        let kind = table.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        if kind != "rate_limiter" {
            continue;
        }
        for field in ["rate", "burst"] {
            if table.get(field).is_some() && level.spec.is_unlocked(&id, field) {
                let max = level.spec.max_of(&id, kind, field).unwrap_or(1e6);
                set.push(format!("{id}.{field}={}", max as i64));
            }
        }
    }
    set
}

/// Whether the level's lesson is sizing: its reference solution only buys
/// capacity (then the right amount may pass, and only at par).
fn teaches_sizing(level: &Level) -> bool {
    let text = std::fs::read_to_string(solution_path(level)).expect("solution");
    let sol: toml::Table = text.parse().expect("solution toml");
    let set = sol
        .get("set")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    sol.get("add").is_none()
        && set.iter().all(|s| {
            s.as_str()
                .and_then(|s| s.split_once('=')?.0.split_once('.'))
                .is_some_and(|(_, field)| MONEY.contains(&field))
        })
}

/// A level teaches a design, not a budget: no amount of the starting
/// design's own capacity passes its exam, except the right amount in a
/// level about sizing (at par; more is over budget).
#[test]
fn money_alone_cannot_pass_a_level() {
    let c = campaign();
    let levels: Vec<&Level> = c.levels().collect();
    let found: Vec<(String, usize, Vec<String>)> = levels
        .par_iter()
        .map(|level| {
            let sizing = teaches_sizing(level);
            let mut tried = 0;
            let mut passes = Vec::new();
            for set in money_only_designs(level) {
                let Ok(m) = level.load_design(None, &set) else {
                    continue;
                };
                let Ok(g) = campaign::grade(level, &m, 0) else {
                    continue;
                };
                tried += 1;
                if g.passed && !(sizing && g.cost <= level.spec.par + 1e-9) {
                    passes.push(format!(
                        "{} ({}★, ${:.2}/h)",
                        set.join(" "),
                        g.stars,
                        g.cost
                    ));
                }
            }
            (level.id.clone(), tried, passes)
        })
        .collect();
    let mut failures = Vec::new();
    for (id, tried, passes) in &found {
        println!(
            "{id:<45} {tried} money-only designs graded, {} passed",
            passes.len()
        );
        failures.extend(passes.iter().map(|p| format!("{id}: {p}")));
    }
    let tried: usize = found.iter().map(|f| f.1).sum();
    assert!(tried >= 150, "only {tried} money-only designs graded");
    assert!(
        failures.is_empty(),
        "money alone passes:\n{}",
        failures.join("\n")
    );
}

// ---- cheats a playtest found ---------------------------------------------

/// The level's text with `extra` appended (an added node).
fn with_nodes(level: &Level, extra: &str, set: &[&str]) -> Result<Model, String> {
    let text = std::fs::read_to_string(&level.path).expect("level") + extra;
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    scenario::load_str(&text, "cheat.toml", &set).map_err(|d| scenario::render(&d))
}

/// Designs that do less work than the story needs: each is refused with
/// a reason, or fails an objective that says what is missing.
#[test]
fn designs_that_skip_the_story_s_work_do_not_pass() {
    let c = campaign();
    let level = |id: &str| c.level(id).unwrap_or_else(|| panic!("{id}")).clone();
    let bare_cache =
        "\n[[node]]\nid = \"cache\"\nkind = \"cache\"\ncapacity = 100_000\ncost_per_hour = 0.50\n";
    let refused = [
        // A cache with nothing behind it: every redirect "misses" at once.
        (
            "01-url-shortener/02-cache",
            bare_cache,
            vec![r#"api.calls=[{ to = "cache", when = "read" }, { to = "db", when = "write" }]"#],
            "`cache` has nothing behind it",
        ),
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace("0.50\n", "0.50\nwrite_policy = \"write_through\"\n"),
            vec![r#"api.calls=["cache", { to = "db", when = "write" }]"#],
            "`cache` has nothing behind it",
        ),
        // A lookup that takes no time.
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace("0.50\n", "0.50\non_miss = \"db\"\nhit_time = \"0ms\"\n"),
            vec![r#"api.calls=[{ to = "cache", when = "read" }, { to = "db", when = "write" }]"#],
            "`cache.hit_time` = 0s is under the level's least",
        ),
        // Presence kept only in a cache that drops what it is told.
        (
            "03-chat/02-presence",
            "\n[[node]]\nid = \"presence\"\nkind = \"cache\"\ncapacity = 100_000\ncost_per_hour = 0.30\n",
            vec![r#"presence-api.calls=["presence"]"#],
            "drops every write",
        ),
        // Positions written back once an hour: nothing is ever saved.
        (
            "04-ride-hailing/01-locations",
            "",
            vec![
                "positions.write_policy=\"write_back\"",
                "positions.flush_interval=\"1h\"",
            ],
            "`positions.flush_interval` = 1h is over the level's limit",
        ),
        (
            "06-file-storage/03-scan-outage",
            "",
            vec!["scans.max_attempts=1000"],
            "`scans.max_attempts` = 1000 is over the level's limit",
        ),
        // Calls that wait an hour never fail, so retries never storm.
        (
            "07-public-api/02-retrying-clients",
            "",
            vec![
                r#"sdk.calls=[ { to = "lb", timeout = "1h", retry = { attempts = 5, backoff = "0s", jitter = "none" } } ]"#,
            ],
            "`sdk.calls.lb.timeout` = 1h is over the level's limit",
        ),
        (
            "09-mechanisms/01-retry-storm",
            "",
            vec![
                r#"api.calls=[ { to = "backend", timeout = "1h", retry = { attempts = 4, backoff = "10ms", jitter = "full" } } ]"#,
            ],
            "`api.calls.backend.timeout` = 1h is over the level's limit",
        ),
        // A presence store too small to hold anyone: every lookup 'offline'.
        (
            "03-chat/02-presence",
            "\n[[node]]\nid = \"presence\"\nkind = \"cache\"\ncapacity = 1\nttl = \"60s\"\nwrite_policy = \"write_through\"\ncost_per_hour = 0.30\n",
            vec![r#"presence-api.calls=["presence"]"#],
            "`presence.capacity` = 1 is under the level's least",
        ),
        // Reads that call nothing: the database only ever sees writes.
        (
            "01-url-shortener/02-cache",
            "",
            vec![r#"api.calls=[{ to = "db", when = "write" }]"#],
            "`api` no longer sends its reads on to `db`",
        ),
        // A new callee for the writes let the reads go nowhere: the node
        // "sent somewhere new", so none of its edges was checked.
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace("0.50\n", "0.50\non_miss = \"db\"\n"),
            vec![r#"api.calls=[{ to = "cache", when = "write" }, { to = "db", when = "write" }]"#],
            "`api` no longer sends its reads on to `db`",
        ),
        (
            "02-news-feed/01-fan-out",
            "",
            vec![
                r#"api.calls=[{ to = "posts", when = "write" }, { to = "fanout", when = "write" }]"#,
                "posts.read_replicas=0",
            ],
            "`api` no longer sends its reads on to `posts`",
        ),
        (
            "09-mechanisms/04-queue-absorbs-spike",
            "",
            vec![r#"api.calls=[{ to = "jobs", when = "write" }]"#],
            "`api` no longer reaches `worker`",
        ),
        (
            "09-mechanisms/09-hot-shard",
            "\n[[node]]\nid = \"cache\"\nkind = \"cache\"\ncapacity = 1\non_miss = \"db\"\ncost_per_hour = 0.10\n",
            vec![r#"api.calls=[{ to = "cache", when = "write" }]"#],
            "`api` no longer reaches `db`",
        ),
        (
            "09-mechanisms/12-replication-lag",
            "\n[[node]]\nid = \"cache\"\nkind = \"cache\"\ncapacity = 1\non_miss = \"db\"\ncost_per_hour = 0.10\n",
            vec![
                r#"api.calls=[{ to = "cache", when = "write" }]"#,
                "db.read_replicas=0",
            ],
            "`api` no longer sends its reads on to `db`",
        ),
        // A read-through cache the edits bypass: no replica read is
        // stale, yet the cached profiles never see an edit.
        (
            "09-mechanisms/12-replication-lag",
            "\n[[node]]\nid = \"cache\"\nkind = \"cache\"\ncapacity = 100_000\nhit_time = \"0.5ms\"\non_miss = \"db\"\ncost_per_hour = 0.10\n",
            vec![
                r#"api.calls=[{ to = "cache", when = "read" }, { to = "db", when = "write" }]"#,
                "db.read_replicas=0",
            ],
            "`cache` is read through while no write reaches it",
        ),
        // Every read sent on as a write to a write-back cache that
        // flushes once an hour: the database sees nothing at all.
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace(
                "0.50\n",
                "0.50\non_miss = \"db\"\nwrite_policy = \"write_back\"\nflush_interval = \"1h\"\n",
            ),
            vec![r#"api.calls=[{ to = "cache", op = "write" }]"#],
            "`api`'s call to `cache` turns its reads into writes",
        ),
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace(
                "0.50\n",
                "0.50\non_miss = \"db\"\nwrite_policy = \"write_back\"\nflush_interval = \"1h\"\n",
            ),
            vec![r#"api.calls=["cache"]"#],
            "`cache.flush_interval` = 3600s is over 10s",
        ),
        // A call to the pricing provider that never fires (riders only
        // read), and one whose refusals a fallback answers with no price.
        (
            "04-ride-hailing/03-pricing",
            "",
            vec![
                r#"matching.calls=[{ to = "pricing", when = "write", key = "derived", keys = { count = 100 }, timeout = "2s" }, "dispatch"]"#,
            ],
            "`matching` no longer reaches `pricing`",
        ),
        (
            "04-ride-hailing/03-pricing",
            "",
            vec![
                "matching.replicas=1",
                r#"matching.calls=[{ to = "pricing", key = "derived", keys = { count = 100 }, timeout = "50ms", fallback = "dispatch" }, "dispatch"]"#,
            ],
            "`matching`'s call to `pricing` has a fallback",
        ),
        // A hedged write (the seventh playtest): history written twice
        // for a lower p99 (two stars on 3.1), every upload sent twice
        // (a star on 6.1).
        (
            "03-chat/01-publish",
            "",
            vec![
                "chat.replicas=1",
                r#"chat.calls=[{to="history",hedge="5ms"},{ to = "push", key = "derived", keys = { count = 1_000_000 }, repeat = 5, parallel=true }]"#,
            ],
            "`chat`'s call to `history` hedges its writes",
        ),
        (
            "06-file-storage/01-direct-upload",
            "",
            vec![r#"api.calls=["meta", {to="storage", hedge="1ns"}]"#],
            "`api`'s call to `storage` hedges its writes",
        ),
        // The same write sent again after a 12 ms timeout while the first
        // goes on (the eighth playtest; 2 592 history writes for 2 000
        // messages, two stars on 3.1).
        (
            "03-chat/01-publish",
            "",
            vec![
                "chat.replicas=2",
                r#"chat.calls=[{to="history",timeout="12ms",retry={attempts=6,backoff="0ms",jitter="none"}},{ to="push", key="derived", keys={count=1_000_000}, repeat=5, parallel=true }]"#,
            ],
            "`chat`'s call to `history` retries its writes after a timeout",
        ),
        // The celebrity's post written 3 000 times into star-posts.
        (
            "02-news-feed/03-celebrity",
            "",
            vec![r#"star-api.calls=[{ to = "star-posts", repeat = 3000, parallel = true }]"#],
            "`star-api.calls.star-posts.repeat` = 3000 is over the level's limit of 1",
        ),
        // Every celebrity post copied under all hundred keys, and each
        // timeline read asking for one: every lookup hits (three stars on
        // 2.3 without the lesson's merge of the celebrities followed).
        (
            "02-news-feed/03-celebrity",
            "",
            vec![
                r#"star-api.calls=[{to="star-posts", key="derived", keys={count=100}, repeat=100, parallel=true}]"#,
                r#"api.calls=[{to="cache", when="read" }, { to="star-posts", when="read", key="derived", keys={count=1} }, { to="fanout", when="write" }]"#,
            ],
            "`api.calls.star-posts.keys.count` = 1 is under the level's least of 100",
        ),
        // One shard and four read replicas: the hot key's reads spread
        // over replicas, no cache, two stars at par on 9.9.
        (
            "09-mechanisms/09-hot-shard",
            "",
            vec!["db.shards=1", "db.read_replicas=4"],
            "`db.shards` = 1 is under the level's least of 4",
        ),
        // Two fixed servers and an autoscaler that looks once, a second
        // before the end: the night's bill without following the evening
        // (three stars on 3.3).
        (
            "03-chat/03-evening-peak",
            "",
            vec![
                "ws.replicas=2",
                r#"ws.autoscale={ target = 1.0, min = 1, max = 2, interval = "74s", cold_start = "2s" }"#,
            ],
            "`ws.autoscale.interval` = 74s is over the level's limit of 10s",
        ),
        // The queries' network round trip dropped: three stars on 8.1.
        (
            "08-case-studies/01-n-plus-one",
            "",
            vec![
                r#"app.calls=[{ to = "db", key = "derived", keys = { count = 1_000_000 }, repeat = 5, latency = "0ms", pool = { size = 25, acquire_timeout = "500ms" } }]"#,
                "db.read_replicas=0",
                "app.replicas=1",
            ],
            "`app`'s call to `db` crosses the network in 0s on average where the level's takes 500us",
        ),
        // A page that reads one item of its four: its p99 meets the tail
        // a quarter as often, with no hedge.
        (
            "09-mechanisms/08-hedged-requests",
            "",
            vec![r#"page.calls=[{ to = "store", timeout = "1s" }]"#],
            "`page` calls `store` once a visit where the level's design calls it 4 times",
        ),
        // "Who is near me?" asked of one shard chosen by the rider, or at
        // random: it would miss the drivers on the other shards.
        (
            "04-ride-hailing/02-geo-shards",
            "",
            vec![r#"nearby.calls=["geo"]"#, "geo.shards=3"],
            "a derived key",
        ),
        (
            "04-ride-hailing/02-geo-shards",
            "",
            vec![
                r#"nearby.calls=[{ to = "geo", key = "random", keys = { count = 1_000_000 } }]"#,
                "geo.shards=3",
            ],
            "`nearby` calls `geo` once a visit where the level's design calls it 8 times",
        ),
        // No pool at all: connections without end, nothing to size.
        (
            "09-mechanisms/05-pool-exhausted",
            "",
            vec![r#"api.calls=["db"]"#],
            "`api.calls.db.pool.size` is not set",
        ),
        // The slow reports told to take 1 ms, through the call.
        (
            "07-public-api/03-bulkhead",
            "",
            vec![
                r#"gateway.calls=[{ to = "orders", when = "write" }, { to = "reports", when = "read", service_time = "1ms" }]"#,
            ],
            "`reports.service_time` is locked",
        ),
        // One upload in a hundred handed on to storage, the rest answered
        // by the API with nothing stored.
        (
            "06-file-storage/01-direct-upload",
            "",
            vec![
                r#"api.calls=["meta"]"#,
                r#"api.to=[{ to = "storage", p = 0.01 }]"#,
                "api.replicas=1",
            ],
            "forwards only a share (`p`) of its writes to `storage`",
        ),
        // Each read given up after 10 ms and asked again, no hedge: a
        // hedge that abandons its first copy (three stars on 9.8, a
        // debrief that praised hedging).
        (
            "09-mechanisms/08-hedged-requests",
            "",
            vec![
                r#"page.calls=[{ to="store", timeout="10ms", retry={attempts=5, backoff="0ms"} }, { to="store", timeout="10ms", retry={attempts=5, backoff="0ms"} }, { to="store", timeout="10ms", retry={attempts=5, backoff="0ms"} }, { to="store", timeout="10ms", retry={attempts=5, backoff="0ms"} }]"#,
            ],
            "`page.calls.store.timeout` = 10ms is under the level's least of 50ms",
        ),
        // Four reads sent at once and the page answered by the first.
        (
            "09-mechanisms/08-hedged-requests",
            "",
            vec![r#"page.calls=[{ to = "store", repeat = 4, parallel = true, wait = "first" }]"#],
            "sends 4 copies and waits for 1",
        ),
        // Every read asks the cache for the same key: it always hits.
        (
            "01-url-shortener/02-cache",
            &*bare_cache.replace("0.50\n", "0.50\non_miss = \"db\"\n"),
            vec![
                r#"api.calls=[{ to = "cache", when = "read", key = "random", keys = { count = 1 } }, { to = "db", when = "write" }]"#,
            ],
            "reach `db` only through calls with keys of their own",
        ),
        // An added CDN that starts full, or sits next to its origin.
        (
            "05-video-streaming/01-cdn",
            "\n[[node]]\nid = \"edge\"\nkind = \"cdn\"\ncapacity = 100_000\norigin = \"origin\"\ncost_per_hour = 0.50\nwarm = true\n",
            vec![r#"gateway.calls=["edge"]"#, "origin.replicas=1"],
            "`edge.warm` is set: an added cache starts empty",
        ),
        (
            "05-video-streaming/01-cdn",
            "\n[[node]]\nid = \"edge\"\nkind = \"cdn\"\ncapacity = 100_000\norigin = \"origin\"\ncost_per_hour = 0.50\nmiss_penalty = \"0s\"\n",
            vec![r#"gateway.calls=["edge"]"#, "origin.replicas=1"],
            "`edge.miss_penalty` is under 50 ms",
        ),
        // A replica that boots at once leaves no cold start to teach.
        (
            "09-mechanisms/03-autoscale-cold-start",
            "",
            vec![
                r#"web.autoscale={ metric = "utilisation", target = 0.6, min = 2, max = 10, interval = "5s", cooldown = "10s", cold_start = "1ms" }"#,
            ],
            "`web.autoscale.cold_start` = 1ms is under the level's least",
        ),
        // Posts fanned out to timelines but never stored (it failed the
        // posts throughput objective; the writes now keep their edge).
        (
            "02-news-feed/01-fan-out",
            "",
            vec![
                r#"api.calls=[{ to = "timelines", when = "read" }, { to = "fanout", when = "write" }]"#,
                "posts.read_replicas=0",
            ],
            "`api` no longer sends its writes on to `posts`",
        ),
        // The tricks of the fourth playtest: a type sent to an existing
        // node its sender did not call before let every other edge go.
        (
            "03-chat/01-publish",
            "",
            vec![r#"chat.calls=["to-push"]"#, "chat.replicas=1"],
            "`chat` no longer reaches `history`",
        ),
        (
            "06-file-storage/03-scan-outage",
            "",
            vec![r#"scans.calls=["thumbnailer"]"#],
            "no longer reaches",
        ),
        (
            "08-case-studies/03-async-work",
            "",
            vec![
                r#"checkout.calls=["after-checkout"]"#,
                "checkout.replicas=1",
                "after-checkout.consumers=128",
            ],
            "no longer reaches",
        ),
        // A design without the call a level limit names (7.2's
        // `sdk.calls.lb.timeout`) was refused as a mistake in the level
        // file; it is the design that dropped `lb`.
        (
            "07-public-api/02-retrying-clients",
            "",
            vec![r#"sdk.calls=[{ to = "api", timeout = "900ms" }]"#],
            "`sdk` no longer reaches `lb`",
        ),
        // One big database instance: no shards, so no hot one.
        (
            "09-mechanisms/09-hot-shard",
            "",
            vec!["db.shards=1", "db.workers=16", "db.read_replicas=0"],
            "`db.workers` = 16 is over the level's limit",
        ),
    ];
    for (id, extra, set, why) in refused {
        let l = level(id);
        let m = with_nodes(&l, extra, &set).unwrap_or_else(|e| panic!("{id}: {e}"));
        match campaign::grade(&l, &m, 0) {
            Ok(g) => panic!("{id} {set:?} was graded: {}", g.to_text()),
            Err(r) => assert!(r.to_string().contains(why), "{id}: {r}"),
        }
    }
    let failed = [
        // Timelines read but never written: the fan-out never runs.
        (
            "02-news-feed/01-fan-out",
            vec![
                r#"api.calls=[{ to = "timelines", when = "read" }, { to = "posts", when = "write" }]"#,
                "posts.read_replicas=0",
            ],
            "throughput at fanout above",
        ),
        // Every report failed at once, sick backend or not.
        (
            "07-public-api/03-bulkhead",
            vec![
                r#"gateway.calls=[{ to = "orders", when = "write" }, { to = "reports", when = "read", timeout = "1ms" }]"#,
            ],
            "throughput of workload reports above",
        ),
        // A fan-out starved so far behind that invalidations never land.
        (
            "02-news-feed/02-timeline-cache",
            vec!["fanout.consumers=1"],
            "oldest_message_age at fanout below",
        ),
        // The celebrity's post stored once and never read.
        (
            "02-news-feed/03-celebrity",
            vec![r#"star-api.calls=["star-posts"]"#],
            "hits_per_second at star-posts above",
        ),
        // star-posts' throughput made of lookups of a star-posts nothing
        // writes (the post sent to the timeline cache instead): no
        // timeline read finds one. (Written 3 000 times is now over the
        // level's limit, among the refusals.)
        (
            "02-news-feed/03-celebrity",
            vec![
                r#"star-api.calls=["cache"]"#,
                r#"api.calls=[{ to = "cache", when = "read" }, { to = "star-posts", when = "read", key = "derived", keys = { count = 100 }, repeat = 3, parallel = true }, { to = "fanout", when = "write" }]"#,
            ],
            "hits_per_second at star-posts above",
        ),
        // A database starved to one worker: its line never drains, and
        // the requests in it were never measured (p99 0.5 ms).
        (
            "09-mechanisms/02-cache-stampede",
            vec!["db.workers=1"],
            "p999 below",
        ),
        (
            "09-mechanisms/07-cold-cache",
            vec!["db.workers=1"],
            "p99 below",
        ),
        // Subscribers and consumers starved: their queues grow all run.
        (
            "03-chat/01-publish",
            vec![
                r#"chat.calls=["messages"]"#,
                "chat.replicas=1",
                "to-push.consumers=1",
                "to-history.consumers=1",
            ],
            "oldest_message_age at to-history below",
        ),
        (
            "09-mechanisms/04-queue-absorbs-spike",
            vec![r#"api.calls=["jobs"]"#, "jobs.consumers=1"],
            "oldest_message_age at jobs below",
        ),
        (
            "09-mechanisms/11-backpressure",
            vec!["orders.consumers=1"],
            "oldest_message_age at orders below",
        ),
        // The refused orders parked for 59 s, past the run's end: none
        // dead-lettered, none written, and the oldest message's age left
        // out the messages waiting out a backoff (1 star).
        (
            "09-mechanisms/11-backpressure",
            vec![r#"orders.redelivery_backoff="59s""#],
            "oldest_message_age at orders below",
        ),
        // Retries parked ten seconds apart, a hundred times: no call ever
        // fails within the run, and none is answered either.
        (
            "07-public-api/02-retrying-clients",
            vec![
                r#"sdk.calls=[{ to = "lb", timeout = "200ms", retry = { attempts = 100, backoff = "10s", max_backoff = "10s" } }]"#,
            ],
            "p99 below",
        ),
        // Too few consumers for the jobs (Little's law asks 85): the
        // queue fills past the run's end, every objective of the run held
        // (three stars on 8.3).
        (
            "08-case-studies/03-async-work",
            vec![
                r#"checkout.calls=[{ to = "payments", timeout = "1s" }, "after-checkout"]"#,
                "checkout.replicas=1",
                "after-checkout.consumers=70",
            ],
            "utilisation at after-checkout below",
        ),
        // Positions written back every millisecond: no update merged, the
        // trips database busy 100 % and its line growing all run, while
        // the cache answers at once (three stars on 4.1).
        (
            "04-ride-hailing/01-locations",
            vec![
                r#"positions.write_policy="write_back""#,
                r#"positions.flush_interval="1ms""#,
            ],
            "oldest_message_age at trips below",
        ),
        // Scans put off for ten minutes: nothing dead-lettered, nothing
        // scanned either.
        (
            "06-file-storage/03-scan-outage",
            vec!["scans.max_attempts=2", r#"scans.redelivery_backoff="10m""#],
            "backlog at scans below",
        ),
    ];
    for (id, set, missed) in failed {
        let l = level(id);
        let m = with_nodes(&l, "", &set).unwrap_or_else(|e| panic!("{id}: {e}"));
        let g = graded(&l, &m, 0);
        assert!(!g.passed, "{id} {set:?} passed:\n{}", g.to_text());
        let miss = g.objectives.iter().find(|c| c.label.contains(missed));
        assert!(
            miss.is_some_and(|c| !c.pass),
            "{id}: `{missed}` should be the miss:\n{}",
            g.to_text()
        );
    }
}

/// A pass text quoting a figure the run has not (the reference's node id
/// `cache`, where the learner named the cache otherwise) leaves that
/// sentence out: 9.9 said "The cache answers n/a of the reads".
#[test]
fn a_pass_text_leaves_out_a_sentence_whose_figure_the_run_has_not() {
    let c = campaign();
    let l = c.level("09-mechanisms/09-hot-shard").expect("9.9").clone();
    let hot = "\n[[node]]\nid = \"hot\"\nkind = \"cache\"\ncapacity = 1_000\nhit_time = \"0.5ms\"\non_miss = \"db\"\ncost_per_hour = 0.10\n";
    let m = with_nodes(&l, hot, &[r#"api.calls=["hot"]"#]).expect("loads");
    let g = graded(&l, &m, 0);
    assert!(g.passed, "{}", g.to_text());
    assert_debrief(&l, &g, "pass, the cache named `hot`");
    assert!(
        !g.debrief.contains("The cache answers") && g.debrief.contains("p99 is"),
        "{}",
        g.debrief
    );
}

/// 8.2's lesson is the breaker: a call timeout alone holds the objectives
/// (two stars: it earned three) but keeps sending the sick provider every
/// charge, so the third star asks that it be left alone.
#[test]
fn a_timeout_without_a_breaker_does_not_earn_the_slow_provider_s_third_star() {
    let c = campaign();
    let l = c
        .level("08-case-studies/02-slow-provider")
        .expect("8.2")
        .clone();
    let set = [
        r#"payments.calls=[{ to = "db", when = "read" }, { to = "provider", when = "write", timeout = "100ms" }, { to = "db", when = "write" }]"#,
        "payments.replicas=1",
    ];
    two_stars_the_third_missed(&l, "", &set, "throughput at provider below");
    // A pool of 14 that refuses at once, no breaker: it keeps 14 charges
    // at the sick provider (three stars, and a debrief of "0 charges
    // failed at once by a breaker", before the bound of 260).
    let set = [
        r#"payments.calls=[{ to = "db", when = "read" }, { to = "provider", when = "write", timeout = "100ms", pool = { size = 14, acquire_timeout = "1ms" } }, { to = "db", when = "write" }]"#,
        "payments.replicas=1",
    ];
    let g = two_stars_the_third_missed(&l, "", &set, "throughput at provider below");
    assert!(!g.debrief.contains("by a breaker"), "{}", g.debrief);
    assert!(g.debrief.contains("pooled connection"), "{}", g.debrief);
}

/// 3.1's third star is "'sent' as soon as the message is stored": a
/// sender that stores through `to-history` but waits for five parallel
/// pushes holds p99 under 10 ms (it earned three stars), so the third
/// star also asks that delivery work from its own queue.
#[test]
fn a_sender_that_waits_for_delivery_does_not_earn_the_publish_s_third_star() {
    let l = campaign().level("03-chat/01-publish").expect("3.1").clone();
    let set = [
        r#"chat.calls=["to-history", { to="push", key="derived", keys={count=1_000_000}, repeat=5, parallel=true }]"#,
        "chat.replicas=1",
    ];
    let g = two_stars_the_third_missed(&l, "", &set, "throughput at to-push above");
    assert!(!g.debrief.contains("Delivery pushed"), "{}", g.debrief);
}

/// `l` with `nodes` added and `set` applied earns two stars, not three:
/// the third-star condition whose label contains `third` is the one
/// missed. The grade, for what its debrief says.
fn two_stars_the_third_missed(l: &Level, nodes: &str, set: &[&str], third: &str) -> Grade {
    let m = with_nodes(l, nodes, set).expect("loads");
    let g = graded(l, &m, 0);
    assert!(g.passed && g.stars == 2, "{}", g.to_text());
    let missed = g.three_stars.iter().find(|c| c.label.contains(third));
    assert!(missed.is_some_and(|c| !c.pass), "{}", g.to_text());
    g
}

/// 3.2's third star is presence that never touches a disk: a cache that
/// writes heartbeats back to accounts every 10 s answers in 4 ms (it
/// earned three stars while accounts refused 39 041 flushed writes).
#[test]
fn presence_written_back_to_accounts_does_not_earn_the_third_star() {
    let l = campaign()
        .level("03-chat/02-presence")
        .expect("3.2")
        .clone();
    let cache = "\n[[node]]\nid = \"cache\"\nkind = \"cache\"\ncapacity = 100_000\non_miss = \"accounts\"\nwrite_policy = \"write_back\"\nflush_interval = \"10s\"\ncost_per_hour = 0.30\n";
    let set = [r#"presence-api.calls=["cache"]"#];
    let g = two_stars_the_third_missed(&l, cache, &set, "throughput at accounts below");
    assert!(!g.debrief.contains("turned away 0 visits"), "{}", g.debrief);
}

/// A pass text tells the mechanism the design has: a pool that turned
/// calls away is not praised as a breaker (8.2, 9.1 said "failed 0 calls
/// fast" of a design with none), and a breaker is not a pool (7.3).
#[test]
fn a_pass_text_names_the_pool_or_the_breaker_the_design_has() {
    let c = campaign();
    let cases = [
        (
            "09-mechanisms/01-retry-storm",
            r#"api.calls=[{to="backend", timeout="100ms", retry={attempts=4, backoff="10ms", jitter="full"}, pool={size=10, acquire_timeout="1ms"}}]"#,
            "pooled connection",
            "breaker",
        ),
        (
            "07-public-api/03-bulkhead",
            r#"gateway.calls=[{ to = "orders", when = "write" }, { to = "reports", when = "read", timeout = "1s", breaker={failure_rate=0.5, window=20, open_for="2s"} }]"#,
            "A breaker failed",
            "pool",
        ),
    ];
    for (id, calls, says, not) in cases {
        let l = c.level(id).expect(id).clone();
        let m = with_nodes(&l, "", &[calls]).expect("loads");
        let g = graded(&l, &m, 0);
        assert!(g.passed, "{id}: {}", g.to_text());
        assert_debrief(&l, &g, id);
        assert!(
            g.debrief.contains(says) && !g.debrief.contains(not),
            "{id}: {}",
            g.debrief
        );
    }
}

/// A hedge sent at once (1 ns) races two copies of every read: it meets
/// 5.3's p99 but sends twice the reads, so not the third star, whose
/// text asks a hedge at about the store's 95th percentile.
#[test]
fn a_hedge_sent_at_once_does_not_earn_the_manifest_s_third_star() {
    let l = campaign()
        .level("05-video-streaming/03-manifest-tail")
        .expect("5.3")
        .clone();
    let set = [r#"manifest.calls=[{ to = "store", timeout = "1s", hedge = "1ns" }]"#];
    let m = with_nodes(&l, "", &set).expect("loads");
    let g = graded(&l, &m, 0);
    assert!(g.passed && g.stars == 2, "{}", g.to_text());
    let copies = g
        .three_stars
        .iter()
        .find(|c| c.label.contains("throughput at store below"));
    assert!(copies.is_some_and(|c| !c.pass), "{}", g.to_text());
}

/// `loadlab view` of a level file opens that level (briefing, rules,
/// Submit): the file is found in its campaign; a plain scenario is not.
#[test]
fn a_level_file_is_found_in_its_campaign() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("scenarios/campaign/04-ride-hailing/01-locations.toml");
    let (c, id) = Campaign::of_file(&file)
        .expect("its campaign loads")
        .expect("a level of the shipped campaign");
    assert_eq!(id, "04-ride-hailing/01-locations");
    assert!(c.level(&id).is_some());
    let plain = Campaign::of_file(&root.join("scenarios/url-shortener.toml"));
    assert!(matches!(plain, Ok(None)), "{plain:?}");
    assert!(matches!(
        Campaign::of_file(&root.join("no/such/file.toml")),
        Ok(None)
    ));
}

/// A design that misses only the budget is told so with its bill; the
/// level's miss text (the trouble of the starting design) would describe
/// a line that no longer grows.
#[test]
fn a_design_over_budget_only_is_told_its_bill() {
    let c = campaign();
    let level = c
        .level("09-mechanisms/03-autoscale-cold-start")
        .expect("9.3");
    let g = graded(level, &design(level, &["web.workers=8"]), 0);
    assert!(!g.passed, "{}", g.to_text());
    assert!(
        g.debrief
            .starts_with("Every objective holds but the budget")
            && g.debrief.contains("$0.40/h against a budget of $0.30/h"),
        "{}",
        g.debrief
    );
    let start = graded(level, &level.model, 0);
    assert!(
        !start.debrief.contains("Every objective holds"),
        "the starting design misses more than the budget: {}",
        start.debrief
    );
}

/// A design that holds every objective but misses the par is told what
/// costs what (a learner saw only "$1.50/h against a par of $1.30/h"):
/// 2.1's reference with the posts replica it no longer needs kept.
#[test]
fn a_missed_par_is_told_what_costs_what() {
    let c = campaign();
    let level = c.level("02-news-feed/01-fan-out").expect("2.1");
    let (reference, _) = solution(level);
    let mut set = vec!["posts.read_replicas=1".to_string()];
    set.push(
        "api.calls=[{ to = \"timelines\", when = \"read\" }, { to = \"posts\", when = \"write\" }, \
         { to = \"fanout\", when = \"write\" }]"
            .into(),
    );
    let design = level.load_design(None, &set).expect("loads");
    let g = graded(level, &design, 0);
    assert_eq!(g.stars, 1, "objectives held, par missed: {:?}", g.par);
    let over = g
        .what_happened
        .iter()
        .find(|h| h.text.starts_with("over par (the second star): "))
        .unwrap_or_else(|| panic!("{:#?}", g.what_happened));
    assert!(over.text.contains("posts $"), "{}", over.text);
    // The reference (no replica) is within par: nothing of the kind.
    let g = graded(level, &reference, 0);
    assert!(
        g.what_happened
            .iter()
            .all(|h| !h.text.starts_with("over par"))
    );
}
