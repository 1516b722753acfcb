//! The classic designs in `scenarios/designs/`: each loads, runs (shortened by overrides), balances its books, and shows the figure its back-of-envelope estimate predicts.

mod common;

use common::{check_books, drain, run_to};
use loadlab::report::objectives::evaluate;
use loadlab::scenario;
use loadlab::sim::metrics::{GroupSummary, NodeSummary};
use loadlab::sim::{SimTime, Simulation, Summary};

/// Runs `scenarios/designs/<name>.toml` with `overrides` (each
/// `TARGET.FIELD=VALUE`), checking the books at each quarter, then drains
/// it: the summary.
fn run(name: &str, overrides: &[&str]) -> Summary {
    let path = format!(
        "{}/scenarios/designs/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("design file");
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let model = scenario::load_str(&text, &path, &overrides)
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let end = model.duration;
    let seed = model.seed;
    let mut sim = Simulation::new(model, seed);
    let mut windows = Vec::new();
    for k in 1..=4 {
        run_to(&mut sim, SimTime(end.0 / 4 * k));
        check_books(&mut sim, &mut windows);
    }
    assert!(drain(&mut sim, SimTime::from_secs(600)), "{name} drains");
    check_books(&mut sim, &mut windows);
    sim.summary()
}

fn node<'a>(s: &'a Summary, id: &str) -> &'a NodeSummary {
    s.nodes.iter().find(|n| n.id == id).expect("node")
}

/// Mean and second moment of a Pareto count `min(⌊scale·U^(−1/shape)⌋,
/// max)`: Σ P(N ≥ k) and Σ (2k − 1) P(N ≥ k) over k = 1..=max, with
/// P(N ≥ k) = min(1, (scale/k)^shape).
fn pareto_count(scale: f64, shape: f64, max: u32) -> (f64, f64) {
    (1..=max).fold((0.0, 0.0), |(m1, m2), k| {
        let k = f64::from(k);
        let p = (scale / k).powf(shape).min(1.0);
        (m1 + p, m2 + (2.0 * k - 1.0) * p)
    })
}

/// `total` is a sum of `n` independent counts with these moments: within
/// four standard errors of `n` × mean.
fn assert_sum_of_counts(what: &str, total: u64, n: u64, (m1, m2): (f64, f64)) {
    let expected = n as f64 * m1;
    let se = (n as f64 * (m2 - m1 * m1)).sqrt();
    let off = (total as f64 - expected).abs();
    assert!(
        off < 4.0 * se,
        "{what}: {total}, expected {expected:.0} ± 4 × {se:.0} ({n} draws of mean {m1:.3})"
    );
}

/// The value and verdict, on `s`, of design `name`'s objective written
/// `label` (`p99 of workload readers below 50 ms`).
fn objective(name: &str, s: &Summary, label: &str) -> (f64, bool) {
    let path = format!(
        "{}/scenarios/designs/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let model = scenario::load_file(std::path::Path::new(&path), &[])
        .unwrap_or_else(|d| panic!("{}", scenario::render(&d)));
    let results = evaluate(&model.objectives, s);
    let r = (results.iter().find(|r| r.label() == label))
        .unwrap_or_else(|| panic!("no objective `{label}` in {name}"));
    (r.value.expect("a value"), r.pass)
}

fn workload<'a>(s: &'a Summary, name: &str) -> &'a GroupSummary {
    (s.workloads.iter().find(|w| w.name == name)).expect("workload")
}

/// Writes a cache received: what arrived, less the lookups.
fn cache_writes(n: &NodeSummary) -> u64 {
    n.counts.arrived - n.counts.hits - n.counts.misses
}

#[test]
fn feed_fan_out_on_write_writes_each_post_to_every_follower() {
    let s = run(
        "feed-fanout-write",
        &["scenario.duration=20s", "scenario.warmup=0s"],
    );
    let posts = node(&s, "fanout").counts.processed;
    assert_eq!(posts, node(&s, "post-api").counts.completed);
    let timelines = node(&s, "timelines");
    let writes = cache_writes(timelines);
    // Posts/s × mean followers: 50/s × ~49 (Pareto 25, shape 2, ≤ 10 000).
    assert_sum_of_counts(
        "timeline writes",
        writes,
        posts,
        pareto_count(25.0, 2.0, 10_000),
    );
    // Write-through: every write reaches the store, and every miss.
    let db = node(&s, "timeline-db");
    assert_eq!(db.counts.arrived, writes + timelines.counts.misses);
    // Only a rare feed read gives up (its 200 ms timeout on a slow disk
    // read); no post is lost.
    assert_eq!(node(&s, "post-api").counts.failed_downstream, 0);
    assert_eq!(node(&s, "fanout").counts.dead_lettered, 0);
    assert!(
        s.counts.failed() * 1000 < s.counts.arrived,
        "{:?}",
        s.counts
    );
    // The objectives read the readers' own p99 and the fan-out's lag.
    let name = "feed-fanout-write";
    let (p99, pass) = objective(name, &s, "p99 of workload readers below 50 ms");
    assert_eq!(Some(p99), workload(&s, "readers").latency.p99_ms);
    assert!(pass, "readers' p99 {p99} ms");
    let (lag, pass) = objective(name, &s, "p99 at fanout below 1000 ms");
    let fanout = node(&s, "fanout").processing.as_ref().expect("processing");
    assert_eq!(Some(lag), fanout.p99_ms);
    assert!(pass, "fan-out lag p99 {lag} ms");
}

#[test]
fn feed_fan_out_on_read_looks_up_every_followee() {
    let s = run(
        "feed-fanout-read",
        &["scenario.duration=8s", "scenario.warmup=0s"],
    );
    let reads = node(&s, "feed-api").counts.completed;
    let posts = node(&s, "post-api").counts.completed;
    let cache = node(&s, "recent-posts");
    // Each read fetches its ~39 followees (Pareto 20, shape 2, ≤ 5 000).
    let lookups = cache.counts.hits + cache.counts.misses;
    assert_sum_of_counts(
        "followee lookups",
        lookups,
        reads,
        pareto_count(20.0, 2.0, 5_000),
    );
    // Cheap writes: one per post.
    assert_eq!(cache_writes(cache), posts);
    assert_eq!(s.counts.failed(), 0);
    // A read waits for the slowest of its ~39 lookups, a post for one
    // write: the readers' objective reads their p99 alone.
    let name = "feed-fanout-read";
    let (reads, _) = objective(name, &s, "p99 of workload readers below 150 ms");
    let (posts, _) = objective(name, &s, "p99 of workload authors below 50 ms");
    assert_eq!(Some(reads), workload(&s, "readers").latency.p99_ms);
    assert!(reads > posts, "reads {reads} ms, posts {posts} ms");
}

#[test]
fn chat_delivers_to_every_recipient_online_or_by_push() {
    // Without the provider's rare errors no message is delivered twice.
    let s = run(
        "chat",
        &[
            "scenario.duration=20s",
            "scenario.warmup=0s",
            "push.error_rate=0",
        ],
    );
    let messages = node(&s, "deliveries").counts.processed;
    assert_eq!(messages, node(&s, "chat-api").counts.completed);
    // The topic gives the indexer its own copy of each.
    assert_eq!(node(&s, "indexer").counts.processed, messages);
    // 400/s × ~1.34 recipients (Pareto 1, shape 2.5, ≤ 256).
    let deliveries = node(&s, "deliver").counts.completed;
    assert_sum_of_counts(
        "deliveries",
        deliveries,
        messages,
        pareto_count(1.0, 2.5, 256),
    );
    // A quarter of them offline: pushed (binomial, 4 SE).
    let push = node(&s, "push").counts.arrived;
    assert_eq!(push + node(&s, "gateway").counts.arrived, deliveries);
    let d = deliveries as f64;
    let se = (d * 0.25 * 0.75).sqrt();
    assert!(
        (push as f64 - 0.25 * d).abs() < 4.0 * se,
        "push {push} of {d}"
    );
    assert_eq!(node(&s, "push").counts.throttled, 0);
    // Delivery lag, the deliveries queue's own p99 (a push waits ~100 ms,
    // p99 1 s): an objective apart from the send p99.
    let (lag, pass) = objective("chat", &s, "p99 at deliveries below 2000 ms");
    let queue = node(&s, "deliveries")
        .processing
        .as_ref()
        .expect("processing");
    assert_eq!(Some(lag), queue.p99_ms);
    assert!(pass && lag > s.latency.p99_ms.unwrap(), "lag p99 {lag} ms");
}

#[test]
fn ride_hailing_reads_nine_cells_per_request() {
    let s = run(
        "ride-hailing",
        &["scenario.duration=30s", "scenario.warmup=0s"],
    );
    let rides = node(&s, "dispatch").counts.arrived;
    let fixes = node(&s, "location-svc").counts.arrived;
    let geo = node(&s, "geo-index");
    // Each ride reads its cell and the 8 around it; each fix is one write.
    assert_eq!(geo.counts.hits + geo.counts.misses, 9 * rides);
    assert_eq!(cache_writes(geo), fixes);
    // Every ride pre-authorises once, plus the retries.
    let dispatch = node(&s, "dispatch");
    assert_eq!(
        node(&s, "payments").counts.arrived,
        rides + dispatch.counts.retries
    );
    // 4 000 drivers in 10 000 cells: at most 4 000 cells hold a driver.
    assert!(geo.hit_ratio.unwrap() < 0.4 + 0.05, "{:?}", geo.hit_ratio);
    // A ride takes ~330 ms (2 + 0.5 + 20 + 300 + 5), most of it the
    // provider's.
    let mean = dispatch.sojourn.mean_ms.unwrap();
    assert!((250.0..450.0).contains(&mean), "ride mean {mean} ms");
    // The riders' own p99, apart from the drivers' 200 times as many
    // location updates (well under a ride's mean).
    let name = "ride-hailing";
    let (rides, _) = objective(name, &s, "p99 of workload riders below 3000 ms");
    let (fixes, _) = objective(name, &s, "p99 of workload drivers below 10 ms");
    assert_eq!(Some(rides), workload(&s, "riders").latency.p99_ms);
    assert!(
        rides > mean && fixes < mean,
        "rides {rides} ms, fixes {fixes} ms"
    );
}

#[test]
fn video_streaming_sends_misses_to_the_origin_and_writes_five_renditions() {
    // Without the store's rare errors nothing is retried.
    let s = run(
        "video-streaming",
        &[
            "scenario.duration=30s",
            "scenario.warmup=0s",
            "segments-store.error_rate=0",
        ],
    );
    let edge = node(&s, "edge");
    let origin = node(&s, "origin-svc");
    // Every miss goes to the origin, and only misses.
    assert_eq!(origin.counts.arrived, edge.counts.misses);
    // The edge starts warm with the 200 000 most watched of 1.2 million
    // segments (Zipf s = 1): it hits with their mass from the first
    // second. Its ~3 000 misses in 30 s each evict the least recently
    // used of them (mass ~3.4e-7 each): a drift under 0.001, added to
    // the binomial tolerance (z = 3.9).
    let harmonic = |n: u32| (1..=n).map(|i| 1.0 / f64::from(i)).sum::<f64>();
    let mass = harmonic(200_000) / harmonic(1_200_000);
    let lookups = (edge.counts.hits + edge.counts.misses) as f64;
    let hit = edge.counts.hits as f64 / lookups;
    let tolerance = 3.9 * (mass * (1.0 - mass) / lookups).sqrt() + 0.001;
    assert!(
        (hit - mass).abs() <= tolerance,
        "edge hit ratio {hit:.4}, the top segments' mass {mass:.4} ± {tolerance:.4}"
    );
    let transcode = node(&s, "transcode");
    assert_eq!(
        transcode.counts.processed,
        node(&s, "upload-api").counts.completed
    );
    // Each transcoded video writes its 5 renditions.
    assert_eq!(
        node(&s, "segments-store").counts.arrived,
        origin.counts.arrived + 5 * transcode.counts.processed
    );
    assert_eq!(origin.counts.retries + transcode.counts.retries, 0);
    // The edge's bill: every segment answered is ~1 MB (log-normal, p99
    // 3 MB: a coefficient of variation of 0.64, so a standard deviation
    // under 1 MB), billed at $0.02 per GB, and only the edge bills.
    let t = s.transfer.as_ref().expect("the design moves bytes");
    assert_eq!(t.egress_bytes, t.bytes_to_users);
    assert!((t.egress_cost - t.egress_bytes as f64 * 0.02 / 1e9).abs() < 1e-9);
    let segments = s.classes[0].latency.count as f64;
    let mean = t.bytes_to_users as f64 / segments;
    let tolerance = 4.0 * 1e6 / segments.sqrt();
    assert!(
        (mean - 1e6).abs() < tolerance,
        "{mean} bytes a segment, 1 MB ± {tolerance}"
    );
}

#[test]
fn file_storage_moves_every_block_of_every_file() {
    let s = run(
        "file-storage",
        &["scenario.duration=20s", "scenario.warmup=0s"],
    );
    let api = node(&s, "sync-api");
    let ops = api.counts.arrived;
    // 250/s × ~2.6 blocks (Pareto 1, shape 1.5, ≤ 2 500), uploads and
    // downloads alike; retries on top.
    let blocks = node(&s, "blocks");
    assert_sum_of_counts(
        "block operations",
        blocks.counts.arrived - api.counts.retries,
        ops,
        pareto_count(1.0, 1.5, 2_500),
    );
    // Far under S3's 3 500/s: nothing throttled.
    assert_eq!(blocks.counts.throttled, 0);
    // Every block crosses the API's link with its 4 MB once per attempt
    // (an upload's request) or once per successful answer (a download's):
    // between the attempts that did not err and all of them.
    let link = s
        .transfer
        .as_ref()
        .expect("the design moves bytes")
        .link_bytes;
    assert_eq!(link % 4_000_000, 0);
    let moved = link / 4_000_000;
    assert!(
        (blocks.counts.arrived - blocks.counts.errors..=blocks.counts.arrived).contains(&moved),
        "{moved} blocks moved of {} sent",
        blocks.counts.arrived
    );
    // Each upload notifies 1 to 3 other devices (uniform: mean 2, E[N²] =
    // 14/3).
    let uploads = node(&s, "notify").counts.processed;
    assert_eq!(uploads, node(&s, "changes").counts.completed);
    assert_sum_of_counts(
        "device notifications",
        node(&s, "devices").counts.arrived,
        uploads,
        (2.0, 14.0 / 3.0),
    );
}

#[test]
fn the_rate_limited_api_refuses_the_scraper_alone() {
    let s = run(
        "rate-limited-api",
        &["scenario.duration=40s", "scenario.warmup=0s"],
    );
    let gate = node(&s, "gateway");
    let (apps, scraper) = (&s.workloads[0].counts, &s.workloads[1].counts);
    // Per client: the scraper (one API key) gets at most 20/s × 40 s + the
    // burst of 40 in, spike or not; the apps (~0.18/s per key) all of
    // theirs; every refusal is the scraper's.
    let scraper_in = scraper.arrived - scraper.rejected;
    assert!(scraper_in <= 20 * 40 + 40, "scraper admitted {scraper_in}");
    // How many: the bucket never fills again once its burst is spent (at
    // 300/s the next request is a few ms away, far less than the 2 s that
    // 40 tokens take), so no refill is lost: it lets in the whole 20/s ×
    // 40 s + 40, less what it holds at the end (under one token, plus the
    // few ms since the last request).
    assert!(
        scraper_in >= 20 * 40 + 40 - 2,
        "scraper admitted {scraper_in}"
    );
    assert_eq!(apps.rejected, 0, "{apps:?}");
    assert_eq!(gate.counts.rejected, scraper.rejected);
    // During the 15 s spike the scraper offers 1 200/s (Poisson: at least
    // 18 000 − 4 × 134 arrive) and at most 20 × 15 + 40 get in.
    assert!(scraper.rejected >= 18_000 - 4 * 134 - (20 * 15 + 40));
    assert_eq!(
        gate.counts.completed + gate.counts.rejected,
        gate.counts.arrived
    );
    // The admitted requests do not notice: their p99 stays in bounds.
    let p99 = node(&s, "api").sojourn.p99_ms.unwrap();
    assert!(p99 < 100.0, "api p99 {p99} ms");
    // The 429s are the limiter working: counted apart, and the error-rate
    // objective leaves them out.
    let refused = gate.counts.rejected;
    assert_eq!(s.counts.limited, refused);
    let (rate, pass) = objective(
        "rate-limited-api",
        &s,
        "error_rate_excluding_limited below 0.001",
    );
    let others = s.counts.failed() - refused;
    assert_eq!(rate, others as f64 / (s.counts.completed + others) as f64);
    assert!(pass, "error rate without the 429s {rate}");
}

#[test]
fn the_crawler_fetches_twenty_one_pages_per_seed() {
    let s = run(
        "web-crawler",
        &["scenario.duration=20s", "scenario.warmup=0s"],
    );
    let seeds = s.counts.arrived;
    let frontier = node(&s, "frontier");
    // No page lost (a failed fetch is retried, then redelivered): the
    // depth bound makes the tree exact, 1 + 4 + 16 pages per seed and
    // 4 × 16 links dropped at the bound.
    assert_eq!(frontier.counts.dead_lettered, 0);
    assert_eq!(node(&s, "parser").counts.completed, 21 * seeds);
    assert_eq!(node(&s, "pages-db").counts.completed, 21 * seeds);
    assert_eq!(frontier.hops_exceeded, Some(64 * seeds));
    assert_eq!(frontier.counts.processed, 21 * seeds);
    // Politeness (a leaky bucket per host, one fetch a second): no host's
    // line of 20 ever fills (the busiest host is asked ~0.69 times a
    // second), and the wait it adds is small beside a 400 ms fetch. Each
    // host is an M/D/1 (service 1 s) at its Zipf share of ~430 fetches/s:
    // 8.7 ms on average for Poisson arrivals; the crawl comes in waves (a
    // seed's pages in bursts of 4 and 16), 12–18 ms in 20 s runs (seeds
    // 1, 2, 3 and the file's).
    let polite = node(&s, "politeness");
    assert_eq!(polite.counts.rejected, 0);
    // Little's law over every fetch (most pass at once, the few delayed
    // are the visits present): W = L / λ.
    let wait = polite.mean_present / (polite.counts.arrived as f64 / 20.0) * 1000.0;
    assert!(wait < 40.0, "politeness wait {wait} ms");
    // Pages parsed per second: the crawl's own throughput objective.
    let (pages, _) = objective("web-crawler", &s, "throughput at parser above 300 req/s");
    let parsed = node(&s, "parser").counts.completed as f64;
    assert_eq!(pages, parsed / s.measured.as_secs_f64());
}

/// The category page's database calls and mean latency, every request a
/// page (the buyers' orders turned into page views).
fn shop(name: &str) -> (u64, u64, f64) {
    let s = run(
        name,
        &[
            "scenario.duration=20s",
            "scenario.warmup=0s",
            "workload.buyers.mix={ read = 1.0 }",
        ],
    );
    let api = node(&s, "api");
    assert_eq!(s.counts.failed(), 0);
    (
        api.counts.arrived,
        node(&s, "db").counts.arrived,
        api.sojourn.mean_ms.unwrap(),
    )
}

#[test]
fn the_n_plus_one_page_makes_fifty_one_queries() {
    let (pages, queries, mean) = shop("ecommerce-n-plus-one");
    assert_eq!(queries, 51 * pages);
    // 2 ms + 3 ms (the list) + 50 × 0.5 ms (the lookups, each its own
    // work) + 51 × 1 ms of round trip = 81 ms; a page's
    // standard deviation is ~5 ms, so over 4 000 pages the mean is within
    // 0.3 ms of it (4 SE), plus a little waiting at ρ ≈ 0.33.
    assert!((80.75..84.0).contains(&mean), "N+1 page mean {mean} ms");
}

#[test]
fn the_batched_page_makes_two_queries() {
    let (pages, queries, mean) = shop("ecommerce-batched");
    assert_eq!(queries, 2 * pages);
    // 2 ms + 3 ms + 2 ms (each query its own work) + 2 × 1 ms = 9 ms,
    // nine times faster.
    assert!((8.8..9.6).contains(&mean), "batched page mean {mean} ms");
}

#[test]
fn payments_fall_back_while_the_primary_is_down() {
    let s = run("payments", &["scenario.duration=60s", "scenario.warmup=0s"]);
    let svc = node(&s, "payments-svc");
    // The breaker opens during the outage (20 s to 50 s) and, probing
    // every 10 s, trips about three times.
    let (to, _, trips) = &svc.breakers[0];
    assert_eq!(to, "primary");
    assert!((1..=5).contains(trips), "trips {trips}");
    assert!(svc.counts.short_circuited > 1000, "{:?}", svc.counts);
    // Every payment of the outage goes to the backup: 30 s × 50/s, within
    // 4 Poisson SE (1 500 ± 155), plus the primary's rare failures.
    let (taken, failed) = svc.fallbacks.unwrap();
    assert!((1345..=1700).contains(&taken), "fallbacks {taken}");
    assert_eq!(node(&s, "backup").counts.arrived, taken);
    // A fallback is asked once: payments fail at the backup's own rate
    // (~1 %), and nothing else fails.
    assert_eq!(s.counts.failed(), failed);
    assert!(
        failed * 40 < taken,
        "{failed} of {taken} failed at the backup"
    );
    // Every charged payment reaches the ledger, none lost.
    let ledger = node(&s, "ledger");
    assert_eq!(ledger.counts.processed, svc.counts.completed);
    assert_eq!(ledger.counts.dead_lettered, 0);
    // The ledger's own objectives: nothing left in it, entries in time.
    let (backlog, pass) = objective("payments", &s, "backlog at ledger below 10 messages");
    assert_eq!(Some(backlog as u64), ledger.backlog);
    assert!(pass, "ledger backlog {backlog}");
    let (lag, pass) = objective("payments", &s, "p99 at ledger below 1000 ms");
    assert!(pass, "ledger p99 {lag} ms");
}
