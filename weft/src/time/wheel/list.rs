//! An intrusive doubly linked list of wheel entries (one per slot).

use super::entry::Entry;
use std::ptr::NonNull;

/// A slot's entries, in insertion order.
#[derive(Debug, Default)]
pub(crate) struct List {
    head: Option<NonNull<Entry>>,
    tail: Option<NonNull<Entry>>,
}

// SAFETY: the list is only reachable through the wheel, which lives behind
// the time driver's lock; the entries it points to are `Sync`.
unsafe impl Send for List {}

impl List {
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Appends `entry`.
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock; `entry` is alive, pinned and in no
    /// list, and stays alive until it is removed again.
    pub(crate) unsafe fn push_back(&mut self, entry: NonNull<Entry>) {
        // SAFETY: the caller holds the lock and `entry` is alive.
        let links = unsafe { entry.as_ref().links() };
        links.prev = self.tail;
        links.next = None;
        match self.tail {
            // This function's contract held for every member when pushed.
            // SAFETY: list members are alive.
            Some(tail) => unsafe { tail.as_ref().links().next = Some(entry) },
            None => self.head = Some(entry),
        }
        self.tail = Some(entry);
    }

    /// Unlinks `entry`.
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock and `entry` is in this list.
    pub(crate) unsafe fn remove(&mut self, entry: NonNull<Entry>) {
        // SAFETY: `entry` is a live member (contract).
        let links = unsafe { entry.as_ref().links() };
        let (prev, next) = (links.prev.take(), links.next.take());
        match prev {
            // SAFETY: neighbours of a member are members, hence alive.
            Some(prev) => unsafe { prev.as_ref().links().next = next },
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(next) => unsafe { next.as_ref().links().prev = prev },
            None => self.tail = prev,
        }
    }

    /// Unlinks and returns the first entry.
    ///
    /// # Safety
    ///
    /// The caller holds the driver lock.
    pub(crate) unsafe fn pop_front(&mut self) -> Option<NonNull<Entry>> {
        let head = self.head?;
        // SAFETY: `head` is a member; the lock is held (contract).
        unsafe { self.remove(head) };
        Some(head)
    }
}
