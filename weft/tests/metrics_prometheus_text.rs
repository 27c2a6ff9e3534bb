//! The Prometheus text formatter of the `metrics_prometheus` example
//! (`examples/prometheus/text.rs`): what it writes for a runtime whose
//! counts are known, and the checker the example's `--self-test` uses,
//! on good and bad pages.

mod support;

#[path = "../examples/prometheus/text.rs"]
#[allow(dead_code)]
mod text;

use std::time::Duration;
use support::*;
use weft::runtime::HistogramConfiguration;

/// The value of the sample `name{labels}` in `page`.
fn value(page: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| text::parse_sample(line).unwrap())
        .find(|sample| {
            sample.name == name
                && sample.labels.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| sample.labels.iter().any(|(l, w)| l == k && w == v))
        })
        .map(|sample| sample.value)
}

rt_test! {
    fn the_page_holds_every_metric_with_its_value(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("the_page_holds_every_metric_with_its_value");
        let rt = flavor
            .builder()
            .enable_metrics_poll_time_histogram()
            .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
                Duration::from_millis(5),
                4,
            ))
            .enable_metrics_schedule_latency_histogram()
            .build()
            .unwrap();
        let metrics = rt.metrics();
        let counters = Counters::new();
        rt.block_on(async {
            for _ in 0..3 {
                weft::spawn(yielding(&counters, 1, ())).await.unwrap();
            }
            weft::spawn(async { std::thread::sleep(Duration::from_millis(20)) })
                .await
                .unwrap();
        });
        // 3 tasks polled twice, one polled once.
        wait_until("every poll is published", || {
            (0..metrics.num_workers())
                .map(|w| metrics.worker_poll_count(w))
                .sum::<u64>()
                == 7
        });
        let page = text::render(&metrics);
        let samples = text::check(&page).unwrap_or_else(|e| panic!("{e}\n{page}"));
        assert!(samples > 20, "{page}");
        assert_eq!(value(&page, "weft_workers", &[]), Some(flavor.workers() as f64));
        assert_eq!(value(&page, "weft_spawned_tasks_total", &[]), Some(4.0));
        assert_eq!(value(&page, "weft_alive_tasks", &[]), Some(0.0));
        let per_worker_sum = |name: &str| -> f64 {
            (0..flavor.workers())
                .map(|w| value(&page, name, &[("worker", &w.to_string())]).unwrap())
                .sum()
        };
        assert_eq!(per_worker_sum("weft_worker_polls_total"), 7.0);
        assert_eq!(per_worker_sum("weft_poll_time_seconds_count"), 7.0);
        assert_eq!(per_worker_sum("weft_schedule_latency_seconds_count"), 7.0);
        assert!(per_worker_sum("weft_poll_time_seconds_sum") >= 0.020);
        // The 20 ms poll is above the 15 ms bucket's upper edge, so it is
        // only in the +Inf bucket (linear, 5 ms wide, 4 buckets).
        let le = |le: &str| -> f64 {
            (0..flavor.workers())
                .map(|w| {
                    value(&page, "weft_poll_time_seconds_bucket", &[("worker", &w.to_string()), ("le", le)])
                        .unwrap()
                })
                .sum()
        };
        assert!(le("0.015") <= 6.0);
        assert_eq!(le("+Inf"), 7.0);
        for name in [
            "weft_blocking_queue_depth",
            "weft_io_driver_ready_events_total",
            "weft_io_driver_turns_total",
            "weft_timers_pending",
            "weft_timers_fired_total",
        ] {
            assert!(value(&page, name, &[]).is_some(), "no {name} in\n{page}");
        }
    }

    fn histograms_that_are_off_are_left_out(rt: &Runtime) {
        let page = text::render(&rt.metrics());
        text::check(&page).unwrap();
        assert!(!page.contains("weft_poll_time_seconds"));
        assert!(!page.contains("weft_schedule_latency_seconds"));
        assert!(page.contains("weft_worker_mean_poll_time_seconds"));
    }
}

#[test]
fn samples_parse() {
    assert_eq!(
        text::parse_sample(r#"a_b:c{x="1",y="q\"uote\\d\n"} 2.5"#).unwrap(),
        text::Sample {
            name: "a_b:c".into(),
            labels: vec![
                ("x".into(), "1".into()),
                ("y".into(), "q\"uote\\d\n".into())
            ],
            value: 2.5,
        }
    );
    assert_eq!(text::parse_sample("up 1").unwrap().value, 1.0);
    assert_eq!(
        text::parse_sample(r#"h_bucket{le="+Inf"} +Inf"#)
            .unwrap()
            .value,
        f64::INFINITY
    );
}

#[test]
fn bad_pages_are_refused() {
    let typed = "# TYPE m counter\n";
    for (page, why) in [
        ("m 1\n", "a sample before its TYPE"),
        ("# TYPE m counter\nm\n", "no value"),
        ("# TYPE m counter\nm one\n", "a value that is not a number"),
        ("# TYPE 1m counter\n", "a bad family name"),
        ("# TYPE m widget\n", "an unknown type"),
        ("# TYPE m counter\nm{x=1} 1\n", "an unquoted label value"),
        ("# TYPE m counter\nm{x=\"1\" 1\n", "unclosed labels"),
        ("# TYPE m counter\nm{x=\"1\"y=\"2\"} 1\n", "labels without a comma"),
        ("# TYPE m counter\n\nm 1\n", "an empty line"),
        ("# comment\n", "a comment that is neither HELP nor TYPE"),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",
            "buckets that decrease",
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
            "a _count that is not the +Inf bucket",
        ),
    ] {
        assert!(text::check(page).is_err(), "accepted {why}: {page:?}");
    }
    assert_eq!(text::check(&format!("{typed}m 1\nm{{a=\"b\"}} 2\n")), Ok(2));
}
