//! Stale cache reads: a read-through cache whose key is written straight to the database behind it (the write bypasses the cache) serves the old value on every hit after that write, until the key is filled again; a write that passes through the cache (write-through, invalidate) leaves nothing stale.

mod common;

use common::run_checked;

/// One hot key (`keys.count = 1`), read through `cache` 100 times a
/// second and written 10 times a second, both evenly spaced over 10 s;
/// `api` sends reads to the cache and writes as `writes_to` says.
fn hot_key(writes_to: &str, write_policy: &str, ttl: &str) -> String {
    hot_key_written(writes_to, write_policy, ttl, "")
}

/// `hot_key`, the writes' key space ending with `writes_create` (empty, or
/// `, writes = "new"`).
fn hot_key_written(writes_to: &str, write_policy: &str, ttl: &str, writes_create: &str) -> String {
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
keys = {{ count = 1{writes_create} }}

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

#[test]
fn writes_that_create_keys_leave_the_read_key_fresh() {
    // The same hot key, its writes straight to the database, but each
    // write creates a key (a new short link): no write is of the key the
    // readers read, so none of the 999 hits is stale, and the 100 writes
    // still reach the database.
    let text = hot_key_written("db", "invalidate", "", ", writes = \"new\"");
    let s = run_checked(&text, 5);
    let cache = s.nodes.iter().find(|n| n.id == "cache").unwrap();
    let db = s.nodes.iter().find(|n| n.id == "db").unwrap();
    println!(
        "hits {} misses {} stale {} db {}",
        cache.counts.hits, cache.counts.misses, cache.counts.stale_reads, db.counts.arrived
    );
    assert_eq!((cache.counts.hits, cache.counts.misses), (999, 1));
    assert_eq!(cache.counts.stale_reads, 0);
    assert_eq!(db.counts.arrived, 100 + 1, "100 writes and the one miss");
}

#[test]
fn created_keys_are_new_each_write_and_pass_through_a_write_through_cache() {
    // Writes through a write-through cache with room for one key: each
    // created key is stored and pushes the hot read key out, so the read
    // after each of the ~100 writes misses; a write of the read key itself
    // (the same key every time) pushes nothing out.
    let one_key = |text: String| text.replace("capacity = 10", "capacity = 1");
    let new = run_checked(
        &one_key(hot_key_written(
            "cache",
            "write_through",
            "",
            ", writes = \"new\"",
        )),
        5,
    );
    let same = run_checked(&one_key(hot_key("cache", "write_through", "")), 5);
    let misses = |s: &loadlab::sim::Summary| {
        s.nodes
            .iter()
            .find(|n| n.id == "cache")
            .unwrap()
            .counts
            .misses
    };
    println!(
        "misses: new keys {}, same key {}",
        misses(&new),
        misses(&same)
    );
    assert_eq!(misses(&same), 1);
    assert!(
        (95..=101).contains(&misses(&new)),
        "one miss after each created key"
    );
}
