//! A campaign level's rules hold in the editor: a kind the level does not let you add, a node it keeps, a locked knob or a limit passed are refused with the level's reason, and the design is left as it was.

mod cli;
mod editor_steps;

use std::path::Path;

use editor_steps::{add, node};
use loadlab::campaign::Level;
use loadlab::campaign::edit_rules::refusal;
use loadlab::scenario::edit::{Design, Edit};
use toml::Value;

fn level_1_2() -> (Level, Design) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/campaign/01-url-shortener/02-cache.toml");
    let level = Level::load(&path).expect("level 1.2 loads");
    let text = std::fs::read_to_string(&path).expect("its file");
    let design = Design::from_text(&text).expect("its design");
    let prices = level.spec.price.clone();
    (level, design.with_prices(prices))
}

#[test]
fn the_levels_rules_refuse_edits_with_its_reasons() {
    let (level, design) = level_1_2();
    let refused = |e: &Edit| refusal(&level, &design, e);
    // Level 1.2 lets the learner add a cache, nothing else.
    let queue = refused(&add("queue", "q")).expect("no queue here");
    assert!(queue.contains("this level lets you add cache"), "{queue}");
    // An added cache costs the level's price for one (0.50 $/h), as the
    // grader wants.
    assert_eq!(refused(&add("cache", "cache")), None);
    let mut with_cache = design.clone();
    with_cache.apply(&add("cache", "cache")).expect("adds");
    let cost = with_cache
        .node("cache")
        .and_then(|t| t.get("cost_per_hour"))
        .cloned();
    assert_eq!(cost, Some(Value::Float(0.5)));
    // It keeps its nodes, by name.
    let gone = refused(&Edit::RemoveNode { id: "db".into() }).expect("db stays");
    assert!(gone.contains("the level keeps `db`"), "{gone}");
    let renamed = refused(&Edit::RenameNode {
        from: "api".into(),
        to: "web".into(),
    });
    assert!(renamed.is_some_and(|r| r.contains("`api`")));
    // Its limits: at most 6 API replicas, 6 is fine.
    let seven = refused(&node("api", "replicas", Value::Integer(7))).expect("7 is past the limit");
    assert!(
        seven.contains("`api.replicas` = 7 is over the level's limit of 6"),
        "{seven}"
    );
    assert_eq!(refused(&node("api", "replicas", Value::Integer(6))), None);
    // A locked knob, with the story's reason.
    let locked = refused(&node("db", "service_time", Value::String("1ms".into())))
        .expect("db.service_time is locked");
    assert!(locked.contains("already indexed"), "{locked}");
}
