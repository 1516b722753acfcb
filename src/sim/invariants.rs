//! The engine's bookkeeping invariants, checked by the fuzz harness and the engine tests on their own runs: the books balance, figures are sane.
//!
//! Each check panics with what does not hold (the fuzzer reports a panic as
//! a crash) and returns quietly otherwise.

use crate::sim::metrics::{GroupSummary, LatencyStats, NodeSummary, Summary, SystemCounts, Window};
use crate::sim::model::NodeKind;
use crate::sim::{SimTime, Simulation};

const EPS: f64 = 1e-9;

fn finite_nonneg(what: &str, x: f64) {
    assert!(x.is_finite() && x >= 0.0, "{what} = {x}");
}

fn opt(what: &str, x: Option<f64>) {
    if let Some(x) = x {
        finite_nonneg(what, x);
    }
}

fn fraction(what: &str, x: Option<f64>) {
    if let Some(x) = x {
        finite_nonneg(what, x);
        assert!(x <= 1.0 + EPS, "{what} = {x} > 1");
    }
}

/// Latencies: finite, non-negative, present exactly when something was
/// counted, quantiles in order, the mean not above the maximum.
pub fn assert_latency_sane(what: &str, l: &LatencyStats) {
    let all = [l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.p999_ms, l.max_ms];
    for (i, x) in all.iter().enumerate() {
        opt(&format!("{what} latency[{i}]"), *x);
    }
    assert_eq!(
        l.count == 0,
        all.iter().all(Option::is_none),
        "{what}: {l:?}"
    );
    if let (Some(mean), Some(p50), Some(p95), Some(p99), Some(p999), Some(max)) =
        (l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.p999_ms, l.max_ms)
    {
        let q = [p50, p95, p99, p999, max];
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{what}: {l:?}");
        // The mean is exact; max is the histogram's highest equivalent
        // value, never below the true maximum.
        assert!(mean <= max * (1.0 + EPS), "{what}: {l:?}");
    }
}

/// No NaN or infinity anywhere; fractions within [0, 1].
pub fn assert_summary_sane(s: &Summary) {
    finite_nonneg("throughput", s.throughput_rps);
    finite_nonneg("cost", s.cost_per_hour);
    fraction("error_rate", s.error_rate);
    assert_latency_sane("system", &s.latency);
    assert_eq!(s.latency.count, s.counts.completed);
    assert_eq!(s.measured, s.now.saturating_sub(s.warmup));
    for n in &s.nodes {
        assert_node_sane(n);
    }
    assert_groups_sane(s);
}

/// Each class's and workload's figures are sane and conserve their
/// requests; the workloads add up to the totals, the classes to at most
/// them.
pub fn assert_groups_sane(s: &Summary) {
    for g in s.classes.iter().chain(&s.workloads) {
        let c = g.counts;
        let name = &g.name;
        assert!(
            c.completed + c.failed() <= c.arrived,
            "{name}: more finished than arrived: {c:?}"
        );
        assert_eq!(g.latency.count, c.completed, "{name}");
        assert_latency_sane(name, &g.latency);
        fraction(&format!("{name}.error_rate"), g.error_rate);
        finite_nonneg(&format!("{name}.throughput"), g.throughput_rps);
    }
    let total = |list: &[GroupSummary], f: fn(&SystemCounts) -> u64| {
        list.iter().map(|g| f(&g.counts)).sum::<u64>()
    };
    let fields: [fn(&SystemCounts) -> u64; 4] = [
        |c| c.arrived,
        |c| c.completed,
        |c| c.failed(),
        |c| c.rejected,
    ];
    for f in fields {
        if !s.workloads.is_empty() {
            assert_eq!(total(&s.workloads, f), f(&s.counts), "workloads vs totals");
        }
        assert!(total(&s.classes, f) <= f(&s.counts), "classes vs totals");
    }
}

pub fn assert_node_sane(n: &NodeSummary) {
    let id = &n.id;
    fraction(&format!("{id}.utilisation"), n.utilisation);
    fraction(&format!("{id}.hit_ratio"), n.hit_ratio);
    opt(&format!("{id}.mean_queue_len"), n.mean_queue_len);
    finite_nonneg(&format!("{id}.mean_present"), n.mean_present);
    opt(&format!("{id}.mean_wait_ms"), n.mean_wait_ms);
    opt(&format!("{id}.mean_stay_ms"), n.mean_stay_ms);
    finite_nonneg(&format!("{id}.departure_rate"), n.departure_rate);
    finite_nonneg(&format!("{id}.cost"), n.cost_per_hour);
    assert_latency_sane(id, &n.sojourn);
    assert_eq!(n.mean_wait_ms.is_some(), n.started > 0, "{id}");
    for (r, u) in n.replica_utilisation.iter().enumerate() {
        fraction(&format!("{id}.replica_utilisation[{r}]"), *u);
    }
    if let Some(p) = &n.processing {
        assert_latency_sane(&format!("{id}.processing"), p);
    }
    opt(&format!("{id}.oldest_message_ms"), n.oldest_message_ms);
}

pub fn assert_window_sane(w: &Window) {
    // A flushed window may have zero length: it holds what happened at the
    // very instant the previous window closed.
    assert!(w.end >= w.start, "window ends before it starts: {w:?}");
    finite_nonneg("window throughput", w.throughput_rps);
    finite_nonneg("window cost", w.cost_per_hour);
    assert_latency_sane("window", &w.latency);
    for (i, n) in w.nodes.iter().enumerate() {
        fraction(&format!("window node {i} utilisation"), n.utilisation);
        fraction(&format!("window node {i} hit_ratio"), n.hit_ratio);
        opt(&format!("window node {i} queue"), n.mean_queue_len);
        finite_nonneg(&format!("window node {i} present"), n.mean_present);
        assert_latency_sane(&format!("window node {i}"), &n.sojourn);
        if let Some(p) = &n.processing {
            assert_latency_sane(&format!("window node {i} processing"), p);
        }
        opt(
            &format!("window node {i} oldest message"),
            n.oldest_message_ms,
        );
    }
}

/// The books at this instant: `arrived = completed + failed + in_flight`
/// end to end (measured period, and through the time-series windows, which
/// it extends with the ones closed since, every request); summary and
/// snapshot agree and are sane; every station visit holds a worker or
/// waits; no cache holds more than its capacity; and without a warm-up,
/// the windows add up to the summary and every node's visits had at most
/// one outcome.
pub fn check_books(sim: &mut Simulation, windows: &mut Vec<Window>) {
    let now = sim.now();
    let s = sim.summary();
    let snap = sim.snapshot();
    let c = s.counts;
    assert_eq!(
        c.arrived,
        c.completed + c.failed() + s.in_flight,
        "end-to-end conservation at {now}: {c:?}, in flight {}",
        s.in_flight
    );
    assert_eq!(snap.counts, c, "snapshot and summary disagree at {now}");
    assert!(snap.in_flight >= s.in_flight, "at {now}");
    assert!(
        snap.in_flight as usize <= sim.model().limits.max_in_flight,
        "in-flight cap exceeded at {now}: {}",
        snap.in_flight
    );
    assert_summary_sane(&s);

    sim.flush_window();
    let fresh = sim.take_windows();
    for w in &fresh {
        assert_window_sane(w);
        assert_eq!(w.nodes.len(), s.nodes.len());
    }
    windows.extend(fresh);
    let arrived: u64 = windows.iter().map(|w| w.counts.arrived).sum();
    let finished: u64 = windows
        .iter()
        .map(|w| w.counts.completed + w.counts.failed())
        .sum();
    assert_eq!(
        arrived,
        finished + snap.in_flight,
        "all-requests conservation at {now}"
    );
    if let Some(last) = windows.last() {
        assert_eq!(last.end, now);
        assert_eq!(last.in_flight, snap.in_flight);
    }

    let model = sim.model();
    for (i, n) in snap.nodes.iter().enumerate() {
        if !n.replicas.is_empty() {
            let held: u64 = n
                .replicas
                .iter()
                .map(|r| u64::from(r.busy) + u64::from(r.queued))
                .sum::<u64>()
                // Queue messages waiting out a redelivery backoff.
                + sim.delayed_messages(i);
            if n.cache_keys.is_some() {
                // A cache's visits past their lookup (fetching a miss,
                // passing a write on) hold no worker.
                assert!(held <= n.present, "{} at {now}: {:?}", n.id, n.replicas);
            } else {
                assert_eq!(n.present, held, "{} at {now}: {:?}", n.id, n.replicas);
            }
        }
        if let (Some(keys), NodeKind::Cache(spec)) = (n.cache_keys, &model.nodes[i].kind) {
            assert!(keys <= spec.capacity, "{}: {keys} keys", n.id);
        }
    }

    if s.warmup == SimTime::ZERO {
        let sum = |f: fn(&Window) -> u64| windows.iter().map(f).sum::<u64>();
        assert_eq!(sum(|w| w.counts.arrived), c.arrived);
        assert_eq!(sum(|w| w.counts.completed), c.completed);
        assert_eq!(sum(|w| w.counts.failed()), c.failed());
        for n in &snap.nodes {
            let k = n.counts;
            // (`errors` also counts failures seen by a sender cut off by a
            // partition, so it only loosens the upper bound.)
            let done = k.completed + k.rejected + k.shed + k.timed_out + k.failed_downstream;
            assert!(
                done <= k.arrived && k.arrived <= done + k.errors + n.present,
                "{} at {now}: {k:?}, present {}",
                n.id,
                n.present
            );
            assert!(k.hits + k.misses <= k.arrived, "{}: {k:?}", n.id);
            if n.kind == "queue" {
                // Every message stored is processed, dead-lettered, or
                // still stored or in processing (and one that came round a
                // bounded loop too often was dropped).
                let gone = k.processed + k.dead_lettered + k.hops_exceeded;
                assert!(
                    gone <= k.completed && k.completed <= gone + n.present,
                    "{} at {now}: {k:?}, present {}",
                    n.id,
                    n.present
                );
            }
        }
    }
}
