//! A line chart over simulated time as inline SVG: axes with round ticks, the warm-up shaded, scheduled events as numbered dashed lines, gaps where a series has no value.

use std::fmt::Write;

use super::esc;

const W: f64 = 860.0;
const H: f64 = 230.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 30.0;

/// One series: (time in s, value) pairs; `None` leaves a gap.
pub struct Line {
    pub name: String,
    pub color: &'static str,
    pub values: Vec<(f64, Option<f64>)>,
    pub dashed: bool,
}

/// A scheduled event drawn on the time axis with its number.
pub struct Mark {
    pub at_s: f64,
    pub number: usize,
}

/// What a chart shows.
pub struct Chart<'a> {
    /// Said under the axis, e.g. `ms`.
    pub unit: &'a str,
    pub end_s: f64,
    pub warmup_s: f64,
    pub lines: Vec<Line>,
    pub marks: &'a [Mark],
    /// The top of the y axis at least (utilisation: 1).
    pub y_at_least: f64,
}

/// Colours for lines, in order (cycled).
pub const PALETTE: [&str; 8] = [
    "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
];

/// `step` rounded up to 1, 2 or 5 times a power of ten.
fn nice(step: f64) -> f64 {
    if step <= 0.0 || !step.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(step.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= step * 0.999)
        .unwrap_or(10.0 * p)
}

/// A tick label: as many decimals as the step needs.
fn tick(v: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

struct Frame {
    end_s: f64,
    y_max: f64,
}

impl Frame {
    fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.end_s).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        H - BOTTOM - (v / self.y_max).clamp(0.0, 1.0) * (H - TOP - BOTTOM)
    }
}

/// The chart as an `<svg>` element.
pub fn render(c: &Chart) -> String {
    let top = c
        .lines
        .iter()
        .flat_map(|l| l.values.iter().filter_map(|v| v.1))
        .filter(|v| v.is_finite())
        .fold(c.y_at_least, f64::max);
    let y_step = nice(top.max(1e-9) / 4.0);
    let f = Frame {
        end_s: c.end_s.max(1e-9),
        y_max: (top / y_step).ceil().max(1.0) * y_step,
    };
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\">"
    );
    warmup(&mut s, &f, c.warmup_s);
    axes(&mut s, &f, y_step, c.unit);
    for l in &c.lines {
        line(&mut s, &f, l);
    }
    marks(&mut s, &f, c.marks);
    s.push_str("</svg>");
    s
}

fn warmup(s: &mut String, f: &Frame, warmup_s: f64) {
    if warmup_s <= 0.0 {
        return;
    }
    let x1 = f.x(warmup_s);
    let _ = write!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f1f5f9\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"note\">warm-up</text>",
        x1 - LEFT,
        H - TOP - BOTTOM,
        LEFT + 4.0,
        TOP + 12.0
    );
}

fn axes(s: &mut String, f: &Frame, y_step: f64, unit: &str) {
    let mut v = 0.0;
    while v <= f.y_max + y_step * 0.01 {
        let y = f.y(v);
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            tick(v, y_step)
        );
        v += y_step;
    }
    let x_step = nice(f.end_s / 10.0);
    let mut t = 0.0;
    while t <= f.end_s + x_step * 0.01 {
        let x = f.x(t);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" class=\"axis\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            H - BOTTOM,
            H - BOTTOM + 4.0,
            H - BOTTOM + 16.0,
            tick(t, x_step)
        );
        t += x_step;
    }
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" class=\"axis\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">s</text>\
         <text x=\"6\" y=\"{:.1}\" class=\"tick\">{}</text>",
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM,
        W - RIGHT,
        H - 2.0,
        TOP - 4.0,
        esc(unit)
    );
}

/// Polylines, broken where a value is missing.
fn line(s: &mut String, f: &Frame, l: &Line) {
    let dash = if l.dashed {
        " stroke-dasharray=\"6 4\""
    } else {
        ""
    };
    let mut run: Vec<String> = Vec::new();
    let flush = |s: &mut String, run: &mut Vec<String>| {
        if !run.is_empty() {
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{dash} points=\"{}\"/>",
                l.color,
                run.join(" ")
            );
            run.clear();
        }
    };
    for &(t, v) in &l.values {
        match v.filter(|v| v.is_finite()) {
            Some(v) => run.push(format!("{:.1},{:.1}", f.x(t), f.y(v))),
            None => flush(s, &mut run),
        }
    }
    flush(s, &mut run);
}

fn marks(s: &mut String, f: &Frame, marks: &[Mark]) {
    for m in marks {
        let x = f.x(m.at_s);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{:.1}\" class=\"event\"/>\
             <circle cx=\"{x:.1}\" cy=\"{TOP}\" r=\"7\" fill=\"#ea580c\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" class=\"event-no\" text-anchor=\"middle\">{}</text>",
            H - BOTTOM,
            TOP + 3.5,
            m.number
        );
    }
}

/// The lines' names with their colours, as HTML.
pub fn legend(lines: &[Line]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for l in lines {
        let style = if l.dashed { "dashed" } else { "solid" };
        let _ = write!(
            s,
            "<span><i style=\"border-top:3px {style} {}\"></i>{}</span>",
            l.color,
            esc(&l.name)
        );
    }
    s.push_str("</div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_gaps_break_the_line() {
        assert_eq!(nice(0.23), 0.5);
        assert_eq!(nice(17.0), 20.0);
        assert_eq!(nice(3.0), 5.0);
        let svg = render(&Chart {
            unit: "ms",
            end_s: 10.0,
            warmup_s: 2.0,
            lines: vec![Line {
                name: "p99".into(),
                color: PALETTE[0],
                values: vec![
                    (1.0, Some(1.0)),
                    (2.0, Some(2.0)),
                    (3.0, None),
                    (4.0, Some(1.0)),
                ],
                dashed: false,
            }],
            marks: &[Mark {
                at_s: 5.0,
                number: 1,
            }],
            y_at_least: 0.0,
        });
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("warm-up"));
        assert!(svg.ends_with("</svg>"));
    }
}
