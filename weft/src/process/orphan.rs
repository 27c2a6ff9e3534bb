//! The orphan queue: children whose [`Child`](super::Child) was dropped
//! before they were reaped, kept until they exit so that none stays a
//! zombie.
//!
//! # Design note
//!
//! tokio keeps such children in a global queue and reaps it when the
//! signal driver sees `SIGCHLD`; weft does the same, with its signal
//! streams and a small task:
//!
//! * [`push`] adds a child (under the queue's lock) and makes sure the
//!   current runtime runs a *reaper* task: a `SIGCHLD` listener that, on
//!   each delivery, tries every queued child with `waitpid(pid, WNOHANG)`
//!   (std's `try_wait`) and drops the ones that exited. Without a current
//!   runtime (a `Child` dropped after its runtime, on a plain thread) the
//!   child waits in the queue for the next `Command::spawn` inside a
//!   runtime, which starts a reaper there (`spawned`).
//! * Every `SIGCHLD` waiter (`reap.rs`, rule 3) also reaps the queue when
//!   it is woken.
//!
//! Protocol rules (one `Mutex` holds the children and the ids of the I/O
//! drivers that run a reaper):
//!
//! 1. A reaper subscribes to `SIGCHLD`, then reaps: a child that exited
//!    before the subscription is collected by that first reap; one that
//!    exits after raises a delivery the subscription sees.
//! 2. A reaper finding the queue empty removes its driver's id and ends,
//!    under the lock; [`push`] adds the child and looks for the id under
//!    the same lock. So either the reaper saw the new child, or `push`
//!    sees no reaper and starts one: a queued child always has a reaper
//!    (in some runtime, while one exists).
//! 3. A reaper dropped with its runtime removes its id, even one dropped
//!    before its first poll (spawned while the runtime shuts down): driver
//!    ids are addresses, and a later runtime's driver may get the same
//!    one, which must not find a stale id and go without a reaper.
//! 4. A child whose `try_wait` fails (someone else reaped it: `ECHILD`) is
//!    dropped from the queue, as is one that exited.
//!
//! The reaper task counts in the runtime's alive-task metrics while the
//! queue is not empty; it ends once every orphan is reaped. Installing
//! the `SIGCHLD` listener is process-wide and stays (the signal module's
//! caveats), as in tokio.

use crate::loom::{AtomicUsize, Mutex, Ordering::*};
use crate::runtime::context;
use crate::runtime::task::SpawnMeta;
use crate::signal::unix::{signal, SignalKind};
use std::future::Future;
use std::process::Child as StdChild;
use std::sync::OnceLock;

struct Orphans {
    queue: Mutex<Queue>,
    /// `queue.children.len()`, for a lock-free "nothing to do".
    len: AtomicUsize,
}

struct Queue {
    children: Vec<StdChild>,
    /// Ids of the I/O drivers whose runtime runs a reaper (rule 2).
    reapers: Vec<usize>,
}

static ORPHANS: OnceLock<Orphans> = OnceLock::new();

fn orphans() -> &'static Orphans {
    ORPHANS.get_or_init(|| Orphans {
        queue: Mutex::new(Queue {
            children: Vec::new(),
            reapers: Vec::new(),
        }),
        len: AtomicUsize::new(0),
    })
}

impl Queue {
    /// Rule 4: drops every child that has exited (collecting its status).
    fn reap(&mut self) {
        self.children
            .retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    }
}

/// Queues a child that was not reaped, and makes sure a reaper runs.
pub(crate) fn push(child: StdChild) {
    let orphans = orphans();
    {
        let mut queue = orphans.queue.lock().unwrap();
        queue.children.push(child);
        orphans.len.store(queue.children.len(), Release);
    }
    ensure_reaper(orphans);
}

/// Reaps the queue now (a `SIGCHLD` waiter was woken).
pub(crate) fn reap() {
    let Some(orphans) = ORPHANS.get() else {
        return;
    };
    if orphans.len.load(Acquire) == 0 {
        return;
    }
    let mut queue = orphans.queue.lock().unwrap();
    queue.reap();
    orphans.len.store(queue.children.len(), Release);
}

/// A child is being spawned in a runtime: orphans queued where no runtime
/// was get a reaper here.
pub(crate) fn spawned() {
    if let Some(orphans) = ORPHANS.get() {
        if orphans.len.load(Acquire) > 0 {
            ensure_reaper(orphans);
        }
    }
}

/// Starts a reaper in the current runtime unless one runs there (rule 2);
/// nothing outside a runtime with I/O.
fn ensure_reaper(orphans: &'static Orphans) {
    let found =
        context::with_current(|handle| handle.io_handle().map(|io| (handle.clone(), io.id())));
    let Ok(Some((handle, driver))) = found else {
        return;
    };
    {
        let mut queue = orphans.queue.lock().unwrap();
        if queue.children.is_empty() || queue.reapers.contains(&driver) {
            return;
        }
        queue.reapers.push(driver);
    }
    // Spawned without the lock: a runtime shutting down drops the task at
    // once, and its `Entry` takes the lock. The handle is dropped,
    // detaching the task.
    let meta = SpawnMeta::named(Some("weft::process::orphan_reaper"));
    drop(handle.spawn(reaper(orphans, driver), meta));
}

/// A reaper's registration; removes the driver's id when dropped unless
/// the reaper already did (rules 2 and 3).
struct Entry {
    orphans: &'static Orphans,
    driver: usize,
    removed: bool,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if !self.removed {
            let mut queue = self.orphans.queue.lock().unwrap();
            queue.reapers.retain(|&id| id != self.driver);
        }
    }
}

/// The reaper task of one runtime.
///
/// The [`Entry`] is made here, outside the `async` block, so that the
/// future owns it from the start: a reaper dropped before its first poll
/// (spawned into a runtime that is shutting down) still removes its id.
fn reaper(orphans: &'static Orphans, driver: usize) -> impl Future<Output = ()> + Send {
    let entry = Entry {
        orphans,
        driver,
        removed: false,
    };
    async move {
        // Moves the whole `Entry` in (a closure would capture only the
        // field it assigns).
        let mut entry = entry;
        // Rule 1: subscribe first. Failing that (e.g. `EMFILE`), the
        // children stay queued for the next push or spawn.
        let Ok(mut sigchld) = signal(SignalKind::child()) else {
            return;
        };
        loop {
            {
                let mut queue = orphans.queue.lock().unwrap();
                queue.reap();
                orphans.len.store(queue.children.len(), Release);
                if queue.children.is_empty() {
                    // Rule 2.
                    queue.reapers.retain(|&id| id != driver);
                    entry.removed = true;
                    return;
                }
            }
            sigchld.recv().await;
        }
    }
}

/// Children in the queue (tests).
#[cfg(test)]
pub(crate) fn queued() -> usize {
    ORPHANS.get().map_or(0, |orphans| orphans.len.load(Acquire))
}
