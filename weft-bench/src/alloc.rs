//! A counting global allocator for the memory workloads.
//!
//! It forwards to the system allocator and, once [`Counting::enable`] is
//! called (only the memory child process does), keeps a running total of
//! live heap bytes. While disabled its only cost is one relaxed load of a
//! flag that nobody writes, so the timed workloads (which never enable it)
//! are not disturbed by a contended counter.
//!
//! The counters are statistics read after the measured threads went quiet
//! (the memory workloads wait for their tasks to park, then pause), so
//! `Relaxed` is enough: each counter is one atomic object whose
//! modification order every thread agrees on.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

/// The system allocator with optional live-byte counting.
#[derive(Debug)]
pub struct Counting {
    enabled: AtomicBool,
    live: AtomicIsize,
}

impl Counting {
    /// A disabled counter.
    pub const fn new() -> Counting {
        Counting {
            enabled: AtomicBool::new(false),
            live: AtomicIsize::new(0),
        }
    }

    /// Starts counting. Memory allocated before this call and freed after it
    /// makes the total drift down, so measurements use differences.
    pub fn enable(&self) {
        self.enabled.store(true, Relaxed);
    }

    /// Whether [`enable`](Self::enable) was called.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// Bytes allocated minus bytes freed since counting started.
    pub fn live(&self) -> isize {
        self.live.load(Relaxed)
    }

    fn add(&self, bytes: usize) {
        if self.enabled.load(Relaxed) {
            self.live.fetch_add(bytes as isize, Relaxed);
        }
    }

    fn sub(&self, bytes: usize) {
        if self.enabled.load(Relaxed) {
            self.live.fetch_sub(bytes as isize, Relaxed);
        }
    }
}

impl Default for Counting {
    fn default() -> Self {
        Counting::new()
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are `Counting`'s; the counting itself
// only touches atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract
        // (non-zero size), which is `System::alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.add(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            self.add(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator (hence `System`)
        // returned, with the layout it was allocated with.
        unsafe { System.dealloc(ptr, layout) };
        self.sub(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `realloc`'s contract: `ptr` came from
        // this allocator with `layout`, `new_size` is valid for its align.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.sub(layout.size());
            self.add(new_size);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_live_bytes_only_when_enabled() {
        let c = Counting::new();
        let layout = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: non-zero size; each block is freed once with its layout.
        unsafe {
            let a = c.alloc(layout);
            assert!(!a.is_null());
            assert_eq!(c.live(), 0, "disabled: nothing counted");
            c.dealloc(a, layout);
            c.enable();
            assert!(c.is_enabled());
            let b = c.alloc(layout);
            assert_eq!(c.live(), 100);
            let b = c.realloc(b, layout, 300);
            assert!(!b.is_null());
            assert_eq!(c.live(), 300);
            let z = c.alloc_zeroed(layout);
            assert_eq!(*z, 0);
            assert_eq!(c.live(), 400);
            c.dealloc(z, layout);
            c.dealloc(b, Layout::from_size_align(300, 8).unwrap());
        }
        assert_eq!(c.live(), 0);
    }
}
