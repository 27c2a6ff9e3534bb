//! The README chart: a horizontal bar per workload and comparison
//! (weft/tokio, weft/smol, and weft-uring/tokio on the rows that run on
//! weft's io_uring backend), a reference line at 1.0, and the date, CPU
//! model and core count. Plain SVG text, no plotting crate.

use std::fmt::Write as _;

use crate::harness::WorkloadResult;
use crate::report::{num, Report};
use crate::rt::Kind;

const WIDTH: f64 = 980.0;
const LABEL_W: f64 = 300.0;
const PLOT_X: f64 = LABEL_W + 10.0;
const PLOT_W: f64 = WIDTH - PLOT_X - 90.0;
const TOP: f64 = 96.0;
const BAR_H: f64 = 14.0;
/// Space between two rows' bars.
const ROW_GAP: f64 = 14.0;
const TOKIO_COLOR: &str = "#3b6fb6";
const SMOL_COLOR: &str = "#d98b2b";
const URING_COLOR: &str = "#4a9a5b";

/// A row's bars: (runtime, other, color), the runtime's median over the
/// other's. weft-uring's bar only on the rows it ran on.
fn bars(w: &WorkloadResult) -> Vec<(Kind, Kind, &'static str)> {
    let mut bars = vec![
        (Kind::Weft, Kind::Tokio, TOKIO_COLOR),
        (Kind::Weft, Kind::Smol, SMOL_COLOR),
    ];
    if w.runtime(Kind::WeftUring).is_some() {
        bars.push((Kind::WeftUring, Kind::Tokio, URING_COLOR));
    }
    bars
}

/// A row's height: its bars and the gap below them.
fn row_height(w: &WorkloadResult) -> f64 {
    bars(w).len() as f64 * BAR_H + ROW_GAP
}

/// `s` with XML's special characters escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The x axis end: at least 2.0, past the largest ratio, a multiple of 0.5,
/// at most 4.0 (longer bars are cut and labelled with their value).
pub fn axis_max(ratios: impl Iterator<Item = f64>) -> f64 {
    let top = ratios.fold(0.0f64, f64::max) * 1.05;
    ((top * 2.0).ceil() / 2.0).clamp(2.0, 4.0)
}

/// The chart of `r`'s ratios as an SVG document.
pub fn chart(r: &Report) -> String {
    let rows: Vec<_> = r.results.iter().collect();
    let xmax = axis_max(rows.iter().flat_map(|w| {
        bars(w)
            .into_iter()
            .filter_map(move |(kind, other, _)| w.ratio_of(kind, other))
    }));
    let x = |v: f64| PLOT_X + PLOT_W * (v.min(xmax) / xmax);
    let bottom = TOP + rows.iter().map(|w| row_height(w)).sum::<f64>();
    let height = bottom + 60.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="12" y="24" font-size="16" font-weight="bold">weft (epoll; io_uring as weft-uring) vs tokio and smol: ratio weft / other (median of each){}</text>"#,
        match r.load {
            Some(n) => format!(", UNDER LOAD ({n} threads spinning)"),
            None => String::new(),
        }
    );
    let _ = writeln!(
        s,
        r#"<text x="12" y="44">{} · {} · {} cores · {} workers · {}</text>"#,
        escape(&r.machine.date),
        escape(&r.machine.cpu),
        r.machine.cores,
        r.workers,
        escape(&r.command)
    );
    let _ = writeln!(
        s,
        r#"<text x="12" y="62">times and bytes: lower is better (bar left of 1.0 = weft better); msg/s: higher is better (right of 1.0 = weft better)</text>"#
    );
    let _ = writeln!(
        s,
        r#"<rect x="{PLOT_X}" y="72" width="12" height="10" fill="{TOKIO_COLOR}"/><text x="{}" y="81">weft / tokio</text><rect x="{}" y="72" width="12" height="10" fill="{SMOL_COLOR}"/><text x="{}" y="81">weft / smol</text><rect x="{}" y="72" width="12" height="10" fill="{URING_COLOR}"/><text x="{}" y="81">weft-uring / tokio (network rows)</text>"#,
        PLOT_X + 16.0,
        PLOT_X + 110.0,
        PLOT_X + 126.0,
        PLOT_X + 220.0,
        PLOT_X + 236.0
    );
    let mut tick = 0.0;
    while tick <= xmax + 1e-9 {
        let tx = x(tick);
        let _ = writeln!(
            s,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{bottom}" stroke="#e4e4e4"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{tick:.1}</text>"##,
            bottom + 16.0
        );
        tick += 0.5;
    }
    let mut row_top = TOP;
    for w in &rows {
        let y0 = row_top + 6.0;
        row_top += row_height(w);
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#666" font-size="10">{}, {}</text>"##,
            LABEL_W,
            y0 + BAR_H - 2.0,
            escape(w.name),
            LABEL_W,
            y0 + 2.0 * BAR_H,
            escape(w.unit.label),
            w.unit.direction.arrow()
        );
        for (j, (kind, other, color)) in bars(w).into_iter().enumerate() {
            let y = y0 + j as f64 * BAR_H;
            let Some(v) = w.ratio_of(kind, other) else {
                let what = match w.runtime(kind) {
                    // One line for weft's two bars when weft itself has no
                    // number.
                    Some(rr) if rr.outcome.is_err() && kind == Kind::Weft && j > 0 => continue,
                    Some(rr) if rr.is_pending() => format!(
                        "{kind} {}",
                        rr.outcome.as_ref().err().map_or("pending", |e| e.as_str())
                    ),
                    Some(rr) if rr.is_skipped() => "skipped".to_string(),
                    Some(rr) if rr.is_unavailable() => format!("{kind} n/a"),
                    Some(rr) if rr.outcome.is_err() => format!("{kind} failed"),
                    _ if w.runtime(other).is_some_and(|rr| rr.is_skipped()) => {
                        format!("{other} skipped")
                    }
                    _ => format!("{other} failed"),
                };
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" fill="#a00">{}</text>"##,
                    PLOT_X + 4.0,
                    y + BAR_H - 3.0,
                    escape(&what)
                );
                continue;
            };
            let verdict = match w.unit.direction.verdict(v) {
                "even" => "even".to_string(),
                "better" => format!("{kind} better"),
                _ => format!("{kind} worse"),
            };
            let cut = if v > xmax { " (cut)" } else { "" };
            let _ = writeln!(
                s,
                r#"<rect x="{PLOT_X}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="11">{}{cut} {verdict}</text>"#,
                x(v) - PLOT_X,
                BAR_H - 2.0,
                x(v) + 4.0,
                y + BAR_H - 3.0,
                num(v)
            );
        }
    }
    let one = x(1.0);
    let _ = writeln!(
        s,
        r##"<line x1="{one:.1}" y1="{:.1}" x2="{one:.1}" y2="{bottom}" stroke="#222" stroke-width="1.5" stroke-dasharray="5,3"/><text x="{one:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">1.0 = same as the other runtime</text>"##,
        TOP - 4.0,
        bottom + 32.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn escapes_xml() {
        assert_eq!(escape("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }

    #[test]
    fn axis_covers_the_largest_ratio_within_bounds() {
        assert_eq!(axis_max([0.5, 1.2].into_iter()), 2.0);
        assert_eq!(axis_max([2.3].into_iter()), 2.5);
        assert_eq!(axis_max([9.0].into_iter()), 4.0);
        assert_eq!(axis_max(std::iter::empty()), 2.0);
    }

    #[test]
    fn chart_has_labels_reference_line_and_machine() {
        let svg = chart(&sample_report());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("2026-12-01 · Test CPU &lt;x&gt; · 2 cores"));
        assert!(svg.contains("1.0 = same as the other runtime"));
        assert!(svg.contains(">spawn</text>"));
        assert!(svg.contains("µs, lower is better"));
        assert!(svg.contains("msg/s, higher is better"));
        assert!(svg.contains("0.50 weft better"), "spawn vs tokio");
        assert!(svg.contains("smol failed"), "spawn on smol errored");
        assert_eq!(
            svg.matches("weft pending: weft::time later").count(),
            1,
            "{svg}"
        );
        assert!(svg.contains("1.50 weft better"), "echo vs tokio");
        assert!(svg.contains("weft-uring / tokio (network rows)"));
        assert_eq!(
            svg.matches(&format!("fill=\"{URING_COLOR}\"")).count(),
            2,
            "the legend and echo's bar only: {svg}"
        );
        assert!(
            svg.contains("2.00 weft-uring better"),
            "echo: weft-uring vs tokio"
        );
        assert!(svg.contains("0.50 weft worse"), "echo vs smol");
        assert!(!svg.contains("UNDER LOAD"));
        let loaded = chart(&Report {
            load: Some(2),
            ..sample_report()
        });
        assert!(loaded.contains("(median of each), UNDER LOAD (2 threads spinning)</text>"));
        let mut na = sample_report();
        na.results[2].runtimes[1].outcome = Err(crate::workload::unavailable("no ring"));
        assert!(chart(&na).contains(">weft-uring n/a</text>"));
        // The axis ends at 2.5 (past echo's weft-uring/tokio, 2.00): the
        // 1.0 line sits at 1.0 / 2.5 of it.
        let one = PLOT_X + PLOT_W / 2.5;
        assert!(svg.contains(&format!("x1=\"{one:.1}\"")));
    }
}
