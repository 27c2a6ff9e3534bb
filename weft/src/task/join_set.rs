//! [`JoinSet`], a collection of tasks joined in the order they finish,
//! and [`Builder`], which spawns one task with settings into it.
//!
//! # Design note
//!
//! The set keeps its `JoinHandle`s in a slab. Each entry has its own small
//! waker (`EntryWaker`, one allocation per spawned task) that the task wakes
//! when it finishes; waking pushes the entry's index onto a shared `ready`
//! queue (at most once, guarded by the entry's `queued` flag) and wakes the
//! task that awaits `join_next`. So `join_next` touches only entries that
//! finished: O(1) per joined task, not O(len). `insert` polls the new
//! handle once with the entry waker, so the task's completion queues the
//! entry at the moment it happens (completion order holds even for tasks
//! that finish before the first `join_next`); a task that already finished
//! has its output kept in the entry and is queued at once. An index may be
//! queued after its entry was removed and the slot reused; polling the new
//! occupant is then merely spurious, never wrong.
//!
//! Cooperative budget: `insert`'s poll runs unconstrained (registering is
//! not progress), as does `try_join_next` (it cannot yield). A handle that
//! `poll_join_next` finds refused for lack of budget re-queues its entry
//! through the entry waker; `poll_join_next` then yields (waking its
//! caller) instead of popping that entry again in a loop.

use super::{AbortHandle, Id, JoinError, JoinHandle};
use crate::loom::{AtomicBool, Mutex, Ordering::*};
use crate::runtime::coop;
use crate::runtime::Handle;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A set of tasks spawned together; await them as they complete.
///
/// Tasks are spawned with [`spawn`](Self::spawn) and collected with
/// [`join_next`](Self::join_next), which returns outputs in completion
/// order. Dropping the set aborts every task still in it.
///
/// # Examples
///
/// ```
/// use weft::task::JoinSet;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut set = JoinSet::new();
/// for i in 0..10 {
///     set.spawn(async move { i });
/// }
/// let mut seen = [false; 10];
/// while let Some(res) = set.join_next().await {
///     seen[res.unwrap()] = true;
/// }
/// assert!(seen.iter().all(|&s| s));
/// # }
/// ```
pub struct JoinSet<T> {
    slots: Vec<Option<Entry<T>>>,
    free: Vec<usize>,
    len: usize,
    shared: Arc<Shared>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Arc<EntryWaker>,
    /// The output, when the task had finished by the time it was inserted.
    output: Stashed<T>,
}

/// An output held for `join_next`. Only `&mut JoinSet` reaches it, so
/// `JoinSet<T>` stays `Sync` for `T: Send` (as `JoinHandle<T>` is).
struct Stashed<T>(Option<Result<T, JoinError>>);

// SAFETY: the value is read and written only through `&mut` (in `insert`
// and `poll_join_next_with_id`); a shared `&JoinSet` exposes no method
// that touches it, so sharing it across threads shares nothing of `T`.
unsafe impl<T: Send> Sync for Stashed<T> {}

/// What the entry wakers and the set share.
struct Shared {
    inner: Mutex<SharedInner>,
}

struct SharedInner {
    /// Indices of entries whose task may have finished.
    ready: VecDeque<usize>,
    /// The task awaiting `join_next`.
    waker: Option<Waker>,
}

struct EntryWaker {
    index: usize,
    /// Set while `index` sits in `ready`; keeps repeated wakes to one entry.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // AcqRel: the Acquire half sees the set's clear of `queued` (Release
        // in `poll_join_next`) before deciding to queue again.
        if self.queued.swap(true, AcqRel) {
            return;
        }
        let waker = {
            let mut inner = self.shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.ready.push_back(self.index);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            shared: Arc::new(Shared {
                inner: Mutex::new(SharedInner {
                    ready: VecDeque::new(),
                    waker: None,
                }),
            }),
        }
    }

    /// The number of tasks in the set (finished ones included, until they
    /// are joined).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds an already spawned task, returning a handle that can abort it.
    fn insert(&mut self, mut handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let entry_waker = Arc::new(EntryWaker {
            index,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        // Registers `entry_waker` as the join waker, so the entry is queued
        // the moment the task finishes.
        let waker = Waker::from(entry_waker.clone());
        // Unconstrained: registering must neither spend the caller's
        // cooperative budget nor be refused by it.
        let polled = coop::with_unconstrained(|| {
            Pin::new(&mut handle).poll(&mut Context::from_waker(&waker))
        });
        let output = match polled {
            Poll::Ready(output) => {
                entry_waker.wake_by_ref();
                Some(output)
            }
            Poll::Pending => None,
        };
        self.slots[index] = Some(Entry {
            handle,
            waker: entry_waker,
            output: Stashed(output),
        });
        self.len += 1;
        abort
    }

    fn remove(&mut self, index: usize) -> Entry<T> {
        let entry = self.slots[index].take().expect("a live JoinSet entry");
        self.free.push(index);
        self.len -= 1;
        entry
    }

    /// Aborts every task in the set. They stay in the set until joined;
    /// joining them gives a cancelled `JoinError` (or the output, for tasks
    /// that had already finished).
    pub fn abort_all(&mut self) {
        for entry in self.slots.iter().flatten() {
            entry.handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they keep
    /// running, detached.
    pub fn detach_all(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.len = 0;
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ready
            .clear();
    }

    /// Polls for the next finished task; see [`join_next_with_id`](Self::join_next_with_id).
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        // A waker to store, cloned with the lock released: cloning and
        // dropping wakers is user code, which must not run under the lock.
        let mut new_waker: Option<Waker> = None;
        loop {
            let mut inner = self.shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            let index = match inner.ready.pop_front() {
                Some(index) => index,
                None if inner
                    .waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker())) =>
                {
                    return Poll::Pending;
                }
                None => match new_waker.take() {
                    Some(waker) => {
                        let replaced = inner.waker.replace(waker);
                        drop(inner);
                        drop(replaced);
                        return Poll::Pending;
                    }
                    None => {
                        drop(inner);
                        // Look at `ready` again with the clone in hand.
                        new_waker = Some(cx.waker().clone());
                        continue;
                    }
                },
            };
            drop(inner);
            let Some(entry) = self.slots.get_mut(index).and_then(Option::as_mut) else {
                continue;
            };
            // Release: pairs with the AcqRel swap in `EntryWaker::wake_by_ref`;
            // cleared before polling so a completion during the poll queues it again.
            entry.waker.queued.store(false, Release);
            if let Some(result) = entry.output.0.take() {
                let id = entry.handle.id();
                self.remove(index);
                return Poll::Ready(Some(result.map(|output| (id, output))));
            }
            let waker = Waker::from(entry.waker.clone());
            let mut entry_cx = Context::from_waker(&waker);
            if let Poll::Ready(result) = Pin::new(&mut entry.handle).poll(&mut entry_cx) {
                let id = entry.handle.id();
                self.remove(index);
                return Poll::Ready(Some(result.map(|output| (id, output))));
            }
            if !coop::has_budget_remaining() {
                // The handle refused for lack of cooperative budget (and
                // re-queued the entry through its waker): yield instead of
                // popping it again, and come back with a fresh budget.
                coop::yield_spent(cx);
                return Poll::Pending;
            }
        }
    }

    /// Polls for the next finished task's output.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|r| r.map(|r| r.map(|(_, output)| output)))
    }

    /// Waits for any task in the set to finish and returns its output, or
    /// `None` when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the `await` is dropped, no output is lost; the task
    /// stays in the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// As [`join_next`](Self::join_next), with the finished task's id.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as `join_next`.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns the output of a task that has already finished, if any,
    /// without waiting. `None` means none has finished yet, or the set is
    /// empty.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|r| r.map(|(_, output)| output))
    }

    /// As [`try_join_next`](Self::try_join_next), with the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let waker = Waker::noop();
        // Not async, so it cannot yield: a finished task must be returned
        // whatever the cooperative budget says.
        let polled = coop::with_unconstrained(|| {
            self.poll_join_next_with_id(&mut Context::from_waker(waker))
        });
        match polled {
            Poll::Ready(result) => result,
            Poll::Pending => None,
        }
    }

    /// Aborts every task and waits until they have all stopped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs, in the order they
    /// finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, its panic is resumed here; if a task was
    /// cancelled, this panics with the `JoinError`. Either way the remaining
    /// tasks are aborted (when the set drops). To handle failures, call
    /// [`join_next`](Self::join_next) in a loop instead.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("{err}"),
            }
        }
        outputs
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns a task on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime, as [`weft::spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(task))
    }

    /// Runs a blocking closure on the current runtime's blocking pool (see
    /// [`spawn_blocking`](super::spawn_blocking)) and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// Runs a blocking closure on the blocking pool of `handle`'s runtime
    /// and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Spawns a task on the runtime of `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(task))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` task on the current [`LocalSet`](super::LocalSet)
    /// and adds it to the set.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet`, as [`spawn_local`](super::spawn_local).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(task))
    }

    /// Spawns a `!Send` task on `local_set` and adds it to the set.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }
}

// A set never pins its outputs: a task's output is moved out of its cell
// (or out of `Stashed`) and returned by value. So it is `Unpin` whatever
// `T` is, as tokio's is; a stream that wraps one (tokio-stream's
// `JoinSetStream`) polls it through `Pin<&mut Self>` by relying on that.
impl<T: 'static> JoinSet<T> {
    /// A [`Builder`] that spawns one task with settings (a name) into this
    /// set.
    ///
    /// # Differences from tokio
    ///
    /// tokio has it only with `--cfg tokio_unstable` and its `tracing`
    /// feature; in weft it is stable (see [`task::Builder`](super::Builder)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mut set = weft::task::JoinSet::new();
    /// for shard in ["eu", "us"] {
    ///     set.build_task().name(shard).spawn(async move { shard.len() })?;
    /// }
    /// let mut total = 0;
    /// while let Some(len) = set.join_next().await {
    ///     total += len.unwrap();
    /// }
    /// assert_eq!(total, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn build_task(&mut self) -> Builder<'_, T> {
        Builder {
            join_set: self,
            builder: super::Builder::new(),
        }
    }
}

/// Spawns one task with settings into a [`JoinSet`]; made by
/// [`JoinSet::build_task`]. Each spawn function is that of
/// [`task::Builder`](super::Builder) followed by adding the task to the
/// set, and returns its [`AbortHandle`].
#[must_use = "a builder does nothing until one of its spawn functions is called"]
pub struct Builder<'a, T> {
    join_set: &'a mut JoinSet<T>,
    builder: super::Builder<'a>,
}

impl<'a, T: 'static> Builder<'a, T> {
    /// Names the task (see [`task::Builder::name`](super::Builder::name)).
    pub fn name(self, name: &'a str) -> Builder<'a, T> {
        Builder {
            join_set: self.join_set,
            builder: self.builder.name(name),
        }
    }

    /// As [`JoinSet::spawn`].
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        Ok(self.join_set.insert(self.builder.spawn(future)?))
    }

    /// As [`JoinSet::spawn_on`].
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        Ok(self.join_set.insert(self.builder.spawn_on(future, handle)?))
    }

    /// As [`JoinSet::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F>(self, f: F) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        Ok(self.join_set.insert(self.builder.spawn_blocking(f)?))
    }

    /// As [`JoinSet::spawn_blocking_on`].
    #[track_caller]
    pub fn spawn_blocking_on<F>(self, f: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        Ok(self
            .join_set
            .insert(self.builder.spawn_blocking_on(f, handle)?))
    }

    /// As [`JoinSet::spawn_local`].
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self.join_set.insert(self.builder.spawn_local(future)?))
    }

    /// As [`JoinSet::spawn_local_on`].
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &super::LocalSet,
    ) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self
            .join_set
            .insert(self.builder.spawn_local_on(future, local_set)?))
    }
}

impl<T> fmt::Debug for Builder<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("join_set", &self.join_set)
            .field("builder", &self.builder)
            .finish()
    }
}

impl<T> Unpin for JoinSet<T> {}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime.
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        for future in iter {
            set.spawn(future);
        }
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime.
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}
