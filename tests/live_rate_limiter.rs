//! A rate limiter tuned during a run: a `set` event (or a live command) on its `rate` or `limit` changes what gets through from then on.

use loadlab::scenario;
use loadlab::sim::{Command, SimTime, Simulation};

fn limiter(algorithm: &str, setting: &str, event: &str) -> String {
    format!(
        r#"[scenario]
name = "limiter"
duration = "20s"

[[workload]]
to = "gate"
rate = 1000

[[node]]
id = "gate"
kind = "rate_limiter"
algorithm = "{algorithm}"
{setting}
to = "api"

[[node]]
id = "api"
kind = "service"
workers = 100
service_time = "1ms"

{event}
"#
    )
}

/// Requests the limiter let through between two instants.
fn passed(sim: &mut Simulation, from: u64, to: u64) -> u64 {
    let at = |sim: &Simulation| sim.snapshot().nodes[1].counts.arrived;
    sim.run_until(SimTime::from_secs(from));
    let a = at(sim);
    sim.run_until(SimTime::from_secs(to));
    at(sim) - a
}

#[test]
fn a_set_event_raises_a_token_bucket_rate_mid_run() {
    let text = limiter(
        "token_bucket",
        "rate = 100",
        "[[event]]\nat = \"10s\"\naction = \"set\"\ntarget = \"gate.rate\"\nvalue = 300",
    );
    let model = scenario::load_str(&text, "limiter.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 3);
    let before = passed(&mut sim, 2, 10);
    let after = passed(&mut sim, 12, 20);
    // 100/s for 8 s, then 300/s for 8 s (burst = rate, spent in the first
    // second). Arrivals (1000/s) outpace the tokens, so the bucket holds
    // less than one token whenever it is looked at: what passes in a span
    // is the tokens earned in it, give or take the one at each end.
    assert!((799..=801).contains(&before), "{before} before");
    assert!((2399..=2401).contains(&after), "{after} after");
    // The scenario writes back with its event and reloads the same.
    let written = scenario::to_toml(sim.model());
    assert!(written.contains("target = \"gate.rate\""), "{written}");
    let again = scenario::load_str(&written, "written.toml", &[])
        .unwrap_or_else(|d| panic!("{}\n{written}", scenario::render(&d)));
    assert_eq!(
        format!("{:?}", again.events),
        format!("{:?}", sim.model().events)
    );
}

#[test]
fn live_commands_change_a_window_limit_and_refuse_the_wrong_setting() {
    let text = limiter("fixed_window", "limit = 50\nwindow = \"1s\"", "");
    let model = scenario::load_str(&text, "limiter.toml", &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let mut sim = Simulation::new(model, 3);
    assert_eq!(passed(&mut sim, 1, 5), 200);
    sim.apply(Command::SetLimiterLimit {
        node: 0,
        limit: 120,
    })
    .unwrap();
    assert_eq!(passed(&mut sim, 6, 10), 480);
    // A window limiter has no rate; zero and NaN are refused; nothing changes.
    for (bad, why) in [
        (
            Command::SetLimiterRate {
                node: 0,
                rate: 10.0,
            },
            "not a rate",
        ),
        (Command::SetLimiterLimit { node: 0, limit: 0 }, "at least 1"),
        (
            Command::SetLimiterLimit { node: 1, limit: 5 },
            "not a rate limiter",
        ),
    ] {
        let e = format!("{:?}", sim.apply(bad.clone()).unwrap_err());
        assert!(e.contains(why), "{bad:?}: {e}");
    }
    assert_eq!(passed(&mut sim, 11, 15), 480);

    let text = limiter("leaky_bucket", "rate = 100", "");
    let model = scenario::load_str(&text, "limiter.toml", &[]).unwrap();
    let mut sim = Simulation::new(model, 3);
    for bad in [f64::NAN, 0.0, -1.0, f64::INFINITY, 2e9] {
        assert!(
            sim.apply(Command::SetLimiterRate { node: 0, rate: bad })
                .is_err()
        );
    }
    sim.apply(Command::SetLimiterRate {
        node: 0,
        rate: 250.0,
    })
    .unwrap();
    // Released one every 4 ms, steadily: 2000 in 8 s, give or take one.
    let n = passed(&mut sim, 2, 10);
    assert!((1999..=2001).contains(&n), "{n}");
}
