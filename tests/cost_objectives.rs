//! Objectives on what a design costs: `cost_per_hour` is the machines' bill, `egress_cost_per_hour` the egress bill and `total_cost_per_hour` both, each judged on the run's own figures; `check` warns a budget on the machines alone when the design pays egress.

mod common;

use common::{load, run_to};
use loadlab::report::objectives::{ObjectiveResult, evaluate};
use loadlab::report::{RunInfo, summary_json};
use loadlab::sim::model::ObjectiveMetric;
use loadlab::sim::{SimTime, Simulation, Summary};

/// Three $2/h replicas answering 100 requests a second; with `egress`
/// each answer is 1 MB billed at $0.05/GB (~$18/h against $6/h of
/// machines). The bounds at $12/h sit between the two bills.
fn design(egress: bool) -> String {
    let (class, bytes, price) = if egress {
        (
            "classes = { get = 1.0 }",
            "[[class]]\nname = \"get\"\nop = \"read\"\nresponse_bytes = \"1MB\"\n",
            "egress_per_gb = 0.05",
        )
    } else {
        ("", "", "")
    };
    format!(
        r#"
[scenario]
name = "bills"
duration = "60s"
warmup = "10s"
seed = 7
{bytes}
[[workload]]
to = "api"
rate = 100
{class}

[[node]]
id = "api"
kind = "service"
replicas = 3
workers = 8
cost_per_hour = 2
service_time = "1ms"
{price}

[[objective]]
metric = "cost_per_hour"
below = 12

[[objective]]
metric = "total_cost_per_hour"
below = 12

[[objective]]
metric = "egress_cost_per_hour"
above = 10

[[objective]]
metric = "total_cost_per_hour"
above = 12
"#
    )
}

fn run(text: &str) -> (Summary, Vec<ObjectiveResult>) {
    let model = load(text);
    let objectives = model.objectives.clone();
    let end = model.duration;
    let mut sim = Simulation::new(model, 7);
    run_to(&mut sim, end);
    let s = sim.summary();
    let results = evaluate(&objectives, &s);
    (s, results)
}

/// The value and verdict of each objective, in file order.
fn verdicts(r: &[ObjectiveResult]) -> Vec<(ObjectiveMetric, f64, bool)> {
    r.iter()
        .map(|o| {
            (
                o.metric,
                o.value.expect("a bill always has a value"),
                o.pass,
            )
        })
        .collect()
}

#[test]
fn the_total_bill_is_machines_plus_egress_and_a_bound_between_them_tells_them_apart() {
    let (s, r) = run(&design(true));
    let t = s.transfer.as_ref().expect("bytes reported");
    let machines = s.cost_per_hour;
    let egress = t.egress_cost_per_hour;
    assert!((machines - 6.0).abs() < 1e-9, "{machines}");
    // ~100 MB/s at $0.05/GB: $18/h, well clear of the $12 bound.
    assert!(egress > 15.0 && egress < 21.0, "{egress}");
    let v = verdicts(&r);
    assert_eq!(v[0], (ObjectiveMetric::CostPerHour, machines, true));
    assert_eq!(v[1].0, ObjectiveMetric::TotalCostPerHour);
    assert!((v[1].1 - (machines + egress)).abs() < 1e-9, "{v:?}");
    assert!(!v[1].2, "the total is above the $12 bound: {v:?}");
    assert_eq!(v[2], (ObjectiveMetric::EgressCostPerHour, egress, true));
    assert!(v[3].2, "{v:?}");
    // The objectives read the summary's own keys.
    let info = RunInfo {
        scenario: "bills".into(),
        scenario_file: "bills.toml".into(),
        seed: 7,
        duration: SimTime::from_secs(60),
        overrides: Vec::new(),
    };
    let json = summary_json::to_json(&info, &s, &r);
    let total = json["total_cost_per_hour"].as_f64().unwrap();
    assert!((total - v[1].1).abs() < 1e-9, "{total} vs {v:?}");
    assert!((json["egress_cost_per_hour"].as_f64().unwrap() - egress).abs() < 1e-9);
    assert_eq!(json["objectives"][1]["metric"], "total_cost_per_hour");
    assert_eq!(json["objectives"][1]["pass"], false);
}

#[test]
fn without_egress_the_egress_bill_is_zero_and_the_total_is_the_machines() {
    let (s, r) = run(&design(false));
    assert!(s.transfer.is_none());
    let v = verdicts(&r);
    assert_eq!(v[0], (ObjectiveMetric::CostPerHour, 6.0, true));
    assert_eq!(v[1], (ObjectiveMetric::TotalCostPerHour, 6.0, true));
    assert_eq!(v[2], (ObjectiveMetric::EgressCostPerHour, 0.0, false));
    assert_eq!(v[3], (ObjectiveMetric::TotalCostPerHour, 6.0, false));
}

#[test]
fn check_says_a_machines_budget_leaves_out_the_egress() {
    let note = "cost_per_hour is the machines' bill only and leaves out the egress";
    let with = loadlab::report::topology::describe(&load(&design(true)));
    let line = with
        .lines()
        .position(|l| l.trim() == "cost_per_hour below 12")
        .expect("the objective is listed");
    let next = with.lines().nth(line + 1).unwrap_or("");
    assert!(
        next.contains(note) && next.contains("total_cost_per_hour"),
        "{with}"
    );
    assert_eq!(with.matches(note).count(), 1, "{with}");
    let without = loadlab::report::topology::describe(&load(&design(false)));
    assert!(!without.contains(note), "{without}");
}
