//! `Barrier`: lets `n` tasks wait until all of them have arrived.
//!
//! # Design note
//!
//! A mutex-protected count of arrivals and a generation number, plus a
//! [`Notify`]. The `n`-th arrival starts a new generation, resets the
//! count and calls `notify_waiters`; the others wait until the generation
//! differs from the one they arrived in. Each waiter creates its
//! `Notified` while still holding the lock, before the generation can
//! change, so the wake-up cannot be missed (`notify_waiters` covers futures
//! created before the call). Generations make the barrier reusable.

use super::util::trace;
use super::Notify;
use crate::loom::Mutex;
use crate::runtime::waiting_on::SyncKind;
use std::fmt;

/// A barrier for `n` tasks: each `wait` returns once `n` tasks are waiting;
/// then it resets for the next round.
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Barrier;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # weft::runtime::Runtime::new()?.block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         weft::spawn(async move { barrier.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for task in tasks {
///     leaders += task.await? as usize;
/// }
/// assert_eq!(leaders, 1);
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # })
/// # }
/// ```
pub struct Barrier {
    state: Mutex<BarrierState>,
    notify: Notify,
    n: usize,
    resource: trace::Resource,
}

struct BarrierState {
    arrived: usize,
    generation: usize,
}

/// What [`Barrier::wait`] returns; exactly one waiter per round is the
/// leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this waiter was the one that completed the round.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`0` acts like `1`, as in tokio).
    #[track_caller]
    pub fn new(n: usize) -> Barrier {
        let n = n.max(1);
        Barrier {
            state: Mutex::new(BarrierState {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::with_kind(SyncKind::Barrier),
            n: n.max(1),
            resource: trace::resource!("tokio::sync::barrier", "Barrier", size = n, arrived = 0),
        }
    }

    /// Waits until `n` tasks are waiting; one of them is the leader.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe (as in tokio): a task counts as arrived from its
    /// first poll, and dropping the future does not take that back.
    pub async fn wait(&self) -> BarrierWaitResult {
        trace::async_op(
            &self.resource,
            "Barrier::wait",
            "poll",
            false,
            self.wait_inner(),
        )
        .await
    }

    async fn wait_inner(&self) -> BarrierWaitResult {
        std::future::poll_fn(crate::runtime::coop::poll_proceed_and_make_progress).await;
        let (generation, notified) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.arrived += 1;
            if state.arrived == self.n {
                state.arrived = 0;
                state.generation = state.generation.wrapping_add(1);
                drop(state);
                arrived(&self.resource, true);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock, before the round can complete.
            let waiting = (state.generation, self.notify.notified());
            drop(state);
            arrived(&self.resource, false);
            waiting
        };
        let mut notified = std::pin::pin!(notified);
        loop {
            notified.as_mut().await;
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.generation != generation {
                return BarrierWaitResult(false);
            }
            notified.set(self.notify.notified());
        }
    }
}

/// A task arrived at the barrier (`leader`: the last of its round, which
/// starts the next one): tokio's state updates, emitted after the lock is
/// released (a subscriber is code of the program's). The leader resets
/// `arrived` to 0, which tokio does not; an arrival that reports after the
/// leader of its round shows as arrived in the next one until it ends.
#[inline]
fn arrived(resource: &trace::Resource, leader: bool) {
    trace::state!(resource, arrived = 1 => "add");
    trace::op_state!(arrived = true);
    if leader {
        trace::state!(resource, arrived = 0 => "override");
        trace::op_state!(is_leader = true);
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}
