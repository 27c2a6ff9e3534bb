//! The owner list: every live task of one scheduler, for shutdown.
//!
//! # Design note
//!
//! An intrusive doubly-linked list threaded through the task headers
//! (`Header::owned`), guarded by one mutex: binding a task (spawn) pushes it,
//! completing it unlinks it, and shutdown closes the list and cancels
//! whatever is left, so no future outlives its runtime. The list holds one
//! reference per task (the `Task` handle). Intrusive links cost 16 bytes in
//! the cell and no allocation; the lock is taken once at spawn and once at
//! completion, never on wake or poll.
//!
//! Rules:
//!
//! 1. The links of a task are read and written only with the lock held.
//! 2. A task is in at most one list, its own scheduler's.
//! 3. Once `closed` is set, `bind` refuses new tasks (they are cancelled
//!    on the spot), so shutdown cannot race with a spawn and miss it.
//! 4. **A task in the list is alive while the lock is held.** The list's
//!    reference (the `Task` handed to `bind`) is given up only by code that
//!    first unlinks the task under the lock (`remove`,
//!    `close_and_shutdown_all`) and drops the reference after releasing
//!    it; until then the count is at least one, so the cell cannot be
//!    freed. So a walk under the lock ([`OwnedTasks::for_each`]) may read
//!    any linked task's header, state word and `TaskMeta` without taking a
//!    reference, and never touches a freed task. Dumps rely on this.
//! 5. Each link is visited once per walk: the walk holds the lock for the
//!    whole pass, so no task is linked, unlinked or moved during it, and a
//!    task appears in a walk at most once.

use super::raw::{Header, RawTask};
use super::{Notified, Schedule, Task};
use crate::loom::Mutex;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The intrusive links stored in each task header.
#[derive(Debug)]
pub(crate) struct Pointers {
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
}

impl Pointers {
    pub(crate) const fn new() -> Pointers {
        Pointers {
            prev: None,
            next: None,
        }
    }
}

/// The live tasks of one scheduler.
pub(crate) struct OwnedTasks<S: 'static> {
    inner: Mutex<ListInner>,
    _scheduler: PhantomData<fn(S)>,
}

/// The lock-protected part; methods taking `&mut ListInner` prove the lock
/// is held.
struct ListInner {
    head: Option<NonNull<Header>>,
    len: usize,
    /// Tasks ever bound (for metrics; counted under the lock spawn takes anyway).
    spawned: u64,
    closed: bool,
}

// SAFETY: the raw pointers are only followed with the lock held, and the
// tasks they point to are `Send`-safe through the state protocol.
unsafe impl Send for ListInner {}

impl<S: Schedule> OwnedTasks<S> {
    pub(crate) fn new() -> OwnedTasks<S> {
        OwnedTasks {
            inner: Mutex::new(ListInner {
                head: None,
                len: 0,
                spawned: 0,
                closed: false,
            }),
            _scheduler: PhantomData,
        }
    }

    /// Adds a freshly allocated task. Returns its first `Notified`, or
    /// `None` if the list is closed, in which case the task is cancelled
    /// before it ever runs (its join handle reports a cancelled task).
    pub(crate) fn bind(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        let mut inner = self.inner.lock().unwrap();
        if inner.closed {
            drop(inner);
            drop(notified);
            task.shutdown();
            return None;
        }
        inner.spawned += 1;
        inner.push_front(task.into_raw());
        Some(notified)
    }

    /// Unlinks `task` if it is still in the list, returning the list's
    /// reference to it.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let raw = task.raw();
        let mut inner = self.inner.lock().unwrap();
        // SAFETY: the lock is held, and `raw` is alive (the caller holds it).
        if unsafe { inner.unlink(raw) } {
            drop(inner);
            // SAFETY: the list's reference is handed to the caller.
            Some(unsafe { Task::from_raw(raw) })
        } else {
            None
        }
    }

    /// Number of tasks that are alive (spawned, not yet complete).
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().unwrap().len
    }

    /// Number of tasks ever bound to this list (spawned while open).
    pub(crate) fn spawned(&self) -> u64 {
        self.inner.lock().unwrap().spawned
    }

    /// Calls `f` once for every task in the list, in one pass with the lock
    /// held (rules 4 and 5). `f` gets the task only for the call: it must
    /// not keep it, take a reference, run user code (wakers, drops of user
    /// values) or take this list's lock; it may read the task's header,
    /// state and `TaskMeta`.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = inner.head;
        while let Some(ptr) = next {
            // SAFETY: `ptr` is linked and the lock is held: the task is
            // alive (rule 4).
            let raw = unsafe { RawTask::from_raw(ptr) };
            // SAFETY: the lock is held (rule 1).
            next = raw.header().owned.with(|links| unsafe { (*links).next });
            f(raw);
        }
    }

    /// Refuses further tasks; those in the list stay (they run to
    /// completion: the blocking pool's queued closures at shutdown).
    pub(crate) fn close(&self) {
        self.inner.lock().unwrap().closed = true;
    }

    /// Refuses further tasks and cancels every task still in the list.
    /// Tasks that are idle are cancelled here, on this thread; a task that
    /// is running elsewhere is marked and cancelled by its runner.
    pub(crate) fn close_and_shutdown_all(&self) {
        self.inner.lock().unwrap().closed = true;
        loop {
            let head = {
                let mut inner = self.inner.lock().unwrap();
                match inner.head {
                    Some(head) => {
                        // SAFETY: the lock is held and `head` is in the list.
                        let raw = unsafe { RawTask::from_raw(head) };
                        // SAFETY: as above.
                        let unlinked = unsafe { inner.unlink(raw) };
                        debug_assert!(unlinked);
                        raw
                    }
                    None => return,
                }
            };
            // SAFETY: the list's reference moved to us; dropping `task`
            // after the shutdown gives it up.
            let task = unsafe { Task::<S>::from_raw(head) };
            task.shutdown();
        }
    }
}

impl ListInner {
    fn push_front(&mut self, raw: RawTask) {
        let ptr = raw.header_ptr();
        raw.header().owned.with_mut(|links| {
            // SAFETY: the lock is held (`&mut self`); a new task is in no list.
            unsafe {
                *links = Pointers {
                    prev: None,
                    next: self.head,
                }
            }
        });
        if let Some(old) = self.head {
            // SAFETY: `old` is in the list, so alive; the lock is held.
            unsafe { old.as_ref() }
                .owned
                .with_mut(|links| unsafe { (*links).prev = Some(ptr) });
        }
        self.head = Some(ptr);
        self.len += 1;
    }

    /// Removes `raw` if it is linked; returns whether it was.
    ///
    /// # Safety
    ///
    /// `raw` must be alive and belong to this list's scheduler.
    unsafe fn unlink(&mut self, raw: RawTask) -> bool {
        let ptr = raw.header_ptr();
        // SAFETY: the lock is held (`&mut self`).
        let Pointers { prev, next } = raw.header().owned.with(|links| unsafe { (*links).clone() });
        let linked = prev.is_some() || self.head == Some(ptr);
        if !linked {
            return false;
        }
        match prev {
            // SAFETY: neighbours are in the list, so alive; the lock is held.
            Some(prev) => unsafe { prev.as_ref() }
                .owned
                .with_mut(|l| unsafe { (*l).next = next }),
            None => self.head = next,
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { next.as_ref() }
                .owned
                .with_mut(|l| unsafe { (*l).prev = prev });
        }
        // SAFETY: as above.
        raw.header()
            .owned
            .with_mut(|l| unsafe { *l = Pointers::new() });
        self.len -= 1;
        true
    }
}

impl Clone for Pointers {
    fn clone(&self) -> Pointers {
        Pointers {
            prev: self.prev,
            next: self.next,
        }
    }
}

impl<S> std::fmt::Debug for OwnedTasks<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks").finish_non_exhaustive()
    }
}
