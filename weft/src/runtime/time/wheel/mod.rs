//! The hierarchical timing wheel that holds every pending timer.
//!
//! # Design note
//!
//! The algorithm is Varghese & Lauck's hierarchical timing wheel ("Hashed
//! and Hierarchical Timing Wheels", SOSP 1987, scheme 7), in the
//! bit-indexed form that Linux's `timer_list` wheel and tokio's time driver
//! also use:
//!
//! * Time is counted in **ticks of one microsecond** since the driver
//!   started. `elapsed` is the wheel's own "now": every tick before it has
//!   been processed.
//! * There are [`LEVELS`] levels of [`SLOTS`] (64) slots. A level-`l` slot
//!   spans `64^l` ticks, so level 0 resolves single ticks and the top level
//!   spans `64^LEVELS` ticks (about 570 years: nine levels of six bits).
//! * An entry due at tick `when` goes on the level of the highest six-bit
//!   digit in which `when` and `elapsed` differ, in the slot that digit
//!   names. Invariant: on every level, occupied slots lie strictly after
//!   `elapsed`'s own digit, so the **first level with any occupied slot
//!   holds the next expiration** (its entries are due before anything on a
//!   higher level), found from that level's occupancy bitmap with one
//!   rotate and `trailing_zeros`: O(1) per level.
//! * Insert and cancel are O(1): a push onto, or an unlink from, an
//!   intrusive doubly linked slot list (the entry records where it is).
//! * Advancing to `now` repeatedly takes the next expiring slot whose start
//!   is not after `now`, sets `elapsed` to that start, and re-inserts the
//!   slot's entries relative to the new `elapsed` ("cascading"): each moves
//!   to a lower level, and those due at `elapsed` move to the `pending`
//!   list, from which [`Wheel::poll`] hands them out one by one. An entry
//!   cascades at most once per level.
//! * Deadlines are clamped to [`MAX_TICKS`] ahead of `elapsed`, so the digit
//!   rule never asks for a level above the top one.
//! * **Order.** [`Wheel::poll`] hands entries out in deadline order (to the
//!   tick), however far `now` is ahead of `elapsed` (a stalled driver): the
//!   earliest occupied slot is always cascaded first, a cascade moves only
//!   the entries due at its start to `pending`, and `pending` is drained
//!   before `elapsed` moves on. `pending` is kept sorted (an entry inserted
//!   late goes before the later ones), so no sort is ever needed and
//!   handing out costs O(1) per entry plus O(levels) per cascade.
//!
//! The wheel itself is single-threaded: the time driver keeps it behind its
//! lock (`time/driver.rs`), and every method that follows entry pointers is
//! `unsafe` with "the driver lock is held and the entry is alive" as its
//! contract.

mod entry;
mod level;
mod list;

#[cfg(all(test, not(weft_loom)))]
mod tests;

pub(crate) use entry::{Entry, FIRED, IDLE, REGISTERED, SHUTDOWN};

use entry::Location;
use level::Level;
use list::List;
use std::ptr::NonNull;

/// Slots per level (a six-bit digit of the tick count).
pub(crate) const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
/// Levels of the wheel.
pub(crate) const LEVELS: usize = 9;
/// The farthest ahead of `elapsed` an entry can be due, in ticks; later
/// deadlines are clamped to this (about 285 years).
pub(crate) const MAX_TICKS: u64 = (1 << (SLOT_BITS as usize * LEVELS - 1)) - 1;
/// The location of an entry on the `pending` list.
const PENDING: Location = (LEVELS * SLOTS) as Location;

/// Every pending timer of one runtime.
#[derive(Debug)]
pub(crate) struct Wheel {
    /// Ticks up to (not including) this one have been processed.
    elapsed: u64,
    levels: Box<[Level; LEVELS]>,
    /// Entries whose deadline has been reached, not yet handed out.
    pending: List,
    /// Entries in the wheel (slots and `pending`).
    len: usize,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(|_| Level::new())),
            pending: List::default(),
            len: 0,
        }
    }

    /// Every tick before this one has been processed: every entry due
    /// before it has been handed out by [`poll`](Wheel::poll) (or is on
    /// the pending list).
    #[cfg(all(test, not(weft_loom)))]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Entries in the wheel.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Links `entry` to fire at tick `when` (clamped to [`MAX_TICKS`] ahead;
    /// a tick already processed puts it on the pending list). Returns the
    /// tick at which the wheel must next look at it: the start of its slot
    /// (where it cascades or fires), or `elapsed` if it is pending.
    ///
    /// # Safety
    ///
    /// The driver lock is held; `entry` is alive, pinned and not in the
    /// wheel, and is removed before it is dropped or moved.
    pub(crate) unsafe fn insert(&mut self, entry: NonNull<Entry>, when: u64) -> u64 {
        let when = when.min(self.elapsed.saturating_add(MAX_TICKS));
        // SAFETY: the lock is held and `entry` is alive (contract).
        unsafe { entry.as_ref().set_when(when) };
        self.len += 1;
        // SAFETY: as above; `entry` is in no list.
        unsafe { self.link(entry, when) }
    }

    /// Unlinks `entry`.
    ///
    /// # Safety
    ///
    /// The driver lock is held and `entry` is in this wheel.
    pub(crate) unsafe fn remove(&mut self, entry: NonNull<Entry>) {
        // SAFETY: the lock is held and `entry` is alive (contract).
        let location = unsafe { entry.as_ref().location() };
        if location == PENDING {
            // SAFETY: the location says it is on `pending`.
            unsafe { self.pending.remove(entry) };
        } else {
            let (level, slot) = (location as usize / SLOTS, location as usize % SLOTS);
            let level = &mut self.levels[level];
            // SAFETY: the location names the list it is on.
            unsafe { level.slot_mut(slot).remove(entry) };
            level.update(slot);
        }
        self.len -= 1;
    }

    /// The tick at which the wheel next has work: `elapsed` if entries are
    /// pending, the start of the next occupied slot otherwise.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if !self.pending.is_empty() {
            return Some(self.elapsed);
        }
        self.next_slot().map(|(deadline, _, _)| deadline)
    }

    /// The next due entry at tick `now`, taken out of the wheel; `None`
    /// once nothing is due (then `elapsed` is `now`).
    ///
    /// # Safety
    ///
    /// The driver lock is held.
    pub(crate) unsafe fn poll(&mut self, now: u64) -> Option<NonNull<Entry>> {
        loop {
            // SAFETY: the lock is held (contract).
            if let Some(entry) = unsafe { self.pending.pop_front() } {
                self.len -= 1;
                return Some(entry);
            }
            match self.next_slot() {
                Some((deadline, level, slot)) if deadline <= now => {
                    self.elapsed = deadline;
                    let mut list = self.levels[level].take_slot(slot);
                    // SAFETY: the lock is held; slot members are alive.
                    while let Some(entry) = unsafe { list.pop_front() } {
                        // SAFETY: as above.
                        let when = unsafe { entry.as_ref().when() };
                        // SAFETY: as above; `entry` is now in no list.
                        unsafe { self.link(entry, when) };
                    }
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// Empties the wheel, handing out every entry (driver shutdown).
    ///
    /// # Safety
    ///
    /// The driver lock is held.
    pub(crate) unsafe fn drain(&mut self) -> Option<NonNull<Entry>> {
        // SAFETY: the lock is held (contract).
        unsafe { self.poll(u64::MAX) }
    }

    /// The earliest occupied slot: (start tick, level, slot).
    fn next_slot(&self) -> Option<(u64, usize, usize)> {
        for (level_index, level) in self.levels.iter().enumerate() {
            let shift = SLOT_BITS * level_index as u32;
            let current = ((self.elapsed >> shift) as usize) % SLOTS;
            let Some((slot, wrapped)) = level.next_occupied(current) else {
                continue;
            };
            let slot_span = 1u64 << shift;
            // `level_span` overflows only for the top level, whose start is 0.
            let level_span = slot_span.checked_mul(SLOTS as u64).unwrap_or(0);
            let level_start = self.elapsed & !level_span.wrapping_sub(1);
            let mut deadline = level_start + slot as u64 * slot_span;
            if wrapped {
                deadline = deadline.saturating_add(level_span);
            }
            return Some((deadline.max(self.elapsed), level_index, slot));
        }
        None
    }

    /// Puts `entry`, due at `when`, on its level's slot, or on `pending`;
    /// returns the start of that slot (`elapsed` for `pending`).
    ///
    /// # Safety
    ///
    /// The driver lock is held; `entry` is alive and in no list.
    unsafe fn link(&mut self, entry: NonNull<Entry>, when: u64) -> u64 {
        if when <= self.elapsed {
            // SAFETY: contract of this function.
            unsafe {
                entry.as_ref().set_location(PENDING);
                // `pending` stays sorted: what a cascade puts there is due
                // at `elapsed` itself, and an entry inserted late (due
                // before `elapsed`, while the driver is between two batches)
                // goes before those.
                if when == self.elapsed {
                    self.pending.push_back(entry);
                } else {
                    self.pending.insert_sorted_from_front(entry, when);
                }
            }
            return self.elapsed;
        }
        let level = level_for(self.elapsed, when);
        let slot = ((when >> (SLOT_BITS * level as u32)) as usize) % SLOTS;
        // SAFETY: contract of this function.
        unsafe {
            entry
                .as_ref()
                .set_location((level * SLOTS + slot) as Location);
            self.levels[level].slot_mut(slot).push_back(entry);
        }
        self.levels[level].occupy(slot);
        let shift = SLOT_BITS * level as u32;
        (when >> shift) << shift
    }
}

/// The level of the highest six-bit digit in which `when` and `elapsed`
/// differ (`when > elapsed`, at most `MAX_TICKS` apart).
fn level_for(elapsed: u64, when: u64) -> usize {
    let differing = (elapsed ^ when) | (SLOTS as u64 - 1);
    let highest_bit = 63 - differing.leading_zeros();
    ((highest_bit / SLOT_BITS) as usize).min(LEVELS - 1)
}
