//! The driver parker: the innermost sleep of a runtime's driver (under its
//! time layer, `runtime/driver.rs`), and how other threads end it.
//!
//! # Design note
//!
//! A driver sleeps in one of two ways:
//!
//! * without an I/O driver, on a [`CondvarParker`];
//! * with one, in a turn of the I/O driver (`epoll_wait`), so readiness
//!   events are delivered by whichever scheduler thread sleeps.
//!
//! Waking the I/O driver costs a syscall (an eventfd write), so the I/O
//! variant keeps the condvar parker's three states in front of it: an
//! unpark writes the eventfd only when the driver is in (or entering)
//! `epoll_wait` (`PARKED`); otherwise it leaves `NOTIFIED`, which the next
//! park consumes by polling without blocking. The condvar parker's rules
//! apply, with the eventfd in place of the condvar:
//!
//! 1. Only the thread holding the driver parks; any thread may unpark.
//! 2. The parker moves `EMPTY → PARKED` (SeqCst) before `epoll_wait`
//!    starts; if the move fails (`NOTIFIED`), the turn does not block.
//! 3. An unpark swaps in `NOTIFIED` (SeqCst) and writes the eventfd only if
//!    it replaced `PARKED`. A write that lands before `epoll_wait` starts
//!    still makes it return (the eventfd stays readable), so no mutex is
//!    needed between the store and the wait.
//! 4. After the turn, the parker swaps `EMPTY` back, consuming a pending or
//!    late unpark (the thread is running; its caller looks for work next).

use super::{CondvarParker, CondvarUnparker};
// The I/O variant exists only with a feature that builds the I/O driver.
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
use crate::loom::{Arc, AtomicUsize, Ordering::*};
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
use crate::runtime::io as io_driver;
use std::time::Duration;

#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
const EMPTY: usize = 0;
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
const PARKED: usize = 1;
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
const NOTIFIED: usize = 2;

/// The sleeping side, held in the driver.
#[derive(Debug)]
pub(crate) enum DriverParker {
    Condvar(CondvarParker),
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    Io(io_driver::Driver, Arc<AtomicUsize>),
}

/// The waking side, shared through the driver's handle (and the time
/// driver, which unparks a sleep that must end sooner for a new timer).
#[derive(Debug, Clone)]
pub(crate) enum DriverUnparker {
    Condvar(CondvarUnparker),
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    Io(io_driver::Handle, Arc<AtomicUsize>),
}

impl DriverParker {
    /// A driver parker sleeping on a condvar.
    pub(crate) fn condvar() -> (DriverParker, DriverUnparker) {
        let parker = CondvarParker::new();
        let unparker = parker.unparker();
        (
            DriverParker::Condvar(parker),
            DriverUnparker::Condvar(unparker),
        )
    }

    /// A driver parker sleeping in turns of `io`, woken through `handle`.
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) fn io(
        io: io_driver::Driver,
        handle: io_driver::Handle,
    ) -> (DriverParker, DriverUnparker) {
        let state = Arc::new(AtomicUsize::new(EMPTY));
        (
            DriverParker::Io(io, state.clone()),
            DriverUnparker::Io(handle, state),
        )
    }

    /// Sleeps at most `timeout` (forever if `None`; zero only checks).
    /// Returns whether something woke it (an unpark, or I/O events) rather
    /// than the timeout.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) -> bool {
        match self {
            DriverParker::Condvar(parker) => match timeout {
                None => parker.park(),
                Some(timeout) => parker.park_timeout(timeout),
            },
            #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
            DriverParker::Io(io, state) => turn(io, state, timeout),
        }
    }
}

/// One turn of the I/O driver, blocking (up to `timeout`) only if no
/// unpark is pending (rules 2 and 4). Returns whether an unpark or an
/// event ended it.
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
fn turn(io: &mut io_driver::Driver, state: &AtomicUsize, timeout: Option<Duration>) -> bool {
    // SeqCst: PARKED must be visible to an unparker before `epoll_wait`
    // starts, and a NOTIFIED seen here makes this turn non-blocking.
    let blocking = timeout != Some(Duration::ZERO)
        && state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_ok();
    let events = io.turn(if blocking {
        timeout
    } else {
        Some(Duration::ZERO)
    });
    // Awake: a pending or late unpark is consumed (the thread is running).
    let unparked = state.swap(EMPTY, SeqCst) == NOTIFIED;
    unparked || events
}

impl DriverUnparker {
    /// Wakes the parked thread, or makes its next park return at once
    /// (rule 3).
    pub(crate) fn unpark(&self) {
        match self {
            DriverUnparker::Condvar(unparker) => unparker.unpark(),
            #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
            DriverUnparker::Io(io, state) => {
                // SeqCst: pairs with the CAS in `turn`.
                if state.swap(NOTIFIED, SeqCst) == PARKED {
                    io.unpark();
                }
            }
        }
    }

    /// The I/O driver's handle, if the driver sleeps in it.
    #[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
    pub(crate) fn io(&self) -> Option<&io_driver::Handle> {
        match self {
            DriverUnparker::Io(io, _) => Some(io),
            DriverUnparker::Condvar(_) => None,
        }
    }
}
