//! The usage chart of one fleet on the HTML page, for a person reading the page: an
//! inline SVG step line of sessions over the period, with its peak, a grid, time ticks
//! and a text equivalent (`role="img"`, `aria-label`, `<title>`).

use super::view::minute;
use crate::digest::{FleetUsage, UsagePoint};
use crate::markup::html::escape as esc;
use crate::markup::one_line;
use chrono::{DateTime, Utc};

/// Chart geometry, in SVG user units.
const CHART_W: f64 = 560.0;
const CHART_H: f64 = 180.0;
const CHART_LEFT: f64 = 40.0;
const CHART_RIGHT: f64 = 20.0;
const CHART_TOP: f64 = 18.0;
const CHART_BOTTOM: f64 = 30.0;

/// A step chart of the fleet's sessions from `since` to `until`, as inline SVG.
pub(super) fn chart(h: &mut String, f: &FleetUsage, since: DateTime<Utc>, until: DateTime<Utc>) {
    let mut series: Vec<UsagePoint> = f
        .series
        .iter()
        .filter(|p| p.time <= until)
        .copied()
        .collect();
    series.sort_by_key(|p| p.time);
    let span = (until - since).num_seconds().max(1) as f64;
    let plot_w = CHART_W - CHART_LEFT - CHART_RIGHT;
    let plot_h = CHART_H - CHART_TOP - CHART_BOTTOM;
    let x = |t: DateTime<Utc>| {
        let share = ((t - since).num_seconds() as f64 / span).clamp(0.0, 1.0);
        CHART_LEFT + plot_w * share
    };
    let top = series.iter().map(|p| p.sessions).max().unwrap_or(0).max(1);
    let step = nice_step(top);
    let y_max = top.div_ceil(step) * step;
    let y = |v: u32| CHART_TOP + plot_h * (1.0 - f64::from(v) / f64::from(y_max));

    let peak = match (f.peak_at, f.peak_concurrent) {
        (Some(at), n) if n > 0 => format!(", peak {n} at {} UTC", minute(at)),
        _ => String::new(),
    };
    let label = format!(
        "Sessions on fleet {} from {} to {} UTC{}{}",
        one_line(&f.fleet),
        minute(since),
        minute(until),
        peak,
        if f.idle { ": idle, no sessions" } else { "" }
    );
    h.push_str(&format!(
        "<svg class=\"usage-chart{}\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {CHART_W} {CHART_H}\" xmlns=\"http://www.w3.org/2000/svg\">\n<title>{}</title>\n",
        if f.idle { " idle" } else { "" },
        esc(&label),
        esc(&label)
    ));
    // Horizontal grid and session counts.
    let mut v = 0;
    while v <= y_max {
        let yy = y(v);
        h.push_str(&format!(
            "<line class=\"grid\" x1=\"{CHART_LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>\n",
            CHART_W - CHART_RIGHT,
            CHART_LEFT - 6.0,
            yy + 4.0
        ));
        v += step;
    }
    h.push_str(&format!(
        "<text x=\"{:.1}\" y=\"11\" text-anchor=\"start\">sessions</text>\n",
        2.0
    ));
    // Time axis.
    let base = CHART_TOP + plot_h;
    h.push_str(&format!(
        "<line class=\"axis\" x1=\"{CHART_LEFT}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\"/>\n",
        CHART_W - CHART_RIGHT
    ));
    let tick_hours = tick_step_hours(span / 3600.0);
    let tick = tick_hours * 3600;
    let mut t = since.timestamp().div_euclid(tick) * tick;
    if t < since.timestamp() {
        t += tick;
    }
    while t <= until.timestamp() {
        if let Some(at) = DateTime::<Utc>::from_timestamp(t, 0) {
            let xx = x(at);
            let text = if tick_hours >= 24 {
                at.format("%m-%d").to_string()
            } else {
                at.format("%H:%M").to_string()
            };
            h.push_str(&format!(
                "<line class=\"axis\" x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\"/><text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{text}</text>\n",
                base + 4.0,
                base + 16.0
            ));
        }
        t += tick;
    }
    h.push_str(&format!(
        "<text x=\"{:.1}\" y=\"11\" text-anchor=\"end\">time (UTC)</text>\n",
        CHART_W - CHART_RIGHT
    ));
    // The step line: each point's sessions hold until the next point (or the end).
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(series.len() * 2);
    for (i, p) in series.iter().enumerate() {
        let next = series.get(i + 1).map_or(until, |n| n.time);
        let yy = y(p.sessions);
        points.push((x(p.time), yy));
        points.push((x(next), yy));
    }
    if let (Some(&(first_x, _)), Some(&(last_x, _))) = (points.first(), points.last()) {
        let list = |pts: &[(f64, f64)]| {
            pts.iter()
                .map(|(px, py)| format!("{px:.1},{py:.1}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut area = points.clone();
        area.push((last_x, base));
        area.push((first_x, base));
        h.push_str(&format!(
            "<polygon class=\"area\" points=\"{}\"/>\n<polyline class=\"sessions\" points=\"{}\"/>\n",
            list(&area),
            list(&points)
        ));
        if let Some(at) = f.peak_at.filter(|_| f.peak_concurrent > 0) {
            h.push_str(&format!(
                "<circle class=\"peak\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{}</title></circle>\n",
                x(at),
                y(f.peak_concurrent.min(y_max)),
                esc(&format!("peak {} at {} UTC", f.peak_concurrent, minute(at)))
            ));
        }
    } else {
        h.push_str(&format!(
            "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no capacity snapshots in the period</text>\n",
            CHART_LEFT + plot_w / 2.0,
            CHART_TOP + plot_h / 2.0
        ));
    }
    if f.idle {
        h.push_str(&format!(
            "<text class=\"note\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">idle: running, no sessions in the period</text>\n",
            CHART_LEFT + plot_w / 2.0,
            CHART_TOP + plot_h / 2.0
        ));
    }
    h.push_str("</svg>\n");
}

/// A step for the session axis giving at most 5 intervals: 1, 2, 5, 10, 20, 50, ...
fn nice_step(top: u32) -> u32 {
    let mut magnitude: u32 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if top.div_ceil(step) <= 5 {
                return step;
            }
        }
        match magnitude.checked_mul(10) {
            Some(next) => magnitude = next,
            None => return top.max(1),
        }
    }
}

/// A time-axis step, in hours, giving at most 8 ticks over `span_hours`.
fn tick_step_hours(span_hours: f64) -> i64 {
    for step in [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720] {
        if span_hours / step as f64 <= 8.0 {
            return step;
        }
    }
    ((span_hours / 8.0).ceil() as i64).max(1)
}
