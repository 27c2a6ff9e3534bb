//! Shared helpers for the runtime and task tests: counting futures, gates,
//! drop-tracked values, a watchdog, and the `rt_test!` macro that runs one
//! test body on every runtime flavor.
//!
//! Used as `mod support;` from each test file; every file uses a subset.
#![allow(dead_code, unused_macros, unused_imports)]
// `tests-http` and `weft-tokio-io` include this module too and have no
// `net` feature of their own: there the `feature = "net"` helpers are left
// out.
#![allow(unexpected_cfgs)]

pub(crate) mod fd_limit;
pub(crate) use fd_limit::*;
#[cfg(feature = "net")]
pub(crate) mod net;
#[cfg(feature = "net")]
pub(crate) use net::*;
pub(crate) mod scratch;
pub(crate) use scratch::*;
#[cfg(feature = "tracing")]
pub(crate) mod trace_recorder;
use std::future::Future;
use std::panic;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, Once};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use weft::runtime::{Builder, Runtime};

/// How long a helper waits for another thread before failing the test.
/// Generous: it only turns a hang (a lost wakeup) into a failure.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Runtime flavors and `rt_test!`
// ---------------------------------------------------------------------------

/// The runtime flavors `rt_test!` instantiates a body for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    /// `multi_thread` with this many workers.
    MultiThread(usize),
}

impl Flavor {
    /// A builder of this flavor with every driver on, to add settings to.
    pub(crate) fn builder(self) -> Builder {
        let mut builder = builder(self);
        builder.enable_all();
        builder
    }

    pub(crate) fn build(self) -> Runtime {
        self.builder().build().unwrap()
    }

    /// [`build`](Flavor::build), for `rt_test!` (which takes builders that
    /// may skip).
    pub(crate) fn build_some(self) -> Option<Runtime> {
        Some(self.build())
    }

    /// Worker threads that poll tasks.
    pub(crate) fn workers(self) -> usize {
        match self {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread(workers) => workers,
        }
    }

    pub(crate) fn is_current_thread(self) -> bool {
        self == Flavor::CurrentThread
    }
}

/// A fresh `current_thread` runtime with every driver enabled.
pub(crate) fn current_thread_rt() -> Runtime {
    Flavor::CurrentThread.build()
}

/// Instantiates a test body once per runtime flavor:
///
/// ```ignore
/// rt_test! {
///     fn spawns(rt: &Runtime) { ... }          // borrowed runtime
///     fn drops(rt: Runtime) { ... }            // owned (the body may drop it)
///     fn counts(rt: &Runtime, flavor: Flavor) { ... }
///     #[should_panic(expected = "...")]        // attributes apply per flavor
///     fn panics(rt: &Runtime) { ... }
/// }
/// ```
///
/// Each body becomes a module `name` with one `#[test]` per flavor
/// (`name::current_thread`, later `name::multi_thread_1`, ...). Adding a
/// flavor is one line in the `@flavors` arm.
///
/// The runtimes are [`Flavor::build`]'s. A first line `#![build = f]`
/// builds them with `f: fn(Flavor) -> Option<Runtime>` instead, for every
/// body of the invocation; `None` (the runtime cannot be had here, after a
/// visible skip: [`skip_visibly`]) ends the test at once:
///
/// ```ignore
/// rt_test! {
///     #![build = uring_runtime]
///     fn reads(rt: &Runtime) { ... }
/// }
/// ```
macro_rules! rt_test {
    (#![build = $build:path] $($rest:tt)*) => {
        rt_test!(@with [$build] $($rest)*);
    };
    (@with [$build:path]) => {};
    (@with [$build:path]
        $(#[$attr:meta])* fn $name:ident($rt:ident: &Runtime $(,)?) $body:block $($rest:tt)*
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($rt: &weft::runtime::Runtime) $body
            rt_test!(@flavors [$build] [$(#[$attr])*] |rt, _flavor| body(&rt));
        }
        rt_test!(@with [$build] $($rest)*);
    };
    (@with [$build:path]
        $(#[$attr:meta])* fn $name:ident($rt:ident: Runtime $(,)?) $body:block $($rest:tt)*
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($rt: weft::runtime::Runtime) $body
            rt_test!(@flavors [$build] [$(#[$attr])*] |rt, _flavor| body(rt));
        }
        rt_test!(@with [$build] $($rest)*);
    };
    (@with [$build:path]
        $(#[$attr:meta])*
        fn $name:ident($rt:ident: &Runtime, $fl:ident: Flavor $(,)?) $body:block $($rest:tt)*
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($rt: &weft::runtime::Runtime, $fl: $crate::support::Flavor) $body
            rt_test!(@flavors [$build] [$(#[$attr])*] |rt, flavor| body(&rt, flavor));
        }
        rt_test!(@with [$build] $($rest)*);
    };
    (@with [$build:path]
        $(#[$attr:meta])*
        fn $name:ident($rt:ident: Runtime, $fl:ident: Flavor $(,)?) $body:block $($rest:tt)*
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($rt: weft::runtime::Runtime, $fl: $crate::support::Flavor) $body
            rt_test!(@flavors [$build] [$(#[$attr])*] |rt, flavor| body(rt, flavor));
        }
        rt_test!(@with [$build] $($rest)*);
    };
    (@flavors [$build:path] [$($attr:tt)*] |$rt:ident, $fl:ident| $call:expr) => {
        #[test]
        $($attr)*
        fn current_thread() {
            let $fl = $crate::support::Flavor::CurrentThread;
            let Some($rt) = $build($fl) else { return };
            $call;
        }
        #[test]
        $($attr)*
        fn multi_thread_1() {
            let $fl = $crate::support::Flavor::MultiThread(1);
            let Some($rt) = $build($fl) else { return };
            $call;
        }
        #[test]
        $($attr)*
        fn multi_thread_4() {
            let $fl = $crate::support::Flavor::MultiThread(4);
            let Some($rt) = $build($fl) else { return };
            $call;
        }
    };
    ($($rest:tt)*) => {
        rt_test!(@with [$crate::support::Flavor::build_some] $($rest)*);
    };
}
pub(crate) use rt_test;

// ---------------------------------------------------------------------------
// Counting futures
// ---------------------------------------------------------------------------

/// What a counted future records.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    polls: AtomicUsize,
    /// Polls that have returned (`polls` counts them as they start).
    returned: AtomicUsize,
    drops: AtomicUsize,
    /// Thread that dropped the future (the last one, if dropped twice).
    dropped_on: Mutex<Option<ThreadId>>,
}

impl Counters {
    pub(crate) fn new() -> Arc<Counters> {
        Arc::new(Counters::default())
    }

    pub(crate) fn polls(&self) -> usize {
        self.polls.load(SeqCst)
    }

    /// Polls that have returned: once it is 1, the future has waited (its
    /// waker registered wherever its `Pending` came from) or finished,
    /// and no thread is still inside that first poll.
    pub(crate) fn polls_returned(&self) -> usize {
        self.returned.load(SeqCst)
    }

    pub(crate) fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }

    pub(crate) fn dropped_on(&self) -> Option<ThreadId> {
        *self.dropped_on.lock().unwrap()
    }

    /// For hand-written counted futures.
    pub(crate) fn record_poll(&self) {
        self.polls.fetch_add(1, SeqCst);
    }

    /// For hand-written counted futures.
    pub(crate) fn record_drop(&self) {
        *self.dropped_on.lock().unwrap() = Some(thread::current().id());
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Wraps a future, counting its polls and drops.
pub(crate) struct Counted<F> {
    inner: Pin<Box<F>>,
    counters: Arc<Counters>,
}

impl<F: Future> Counted<F> {
    pub(crate) fn new(counters: &Arc<Counters>, inner: F) -> Counted<F> {
        Counted {
            inner: Box::pin(inner),
            counters: counters.clone(),
        }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.counters.polls.fetch_add(1, SeqCst);
        let poll = self.inner.as_mut().poll(cx);
        self.counters.returned.fetch_add(1, SeqCst);
        poll
    }
}

impl<F> Drop for Counted<F> {
    fn drop(&mut self) {
        self.counters.record_drop();
    }
}

/// A future that is `Pending` `times` times, waking itself each time
/// (`wake_by_ref` from inside `poll`), then `Ready(())`.
#[derive(Debug)]
pub(crate) struct SelfWake {
    remaining: usize,
}

pub(crate) fn self_wake(times: usize) -> SelfWake {
    SelfWake { remaining: times }
}

impl Future for SelfWake {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A counted future that wakes itself `pending` times, then returns `output`.
pub(crate) fn yielding<T: Send + 'static>(
    counters: &Arc<Counters>,
    pending: usize,
    output: T,
) -> impl Future<Output = T> + Send + 'static {
    Counted::new(counters, async move {
        self_wake(pending).await;
        output
    })
}

/// A counted future that waits for `gate` to open, then returns `output`.
pub(crate) fn gated<T: Send + 'static>(
    counters: &Arc<Counters>,
    gate: &Arc<Gate>,
    output: T,
) -> impl Future<Output = T> + Send + 'static {
    let gate = gate.clone();
    Counted::new(counters, async move {
        gate.wait().await;
        output
    })
}

// ---------------------------------------------------------------------------
// Gate: a future the test opens, whose waker other threads can reach
// ---------------------------------------------------------------------------

/// A one-shot event: futures from [`Gate::wait`] are pending (storing their
/// wakers, one per waiting task) until [`Gate::open`] wakes them all. The stored waker is visible to the test,
/// which may clone and wake it from any thread.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
    registered: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    open: bool,
    /// One waker per waiting task (deduplicated with `will_wake`); the
    /// most recently stored one last.
    wakers: Vec<Waker>,
    /// How many times a waiter stored a waker.
    registrations: usize,
}

impl Gate {
    pub(crate) fn new() -> Arc<Gate> {
        Arc::new(Gate::default())
    }

    /// Opens the gate and wakes the stored waker (on this thread).
    pub(crate) fn open(&self) {
        let wakers = {
            let mut state = self.state.lock().unwrap();
            state.open = true;
            std::mem::take(&mut state.wakers)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Opens the gate but leaves the stored wakers for the caller (fetched
    /// earlier with [`Gate::waker`]) to wake.
    pub(crate) fn open_without_waking(&self) {
        let wakers = {
            let mut state = self.state.lock().unwrap();
            state.open = true;
            std::mem::take(&mut state.wakers)
        };
        drop(wakers);
    }

    pub(crate) fn is_open(&self) -> bool {
        self.state.lock().unwrap().open
    }

    /// A clone of the most recently stored waker, if a waiter has been
    /// polled and the gate is still closed.
    pub(crate) fn waker(&self) -> Option<Waker> {
        self.state.lock().unwrap().wakers.last().cloned()
    }

    /// Times a waiter has stored its waker.
    pub(crate) fn registrations(&self) -> usize {
        self.state.lock().unwrap().registrations
    }

    /// Blocks this thread until at least `n` registrations happened.
    pub(crate) fn wait_registrations(&self, n: usize) {
        let deadline = Instant::now() + PATIENCE;
        let mut state = self.state.lock().unwrap();
        while state.registrations < n {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("gate never polled");
            state = self.registered.wait_timeout(state, left).unwrap().0;
        }
    }

    /// Blocks this thread until a waiter has stored a waker; returns a clone.
    pub(crate) fn wait_waker(&self) -> Waker {
        self.wait_registrations(1);
        self.waker()
            .expect("a waker is stored until the gate opens")
    }

    /// Completes once the gate is open.
    pub(crate) fn wait(self: &Arc<Self>) -> GateWait {
        GateWait { gate: self.clone() }
    }
}

/// Returned by [`Gate::wait`].
#[derive(Debug)]
pub(crate) struct GateWait {
    gate: Arc<Gate>,
}

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.gate.state.lock().unwrap();
        if state.open {
            return Poll::Ready(());
        }
        let waker = cx.waker();
        match state.wakers.iter().position(|w| w.will_wake(waker)) {
            Some(i) => {
                let old = state.wakers.remove(i);
                drop(old);
                state.wakers.push(waker.clone());
            }
            None => state.wakers.push(waker.clone()),
        }
        state.registrations += 1;
        self.gate.registered.notify_all();
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------
// Values that count their drops; futures that panic
// ---------------------------------------------------------------------------

/// A shared drop counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct DropCount(Arc<AtomicUsize>);

impl DropCount {
    pub(crate) fn new() -> DropCount {
        DropCount::default()
    }

    pub(crate) fn get(&self) -> usize {
        self.0.load(SeqCst)
    }

    /// A value that bumps this counter when dropped.
    pub(crate) fn track<T>(&self, value: T) -> Tracked<T> {
        Tracked {
            value,
            drops: self.clone(),
        }
    }
}

/// A value that bumps its [`DropCount`] when dropped.
#[derive(Debug)]
pub(crate) struct Tracked<T> {
    pub(crate) value: T,
    drops: DropCount,
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        self.drops.0.fetch_add(1, SeqCst);
    }
}

/// Wraps a future; its `Drop` records the drop in `counters` and then
/// panics with `message` (unless the thread is already panicking).
pub(crate) struct PanicOnDrop<F> {
    inner: Pin<Box<F>>,
    counters: Arc<Counters>,
    message: &'static str,
}

impl<F: Future> PanicOnDrop<F> {
    pub(crate) fn new(counters: &Arc<Counters>, message: &'static str, inner: F) -> PanicOnDrop<F> {
        PanicOnDrop {
            inner: Box::pin(inner),
            counters: counters.clone(),
            message,
        }
    }
}

impl<F: Future> Future for PanicOnDrop<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.counters.polls.fetch_add(1, SeqCst);
        let poll = self.inner.as_mut().poll(cx);
        self.counters.returned.fetch_add(1, SeqCst);
        poll
    }
}

impl<F> Drop for PanicOnDrop<F> {
    fn drop(&mut self) {
        self.counters.record_drop();
        if !thread::panicking() {
            panic!("{}", self.message);
        }
    }
}

/// A future whose every poll panics with `message`; counts polls and drops.
pub(crate) fn panic_on_poll(
    counters: &Arc<Counters>,
    message: &'static str,
) -> impl Future<Output = ()> + Send + 'static {
    Counted::new(counters, async move { panic!("{message}") })
}

/// The message of a panic payload (`&str` or `String`), if it has one.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Runs `f`, expecting it to panic; returns the panic message.
pub(crate) fn panic_of<R>(f: impl FnOnce() -> R) -> String {
    match panic::catch_unwind(panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload)
            .unwrap_or("<non-string payload>")
            .to_owned(),
    }
}

/// Runs `f`, expecting it to panic on this thread; returns the panic's
/// message and the file it names as its location (a `#[track_caller]`
/// function's panic names its caller's file). The panic is not printed.
/// Panic hooks are global: one capture runs at a time, and a panic of
/// another thread meanwhile goes to the hook that was there before.
pub(crate) fn panic_site<R>(f: impl FnOnce() -> R) -> (String, String) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let me = thread::current().id();
    let seen: Arc<Mutex<Option<String>>> = Arc::default();
    let previous: Arc<dyn Fn(&panic::PanicHookInfo<'_>) + Send + Sync> = panic::take_hook().into();
    {
        let (seen, previous) = (seen.clone(), previous.clone());
        panic::set_hook(Box::new(move |info| {
            if thread::current().id() == me {
                *seen.lock().unwrap() = info.location().map(|l| l.file().to_owned());
            } else {
                previous(info);
            }
        }));
    }
    let outcome = panic::catch_unwind(panic::AssertUnwindSafe(f));
    let _ = panic::take_hook();
    panic::set_hook(Box::new(move |info| previous(info)));
    let payload = match outcome {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    };
    let message = panic_message(&*payload)
        .unwrap_or("<non-string payload>")
        .to_owned();
    let file = seen.lock().unwrap().take().expect("the hook saw the panic");
    (message, file)
}

/// Marker for panics the tests raise on purpose: the hook installed by
/// [`quiet_panics`] does not print them.
pub(crate) const QUIET: &str = "quiet:";

/// Installs (once per process) a panic hook that stays silent for panics
/// whose message contains [`QUIET`], and prints every other one as usual.
pub(crate) fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if panic_message(info.payload()).is_some_and(|m| m.contains(QUIET)) {
                return;
            }
            default(info);
        }));
    });
}

// ---------------------------------------------------------------------------
// Polling and waiting without a runtime
// ---------------------------------------------------------------------------

/// Polls `future` once with a no-op waker.
pub(crate) fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

/// Runs `future` to completion on this thread without any runtime,
/// parking between polls (for awaiting handles from plain threads).
pub(crate) fn block_on_thread<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .expect("future never woke");
        thread::park_timeout(left);
    }
}

/// Inside a runtime: yields until `cond` holds (a busy wait that lets the
/// runtime's other tasks run). Fails the test after [`PATIENCE`].
pub(crate) async fn yield_until(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "condition never became true");
        weft::task::yield_now().await;
    }
}

/// Outside a runtime: blocks this thread until `cond` holds. Fails the test
/// after [`PATIENCE`].
pub(crate) fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Aborts the process if the test is still running after `PATIENCE * 3`:
/// turns a hang (deadlock, lost wakeup) into a loud failure. Disarmed on
/// drop.
#[derive(Debug)]
pub(crate) struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
}

impl Watchdog {
    pub(crate) fn new(name: &'static str) -> Watchdog {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let theirs = done.clone();
        thread::spawn(move || {
            let (lock, cvar) = &*theirs;
            let guard = lock.lock().unwrap();
            let (guard, timeout) = cvar
                .wait_timeout_while(guard, PATIENCE * 3, |done| !*done)
                .unwrap();
            if timeout.timed_out() && !*guard {
                eprintln!("watchdog: test `{name}` hung (lost wakeup or deadlock); aborting");
                std::process::abort();
            }
        });
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.done;
        *lock.lock().unwrap() = true;
        cvar.notify_all();
    }
}

// ---------------------------------------------------------------------------
// A tiny channel with a waker slot (no runtime primitives needed)
// ---------------------------------------------------------------------------

/// An unbounded single-consumer channel: `send` pushes and wakes the
/// receiver's stored waker; `recv` takes a value or stores the waker.
#[derive(Debug)]
pub(crate) struct Chan<T> {
    inner: Mutex<ChanInner<T>>,
}

#[derive(Debug)]
struct ChanInner<T> {
    queue: std::collections::VecDeque<T>,
    waker: Option<Waker>,
}

impl<T> Chan<T> {
    pub(crate) fn new() -> Arc<Chan<T>> {
        Arc::new(Chan {
            inner: Mutex::new(ChanInner {
                queue: Default::default(),
                waker: None,
            }),
        })
    }

    pub(crate) fn send(&self, value: T) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.queue.push_back(value);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn recv(&self) -> impl Future<Output = T> + '_ {
        std::future::poll_fn(move |cx| {
            let mut inner = self.inner.lock().unwrap();
            match inner.queue.pop_front() {
                Some(value) => Poll::Ready(value),
                None => {
                    inner.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Builders per flavor; a latch for plain threads
// ---------------------------------------------------------------------------

/// A builder for `flavor` (worker count set), for tests that need more
/// settings than [`Flavor::build`]; the caller adds `enable_all()` etc.
pub(crate) fn builder(flavor: Flavor) -> Builder {
    match flavor {
        Flavor::CurrentThread => Builder::new_current_thread(),
        Flavor::MultiThread(workers) => {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    }
}

/// A one-shot flag that plain threads (blocking closures, tasks that block
/// their worker on purpose) wait on with std primitives only.
#[derive(Debug, Default)]
pub(crate) struct Latch {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Latch {
    pub(crate) fn new() -> Arc<Latch> {
        Arc::new(Latch::default())
    }

    pub(crate) fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }

    pub(crate) fn is_open(&self) -> bool {
        *self.open.lock().unwrap()
    }

    /// Blocks this thread until the latch opens; `false` if it did not
    /// within [`PATIENCE`].
    pub(crate) fn wait(&self) -> bool {
        self.wait_timeout(PATIENCE)
    }

    /// Blocks this thread until the latch opens; `false` if it did not
    /// within `timeout`.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        let open = self.open.lock().unwrap();
        let (open, _) = self
            .opened
            .wait_timeout_while(open, timeout, |open| !*open)
            .unwrap();
        *open
    }
}

/// The built example binary `example`, next to the test binary
/// (`target/<profile>/deps/<test>` → `target/<profile>/examples/<example>`).
///
/// # Panics
///
/// If it was not built, saying how to build it.
pub(crate) fn example_path(example: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join(example))
        .unwrap();
    assert!(
        path.exists(),
        "{} not built: run `cargo test --workspace --all-features` (it builds \
         the examples) or `cargo build --all-features --examples` first",
        path.display()
    );
    // `cargo test --test NAME` does not rebuild the examples: refuse to
    // test a binary older than its own source.
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{example}.rs"));
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified());
    if let (Ok(built), Ok(written)) = (modified(&path), modified(&source)) {
        assert!(
            built >= written,
            "{} is older than {}: run `cargo build --all-features --examples` first",
            path.display(),
            source.display()
        );
    }
    path
}

// ---------------------------------------------------------------------------
// The fs backend
// ---------------------------------------------------------------------------

/// Whether the runtimes these tests build run `weft::fs` on io_uring: as
/// the environment variable `WEFT_FS_BACKEND` says (CI runs the `fs_*`
/// binaries with it unset and with `blocking-pool`), else wherever this
/// process may set up rings. Fails under CI if `Auto` cannot use io_uring
/// on a build that has it (the io_uring backend would go untested); the
/// portable platform layer (`--cfg weft_sys_fallback`, and every system
/// but Linux) has no io_uring, so there the blocking pool is expected.
#[allow(dead_code)] // used by the fs tests only
pub(crate) fn fs_runs_on_io_uring() -> bool {
    if cfg!(any(weft_sys_fallback, not(target_os = "linux"))) {
        return false;
    }
    match std::env::var("WEFT_FS_BACKEND").as_deref() {
        Ok("blocking-pool") => false,
        Ok("io-uring") => true,
        _ => {
            let available = Builder::new_current_thread()
                .fs_backend(weft::runtime::FsBackend::IoUring)
                .build()
                .is_ok();
            if !available {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "io_uring cannot be used here, so `Auto` runs fs on the \
                     blocking pool and the io_uring backend goes untested"
                );
                eprintln!("SKIPPED io_uring: it cannot be used here; fs runs on the blocking pool");
            }
            available
        }
    }
}
