//! The terminal summary with 500 replicas: the notes line gives min / median / max and names the outlier instead of a figure per replica.

mod common;

use common::load;
use loadlab::report::{RunInfo, table};
use loadlab::sim::{SimTime, Simulation};

/// 500 replicas behind weighted round robin; replica 7 has weight 40, so it
/// gets 40 times the others' share: about 7.4 times what it can serve.
fn design() -> String {
    let mut weights = vec!["1"; 500];
    weights[7] = "40";
    format!(
        r#"
[scenario]
name = "wide"
duration = "20s"
warmup = "2s"
seed = 5

[[workload]]
name = "users"
to = "lb"
rate = 5000

[[node]]
id = "lb"
kind = "load_balancer"
algorithm = "weighted_round_robin"
weights = [{}]
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 500
workers = 1
queue = 10
service_time = {{ dist = "exponential", mean = "20ms" }}
"#,
        weights.join(", ")
    )
}

#[test]
fn the_notes_line_of_500_replicas_is_short_and_names_the_outlier() {
    let model = load(&design());
    let end = model.duration;
    let mut sim = Simulation::new(model, 5);
    sim.run_until(end);
    let s = sim.summary();
    let info = RunInfo {
        scenario: "wide".into(),
        scenario_file: "wide.toml".into(),
        seed: 5,
        duration: SimTime::from_secs(20),
        overrides: Vec::new(),
    };
    let text = table::render(&info, &s, &[]);
    let line = (text.lines())
        .find(|l| l.trim_start().starts_with("api:"))
        .unwrap_or_else(|| panic!("no notes line for api:\n{text}"));
    assert!(line.len() < 160, "{} characters: {line}", line.len());
    assert!(line.contains("500 replicas: min "), "{line}");
    // The overloaded replica is the maximum and the one outlier named;
    // the others run at 5000 / 539 x 20 ms = 18.6 % on average.
    assert!(line.contains("max 100.0% (#7)"), "{line}");
    assert!(line.contains("outliers #7 100.0%"), "{line}");
    assert!(!line.contains("more"), "{line}");
    let u = &s
        .nodes
        .iter()
        .find(|n| n.id == "api")
        .unwrap()
        .replica_utilisation;
    let mut others: Vec<f64> = (u.iter().enumerate())
        .filter(|(i, _)| *i != 7)
        .map(|(_, u)| u.unwrap())
        .collect();
    others.sort_by(f64::total_cmp);
    let median = others[others.len() / 2];
    assert!((median - 0.186).abs() < 0.03, "median {median}");
}
