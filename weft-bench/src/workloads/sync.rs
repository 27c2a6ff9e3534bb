//! Channel workloads after tokio's `benches/sync_mpsc.rs` and
//! `benches/sync_mpsc_oneshot.rs`, on a multi_thread runtime with 2
//! workers: 5 tasks each send 1,000 messages to one receiver (bounded, with
//! tokio's 1,000,000 capacity, and unbounded); and 1,000 request/reply
//! round trips where each request carries a oneshot for its reply. A sample
//! is one run, in µs. They run on tokio and smol now; weft's rows are
//! pending until `weft::sync` is on this branch (see [`Channels`]).

use std::io;
use std::time::Instant;

use crate::rt::{spawn_detached, Channels, Flavor};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings, SyncTimed};

/// Sending tasks in the contention workloads.
pub const SENDERS: usize = 5;
/// Messages per sending task.
pub const PER_SENDER: usize = 1_000;
/// Capacity of the bounded channel (tokio's `contention_bounded`).
pub const CAPACITY: usize = 1_000_000;
/// Round trips in the request/reply workload.
pub const REQUESTS: usize = 1_000;

/// `senders` tasks × `per_sender` messages into one bounded channel;
/// returns how many the receiver got.
pub fn contention_bounded<R: Channels>(
    rt: &R::Runtime,
    senders: usize,
    per_sender: usize,
) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let (tx, mut rx) = R::bounded::<usize>(CAPACITY);
        for _ in 0..senders {
            let tx = tx.clone();
            spawn_detached::<R, _>(sp, async move {
                for i in 0..per_sender {
                    if !R::send(&tx, i).await {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut got = 0;
        while R::recv(&mut rx).await.is_some() {
            got += 1;
        }
        got
    })
}

/// The same over an unbounded channel.
pub fn contention_unbounded<R: Channels>(
    rt: &R::Runtime,
    senders: usize,
    per_sender: usize,
) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let (tx, mut rx) = R::unbounded::<usize>();
        for _ in 0..senders {
            let tx = tx.clone();
            spawn_detached::<R, _>(sp, async move {
                for i in 0..per_sender {
                    if !R::send_unbounded(&tx, i) {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut got = 0;
        while R::recv_unbounded(&mut rx).await.is_some() {
            got += 1;
        }
        got
    })
}

/// `requests` round trips to a server task: each request is a oneshot
/// sender the server answers on. Returns the replies received.
pub fn request_reply<R: Channels>(rt: &R::Runtime, requests: usize) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let (tx, mut rx) = R::bounded::<R::OneshotSender<usize>>(10);
        spawn_detached::<R, _>(sp, async move {
            let mut n = 0;
            while let Some(reply) = R::recv(&mut rx).await {
                n += 1;
                R::send_once(reply, n);
            }
        });
        let mut replies = 0;
        for _ in 0..requests {
            let (reply_tx, reply_rx) = R::oneshot::<usize>();
            if !R::send(&tx, reply_tx).await {
                break;
            }
            if R::recv_once(reply_rx).await.is_some() {
                replies += 1;
            }
        }
        replies
    })
}

fn timed_count(expected: usize, f: impl FnOnce() -> usize, what: &str) -> io::Result<f64> {
    let start = Instant::now();
    let got = f();
    let us = start.elapsed().as_secs_f64() * 1e6;
    if got == expected {
        Ok(us)
    } else {
        Err(io::Error::other(format!(
            "{what}: {got} of {expected} messages arrived"
        )))
    }
}

macro_rules! sync_workload {
    ($ty:ident, $name:literal, $about:literal, $expected:expr, |$rt:ident| $body:expr) => {
        #[doc = concat!("`", $name, "`: ", $about)]
        #[derive(Debug)]
        pub struct $ty;

        impl SyncTimed for $ty {
            const NAME: &'static str = $name;
            const UNIT: Unit = Unit::MICROS;
            const ABOUT: &'static str = $about;

            fn prepare<R: Channels>(settings: &Settings) -> io::Result<Sampler> {
                let $rt = R::build(Flavor::MultiThread(settings.workers))?;
                Ok(Box::new(move || {
                    let $rt = &$rt;
                    timed_count($expected, || $body, $name)
                }))
            }
        }
    };
}

sync_workload!(
    BoundedContention,
    "sync_mpsc_bounded_5x1000",
    "5 tasks x 1,000 messages into one bounded mpsc (capacity 1,000,000)",
    SENDERS * PER_SENDER,
    |rt| contention_bounded::<R>(rt, SENDERS, PER_SENDER)
);
sync_workload!(
    UnboundedContention,
    "sync_mpsc_unbounded_5x1000",
    "5 tasks x 1,000 messages into one unbounded mpsc",
    SENDERS * PER_SENDER,
    |rt| contention_unbounded::<R>(rt, SENDERS, PER_SENDER)
);
sync_workload!(
    RequestReply,
    "sync_mpsc_oneshot",
    "1,000 request/reply round trips: mpsc request carrying a oneshot for the reply",
    REQUESTS,
    |rt| request_reply::<R>(rt, REQUESTS)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt};

    fn check<R: Channels>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        assert_eq!(contention_bounded::<R>(&rt, 3, 20), 60, "{}", R::KIND);
        assert_eq!(contention_unbounded::<R>(&rt, 3, 20), 60, "{}", R::KIND);
        assert_eq!(request_reply::<R>(&rt, 15), 15, "{}", R::KIND);
    }

    #[test]
    fn sync_workloads_deliver_every_message_on_tokio_and_smol() {
        check::<TokioRt>();
        check::<SmolRt>();
    }
}
