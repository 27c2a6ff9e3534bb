//! `Builder`: configure and build a `Runtime`.

use super::driver::Driver;
use super::runtime::{Runtime, Scheduler};
use super::scheduler::{self, current_thread};
use super::Handle;
use std::fmt;
use std::io;
use std::sync::Arc;

pub(crate) type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync + 'static>;
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync + 'static>;

/// Builds a [`Runtime`] with custom settings.
///
/// # Examples
///
/// ```
/// use weft::runtime::Builder;
///
/// let rt = Builder::new_current_thread()
///     .enable_all()
///     .event_interval(31)
///     .build()?;
/// assert_eq!(rt.block_on(async { 7 }), 7);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Builder {
    kind: Kind,
    pub(crate) enable_io: bool,
    pub(crate) enable_time: bool,
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) thread_stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
    event_interval: u32,
    global_queue_interval: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CurrentThread,
}

/// How many tasks run between two checks of the driver, by default.
const DEFAULT_EVENT_INTERVAL: u32 = 61;
/// How many ticks between two looks at the inject queue first, by default.
const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 31;

impl Builder {
    /// A builder for a runtime that runs every task on the thread that calls
    /// [`Runtime::block_on`].
    pub fn new_current_thread() -> Builder {
        Builder {
            kind: Kind::CurrentThread,
            enable_io: false,
            enable_time: false,
            thread_name: Arc::new(|| "weft-runtime-worker".to_owned()),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            event_interval: DEFAULT_EVENT_INTERVAL,
            global_queue_interval: None,
        }
    }

    /// Enables every driver (I/O and time).
    pub fn enable_all(&mut self) -> &mut Builder {
        self.enable_io().enable_time()
    }

    /// Enables the I/O driver, which sockets need.
    pub fn enable_io(&mut self) -> &mut Builder {
        self.enable_io = true;
        self
    }

    /// Enables the time driver, which timers need.
    pub fn enable_time(&mut self) -> &mut Builder {
        self.enable_time = true;
        self
    }

    /// Names the threads the runtime starts (default `weft-runtime-worker`).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name: String = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// Names each thread the runtime starts with the result of `f`.
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
        self.thread_name = Arc::new(f);
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

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// Fails if an OS resource the runtime needs cannot be created.
    pub fn build(&mut self) -> io::Result<Runtime> {
        match self.kind {
            Kind::CurrentThread => self.build_current_thread(),
        }
    }

    fn build_current_thread(&mut self) -> io::Result<Runtime> {
        let (driver, driver_handle) = Driver::new();
        let config = current_thread::Config {
            event_interval: self.event_interval,
            global_queue_interval: self.global_queue_interval.unwrap_or(DEFAULT_GLOBAL_QUEUE_INTERVAL),
        };
        let (scheduler, handle) = current_thread::CurrentThread::new(driver, driver_handle, config);
        let handle = Handle { inner: scheduler::Handle::CurrentThread(handle) };
        Ok(Runtime::from_parts(Scheduler::CurrentThread(scheduler), handle))
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("event_interval", &self.event_interval)
            .field("global_queue_interval", &self.global_queue_interval)
            .finish_non_exhaustive()
    }
}

