//! A service's `priority` (a class served first from the line, non-preemptive) and `shed` (a class refused while the line is long), counted as `shed` apart from `rejected`; Cobham's formula is in tests/theory.rs.

mod common;

use common::{load, run_checked};
use loadlab::report::{RunInfo, csv, summary_json, table};
use loadlab::sim::{SimTime, Simulation, Summary};

/// A shop's API at twice its capacity (one worker, exponential 1 ms,
/// 2000 requests/s): 300/s checkouts and 1700/s browsing. `LINE` is
/// replaced by the line's policy.
const SHOP: &str = r#"
[scenario]
name = "shop"
duration = "60s"
warmup = "5s"
seed = 11

[[class]]
name = "checkout"
op = "write"

[[class]]
name = "browse"
op = "read"

[[workload]]
to = "api"
rate = 2000
classes = { checkout = 0.15, browse = 0.85 }

[[node]]
id = "api"
kind = "service"
workers = 1
queue = 500
service_time = { dist = "exponential", mean = "1ms" }
LINE
"#;

fn shop(line: &str) -> Summary {
    run_checked(&SHOP.replace("LINE", line), 11)
}

fn class<'a>(s: &'a Summary, name: &str) -> &'a loadlab::sim::metrics::GroupSummary {
    s.classes.iter().find(|g| g.name == name).unwrap()
}

/// Browsing is refused while 10 wait; checkouts are never shed, and with
/// `priority` they overtake the browsing in line. The server stays
/// saturated, so what is served is its capacity: 300/s checkouts and the
/// remaining ~700/s of browsing; the rest of the browsing (~59 %) is shed.
#[test]
fn checkouts_go_first_and_browsing_is_shed_first() {
    let fifo = shop("shed = { browse = 10 }");
    let prio = shop("priority = [\"checkout\"]\nshed = { browse = 10 }");
    for (name, s) in [("fifo", &fifo), ("priority", &prio)] {
        let (c, b) = (class(s, "checkout"), class(s, "browse"));
        let api = &s.nodes[0];
        println!(
            "{name}: checkout mean {:.3} ms p99 {:.3} ms; browse completed {} shed {} of {}; utilisation {:.4}",
            c.latency.mean_ms.unwrap(),
            c.latency.p99_ms.unwrap(),
            b.counts.completed,
            b.counts.shed,
            b.counts.arrived,
            api.utilisation.unwrap()
        );
        // Only browsing is shed, nothing is rejected: the line never fills.
        assert_eq!(c.counts.failed(), 0, "{name}");
        assert_eq!(s.counts.rejected, 0, "{name}");
        assert_eq!(s.counts.shed, b.counts.shed, "{name}");
        assert_eq!(api.counts.shed, s.counts.shed, "{name}");
        assert_eq!(s.counts.failed(), s.counts.shed, "{name}");
        assert!(api.utilisation.unwrap() > 0.98, "{name}");
        // Served browsing ≈ capacity left by the checkouts: 700 of 1700/s.
        // The server is never idle for long, so the share served is tight;
        // ±3 % of the arrivals covers the idle moments and the Poisson
        // noise of ~94 000 arrivals (sd 0.3 %).
        let served = b.counts.completed as f64 / b.counts.arrived as f64;
        assert!((served - 7.0 / 17.0).abs() < 0.03, "{name}: {served}");
    }
    // Without priority a checkout waits behind up to 10 browsing requests
    // (~10 ms); with it, behind the one in service and other checkouts
    // (Cobham with the server always busy: 1 ms / (1 − 0.3) ≈ 1.4 ms).
    let mean = |s: &Summary| class(s, "checkout").latency.mean_ms.unwrap();
    assert!(mean(&fifo) > 8.0, "fifo {}", mean(&fifo));
    assert!(mean(&prio) < 3.5, "priority {}", mean(&prio));
}

/// Constant work (10 ms) at twice the rate it is served (a request every
/// 5 ms): with `shed = { browse = 3 }` the line never holds more than 3,
/// one request in two is served (100/s) and the other is shed, failing at
/// once with its own cause.
#[test]
fn the_line_stays_below_its_shedding_threshold() {
    let text = r#"
[scenario]
name = "shed"
duration = "20s"
seed = 1

[[class]]
name = "browse"
op = "read"

[[workload]]
to = "api"
arrival = "constant"
rate = 200
classes = { browse = 1 }
phases = [ { at = "19s", rate = 0 } ]

[[node]]
id = "api"
kind = "service"
service_time = "10ms"
shed = { browse = 3 }
"#;
    let s = run_checked(text, 1);
    let api = &s.nodes[0];
    assert_eq!(s.counts.arrived, 3800);
    assert_eq!(s.counts.completed + s.counts.shed, 3800);
    // 19 s of arrivals, one served per 10 ms, and the 3 still in line at
    // 19 s served after: 1900 + 3 (± one at the edges).
    assert!(
        (1901..=1905).contains(&s.counts.completed),
        "{:?}",
        s.counts
    );
    assert_eq!((s.counts.rejected, api.counts.rejected), (0, 0));
    assert_eq!(api.counts.shed, s.counts.shed);
    assert!(api.mean_queue_len.unwrap() <= 3.0);
    // Each served request waited for the ≤ 3 ahead of it and its own work
    // (40 ms; the histogram keeps 3 significant digits).
    let max = api.sojourn.max_ms.unwrap();
    assert!(max <= 40.0 * 1.001, "{max}");
}

/// Same seed, same run; the outputs carry `shed` (summary.json at the top,
/// per class and per service node; nodes.csv's last column; the terminal
/// headline).
#[test]
fn shed_is_reported_and_the_run_is_deterministic() {
    let text = SHOP.replace("LINE", "priority = [\"checkout\"]\nshed = { browse = 10 }");
    let run = || {
        let model = load(&text);
        let end = model.duration;
        let mut sim = Simulation::new(model, 5);
        sim.run_until(end);
        sim.summary()
    };
    let (a, b) = (run(), run());
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let info = RunInfo {
        scenario: "shop".into(),
        scenario_file: "shop.toml".into(),
        seed: 5,
        duration: SimTime::from_secs(60),
        overrides: Vec::new(),
    };
    let json = summary_json::to_json(&info, &a, &[]);
    assert!(a.counts.shed > 0);
    assert_eq!(json["shed"], a.counts.shed);
    assert_eq!(json["nodes"]["api"]["shed"], a.counts.shed);
    assert_eq!(json["classes"]["browse"]["shed"], a.counts.shed);
    assert_eq!(json["classes"]["checkout"]["shed"], 0);
    let nodes = csv::nodes_csv(&info, &a);
    let mut lines = nodes.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|&h| h == "shed")
        .expect("a shed column");
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[col], a.counts.shed.to_string());
    let text = table::render(&info, &a, &[]);
    assert!(
        text.contains(&format!(
            "shed      {} refused by load shedding",
            a.counts.shed
        )),
        "{text}"
    );
}
