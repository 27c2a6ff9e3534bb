//! The histograms and gauges of `RuntimeMetrics` against workloads whose
//! counts are known exactly: poll-time and schedule-latency histograms
//! (one count per poll, bucket ranges as configured, a slow poll in a
//! slow bucket), the mean poll time, the blocking pool's queue, timers
//! and the I/O driver's counters. Every body that runs tasks runs on each
//! runtime flavor (`rt_test!`).
//!
//! Time is only ever bounded from below (a poll that sleeps 20 ms took at
//! least 20 ms); nothing asserts that something was fast. Per-worker
//! values are published when a worker parks, so the tests wait (bounded)
//! until the published values reach the expected ones.

mod support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use support::*;
use weft::runtime::{HistogramConfiguration, LogHistogram, RuntimeMetrics};

/// The sum over every worker and bucket of a histogram's counts.
fn total(
    metrics: &RuntimeMetrics,
    buckets: usize,
    count: fn(&RuntimeMetrics, usize, usize) -> u64,
) -> u64 {
    (0..metrics.num_workers())
        .flat_map(|worker| (0..buckets).map(move |bucket| (worker, bucket)))
        .map(|(worker, bucket)| count(metrics, worker, bucket))
        .sum()
}

fn poll_time_total(metrics: &RuntimeMetrics) -> u64 {
    total(
        metrics,
        metrics.poll_time_histogram_num_buckets(),
        RuntimeMetrics::poll_time_histogram_bucket_count,
    )
}

fn schedule_latency_total(metrics: &RuntimeMetrics) -> u64 {
    total(
        metrics,
        metrics.schedule_latency_histogram_num_buckets(),
        RuntimeMetrics::schedule_latency_histogram_bucket_count,
    )
}

fn polls(metrics: &RuntimeMetrics) -> u64 {
    (0..metrics.num_workers())
        .map(|w| metrics.worker_poll_count(w))
        .sum()
}

/// Spawns `tasks` counted tasks that each yield `yields` times, and waits
/// for them; returns the number of polls they counted.
fn run_yielding_tasks(rt: &weft::runtime::Runtime, tasks: usize, yields: usize) -> u64 {
    let counters = Counters::new();
    rt.block_on(async {
        let handles: Vec<_> = (0..tasks)
            .map(|_| weft::spawn(yielding(&counters, yields, ())))
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
    });
    let polls = counters.polls() as u64;
    assert_eq!(polls, (tasks * (yields + 1)) as u64);
    polls
}

rt_test! {
    fn poll_time_histogram_counts_every_poll(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("poll_time_histogram_counts_every_poll");
        let rt = flavor.builder().enable_metrics_poll_time_histogram().build().unwrap();
        let metrics = rt.metrics();
        assert!(metrics.poll_time_histogram_enabled());
        assert!(!metrics.schedule_latency_histogram_enabled());
        let expected = run_yielding_tasks(&rt, 10, 3);
        // Published at each park: exact once every worker is idle.
        wait_until("the histogram counts every poll", || {
            poll_time_total(&metrics) == expected && polls(&metrics) == expected
        });
        assert_eq!(poll_time_total(&metrics), polls(&metrics));
    }

    fn schedule_latency_histogram_counts_each_poll_once(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("schedule_latency_histogram_counts_each_poll_once");
        let rt = flavor
            .builder()
            .enable_metrics_schedule_latency_histogram()
            .build()
            .unwrap();
        let metrics = rt.metrics();
        assert!(metrics.schedule_latency_histogram_enabled());
        assert!(!metrics.poll_time_histogram_enabled());
        // Every spawn and every self-wake queues the task once: one delay
        // per poll.
        let expected = run_yielding_tasks(&rt, 8, 4);
        wait_until("the histogram counts every poll once", || {
            schedule_latency_total(&metrics) == expected && polls(&metrics) == expected
        });
        let sum: Duration = (0..metrics.num_workers())
            .map(|w| metrics.schedule_latency_histogram_sum(w))
            .sum();
        // Queueing and polling are distinct instants on a ns clock, but a
        // coarse platform clock may read equal: only check it is sane.
        assert!(sum < Duration::from_secs(3600));
    }

    fn both_histograms_count_the_same_polls(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("both_histograms_count_the_same_polls");
        let rt = flavor
            .builder()
            .enable_metrics_poll_time_histogram()
            .enable_metrics_schedule_latency_histogram()
            .build()
            .unwrap();
        let metrics = rt.metrics();
        let expected = run_yielding_tasks(&rt, 5, 2);
        wait_until("both histograms count every poll", || {
            poll_time_total(&metrics) == expected && schedule_latency_total(&metrics) == expected
        });
    }

    fn linear_bucket_ranges_are_as_configured(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let rt = flavor
            .builder()
            .enable_metrics_poll_time_histogram()
            .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
                Duration::from_micros(250),
                8,
            ))
            .enable_metrics_schedule_latency_histogram()
            .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::linear(
                Duration::from_millis(1),
                3,
            ))
            .build()
            .unwrap();
        let metrics = rt.metrics();
        assert_eq!(metrics.poll_time_histogram_num_buckets(), 8);
        for bucket in 0..7 {
            let us = 250 * bucket as u64;
            assert_eq!(
                metrics.poll_time_histogram_bucket_range(bucket),
                Duration::from_micros(us)..Duration::from_micros(us + 250)
            );
        }
        assert_eq!(
            metrics.poll_time_histogram_bucket_range(7),
            Duration::from_micros(1750)..Duration::from_nanos(u64::MAX)
        );
        assert_eq!(metrics.schedule_latency_histogram_num_buckets(), 3);
        assert_eq!(
            metrics.schedule_latency_histogram_bucket_range(1),
            Duration::from_millis(1)..Duration::from_millis(2)
        );
        for worker in 0..metrics.num_workers() {
            for bucket in 0..8 {
                assert_eq!(metrics.poll_time_histogram_bucket_count(worker, bucket), 0);
            }
        }
    }

    fn log_bucket_ranges_are_as_configured(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let log = LogHistogram::builder()
            .min_value(Duration::from_micros(10))
            .max_value(Duration::from_secs(2))
            .precision_exact(3)
            .build();
        let rt = flavor
            .builder()
            .enable_metrics_poll_time_histogram()
            .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(log))
            .build()
            .unwrap();
        let metrics = rt.metrics();
        let n = metrics.poll_time_histogram_num_buckets();
        assert_eq!(n, log.num_buckets());
        let first = metrics.poll_time_histogram_bucket_range(0);
        assert_eq!(first.start, Duration::ZERO);
        assert!(first.end <= Duration::from_micros(10), "{first:?}");
        for bucket in 1..n {
            let range = metrics.poll_time_histogram_bucket_range(bucket);
            assert_eq!(metrics.poll_time_histogram_bucket_range(bucket - 1).end, range.start);
            if bucket < n - 1 {
                // Precision 2^-3: a bucket is at most 1/8 of its values.
                let width = range.end - range.start;
                assert!(width * 8 <= range.start.max(Duration::from_nanos(8)), "{range:?}");
            }
        }
        assert_eq!(metrics.poll_time_histogram_bucket_range(n - 1).end, Duration::from_nanos(u64::MAX));
        assert!(metrics.poll_time_histogram_bucket_range(n - 2).end >= Duration::from_secs(2));
    }

    fn a_slow_poll_lands_in_a_bucket_of_at_least_20ms(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("a_slow_poll_lands_in_a_bucket_of_at_least_20ms");
        let rt = flavor
            .builder()
            .enable_metrics_poll_time_histogram()
            .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
                Duration::from_millis(5),
                10,
            ))
            .build()
            .unwrap();
        let metrics = rt.metrics();
        rt.block_on(async {
            weft::spawn(async { std::thread::sleep(Duration::from_millis(20)) })
                .await
                .unwrap();
        });
        // Buckets 4.. start at 20 ms or later.
        let slow = |m: &RuntimeMetrics| -> u64 {
            (0..m.num_workers())
                .flat_map(|w| (4..10).map(move |b| (w, b)))
                .map(|(w, b)| m.poll_time_histogram_bucket_count(w, b))
                .sum()
        };
        wait_until("the slow poll is published", || poll_time_total(&metrics) == 1);
        assert_eq!(slow(&metrics), 1, "the 20 ms poll is in a bucket starting at >= 20 ms");
        let sum: Duration = (0..metrics.num_workers())
            .map(|w| metrics.poll_time_histogram_sum(w))
            .sum();
        assert!(sum >= Duration::from_millis(20), "{sum:?}");
        // The mean poll time saw the busy stretch of that poll.
        wait_until("a worker has a mean poll time", || {
            (0..metrics.num_workers()).any(|w| metrics.worker_mean_poll_time(w) > Duration::ZERO)
        });
    }

    fn disabled_histograms_report_nothing(rt: &Runtime) {
        let metrics = rt.metrics();
        rt.block_on(async {
            weft::spawn(async {}).await.unwrap();
        });
        assert!(!metrics.poll_time_histogram_enabled());
        assert!(!metrics.schedule_latency_histogram_enabled());
        assert_eq!(metrics.poll_time_histogram_num_buckets(), 0);
        assert_eq!(metrics.schedule_latency_histogram_num_buckets(), 0);
        assert_eq!(metrics.poll_time_histogram_bucket_range(0), Duration::ZERO..Duration::ZERO);
        assert_eq!(
            metrics.schedule_latency_histogram_bucket_range(3),
            Duration::ZERO..Duration::ZERO
        );
        for worker in 0..metrics.num_workers() {
            assert_eq!(metrics.poll_time_histogram_bucket_count(worker, 0), 0);
            assert_eq!(metrics.schedule_latency_histogram_bucket_count(worker, 0), 0);
            assert_eq!(metrics.poll_time_histogram_sum(worker), Duration::ZERO);
            assert_eq!(metrics.schedule_latency_histogram_sum(worker), Duration::ZERO);
        }
    }

    #[should_panic(expected = "out of range")]
    fn a_bucket_out_of_range_panics(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let rt = flavor.builder().enable_metrics_poll_time_histogram().build().unwrap();
        rt.metrics().poll_time_histogram_bucket_range(10);
    }

    #[should_panic(expected = "worker index")]
    fn a_worker_out_of_range_panics(rt: &Runtime) {
        let metrics = rt.metrics();
        metrics.worker_mean_poll_time(metrics.num_workers());
    }

    fn blocking_queue_depth_counts_closures_waiting_for_a_thread(rt: Runtime, flavor: Flavor) {
        drop(rt);
        let _watchdog = Watchdog::new("blocking_queue_depth_counts_closures_waiting_for_a_thread");
        let rt = flavor.builder().max_blocking_threads(1).build().unwrap();
        let metrics = rt.metrics();
        assert_eq!(metrics.blocking_queue_depth(), 0);
        assert_eq!(metrics.num_blocking_threads(), 0);
        let barrier = Arc::new(Barrier::new(2));
        let running = Arc::new(AtomicBool::new(false));
        let busy = {
            let (barrier, running) = (barrier.clone(), running.clone());
            rt.spawn_blocking(move || {
                running.store(true, SeqCst);
                barrier.wait();
            })
        };
        wait_until("the first closure runs", || running.load(SeqCst));
        // The pool's one thread is busy: these wait in the queue.
        let queued: Vec<_> = (0..3).map(|i| rt.spawn_blocking(move || i)).collect();
        assert_eq!(metrics.blocking_queue_depth(), 3);
        assert_eq!(metrics.num_blocking_threads(), 1);
        assert_eq!(metrics.num_idle_blocking_threads(), 0);
        barrier.wait();
        rt.block_on(async {
            busy.await.unwrap();
            for (i, handle) in queued.into_iter().enumerate() {
                assert_eq!(handle.await.unwrap(), i);
            }
        });
        assert_eq!(metrics.blocking_queue_depth(), 0);
        assert_eq!(metrics.num_blocking_threads(), 1);
    }

    fn timers_are_counted_while_pending_and_when_fired(rt: &Runtime) {
        let _watchdog = Watchdog::new("timers_are_counted_while_pending_and_when_fired");
        let metrics = rt.metrics();
        assert_eq!(metrics.num_pending_timers(), 0);
        assert_eq!(metrics.timer_registered_count(), 0);
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let sleepers: Vec<_> = (0..5)
            .map(|_| {
                let started = started.clone();
                rt.spawn(async move {
                    let sleep = weft::time::sleep(Duration::from_secs(3600));
                    weft::pin!(sleep);
                    // Entered into the wheel by this poll.
                    let first = futures_poll_once(sleep.as_mut()).await;
                    assert!(first.is_pending());
                    started.fetch_add(1, SeqCst);
                    sleep.await;
                })
            })
            .collect();
        // Driven from `block_on` (a current_thread runtime runs tasks
        // only there), bounded.
        rt.block_on(async {
            let deadline = std::time::Instant::now() + PATIENCE;
            while started.load(SeqCst) < 5 {
                assert!(std::time::Instant::now() < deadline, "the sleeps never ran");
                weft::task::yield_now().await;
            }
        });
        assert_eq!(metrics.num_pending_timers(), 5);
        assert_eq!(metrics.timer_registered_count(), 5);
        assert_eq!(metrics.timer_fired_count(), 0);
        for sleeper in &sleepers {
            sleeper.abort();
        }
        rt.block_on(async {
            for sleeper in sleepers {
                assert!(sleeper.await.unwrap_err().is_cancelled());
            }
        });
        assert_eq!(metrics.num_pending_timers(), 0);
        assert_eq!(metrics.timer_fired_count(), 0);
        rt.block_on(async { weft::time::sleep(Duration::from_millis(2)).await });
        assert_eq!(metrics.timer_registered_count(), 6);
        assert_eq!(metrics.timer_fired_count(), 1);
        assert_eq!(metrics.num_pending_timers(), 0);
    }
}

/// Polls `fut` once (from inside a task, with that task's waker) and
/// returns the result, leaving `fut` in place.
async fn futures_poll_once<F: std::future::Future + Unpin>(
    mut fut: F,
) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut fut).poll(cx))).await
}

/// A task waits in the queue for as long as the only thread that runs
/// tasks is busy: its queue delay is at least that long. On
/// `current_thread` that thread is the one in `block_on`, so the bound is
/// exact; a `multi_thread` worker could take the task at once.
#[test]
fn a_task_queued_behind_a_busy_thread_waits_at_least_that_long() {
    let rt = weft::runtime::Builder::new_current_thread()
        .enable_metrics_schedule_latency_histogram()
        .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::linear(
            Duration::from_millis(5),
            10,
        ))
        .build()
        .unwrap();
    let metrics = rt.metrics();
    rt.block_on(async {
        let task = weft::spawn(async {});
        // The task is queued; the thread that would run it is busy.
        std::thread::sleep(Duration::from_millis(20));
        task.await.unwrap();
    });
    assert_eq!(schedule_latency_total(&metrics), 1);
    let slow: u64 = (4..10)
        .map(|b| metrics.schedule_latency_histogram_bucket_count(0, b))
        .sum();
    assert_eq!(slow, 1, "the delay is in a bucket starting at >= 20 ms");
    assert!(metrics.schedule_latency_histogram_sum(0) >= Duration::from_millis(20));
}

/// `enable_metrics_schedule_latency_histogram` tracks every task (the
/// queueing time lives in the task's record), so tasks without a name are
/// measured too.
#[test]
fn schedule_latency_tracks_unnamed_tasks() {
    let rt = weft::runtime::Builder::new_current_thread()
        .enable_metrics_schedule_latency_histogram()
        .build()
        .unwrap();
    rt.block_on(async {
        weft::spawn(async {}).await.unwrap();
        weft::task::Builder::new()
            .name("named")
            .spawn(async {})
            .unwrap()
            .await
            .unwrap();
    });
    assert_eq!(schedule_latency_total(&rt.metrics()), 2);
}

rt_test! {
    // The counts of epoll registrations: on io_uring a stream that only
    // reads and writes is never registered (net_backend.rs).
    #![build = epoll_runtime]


    fn io_driver_counts_a_real_socket_exchange(rt: &Runtime) {
        use weft::io::{AsyncReadExt, AsyncWriteExt};

        let _watchdog = Watchdog::new("io_driver_counts_a_real_socket_exchange");
        let metrics = rt.metrics();
        let registered = metrics.io_driver_fd_registered_count();
        let deregistered = metrics.io_driver_fd_deregistered_count();
        let ready = metrics.io_driver_ready_count();
        let turns = metrics.io_driver_turn_count();
        rt.block_on(async {
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = weft::spawn(async move {
                let mut stream = weft::net::TcpStream::connect(addr).await.unwrap();
                stream.write_all(b"ping").await.unwrap();
                let mut reply = [0; 4];
                stream.read_exact(&mut reply).await.unwrap();
                assert_eq!(&reply, b"pong");
            });
            let (mut server, _) = listener.accept().await.unwrap();
            let mut request = [0; 4];
            server.read_exact(&mut request).await.unwrap();
            assert_eq!(&request, b"ping");
            server.write_all(b"pong").await.unwrap();
            client.await.unwrap();
        });
        // The listener, the client and the accepted stream; all dropped.
        assert_eq!(metrics.io_driver_fd_registered_count() - registered, 3);
        assert_eq!(metrics.io_driver_fd_deregistered_count() - deregistered, 3);
        // The accept and at least one read waited for a readiness event.
        assert!(metrics.io_driver_ready_count() > ready);
        assert!(metrics.io_driver_turn_count() > turns);
    }
}
