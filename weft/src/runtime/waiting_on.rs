//! What a task waits on: the values leaf futures record, and the one
//! function they call to record them.
//!
//! A leaf future (a timer, an I/O readiness wait, a sync primitive's
//! acquire, receive or notification, a `JoinHandle`) that returns `Pending`
//! calls `record` (the sync primitives: [`sync`]) with what it waits on,
//! one line per leaf. The entry
//! goes to the task being polled on this thread, if that task is tracked
//! (it has a `TaskMeta`, see `task::meta`): its record is emptied at the
//! start of each poll (`task::wait_record`), so after a poll it lists the
//! leaves that poll stopped at. Task dumps (`runtime::dump`) show it.
//!
//! An untracked task records nothing: `record` reads the thread-local
//! current task and branches on its vtable's `meta_offset`, nothing more.
//! Without the `rt` feature (the sync primitives on another executor) there
//! is no task to record into and [`sync`] is empty.

// Without `rt` these types are only used by the sync primitives, and are
// not reachable from outside the crate (`runtime::dump` re-exports them).
#![cfg_attr(not(feature = "rt"), allow(unreachable_pub, dead_code))]

use std::fmt;

/// What a task waits on, as recorded by the future it is waiting in (see
/// [`Task::waiting_on`](crate::runtime::dump::Task::waiting_on)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::runtime::dump::WaitingOn;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let sleeper = weft::task::Builder::new()
///     .name("sleeper")
///     .spawn(weft::time::sleep(Duration::from_secs(60)))
///     .unwrap();
/// weft::task::yield_now().await; // let it reach its timer
/// let dump = weft::runtime::Handle::current().dump().await;
/// let task = dump.tasks().iter().find(|t| t.name() == Some("sleeper")).unwrap();
/// assert!(matches!(task.waiting_on(), [WaitingOn::Timer { .. }]));
/// sleeper.abort();
/// # }
/// ```
#[cfg(feature = "rt")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitingOn {
    /// A timer (`sleep`, `timeout`, `interval`, ...) that fires at
    /// `deadline` (on the runtime's clock: a paused test clock's instants
    /// are the paused time).
    Timer {
        /// When the timer fires.
        deadline: std::time::Instant,
    },
    /// An I/O resource (socket, pipe, `AsyncFd`, ...) to become ready.
    Io {
        /// The resource's file descriptor.
        fd: i32,
        /// Which readiness the task waits for.
        direction: IoDirection,
    },
    /// A synchronization primitive of `weft::sync`.
    Sync(SyncKind),
    /// Another task to finish (its `JoinHandle` is awaited).
    Task(crate::runtime::task::Id),
}

/// Which readiness of an I/O resource a task waits for
/// ([`WaitingOn::Io`]).
///
/// # Examples
///
/// ```
/// use weft::runtime::dump::IoDirection;
///
/// assert_eq!(IoDirection::Read.to_string(), "read");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoDirection {
    /// Readable (or an error, or the peer's close).
    Read,
    /// Writable.
    Write,
    /// Either readable or writable.
    ReadOrWrite,
}

/// Which synchronization primitive a task waits in ([`WaitingOn::Sync`]).
///
/// # Examples
///
/// ```
/// use weft::runtime::dump::SyncKind;
///
/// assert_eq!(SyncKind::MpscRecv.to_string(), "mpsc recv");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncKind {
    /// `Mutex::lock` (and its owned form).
    Mutex,
    /// `RwLock::read` (and its owned form).
    RwLockRead,
    /// `RwLock::write` (and its owned form).
    RwLockWrite,
    /// `Semaphore::acquire` (and its many/owned forms).
    Semaphore,
    /// `Notify::notified`.
    Notify,
    /// `mpsc::Receiver::recv` (bounded or unbounded, and the `recv_many`
    /// forms).
    MpscRecv,
    /// `mpsc::Sender::send` (and `reserve`) on a full bounded channel.
    MpscSend,
    /// `oneshot::Receiver`.
    Oneshot,
    /// `broadcast::Receiver::recv`.
    Broadcast,
    /// `watch::Receiver::changed` (and `wait_for`).
    Watch,
    /// `Barrier::wait`.
    Barrier,
    /// `OnceCell::get_or_init` (another task is initializing it).
    OnceCell,
}

impl SyncKind {
    /// All kinds, in the order of their codes (`task::wait_record`).
    pub(crate) const ALL: [SyncKind; 12] = [
        SyncKind::Mutex,
        SyncKind::RwLockRead,
        SyncKind::RwLockWrite,
        SyncKind::Semaphore,
        SyncKind::Notify,
        SyncKind::MpscRecv,
        SyncKind::MpscSend,
        SyncKind::Oneshot,
        SyncKind::Broadcast,
        SyncKind::Watch,
        SyncKind::Barrier,
        SyncKind::OnceCell,
    ];

    fn name(self) -> &'static str {
        match self {
            SyncKind::Mutex => "mutex",
            SyncKind::RwLockRead => "rwlock read",
            SyncKind::RwLockWrite => "rwlock write",
            SyncKind::Semaphore => "semaphore",
            SyncKind::Notify => "notify",
            SyncKind::MpscRecv => "mpsc recv",
            SyncKind::MpscSend => "mpsc send",
            SyncKind::Oneshot => "oneshot",
            SyncKind::Broadcast => "broadcast",
            SyncKind::Watch => "watch",
            SyncKind::Barrier => "barrier",
            SyncKind::OnceCell => "once cell",
        }
    }
}

impl fmt::Display for SyncKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for IoDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoDirection::Read => "read",
            IoDirection::Write => "write",
            IoDirection::ReadOrWrite => "read or write",
        })
    }
}

/// Without a time reference: `timer`, `fd 7 read`, `mutex`, `task 12`
/// (the dump's lines add how far the deadline is).
#[cfg(feature = "rt")]
impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitingOn::Timer { .. } => f.write_str("timer"),
            WaitingOn::Io { fd, direction } => write!(f, "fd {fd} {direction}"),
            WaitingOn::Sync(kind) => write!(f, "{kind}"),
            WaitingOn::Task(id) => write!(f, "task {id}"),
        }
    }
}

/// Records that the task being polled on this thread waits on `what`
/// (if it is tracked). Leaf futures call this when they return `Pending`.
#[cfg(feature = "rt")]
#[inline]
pub(crate) fn record(what: WaitingOn) {
    crate::runtime::context::with_current_task(|task| {
        if let Some(meta) = task.as_ref().and_then(|task| task.meta()) {
            meta.wait_record_to_push().push(what);
        }
    });
}

/// [`record`] for the sync primitives, which also build without `rt`.
#[cfg(all(feature = "rt", feature = "sync"))]
#[inline]
pub(crate) fn sync(kind: SyncKind) {
    record(WaitingOn::Sync(kind));
}

/// Without `rt` no task is ever polled by weft: nothing to record.
#[cfg(not(feature = "rt"))]
#[inline(always)]
pub(crate) fn sync(_kind: SyncKind) {}
