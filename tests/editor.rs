//! The editor's document and history without a window: the URL shortener built edit by edit from a blank canvas runs exactly as the shipped file, undo/redo give back every state, and bad wiring is refused or flagged with the loader's message.

mod cli;
mod editor_steps;

use std::path::Path;

use editor_steps::{add, connect, dist, node, url_shortener_edits};
use loadlab::scenario::edit::{Design, EdgeKind, Edit, History, new_node};
use loadlab::sim::{SimTime, Simulation};
use proptest::prelude::*;
use toml::Value;

fn shipped() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml"),
    )
    .expect("the shipped scenario")
}

#[test]
fn the_url_shortener_built_from_blank_runs_as_the_shipped_file() {
    let mut design = Design::blank("untitled");
    for (k, e) in url_shortener_edits().iter().enumerate() {
        design
            .apply(e)
            .unwrap_or_else(|why| panic!("edit {k} {e:?} refused: {why}"));
    }
    let built = design.check("built.toml").unwrap_or_else(|d| {
        panic!("{}", loadlab::scenario::render(&d));
    });
    let ship = loadlab::scenario::load_str(&shipped(), "url-shortener.toml", &[]).expect("loads");
    let mut a = Simulation::new(built, 42);
    let mut b = Simulation::new(ship, 42);
    a.run_until(SimTime::from_secs(20));
    b.run_until(SimTime::from_secs(20));
    assert!(a.summary().counts.completed > 50_000);
    assert_eq!(a.summary(), b.summary());
}

/// What Save writes, `loadlab run` reads: its summary.json equals the
/// shipped file's but for the file name.
#[test]
fn the_saved_design_gives_run_the_shipped_summary() {
    let mut design = Design::blank("untitled");
    for e in url_shortener_edits() {
        design.apply(&e).expect("applies");
    }
    let dir = cli::TempDir::new("editor-save");
    let built = dir.write("built.toml", design.text().as_bytes());
    let ship = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    let run = |file: &Path, out: &str| editor_steps::summary_10s(file, &dir.0.join(out));
    assert_eq!(run(&built, "built"), run(&ship, "ship"));
    // And the saved text reads back to the same design.
    let again = Design::from_text(&design.text()).expect("reads back");
    assert_eq!(again, design);
}

#[test]
fn bad_wiring_is_refused_or_flagged_with_the_loaders_message() {
    let mut design = Design::blank("wiring");
    for e in url_shortener_edits() {
        design.apply(&e).expect("applies");
    }
    let before = design.clone();
    // Refused at once: an edge the node cannot have, to a node that is not
    // there, a node to itself; the design is left as it was.
    for (e, says) in [
        (
            connect("db", "api", EdgeKind::Call, None),
            "a database cannot have a call edge",
        ),
        (
            connect("api", "ghost", EdgeKind::Call, None),
            "there is no node `ghost`",
        ),
        (
            connect("api", "api", EdgeKind::Call, None),
            "cannot be wired to itself",
        ),
        (
            connect("cache", "db", EdgeKind::Miss, Some("read")),
            "takes every request",
        ),
        (add("service", "api"), "already a node `api`"),
        (add("spaceship", "x"), "no node kind `spaceship`"),
        (add("service", "a.b"), "is not a node id"),
    ] {
        let why = design.apply(&e).expect_err(&format!("{e:?} refused"));
        assert!(why.contains(says), "{e:?}: {why}");
        assert_eq!(design, before, "a refused edit changes nothing");
    }
    // Applied, then flagged by the loader: a cycle of calls, a load
    // balancer over a cache.
    let mut cyclic = before.clone();
    cyclic
        .apply(&connect("cache", "api", EdgeKind::Miss, None))
        .expect("the edge itself is a cache's");
    let why = loadlab::scenario::render(&cyclic.check("cyclic.toml").expect_err("a cycle"));
    assert!(why.contains("cycle"), "{why}");
    let mut lb_cache = before.clone();
    lb_cache
        .apply(&connect("lb", "cache", EdgeKind::Balance, None))
        .expect("replaces the lb's service");
    let why = loadlab::scenario::render(&lb_cache.check("lb.toml").expect_err("lb over a cache"));
    assert!(why.contains("service"), "{why}");
    // A node removed takes its edges along; what needed it is flagged.
    let mut removed = before.clone();
    removed
        .apply(&Edit::RemoveNode { id: "db".into() })
        .expect("removes");
    let text = removed.text();
    assert!(
        !text.contains("\"db\""),
        "no edge names db any more:\n{text}"
    );
    removed.check("removed.toml").expect(
        "a cache without a database behind it is a design (misses are served by the cache)",
    );
    let mut no_api = before.clone();
    no_api
        .apply(&Edit::RemoveNode { id: "api".into() })
        .expect("removes");
    let why = loadlab::scenario::render(&no_api.check("no-api.toml").expect_err("lb over nothing"));
    assert!(why.contains("node `lb`") && why.contains("`to`"), "{why}");
}

/// A call's policies are set in place (`calls.1.timeout`), as the build
/// inspector does under each call edge; a call written as a name becomes a
/// table; a position past the list is refused with the reason.
#[test]
fn a_calls_policies_are_set_by_its_position_in_the_list() {
    let mut design = Design::from_text(&shipped()).expect("the shipped file");
    let timeout = |d: &Design, i: usize| {
        let m = d.check("x.toml").expect("valid");
        let api = m.nodes.iter().find(|n| n.id == "api").expect("api");
        match &api.kind {
            loadlab::sim::model::NodeKind::Service(s) => s.calls[i].policy.timeout,
            _ => panic!("api is a service"),
        }
    };
    assert_eq!(timeout(&design, 1), None);
    design
        .apply(&node(
            "api",
            "calls.1.timeout",
            Value::String("50ms".into()),
        ))
        .expect("sets the db call's timeout");
    assert_eq!(timeout(&design, 1), Some(SimTime::from_millis(50)));
    let retry = dist("attempts = 3\nbackoff = \"5ms\"");
    design
        .apply(&node("api", "calls.1.retry", retry))
        .expect("a retry table");
    assert!(design.text().contains("attempts = 3"), "{}", design.text());
    // The other call is untouched; removing the field takes it away.
    assert_eq!(timeout(&design, 0), None);
    design
        .apply(&Edit::SetField {
            part: loadlab::scenario::edit::Part::Node("api".into()),
            path: "calls.1.timeout".into(),
            value: None,
        })
        .expect("removes");
    assert_eq!(timeout(&design, 1), None);
    // A position the list does not have: refused, the design unchanged.
    let before = design.text();
    let e = design
        .apply(&node("api", "calls.5.timeout", Value::String("1s".into())))
        .expect_err("no sixth call");
    assert!(e.contains("`calls` is a list of 2"), "{e}");
    assert_eq!(design.text(), before);
    // A call written as a name becomes `{ to = ... }` with the field.
    let mut named = Design::from_text(&shipped().replace(
        "calls = [ { to = \"cache\", when = \"read\" }, { to = \"db\", when = \"write\" } ]",
        "calls = [\"db\"]",
    ))
    .expect("a design with a named call");
    assert!(
        named.text().contains(r#"calls = ["db"]"#),
        "{}",
        named.text()
    );
    named
        .apply(&node(
            "api",
            "calls.0.timeout",
            Value::String("20ms".into()),
        ))
        .expect("sets it");
    assert_eq!(timeout(&named, 0), Some(SimTime::from_millis(20)));
}

/// A node that calls another twice (once per type): the inspector's `x`
/// on one row removes that call alone (it removed both, so 1.2's "reads
/// to the cache, writes to the database" could not be wired by mouse);
/// without an index every call to that node goes.
#[test]
fn removing_one_call_keeps_the_other_calls_to_the_same_node() {
    let text = shipped().replace(
        "calls = [ { to = \"cache\", when = \"read\" }, { to = \"db\", when = \"write\" } ]",
        "calls = [ \"db\", \"cache\", { to = \"db\", when = \"write\" } ]",
    );
    let mut design = Design::from_text(&text).expect("three calls");
    let calls = |d: &Design| {
        let m = d.check("x.toml").expect("valid");
        let api = m.nodes.iter().find(|n| n.id == "api").expect("api");
        let ids = |c: &loadlab::sim::model::Call| m.nodes[c.to].id.clone();
        let when = |c: &loadlab::sim::model::Call| c.when.is_some();
        (api.kind.calls().iter())
            .map(|c| (ids(c), when(c)))
            .collect::<Vec<_>>()
    };
    let disconnect = |index| Edit::Disconnect {
        from: "api".into(),
        to: "db".into(),
        kind: EdgeKind::Call,
        index,
    };
    design.apply(&disconnect(Some(0))).expect("the first call");
    assert_eq!(
        calls(&design),
        [("cache".to_string(), false), ("db".to_string(), true)]
    );
    let before = design.text();
    let e = design
        .apply(&disconnect(Some(0)))
        .expect_err("row 0 is the cache's");
    assert!(e.contains("no call edge to `db`"), "{e}");
    assert_eq!(design.text(), before);
    design.apply(&disconnect(None)).expect("every call to db");
    assert_eq!(calls(&design), [("cache".to_string(), false)]);
}

#[test]
fn a_rename_follows_every_reference_and_the_run_is_the_same() {
    let mut design = Design::blank("rename");
    for e in url_shortener_edits() {
        design.apply(&e).expect("applies");
    }
    let before = design.check("a.toml").expect("valid");
    design
        .apply(&Edit::RenameNode {
            from: "db".into(),
            to: "postgres".into(),
        })
        .expect("renames");
    let text = design.text();
    assert!(!text.contains("\"db\""), "{text}");
    let after = design.check("b.toml").expect("still valid");
    let run = |m| {
        let mut sim = Simulation::new(m, 42);
        sim.run_until(SimTime::from_secs(5));
        sim.summary().counts
    };
    assert_eq!(run(before), run(after));
}

#[test]
fn history_keeps_two_hundred_steps_and_knows_what_is_unsaved() {
    let mut h = History::new(Design::blank("h"));
    assert!(!h.unsaved() && !h.can_undo());
    for k in 0..250 {
        h.apply(&Edit::AddNode {
            kind: "service".into(),
            id: None,
            pos: Some([f64::from(k), 0.0]),
        })
        .expect("adds");
    }
    assert!(h.unsaved());
    let mut undone = 0;
    while h.undo() {
        undone += 1;
    }
    assert_eq!(undone, loadlab::scenario::edit::history::DEPTH);
    assert_eq!(h.design().node_ids().len(), 50);
    h.mark_saved();
    assert!(!h.unsaved());
    assert!(h.redo() && h.unsaved());
    assert!(h.undo() && !h.unsaved(), "back at the saved design");
    // A new node's starting fields run as soon as it is wired.
    let api = new_node("service", "api").expect("a kind");
    assert!(api.contains_key("service_time"));
}

/// Edits drawn over the URL shortener: nodes, sources, edges, fields,
/// renames and removals, some refused.
fn edit_strategy() -> impl Strategy<Value = Edit> {
    let ids = prop::sample::select(vec!["lb", "api", "cache", "db", "new", "users"]);
    let kinds = prop::sample::select(vec![
        "service",
        "cache",
        "database",
        "queue",
        "load_balancer",
    ]);
    let edges = prop::sample::select(EdgeKind::ALL.to_vec());
    prop_oneof![
        (kinds, prop::option::of(ids.clone()), -500.0..500.0f64).prop_map(|(k, id, x)| {
            Edit::AddNode {
                kind: k.into(),
                id: id.map(str::to_string),
                pos: Some([x, -x]),
            }
        }),
        ids.clone()
            .prop_map(|id| Edit::RemoveNode { id: id.into() }),
        (ids.clone(), ids.clone()).prop_map(|(a, b)| Edit::RenameNode {
            from: a.into(),
            to: b.into(),
        }),
        (ids.clone(), ids.clone(), edges.clone()).prop_map(|(a, b, k)| connect(a, b, k, None)),
        (ids.clone(), ids.clone(), edges).prop_map(|(a, b, k)| Edit::Disconnect {
            from: a.into(),
            to: b.into(),
            kind: k,
            index: None,
        }),
        (ids.clone(), 1..64i64).prop_map(|(id, n)| node(id, "workers", Value::Integer(n))),
        (ids.clone(), 0..3usize, 1..500i64).prop_map(|(id, i, ms)| node(
            id,
            &format!("calls.{i}.timeout"),
            Value::String(format!("{ms}ms"))
        )),
        (ids.clone(), -1e3..1e3f64).prop_map(|(id, x)| Edit::MoveNode {
            id: id.into(),
            pos: [x, x],
        }),
        (1.0..1e4f64).prop_map(|r| Edit::AddSource {
            name: None,
            to: Some("lb".into()),
            rate: r,
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any edits, then undo all: the design started with; redo all: the
    /// edited one. Refused edits leave nothing to undo.
    #[test]
    fn undo_all_gives_back_the_start_and_redo_all_the_end(edits in prop::collection::vec(edit_strategy(), 1..40)) {
        let mut start = Design::blank("p");
        for e in url_shortener_edits() {
            start.apply(&e).expect("applies");
        }
        let mut h = History::new(start.clone());
        let mut states = vec![start.clone()];
        for e in &edits {
            if h.apply(e).is_ok() && h.design() != states.last().expect("a state") {
                states.push(h.design().clone());
            }
        }
        let end = h.design().clone();
        let mut seen = vec![h.design().clone()];
        while h.undo() {
            seen.push(h.design().clone());
        }
        seen.reverse();
        prop_assert_eq!(&seen, &states, "undo walks back through every state");
        prop_assert_eq!(h.design(), &start);
        while h.redo() {}
        prop_assert_eq!(h.design(), &end);
        // Whatever the edits did, the loader answers (a model or located
        // messages), never a panic.
        let _ = h.design().check("p.toml");
    }
}

/// A design half wired is drawn as far as it is valid: the problems name
/// what is left out, the rest loads (and a lone node gets a trickle of
/// traffic so it is seen); a blank canvas has nothing to draw.
#[test]
fn a_half_wired_design_is_sketched_around_its_problems() {
    let blank = Design::blank("b").sketch("b.toml");
    assert!(blank.model.is_none() && !blank.problems.is_empty());

    let mut d = Design::blank("half");
    d.apply(&add("service", "api")).expect("adds");
    let s = d.sketch("half.toml");
    let m = s.model.expect("a lone service is drawn");
    assert_eq!(m.nodes.len(), 1);
    assert_eq!(m.workloads[0].name, loadlab::scenario::edit::NO_TRAFFIC);
    assert!(
        !s.problems.is_empty(),
        "but the design has no traffic: a problem"
    );

    d.apply(&Edit::AddSource {
        name: Some("users".into()),
        to: Some("api".into()),
        rate: 100.0,
    })
    .expect("adds");
    d.apply(&add("load_balancer", "lb")).expect("adds");
    d.apply(&add("cache", "cache")).expect("adds");
    d.apply(&connect("api", "cache", EdgeKind::Call, None))
        .expect("wires");
    let s = d.sketch("half.toml");
    let why = loadlab::scenario::render(&s.problems);
    assert!(why.contains("node `lb`"), "{why}");
    assert_eq!(s.left_out, vec!["lb".to_string()]);
    let m = s.model.expect("the rest is drawn");
    let ids: Vec<&str> = m.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["api", "cache"]);
    assert_eq!(m.workloads[0].name, "users");

    d.apply(&connect("lb", "api", EdgeKind::Balance, None))
        .expect("wires");
    let s = d.sketch("half.toml");
    assert!(s.problems.is_empty() && s.left_out.is_empty());
    assert_eq!(s.model.expect("valid").nodes.len(), 3);
}

/// Every node kind the loader knows is in the palette (a kind added to the
/// format and not to the palette fails here), and a topic is wired to its
/// subscriber queues like any edge.
#[test]
fn the_palette_offers_every_kind_and_a_topic_wires_its_subscribers() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .expect("the format reference");
    let kinds: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### `kind = \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    for k in &kinds {
        assert!(
            loadlab::scenario::edit::KINDS.contains(k),
            "`{k}` missing from the palette"
        );
    }
    let mut d = Design::blank("topic");
    for e in [
        add("topic", "events"),
        add("queue", "emails"),
        add("queue", "audit"),
    ] {
        d.apply(&e).expect("adds");
    }
    d.apply(&Edit::AddSource {
        name: None,
        to: Some("events".into()),
        rate: 50.0,
    })
    .expect("adds");
    assert!(
        d.sketch("t.toml").left_out.contains(&"events".to_string()),
        "no subscribers yet"
    );
    d.apply(&connect("events", "emails", EdgeKind::Subscribe, None))
        .expect("wires");
    d.apply(&connect("events", "audit", EdgeKind::Subscribe, None))
        .expect("wires");
    let m = d
        .check("t.toml")
        .unwrap_or_else(|e| panic!("{}", loadlab::scenario::render(&e)));
    assert_eq!(m.nodes.len(), 3);
    d.apply(&Edit::RemoveNode { id: "audit".into() })
        .expect("removes");
    assert!(
        d.check("t.toml").is_ok(),
        "one subscriber left: {}",
        d.text()
    );
}

/// The build inspector's "when" offers the design's classes: a call made
/// only for one class loads and routes by it.
#[test]
fn a_call_may_be_wired_for_one_class() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/theory/priority.toml"),
    )
    .expect("the priority scenario");
    let mut design = Design::from_text(&text).expect("loads");
    assert_eq!(design.class_names(), ["urgent", "bulk"]);
    design.apply(&add("database", "audit")).expect("adds");
    design
        .apply(&connect("server", "audit", EdgeKind::Call, Some("bulk")))
        .expect("wires");
    let model = design.check("x.toml").expect("valid");
    let server = model
        .nodes
        .iter()
        .find(|n| n.id == "server")
        .expect("server");
    let loadlab::sim::model::NodeKind::Service(s) = &server.kind else {
        panic!("a service")
    };
    let bulk = model
        .classes
        .iter()
        .position(|c| c.name == "bulk")
        .expect("bulk");
    assert_eq!(
        s.calls[0].when,
        Some(loadlab::sim::model::When::Class(bulk as u16))
    );
}
