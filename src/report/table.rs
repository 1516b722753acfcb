//! The human-readable summary printed by `loadlab run`: end-to-end figures, objectives and a per-node table.

use std::fmt::Write;

use crate::report::RunInfo;
use crate::report::objectives::ObjectiveResult;
use crate::sim::Summary;

fn ms(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| {
        if v >= 100.0 {
            format!("{v:.0}")
        } else if v >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn num(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

/// The summary as text for a terminal.
pub fn render(info: &RunInfo, s: &Summary, objectives: &[ObjectiveResult]) -> String {
    let mut o = String::new();
    let c = &s.counts;
    let _ = writeln!(
        o,
        "{} — seed {}, {} simulated ({} warm-up excluded)",
        info.scenario, info.seed, info.duration, s.warmup
    );
    let _ = writeln!(
        o,
        "requests  arrived {}  completed {}  failed {} (rejected {}, timed out {}, dropped {})  in flight {}",
        c.arrived,
        c.completed,
        c.failed(),
        c.rejected,
        c.timed_out,
        c.dropped,
        s.in_flight
    );
    let l = &s.latency;
    let _ = writeln!(
        o,
        "throughput {:.1} req/s   errors {}   cost ${:.2}/h",
        s.throughput_rps,
        pct(s.error_rate),
        s.cost_per_hour
    );
    let _ = writeln!(
        o,
        "latency ms  mean {}  p50 {}  p95 {}  p99 {}  max {}",
        ms(l.mean_ms),
        ms(l.p50_ms),
        ms(l.p95_ms),
        ms(l.p99_ms),
        ms(l.max_ms)
    );
    for r in objectives {
        let _ = writeln!(o, "objective  {}", r.describe());
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<14} {:<13} {:>9} {:>9} {:>8} {:>8} {:>7} {:>8} {:>9} {:>9} {:>9} {:>6}",
        "node",
        "kind",
        "arrived",
        "completed",
        "rejected",
        "timedout",
        "util",
        "queue",
        "wait ms",
        "mean ms",
        "p99 ms",
        "hit"
    );
    for n in &s.nodes {
        let nc = &n.counts;
        let _ = writeln!(
            o,
            "{:<14} {:<13} {:>9} {:>9} {:>8} {:>8} {:>7} {:>8} {:>9} {:>9} {:>9} {:>6}",
            truncate(&n.id, 14),
            n.kind,
            nc.arrived,
            nc.completed,
            nc.rejected,
            nc.timed_out,
            pct(n.utilisation),
            num(n.mean_queue_len),
            ms(n.mean_wait_ms),
            ms(n.sojourn.mean_ms),
            ms(n.sojourn.p99_ms),
            pct(n.hit_ratio),
        );
    }
    o
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
