//! `report.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the run's figures, charts, topology, what happened and how to reproduce it.

pub mod charts;
pub mod reproduce;
pub mod sections;
pub mod series;
pub mod svg_chart;
pub mod topology_svg;

use std::fmt::Write;

use serde_json::Value;

use crate::report::RunInfo;
use crate::report::account::Happening;
use crate::report::objectives::ObjectiveResult;
use crate::sim::Summary;
use crate::sim::model::Model;
pub use reproduce::Reproduce;
pub use series::Downsampled;

/// The file's name in the results folder.
pub const FILE: &str = "report.html";

/// Everything a report shows.
pub struct Page<'a> {
    pub info: &'a RunInfo,
    pub model: &'a Model,
    pub summary: &'a Summary,
    pub objectives: &'a [ObjectiveResult],
    pub happened: &'a [Happening],
    /// `p99_by_hop` of summary.json, when traces were on.
    pub by_hop: Option<&'a Value>,
    pub series: &'a Downsampled,
    pub reproduce: &'a Reproduce,
}

/// `text` safe inside HTML text and attribute values.
pub fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// The whole page.
pub fn render(p: &Page) -> String {
    let title = esc(&p.info.scenario);
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — LoadLab report</title><style>{CSS}</style></head><body>\n"
    );
    header(&mut s, p);
    s.push_str(&sections::objectives(p.objectives));
    s.push_str(&sections::what_happened(p.happened));
    let utilisation: Vec<Option<f64>> = p.summary.nodes.iter().map(|n| n.utilisation).collect();
    let _ = write!(
        s,
        "<section><h2>Design</h2><p class=\"note\">Boxes tinted by utilisation over the run: \
         green below 70 %, amber below 90 %, red above.</p><div class=\"scroll\">{}</div></section>",
        topology_svg::render(p.model, &utilisation)
    );
    let end_s = p.summary.now.as_secs_f64();
    s.push_str(&charts::section(p.model, p.series, p.objectives, end_s));
    s.push_str(&sections::nodes(&p.summary.nodes));
    if let Some(v) = p.by_hop {
        s.push_str(&sections::p99_by_hop(v));
    }
    s.push_str(&reproduce::section(p.info, p.reproduce));
    s.push_str("</body></html>\n");
    s
}

fn header(s: &mut String, p: &Page) {
    let sm = p.summary;
    let _ = write!(
        s,
        "<header><h1>{}</h1><p>LoadLab {} · seed {} · {:.1} s simulated, {:.1} s warm-up · \
         figures over the measured {:.1} s</p></header>",
        esc(&p.info.scenario),
        esc(crate::VERSION),
        p.info.seed,
        sm.now.as_secs_f64(),
        sm.warmup.as_secs_f64(),
        sm.measured.as_secs_f64()
    );
    if let Some(why) = &sm.stopped {
        let _ = write!(s, "<p class=\"warn\">Stopped early: {}</p>", esc(why));
    }
    if !p.model.story.trim().is_empty() {
        let _ = write!(s, "<p class=\"story\">{}</p>", esc(p.model.story.trim()));
    }
    s.push_str(&sections::headline(sm));
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#0f172a;\
max-width:1000px;margin:24px auto;padding:0 16px}h1{margin:0 0 4px;font-size:24px}\
h2{font-size:18px;border-bottom:1px solid #e2e8f0;padding-bottom:4px;margin-top:28px}\
h3{font-size:14px;margin:18px 0 2px}header p{color:#475569;margin:0}\
.story{color:#334155;margin-top:8px;white-space:pre-wrap}\
.figures{display:flex;gap:10px;flex-wrap:wrap;margin:14px 0}.figures div{border:1px solid #e2e8f0;\
border-radius:6px;padding:6px 12px;min-width:110px}.figures b{display:block;font-size:18px}\
.figures span{color:#64748b;font-size:12px}table{border-collapse:collapse;margin:6px 0}\
th,td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f8fafc;font-weight:600;font-size:13px}td.num{text-align:right;\
white-space:nowrap;font-variant-numeric:tabular-nums}.pass,.fail{font-weight:700;padding:1px 6px;border-radius:4px}\
.pass{background:#dcfce7;color:#166534}.fail{background:#fee2e2;color:#991b1b}\
.account{list-style:none;padding:0}.account li{margin:4px 0;padding-left:146px;text-indent:-146px}\
.at{display:inline-block;width:64px;text-indent:0;color:#475569;font-variant-numeric:tabular-nums}\
.tag{display:inline-block;width:82px;text-indent:0;font-size:11px;text-transform:uppercase;\
color:#64748b}.tag.why{color:#b91c1c;font-weight:700}.tag.try{color:#047857;font-weight:700}\
.events li .at{width:60px}.note{color:#64748b;font-size:12px}.warn{color:#b91c1c;font-weight:600}\
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px}.legend i{display:inline-block;\
width:18px;margin-right:4px;vertical-align:middle}.scroll{overflow-x:auto}\
svg.chart{width:100%;height:auto}svg text{font-family:system-ui,sans-serif}svg .tick{font-size:11px;fill:#475569}\
svg .note{font-size:11px;fill:#94a3b8}svg .grid{stroke:#e2e8f0}svg .axis{stroke:#94a3b8}\
svg .event{stroke:#ea580c;stroke-dasharray:4 3}svg .event-no{font-size:10px;fill:#fff;font-weight:700}\
svg .box-id{font-size:13px;font-weight:600;fill:#0f172a}svg .box-kind{font-size:11px;fill:#475569}\
pre.command{background:#0f172a;color:#e2e8f0;padding:10px 12px;border-radius:6px;overflow-x:auto}\
table.kv th{width:160px}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
