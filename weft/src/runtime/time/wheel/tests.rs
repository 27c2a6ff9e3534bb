//! Single-threaded tests of the wheel's arithmetic (also run under Miri).

use super::*;
use crate::util::rand::FastRand;

/// Entries in a vector that is never resized, so their addresses stay put
/// while linked.
fn entries(n: usize) -> Vec<Entry> {
    (0..n).map(|_| Entry::new()).collect()
}

fn ptr(entry: &Entry) -> NonNull<Entry> {
    NonNull::from(entry)
}

/// Polls everything due at `now`, returning the deadlines handed out.
fn fire(wheel: &mut Wheel, now: u64) -> Vec<u64> {
    let mut fired = Vec::new();
    // SAFETY: single-threaded test: the wheel is "locked"; entries outlive it.
    while let Some(entry) = unsafe { wheel.poll(now) } {
        // SAFETY: as above.
        fired.push(unsafe { entry.as_ref().when() });
    }
    fired
}

#[test]
fn an_entry_fires_at_its_tick_not_before() {
    let mut wheel = Wheel::new();
    let e = entries(1);
    // SAFETY: the test owns the wheel and the entry outlives its membership.
    unsafe { wheel.insert(ptr(&e[0]), 1_000) };
    assert_eq!(wheel.next_expiration().map(|t| t <= 1_000), Some(true));
    assert!(fire(&mut wheel, 999).is_empty());
    assert_eq!(fire(&mut wheel, 1_000), vec![1_000]);
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_expiration(), None);
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
    let mut wheel = Wheel::new();
    let e = entries(deadlines.len());
    for (entry, &when) in e.iter().zip(deadlines.iter()).rev() {
        // SAFETY: as in the test above.
        unsafe { wheel.insert(ptr(entry), when) };
    }
    let mut fired = Vec::new();
    while let Some(next) = wheel.next_expiration() {
        // Every step of the way, nothing fires early.
        for when in fire(&mut wheel, next) {
            assert!(when <= next, "{when} fired at {next}");
            fired.push(when);
        }
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn random_deadlines_fire_in_order_and_never_early() {
    let mut rng = FastRand::from_seed(7);
    let mut wheel = Wheel::new();
    let e = entries(if cfg!(miri) { 300 } else { 5_000 });
    let mut deadlines = Vec::new();
    for entry in &e {
        let when = rng.next_u64() % 10_000_000;
        deadlines.push(when);
        // SAFETY: as in the first test.
        unsafe { wheel.insert(ptr(entry), when) };
    }
    deadlines.sort_unstable();
    let mut fired = Vec::new();
    let mut now = 0;
    while wheel.len() > 0 {
        now += rng.next_u64() % 50_000;
        for when in fire(&mut wheel, now) {
            assert!(when <= now);
            fired.push(when);
        }
        // Everything due by `now` came out.
        assert!(fired.len() == deadlines.len() || deadlines[fired.len()] > now);
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn inserting_between_polls_keeps_the_invariant() {
    let mut rng = FastRand::from_seed(11);
    let mut wheel = Wheel::new();
    let e = entries(if cfg!(miri) { 200 } else { 2_000 });
    let mut now = 0;
    let mut expected = Vec::new();
    let mut fired = Vec::new();
    for entry in &e {
        now += rng.next_u64() % 3_000;
        fired.extend(fire(&mut wheel, now));
        let when = now + 1 + rng.next_u64() % 5_000_000;
        expected.push(when);
        // SAFETY: as in the first test.
        unsafe { wheel.insert(ptr(entry), when) };
    }
    fired.extend(fire(&mut wheel, u64::MAX / 2));
    expected.sort_unstable();
    let mut sorted = fired.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    // Each poll round hands out entries in deadline order.
    assert_eq!(wheel.len(), 0);
}

#[test]
fn removed_entries_never_fire_and_clear_their_slot() {
    let mut wheel = Wheel::new();
    let e = entries(3);
    // SAFETY: as in the first test.
    unsafe {
        wheel.insert(ptr(&e[0]), 100);
        wheel.insert(ptr(&e[1]), 100);
        wheel.insert(ptr(&e[2]), 5_000);
        wheel.remove(ptr(&e[1]));
        wheel.remove(ptr(&e[2]));
    }
    assert_eq!(wheel.len(), 1);
    assert_eq!(fire(&mut wheel, 10_000), vec![100]);
    assert_eq!(wheel.next_expiration(), None);
    // SAFETY: as in the first test.
    unsafe {
        wheel.insert(ptr(&e[0]), 20_000);
        wheel.remove(ptr(&e[0]));
    }
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn a_past_deadline_is_pending_at_once() {
    let mut wheel = Wheel::new();
    let e = entries(2);
    assert!(fire(&mut wheel, 500).is_empty());
    // SAFETY: as in the first test.
    unsafe { wheel.insert(ptr(&e[0]), 10) };
    assert_eq!(wheel.next_expiration(), Some(500));
    // SAFETY: as in the first test.
    unsafe {
        wheel.insert(ptr(&e[1]), 20);
        wheel.remove(ptr(&e[0]));
    }
    assert_eq!(fire(&mut wheel, 500), vec![20]);
}

#[test]
fn far_deadlines_saturate() {
    let mut wheel = Wheel::new();
    let e = entries(1);
    // SAFETY: as in the first test.
    unsafe { wheel.insert(ptr(&e[0]), u64::MAX) };
    assert!(fire(&mut wheel, MAX_TICKS - 1).is_empty());
    assert_eq!(fire(&mut wheel, MAX_TICKS), vec![MAX_TICKS]);
}

#[test]
fn the_next_expiration_is_the_start_of_the_next_slot() {
    let mut wheel = Wheel::new();
    let e = entries(1);
    // 100,000 ticks: level 2 (slots of 4,096 ticks); slot 24 starts at 98,304.
    // SAFETY: as in the first test.
    unsafe { wheel.insert(ptr(&e[0]), 100_000) };
    assert_eq!(wheel.next_expiration(), Some(98_304));
    assert!(fire(&mut wheel, 98_304).is_empty());
    // Cascaded to level 1 (slots of 64): 100,000 = 1,562 * 64 + 32.
    assert_eq!(wheel.next_expiration(), Some(99_968));
    assert!(fire(&mut wheel, 99_999).is_empty());
    assert_eq!(wheel.next_expiration(), Some(100_000));
    assert_eq!(fire(&mut wheel, 100_000), vec![100_000]);
}

#[test]
fn entries_inserted_late_go_before_the_pending_ones_in_order() {
    // The driver hands out part of a tick's batch, releases the lock, and
    // meanwhile entries due before `elapsed` are inserted (another thread
    // registering): they come out first, in deadline order.
    let mut wheel = Wheel::new();
    let e = entries(6);
    // SAFETY: as in the first test.
    unsafe {
        wheel.insert(ptr(&e[0]), 1_000);
        wheel.insert(ptr(&e[1]), 1_000);
        wheel.insert(ptr(&e[2]), 2_000);
    }
    // SAFETY: as above.
    let first = unsafe { wheel.poll(1_500) }.expect("due");
    // SAFETY: as above.
    assert_eq!(unsafe { first.as_ref().when() }, 1_000);
    assert_eq!(wheel.elapsed(), 1_000);
    // SAFETY: as above.
    unsafe {
        wheel.insert(ptr(&e[3]), 700);
        wheel.insert(ptr(&e[4]), 500);
        wheel.insert(ptr(&e[5]), 1_000);
    }
    assert_eq!(wheel.next_expiration(), Some(1_000));
    assert_eq!(fire(&mut wheel, 1_500), vec![500, 700, 1_000, 1_000]);
    assert_eq!(wheel.elapsed(), 1_500);
    assert_eq!(fire(&mut wheel, 2_000), vec![2_000]);
}
