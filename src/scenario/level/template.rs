//! The debrief template language: text with `{figure}` holes naming a figure of the run (`{p99}`, `{db.rate}`, `{start.cache.hit_ratio}`), `{{` and `}}` for braces.

/// A parsed debrief: text and figure holes, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Text(String),
    /// A figure of the graded run; `start` when of the level's starting
    /// design (run on the level's seed), `node` for a node's figure.
    Figure {
        start: bool,
        node: Option<String>,
        name: String,
    },
}

/// Every figure a debrief may quote: (name, of a node?, meaning). The
/// campaign renders each with its unit.
pub const FIGURES: [(&str, bool, &str); 38] = [
    ("p50", false, "median end-to-end latency (ms)"),
    ("p95", false, "95th percentile latency (ms)"),
    ("p99", false, "99th percentile latency (ms)"),
    ("p999", false, "99.9th percentile latency (ms)"),
    ("mean", false, "mean latency (ms)"),
    ("error_rate", false, "failed / finished (%)"),
    ("throughput", false, "completed requests per second"),
    ("cost", false, "the design's cost ($/h)"),
    ("egress_cost", false, "the egress bill ($/h)"),
    ("total_cost", false, "the machines' cost plus egress ($/h)"),
    ("failed", false, "requests that failed"),
    (
        "dead_lettered",
        false,
        "queue messages dead-lettered (all queues)",
    ),
    (
        "stale_reads",
        false,
        "reads served stale by a read replica (all databases)",
    ),
    ("budget", false, "the level's budget ($/h)"),
    ("par", false, "the level's cost par ($/h)"),
    ("utilisation", true, "busy workers / workers (%)"),
    (
        "busiest",
        true,
        "the busiest replica's or instance's utilisation (%)",
    ),
    ("hit_ratio", true, "a cache's hits / lookups (%)"),
    ("rate", true, "visits reaching the node per second"),
    ("p99", true, "the node's own p99, arrival to answer (ms)"),
    ("wait", true, "mean wait in line (ms)"),
    ("queue", true, "mean line length"),
    ("rejected", true, "visits turned away by a full line"),
    ("timed_out", true, "visits failed by the node's timeout"),
    ("retries", true, "call attempts beyond the first"),
    (
        "short_circuited",
        true,
        "calls failed fast by an open breaker (none without a breaker)",
    ),
    (
        "acquire_timeouts",
        true,
        "calls failed for want of a pooled connection (none when 0)",
    ),
    (
        "call_timeouts",
        true,
        "call attempts the node gave up on after the call's timeout",
    ),
    (
        "flushes_failed",
        true,
        "a write-back cache's flushed writes the store refused or failed",
    ),
    (
        "at_risk",
        true,
        "a write-back cache's writes acknowledged, not yet in the store",
    ),
    (
        "errors",
        true,
        "visits failed by an error (a crash, an error answer)",
    ),
    ("processed", true, "a queue's messages processed"),
    ("redelivered", true, "a queue's messages delivered again"),
    ("dead_lettered", true, "a queue's messages dead-lettered"),
    (
        "stale_reads",
        true,
        "a database's reads served stale by a read replica",
    ),
    ("replicas", true, "replicas or instances"),
    ("workers", true, "workers, all replicas together"),
    ("cost", true, "the node's cost ($/h)"),
];

impl Template {
    /// Parses `text`; the error says what is wrong (an unclosed brace, an
    /// unknown figure) with a hint.
    pub fn parse(text: &str) -> Result<Template, (String, Option<String>)> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    segments.push(Segment::Text(std::mem::take(&mut literal)));
                    segments.push(figure(&name, closed)?);
                }
                '}' => {
                    return Err((
                        "a `}` without its `{`".into(),
                        Some("write `}}` for a brace in the text".into()),
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        segments.retain(|s| !matches!(s, Segment::Text(t) if t.is_empty()));
        Ok(Template { segments })
    }

    /// The template as it is written (`parse` of it gives it back): braces
    /// in the text doubled, each figure in its `{...}`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(&t.replace('{', "{{").replace('}', "}}")),
                Segment::Figure { start, node, name } => {
                    out.push('{');
                    if *start {
                        out.push_str("start.");
                    }
                    if let Some(n) = node {
                        out.push_str(n);
                        out.push('.');
                    }
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out
    }
}

/// One `{...}` hole; `closed` when its `}` was found.
fn figure(name: &str, closed: bool) -> Result<Segment, (String, Option<String>)> {
    let name = name.trim();
    if name.is_empty() || !closed {
        return Err((
            "a `{` without its `}`, or an empty `{}`".into(),
            Some("a figure is written `{p99}` or `{db.utilisation}`; `{{` for a brace".into()),
        ));
    }
    let (start, rest) = match name.strip_prefix("start.") {
        Some(r) => (true, r),
        None => (false, name),
    };
    let (node, figure) = match rest.rsplit_once('.') {
        Some((n, f)) => (Some(n.to_string()), f),
        None => (None, rest),
    };
    let known = FIGURES
        .iter()
        .any(|(f, of_node, _)| *f == figure && *of_node == node.is_some());
    if !known {
        let names: Vec<&str> = FIGURES
            .iter()
            .filter(|(_, of_node, _)| *of_node == node.is_some())
            .map(|(f, _, _)| *f)
            .collect();
        let whose = if node.is_some() { "a node" } else { "the run" };
        return Err((
            format!("unknown figure `{figure}` of {whose} in `{{{name}}}`"),
            Some(format!("known: {}", names.join(", "))),
        ));
    }
    Ok(Segment::Figure {
        start,
        node,
        name: figure.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_and_braces_parse_and_mistakes_say_what_is_wrong() {
        let t = Template::parse("p99 {p99}, db {start.db.rate} → {db.rate} {{x}}").unwrap();
        assert_eq!(t.segments.len(), 7);
        assert_eq!(
            t.segments[3],
            Segment::Figure {
                start: true,
                node: Some("db".into()),
                name: "rate".into()
            }
        );
        assert_eq!(t.segments[6], Segment::Text(" {x}".into()));
        assert!(Template::parse("{p98}").unwrap_err().0.contains("p98"));
        assert!(Template::parse("{db.hits}").is_err());
        assert!(Template::parse("open {p99").is_err());
        assert!(Template::parse("a } b").is_err());
        assert!(Template::parse("{}").is_err());
        assert_eq!(Template::parse(&t.to_text()).unwrap(), t);
        assert_eq!(
            t.to_text(),
            "p99 {p99}, db {start.db.rate} → {db.rate} {{x}}"
        );
    }
}
