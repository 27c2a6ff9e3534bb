//! Per-resource readiness and waiters.
//!
//! # Design note
//!
//! Every registered socket has one `ScheduledIo`, shared by the resource
//! and the driver. The driver's events are edge-triggered (each readiness
//! change is reported once), so readiness is *cached* here until an
//! operation hits `WouldBlock`. One atomic word holds the cached readiness
//! bits, a `SHUTDOWN` bit and the driver tick of the last event; the
//! waiting tasks (one reader, one writer, so the two halves of a split
//! socket can wait at once) sit under a small mutex. Rules:
//!
//! 1. The driver ORs new readiness in and stamps its current tick (one
//!    CAS loop), *then* takes the waiter lock and wakes who wants it.
//! 2. A poller stores its waker under the waiter lock and reads the
//!    readiness again before releasing it: if the driver's step 1 came
//!    first, the poller sees the bits; if it comes after, the driver finds
//!    the waker. No lost wake-up.
//! 3. After `WouldBlock`, a poller clears only the bits it saw, and only
//!    if the tick is still the one it saw: an event that arrived between
//!    the failed syscall and the clear has a newer tick and is kept. This
//!    is the same tick guard tokio's `ScheduledIo` uses.
//! 4. `READ_CLOSED`/`WRITE_CLOSED` are never cleared: once the peer closed
//!    a direction, every later poll sees it.

use crate::io::Ready;
use crate::loom::{AtomicUsize, Mutex, Ordering::*};
use std::task::{Context, Poll, Waker};

/// Low bits: readiness (the bits of [`Ready`]); then `SHUTDOWN`; the tick
/// above.
const READINESS_MASK: usize = Ready::ALL.as_bits() as usize;
const SHUTDOWN: usize = 1 << 6;
const TICK_SHIFT: u32 = 16;

/// Which waiter an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The readiness bits that let this direction proceed (errors and
    /// closes included: the operation then reports them).
    fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR,
            Direction::Write => Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR,
        }
    }
}

/// What a poller saw: the readiness for its direction and the tick that
/// stamped it (for rule 3).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    tick: usize,
    pub(crate) is_shutdown: bool,
}

#[derive(Debug, Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// One registered resource's readiness and waiters.
#[derive(Debug)]
pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
    /// Index in the driver's registration list; read and written only
    /// under that list's lock.
    pub(super) position: AtomicUsize,
}

impl ScheduledIo {
    pub(super) fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
            position: AtomicUsize::new(0),
        }
    }

    /// Rule 1, first half: the driver records an event of `tick`.
    pub(super) fn set_readiness(&self, tick: usize, ready: Ready) {
        let tick_bits = (tick << TICK_SHIFT) & !((1 << TICK_SHIFT) - 1);
        // AcqRel: Release publishes the readiness to pollers (who Acquire);
        // the closure keeps SHUTDOWN and ORs in the new bits.
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            let bits = (current & (READINESS_MASK | SHUTDOWN)) | usize::from(ready.as_bits());
            Some(tick_bits | bits)
        });
    }

    /// Rule 1, second half: wakes the waiters that `ready` lets proceed.
    pub(super) fn wake(&self, ready: Ready) {
        let (reader, writer) = {
            let mut waiters = self.waiters.lock().unwrap();
            let reader = if ready.intersects(Direction::Read.mask()) {
                waiters.reader.take()
            } else {
                None
            };
            let writer = if ready.intersects(Direction::Write.mask()) {
                waiters.writer.take()
            } else {
                None
            };
            (reader, writer)
        };
        // Woken outside the lock: a waker may re-enter (poll again).
        if let Some(waker) = reader {
            waker.wake();
        }
        if let Some(waker) = writer {
            waker.wake();
        }
    }

    /// The driver shut down: every poll from now on fails, and every
    /// waiter is woken to see it.
    pub(super) fn shutdown(&self) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.wake(Ready::ALL);
    }

    fn event(&self, current: usize, direction: Direction) -> ReadyEvent {
        ReadyEvent {
            ready: Ready::from_bits((current & READINESS_MASK) as u8) & direction.mask(),
            tick: current >> TICK_SHIFT,
            is_shutdown: current & SHUTDOWN != 0,
        }
    }

    /// The readiness for `direction` if there is some; otherwise (rule 2)
    /// registers `cx`'s waker and returns `Pending`.
    pub(crate) fn poll_readiness(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<ReadyEvent> {
        // Acquire: pairs with the Release in `set_readiness`.
        let event = self.event(self.readiness.load(Acquire), direction);
        if !event.ready.is_empty() || event.is_shutdown {
            return Poll::Ready(event);
        }
        let mut waiters = self.waiters.lock().unwrap();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Rule 2: read again with the waker in place.
        let event = self.event(self.readiness.load(Acquire), direction);
        if !event.ready.is_empty() || event.is_shutdown {
            return Poll::Ready(event);
        }
        Poll::Pending
    }

    /// The readiness for `direction`, without registering a waker.
    pub(crate) fn ready_now(&self, direction: Direction) -> ReadyEvent {
        self.event(self.readiness.load(Acquire), direction)
    }

    /// Rule 3: forget `event`'s readiness (an operation hit `WouldBlock`),
    /// unless a newer event arrived meanwhile. Closed bits stay (rule 4).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = usize::from((event.ready - Ready::READ_CLOSED - Ready::WRITE_CLOSED).as_bits());
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |current| {
            if current >> TICK_SHIFT != event.tick {
                return None;
            }
            Some(current & !clear)
        });
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    #[derive(Default)]
    struct CountWakes(StdAtomicUsize);

    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn readiness_is_cached_until_cleared_with_the_same_tick() {
        let io = ScheduledIo::new();
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());

        io.set_readiness(1, Ready::READABLE);
        io.wake(Ready::READABLE);
        assert_eq!(wakes.0.load(SeqCst), 1, "the reader was woken");
        let Poll::Ready(event) = io.poll_readiness(&mut cx, Direction::Read) else {
            panic!("readable")
        };
        assert!(event.ready.is_readable());
        assert!(
            io.poll_readiness(&mut cx, Direction::Write).is_pending(),
            "not writable"
        );

        // An event of a newer tick arrives before the clear: it is kept.
        io.set_readiness(2, Ready::READABLE);
        io.clear_readiness(event);
        assert!(io.ready_now(Direction::Read).ready.is_readable());
        let fresh = io.ready_now(Direction::Read);
        io.clear_readiness(fresh);
        assert!(io.ready_now(Direction::Read).ready.is_empty());
    }

    #[test]
    fn closed_bits_survive_a_clear_and_shutdown_wakes_everyone() {
        let io = ScheduledIo::new();
        io.set_readiness(1, Ready::READABLE | Ready::READ_CLOSED);
        let event = io.ready_now(Direction::Read);
        io.clear_readiness(event);
        assert!(io.ready_now(Direction::Read).ready.is_read_closed());
        assert!(!io.ready_now(Direction::Read).ready.is_readable());

        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_readiness(&mut cx, Direction::Write).is_pending());
        io.shutdown();
        assert_eq!(wakes.0.load(SeqCst), 1);
        match io.poll_readiness(&mut cx, Direction::Write) {
            Poll::Ready(event) => assert!(event.is_shutdown),
            Poll::Pending => panic!("shutdown is reported"),
        }
    }
}
