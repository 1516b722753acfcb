//! `loadlab run --report`: one self-contained report.html (nothing fetched, no script), well-formed, naming every node and objective with the figure of summary.json, escaping user text, bounded in points however many windows.

mod cli;

use std::fs;

use cli::TempDir;
use loadlab::report::html::series::MAX_POINTS;
use loadlab::report::objectives::readable;

const SCENARIO: &str = r#"[scenario]
name = "Shop <b>&amp; \"co\" </title><script>alert(1)</script>"
duration = "20s"
warmup = "2s"
window = "500ms"
seed = 3

[[workload]]
to = "lb"
rate = 300

[[node]]
id = "lb"
kind = "load_balancer"
to = "api"

[[node]]
id = "api"
kind = "service"
replicas = 2
workers = 2
service_time = { dist = "exponential", mean = "4ms" }
calls = [{ to = "db" }]

[[node]]
id = "db"
kind = "database"
workers = 4
service_time = { dist = "exponential", mean = "5ms" }

[[event]]
at = "10s"
action = "slow"
node = "db"
factor = 3
for = "4s"

[[objective]]
metric = "p99"
below = "50ms"

[[objective]]
metric = "error_rate"
below = 0.01
"#;

fn report(dir: &TempDir, scenario: &str, extra: &[&str]) -> (String, serde_json::Value) {
    let file = dir.write("s.toml", scenario.as_bytes());
    let out = dir.0.join("out");
    let mut args = vec!["--report"];
    args.extend(extra);
    let (code, _, err) = cli::run_to(&file, &out, &args);
    assert_eq!(code, Some(0), "{err}");
    let html = fs::read_to_string(out.join("report.html")).expect("report.html");
    let json = fs::read_to_string(out.join("summary.json")).expect("summary.json");
    (html, serde_json::from_str(&json).expect("json"))
}

#[test]
fn written_with_report_and_not_without() {
    let dir = TempDir::new("report-flag");
    let file = dir.write("s.toml", SCENARIO.as_bytes());
    let plain = dir.0.join("plain");
    let (code, _, err) = cli::run_to(&file, &plain, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(plain.join("summary.json").exists());
    assert!(!plain.join("report.html").exists());
    let (html, _) = report(&dir, SCENARIO, &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // A second run does not replace it without --force.
    let (code, _, err) = cli::run_to(&file, &dir.0.join("out"), &["--report"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn nothing_is_fetched_and_nothing_runs() {
    let dir = TempDir::new("report-offline");
    let (html, _) = report(&dir, SCENARIO, &["--traces"]);
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "src=", "<script", "<link", "@import", "//",
    ] {
        let hits = lower.matches(bad).count();
        // The scenario's name holds `<script>`: only escaped.
        assert_eq!(hits, 0, "{bad} appears {hits} times");
    }
    for (i, _) in lower.match_indices("url(") {
        assert!(lower[i..].starts_with("url(#"), "url() to outside at {i}");
    }
}

/// Every element opened is closed, in order (void elements aside).
fn balanced(html: &str) -> Result<usize, String> {
    const VOID: [&str; 4] = ["meta", "br", "hr", "img"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    let mut seen = 0;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').ok_or("unclosed tag")? + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with('/') {
            match stack.pop() {
                Some(open) if open == name => seen += 1,
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !VOID.contains(&name.as_str()) {
            if name == "style" {
                let close = rest.find("</style>").ok_or("open style")?;
                rest = &rest[close + 8..];
                seen += 1;
                continue;
            }
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("left open: {stack:?}"))
    }
}

#[test]
fn well_formed_and_names_every_node_and_objective_with_its_figure() {
    let dir = TempDir::new("report-content");
    let (html, summary) = report(&dir, SCENARIO, &["--traces"]);
    let elements = balanced(&html).unwrap_or_else(|e| panic!("{e}"));
    assert!(elements > 100, "{elements} elements");
    // Topology and three charts.
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("</svg>").count(), 4);
    for id in ["lb", "api", "db"] {
        assert!(
            html.contains(&format!("<td><b>{id}</b>")),
            "node table: {id}"
        );
        assert!(
            html.contains(&format!("<title>{id}</title>")),
            "design: {id}"
        );
    }
    let objectives = summary["objectives"].as_array().expect("objectives");
    assert_eq!(objectives.len(), 2);
    for o in objectives {
        let metric = o["metric"].as_str().unwrap();
        let value = readable(o["value"].as_f64().unwrap());
        let verdict = if o["pass"].as_bool().unwrap() {
            "PASS"
        } else {
            "FAIL"
        };
        let row = html
            .split("<tr>")
            .find(|r| r.starts_with(&format!("<td>{metric} ")))
            .unwrap_or_else(|| panic!("no row for {metric}"));
        assert!(
            row.contains(&format!(">{value}<")),
            "{metric}: {value} in {row}"
        );
        assert!(row.contains(verdict), "{metric}: {verdict} in {row}");
    }
    // The two scheduled events, numbered on the axis and listed.
    assert!(html.contains("<ol class=\"events\"><li><span class=\"at\">10 s</span>"));
    assert!(html.contains("<li><span class=\"at\">14 s</span>"));
    // What happened, where the p99 goes, how to reproduce.
    let first = summary["what_happened"][0]["text"]
        .as_str()
        .expect("account");
    assert!(html.contains(&loadlab::report::html::esc(first)));
    assert!(html.contains("Where the p99 goes"));
    assert!(html.contains("--seed 3"));
    assert!(html.contains(&format!(
        "LoadLab {}",
        summary["loadlab_version"].as_str().unwrap()
    )));
}

#[test]
fn user_text_is_escaped() {
    let dir = TempDir::new("report-escape");
    let (html, _) = report(&dir, SCENARIO, &[]);
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<b>&amp;"));
    assert!(html.contains(
        "<h1>Shop &lt;b&gt;&amp;amp; &quot;co&quot; &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"
    ));
    assert_eq!(
        html.matches("</title>").count(),
        4,
        "page title + one per node box"
    );
}

#[test]
fn a_long_run_keeps_a_bounded_number_of_points() {
    let long = SCENARIO
        .replace("duration = \"20s\"", "duration = \"30s\"")
        .replace("window = \"500ms\"", "window = \"2ms\"")
        .replace("rate = 300", "rate = 50");
    let dir = TempDir::new("report-long");
    let (html, _) = report(&dir, &long, &[]);
    assert!(
        html.contains("15000 windows of 0.002 s"),
        "the note tells the windows"
    );
    let mut series = 0;
    for chunk in html.split("points=\"").skip(1) {
        let points = chunk.split('"').next().unwrap().split(' ').count();
        assert!(points <= MAX_POINTS + 1, "{points} points in one line");
        series += 1;
    }
    // p50, p99, the p99 objective, served, failed, api, db (with no gap
    // a series is one polyline; gaps only split it further).
    assert!(series >= 7, "{series} polylines");
    let total: usize = html
        .split("points=\"")
        .skip(1)
        .map(|c| c.split('"').next().unwrap().split(' ').count())
        .sum();
    assert!(total <= 7 * (MAX_POINTS + 1), "{total} points in all");
    assert!(
        total >= 6 * MAX_POINTS / 4,
        "{total}: the charts still show detail"
    );
}
