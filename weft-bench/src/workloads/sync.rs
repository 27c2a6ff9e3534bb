//! Channel and lock workloads after tokio's `benches/sync_mpsc.rs`,
//! `benches/sync_mpsc_oneshot.rs`, `benches/sync_semaphore.rs` and
//! `benches/sync_rwlock.rs`. On a multi_thread runtime with 2 workers: 5
//! tasks each send 1,000 messages to one receiver (bounded, with tokio's
//! 1,000,000 capacity and with its "full" capacity of 100, and unbounded);
//! one task sending 5,000 messages to itself and then receiving them
//! (bounded and unbounded: the channel without contention); 1,000
//! request/reply round trips where each request carries a oneshot for its
//! reply, served by a task and, roles swapped, by the `block_on` future;
//! 6 tasks x 1,000 acquisitions of a 5-permit semaphore; 6 tasks x 100
//! reads of a lock a writer held when they started. On a current_thread
//! runtime: the request/reply round trips again, and 6,000 uncontended
//! acquisitions of a semaphore, and of read access. A run's value is its
//! time in µs (the harness makes a sample of the runs in a window).

use std::io;
use std::sync::Arc;
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
/// Capacity of the channel that is full most of the time (tokio's
/// `contention_bounded_full`).
pub const FULL_CAPACITY: usize = 100;
/// Tasks in the contended semaphore and lock workloads.
pub const LOCK_TASKS: usize = 6;
/// Acquisitions per task of the contended semaphore (of 5 permits).
pub const SEM_PER_TASK: usize = 1_000;
/// Reads per task behind the writer.
pub const READS_PER_TASK: usize = 100;
/// Acquisitions in the uncontended workloads.
pub const UNCONTENDED: usize = 6_000;
/// Round trips in the request/reply workload.
pub const REQUESTS: usize = 1_000;
/// Messages in the uncontended channel workloads.
pub const UNCONTENDED_MESSAGES: usize = 5_000;

/// `senders` tasks × `per_sender` messages into one bounded channel;
/// returns how many the receiver got.
pub fn contention_bounded<R: Channels>(
    rt: &R::Runtime,
    senders: usize,
    per_sender: usize,
    capacity: usize,
) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let (tx, mut rx) = R::bounded::<usize>(capacity);
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

/// One task sends `n` messages into a bounded channel of `capacity`, then
/// receives them; returns how many it got back.
pub fn uncontended_bounded<R: Channels>(rt: &R::Runtime, n: usize, capacity: usize) -> usize {
    R::block_on(rt, async move {
        let (tx, mut rx) = R::bounded::<usize>(capacity);
        for i in 0..n {
            if !R::send(&tx, i).await {
                return 0;
            }
        }
        let mut got = 0;
        for _ in 0..n {
            if R::recv(&mut rx).await.is_some() {
                got += 1;
            }
        }
        got
    })
}

/// The same over an unbounded channel.
pub fn uncontended_unbounded<R: Channels>(rt: &R::Runtime, n: usize) -> usize {
    R::block_on(rt, async move {
        let (tx, mut rx) = R::unbounded::<usize>();
        for i in 0..n {
            if !R::send_unbounded(&tx, i) {
                return 0;
            }
        }
        let mut got = 0;
        for _ in 0..n {
            if R::recv_unbounded(&mut rx).await.is_some() {
                got += 1;
            }
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

/// The same round trips with the roles swapped: a task sends the requests
/// and waits for each reply; the `block_on` future serves them. Returns
/// the requests served.
pub fn request_reply_served<R: Channels>(rt: &R::Runtime, requests: usize) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let (tx, mut rx) = R::bounded::<R::OneshotSender<usize>>(10);
        spawn_detached::<R, _>(sp, async move {
            for _ in 0..requests {
                let (reply_tx, reply_rx) = R::oneshot::<usize>();
                if !R::send(&tx, reply_tx).await || R::recv_once(reply_rx).await.is_none() {
                    return;
                }
            }
        });
        let mut served = 0;
        while let Some(reply) = R::recv(&mut rx).await {
            served += 1;
            R::send_once(reply, served);
        }
        served
    })
}

/// `tasks` tasks each take and give back a permit of a 5-permit semaphore
/// `per_task` times; returns the acquisitions.
pub fn semaphore_contended<R: Channels>(rt: &R::Runtime, tasks: usize, per_task: usize) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let sem = Arc::new(R::semaphore(5));
        let joins: Vec<_> = (0..tasks)
            .map(|_| {
                let sem = sem.clone();
                R::spawn(sp, async move {
                    for _ in 0..per_task {
                        R::acquire_release(&sem).await;
                    }
                    per_task
                })
            })
            .collect();
        let mut done = 0;
        for join in joins {
            done += join.await;
        }
        done
    })
}

/// `n` acquisitions of a 10-permit semaphore nobody else uses.
pub fn semaphore_uncontended<R: Channels>(rt: &R::Runtime, n: usize) -> usize {
    R::block_on(rt, async move {
        let sem = R::semaphore(10);
        for _ in 0..n {
            R::acquire_release(&sem).await;
        }
        n
    })
}

/// `tasks` tasks each read the lock `per_task` times; a writer holds it
/// until they are all spawned. Returns the reads.
pub fn rwlock_read_contended<R: Channels>(rt: &R::Runtime, tasks: usize, per_task: usize) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let lock = Arc::new(R::rwlock());
        let writer = R::write_owned(lock.clone()).await;
        let joins: Vec<_> = (0..tasks)
            .map(|_| {
                let lock = lock.clone();
                R::spawn(sp, async move {
                    for _ in 0..per_task {
                        R::read_release(&lock).await;
                    }
                    per_task
                })
            })
            .collect();
        drop(writer);
        let mut done = 0;
        for join in joins {
            done += join.await;
        }
        done
    })
}

/// `n` reads of a lock nobody else uses.
pub fn rwlock_read_uncontended<R: Channels>(rt: &R::Runtime, n: usize) -> usize {
    R::block_on(rt, async move {
        let lock = R::rwlock();
        for _ in 0..n {
            R::read_release(&lock).await;
        }
        n
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
        sync_workload!(
            $ty,
            $name,
            $about,
            $expected,
            |settings| Flavor::MultiThread(settings.workers),
            |$rt| $body
        );
    };
    (
        $ty:ident,
        $name:literal,
        $about:literal,
        $expected:expr,
        |$settings:ident| $flavor:expr,
        |$rt:ident| $body:expr
    ) => {
        #[doc = concat!("`", $name, "`: ", $about)]
        #[derive(Debug)]
        pub struct $ty;

        impl SyncTimed for $ty {
            const NAME: &'static str = $name;
            const UNIT: Unit = Unit::MICROS;
            const ABOUT: &'static str = $about;

            fn prepare<R: Channels>($settings: &Settings) -> io::Result<Sampler> {
                let $rt = R::build($flavor)?;
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
    |rt| contention_bounded::<R>(rt, SENDERS, PER_SENDER, CAPACITY)
);
sync_workload!(
    BoundedFullContention,
    "sync_mpsc_bounded_full_5x1000",
    "5 tasks x 1,000 messages into one bounded mpsc of capacity 100 (full most of the time)",
    SENDERS * PER_SENDER,
    |rt| contention_bounded::<R>(rt, SENDERS, PER_SENDER, FULL_CAPACITY)
);
sync_workload!(
    UnboundedContention,
    "sync_mpsc_unbounded_5x1000",
    "5 tasks x 1,000 messages into one unbounded mpsc",
    SENDERS * PER_SENDER,
    |rt| contention_unbounded::<R>(rt, SENDERS, PER_SENDER)
);
sync_workload!(
    BoundedUncontended,
    "sync_mpsc_bounded_uncontended_5000",
    "one task sends 5,000 messages into a bounded mpsc (capacity 1,000,000), then receives them",
    UNCONTENDED_MESSAGES,
    |rt| uncontended_bounded::<R>(rt, UNCONTENDED_MESSAGES, CAPACITY)
);
sync_workload!(
    UnboundedUncontended,
    "sync_mpsc_unbounded_uncontended_5000",
    "one task sends 5,000 messages into an unbounded mpsc, then receives them",
    UNCONTENDED_MESSAGES,
    |rt| uncontended_unbounded::<R>(rt, UNCONTENDED_MESSAGES)
);
sync_workload!(
    RequestReply,
    "sync_mpsc_oneshot",
    "1,000 request/reply round trips: mpsc request carrying a oneshot for the reply",
    REQUESTS,
    |rt| request_reply::<R>(rt, REQUESTS)
);
sync_workload!(
    RequestReplyServed,
    "sync_mpsc_oneshot_served",
    "the same 1,000 round trips with the roles swapped: a task sends the requests, block_on serves them",
    REQUESTS,
    |rt| request_reply_served::<R>(rt, REQUESTS)
);
sync_workload!(
    RequestReplyCt,
    "sync_mpsc_oneshot_ct",
    "the same 1,000 request/reply round trips on a current_thread runtime",
    REQUESTS,
    |_settings| Flavor::CurrentThread,
    |rt| request_reply::<R>(rt, REQUESTS)
);
sync_workload!(
    SemaphoreContended,
    "sync_semaphore_contended_6x1000",
    "6 tasks x 1,000 acquire/release of a 5-permit semaphore",
    LOCK_TASKS * SEM_PER_TASK,
    |rt| semaphore_contended::<R>(rt, LOCK_TASKS, SEM_PER_TASK)
);
sync_workload!(
    SemaphoreUncontended,
    "sync_semaphore_uncontended_ct",
    "6,000 acquire/release of a 10-permit semaphore, current_thread",
    UNCONTENDED,
    |_settings| Flavor::CurrentThread,
    |rt| semaphore_uncontended::<R>(rt, UNCONTENDED)
);
sync_workload!(
    RwLockReadContended,
    "sync_rwlock_read_contended_6x100",
    "6 tasks x 100 reads of an RwLock a writer held while they were spawned",
    LOCK_TASKS * READS_PER_TASK,
    |rt| rwlock_read_contended::<R>(rt, LOCK_TASKS, READS_PER_TASK)
);
sync_workload!(
    RwLockReadUncontended,
    "sync_rwlock_read_uncontended_ct",
    "6,000 uncontended reads of an RwLock, current_thread",
    UNCONTENDED,
    |_settings| Flavor::CurrentThread,
    |rt| rwlock_read_uncontended::<R>(rt, UNCONTENDED)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt, WeftRt};

    fn check<R: Channels>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        assert_eq!(
            contention_bounded::<R>(&rt, 3, 20, CAPACITY),
            60,
            "{}",
            R::KIND
        );
        assert_eq!(contention_bounded::<R>(&rt, 3, 20, 4), 60, "{}", R::KIND);
        assert_eq!(semaphore_contended::<R>(&rt, 3, 20), 60, "{}", R::KIND);
        assert_eq!(rwlock_read_contended::<R>(&rt, 3, 20), 60, "{}", R::KIND);
        let ct = R::build(Flavor::CurrentThread).unwrap();
        assert_eq!(semaphore_uncontended::<R>(&ct, 50), 50, "{}", R::KIND);
        assert_eq!(rwlock_read_uncontended::<R>(&ct, 50), 50, "{}", R::KIND);
        assert_eq!(contention_unbounded::<R>(&rt, 3, 20), 60, "{}", R::KIND);
        assert_eq!(request_reply::<R>(&rt, 15), 15, "{}", R::KIND);
        assert_eq!(request_reply::<R>(&ct, 15), 15, "{}", R::KIND);
        assert_eq!(
            uncontended_bounded::<R>(&rt, 40, CAPACITY),
            40,
            "{}",
            R::KIND
        );
        assert_eq!(uncontended_unbounded::<R>(&rt, 40), 40, "{}", R::KIND);
    }

    #[test]
    fn sync_workloads_deliver_every_message_on_every_runtime() {
        check::<WeftRt>();
        check::<TokioRt>();
        check::<SmolRt>();
    }
}
