//! `Builder`: configure and build a `Runtime`.

use super::blocking::{BlockingPool, PoolConfig};
use super::driver::{Driver, DriverConfig};
use super::metrics::{duration_ns, HistogramSettings, MetricsConfig};
use super::runtime::{Runtime, Scheduler};
#[cfg(feature = "rt-multi-thread")]
use super::scheduler::multi_thread;
use super::scheduler::{self, current_thread};
use super::watchdog::Watchdog;
use super::{Handle, HistogramConfiguration, LocalOptions, LocalRuntime};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync + 'static>;
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync + 'static>;

/// Builds a [`Runtime`] with custom settings.
///
/// # Examples
///
/// ```
/// use weft::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()?;
/// assert_eq!(rt.block_on(async { weft::spawn(async { 7 }).await.unwrap() }), 7);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Builder {
    kind: Kind,
    /// Set by `enable_io` (features `net`, `signal`; always `false` without).
    enable_io: bool,
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    max_io_events_per_tick: usize,
    /// `max_io_events_per_busy_tick`; `None`: `max_io_events_per_tick`.
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    max_io_events_per_busy_tick: Option<usize>,
    /// Set by `enable_time` (feature `time`; always `false` without).
    enable_time: bool,
    /// `start_paused` (feature `test-util`; always `false` without it).
    start_paused: bool,
    /// `thread_name`/`thread_name_fn`; `None`: the default names.
    thread_name: Option<ThreadNameFn>,
    /// `Builder::name`.
    name: Option<String>,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    on_thread_park: Option<Callback>,
    on_thread_unpark: Option<Callback>,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
    event_interval: u32,
    global_queue_interval: Option<u32>,
    spin_before_park: Duration,
    /// Set by `enable_task_tracking`.
    track_tasks: bool,
    /// Set by `long_poll_threshold`.
    long_poll_threshold: Option<Duration>,
    /// Set by `on_long_poll`.
    on_long_poll: Option<super::watchdog::ReportFn>,
    /// Set by `enable_metrics_poll_time_histogram`.
    enable_poll_time_histogram: bool,
    poll_time_histogram: HistogramSettings,
    /// Set by `enable_metrics_schedule_latency_histogram`.
    enable_schedule_latency_histogram: bool,
    schedule_latency_histogram: HistogramSettings,
    /// Set by `fs_backend` (feature `fs`).
    #[cfg(feature = "fs")]
    fs_backend: super::FsBackend,
    /// Set by `io_backend` (feature `net`).
    #[cfg(feature = "net")]
    io_backend: super::IoBackend,
    /// The rings' crate-internal knobs (tests shrink them, or simulate a
    /// refusal of `io_uring_setup`).
    #[cfg(any(feature = "fs", feature = "net"))]
    pub(crate) ring_config: super::backends::RingConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CurrentThread,
    #[cfg(feature = "rt-multi-thread")]
    MultiThread,
}

/// How many tasks run between two checks of the driver, by default.
const DEFAULT_EVENT_INTERVAL: u32 = 61;
/// How many ticks between two looks at the inject queue first, by default.
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 31;

impl Builder {
    /// A builder for a runtime that runs every task on the thread that calls
    /// [`Runtime::block_on`].
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    /// A builder for a runtime with a pool of worker threads that steal
    /// work from each other (the default flavor of [`Runtime::new`] and
    /// `#[weft::main]`). Tasks may run on any worker, and move between
    /// them, so they must be `Send`.
    ///
    /// The workers start when the runtime is built and stop when it is
    /// dropped or shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Builder;
    ///
    /// let rt = Builder::new_multi_thread().worker_threads(4).build()?;
    /// assert_eq!(rt.metrics().num_workers(), 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "rt-multi-thread")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rt-multi-thread")))]
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            enable_io: false,
            #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
            max_io_events_per_tick: crate::runtime::io::DEFAULT_EVENTS_PER_TICK,
            #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
            max_io_events_per_busy_tick: None,
            enable_time: false,
            start_paused: false,
            thread_name: None,
            name: None,
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
            event_interval: DEFAULT_EVENT_INTERVAL,
            global_queue_interval: None,
            spin_before_park: super::park::spin::DEFAULT_SPIN_BEFORE_PARK,
            track_tasks: false,
            long_poll_threshold: None,
            on_long_poll: None,
            enable_poll_time_histogram: false,
            poll_time_histogram: HistogramSettings::default(),
            enable_schedule_latency_histogram: false,
            schedule_latency_histogram: HistogramSettings::default(),
            #[cfg(feature = "fs")]
            fs_backend: super::FsBackend::Auto,
            #[cfg(feature = "net")]
            io_backend: super::IoBackend::Auto,
            #[cfg(any(feature = "fs", feature = "net"))]
            ring_config: Default::default(),
        }
    }

    /// Enables every driver compiled in: I/O (features `net`, `signal`)
    /// and time (feature `time`).
    pub fn enable_all(&mut self) -> &mut Builder {
        #[cfg(any(feature = "net", feature = "signal"))]
        self.enable_io();
        #[cfg(feature = "time")]
        self.enable_time();
        self
    }

    /// Enables the I/O driver, which sockets need. Idle scheduler threads
    /// then wait for work inside the OS's readiness poll (`epoll_wait`).
    #[cfg(any(feature = "net", feature = "signal"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "net", feature = "signal"))))]
    pub fn enable_io(&mut self) -> &mut Builder {
        self.enable_io = true;
        self
    }

    /// The most I/O readiness events the driver takes from the OS per
    /// turn (default 1024). More are taken on the next turn; a smaller
    /// number checks the run queues more often under heavy I/O.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0.
    #[track_caller]
    #[cfg(any(feature = "net", feature = "signal"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "net", feature = "signal"))))]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Builder {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.max_io_events_per_tick = capacity;
        self
    }

    /// The most I/O readiness events the driver takes from the OS when a
    /// scheduler thread checks for events while it still has tasks to run
    /// (default: [`max_io_events_per_tick`](Self::max_io_events_per_tick)'s
    /// value).
    ///
    /// A busy thread checks the driver every
    /// [`event_interval`](Self::event_interval) tasks, without waiting,
    /// and every task that check wakes joins its run queue. Under
    /// sustained overload a large batch makes that queue (256 tasks per
    /// `multi_thread` worker; the overflow goes to the shared queue) grow
    /// faster than it drains; a small busy batch leaves the rest of the
    /// events in the kernel until the thread has caught up. A thread with
    /// nothing to run still takes up to `max_io_events_per_tick` events
    /// per wait. Any check that does not wait counts as busy, including a
    /// wait cut to nothing by a timer that is already due.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Builder;
    ///
    /// let rt = Builder::new_current_thread()
    ///     .enable_io()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    #[track_caller]
    #[cfg(any(feature = "net", feature = "signal"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "net", feature = "signal"))))]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Builder {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.max_io_events_per_busy_tick = Some(capacity);
        self
    }

    /// Enables the time driver, which timers ([`weft::time`](crate::time))
    /// need. Idle scheduler threads then wait at most until the next timer
    /// is due.
    #[cfg(feature = "time")]
    #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
    pub fn enable_time(&mut self) -> &mut Builder {
        self.enable_time = true;
        self
    }

    /// Starts the runtime with its clock paused (feature `test-util`), as
    /// if [`time::pause`](crate::time::pause) were its first call.
    ///
    /// # Panics
    ///
    /// [`build`](Builder::build) panics if this is set on a `multi_thread`
    /// builder ("`start_paused` requires the `current_thread` runtime"), or
    /// without [`enable_time`](Builder::enable_time).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::time::{sleep, Duration, Instant};
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_time()
    ///     .start_paused(true)
    ///     .build()?;
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_secs(60)).await; // auto-advances
    ///     assert_eq!(start.elapsed(), Duration::from_secs(60));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder {
        self.start_paused = start_paused;
        self
    }

    /// Names the threads the runtime starts: its workers and its blocking
    /// pool's threads.
    ///
    /// # Differences from tokio
    ///
    /// Without this call (or [`thread_name_fn`](Self::thread_name_fn)),
    /// weft names worker threads `weft-runtime-worker` and blocking-pool
    /// threads `weft-blocking`, so the two kinds can be told apart in a
    /// debugger, `top -H` or a panic message; tokio names both
    /// `tokio-runtime-worker`. A name set here applies to both kinds, as in
    /// tokio. Each kind of thread only ever runs its own kind of work, with
    /// one exception: a worker thread that gives its worker away inside
    /// [`block_in_place`](crate::task::block_in_place) runs that closure
    /// under its worker name (it then waits for the next worker hand-off).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .thread_name("my-app")
    ///     .build()?;
    /// let names = rt.block_on(async {
    ///     let worker = weft::spawn(async { std::thread::current().name().map(String::from) });
    ///     let blocking = weft::task::spawn_blocking(|| std::thread::current().name().map(String::from));
    ///     (worker.await.unwrap(), blocking.await.unwrap())
    /// });
    /// assert_eq!(names, (Some("my-app".to_owned()), Some("my-app".to_owned())));
    ///
    /// let rt = weft::runtime::Builder::new_multi_thread().worker_threads(1).build()?;
    /// let names = rt.block_on(async {
    ///     let worker = weft::spawn(async { std::thread::current().name().map(String::from) });
    ///     let blocking = weft::task::spawn_blocking(|| std::thread::current().name().map(String::from));
    ///     (worker.await.unwrap(), blocking.await.unwrap())
    /// });
    /// assert_eq!(names.0.as_deref(), Some("weft-runtime-worker"));
    /// assert_eq!(names.1.as_deref(), Some("weft-blocking"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name: String = name.into();
        self.thread_name = Some(Arc::new(move || name.clone()));
        self
    }

    /// Names each thread the runtime starts (workers and blocking-pool
    /// threads) with the result of `f`; see
    /// [`thread_name`](Self::thread_name) for the default names.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let next = AtomicUsize::new(0);
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .thread_name_fn(move || format!("pool-{}", next.fetch_add(1, Ordering::Relaxed)))
    ///     .build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Some(Arc::new(f));
        self
    }

    /// Names the runtime. The name shows in the `Debug` output of the
    /// runtime and its handles, and [`Handle::name`] returns it.
    ///
    /// # Panics
    ///
    /// Panics with "runtime name shouldn't be empty" if `name` is empty or
    /// only whitespace, as tokio does.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread().name("ingest").build()?;
    /// assert_eq!(rt.handle().name(), Some("ingest"));
    /// assert!(format!("{rt:?}").contains("ingest"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        assert!(!name.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(name);
        self
    }

    /// Sets the stack size, in bytes, of the threads the runtime starts.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// Runs `f` on each thread the runtime starts, before it does anything.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each thread the runtime started, just before it exits.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread just before it parks (goes idle
    /// waiting for work). Runs on `multi_thread` workers; on
    /// `current_thread`, on the thread in `block_on` before it sleeps.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread just after it wakes from parking.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_unpark = Some(Arc::new(f));
        self
    }

    /// The number of worker threads of a `multi_thread` runtime. Ignored
    /// by `current_thread`.
    ///
    /// Default: the environment variable `WEFT_WORKER_THREADS` if set,
    /// else `TOKIO_WORKER_THREADS` (the name tokio reads, so a service
    /// moved from tokio keeps its setting), else the number of CPUs
    /// available to the process ([`std::thread::available_parallelism`]),
    /// or 1 if unknown. This call overrides the variables. The variable
    /// read (the first one set) must hold a whole number above 0, or
    /// [`build`](Self::build) fails with [`io::ErrorKind::InvalidInput`]
    /// naming it.
    ///
    /// # Differences from tokio
    ///
    /// tokio panics inside `build` on a bad `TOKIO_WORKER_THREADS`; weft's
    /// `build` returns the error (`#[weft::main]` and `#[tokio::main]`
    /// still panic with it, as they unwrap the build).
    ///
    /// # Panics
    ///
    /// If `threads` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, threads: usize) -> &mut Builder {
        assert!(threads > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(threads);
        self
    }

    /// The most threads the blocking pool ([`spawn_blocking`]) may run at
    /// once (default 512), not counting `multi_thread` workers. Further
    /// closures wait in a queue.
    ///
    /// [`spawn_blocking`]: crate::task::spawn_blocking
    ///
    /// # Panics
    ///
    /// Panics if `threads` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, threads: usize) -> &mut Builder {
        assert!(threads > 0, "max_blocking_threads must be greater than 0");
        self.max_blocking_threads = threads;
        self
    }

    /// How long an idle blocking-pool thread waits for work before it
    /// exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Builder {
        self.thread_keep_alive = duration;
        self
    }

    /// How many tasks the scheduler runs before it checks the driver for
    /// new events without blocking (default 61). Lower favours I/O latency,
    /// higher favours throughput.
    ///
    /// # Panics
    ///
    /// Panics if `ticks` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, ticks: u32) -> &mut Builder {
        assert!(ticks > 0, "event_interval must be greater than 0");
        self.event_interval = ticks;
        self
    }

    /// Every `ticks` scheduler ticks, the next task is taken from the
    /// global (inject) queue before the local one, so tasks woken from other
    /// threads are not starved (default 31).
    ///
    /// # Panics
    ///
    /// Panics if `ticks` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Builder {
        assert!(ticks > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(ticks);
        self
    }

    /// How long a thread that runs out of work spins (busy-waits) for more
    /// before it sleeps (default 20 µs); `Duration::ZERO` turns spinning
    /// off.
    ///
    /// Sleeping makes the next wake-up cost a system call and a cross-CPU
    /// wake-up, often 10–30 µs together; in a request/reply exchange the
    /// reply usually comes sooner than that, and a short spin catches it.
    /// Three threads spin, on a `multi_thread` runtime only:
    ///
    /// * a thread in [`Runtime::block_on`] or [`Handle::block_on`] whose
    ///   future is pending, while some worker is awake (the task that will
    ///   wake it is running or about to) — except after a poll in which an
    ///   `mpsc` receiver drained a stream whose producers keep running (an
    ///   unbounded channel, or a bounded one with 1,024 slots or more
    ///   free) and no task was woken: sleeping then lets the producers
    ///   send a batch before the thread wakes, where a spin would take
    ///   their messages one at a time;
    /// * a worker whose last task came from outside the workers (from such
    ///   a `block_on` thread, say), while it searches for work, and only
    ///   while some thread is inside `block_on` on this runtime: a thread
    ///   that spawns from outside without waiting on the runtime (a
    ///   producer feeding it work) would only lose CPU time to the spin;
    /// * with [`IoBackend::Uring`](crate::runtime::IoBackend::Uring), a
    ///   worker whose io_uring ring has socket operations in flight, while
    ///   it watches that ring: only this worker can take its receives'
    ///   completions, so data for them would otherwise wake it from sleep.
    ///
    /// A spin uses a CPU that others could use meanwhile: where CPU time is
    /// billed, turn it off. Whatever the setting, nothing spins on a single
    /// CPU; after spins that caught nothing the next few waits do not spin
    /// (the thread waited for may share this one's CPU); and a spin that
    /// loses its CPU to another thread (a busy shared host) ends there, and
    /// that thread does not spin again for a few milliseconds, then longer
    /// while the CPUs stay busy. On `current_thread` nothing spins: the
    /// setting changes nothing there.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no such setting; its threads sleep as soon as they run out
    /// of work, as weft's do with `Duration::ZERO`. The name follows
    /// glommio's `LocalExecutorBuilder::spin_before_park`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::Builder;
    ///
    /// // A host shared with other busy programs: never spin.
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .spin_before_park(Duration::ZERO)
    ///     .build()?;
    /// let reply = rt.block_on(async { weft::spawn(async { "pong" }).await.unwrap() });
    /// assert_eq!(reply, "pong");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`Runtime::block_on`]: crate::runtime::Runtime::block_on
    pub fn spin_before_park(&mut self, spin: Duration) -> &mut Builder {
        self.spin_before_park = spin;
        self
    }

    /// Tracks every task of this runtime: each records where it was
    /// spawned, how many times it was polled and when it was last polled,
    /// which task dumps and long-poll reports then show. Without it only
    /// tasks given a name ([`task::Builder::name`]) are tracked (with the
    /// feature `tracing`, also the tasks whose `runtime.spawn` span a
    /// subscriber enables), and the others show their id and state alone.
    ///
    /// Cost: a tracked task's allocation is larger by the size of its
    /// record (48 bytes on 64-bit targets, 104 with the feature `tracing`,
    /// which adds the task's span), plus one 48-byte allocation for a task
    /// that once waits on something weft records for dumps (a timer, a
    /// socket, a sync primitive, a join handle), and each of its polls reads the
    /// coarse monotonic clock once (a few nanoseconds: no system call), or
    /// with a [`long_poll_threshold`](Self::long_poll_threshold), while
    /// tasks keep being polled, the watchdog's clock cell (a load).
    /// Off by default; an untracked task pays nothing.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no such switch: its task dumps and spawn locations need
    /// the `tokio_unstable` and `tokio_taskdump` configuration flags at
    /// build time. weft's are stable and chosen per runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_task_tracking()
    ///     .build()?;
    /// let answer = rt.block_on(async { weft::spawn(async { 42 }).await.unwrap() });
    /// assert_eq!(answer, 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`task::Builder::name`]: crate::task::Builder::name
    pub fn enable_task_tracking(&mut self) -> &mut Builder {
        self.track_tasks = true;
        self
    }

    /// Detects polls that run longer than `threshold`: a task that blocks
    /// its worker thread (a synchronous call, a long loop, a lock held
    /// across slow work) keeps every other task of that worker waiting.
    /// Each such poll is reported as a [`LongPoll`] — the task's id, name
    /// and spawn location, the thread, how long — once while it still runs
    /// (so a worker stuck for good is visible) and once when it returns;
    /// see [`LongPoll`] for the details. Reports go to the callback of
    /// [`on_long_poll`](Self::on_long_poll), or else to standard error (with
    /// the feature `tracing`: as a `WARN` event of target `weft::long_poll`).
    ///
    /// How it works, and what it costs: the runtime starts a thread named
    /// `weft-watchdog`, which wakes once per `threshold` while no poll is
    /// near it, and every 4 ms while tasks are being polled, to tick a
    /// clock cell; every task is tracked ([`enable_task_tracking`]), and
    /// each poll reads that cell (or, while it does not tick, the coarse
    /// monotonic clock: no system call either way) and marks itself in a
    /// slot the watchdog reads (a few plain writes). A poll is reported
    /// within about one coarse clock tick (1–10 ms), one tick of the cell
    /// (4 ms) and the watchdog's wake-up latency of crossing the
    /// threshold, never before.
    /// Polls of the future given to `block_on`, closures on the blocking
    /// pool and the closure of `block_in_place` (which blocks on purpose)
    /// are not watched.
    ///
    /// # Panics
    ///
    /// If `threshold` is zero.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no long-poll detection; its closest tool is the
    /// poll-time histogram of its unstable metrics, which shows that long
    /// polls happen but not which task made them, nor a poll that never
    /// returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .long_poll_threshold(Duration::from_millis(100))
    ///     .on_long_poll(|report| eprintln!("stalled: {report}"))
    ///     .build()?;
    /// rt.block_on(async {
    ///     weft::spawn(async { /* polls that return quickly: no report */ })
    ///         .await
    ///         .unwrap();
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`LongPoll`]: crate::runtime::LongPoll
    /// [`enable_task_tracking`]: Self::enable_task_tracking
    #[track_caller]
    pub fn long_poll_threshold(&mut self, threshold: Duration) -> &mut Builder {
        assert!(
            !threshold.is_zero(),
            "long poll threshold must be greater than zero"
        );
        self.long_poll_threshold = Some(threshold);
        self
    }

    /// Sets the callback that receives the reports of long polls (see
    /// [`long_poll_threshold`](Self::long_poll_threshold), without which
    /// nothing is reported). It runs on the watchdog thread for a poll
    /// still running, and on the task's worker thread, right after the
    /// poll, for a finished one; keep it short. A panic in it is caught
    /// and dropped: it never reaches the runtime.
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .long_poll_threshold(Duration::from_millis(250))
    ///     .on_long_poll(|report| {
    ///         if !report.is_finished() {
    ///             eprintln!("{report}");
    ///         }
    ///     })
    ///     .build()?;
    /// # drop(rt);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn on_long_poll<F>(&mut self, callback: F) -> &mut Builder
    where
        F: Fn(&super::LongPoll) + Send + Sync + 'static,
    {
        self.on_long_poll = Some(Arc::new(callback));
        self
    }

    /// Keeps a histogram of task poll durations per worker, read through
    /// [`RuntimeMetrics::poll_time_histogram_bucket_count`] and the other
    /// `poll_time_histogram_*` methods.
    ///
    /// Cost: two reads of the monotonic clock per task poll (a few tens
    /// of nanoseconds together, no system call where the platform has a
    /// vDSO clock), and the buckets' memory per worker. Off by default:
    /// then the poll loop reads no clock for it.
    ///
    /// The default shape is 10 linear buckets of 100 µs; change it with
    /// [`metrics_poll_time_histogram_configuration`] ([`LogHistogram`] is
    /// finer at a small size).
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable`; in weft it
    /// is stable API.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// assert_eq!(metrics.poll_time_histogram_num_buckets(), 10);
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(0),
    ///     Duration::ZERO..Duration::from_micros(100)
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`RuntimeMetrics::poll_time_histogram_bucket_count`]: crate::runtime::RuntimeMetrics::poll_time_histogram_bucket_count
    /// [`metrics_poll_time_histogram_configuration`]: Builder::metrics_poll_time_histogram_configuration
    /// [`LogHistogram`]: crate::runtime::LogHistogram
    pub fn enable_metrics_poll_time_histogram(&mut self) -> &mut Builder {
        self.enable_poll_time_histogram = true;
        self
    }

    /// Sets the shape of the poll-time histogram (which
    /// [`enable_metrics_poll_time_histogram`] turns on).
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::{HistogramConfiguration, LogHistogram};
    ///
    /// let rt = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(
    ///         LogHistogram::builder()
    ///             .min_value(Duration::from_micros(1))
    ///             .max_value(Duration::from_secs(1))
    ///             .max_error(0.1)
    ///             .max_buckets(500)
    ///             .expect("fits in 500 buckets"),
    ///     ))
    ///     .build()?;
    /// assert!(rt.metrics().poll_time_histogram_num_buckets() <= 500);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`enable_metrics_poll_time_histogram`]: Builder::enable_metrics_poll_time_histogram
    pub fn metrics_poll_time_histogram_configuration(
        &mut self,
        configuration: HistogramConfiguration,
    ) -> &mut Builder {
        self.poll_time_histogram.set(configuration);
        self
    }

    /// Sets the scale of the poll-time histogram: buckets of one width
    /// (the default), or each twice as wide as the one before. Deprecated
    /// (as in tokio): use [`metrics_poll_time_histogram_configuration`].
    ///
    /// Once this, [`metrics_poll_count_histogram_resolution`] or
    /// [`metrics_poll_count_histogram_buckets`] is called, the three of
    /// them decide the shape, and [`metrics_poll_time_histogram_configuration`]
    /// is ignored (as in tokio). Their defaults: linear, 100 µs, 10
    /// buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::HistogramScale;
    ///
    /// # #[allow(deprecated)]
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_count_histogram_scale(HistogramScale::Log)
    ///     .metrics_poll_count_histogram_resolution(Duration::from_micros(64))
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// // 64 µs rounds up to 2^16 ns, the second bucket's start; each
    /// // bucket then doubles.
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(1),
    ///     Duration::from_nanos(1 << 16)..Duration::from_nanos(1 << 17)
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`metrics_poll_time_histogram_configuration`]: Builder::metrics_poll_time_histogram_configuration
    /// [`metrics_poll_count_histogram_resolution`]: Builder::metrics_poll_count_histogram_resolution
    /// [`metrics_poll_count_histogram_buckets`]: Builder::metrics_poll_count_histogram_buckets
    #[deprecated(note = "use `metrics_poll_time_histogram_configuration`")]
    pub fn metrics_poll_count_histogram_scale(
        &mut self,
        histogram_scale: crate::runtime::HistogramScale,
    ) -> &mut Builder {
        self.poll_time_histogram.set_legacy_scale(histogram_scale);
        self
    }

    /// Sets the width of the poll-time histogram's buckets (linear scale)
    /// or of its second bucket, rounded up to a power of two in ns (log
    /// scale). Deprecated (as in tokio): use
    /// [`metrics_poll_time_histogram_configuration`]; see
    /// [`metrics_poll_count_histogram_scale`].
    ///
    /// # Panics
    ///
    /// If `resolution` is zero or longer than one second.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # #[allow(deprecated)]
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_count_histogram_resolution(Duration::from_micros(50))
    ///     .build()?;
    /// assert_eq!(
    ///     rt.metrics().poll_time_histogram_bucket_range(1),
    ///     Duration::from_micros(50)..Duration::from_micros(100)
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`metrics_poll_time_histogram_configuration`]: Builder::metrics_poll_time_histogram_configuration
    /// [`metrics_poll_count_histogram_scale`]: Builder::metrics_poll_count_histogram_scale
    #[deprecated(note = "use `metrics_poll_time_histogram_configuration`")]
    #[track_caller]
    pub fn metrics_poll_count_histogram_resolution(
        &mut self,
        resolution: Duration,
    ) -> &mut Builder {
        assert!(resolution > Duration::ZERO);
        assert!(resolution <= Duration::from_secs(1));
        self.poll_time_histogram
            .set_legacy_resolution(duration_ns(resolution));
        self
    }

    /// Sets the number of buckets of the poll-time histogram; the last one
    /// holds every longer poll. Deprecated (as in tokio): use
    /// [`metrics_poll_time_histogram_configuration`]; see
    /// [`metrics_poll_count_histogram_scale`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[allow(deprecated)]
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_count_histogram_buckets(15)
    ///     .build()?;
    /// assert_eq!(rt.metrics().poll_time_histogram_num_buckets(), 15);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`metrics_poll_time_histogram_configuration`]: Builder::metrics_poll_time_histogram_configuration
    /// [`metrics_poll_count_histogram_scale`]: Builder::metrics_poll_count_histogram_scale
    #[deprecated(note = "use `metrics_poll_time_histogram_configuration`")]
    pub fn metrics_poll_count_histogram_buckets(&mut self, buckets: usize) -> &mut Builder {
        self.poll_time_histogram.set_legacy_buckets(buckets);
        self
    }

    /// Keeps a histogram, per worker, of how long tasks wait in a run
    /// queue: from the moment a task is queued (spawned, woken or
    /// yielding) to the start of its poll. Read it through
    /// [`RuntimeMetrics::schedule_latency_histogram_bucket_count`] and the
    /// other `schedule_latency_histogram_*` methods.
    ///
    /// This turns on [task tracking](Builder::enable_task_tracking): the
    /// time a task was queued is kept beside its tracking record, so every
    /// task's allocation grows by that record (48 bytes on 64-bit
    /// targets) and each task has one more allocation of 48 bytes, made
    /// when it is first queued. Cost besides: one read of the monotonic clock each time a
    /// task is queued and one at the start of each poll (shared with the
    /// poll-time histogram's when both are on). Off by default.
    ///
    /// The default shape is 10 linear buckets of 100 µs; change it with
    /// [`metrics_schedule_latency_histogram_configuration`].
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable` and its
    /// `schedule-latency` feature; in weft it is stable API, always
    /// compiled in.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .build()?;
    /// rt.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// let metrics = rt.metrics();
    /// assert!(metrics.schedule_latency_histogram_enabled());
    /// assert_eq!(metrics.schedule_latency_histogram_num_buckets(), 10);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`RuntimeMetrics::schedule_latency_histogram_bucket_count`]: crate::runtime::RuntimeMetrics::schedule_latency_histogram_bucket_count
    /// [`metrics_schedule_latency_histogram_configuration`]: Builder::metrics_schedule_latency_histogram_configuration
    pub fn enable_metrics_schedule_latency_histogram(&mut self) -> &mut Builder {
        self.enable_schedule_latency_histogram = true;
        self
    }

    /// Sets the shape of the schedule-latency histogram (which
    /// [`enable_metrics_schedule_latency_histogram`] turns on).
    ///
    /// # Differences from tokio
    ///
    /// tokio has this method only with `--cfg tokio_unstable` and its
    /// `schedule-latency` feature.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::HistogramConfiguration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_schedule_latency_histogram()
    ///     .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::linear(
    ///         Duration::from_micros(10),
    ///         100,
    ///     ))
    ///     .build()?;
    /// assert_eq!(rt.metrics().schedule_latency_histogram_num_buckets(), 100);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`enable_metrics_schedule_latency_histogram`]: Builder::enable_metrics_schedule_latency_histogram
    pub fn metrics_schedule_latency_histogram_configuration(
        &mut self,
        configuration: HistogramConfiguration,
    ) -> &mut Builder {
        self.schedule_latency_histogram.set(configuration);
        self
    }

    /// Chooses the engine of `weft::fs` on this runtime (default
    /// [`FsBackend::Auto`]: io_uring where the kernel allows it and weft
    /// has its feature `io-uring`, else the blocking pool). With io_uring every worker thread (the one thread of
    /// a `current_thread` runtime) owns a ring, and the runtime has an I/O
    /// driver for the rings to wait in even without [`enable_io`]. The
    /// choice is made once, by [`build`], which fails if
    /// [`FsBackend::IoUring`] is asked for and the rings cannot be set up.
    ///
    /// With [`FsBackend::Auto`], the environment variable
    /// `WEFT_FS_BACKEND` (`io-uring`, `blocking-pool` or `auto`) read by
    /// [`build`] forces a backend without a code change (to run a test
    /// suite on each; see [`FsBackend::Auto`]); a backend set to anything
    /// else here is kept.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no such setting: its `fs` always runs on the blocking
    /// pool (see [`FsBackend`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::{Builder, FsBackend};
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .fs_backend(FsBackend::Auto)
    ///     .build()?;
    /// rt.block_on(async {});
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`enable_io`]: Builder::enable_io
    /// [`build`]: Builder::build
    /// [`FsBackend`]: crate::runtime::FsBackend
    /// [`FsBackend::Auto`]: crate::runtime::FsBackend::Auto
    /// [`FsBackend::IoUring`]: crate::runtime::FsBackend::IoUring
    #[cfg(feature = "fs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
    pub fn fs_backend(&mut self, backend: super::FsBackend) -> &mut Builder {
        self.fs_backend = backend;
        self
    }

    /// Chooses the engine of this runtime's TCP and Unix stream sockets
    /// (default [`IoBackend::Auto`], which is epoll for now; io_uring needs
    /// weft's feature `io-uring`). With io_uring every worker thread (the one thread of a
    /// `current_thread` runtime) owns a ring, shared with `fs`; reads,
    /// writes, connects and accepts are operations on it (see
    /// [`IoBackend`] for what that changes). The choice is made once, by
    /// [`build`], which fails if [`IoBackend::Uring`] is asked for and the
    /// rings cannot be set up. Without [`enable_io`] the setting is not
    /// read: there are no sockets.
    ///
    /// With [`IoBackend::Auto`], the environment variable
    /// `WEFT_IO_BACKEND` (`io-uring`, `epoll` or `auto`) read by [`build`]
    /// forces a backend without a code change; a backend set to anything
    /// else here is kept.
    ///
    /// # Differences from tokio
    ///
    /// tokio has no such setting: its sockets always run on epoll, as
    /// [`IoBackend::Epoll`](crate::runtime::IoBackend::Epoll) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::{Builder, IoBackend};
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .io_backend(IoBackend::Auto)
    ///     .build()?;
    /// rt.block_on(async {});
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`enable_io`]: Builder::enable_io
    /// [`build`]: Builder::build
    /// [`IoBackend`]: crate::runtime::IoBackend
    /// [`IoBackend::Auto`]: crate::runtime::IoBackend::Auto
    /// [`IoBackend::Uring`]: crate::runtime::IoBackend::Uring
    #[cfg(feature = "net")]
    #[cfg_attr(docsrs, doc(cfg(feature = "net")))]
    pub fn io_backend(&mut self, backend: super::IoBackend) -> &mut Builder {
        self.io_backend = backend;
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// Fails if an OS resource the runtime needs cannot be created (with
    /// `fs`, also if io_uring was required with
    /// `fs_backend(FsBackend::IoUring)` and cannot be set up), and with
    /// [`io::ErrorKind::InvalidInput`] if a `multi_thread` runtime's worker
    /// count comes from an environment variable that holds no whole number
    /// above 0 ([`worker_threads`](Self::worker_threads)).
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.build_runtime(false)
    }

    /// `build`, for a `LocalRuntime` if `local_runtime`.
    fn build_runtime(&mut self, local_runtime: bool) -> io::Result<Runtime> {
        if self.start_paused {
            assert!(
                matches!(self.kind, Kind::CurrentThread),
                "`start_paused` requires the `current_thread` runtime"
            );
            assert!(
                self.enable_time,
                "`start_paused` requires the time driver: call `enable_time` (or `enable_all`)"
            );
        }
        #[cfg(feature = "rt-multi-thread")]
        let workers = match (self.kind, self.worker_threads) {
            (Kind::MultiThread, None) => default_worker_threads()?,
            (_, threads) => threads.unwrap_or(1),
        };
        // One io_uring ring per scheduler thread, if files or sockets
        // run on io_uring.
        #[cfg(any(feature = "fs", feature = "net"))]
        let rings = {
            let threads = match self.kind {
                Kind::CurrentThread => 1,
                #[cfg(feature = "rt-multi-thread")]
                Kind::MultiThread => workers,
            };
            #[cfg(feature = "fs")]
            let files = super::fs_backend::ring_use(self.fs_backend)?;
            #[cfg(not(feature = "fs"))]
            let files = super::backends::RingWant::No;
            // Sockets need the I/O driver: without `enable_io` they run
            // nowhere, and the setting is not read.
            #[cfg(feature = "net")]
            let sockets = if self.enable_io {
                super::io_backend::ring_use(self.io_backend)?
            } else {
                super::backends::RingWant::No
            };
            #[cfg(not(feature = "net"))]
            let sockets = super::backends::RingWant::No;
            super::backends::select(files, sockets, threads, self.ring_config)?
        };
        #[cfg(not(any(feature = "fs", feature = "net")))]
        let rings = ();
        let (driver, driver_handle) = Driver::new(
            DriverConfig {
                enable_io: self.enable_io,
                enable_time: self.enable_time,
                #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
                events_per_tick: self.max_io_events_per_tick,
                #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
                busy_events_per_tick: self
                    .max_io_events_per_busy_tick
                    .unwrap_or(self.max_io_events_per_tick),
            },
            rings,
        )?;
        let watchdog = self
            .long_poll_threshold
            .map(|threshold| Watchdog::new(threshold, self.on_long_poll.clone()));
        let watchdog_thread = watchdog.as_ref().map(Watchdog::start).transpose()?;
        let config = scheduler::Config {
            event_interval: self.event_interval,
            global_queue_interval: self
                .global_queue_interval
                .unwrap_or(DEFAULT_GLOBAL_QUEUE_INTERVAL),
            before_park: self.on_thread_park.clone(),
            after_unpark: self.on_thread_unpark.clone(),
            spin_before_park: self.spin_before_park,
            track_tasks: self.track_tasks
                || watchdog.is_some()
                || self.enable_schedule_latency_histogram,
            watchdog,
            metrics: MetricsConfig {
                poll_time_histogram: self
                    .enable_poll_time_histogram
                    .then(|| self.poll_time_histogram.shape()),
                schedule_latency_histogram: self
                    .enable_schedule_latency_histogram
                    .then(|| self.schedule_latency_histogram.shape()),
            },
            id: super::Id::next(),
            name: self.name.as_deref().map(Arc::from),
            local_runtime,
        };
        let pool_config = self.pool_config();
        let (scheduler, handle, pool) = match self.kind {
            Kind::CurrentThread => {
                let pool = BlockingPool::new(pool_config);
                let spawner = pool.spawner().clone();
                let (scheduler, handle) =
                    current_thread::CurrentThread::new(driver, driver_handle, spawner, config);
                (
                    Scheduler::CurrentThread(scheduler),
                    scheduler::Handle::CurrentThread(handle),
                    pool,
                )
            }
            #[cfg(feature = "rt-multi-thread")]
            Kind::MultiThread => {
                // Workers are pool threads too; the cap is for `spawn_blocking`.
                let pool_config = PoolConfig {
                    max_threads: pool_config.max_threads + workers,
                    ..pool_config
                };
                let pool = BlockingPool::new(pool_config);
                let spawner = pool.spawner().clone();
                let (scheduler, handle) =
                    multi_thread::MultiThread::new(workers, driver, driver_handle, spawner, config);
                (
                    Scheduler::MultiThread(scheduler),
                    scheduler::Handle::MultiThread(handle),
                    pool,
                )
            }
        };
        #[cfg(feature = "test-util")]
        if self.start_paused {
            if let Some(time) = handle.time_handle() {
                time.clock().pause();
            }
        }
        Ok(Runtime::from_parts(
            scheduler,
            Handle { inner: handle },
            pool,
            watchdog_thread,
        ))
    }

    /// Builds a [`LocalRuntime`]: a `current_thread` runtime that can also
    /// run `!Send` tasks ([`LocalRuntime::spawn_local`]).
    ///
    /// # Panics
    ///
    /// Panics with "multi_thread is not supported for LocalRuntime" on a
    /// builder from [`new_multi_thread`](Self::new_multi_thread), as tokio
    /// does.
    ///
    /// # Errors
    ///
    /// Fails if an OS resource the runtime needs cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::{Builder, LocalOptions};
    ///
    /// let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default())?;
    /// let text = std::rc::Rc::new("hello");
    /// let len = rt.block_on(async move { text.len() });
    /// assert_eq!(len, 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn build_local(&mut self, options: LocalOptions) -> io::Result<LocalRuntime> {
        let LocalOptions { .. } = options;
        match self.kind {
            Kind::CurrentThread => Ok(LocalRuntime::from_runtime(self.build_runtime(true)?)),
            #[cfg(feature = "rt-multi-thread")]
            Kind::MultiThread => panic!("multi_thread is not supported for LocalRuntime"),
        }
    }

    fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            max_threads: self.max_blocking_threads,
            keep_alive: self.thread_keep_alive,
            worker_thread_name: self
                .thread_name
                .clone()
                .unwrap_or_else(|| Arc::new(|| "weft-runtime-worker".to_owned())),
            thread_name: self
                .thread_name
                .clone()
                .unwrap_or_else(|| Arc::new(|| "weft-blocking".to_owned())),
            stack_size: self.thread_stack_size,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .field("worker_threads", &self.worker_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .field("event_interval", &self.event_interval)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("spin_before_park", &self.spin_before_park)
            .field("track_tasks", &self.track_tasks)
            .field("long_poll_threshold", &self.long_poll_threshold)
            .field(
                "enable_metrics_poll_time_histogram",
                &self.enable_poll_time_histogram,
            )
            .field(
                "enable_metrics_schedule_latency_histogram",
                &self.enable_schedule_latency_histogram,
            )
            .finish_non_exhaustive()
    }
}

/// The worker count of a `multi_thread` runtime built without
/// [`Builder::worker_threads`]: the first of weft's and tokio's variables
/// that is set, else the CPUs available to the process.
#[cfg(feature = "rt-multi-thread")]
fn default_worker_threads() -> io::Result<usize> {
    for name in ["WEFT_WORKER_THREADS", "TOKIO_WORKER_THREADS"] {
        let Some(value) = std::env::var_os(name) else {
            continue;
        };
        return match value.to_str().and_then(|text| text.parse::<usize>().ok()) {
            Some(threads) if threads > 0 => Ok(threads),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} is {value:?}: expected the number of worker threads, a whole number above 0"),
            )),
        };
    }
    Ok(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}
