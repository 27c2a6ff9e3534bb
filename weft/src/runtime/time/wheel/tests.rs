//! Single-threaded tests of the wheel's arithmetic (also run under Miri).

use super::*;
use crate::util::rand::FastRand;

/// A wheel and the entries it may link, owned together: the safe face of
/// the wheel's `unsafe` methods for these tests. It checks their contract
/// before each call (only an unlinked entry is inserted, only a linked one
/// removed); the entries live as long as the wheel, at addresses that stay
/// put, and being single-threaded stands for holding the driver lock.
struct Fixture {
    /// Declared before `entries`, so dropped before them.
    wheel: Wheel,
    /// Never resized, so the entries' addresses stay put while linked.
    entries: Vec<Entry>,
    /// Which entries are in the wheel.
    linked: Vec<bool>,
}

impl Fixture {
    /// An empty wheel and `n` unlinked entries.
    fn new(n: usize) -> Fixture {
        Fixture {
            wheel: Wheel::new(),
            entries: (0..n).map(|_| Entry::new()).collect(),
            linked: vec![false; n],
        }
    }

    /// `n` entries, the first ones linked to fire at `deadlines`, in order.
    fn linked(n: usize, deadlines: &[u64]) -> Fixture {
        let mut f = Fixture::new(n);
        for (i, &when) in deadlines.iter().enumerate() {
            f.insert(i, when);
        }
        f
    }

    /// Links entry `i` to fire at tick `when`.
    fn insert(&mut self, i: usize, when: u64) {
        assert!(!self.linked[i], "entry {i} is in the wheel already");
        self.linked[i] = true;
        // SAFETY: single-threaded (the wheel is "locked"); entry `i` is not
        // in the wheel (checked above), and it lives in `self.entries`,
        // never moved, until after the wheel is dropped.
        unsafe { self.wheel.insert(NonNull::from(&self.entries[i]), when) };
    }

    /// Unlinks entry `i`.
    fn remove(&mut self, i: usize) {
        assert!(self.linked[i], "entry {i} is not in the wheel");
        self.linked[i] = false;
        // SAFETY: single-threaded; entry `i` is in the wheel (checked above).
        unsafe { self.wheel.remove(NonNull::from(&self.entries[i])) };
    }

    /// The deadline of the next entry due at `now`, which the wheel hands
    /// out (unlinked).
    fn poll(&mut self, now: u64) -> Option<u64> {
        // SAFETY: single-threaded.
        let entry = unsafe { self.wheel.poll(now) }?;
        // Its index, from its address in `entries`.
        let offset = entry
            .as_ptr()
            .addr()
            .wrapping_sub(self.entries.as_ptr().addr());
        let i = offset / size_of::<Entry>();
        assert!(
            i < self.entries.len() && offset % size_of::<Entry>() == 0,
            "the wheel hands out only our entries"
        );
        assert!(self.linked[i], "entry {i} was handed out twice");
        self.linked[i] = false;
        // SAFETY: single-threaded; the entry is alive (in `self.entries`).
        Some(unsafe { entry.as_ref().when() })
    }

    /// Polls everything due at `now`, returning the deadlines handed out
    /// (checking that none fires early).
    fn fire(&mut self, now: u64) -> Vec<u64> {
        let fired: Vec<u64> = std::iter::from_fn(|| self.poll(now)).collect();
        for &when in &fired {
            assert!(when <= now, "{when} fired at {now}");
        }
        fired
    }
}

#[test]
fn an_entry_fires_at_its_tick_not_before() {
    let mut f = Fixture::linked(1, &[1_000]);
    assert_eq!(f.wheel.next_expiration().map(|t| t <= 1_000), Some(true));
    assert!(f.fire(999).is_empty());
    assert_eq!(f.fire(1_000), vec![1_000]);
    assert_eq!(f.wheel.len(), 0);
    assert_eq!(f.wheel.next_expiration(), None);
}

#[test]
fn entries_fire_in_deadline_order_across_levels() {
    // Deadlines on every level: 1 tick, 64 µs, 4 ms, 262 ms, 16 s, 17 min,
    // 18 h, 48 days, and the largest representable.
    let deadlines = [
        1,
        63,
        64,
        65,
        4_095,
        4_096,
        262_144,
        16_777_216,
        1 << 30,
        1 << 36,
        1 << 42,
        1 << 48,
        MAX_TICKS,
    ];
    let mut f = Fixture::new(deadlines.len());
    for (i, &when) in deadlines.iter().enumerate().rev() {
        f.insert(i, when);
    }
    let mut fired = Vec::new();
    while let Some(next) = f.wheel.next_expiration() {
        // Every step of the way, nothing fires early (checked by `fire`).
        fired.extend(f.fire(next));
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn random_deadlines_fire_in_order_and_never_early() {
    let mut rng = FastRand::from_seed(7);
    let mut f = Fixture::new(if cfg!(miri) { 300 } else { 5_000 });
    let mut deadlines = Vec::new();
    for i in 0..f.entries.len() {
        let when = rng.next_u64() % 10_000_000;
        deadlines.push(when);
        f.insert(i, when);
    }
    deadlines.sort_unstable();
    let mut fired = Vec::new();
    let mut now = 0;
    while f.wheel.len() > 0 {
        now += rng.next_u64() % 50_000;
        fired.extend(f.fire(now));
        // Everything due by `now` came out.
        assert!(fired.len() == deadlines.len() || deadlines[fired.len()] > now);
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn inserting_between_polls_keeps_the_invariant() {
    let mut rng = FastRand::from_seed(11);
    let mut f = Fixture::new(if cfg!(miri) { 200 } else { 2_000 });
    let mut now = 0;
    let mut expected = Vec::new();
    let mut fired = Vec::new();
    for i in 0..f.entries.len() {
        now += rng.next_u64() % 3_000;
        fired.extend(f.fire(now));
        let when = now + 1 + rng.next_u64() % 5_000_000;
        expected.push(when);
        f.insert(i, when);
    }
    fired.extend(f.fire(u64::MAX / 2));
    expected.sort_unstable();
    let mut sorted = fired.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    // Each poll round hands out entries in deadline order.
    assert_eq!(f.wheel.len(), 0);
}

#[test]
fn removed_entries_never_fire_and_clear_their_slot() {
    let mut f = Fixture::linked(3, &[100, 100, 5_000]);
    f.remove(1);
    f.remove(2);
    assert_eq!(f.wheel.len(), 1);
    assert_eq!(f.fire(10_000), vec![100]);
    assert_eq!(f.wheel.next_expiration(), None);
    f.insert(0, 20_000);
    f.remove(0);
    assert_eq!(f.wheel.next_expiration(), None);
}

#[test]
fn a_past_deadline_is_pending_at_once() {
    let mut f = Fixture::new(2);
    assert!(f.fire(500).is_empty());
    f.insert(0, 10);
    assert_eq!(f.wheel.next_expiration(), Some(500));
    f.insert(1, 20);
    f.remove(0);
    assert_eq!(f.fire(500), vec![20]);
}

#[test]
fn far_deadlines_saturate() {
    let mut f = Fixture::linked(1, &[u64::MAX]);
    assert!(f.fire(MAX_TICKS - 1).is_empty());
    assert_eq!(f.fire(MAX_TICKS), vec![MAX_TICKS]);
}

#[test]
fn the_next_expiration_is_the_start_of_the_next_slot() {
    // 100,000 ticks: level 2 (slots of 4,096 ticks); slot 24 starts at 98,304.
    let mut f = Fixture::linked(1, &[100_000]);
    assert_eq!(f.wheel.next_expiration(), Some(98_304));
    assert!(f.fire(98_304).is_empty());
    // Cascaded to level 1 (slots of 64): 100,000 = 1,562 * 64 + 32.
    assert_eq!(f.wheel.next_expiration(), Some(99_968));
    assert!(f.fire(99_999).is_empty());
    assert_eq!(f.wheel.next_expiration(), Some(100_000));
    assert_eq!(f.fire(100_000), vec![100_000]);
}

#[test]
fn entries_inserted_late_go_before_the_pending_ones_in_order() {
    // The driver hands out part of a tick's batch, releases the lock, and
    // meanwhile entries due before `elapsed` are inserted (another thread
    // registering): they come out first, in deadline order.
    let mut f = Fixture::linked(6, &[1_000, 1_000, 2_000]);
    assert_eq!(f.poll(1_500), Some(1_000));
    assert_eq!(f.wheel.elapsed(), 1_000);
    f.insert(3, 700);
    f.insert(4, 500);
    f.insert(5, 1_000);
    assert_eq!(f.wheel.next_expiration(), Some(1_000));
    assert_eq!(f.fire(1_500), vec![500, 700, 1_000, 1_000]);
    assert_eq!(f.wheel.elapsed(), 1_500);
    assert_eq!(f.fire(2_000), vec![2_000]);
}
