//! The human-readable summary printed by `loadlab run`: end-to-end figures, objectives and a per-node table.

use std::fmt::Write;

use crate::report::RunInfo;
use crate::report::account::{Happening, HappeningKind};
use crate::report::objective_figures::error_rate_excluding_limited;
use crate::report::objectives::ObjectiveResult;
use crate::sim::Summary;
use crate::sim::metrics::{GroupSummary, TransferSummary};

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
    let warmup = if s.warmup == crate::sim::SimTime::ZERO {
        "no warm-up".to_string()
    } else {
        format!("{} warm-up excluded", s.warmup)
    };
    // Stopped early by a safety cap: the time it reached, not the one
    // declared (the header said 360000000s for a run stopped at 2487466 s).
    let simulated = match &s.stopped {
        Some(_) => format!("{} of {}", s.now, info.duration),
        None => info.duration.to_string(),
    };
    let _ = writeln!(
        o,
        "{} — seed {}, {simulated} simulated ({warmup})",
        info.scenario, info.seed
    );
    let _ = writeln!(
        o,
        "requests  arrived {}  completed {}  failed {} (rejected {}, timed out {}, errors {}, dropped {})  in flight {}",
        c.arrived,
        c.completed,
        c.failed(),
        c.rejected,
        c.timed_out,
        c.errored,
        c.dropped,
        s.in_flight
    );
    if c.shed > 0 {
        // Refused on purpose (`shed`): in `failed`, apart from `rejected`.
        let _ = writeln!(o, "shed      {} refused by load shedding", c.shed);
    }
    if c.limited > 0 {
        // In `rejected`, but the limiter working, not a fault.
        let rate =
            error_rate_excluding_limited(c).map_or("-".into(), |r| format!("{:.2}%", r * 100.0));
        let _ = writeln!(
            o,
            "refused by rate limiters {} (in rejected)  error rate without them {rate}",
            c.limited
        );
    }
    if s.lost_after_ack() > 0 {
        // Answered as done to the producer, then given up: not in
        // `failed`, but just as lost.
        let _ = writeln!(
            o,
            "acknowledged then lost {}  (dead-lettered {}, write-back data lost {})",
            s.lost_after_ack(),
            s.dead_lettered,
            s.data_lost
        );
    }
    if let Some(reason) = &s.stopped {
        let _ = writeln!(o, "warning: {reason}");
    }
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
    if let Some(t) = &s.transfer {
        write_transfer(&mut o, t, s.measured.as_secs_f64(), s.cost_per_hour);
    }
    write_groups(&mut o, "class", &s.classes);
    write_groups(&mut o, "workload", &s.workloads);
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
            // The node's own timeouts and its calls that timed out: where
            // the headline's timeouts come from.
            nc.timed_out + nc.call_timeouts + nc.acquire_timeouts,
            pct(n.utilisation),
            num(n.mean_queue_len),
            // Visits still waiting count with their wait so far: a line
            // that never moves must not show a short wait.
            ms(n.mean_wait_so_far_ms()),
            ms(n.sojourn.mean_ms),
            ms(n.sojourn.p99_ms),
            pct(n.hit_ratio),
        );
    }
    let mut notes = Vec::new();
    for n in &s.nodes {
        let c = &n.counts;
        let mut parts = Vec::new();
        if c.retries > 0 {
            parts.push(format!(
                "{} retries, {} failed after retries",
                c.retries, c.gave_up
            ));
        }
        if c.call_timeouts + c.acquire_timeouts > 0 {
            let to: Vec<String> = n
                .call_timeouts_to
                .iter()
                .map(|(to, t, a)| {
                    if *a > 0 {
                        format!("{to} {t} + {a} waiting for a connection")
                    } else {
                        format!("{to} {t}")
                    }
                })
                .collect();
            parts.push(format!(
                "{} calls timed out (to {})",
                c.call_timeouts + c.acquire_timeouts,
                to.join(", ")
            ));
        }
        if let (Some(w), Some(mean), Some(oldest)) =
            (n.waiting, n.mean_waiting_ms, n.oldest_waiting_ms)
            && w > 0
        {
            parts.push(format!(
                "{w} waiting at the end, for {} ms on average, the oldest {} ms",
                ms(Some(mean)),
                ms(Some(oldest))
            ));
        }
        if c.short_circuited > 0 {
            parts.push(format!("{} short-circuited", c.short_circuited));
        }
        for (to, state, trips) in &n.breakers {
            if *trips > 0 || *state != "closed" {
                parts.push(format!("breaker to {to} {state}, tripped {trips}×"));
            }
        }
        let outage = c.errors.saturating_sub(c.error_responses);
        if outage > 0 {
            parts.push(format!("{outage} errors (down or cut off)"));
        }
        if n.kind == "external" {
            parts.push(format!(
                "{} error responses, {} throttled (rate limit), {} over concurrency",
                c.error_responses, c.throttled, c.over_concurrency
            ));
        }
        if c.stale_reads > 0 {
            parts.push(format!("{} stale reads", c.stale_reads));
        }
        if c.coalesced > 0 {
            parts.push(format!("{} coalesced misses", c.coalesced));
        }
        if n.kind == "queue" {
            parts.push(format!(
                "processed {}, redelivered {}, dead-lettered {}, backlog {}, processing p99 {} ms",
                c.processed,
                c.redelivered,
                c.dead_lettered,
                n.backlog.unwrap_or(0),
                ms(n.processing.and_then(|p| p.p99_ms))
            ));
        }
        if let Some(h) = n.hops_exceeded {
            parts.push(format!("{h} dropped after max_hops"));
        }
        if let Some((taken, failed)) = n.fallbacks
            && taken > 0
        {
            parts.push(format!(
                "{taken} calls answered by a fallback ({failed} of them failed there too)"
            ));
        }
        if let Some(d) = n.data_at_risk {
            parts.push(format!("{d} writes at risk, {} lost", c.data_lost));
            if c.flushes_failed > 0 {
                parts.push(format!(
                    "{} flushed writes refused by the store (kept dirty)",
                    c.flushes_failed
                ));
            }
        }
        if let Some(spread) = super::spread::replica_spread(&n.replica_utilisation) {
            parts.push(spread);
        }
        if !parts.is_empty() {
            notes.push(format!("  {}: {}", n.id, parts.join("; ")));
        }
    }
    if !s.scale_events.is_empty() {
        let ev: Vec<String> = s
            .scale_events
            .iter()
            .take(12)
            .map(|e| format!("{:.0}s {}→{}", e.at.as_secs_f64(), e.from, e.to))
            .collect();
        notes.push(format!("  autoscaler: {}", ev.join(", ")));
    }
    if !notes.is_empty() {
        let _ = writeln!(o, "\nnotes");
        for n in notes {
            let _ = writeln!(o, "{n}");
        }
    }
    o
}

/// The account of what happened, a line each, for the terminal; empty
/// when there is nothing to tell.
pub fn what_happened(happened: &[Happening]) -> String {
    if happened.is_empty() {
        return String::new();
    }
    let mut o = String::from("\nwhat happened\n");
    for h in happened {
        let tag = match h.kind {
            HappeningKind::Cause => "why",
            HappeningKind::Suggestion => "try",
            _ => "",
        };
        let _ = writeln!(
            o,
            "  {:>7}  {:<3}  {}",
            format!("{:.1}s", h.at.as_secs_f64()),
            tag,
            h.text
        );
    }
    o
}

/// One line per class (or workload): its counts and latency.
fn write_groups(o: &mut String, what: &str, groups: &[GroupSummary]) {
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "{:<24} {:>9} {:>9} {:>7} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7}",
        format!("by {what}"),
        "completed",
        "failed",
        "errors",
        "req/s",
        "mean",
        "p50",
        "p95",
        "p99",
        "p999 ms"
    );
    for g in groups {
        let l = &g.latency;
        let name = match g.op {
            Some(op) => format!("{} ({})", g.name, op.name()),
            None => g.name.clone(),
        };
        let _ = writeln!(
            o,
            "  {:<22} {:>9} {:>9} {:>7} {:>9.1} {:>7} {:>7} {:>7} {:>7} {:>7}",
            truncate(&name, 22),
            g.counts.completed,
            g.counts.failed(),
            pct(g.error_rate),
            g.throughput_rps,
            ms(l.mean_ms),
            ms(l.p50_ms),
            ms(l.p95_ms),
            ms(l.p99_ms),
            ms(l.p999_ms),
        );
    }
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

/// Bytes in a readable decimal unit: `12.3 GB`.
pub fn bytes(x: f64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    match units.iter().find(|(_, u)| x >= *u) {
        Some((name, u)) => format!("{:.1} {name}", x / u),
        None => format!("{x:.0} B"),
    }
}

/// The payload lines: bytes moved (and per second) and the egress bill.
fn write_transfer(o: &mut String, t: &TransferSummary, secs: f64, cost_per_hour: f64) {
    let rate = |b: u64| {
        if secs > 0.0 {
            format!("{}/s", bytes(b as f64 / secs))
        } else {
            "-".into()
        }
    };
    let _ = writeln!(
        o,
        "bytes  to users {} ({})   from users {} ({})   over call links {} ({})",
        bytes(t.bytes_to_users as f64),
        rate(t.bytes_to_users),
        bytes(t.bytes_from_users as f64),
        rate(t.bytes_from_users),
        bytes(t.link_bytes as f64),
        rate(t.link_bytes)
    );
    let _ = writeln!(
        o,
        "egress {} billed ${:.2} (${:.2}/h)   total cost ${:.2}/h",
        bytes(t.egress_bytes as f64),
        t.egress_cost,
        t.egress_cost_per_hour,
        cost_per_hour + t.egress_cost_per_hour
    );
}
