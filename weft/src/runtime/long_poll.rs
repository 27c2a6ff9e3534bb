//! `LongPoll`: the report of one poll that ran longer than the runtime's
//! threshold (`Builder::long_poll_threshold`).

use crate::runtime::task::Id;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// One poll of a task that ran longer than
/// [`Builder::long_poll_threshold`](crate::runtime::Builder::long_poll_threshold):
/// the task kept its worker thread from running anything else for that
/// long (a blocking call, a long loop, a lock held across slow work).
///
/// A long poll is reported twice: once *while it runs*, by the runtime's
/// watchdog thread, as soon as it has run for the threshold
/// ([`is_finished`](Self::is_finished) is `false`, and
/// [`duration`](Self::duration) is how long it had run then), so a worker
/// that is stuck for good is visible; and once when it returns, by the
/// worker itself (`is_finished` is `true`, `duration` is the whole poll).
/// When the poll returns right as it is detected, only the first report
/// may be made, and the two may reach the callback in either order.
///
/// The reports go to [`Builder::on_long_poll`](crate::runtime::Builder::on_long_poll)'s
/// callback, or else are printed to standard error as their `Display`
/// (with the feature `tracing`, emitted as a `WARN` event of target
/// `weft::long_poll` instead).
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let (tx, rx) = mpsc::channel();
/// let tx = std::sync::Mutex::new(tx);
/// let rt = weft::runtime::Builder::new_current_thread()
///     .long_poll_threshold(Duration::from_millis(50))
///     .on_long_poll(move |report| {
///         let _ = tx.lock().unwrap().send(report.clone());
///     })
///     .build()?;
/// rt.block_on(async {
///     weft::task::Builder::new()
///         .name("slow-hash")
///         .spawn(async { std::thread::sleep(Duration::from_millis(200)) })?
///         .await
///         .unwrap();
///     Ok::<(), std::io::Error>(())
/// })?;
/// let report = rx.recv().unwrap();
/// assert_eq!(report.name(), Some("slow-hash"));
/// assert!(report.duration() >= Duration::from_millis(50));
/// println!("{report}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct LongPoll {
    pub(crate) task_id: Id,
    pub(crate) name: Option<String>,
    pub(crate) location: Option<&'static Location<'static>>,
    pub(crate) thread_name: Option<String>,
    pub(crate) duration: Duration,
    pub(crate) finished: bool,
}

impl LongPoll {
    /// The task's id.
    pub fn task_id(&self) -> Id {
        self.task_id
    }

    /// The task's name, if it was given one
    /// ([`task::Builder::name`](crate::task::Builder::name)).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned. Known for every task of a runtime with
    /// a long-poll threshold (which tracks its tasks); `None` only for a
    /// task spawned on a `LocalSet` created outside the runtime.
    pub fn location(&self) -> Option<&'static Location<'static>> {
        self.location
    }

    /// The name of the thread the poll runs (or ran) on, as
    /// `std::thread::Thread::name` gives it.
    pub fn thread_name(&self) -> Option<&str> {
        self.thread_name.as_deref()
    }

    /// How long the poll had run when it was detected (while it runs), or
    /// the whole poll (once it has returned). Measured with a coarse clock,
    /// so it is off by up to one kernel tick (1–10 ms) either way.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Whether the poll has returned (the report made at its end) or is
    /// still running (the report made while it runs).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

impl fmt::Debug for LongPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LongPoll")
            .field("task_id", &self.task_id)
            .field("name", &self.name)
            .field("location", &self.location)
            .field("thread_name", &self.thread_name)
            .field("duration", &self.duration)
            .field("finished", &self.finished)
            .finish()
    }
}

impl fmt::Display for LongPoll {
    /// One line: `task 7 "slow-hash" spawned at src/main.rs:12:5 has been
    /// in one poll for 2.001s on thread "weft-runtime-worker"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.task_id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        if let Some(location) = self.location {
            write!(f, " spawned at {location}")?;
        }
        if self.finished {
            write!(f, " spent {:?} in one poll", self.duration)?;
        } else {
            write!(f, " has been in one poll for {:?}", self.duration)?;
        }
        match &self.thread_name {
            Some(thread) => write!(f, " on thread {thread:?}"),
            None => write!(f, " on an unnamed thread"),
        }
    }
}
