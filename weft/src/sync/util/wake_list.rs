//! A batch of wakers, collected under a lock and woken after it is released
//! (waking runs foreign code, which must never run under one of our locks,
//! and waking outside shortens the critical section). The first
//! [`CAPACITY`] wakers need no allocation; callers that can release their
//! lock midway flush when [`WakeList::can_push`] says the inline part is
//! full, the others (`notify_waiters`) spill into a `Vec`.

use std::mem::MaybeUninit;
use std::task::Waker;

/// How many wakers a batch holds before the caller must flush.
const CAPACITY: usize = 32;

/// Up to [`CAPACITY`] wakers, without allocation.
pub(crate) struct WakeList {
    wakers: [MaybeUninit<Waker>; CAPACITY],
    /// `wakers[..len]` are initialised.
    len: usize,
    /// Wakers past the inline capacity.
    overflow: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; CAPACITY],
            len: 0,
            overflow: Vec::new(),
        }
    }

    /// Whether another waker fits without allocating.
    pub(crate) fn can_push(&self) -> bool {
        self.len < CAPACITY
    }

    /// Adds a waker (spilling to the heap past [`CAPACITY`]).
    pub(crate) fn push(&mut self, waker: Waker) {
        if self.can_push() {
            self.wakers[self.len].write(waker);
            self.len += 1;
        } else {
            self.overflow.push(waker);
        }
    }

    /// Wakes (and so consumes) every waker in the batch.
    pub(crate) fn wake_all(&mut self) {
        // Take the count first so that `Drop` can never touch a waker this
        // loop has read (if a waker panics, the ones after it are leaked,
        // never dropped twice).
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &mut self.wakers[..len] {
            // SAFETY: `wakers[..len]` were initialised by `push`, and `len`
            // is already 0, so each is read exactly once.
            let waker = unsafe { slot.assume_init_read() };
            waker.wake();
        }
        for waker in self.overflow.drain(..) {
            waker.wake();
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &mut self.wakers[..len] {
            // SAFETY: as in `wake_all`: initialised and read once.
            drop(unsafe { slot.assume_init_read() });
        }
    }
}

impl std::fmt::Debug for WakeList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakeList").field("len", &self.len).finish()
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn wakes_each_once_and_drops_the_rest() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        for _ in 0..CAPACITY {
            list.push(Waker::from(count.clone()));
        }
        assert!(!list.can_push());
        list.push(Waker::from(count.clone()));
        list.wake_all();
        assert_eq!(count.0.load(SeqCst), CAPACITY + 1);
        assert!(list.can_push());
        list.push(Waker::from(count.clone()));
        drop(list);
        assert_eq!(count.0.load(SeqCst), CAPACITY + 1, "dropped, not woken");
        assert_eq!(Arc::strong_count(&count), 1, "no waker leaked");
    }
}
