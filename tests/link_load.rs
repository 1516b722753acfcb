//! Link load before a run: each direction's predicted utilisation is the calls' rate × mean size ÷ bandwidth (a zone link sums its calls), the simulation's bytes per second agree within 4 SD of a Poisson count, `check` names a saturated link and `summary.json`'s `link_theory` carries the shares.

mod cli;
mod common;

use cli::TempDir;
use common::{load, run_checked};
use loadlab::report::predict::{LinkLoad, LinkOf, link_loads};

/// The zone link's bandwidth ("8Gbps") and the blob call's ("4Gbps"), B/s.
const ZONE_BW: f64 = 1e9;
const BLOB_BW: f64 = 5e8;
/// The workloads' rates (Poisson) and the measured seconds.
const LEFT: f64 = 300.0;
const RIGHT: f64 = 200.0;

/// `left` (300/s) and `right` (200/s, twice per request) in zone `a` call
/// `store` in zone `b` over the zones' shared link; `right` also calls
/// `blob` over a link of its own. Each argument is a call's payload fields.
fn design(left: &str, right: &str, blob: &str, zone_bw: &str) -> String {
    format!(
        r#"
[scenario]
name = "link load"
duration = "200s"
warmup = "10s"
seed = 5

[[workload]]
to = "left"
rate = {LEFT}

[[workload]]
to = "right"
rate = {RIGHT}

[[node]]
id = "left"
kind = "service"
zone = "a"
workers = 10000
service_time = "0s"
calls = [ {{ to = "store"{left} }} ]

[[node]]
id = "right"
kind = "service"
zone = "a"
workers = 10000
service_time = "0s"
calls = [ {{ to = "store", repeat = 2{right} }}, {{ to = "blob", bandwidth = "4Gbps"{blob} }} ]

[[node]]
id = "store"
kind = "external"
zone = "b"
latency = "0s"

[[node]]
id = "blob"
kind = "external"
zone = "b"
latency = "0s"

[[zone_link]]
between = ["a", "b"]
latency = "0s"
bandwidth = "{zone_bw}"
"#
    )
}

const LEFT_REQ: &str = ", request_bytes = \"200KB\"";
const LEFT_ANS: &str = ", response_bytes = { dist = \"exponential\", mean = \"1MB\" }";
const RIGHT_REQ: &str = ", request_bytes = \"100KB\"";
const RIGHT_ANS: &str = ", response_bytes = \"500KB\"";
const BLOB_REQ: &str = ", request_bytes = \"1MB\"";

fn full(zone_bw: &str) -> String {
    design(
        &format!("{LEFT_REQ}{LEFT_ANS}"),
        &format!("{RIGHT_REQ}{RIGHT_ANS}"),
        BLOB_REQ,
        zone_bw,
    )
}

fn link(links: &[LinkLoad], of: LinkOf) -> LinkLoad {
    *links
        .iter()
        .find(|l| l.of == of)
        .expect("the link is listed")
}

const BLOB: LinkOf = LinkOf::Call { node: 1, call: 1 };
const ZONE: LinkOf = LinkOf::Zone(0);

#[test]
fn utilisation_is_rate_times_mean_size_over_bandwidth() {
    let links = link_loads(&load(&full("8Gbps")));
    assert_eq!(
        links.len(),
        2,
        "the blob call's link and the zones': {links:?}"
    );
    let blob = link(&links, BLOB);
    let zone = link(&links, ZONE);
    // The blob call: 200/s × 1 MB over 500 MB/s; it answers nothing.
    let want_blob = [RIGHT * 1e6 / BLOB_BW, 0.0];
    // The zones' link sums both callers: to b the requests, to a the
    // answers (right calls twice per request).
    let to_b = (LEFT * 200e3 + RIGHT * 2.0 * 100e3) / ZONE_BW;
    let to_a = (LEFT * 1e6 + RIGHT * 2.0 * 500e3) / ZONE_BW;
    for (got, want) in [
        (blob.ways[0], want_blob[0]),
        (blob.ways[1], want_blob[1]),
        (zone.ways[0], to_b),
        (zone.ways[1], to_a),
    ] {
        println!("predicted {:.6}, by hand {want:.6}", got.utilisation);
        assert!((got.utilisation - want).abs() < 1e-9, "{got:?} vs {want}");
        assert!(!got.upper_bound);
    }
    assert_eq!(zone.bandwidth, ZONE_BW);
}

/// The relative SD of the bytes a set of Poisson streams sends in `secs`:
/// each stream `(rate, E[X], E[X²])` of bytes `X` per request is a compound
/// Poisson sum of variance rate·secs·E[X²].
fn relative_sd(streams: &[(f64, f64, f64)], secs: f64) -> f64 {
    let mean: f64 = streams.iter().map(|(r, x, _)| r * x).sum();
    let var: f64 = streams.iter().map(|(r, _, x2)| r * x2).sum();
    var.sqrt() / (mean * secs.sqrt())
}

#[test]
fn the_simulated_bytes_per_second_agree_with_the_prediction() {
    let predicted = link_loads(&load(&full("8Gbps")));
    let (zone, blob) = (link(&predicted, ZONE), link(&predicted, BLOB));
    // Each run keeps only the bytes that cross one direction, so the
    // run's link bytes are that direction's.
    let exp2 = 2.0 * 1e12; // E[X²] of an exponential of mean 1 MB
    let cases = [
        (
            "zones, to b",
            design(LEFT_REQ, RIGHT_REQ, "", "8Gbps"),
            zone.ways[0].utilisation,
            ZONE_BW,
            vec![(LEFT, 200e3, 4e10), (RIGHT, 200e3, 4e10)],
        ),
        (
            "zones, to a",
            design(LEFT_ANS, RIGHT_ANS, "", "8Gbps"),
            zone.ways[1].utilisation,
            ZONE_BW,
            vec![(LEFT, 1e6, exp2), (RIGHT, 1e6, 1e12)],
        ),
        (
            "blob, to blob",
            design("", "", BLOB_REQ, "8Gbps"),
            blob.ways[0].utilisation,
            BLOB_BW,
            vec![(RIGHT, 1e6, 1e12)],
        ),
    ];
    for (name, text, want, bandwidth, streams) in cases {
        // Run to its end, books checked, then every measured request finished.
        let s = run_checked(&text, 5);
        let secs = s.measured.as_secs_f64();
        let bytes = s.transfer.expect("bytes reported").link_bytes as f64;
        let measured = bytes / secs / bandwidth;
        let tol = 4.0 * relative_sd(&streams, secs) * want;
        let arrivals = s.counts.arrived as f64 / secs;
        println!(
            "{name}: predicted {want:.5}, simulated {measured:.5} (±{tol:.5}, 4 SD; {arrivals:.1} requests/s of {})",
            LEFT + RIGHT
        );
        assert!(
            (measured - want).abs() <= tol,
            "{name}: {measured} vs {want} ± {tol}"
        );
    }
}

#[test]
fn check_names_a_saturated_link() {
    // At 2 Gbit/s (250 MB/s) the answers to a need 500 MB/s.
    let dir = TempDir::new("link_load");
    let file = dir.write("saturated.toml", full("2Gbps").as_bytes());
    let (code, out, err) = cli::check(&file);
    assert_eq!(code, Some(0), "{err}");
    println!("{out}");
    assert!(
        out.contains("link right → blob (4Gbps): to blob 40 % · back 0 %"),
        "{out}"
    );
    assert!(
        out.contains("link zones a ↔ b (2Gbps): to b 40 % · to a 200 %"),
        "{out}"
    );
    assert!(
        out.contains("saturated: the bytes to a need 2.0× the link: the line grows without bound"),
        "{out}"
    );
    assert_eq!(out.matches("saturated").count(), 1, "{out}");
}

#[test]
fn rates_past_a_limiter_are_only_upper_bounds() {
    let text = full("2Gbps").replace(
        "[[workload]]\nto = \"left\"",
        "[[node]]\nid = \"gate\"\nkind = \"rate_limiter\"\nalgorithm = \"token_bucket\"\nrate = 100\nburst = 10\nto = \"left\"\n\n[[workload]]\nto = \"gate\"",
    );
    let links = link_loads(&load(&text));
    let zone = link(&links, ZONE);
    assert!(zone.ways.iter().all(|w| w.upper_bound), "{zone:?}");
    let out = loadlab::report::predict::describe_links(&load(&text), &links);
    assert!(
        out.contains("to b at most 40 % · to a at most 200 %"),
        "{out}"
    );
    assert!(
        out.contains("may saturate: the bytes to a need up to 2.0× the link (an upper bound); if they do, the line grows without bound"),
        "{out}"
    );
}

#[test]
fn summary_json_carries_the_predicted_shares() {
    let dir = TempDir::new("link_load_json");
    let text = full("8Gbps").replace("duration = \"200s\"", "duration = \"11s\"");
    let file = dir.write("links.toml", text.as_bytes());
    let out = dir.0.join("out");
    let (code, _, err) = cli::run_to(&file, &out, &[]);
    assert_eq!(code, Some(0), "{err}");
    let json = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let links = v["link_theory"].as_array().expect("link_theory");
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!(links[0]["link"], "right → blob");
    assert_eq!(links[0]["bandwidth_bytes_per_s"], BLOB_BW);
    let zone = &links[1];
    assert_eq!(zone["link"], "zones a ↔ b");
    let ways = zone["directions"].as_array().expect("directions");
    assert_eq!(
        (&ways[0]["direction"], &ways[1]["direction"]),
        (&"to b".into(), &"to a".into())
    );
    let to_a = ways[1]["utilisation"].as_f64().expect("a number");
    assert!((to_a - 0.5).abs() < 1e-9, "{to_a}");
    assert_eq!(ways[1]["upper_bound"], false);
}
