//! The part of a tracked task's record kept out of line: what the task
//! waits on (`task::wait_record`) and when it was last queued. Made the
//! first time one of them is written, so a tracked task that never waits
//! on anything weft knows, on a runtime that does not time queue delays,
//! never has one.
//!
//! # Design note
//!
//! Why out of line: `TaskMeta` sits in front of every tracked cell, so its
//! size decides which size class of the allocator every tracked task
//! lands in. Inline, these two fields made the record 96 bytes and a
//! tracked empty task a 168-byte cell, past glibc's fastbins (chunks of
//! at most 128 bytes); a runtime that frees many such cells at once (a
//! burst of join handles dropped on one thread) overflowed the per-thread
//! cache and took `_int_free`'s slow path for each: 7-13% slower spawns
//! with tracking on. Out of line the record is 48 bytes and the same cell
//! 120. The annex is one 48-byte allocation, made at most once per task.
//!
//! The protocol is a one-time publication (the "lazy initialisation by
//! compare-and-swap" idiom; e.g. `std::sync::OnceLock` without blocking):
//!
//! 1. The pointer is null until some thread needs the annex, then names
//!    the one annex for the rest of the task's life: it is set at most
//!    once and never changed or freed before the record is dropped.
//! 2. Two threads may need it at once: the thread polling the task (a
//!    leaf future records a wait) and a thread queueing it (the queue-delay
//!    stamp). Each builds a zeroed annex and installs it with a
//!    compare-and-swap from null (Release on success, so a thread that
//!    sees the pointer sees the annex's initial contents); the loser drops
//!    its own and uses the winner's (Acquire on failure).
//! 3. Readers (dumps on any thread, the worker reading the stamp) load
//!    the pointer with Acquire; null reads as "never written" (no waits,
//!    no stamp).
//! 4. The record's drop frees the annex: the cell's last reference is
//!    gone, so no thread can still read it.
//!
//! The annex's own fields keep their protocols (`wait_record`'s seqlock,
//! the stamp's rule 4 in `task::meta`). The loom model `annex_*` checks
//! rule 2's race.

use super::wait_record::WaitRecord;
use crate::loom::{AtomicPtr, AtomicU64, Ordering::*};
use std::ptr;

/// The out-of-line part of a `TaskMeta` (see the module's note).
pub(crate) struct Annex {
    /// Null, or the one annex (rule 1).
    ptr: AtomicPtr<AnnexData>,
}

/// What the annex holds.
pub(crate) struct AnnexData {
    /// When the task was last queued (`TaskMeta::set_scheduled_ns`); 0 if
    /// never stamped.
    pub(crate) scheduled_ns: AtomicU64,
    /// What the task waits on since its last poll.
    pub(crate) waits: WaitRecord,
}

impl Annex {
    /// An annex not made yet.
    pub(crate) fn new() -> Annex {
        Annex {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The annex, if some thread made it (rule 3).
    #[inline]
    pub(crate) fn get(&self) -> Option<&AnnexData> {
        // Acquire: pairs with the installing compare-and-swap (rule 2).
        let annex = self.ptr.load(Acquire);
        // SAFETY: non-null means installed, and an installed annex lives
        // until this record is dropped (rules 1 and 4); `&self` keeps the
        // record alive.
        unsafe { annex.as_ref() }
    }

    /// The annex, made now if no thread made it yet (rule 2).
    #[inline]
    pub(crate) fn get_or_make(&self) -> &AnnexData {
        match self.get() {
            Some(annex) => annex,
            None => self.make(),
        }
    }

    #[cold]
    fn make(&self) -> &AnnexData {
        let fresh = Box::into_raw(Box::new(AnnexData {
            scheduled_ns: AtomicU64::new(0),
            waits: WaitRecord::new(),
        }));
        let annex = match self
            .ptr
            .compare_exchange(ptr::null_mut(), fresh, Release, Acquire)
        {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` came from `Box::into_raw` above and was
                // never published (the exchange failed).
                drop(unsafe { Box::from_raw(fresh) });
                winner
            }
        };
        // SAFETY: installed (by us or the winner), so it lives as long as
        // the record (rules 1 and 4).
        unsafe { &*annex }
    }
}

impl Drop for Annex {
    fn drop(&mut self) {
        // Acquire: pairs with the installing compare-and-swap, so the
        // annex's contents are ours to drop.
        let annex = self.ptr.load(Acquire);
        if !annex.is_null() {
            // SAFETY: installed from `Box::into_raw` (rule 2), and the
            // record's drop is the last use (rule 4).
            drop(unsafe { Box::from_raw(annex) });
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use crate::runtime::waiting_on::{SyncKind, WaitingOn};

    #[test]
    fn the_annex_is_made_once_and_kept() {
        let annex = Annex::new();
        assert!(annex.get().is_none());
        let first: *const AnnexData = annex.get_or_make();
        annex.get_or_make().scheduled_ns.store(7, Relaxed);
        assert!(ptr::eq(first, annex.get_or_make()));
        assert_eq!(annex.get().unwrap().scheduled_ns.load(Relaxed), 7);
        assert_eq!(std::mem::size_of::<AnnexData>(), 48);
    }

    /// Under Miri: two threads make the annex at once; both end with the
    /// same one, the loser's is freed (Miri reports a leak otherwise), and
    /// what each wrote is in it.
    #[test]
    fn racing_makers_share_one_annex() {
        let rounds = if cfg!(miri) { 20 } else { 500 };
        for _ in 0..rounds {
            let annex = std::sync::Arc::new(Annex::new());
            let other = {
                let annex = annex.clone();
                std::thread::spawn(move || {
                    let data = annex.get_or_make();
                    data.scheduled_ns.store(9, Relaxed);
                    data as *const AnnexData as usize
                })
            };
            let mine = annex.get_or_make();
            mine.waits.push(WaitingOn::Sync(SyncKind::Mutex));
            let theirs = other.join().unwrap();
            assert_eq!(mine as *const AnnexData as usize, theirs);
            assert_eq!(mine.scheduled_ns.load(Relaxed), 9);
            assert_eq!(mine.waits.read().unwrap().entries().count(), 1);
        }
    }
}

/// Loom model of rule 2 (`scripts/loom.sh annex`).
#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use crate::loom::Arc;
    use crate::runtime::waiting_on::{SyncKind, WaitingOn};
    use crate::util::loom_model::model;

    /// The polling thread records a wait while a queueing thread stamps
    /// the task and a dump reads it: one annex wins, both writes land in
    /// it, and a reader that sees the annex sees it initialised (a torn
    /// record would fail the seqlock's read or show a foreign entry).
    #[test]
    fn loom_annex_racing_makers_share_one() {
        model(|| {
            let annex = Arc::new(Annex::new());
            let stamper = {
                let annex = annex.clone();
                loom::thread::spawn(move || {
                    annex.get_or_make().scheduled_ns.store(5, Relaxed);
                })
            };
            let reader = {
                let annex = annex.clone();
                loom::thread::spawn(move || {
                    if let Some(data) = annex.get() {
                        if let Some(waits) = data.waits.read() {
                            let entries: Vec<_> = waits.entries().collect();
                            assert!(
                                entries.is_empty() || entries == [WaitingOn::Sync(SyncKind::Mutex)],
                                "{entries:?}"
                            );
                        }
                    }
                })
            };
            annex
                .get_or_make()
                .waits
                .push(WaitingOn::Sync(SyncKind::Mutex));
            stamper.join().unwrap();
            reader.join().unwrap();
            let data = annex.get().expect("made");
            assert_eq!(data.scheduled_ns.load(Relaxed), 5);
            let entries: Vec<_> = data.waits.read().unwrap().entries().collect();
            assert_eq!(entries, [WaitingOn::Sync(SyncKind::Mutex)]);
        });
    }
}
