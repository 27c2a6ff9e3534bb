//! The I/O driver (reactor): waits for OS readiness events and wakes the
//! tasks waiting on them.
//!
//! # Design note
//!
//! Built on mio, edge-triggered: each resource is registered once for
//! reading and writing, and the OS reports each readiness change once.
//! [`ScheduledIo`](scheduled_io) caches the readiness until an operation
//! hits `WouldBlock`, so a resource is never polled by the OS again.
//!
//! Only one thread turns the driver at a time: the scheduler thread that
//! parks on it (`runtime::driver`). A turn waits in `epoll_wait` (at most
//! `events_per_tick` events), then for each event ORs the readiness into
//! the resource's `ScheduledIo` and wakes its waiters. A *busy* turn, one
//! that does not wait (a scheduler that still has tasks to run checks for
//! events between them), takes at most `busy_events_per_tick` events, so
//! that under overload a worker does not pile more woken tasks onto its
//! queue than it can run soon; the rest stay in the kernel for the next
//! turn (as tokio's `Builder::max_io_events_per_busy_tick`). Other threads wake
//! a waiting turn through a mio `Waker` (an eventfd).
//!
//! The mio token of a resource is the address of its `ScheduledIo`. That
//! is safe because the driver keeps every registered `ScheduledIo` alive
//! in its registration list, and a deregistered one in `pending_release`
//! until the *start of the next turn*: the deregistration (`epoll_ctl`
//! DEL) happens before the resource enters `pending_release`, so every
//! event that names it comes from a wait that began before the release,
//! and that wait's events are handled before the next turn starts. This is
//! the approach tokio takes too. A deregistration that *fails* (the owner
//! closed its descriptor first, while a duplicate keeps the open file
//! description, and so its epoll entry, alive) cannot promise that: its
//! `ScheduledIo` moves to `orphaned` instead, kept until the driver and its
//! epoll instance are gone, so a late event still names live memory.
//!
//! At shutdown every registered resource is marked, and its waiters woken:
//! their operations then fail with an error instead of waiting forever.
//!
//! **Precise timeouts.** `epoll_wait` takes its timeout in whole
//! milliseconds (mio rounds up), which would make every timer up to 1 ms
//! late. With timers enabled the driver owns a `timerfd`
//! ([`PreciseTimeout`](precise_timeout)), registered like any resource: a
//! turn whose timeout is under a second arms it with nanosecond precision
//! and waits for it; a longer one waits a millisecond short with
//! `epoll_wait`'s own timeout, so the next turn has a short, precise one.
//! The timerfd comes from the platform layer (`sys::TimerFd`); where there
//! is none (not Linux), waits use the poller's own timeout (kqueue's is in
//! nanoseconds; epoll's, with the platform layer's fallback forced, in
//! milliseconds).

mod poll_evented;
mod precise_timeout;
mod registration;
mod scheduled_io;

pub(crate) use poll_evented::{streams_on_ring, PollEvented};
pub(crate) use registration::{is_short_transfer, Registration};
pub(crate) use scheduled_io::{Direction, ReadyEvent, ScheduledIo, Wants};

use crate::io::Ready;
use crate::loom::{AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering::*};
use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

/// The token of the driver's own waker (no `ScheduledIo` lives there).
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// The token of the precise-timeout timerfd.
const TIMER_TOKEN: mio::Token = mio::Token(usize::MAX - 1);
/// The token of io_uring ring `i` (feature `fs`) is `RING_TOKEN_BASE - i`
/// (far above any `ScheduledIo` address).
#[cfg(any(feature = "fs", feature = "net"))]
const RING_TOKEN_BASE: usize = usize::MAX - 2;
#[cfg(any(feature = "fs", feature = "net"))]
const MAX_RINGS: usize = 1 << 16;

/// Events taken from the OS per turn, by default.
pub(crate) const DEFAULT_EVENTS_PER_TICK: usize = 1024;

/// The turning side, held by whichever scheduler thread parks on it.
pub(crate) struct Driver {
    poll: mio::Poll,
    events: mio::Events,
    /// The buffer of busy turns, when their limit differs from `events`'
    /// capacity (mio asks the OS for at most a buffer's capacity).
    busy_events: Option<mio::Events>,
    tick: usize,
    handle: Handle,
    /// With timers enabled (and a platform timerfd): sub-millisecond
    /// timeouts.
    precise: Option<precise_timeout::PreciseTimeout>,
    /// The io_uring rings of `fs`, their descriptors registered here: a
    /// turn that sees one readable reaps it (`runtime/uring/`).
    #[cfg(any(feature = "fs", feature = "net"))]
    rings: crate::runtime::driver::Rings,
    /// The last turn filled its event buffer: the next one reads epoll
    /// before sleeping in a ring.
    #[cfg(any(feature = "fs", feature = "net"))]
    epoll_backlog: bool,
    /// The last sleep in a ring ended with epoll's poll firing.
    #[cfg(any(feature = "fs", feature = "net"))]
    last_wait_fired: bool,
}

/// Shared by every resource and every thread that may wake the driver.
#[derive(Clone)]
pub(crate) struct Handle {
    inner: Arc<Inner>,
}

struct Inner {
    registry: mio::Registry,
    waker: mio::Waker,
    registrations: Mutex<Registrations>,
    /// Set when `pending_release` is not empty, so a turn checks it
    /// without the lock.
    needs_release: AtomicBool,
    /// `registrations.live.len()`, for a lock-free look.
    live: AtomicUsize,
    /// For `RuntimeMetrics`.
    metrics: IoDriverMetrics,
}

/// The I/O driver's counters (`RuntimeMetrics::io_driver_*`). The
/// registration counts change under the registrations' lock; the turn
/// counts are written by the one thread that turns the driver (a load and
/// a store, no read-modify-write), after the turn's syscall.
#[derive(Default)]
pub(crate) struct IoDriverMetrics {
    fd_registered: AtomicU64,
    fd_deregistered: AtomicU64,
    /// Readiness events of resources (not the driver's own wake-ups).
    ready: AtomicU64,
    /// Turns that asked the OS for events.
    turns: AtomicU64,
}

impl IoDriverMetrics {
    /// Resources registered so far.
    pub(crate) fn fd_registered_count(&self) -> u64 {
        self.fd_registered.load(Relaxed)
    }

    /// Resources deregistered so far.
    pub(crate) fn fd_deregistered_count(&self) -> u64 {
        self.fd_deregistered.load(Relaxed)
    }

    /// Readiness events delivered so far.
    pub(crate) fn ready_count(&self) -> u64 {
        self.ready.load(Relaxed)
    }

    /// Turns (OS waits or checks) so far.
    pub(crate) fn turn_count(&self) -> u64 {
        self.turns.load(Relaxed)
    }

    /// Adds one by a load and a store: the caller is the only writer
    /// (under the registrations' lock, or the turning thread).
    fn bump(counter: &AtomicU64, by: u64) {
        counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
    }
}

struct Registrations {
    live: Vec<Arc<ScheduledIo>>,
    pending_release: Vec<Arc<ScheduledIo>>,
    /// Resources whose deregistration failed: events may still name them
    /// for as long as the epoll instance lives (design note).
    orphaned: Vec<Arc<ScheduledIo>>,
    is_shutdown: bool,
}

impl Driver {
    /// A driver with room for `events_per_tick` events per turn, and
    /// `busy_events_per_tick` per busy turn; with `precise_timeouts`, timed
    /// turns wait on a timerfd (module docs).
    pub(crate) fn new(
        events_per_tick: usize,
        busy_events_per_tick: usize,
        precise_timeouts: bool,
        rings: crate::runtime::driver::Rings,
    ) -> io::Result<(Driver, Handle)> {
        let poll = mio::Poll::new()?;
        // Miri has no timerfd: there, waits keep epoll's millisecond timeout.
        let precise = if precise_timeouts && !cfg!(miri) {
            precise_timeout::PreciseTimeout::new(poll.registry(), TIMER_TOKEN)?
        } else {
            None
        };
        #[cfg(any(feature = "fs", feature = "net"))]
        if let Some(rings) = &rings {
            assert!(
                rings.len() <= MAX_RINGS,
                "at most {MAX_RINGS} io_uring rings"
            );
            // One-shot entries, armed by each ring's owner when it stops
            // running tasks (`runtime/uring/`); they keep a descriptor of
            // the epoll instance, as a ring may outlive this driver.
            let epoll = crate::loom::Arc::new(
                std::os::fd::AsFd::as_fd(poll.registry()).try_clone_to_owned()?,
            );
            for index in 0..rings.len() {
                rings.attach_to_epoll(index, epoll.clone(), (RING_TOKEN_BASE - index) as u64)?;
            }
        }
        #[cfg(not(any(feature = "fs", feature = "net")))]
        let () = rings;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let handle = Handle {
            inner: Arc::new(Inner {
                registry,
                waker,
                registrations: Mutex::new(Registrations {
                    live: Vec::new(),
                    pending_release: Vec::new(),
                    orphaned: Vec::new(),
                    is_shutdown: false,
                }),
                needs_release: AtomicBool::new(false),
                live: AtomicUsize::new(0),
                metrics: IoDriverMetrics::default(),
            }),
        };
        let driver = Driver {
            poll,
            events: mio::Events::with_capacity(events_per_tick.max(1)),
            busy_events: (busy_events_per_tick != events_per_tick)
                .then(|| mio::Events::with_capacity(busy_events_per_tick.max(1))),
            tick: 0,
            handle: handle.clone(),
            precise,
            #[cfg(any(feature = "fs", feature = "net"))]
            rings,
            #[cfg(any(feature = "fs", feature = "net"))]
            epoll_backlog: false,
            #[cfg(any(feature = "fs", feature = "net"))]
            last_wait_fired: false,
        };
        Ok((driver, handle))
    }

    /// Waits for events (at most `timeout`; `None`: until an event or a
    /// wake) and delivers them. Returns whether any event (a wake-up of the
    /// driver included) arrived.
    pub(crate) fn turn(&mut self, timeout: Option<Duration>) -> bool {
        {
            let inner = &self.handle.inner;
            // Acquire: pairs with the Release store in `deregister`.
            if inner.needs_release.swap(false, Acquire) {
                let released =
                    std::mem::take(&mut inner.registrations.lock().unwrap().pending_release);
                drop(released);
            }
        }
        // The owner of a ring that serves sockets sleeps in the ring, which
        // polls epoll for it (`RingShared::wait`); epoll is read only when
        // that poll fired.
        #[cfg(any(feature = "fs", feature = "net"))]
        let (timeout, ring_woke, epoll_fired) = match self.wait_in_ring(timeout) {
            Some((_, woke)) if !self.epoll_backlog => match self.last_wait_fired {
                true => (Some(Duration::ZERO), woke, true),
                false => {
                    IoDriverMetrics::bump(&self.handle.inner.metrics.turns, 1);
                    return woke;
                }
            },
            Some((_, woke)) => (Some(Duration::ZERO), woke, true),
            None => (timeout, false, false),
        };
        #[cfg(not(any(feature = "fs", feature = "net")))]
        let (ring_woke, epoll_fired) = (false, false);
        let inner = &self.handle.inner;
        // A non-blocking check with nothing registered has nothing to
        // find (the waker only interrupts waits): skip the syscall. This
        // is what makes `yield_now`'s driver check free when no socket is
        // open.
        if timeout == Some(Duration::ZERO) && !epoll_fired && inner.live.load(Relaxed) == 0 {
            return ring_woke;
        }
        let busy = timeout == Some(Duration::ZERO);
        let timeout = match (&mut self.precise, timeout) {
            (Some(precise), Some(timeout)) if !timeout.is_zero() => precise.arm(timeout),
            _ => timeout,
        };
        let events = match &mut self.busy_events {
            Some(busy_events) if busy => busy_events,
            _ => &mut self.events,
        };
        match self.poll.poll(events, timeout) {
            Ok(()) => {}
            // A signal: a spurious wake-up for the caller.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return true,
            Err(err) => panic!("the I/O driver failed to wait for events (epoll_wait): {err}"),
        }
        // A full buffer may have left events in the kernel: the next turn
        // reads epoll before it sleeps in a ring.
        #[cfg(any(feature = "fs", feature = "net"))]
        {
            self.epoll_backlog = events.iter().count() >= events.capacity();
        }
        // Tick 0 is never an event's tick, so a fresh resource's readiness
        // (tick 0) is never mistaken for a delivered one.
        self.tick = self.tick.wrapping_add(1).max(1);
        let mut woken = false;
        let mut ready_events = 0;
        for event in events.iter() {
            if event.token() == TIMER_TOKEN {
                continue;
            }
            woken = true;
            if event.token() == WAKE_TOKEN {
                continue;
            }
            #[cfg(any(feature = "fs", feature = "net"))]
            if let Some(rings) = &self.rings {
                let token = event.token().0;
                if token <= RING_TOKEN_BASE && token > RING_TOKEN_BASE - MAX_RINGS {
                    rings.reap_after_event(RING_TOKEN_BASE - token);
                    continue;
                }
            }
            ready_events += 1;
            let ready = ready_from(event);
            let ptr = event.token().0 as *const ScheduledIo;
            // SAFETY: the token is the address of a `ScheduledIo` kept alive
            // by `live`, `pending_release` (to the next turn) or `orphaned`
            // (while epoll lives): design note.
            let io = unsafe { &*ptr };
            io.set_readiness(self.tick, ready);
            io.wake(ready);
        }
        let metrics = &inner.metrics;
        IoDriverMetrics::bump(&metrics.turns, 1);
        if ready_events > 0 {
            IoDriverMetrics::bump(&metrics.ready, ready_events);
        }
        woken || ring_woke
    }

    /// If the calling thread owns one of the driver's rings and they serve
    /// sockets, and `timeout` lets it sleep: sleeps in that ring
    /// (`RingShared::wait`) and returns (the ring's index, whether the
    /// reap woke a task); `last_wait_fired` says whether epoll has events.
    #[cfg(any(feature = "fs", feature = "net"))]
    fn wait_in_ring(&mut self, timeout: Option<Duration>) -> Option<(usize, bool)> {
        if timeout == Some(Duration::ZERO) || self.epoll_backlog {
            return self.epoll_backlog.then_some((0, false));
        }
        let rings = self.rings.as_ref()?;
        let index = rings.owned_by_current_thread()?;
        let (fired, woke) = rings.wait(index, timeout);
        self.last_wait_fired = fired;
        Some((index, woke))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.handle.shutdown();
        // The rings' streams and listeners fail from now on too.
        #[cfg(any(feature = "fs", feature = "net"))]
        if let Some(rings) = &self.rings {
            rings.shut_down();
        }
    }
}

impl Handle {
    /// An id for this driver, unique among live drivers (the address of
    /// its shared state): `weft::signal` keeps one pump per driver.
    #[cfg(feature = "signal")]
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// The driver's counters.
    pub(crate) fn metrics(&self) -> &IoDriverMetrics {
        &self.inner.metrics
    }

    /// Makes a waiting `turn` return (or the next one return at once).
    pub(crate) fn unpark(&self) {
        if let Err(err) = self.inner.waker.wake() {
            panic!("the I/O driver could not be woken (eventfd write): {err}");
        }
    }

    /// Registers `source` (whose descriptor is `fd`, kept for task dumps)
    /// for both readiness directions.
    pub(crate) fn register(
        &self,
        // `dyn`: one copy of this cold path for every kind of source.
        source: &mut dyn mio::event::Source,
        fd: RawFd,
    ) -> io::Result<Arc<ScheduledIo>> {
        let io = Arc::new(ScheduledIo::new(fd));
        let token = mio::Token(Arc::as_ptr(&io) as usize);
        let mut registrations = self.inner.registrations.lock().unwrap();
        if registrations.is_shutdown {
            return Err(shutdown_error());
        }
        self.inner.registry.register(
            source,
            token,
            mio::Interest::READABLE | mio::Interest::WRITABLE,
        )?;
        io.set_position(registrations.live.len());
        registrations.live.push(io.clone());
        self.inner.live.store(registrations.live.len(), Relaxed);
        IoDriverMetrics::bump(&self.inner.metrics.fd_registered, 1);
        Ok(io)
    }

    /// Removes `source` from the OS's interest list; its `ScheduledIo` is
    /// released at the start of the next turn.
    pub(crate) fn deregister(
        &self,
        source: &mut dyn mio::event::Source,
        io: &Arc<ScheduledIo>,
    ) -> io::Result<()> {
        let mut registrations = self.inner.registrations.lock().unwrap();
        let result = if registrations.is_shutdown {
            Ok(())
        } else {
            self.inner.registry.deregister(source)
        };
        let position = io.position();
        if registrations
            .live
            .get(position)
            .is_some_and(|live| Arc::ptr_eq(live, io))
        {
            let removed = registrations.live.swap_remove(position);
            self.inner.live.store(registrations.live.len(), Relaxed);
            IoDriverMetrics::bump(&self.inner.metrics.fd_deregistered, 1);
            if let Some(moved) = registrations.live.get(position) {
                moved.set_position(position);
            }
            if result.is_err() {
                registrations.orphaned.push(removed);
            } else {
                registrations.pending_release.push(removed);
                // Release: pairs with the Acquire swap in `turn`.
                self.inner.needs_release.store(true, Release);
            }
        }
        result
    }

    /// Marks every resource shut down and wakes its waiters.
    fn shutdown(&self) {
        let live = {
            let mut registrations = self.inner.registrations.lock().unwrap();
            if registrations.is_shutdown {
                return;
            }
            registrations.is_shutdown = true;
            registrations.live.clone()
        };
        for io in live {
            io.shutdown();
        }
    }
}

/// The readiness a mio event reports.
fn ready_from(event: &mio::event::Event) -> Ready {
    let flags = [
        (event.is_readable(), Ready::READABLE),
        (event.is_writable(), Ready::WRITABLE),
        (event.is_read_closed(), Ready::READ_CLOSED),
        (event.is_write_closed(), Ready::WRITE_CLOSED),
        (event.is_error(), Ready::ERROR),
        (event.is_priority(), Ready::PRIORITY),
    ];
    flags
        .into_iter()
        .filter(|&(set, _)| set)
        .fold(Ready::EMPTY, |ready, (_, flag)| ready | flag)
}

/// The error of an operation on a resource whose runtime has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(crate::runtime::runtime::ShutdownError)
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("io::Driver")
            .field("tick", &self.tick)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("io::driver::Handle").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

    /// A descriptor closed before its deregistration, while a duplicate
    /// keeps the open file description registered in epoll: events keep
    /// naming the old token, so its `ScheduledIo` must stay alive.
    #[test]
    fn a_failed_deregistration_keeps_the_resource_alive_for_late_events() {
        let (mut driver, handle) = Driver::new(16, 16, false, Default::default()).unwrap();
        let (ours, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let duplicate = ours.try_clone().unwrap();
        let fd = ours.into_raw_fd();
        let io = handle.register(&mut mio::unix::SourceFd(&fd), fd).unwrap();
        let weak = Arc::downgrade(&io);

        // The owner closes its descriptor first (what a misbehaving
        // `AsyncFd` value can do); the duplicate keeps the description.
        // SAFETY: `fd` came from `into_raw_fd` and is closed only here.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
        let err = handle
            .deregister(&mut mio::unix::SourceFd(&fd), &io)
            .expect_err("epoll_ctl DEL of a closed descriptor fails");
        assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
        drop(io);

        // epoll still reports the description under the old token.
        peer.write_all(b"late").unwrap();
        let mut delivered = false;
        for _ in 0..100 {
            driver.turn(Some(Duration::from_millis(50)));
            let io = weak.upgrade().expect("an orphaned resource stays alive");
            if io.ready_now(scheduled_io::Wants::Read).ready.is_readable() {
                delivered = true;
                break;
            }
        }
        assert!(delivered, "the late event reached the orphaned resource");
        assert!(duplicate.as_raw_fd() >= 0);

        // Gone with the driver and its handle (and the epoll instance).
        drop(driver);
        drop(handle);
        assert!(weak.upgrade().is_none(), "freed with the driver");
    }
}
