//! `Builder::spin_before_park`: with spinning off (or set long), a thread
//! in `block_on` and the workers that serve it still wake each other, on
//! every runtime flavor. The tests count round trips and polls; they never
//! look at the clock.

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::*;
use weft::runtime::{Builder, Runtime};

/// Round trips per test: enough that the waiting thread parks (and, where
/// it spins, backs off) many times.
const ROUND_TRIPS: usize = 200;

fn build(flavor: Flavor, spin: Duration) -> Runtime {
    builder(flavor)
        .enable_all()
        .spin_before_park(spin)
        .build()
        .unwrap()
}

/// A task that answers each request on `requests` with the request plus
/// one on `replies`, until it has answered `ROUND_TRIPS`.
fn echo_server(
    rt: &Runtime,
    counters: &Arc<Counters>,
    requests: &Arc<Chan<usize>>,
    replies: &Arc<Chan<usize>>,
) -> weft::task::JoinHandle<usize> {
    let (requests, replies) = (requests.clone(), replies.clone());
    rt.spawn(Counted::new(counters, async move {
        for _ in 0..ROUND_TRIPS {
            let request = requests.recv().await;
            replies.send(request + 1);
        }
        ROUND_TRIPS
    }))
}

/// `Runtime::block_on` exchanging requests and replies with a task: on
/// `multi_thread` the `block_on` thread waits outside the workers (the
/// waiter that spins by default) and the worker that serves it is fed from
/// the inject queue (the worker that spins for remote work by default).
fn block_on_round_trips(rt: &Runtime) {
    let _watchdog = Watchdog::new("block_on_round_trips");
    let counters = Counters::new();
    let (requests, replies) = (Chan::new(), Chan::new());
    let server = echo_server(rt, &counters, &requests, &replies);
    let answered = rt.block_on(async {
        let mut answered = 0;
        for request in 0..ROUND_TRIPS {
            requests.send(request);
            assert_eq!(replies.recv().await, request + 1);
            answered += 1;
        }
        assert_eq!(server.await.unwrap(), ROUND_TRIPS);
        answered
    });
    assert_eq!(answered, ROUND_TRIPS);
    assert!(counters.polls() >= 1);
    assert_eq!(counters.drops(), 1, "the server's future was dropped once");
}

/// `Handle::block_on` on another thread exchanging requests and replies
/// with a task, while this thread drives the runtime (on `current_thread`
/// the tasks run only here) until the task is done.
fn handle_block_on_round_trips(rt: &Runtime) {
    let _watchdog = Watchdog::new("handle_block_on_round_trips");
    let counters = Counters::new();
    let (requests, replies) = (Chan::new(), Chan::new());
    let server = echo_server(rt, &counters, &requests, &replies);
    let client = {
        let handle = rt.handle().clone();
        std::thread::spawn(move || {
            handle.block_on(async {
                let mut answered = 0;
                for request in 0..ROUND_TRIPS {
                    requests.send(request);
                    assert_eq!(replies.recv().await, request + 1);
                    answered += 1;
                }
                answered
            })
        })
    };
    assert_eq!(rt.block_on(server).unwrap(), ROUND_TRIPS);
    assert_eq!(client.join().unwrap(), ROUND_TRIPS);
    assert!(counters.polls() >= 1);
    assert_eq!(counters.drops(), 1, "the server's future was dropped once");
}

/// `sync`'s blocking methods (which never spin: no runtime says a wake is
/// near) on a plain thread, served by a task.
fn blocking_round_trips(rt: &Runtime) {
    let _watchdog = Watchdog::new("blocking_round_trips");
    let (request_tx, mut request_rx) = weft::sync::mpsc::channel::<usize>(1);
    let (reply_tx, mut reply_rx) = weft::sync::mpsc::channel::<usize>(1);
    let server = rt.spawn(async move {
        let mut answered = 0;
        while let Some(request) = request_rx.recv().await {
            reply_tx.send(request + 1).await.unwrap();
            answered += 1;
        }
        answered
    });
    let client = std::thread::spawn(move || {
        for request in 0..ROUND_TRIPS {
            request_tx.blocking_send(request).unwrap();
            assert_eq!(reply_rx.blocking_recv(), Some(request + 1));
        }
    });
    assert_eq!(rt.block_on(server).unwrap(), ROUND_TRIPS);
    client.join().unwrap();
}

rt_test! {
    fn block_on_round_trips_with_spinning_off(_rt: &Runtime, flavor: Flavor) {
        block_on_round_trips(&build(flavor, Duration::ZERO));
    }

    fn block_on_round_trips_with_the_default_spin(rt: &Runtime) {
        block_on_round_trips(rt);
    }

    fn block_on_round_trips_with_a_long_spin(_rt: &Runtime, flavor: Flavor) {
        block_on_round_trips(&build(flavor, Duration::from_millis(5)));
    }

    fn handle_block_on_round_trips_with_spinning_off(_rt: &Runtime, flavor: Flavor) {
        handle_block_on_round_trips(&build(flavor, Duration::ZERO));
    }

    fn handle_block_on_round_trips_with_the_default_spin(rt: &Runtime) {
        handle_block_on_round_trips(rt);
    }

    fn blocking_round_trips_with_spinning_off(_rt: &Runtime, flavor: Flavor) {
        blocking_round_trips(&build(flavor, Duration::ZERO));
    }
}

/// A spin longer than the clock can represent never ends on a deadline:
/// the waiting threads still wake (the block_on thread sees its reply, a
/// spinning worker sees work), and shutting the runtime down ends a
/// worker's spin.
#[test]
fn an_unbounded_spin_still_wakes_and_shuts_down() {
    block_on_round_trips(&build(Flavor::MultiThread(2), Duration::MAX));
}

/// The setting shows in the builder's `Debug` output.
#[test]
fn the_builder_shows_its_spin() {
    let mut builder = Builder::new_multi_thread();
    assert!(format!("{builder:?}").contains("spin_before_park: 20µs"));
    builder.spin_before_park(Duration::ZERO);
    assert!(format!("{builder:?}").contains("spin_before_park: 0ns"));
}
