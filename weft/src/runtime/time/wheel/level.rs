//! One level of the wheel: 64 slots and a bitmap of the non-empty ones.

use super::list::List;
use super::SLOTS;

/// Slots of `SLOTS^level` ticks each.
#[derive(Debug)]
pub(crate) struct Level {
    /// Bit `s` set: `slots[s]` is not empty.
    occupied: u64,
    slots: [List; SLOTS],
}

impl Level {
    pub(crate) fn new() -> Level {
        Level {
            occupied: 0,
            slots: std::array::from_fn(|_| List::default()),
        }
    }

    pub(crate) fn slot_mut(&mut self, slot: usize) -> &mut List {
        &mut self.slots[slot]
    }

    /// Marks `slot` occupied.
    pub(crate) fn occupy(&mut self, slot: usize) {
        self.occupied |= 1 << slot;
    }

    /// Clears `slot`'s bit if its list became empty.
    pub(crate) fn update(&mut self, slot: usize) {
        if self.slots[slot].is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Takes the whole list of `slot`.
    pub(crate) fn take_slot(&mut self, slot: usize) -> List {
        self.occupied &= !(1 << slot);
        std::mem::take(&mut self.slots[slot])
    }

    /// The first occupied slot at or after `from`, going round once, and
    /// whether the search wrapped past slot 63.
    pub(crate) fn next_occupied(&self, from: usize) -> Option<(usize, bool)> {
        if self.occupied == 0 {
            return None;
        }
        let distance = self.occupied.rotate_right(from as u32).trailing_zeros() as usize;
        let slot = (from + distance) % SLOTS;
        Some((slot, slot < from))
    }
}
