//! Crash and recover as the window shows them: a crashed service or database reads as down as a whole, one crashed instance as that instance down, and Recover brings back traffic to it.

use std::path::Path;

use loadlab::scenario;
use loadlab::sim::{Command, Model, SimTime, Simulation};

fn model() -> Model {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/url-shortener.toml");
    scenario::load_file(&file, &[]).expect("scenario loads")
}

fn node(model: &Model, id: &str) -> usize {
    model.nodes.iter().position(|n| n.id == id).expect("node")
}

/// Completed visits at node `i` over the next `secs` simulated seconds.
fn completed_over(sim: &mut Simulation, i: usize, secs: f64) -> u64 {
    let before = sim.snapshot().nodes[i].counts.completed;
    let until = sim.now().saturating_add(SimTime::from_secs_f64(secs));
    sim.run_until(until);
    sim.snapshot().nodes[i].counts.completed - before
}

#[test]
fn a_crashed_service_is_down_as_a_whole_and_recover_brings_it_back() {
    let m = model();
    let api = node(&m, "api");
    let mut sim = Simulation::new(m.clone(), m.seed);
    sim.run_until(SimTime::from_secs_f64(6.0));
    assert!(completed_over(&mut sim, api, 1.0) > 1000, "api serves");

    sim.apply(Command::Crash {
        node: api,
        replica: None,
    })
    .expect("crash applies");
    let snap = sim.snapshot().nodes[api].clone();
    assert!(snap.crashed(), "every replica down reads as the node down");
    assert_eq!(snap.running(), 0);
    assert!(
        snap.replicas_down().is_empty(),
        "no per-replica recover offered"
    );
    assert_eq!(
        completed_over(&mut sim, api, 1.0),
        0,
        "nothing completes while down"
    );

    sim.apply(Command::Recover {
        node: api,
        replica: None,
    })
    .expect("recover applies");
    let snap = sim.snapshot().nodes[api].clone();
    assert!(!snap.crashed());
    assert_eq!(snap.running(), 3, "the three replicas serve again");
    sim.run_until(sim.now().saturating_add(SimTime::from_secs_f64(1.0)));
    assert!(completed_over(&mut sim, api, 1.0) > 1000, "traffic is back");
}

#[test]
fn one_crashed_database_instance_is_that_instance_down_until_recovered() {
    let m = model();
    let db = node(&m, "db");
    let mut sim = Simulation::new(m.clone(), m.seed);
    sim.run_until(SimTime::from_secs_f64(6.0));
    sim.apply(Command::Crash {
        node: db,
        replica: Some(1),
    })
    .expect("crash applies");
    let snap = sim.snapshot().nodes[db].clone();
    assert!(
        !snap.crashed(),
        "one instance down is not the database down"
    );
    assert_eq!(snap.replicas_down(), vec![1]);
    assert_eq!(snap.running(), snap.replicas.len() - 1);
    // Work already in service there ends its step (its request has
    // failed); after that the instance takes nothing new.
    sim.run_until(SimTime::from_secs_f64(7.0));
    assert_eq!(
        busy_samples(&mut sim, db, 1),
        0,
        "a down instance serves nothing"
    );

    sim.apply(Command::Recover {
        node: db,
        replica: Some(1),
    })
    .expect("recover applies");
    let snap = sim.snapshot().nodes[db].clone();
    assert!(snap.replicas_down().is_empty());
    assert_eq!(snap.running(), snap.replicas.len());
    // The recovered instance takes work again: seen busy in samples.
    assert!(busy_samples(&mut sim, db, 1) > 0, "instance 1 serves again");
}

/// How many of 200 snapshots, 5 ms apart, find instance `k` of node `i` busy.
fn busy_samples(sim: &mut Simulation, i: usize, k: usize) -> usize {
    (0..200)
        .filter(|_| {
            let t = sim.now().saturating_add(SimTime::from_millis(5));
            sim.run_until(t);
            sim.snapshot().nodes[i].replicas[k].busy > 0
        })
        .count()
}

#[test]
fn a_crashed_cache_is_down_and_recovers() {
    let m = model();
    let cache = node(&m, "cache");
    let mut sim = Simulation::new(m.clone(), m.seed);
    sim.run_until(SimTime::from_secs_f64(6.0));
    sim.apply(Command::Crash {
        node: cache,
        replica: None,
    })
    .expect("crash applies");
    assert!(sim.snapshot().nodes[cache].crashed());
    sim.apply(Command::Recover {
        node: cache,
        replica: None,
    })
    .expect("recover applies");
    assert!(!sim.snapshot().nodes[cache].crashed());
    assert!(
        completed_over(&mut sim, cache, 1.0) > 1000,
        "the cache serves again"
    );
}
