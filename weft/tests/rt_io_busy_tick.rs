//! `Builder::max_io_events_per_busy_tick`: a driver check made while the
//! scheduler still has work (it does not wait) takes at most that many
//! events; the others stay in the kernel and are delivered by later
//! turns, none lost.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use support::*;
use weft::net::UdpSocket;
use weft::runtime::Builder;

const SOCKETS: usize = 4;

/// `SOCKETS` receivers, each with a task counting its datagram once it is
/// readable, and a socket to send to them; the tasks are running (parked
/// on their socket) when this returns.
///
/// The sender is a std socket, not registered with the driver: a weft
/// one would get readiness events of its own (a UDP socket turns writable
/// again as each sent datagram's memory is freed), which would take slots
/// of a limited turn.
async fn waiting_receivers(
    received: &Arc<AtomicUsize>,
) -> (std::net::UdpSocket, Vec<std::net::SocketAddr>) {
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut addrs = Vec::new();
    let started = Arc::new(AtomicUsize::new(0));
    for _ in 0..SOCKETS {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        addrs.push(socket.local_addr().unwrap());
        let received = received.clone();
        let started = started.clone();
        weft::spawn(async move {
            started.fetch_add(1, SeqCst);
            let mut buf = [0u8; 8];
            socket.recv(&mut buf).await.unwrap();
            received.fetch_add(1, SeqCst);
        });
    }
    while started.load(SeqCst) < SOCKETS {
        weft::task::yield_now().await;
    }
    // One more round: each task has now polled its `recv` and is waiting.
    weft::task::yield_now().await;
    (sender, addrs)
}

#[test]
fn a_busy_check_takes_at_most_the_busy_limit() {
    let _watchdog = Watchdog::new("a_busy_check_takes_at_most_the_busy_limit");
    for (busy_limit, woken_by_first_check) in [(1, 1), (2, 2), (SOCKETS, SOCKETS)] {
        let rt = Builder::new_current_thread()
            .enable_all()
            .max_io_events_per_busy_tick(busy_limit)
            .build()
            .unwrap();
        // In a task rather than in `block_on`'s own future, which the
        // scheduler polls before its tasks: the yielding task is queued
        // after the tasks the check woke, so they have run when it resumes.
        rt.block_on(rt.spawn(async move {
            let received = Arc::new(AtomicUsize::new(0));
            let (sender, addrs) = waiting_receivers(&received).await;
            for addr in &addrs {
                // Loopback UDP: the datagram is queued at the receiver, and
                // its socket readable, when `send_to` returns.
                sender.send_to(b"x", addr).unwrap();
            }
            assert_eq!(received.load(SeqCst), 0);
            // A yield waits for a driver check, made without waiting since
            // this task is ready to run again: a busy check.
            weft::task::yield_now().await;
            assert_eq!(
                received.load(SeqCst),
                woken_by_first_check,
                "busy limit {busy_limit}"
            );
            // The rest come with the following checks.
            while received.load(SeqCst) < SOCKETS {
                weft::task::yield_now().await;
            }
        }))
        .unwrap();
    }
}

#[test]
fn an_idle_wait_takes_up_to_the_full_limit() {
    let _watchdog = Watchdog::new("an_idle_wait_takes_up_to_the_full_limit");
    let rt = Builder::new_current_thread()
        .enable_all()
        .max_io_events_per_busy_tick(1)
        .build()
        .unwrap();
    rt.block_on(async {
        let received = Arc::new(AtomicUsize::new(0));
        let (sender, addrs) = waiting_receivers(&received).await;
        // The datagrams are sent from another thread while this one waits
        // in the driver with nothing to run: that wait is not busy, and
        // takes every event (up to `max_io_events_per_tick`).
        let (tx, rx) = weft::sync::oneshot::channel();
        std::thread::spawn(move || {
            for addr in &addrs {
                sender.send_to(b"x", addr).unwrap();
            }
            tx.send(()).unwrap();
        });
        rx.await.unwrap();
        while received.load(SeqCst) < SOCKETS {
            weft::task::yield_now().await;
        }
    });
}

rt_test! {
    fn no_event_is_lost_with_a_busy_limit_of_one(rt: Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("no_event_is_lost_with_a_busy_limit_of_one");
        drop(rt);
        let mut builder = match flavor {
            Flavor::CurrentThread => Builder::new_current_thread(),
            Flavor::MultiThread(workers) => {
                let mut builder = Builder::new_multi_thread();
                builder.worker_threads(workers);
                builder
            }
        };
        let rt = builder
            .enable_all()
            .max_io_events_per_busy_tick(1)
            .event_interval(1)
            .build()
            .unwrap();
        rt.block_on(async {
            let received = Arc::new(AtomicUsize::new(0));
            for _ in 0..10 {
                let before = received.load(SeqCst);
                let (sender, addrs) = waiting_receivers(&received).await;
                for addr in &addrs {
                    sender.send_to(b"x", addr).unwrap();
                }
                // Busy: this task keeps yielding while the events arrive.
                while received.load(SeqCst) < before + SOCKETS {
                    weft::task::yield_now().await;
                }
            }
        });
    }
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn a_busy_limit_of_zero_panics() {
    let _ = Builder::new_current_thread().max_io_events_per_busy_tick(0);
}
