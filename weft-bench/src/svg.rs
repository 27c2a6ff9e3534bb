//! The README chart: a horizontal bar per workload and comparison
//! (weft/tokio, weft/smol), a reference line at 1.0, and the date, CPU model
//! and core count. Plain SVG text, no plotting crate.

use std::fmt::Write as _;

use crate::report::{num, Report};
use crate::rt::Kind;

const WIDTH: f64 = 980.0;
const LABEL_W: f64 = 300.0;
const PLOT_X: f64 = LABEL_W + 10.0;
const PLOT_W: f64 = WIDTH - PLOT_X - 90.0;
const TOP: f64 = 96.0;
const BAR_H: f64 = 14.0;
const ROW_H: f64 = 2.0 * BAR_H + 14.0;
const TOKIO_COLOR: &str = "#3b6fb6";
const SMOL_COLOR: &str = "#d98b2b";

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
    let xmax = axis_max(
        rows.iter()
            .flat_map(|w| [w.ratio_to(Kind::Tokio), w.ratio_to(Kind::Smol)])
            .flatten(),
    );
    let x = |v: f64| PLOT_X + PLOT_W * (v.min(xmax) / xmax);
    let height = TOP + ROW_H * rows.len() as f64 + 60.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="12" y="24" font-size="16" font-weight="bold">weft vs tokio and smol: ratio weft / other (median of each){}</text>"#,
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
        r#"<rect x="{PLOT_X}" y="72" width="12" height="10" fill="{TOKIO_COLOR}"/><text x="{}" y="81">weft / tokio</text><rect x="{}" y="72" width="12" height="10" fill="{SMOL_COLOR}"/><text x="{}" y="81">weft / smol</text>"#,
        PLOT_X + 16.0,
        PLOT_X + 110.0,
        PLOT_X + 126.0
    );
    let bottom = TOP + ROW_H * rows.len() as f64;
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
    for (i, w) in rows.iter().enumerate() {
        let y0 = TOP + ROW_H * i as f64 + 6.0;
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
        for (j, (kind, color)) in [(Kind::Tokio, TOKIO_COLOR), (Kind::Smol, SMOL_COLOR)]
            .into_iter()
            .enumerate()
        {
            let y = y0 + j as f64 * BAR_H;
            let Some(v) = w.ratio_to(kind) else {
                let weft = w.runtime(Kind::Weft);
                let what = match weft {
                    // One line for the row when weft itself has no number.
                    Some(rr) if rr.outcome.is_err() && j > 0 => continue,
                    Some(rr) if rr.is_pending() => format!(
                        "weft {}",
                        rr.outcome.as_ref().err().map_or("pending", |e| e.as_str())
                    ),
                    Some(rr) if rr.is_skipped() => "skipped".to_string(),
                    Some(rr) if rr.outcome.is_err() => "weft failed".to_string(),
                    _ if w.runtime(kind).is_some_and(|rr| rr.is_skipped()) => {
                        format!("{kind} skipped")
                    }
                    _ => format!("{kind} failed"),
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
                "even" => "even",
                "better" => "weft better",
                _ => "weft worse",
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
        assert!(svg.contains("0.50 weft worse"), "echo vs smol");
        assert!(!svg.contains("UNDER LOAD"));
        let loaded = chart(&Report {
            load: Some(2),
            ..sample_report()
        });
        assert!(loaded.contains("(median of each), UNDER LOAD (2 threads spinning)</text>"));
        // The 1.0 line sits at half the 0..2 axis.
        let one = PLOT_X + PLOT_W / 2.0;
        assert!(svg.contains(&format!("x1=\"{one:.1}\"")));
    }
}
