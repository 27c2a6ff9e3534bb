//! The ring's pool of receive buffers: a provided buffer ring
//! (`IORING_REGISTER_PBUF_RING`, Linux 5.19) from which the kernel picks a
//! buffer when a stream socket's receive completes, so a connection that
//! waits for data holds no buffer of its own.
//!
//! # Design note
//!
//! The pool is `BUFFERS` buffers of `BUFFER_SIZE` bytes in one allocation,
//! and a ring of as many 16-byte entries (`io_uring_buf`: address, length,
//! buffer id) that the kernel consumes from its head while weft produces
//! at its tail. A receive submitted with `IOSQE_BUFFER_SELECT` and the
//! pool's group takes the next entry when data arrives (not when it is
//! submitted); its completion names the buffer (`IORING_CQE_F_BUFFER`,
//! the id in the flags' upper 16 bits). From then on the buffer is weft's:
//! the stream that received into it reads from it and gives it back
//! ([`BufferPool::recycle`]). A buffer goes to the kernel by writing its
//! entry at the tail, then publishing the tail with a release store, as
//! `io_uring_buf_ring_add` and `io_uring_buf_ring_advance` of liburing do.
//! Everything runs under the ring's mutex; the kernel reads the entries
//! only up to the published tail, so an entry is complete before it is
//! visible.
//!
//! **A small reserve in the ring, the rest with the pool.** The kernel
//! takes entries in ring order and a recycled buffer goes in at the tail,
//! so a ring holding every buffer would have the kernel use each in turn:
//! each receive would write to a buffer (a page of its own) gone cold in
//! the caches since its last use, however few the connections that hold
//! one at once. So the ring holds `RESERVE` entries ahead, no more. The
//! reap that takes a completion naming a buffer ([`BufferPool::taken`],
//! called for every such completion by `RingInner::complete`, before it
//! is queued for its reader) replaces that buffer in the ring with the
//! buffer recycled last (`spare`, a stack), or with one never used yet; a
//! recycled buffer joins the stack, and the ring if it has room. The
//! kernel then cycles through `RESERVE` buffers plus those that streams
//! hold (bytes not read yet, and completions of a multishot receive that
//! its stream has not read), and never-used buffers are never touched (nor
//! resident). The 100-connection echo on io_uring ran 1.05x faster with
//! all of a 64-buffer pool in the ring than with 512, and 1.04x faster
//! again with 32 (`weft-bench profile tcp_echo_100conn`, 5 alternating
//! runs each); with this reserve of 32 (of 512), 1.07x the whole pool in
//! the ring.
//!
//! A receive that finds the ring empty (more completions at once than the
//! reserve, before the reap that refills it) completes with `ENOBUFS`;
//! the stream's next receive takes from the pool again if the reap left
//! buffers in the ring, else (every buffer is held) receives into a
//! buffer of its own (`uring/stream.rs`): an exhausted pool slows a
//! connection down and loses nothing. A stream that is not read while its
//! peer sends can hold the whole pool (its multishot receive goes on until
//! the ring runs dry); the others then use buffers of their own until it
//! reads. The pool is built by the first receive on the ring: a runtime
//! that never reads a socket on io_uring allocates nothing.
//!
//! Sources: `io_uring_register_buf_ring(3)`, `io_uring_buf_ring_add(3)`,
//! `io_uring_setup_buf_ring(3)` (the layout, the tail in the first entry's
//! reserved field), and Jens Axboe's "io_uring and networking in 2023"
//! (provided buffer rings for receives).

use io_uring::types::BufRingEntry;
use io_uring::IoUring;
use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering::Release};

/// Buffers per ring at most: more than the connections of one worker that
/// have data not yet read at the same moment, in the workloads weft
/// measures.
pub(crate) const BUFFERS: u16 = 512;
/// Buffers the ring holds ahead for the kernel to take (module note).
pub(crate) const RESERVE: u16 = 32;
/// Bytes per buffer: a receive asks for at most this many.
pub(crate) const BUFFER_SIZE: usize = 4096;
/// The buffer group id of the pool (one per ring).
pub(crate) const GROUP: u16 = 0;
/// The alignment the kernel wants for the entry ring.
const PAGE: usize = 4096;

/// One ring's pool of receive buffers (see the module's note).
pub(crate) struct BufferPool {
    entries: NonNull<BufRingEntry>,
    buffers: NonNull<u8>,
    /// The next tail to publish (the kernel reads up to it).
    tail: u16,
    /// Entries published and not taken by the kernel yet.
    in_ring: u16,
    /// Recycled buffers not in the ring, the last recycled on top.
    spare: Vec<u16>,
    /// Buffers never used: ids `fresh..BUFFERS`.
    fresh: u16,
}

// SAFETY: the pool is plain memory owned by the ring's `RingInner`, used
// under the ring's mutex; its pointers are to allocations it owns.
unsafe impl Send for BufferPool {}

impl BufferPool {
    fn entries_layout() -> Layout {
        Layout::from_size_align(usize::from(BUFFERS) * std::mem::size_of::<BufRingEntry>(), PAGE)
            .expect("a valid layout")
    }

    fn buffers_layout() -> Layout {
        Layout::from_size_align(usize::from(BUFFERS) * BUFFER_SIZE, PAGE).expect("a valid layout")
    }

    /// Whether the kernel has provided buffer rings: registers a one-entry
    /// ring under a group the pool does not use, and takes it back.
    pub(crate) fn kernel_supports(uring: &IoUring) -> bool {
        const PROBE_GROUP: u16 = u16::MAX;
        let layout = Layout::from_size_align(PAGE, PAGE).expect("a valid layout");
        // SAFETY: the layout has a non-zero size.
        let memory = unsafe { alloc::alloc_zeroed(layout) };
        if memory.is_null() {
            return false;
        }
        // SAFETY: `memory` is a zeroed, page-aligned entry ring of one
        // entry, kept alive until it is unregistered below.
        let registered =
            unsafe { uring.submitter().register_buf_ring_with_flags(memory as u64, 1, PROBE_GROUP, 0) }.is_ok();
        if registered {
            let _ = uring.submitter().unregister_buf_ring(PROBE_GROUP);
        }
        // SAFETY: allocated above with `layout`; unregistered (or never
        // registered), so the kernel no longer reads it.
        unsafe { alloc::dealloc(memory, layout) };
        registered
    }

    /// Allocates the pool and registers it with `uring` under [`GROUP`],
    /// every buffer given to the kernel.
    pub(crate) fn new(uring: &IoUring) -> std::io::Result<BufferPool> {
        // SAFETY: both layouts have non-zero sizes.
        let entries = unsafe { alloc::alloc_zeroed(Self::entries_layout()) };
        let Some(entries) = NonNull::new(entries.cast::<BufRingEntry>()) else {
            alloc::handle_alloc_error(Self::entries_layout());
        };
        // SAFETY: as above.
        let buffers = unsafe { alloc::alloc(Self::buffers_layout()) };
        let Some(buffers) = NonNull::new(buffers) else {
            alloc::handle_alloc_error(Self::buffers_layout());
        };
        let mut pool = BufferPool {
            entries,
            buffers,
            tail: 0,
            in_ring: 0,
            spare: Vec::new(),
            fresh: 0,
        };
        // The pool owns the entry ring until the ring is dropped, and the
        // kernel's registration ends first (`RingInner` drops its `IoUring`
        // before its pool); on failure `pool` frees it.
        // SAFETY: the entry ring is zeroed, page-aligned and `BUFFERS`
        // entries long, and outlives the registration (above).
        unsafe {
            uring.submitter().register_buf_ring_with_flags(
                entries.as_ptr() as u64,
                BUFFERS,
                GROUP,
                0,
            )
        }?;
        pool.refill();
        Ok(pool)
    }

    /// Tops the ring up to `RESERVE` entries: the buffer recycled last
    /// first, then never-used ones.
    fn refill(&mut self) {
        let mut added = false;
        while self.in_ring < RESERVE {
            let id = match self.spare.pop() {
                Some(id) => id,
                None if self.fresh < BUFFERS => {
                    self.fresh += 1;
                    self.fresh - 1
                }
                None => break,
            };
            self.add(id);
            self.in_ring += 1;
            added = true;
        }
        if added {
            self.publish();
        }
    }

    /// A completion named a buffer: the kernel took it from the ring, which
    /// gets another in its place. Called exactly once per such completion,
    /// at its reap.
    pub(crate) fn taken(&mut self) {
        debug_assert!(self.in_ring > 0, "the kernel took a buffer the ring did not hold");
        self.in_ring = self.in_ring.saturating_sub(1);
        self.refill();
    }

    /// Whether the ring holds buffers for the kernel: after `ENOBUFS`,
    /// whether the next receive takes from the pool again (the reap that
    /// took the `ENOBUFS` refilled the ring from whatever the pool had).
    pub(crate) fn has_buffers(&self) -> bool {
        self.in_ring > 0
    }

    /// Buffers ever used (tests).
    #[cfg(test)]
    pub(crate) fn used(&self) -> u16 {
        self.fresh
    }

    /// Writes buffer `id` into the entry at the tail (not yet published).
    fn add(&mut self, id: u16) {
        let mask = BUFFERS - 1;
        let index = usize::from(self.tail & mask);
        // SAFETY: `index < BUFFERS`, inside the entry ring; the kernel
        // reads entries only below the published tail, and this one is at
        // or past it.
        let entry = unsafe { &mut *self.entries.as_ptr().add(index) };
        entry.set_addr(self.buffer(id) as u64);
        entry.set_len(BUFFER_SIZE as u32);
        entry.set_bid(id);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Publishes the entries added so far.
    fn publish(&mut self) {
        // SAFETY: the tail lives in the first entry's reserved field, a
        // `u16` the kernel reads atomically; it is aligned and inside the
        // entry ring.
        let tail = unsafe { &*BufRingEntry::tail(self.entries.as_ptr()).cast::<AtomicU16>() };
        // Release: the entries written before are visible to the kernel
        // before the tail that covers them.
        tail.store(self.tail, Release);
    }

    /// Takes buffer `id` back (the caller no longer reads it): into the
    /// ring at once if it has room, where the kernel may receive into it
    /// again, else onto the stack.
    pub(crate) fn recycle(&mut self, id: u16) {
        debug_assert!(id < self.fresh, "a buffer id the kernel was given");
        self.spare.push(id);
        self.refill();
    }

    /// The start of buffer `id`.
    pub(crate) fn buffer(&self, id: u16) -> *mut u8 {
        assert!(id < BUFFERS, "buffer id {id} outside the pool");
        // SAFETY: `id < BUFFERS`: inside the buffers' allocation.
        unsafe { self.buffers.as_ptr().add(usize::from(id) * BUFFER_SIZE) }
    }
}

impl Drop for BufferPool {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with these layouts; the ring that
        // registered them was dropped before (field order of `RingInner`),
        // so the kernel no longer reads or writes them.
        unsafe {
            alloc::dealloc(self.entries.as_ptr().cast(), Self::entries_layout());
            alloc::dealloc(self.buffers.as_ptr(), Self::buffers_layout());
        }
    }
}
