//! Every `RuntimeMetrics` value in the Prometheus text exposition format
//! (version 0.0.4), and a checker for that format.
//!
//! Shared by the `metrics_prometheus` example (which serves it) and by
//! `tests/metrics_prometheus_text.rs` (which checks it); no dependency.

use std::fmt::Write as _;
use std::time::Duration;
use weft::runtime::RuntimeMetrics;

/// The content type of the format, for the HTTP response.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Writes a metric family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    writeln!(out, "# HELP {name} {help}").unwrap();
    writeln!(out, "# TYPE {name} {kind}").unwrap();
}

/// One runtime-wide sample.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl Into<f64>) {
    family(out, name, kind, help);
    writeln!(out, "{name} {}", number(value.into())).unwrap();
}

/// One sample per worker, labelled `worker="i"`.
fn per_worker(
    out: &mut String,
    metrics: &RuntimeMetrics,
    name: &str,
    kind: &str,
    help: &str,
    value: impl Fn(&RuntimeMetrics, usize) -> f64,
) {
    family(out, name, kind, help);
    for worker in 0..metrics.num_workers() {
        writeln!(
            out,
            "{name}{{worker=\"{worker}\"}} {}",
            number(value(metrics, worker))
        )
        .unwrap();
    }
}

/// A sample value: integers without a fraction, infinities as Prometheus
/// spells them.
fn number(value: f64) -> String {
    if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// A histogram family with one series per worker: cumulative
/// `_bucket{le=...}` samples (the last `+Inf`), `_sum` and `_count`.
struct HistogramSource {
    num_buckets: fn(&RuntimeMetrics) -> usize,
    bucket_range: fn(&RuntimeMetrics, usize) -> std::ops::Range<Duration>,
    bucket_count: fn(&RuntimeMetrics, usize, usize) -> u64,
    sum: fn(&RuntimeMetrics, usize) -> Duration,
}

fn histogram(
    out: &mut String,
    metrics: &RuntimeMetrics,
    name: &str,
    help: &str,
    source: &HistogramSource,
) {
    let buckets = (source.num_buckets)(metrics);
    if buckets == 0 {
        return;
    }
    family(out, name, "histogram", help);
    for worker in 0..metrics.num_workers() {
        let mut cumulative = 0;
        for bucket in 0..buckets {
            cumulative += (source.bucket_count)(metrics, worker, bucket);
            let le = if bucket == buckets - 1 {
                "+Inf".to_owned()
            } else {
                number(seconds((source.bucket_range)(metrics, bucket).end))
            };
            writeln!(
                out,
                "{name}_bucket{{worker=\"{worker}\",le=\"{le}\"}} {cumulative}"
            )
            .unwrap();
        }
        let sum = seconds((source.sum)(metrics, worker));
        writeln!(out, "{name}_sum{{worker=\"{worker}\"}} {}", number(sum)).unwrap();
        writeln!(out, "{name}_count{{worker=\"{worker}\"}} {cumulative}").unwrap();
    }
}

/// Every metric of `metrics`, in the text exposition format.
pub(crate) fn render(metrics: &RuntimeMetrics) -> String {
    let mut out = String::new();
    let m = metrics;
    single(
        &mut out,
        "weft_workers",
        "gauge",
        "Worker threads polling tasks.",
        m.num_workers() as f64,
    );
    single(
        &mut out,
        "weft_alive_tasks",
        "gauge",
        "Tasks spawned and not yet finished.",
        m.num_alive_tasks() as f64,
    );
    single(
        &mut out,
        "weft_spawned_tasks_total",
        "counter",
        "Tasks spawned so far.",
        m.spawned_tasks_count() as f64,
    );
    single(
        &mut out,
        "weft_global_queue_depth",
        "gauge",
        "Tasks in the global (inject) queue.",
        m.global_queue_depth() as f64,
    );
    single(
        &mut out,
        "weft_blocking_threads",
        "gauge",
        "Threads of the blocking pool.",
        m.num_blocking_threads() as f64,
    );
    single(
        &mut out,
        "weft_idle_blocking_threads",
        "gauge",
        "Blocking-pool threads waiting for work.",
        m.num_idle_blocking_threads() as f64,
    );
    single(
        &mut out,
        "weft_blocking_queue_depth",
        "gauge",
        "spawn_blocking closures waiting for a thread.",
        m.blocking_queue_depth() as f64,
    );
    single(
        &mut out,
        "weft_io_driver_fd_registered_total",
        "counter",
        "I/O resources registered with the I/O driver.",
        m.io_driver_fd_registered_count() as f64,
    );
    single(
        &mut out,
        "weft_io_driver_fd_deregistered_total",
        "counter",
        "I/O resources deregistered from the I/O driver.",
        m.io_driver_fd_deregistered_count() as f64,
    );
    single(
        &mut out,
        "weft_io_driver_ready_events_total",
        "counter",
        "Readiness events the I/O driver delivered.",
        m.io_driver_ready_count() as f64,
    );
    single(
        &mut out,
        "weft_io_driver_turns_total",
        "counter",
        "Times the I/O driver asked the OS for events.",
        m.io_driver_turn_count() as f64,
    );
    single(
        &mut out,
        "weft_timers_pending",
        "gauge",
        "Timers waiting in the timer wheel.",
        m.num_pending_timers() as f64,
    );
    single(
        &mut out,
        "weft_timers_registered_total",
        "counter",
        "Timers entered into the timer wheel.",
        m.timer_registered_count() as f64,
    );
    single(
        &mut out,
        "weft_timers_fired_total",
        "counter",
        "Timers the timer wheel fired.",
        m.timer_fired_count() as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_polls_total",
        "counter",
        "Task polls by the worker.",
        |m, w| m.worker_poll_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_steals_total",
        "counter",
        "Tasks the worker stole.",
        |m, w| m.worker_steal_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_steal_operations_total",
        "counter",
        "Steal operations of the worker.",
        |m, w| m.worker_steal_operations(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_parks_total",
        "counter",
        "Times the worker parked.",
        |m, w| m.worker_park_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_park_unpark_total",
        "counter",
        "Parks plus unparks of the worker (odd while parked).",
        |m, w| m.worker_park_unpark_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_busy_seconds_total",
        "counter",
        "Time the worker spent out of parks.",
        |m, w| seconds(m.worker_total_busy_duration(w)),
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_local_schedules_total",
        "counter",
        "Tasks the worker scheduled on itself.",
        |m, w| m.worker_local_schedule_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_overflows_total",
        "counter",
        "Times the worker's local queue overflowed.",
        |m, w| m.worker_overflow_count(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_local_queue_depth",
        "gauge",
        "Tasks in the worker's local queue.",
        |m, w| m.worker_local_queue_depth(w) as f64,
    );
    per_worker(
        &mut out,
        m,
        "weft_worker_mean_poll_time_seconds",
        "gauge",
        "Moving average of the worker's poll durations.",
        |m, w| seconds(m.worker_mean_poll_time(w)),
    );
    histogram(
        &mut out,
        m,
        "weft_poll_time_seconds",
        "Task poll durations, per worker.",
        &HistogramSource {
            num_buckets: RuntimeMetrics::poll_time_histogram_num_buckets,
            bucket_range: RuntimeMetrics::poll_time_histogram_bucket_range,
            bucket_count: RuntimeMetrics::poll_time_histogram_bucket_count,
            sum: RuntimeMetrics::poll_time_histogram_sum,
        },
    );
    histogram(
        &mut out,
        m,
        "weft_schedule_latency_seconds",
        "Time from a task's queueing to its poll, per worker.",
        &HistogramSource {
            num_buckets: RuntimeMetrics::schedule_latency_histogram_num_buckets,
            bucket_range: RuntimeMetrics::schedule_latency_histogram_bucket_range,
            bucket_count: RuntimeMetrics::schedule_latency_histogram_bucket_count,
            sum: RuntimeMetrics::schedule_latency_histogram_sum,
        },
    );
    out
}

/// A sample line split up: metric name, labels (name, value), value.
#[derive(Debug, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: f64,
}

fn is_name(name: &str, colons: bool) -> bool {
    let mut chars = name.chars();
    let ok_first = |c: char| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':');
    chars.next().is_some_and(ok_first) && chars.all(|c| ok_first(c) || c.is_ascii_digit())
}

/// Parses one sample line: `name value` or `name{l="v",...} value`.
pub(crate) fn parse_sample(line: &str) -> Result<Sample, String> {
    let (head, value) = line
        .rsplit_once(' ')
        .ok_or_else(|| format!("no value: {line:?}"))?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v
            .parse()
            .map_err(|_| format!("bad value {v:?}: {line:?}"))?,
    };
    let (name, labels) = match head.split_once('{') {
        None => (head, Vec::new()),
        Some((name, rest)) => {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| format!("unclosed labels: {line:?}"))?;
            (
                name,
                parse_labels(body).map_err(|e| format!("{e}: {line:?}"))?,
            )
        }
    };
    if !is_name(name, true) {
        return Err(format!("bad metric name {name:?}: {line:?}"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `a="x",b="y"` (values may escape `\\`, `\"` and `\n`).
fn parse_labels(mut body: &str) -> Result<Vec<(String, String)>, String> {
    let mut labels = Vec::new();
    while !body.is_empty() {
        let (name, rest) = body.split_once("=\"").ok_or("a label without =\"")?;
        if !is_name(name, false) {
            return Err(format!("bad label name {name:?}"));
        }
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    _ => return Err("bad escape in a label value".into()),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name.to_owned(), value));
        body = &rest[end + 1..];
        body = match body.strip_prefix(',') {
            Some(rest) => rest,
            None if body.is_empty() => body,
            None => return Err("labels not separated by commas".into()),
        };
    }
    Ok(labels)
}

/// Checks `text` line by line: each is `# HELP name text`, `# TYPE name
/// kind` or a sample whose family was typed first; a histogram's buckets
/// are cumulative and its `+Inf` bucket equals its `_count`. Returns the
/// number of samples.
pub(crate) fn check(text: &str) -> Result<usize, String> {
    let mut types: Vec<(String, String)> = Vec::new();
    let mut samples = 0;
    let mut last_bucket: Option<(String, f64)> = None;
    let mut inf_bucket: Vec<(String, f64)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            if !is_name(name, true) {
                return Err(format!("bad HELP line: {line:?}"));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| format!("bad TYPE line: {line:?}"))?;
            if !is_name(name, true)
                || !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind)
            {
                return Err(format!("bad TYPE line: {line:?}"));
            }
            types.push((name.to_owned(), kind.to_owned()));
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            return Err(format!("unexpected line: {line:?}"));
        }
        let sample = parse_sample(line)?;
        samples += 1;
        let family = types
            .iter()
            .rev()
            .find(|(name, kind)| {
                sample.name == *name
                    || (kind == "histogram"
                        && ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|suffix| sample.name == format!("{name}{suffix}")))
            })
            .ok_or_else(|| format!("a sample of no declared family: {line:?}"))?;
        if family.1 == "histogram" {
            let series: Vec<_> = sample.labels.iter().filter(|(l, _)| l != "le").collect();
            let key = format!("{}{series:?}", family.0);
            if sample.name.ends_with("_bucket") {
                let le = sample
                    .labels
                    .iter()
                    .find(|(l, _)| l == "le")
                    .ok_or_else(|| format!("a bucket without le: {line:?}"))?;
                if let Some((previous_key, previous)) = &last_bucket {
                    if *previous_key == key && sample.value < *previous {
                        return Err(format!("buckets not cumulative: {line:?}"));
                    }
                }
                last_bucket = Some((key.clone(), sample.value));
                if le.1 == "+Inf" {
                    inf_bucket.push((key, sample.value));
                }
            } else if sample.name.ends_with("_count") {
                let inf = inf_bucket
                    .iter()
                    .find(|(k, _)| *k == key)
                    .ok_or_else(|| format!("a _count before its +Inf bucket: {line:?}"))?;
                if inf.1 != sample.value {
                    return Err(format!("_count differs from the +Inf bucket: {line:?}"));
                }
            }
        }
    }
    Ok(samples)
}
