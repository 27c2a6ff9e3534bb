//! The JSON form of a [`Report`] (`bench-results.json`), written by hand:
//! the shape is small and fixed, and the bench needs no serde.
//!
//! ```text
//! { "date", "cpu", "cores", "command", "quick", "load", "load_threads",
//!   "workers", "rounds", "memory_rounds", "direction",
//!   "workloads": [ { "name", "group", "unit", "direction", "about",
//!                    "runtimes": { "weft": {"median","min","max","samples"}
//!                                  | {"error"} | {"pending"} | {"skipped"}
//!                                  | {"unavailable"},
//!                                  "weft-uring": .., "tokio": .., "smol": .. },
//!                    "ratio_weft_tokio": number|null,
//!                    "ratio_weft_smol": number|null,
//!                    "ratio_weft_uring_tokio": number|null,
//!                    "ratio_weft_uring_weft": number|null,
//!                    only for rows with a std::fs reference:
//!                    "reference_std": {"median","min","max","samples"}
//!                                     | {"error"},
//!                    "ratio_weft_std": number|null } ],
//!   "pending": [ { "name", "reason" } ],
//!   "notes": [ string ] }
//! ```
//!
//! `load` is `true` for a run under `--load` (every core kept busy by a CPU
//! hog), and `load_threads` the number of hog threads (0 when idle).
//!
//! `runtimes` has a `weft-uring` member only on the rows that run on weft's
//! io_uring backend (the network rows, see `Entry::network`); there it is
//! `{"unavailable": why}` when the backend cannot start on the machine.
//! The `ratio_weft_uring_*` members are weft-uring's median over tokio's
//! and over weft's (epoll), `null` where either is missing.

use std::fmt::Write as _;

use crate::report::{Report, BACKENDS_NOTE, DIRECTION_NOTE, NOTES};
use crate::rt::Kind;
use crate::stats::Summary;
use crate::workload::{PENDING_PREFIX, SKIPPED_PREFIX, UNAVAILABLE_PREFIX};

/// `s` as a JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A finite number, or `null`.
fn number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".into(),
    }
}

/// A sample summary as a JSON object: median, min, max and every sample.
fn summary(s: &Summary) -> String {
    let samples: Vec<String> = s.samples.iter().map(|v| number(Some(*v))).collect();
    format!(
        "{{\"median\": {}, \"min\": {}, \"max\": {}, \"samples\": [{}]}}",
        number(Some(s.median)),
        number(Some(s.min)),
        number(Some(s.max)),
        samples.join(", ")
    )
}

/// The report as pretty-printed JSON.
pub fn to_json(r: &Report) -> String {
    let mut o = String::new();
    o.push_str("{\n");
    let _ = writeln!(o, "  \"date\": {},", string(&r.machine.date));
    let _ = writeln!(o, "  \"cpu\": {},", string(&r.machine.cpu));
    let _ = writeln!(o, "  \"cores\": {},", r.machine.cores);
    let _ = writeln!(o, "  \"command\": {},", string(&r.command));
    let _ = writeln!(o, "  \"quick\": {},", r.quick);
    let _ = writeln!(o, "  \"load\": {},", r.load.is_some());
    let _ = writeln!(o, "  \"load_threads\": {},", r.load.unwrap_or(0));
    let _ = writeln!(o, "  \"workers\": {},", r.workers);
    let _ = writeln!(o, "  \"rounds\": {},", r.plan.rounds);
    let _ = writeln!(o, "  \"memory_rounds\": {},", r.plan.memory_rounds);
    let _ = writeln!(o, "  \"direction\": {},", string(DIRECTION_NOTE));
    o.push_str("  \"workloads\": [");
    for (i, w) in r.results.iter().enumerate() {
        o.push_str(if i == 0 { "\n" } else { ",\n" });
        o.push_str("    {\n");
        let _ = writeln!(o, "      \"name\": {},", string(w.name));
        let _ = writeln!(o, "      \"group\": {},", string(w.group));
        let _ = writeln!(o, "      \"unit\": {},", string(w.unit.label));
        let _ = writeln!(
            o,
            "      \"direction\": {},",
            string(w.unit.direction.name())
        );
        let _ = writeln!(o, "      \"about\": {},", string(w.about));
        o.push_str("      \"runtimes\": {\n");
        for (j, rr) in w.runtimes.iter().enumerate() {
            let _ = write!(o, "        {}: ", string(rr.kind.name()));
            match &rr.outcome {
                Ok(s) => o.push_str(&summary(s)),
                Err(e) if rr.is_pending() => {
                    let why = e.strip_prefix(PENDING_PREFIX).unwrap_or(e);
                    let _ = write!(o, "{{\"pending\": {}}}", string(why));
                }
                Err(e) if rr.is_skipped() => {
                    let why = e.strip_prefix(SKIPPED_PREFIX).unwrap_or(e);
                    let _ = write!(o, "{{\"skipped\": {}}}", string(why));
                }
                Err(e) if rr.is_unavailable() => {
                    let why = e.strip_prefix(UNAVAILABLE_PREFIX).unwrap_or(e);
                    let _ = write!(o, "{{\"unavailable\": {}}}", string(why));
                }
                Err(e) => {
                    let _ = write!(o, "{{\"error\": {}}}", string(e));
                }
            }
            o.push_str(if j + 1 < w.runtimes.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        o.push_str("      },\n");
        let _ = writeln!(
            o,
            "      \"ratio_weft_tokio\": {},",
            number(w.ratio_to(Kind::Tokio))
        );
        let _ = writeln!(
            o,
            "      \"ratio_weft_smol\": {},",
            number(w.ratio_to(Kind::Smol))
        );
        let _ = writeln!(
            o,
            "      \"ratio_weft_uring_tokio\": {},",
            number(w.ratio_of(Kind::WeftUring, Kind::Tokio))
        );
        let _ = write!(
            o,
            "      \"ratio_weft_uring_weft\": {}",
            number(w.ratio_of(Kind::WeftUring, Kind::Weft))
        );
        match &w.reference {
            None => o.push('\n'),
            Some(reference) => {
                o.push_str(",\n      \"reference_std\": ");
                match reference {
                    Ok(s) => o.push_str(&summary(s)),
                    Err(e) => {
                        let _ = write!(o, "{{\"error\": {}}}", string(e));
                    }
                }
                let _ = writeln!(
                    o,
                    ",\n      \"ratio_weft_std\": {}",
                    number(w.ratio_to_reference(Kind::Weft))
                );
            }
        }
        o.push_str("    }");
    }
    o.push_str(if r.results.is_empty() {
        "],\n"
    } else {
        "\n  ],\n"
    });
    o.push_str("  \"pending\": [");
    for (i, (name, why)) in r.pending.iter().enumerate() {
        o.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(
            o,
            "    {{\"name\": {}, \"reason\": {}}}",
            string(name),
            string(why)
        );
    }
    o.push_str(if r.pending.is_empty() {
        "],\n"
    } else {
        "\n  ],\n"
    });
    o.push_str("  \"notes\": [");
    let notes: Vec<String> = std::iter::once(BACKENDS_NOTE)
        .chain(NOTES.iter().copied())
        .chain(Kind::ALL.iter().map(|k| k.equivalents()))
        .map(|n| format!("\n    {}", string(n)))
        .collect();
    o.push_str(&notes.join(","));
    o.push_str("\n  ]\n}\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(string("µs"), "\"µs\"");
    }

    #[test]
    fn numbers_are_finite_or_null() {
        assert_eq!(number(Some(0.5)), "0.5");
        assert_eq!(number(Some(4.0)), "4");
        assert_eq!(number(None), "null");
        assert_eq!(number(Some(f64::NAN)), "null");
    }

    #[test]
    fn report_has_the_documented_shape() {
        let j = to_json(&sample_report());
        let expected_workload = r#"    {
      "name": "spawn",
      "group": "g",
      "unit": "µs",
      "direction": "lower_is_better",
      "about": "spawns",
      "runtimes": {
        "weft": {"median": 2, "min": 1, "max": 3, "samples": [1, 2, 3]},
        "tokio": {"median": 4, "min": 4, "max": 4, "samples": [4]},
        "smol": {"error": "spawn on smol: \"boom\""}
      },
      "ratio_weft_tokio": 0.5,
      "ratio_weft_smol": null,
      "ratio_weft_uring_tokio": null,
      "ratio_weft_uring_weft": null
    },"#;
        assert!(j.contains(expected_workload), "{j}");
        assert!(j.starts_with(
            "{\n  \"date\": \"2026-12-01\",\n  \"cpu\": \"Test CPU <x>\",\n  \"cores\": 2,\n"
        ));
        assert!(j.contains("\"direction\": \"higher_is_better\""));
        assert!(
            j.contains("\"weft\": {\"pending\": \"weft::time later\"},"),
            "{j}"
        );
        assert!(
            j.contains(
                "\"weft\": {\"median\": 300, \"min\": 300, \"max\": 300, \"samples\": [300]},\n        \
                 \"weft-uring\": {\"median\": 400, \"min\": 400, \"max\": 400, \"samples\": [400]},\n"
            ),
            "{j}"
        );
        assert!(
            j.contains(
                "\"ratio_weft_tokio\": 1.5,\n      \"ratio_weft_smol\": 0.5,\n      \
                 \"ratio_weft_uring_tokio\": 2,\n      \
                 \"ratio_weft_uring_weft\": 1.3333333333333333\n    }\n  ],"
            ),
            "{j}"
        );
        assert!(j.contains("\"quick\": true,\n  \"load\": false,\n  \"load_threads\": 0,\n"));
        let loaded = to_json(&Report {
            load: Some(3),
            ..sample_report()
        });
        assert!(loaded.contains("\"load\": true,\n  \"load_threads\": 3,\n"));
        assert!(
            j.contains("\"pending\": [\n    {\"name\": \"sync_x\", \"reason\": \"not yet\"}\n  ],")
        );
        assert!(j.ends_with("\n  ]\n}\n"));
        assert_balanced(&j);

        let mut na = sample_report();
        na.results[2].runtimes[1].outcome = Err(crate::workload::unavailable("no ring"));
        let j = to_json(&na);
        assert!(
            j.contains("\"weft-uring\": {\"unavailable\": \"no ring\"},"),
            "{j}"
        );
        assert!(j.contains("\"ratio_weft_uring_tokio\": null,"), "{j}");
        assert_balanced(&j);
    }

    #[test]
    fn a_row_with_a_std_reference_has_it_and_its_ratio() {
        let mut report = sample_report();
        report.results[0].reference = Some(Ok(crate::stats::Summary::of(vec![0.5, 1.0]).unwrap()));
        report.results[2].reference = Some(Err("echo reference: gone".into()));
        let j = to_json(&report);
        assert!(
            j.contains("\"ratio_weft_uring_weft\": null,\n      \"reference_std\": {\"median\": "),
            "{j}"
        );
        assert!(j.contains("\"ratio_weft_std\": "), "{j}");
        assert!(
            j.contains("\"reference_std\": {\"error\": \"echo reference: gone\"},\n      \"ratio_weft_std\": null\n    }"),
            "{j}"
        );
        // A row without one is as before.
        assert!(
            j.contains("\"ratio_weft_uring_weft\": 1.3333333333333333,\n      \"reference_std\"")
        );
        assert_balanced(&j);
    }

    /// Brackets and braces outside strings pair up, and strings close.
    fn assert_balanced(j: &str) {
        let mut stack = Vec::new();
        let mut in_str = false;
        let mut escaped = false;
        for c in j.chars() {
            if in_str {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '{' | '[' => stack.push(c),
                '}' => assert_eq!(stack.pop(), Some('{')),
                ']' => assert_eq!(stack.pop(), Some('[')),
                _ => {}
            }
        }
        assert!(!in_str && stack.is_empty());
    }
}
