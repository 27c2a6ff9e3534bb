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

    /// Links `entry` before the first member due later than `when`,
    /// searching from the head (so it costs the number of members due at
    /// or before `when`): keeps a list sorted by deadline sorted.
    ///
    /// # Safety
    ///
    /// As for [`push_back`](List::push_back); `when` is `entry`'s deadline.
    pub(crate) unsafe fn insert_sorted_from_front(&mut self, entry: NonNull<Entry>, when: u64) {
        let mut cursor = self.head;
        while let Some(member) = cursor {
            // SAFETY: members are alive and the lock is held (contract).
            let member_ref = unsafe { member.as_ref() };
            // SAFETY: as above.
            if unsafe { member_ref.when() } > when {
                break;
            }
            // SAFETY: as above.
            cursor = unsafe { member_ref.links().next };
        }
        let Some(next) = cursor else {
            // SAFETY: the contract of `push_back` is ours.
            return unsafe { self.push_back(entry) };
        };
        // SAFETY: `next` is a live member, `entry` is alive and in no list.
        unsafe {
            let prev = next.as_ref().links().prev;
            let links = entry.as_ref().links();
            links.prev = prev;
            links.next = Some(next);
            match prev {
                Some(prev) => prev.as_ref().links().next = Some(entry),
                None => self.head = Some(entry),
            }
            next.as_ref().links().prev = Some(entry);
        }
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
