//! Stale cache reads: a read-through cache whose key is written straight to the database behind it (the write bypasses the cache) serves the old value on every hit after that write, until the key is filled again; a write that passes through the cache (write-through, invalidate) leaves nothing stale.

mod common;

use common::run_checked;

/// One hot key (`keys.count = 1`), read through `cache` 100 times a
/// second and written 10 times a second, both evenly spaced over 10 s;
/// `api` sends reads to the cache and writes as `writes_to` says.
fn hot_key(writes_to: &str, write_policy: &str, ttl: &str) -> String {
    format!(
        r#"
[scenario]
name = "stale cache"
duration = "10s"
seed = 5

[[workload]]
name = "reads"
to = "api"
arrival = "constant"
rate = 100
mix = {{ read = 1.0 }}
keys = {{ count = 1 }}

[[workload]]
name = "writes"
to = "api"
arrival = "constant"
rate = 10
mix = {{ write = 1.0 }}
keys = {{ count = 1 }}

[[node]]
id = "api"
kind = "service"
workers = 100
service_time = "0.1ms"
calls = [ {{ to = "cache", when = "read" }}, {{ to = "{writes_to}", when = "write" }} ]

[[node]]
id = "cache"
kind = "cache"
capacity = 10
hit_time = "0.5ms"
on_miss = "db"
write_policy = "{write_policy}"
{ttl}

[[node]]
id = "db"
kind = "database"
workers = 4
service_time = "1ms"
"#
    )
}

#[test]
fn every_hit_after_a_write_that_bypassed_the_cache_is_stale() {
    let s = run_checked(&hot_key("db", "invalidate", ""), 5);
    let cache = s.nodes.iter().find(|n| n.id == "cache").unwrap();
    let db = s.nodes.iter().find(|n| n.id == "db").unwrap();
    let (hits, misses, stale) = (
        cache.counts.hits,
        cache.counts.misses,
        cache.counts.stale_reads,
    );
    println!(
        "hits {hits} misses {misses} stale {stale} db {}",
        db.counts.arrived
    );
    // 1 000 reads at 10 ms, 20 ms, …; the first misses and fills at once
    // (no TTL, room for the key: it is never filled again). The first
    // write arrives at 100 ms and is in the database at 100.1 + 1 ms:
    // the hits at 20 … 100 ms (9) are fresh, the 990 after it stale.
    assert_eq!(misses, 1);
    assert_eq!(hits, 999);
    assert_eq!(stale, hits - 9);
    assert_eq!(db.counts.stale_reads, 0, "the database has no replicas");
    assert_eq!(s.stale_reads(), stale, "the system figure counts them");
}

#[test]
fn a_ttl_bounds_how_long_an_entry_stays_stale() {
    // ttl 1 s. A read at r reaches the cache at r + 0.6 ms (api 0.1 ms,
    // lookup 0.5 ms); a miss fills at r + 1.6 ms (db 1 ms). The entry
    // expires for the first read at least 1 s after its fill: r + 1.01 s.
    // So the 10 misses are the reads at k + 0.01 (k + 1) s, k = 0..9. A
    // write sent at w (every 100 ms) is in the db at w + 1.1 ms; the hits
    // after a fill and before the next such write are fresh: 9 after the
    // fill at 11.6 ms (reads at 20..100 ms), 8 after 1.0216 s, … 1 after
    // 8.0916 s; the fill at 9.1016 s comes just after the write of 9.1 s
    // (done at 9.1011 s), so 10 (9.11..9.20 s): 45 + 10 = 55 fresh hits.
    let s = run_checked(&hot_key("db", "invalidate", "ttl = \"1s\""), 5);
    let cache = s.nodes.iter().find(|n| n.id == "cache").unwrap();
    let (hits, misses, stale) = (
        cache.counts.hits,
        cache.counts.misses,
        cache.counts.stale_reads,
    );
    println!("hits {hits} misses {misses} stale {stale}");
    assert_eq!(misses, 10);
    assert_eq!(hits, 990);
    assert_eq!(stale, hits - 55);
}

#[test]
fn writes_through_the_cache_leave_nothing_stale() {
    for policy in ["write_through", "invalidate", "write_back"] {
        let s = run_checked(&hot_key("cache", policy, ""), 5);
        let cache = s.nodes.iter().find(|n| n.id == "cache").unwrap();
        println!(
            "{policy}: hits {} misses {} stale {}",
            cache.counts.hits, cache.counts.misses, cache.counts.stale_reads
        );
        assert!(cache.counts.hits > 800, "{policy}");
        assert_eq!(cache.counts.stale_reads, 0, "{policy}");
        assert_eq!(s.stale_reads(), 0, "{policy}");
    }
}
