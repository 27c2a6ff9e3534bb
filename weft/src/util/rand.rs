//! Fast, non-cryptographic randomness.
//!
//! The runtime needs cheap random numbers in two places: `select!` picks the
//! branch it polls first at random (so that one always-ready branch cannot
//! starve the others), and the multi-thread scheduler picks a random victim
//! to steal from. Neither needs unpredictability against an adversary, only
//! speed and a good spread, so this module uses a tiny generator instead of a
//! dependency.
//!
//! # Algorithm
//!
//! [`FastRand`] is **wyrand**, the generator from Wang Yi's wyhash
//! (public domain, <https://github.com/wangyi-fudan/wyhash>): the state is a
//! 64-bit Weyl sequence (`state += 0xa076_1d64_78bd_642f`) and each output is
//! the xor of the high and low halves of the 128-bit product
//! `state * (state ^ 0xe703_7ed1_a0b4_28db)`. It passes BigCrush and
//! PractRand, costs one add, one xor and one widening multiply, and every
//! 64-bit seed (zero included) is a valid state.
//!
//! Numbers in `0..n` use Lemire's multiply-shift reduction
//! ("Fast Random Integer Generation in an Interval", ACM TOMACS 2019) without
//! the rejection step: `(x * n) >> 32` for a 32-bit `x`. The bias is at most
//! `n / 2^32`, irrelevant for choosing among a handful of branches or workers.
//!
//! # Seeding
//!
//! Each thread lazily seeds its own generator from
//! [`std::collections::hash_map::RandomState`], which the standard library
//! keys from the operating system's randomness once per thread and then
//! perturbs on every call, so two threads (or two generators made on the
//! same thread) start from different states. Under `--cfg weft_loom` the seed
//! is a constant instead: the model checker replays executions and needs
//! every one of them to take the same choices.

use std::cell::Cell;

/// A small, fast, non-cryptographic pseudo-random number generator
/// (wyrand; see the module docs).
///
/// It is deliberately not `Clone`/`Copy`: copying a generator silently
/// repeats its sequence. Each owner (a worker thread, the thread-local
/// instance behind [`thread_rng_n`]) keeps its own.
#[derive(Debug)]
pub(crate) struct FastRand {
    state: u64,
}

impl FastRand {
    /// The Weyl-sequence increment of wyrand (an odd constant, so the state
    /// visits all 2^64 values before repeating).
    const INCREMENT: u64 = 0xa076_1d64_78bd_642f;
    /// The second wyrand constant, mixed into the multiplication.
    const MIX: u64 = 0xe703_7ed1_a0b4_28db;

    /// Creates a generator that starts from `seed`. Any value is a good
    /// seed; equal seeds give equal sequences.
    pub(crate) const fn from_seed(seed: u64) -> FastRand {
        FastRand { state: seed }
    }

    /// Creates a generator seeded from the current thread's random keys
    /// (see the module docs).
    pub(crate) fn new() -> FastRand {
        FastRand::from_seed(seed())
    }

    /// Returns the next 64 pseudo-random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(Self::INCREMENT);
        let product = u128::from(self.state) * u128::from(self.state ^ Self::MIX);
        // Truncation is the point: fold the 128-bit product onto 64 bits.
        ((product >> 64) as u64) ^ (product as u64)
    }

    /// Returns a pseudo-random number in `0..n`, or 0 when `n` is 0.
    pub(crate) fn fastrand_n(&mut self, n: u32) -> u32 {
        // The high half of the 64-bit output is the best-mixed part.
        let x = (self.next_u64() >> 32) as u32;
        ((u64::from(x) * u64::from(n)) >> 32) as u32
    }
}

/// Returns a fresh 64-bit seed: random per thread and per call outside loom,
/// a constant under loom.
#[cfg(not(weft_loom))]
pub(crate) fn seed() -> u64 {
    use std::hash::BuildHasher;

    // `RandomState::new` reads this thread's OS-random keys and bumps them,
    // so every call yields a different hasher; hashing the thread id as well
    // keeps seeds apart even if two threads were handed the same keys.
    std::collections::hash_map::RandomState::new().hash_one(std::thread::current().id())
}

/// Returns a fresh 64-bit seed: random per thread and per call outside loom,
/// a constant under loom.
#[cfg(weft_loom)]
pub(crate) fn seed() -> u64 {
    0x2545_f491_4f6c_dd1d
}

#[cfg(not(weft_loom))]
std::thread_local! {
    /// This thread's generator, seeded on first use.
    static THREAD_RNG: Cell<Option<FastRand>> = const { Cell::new(None) };
}

#[cfg(weft_loom)]
loom::thread_local! {
    /// This modelled thread's generator, seeded on first use.
    static THREAD_RNG: Cell<Option<FastRand>> = Cell::new(None);
}

/// Returns a pseudo-random number in `0..n` (0 when `n` is 0) from the
/// current thread's generator.
///
/// Cheap enough to call on every poll of a `select!`: a thread-local access,
/// one multiply and a few integer operations, no locking and no allocation.
pub(crate) fn thread_rng_n(n: u32) -> u32 {
    THREAD_RNG.with(|cell| {
        let mut rng = cell.take().unwrap_or_else(FastRand::new);
        let value = rng.fastrand_n(n);
        cell.set(Some(rng));
        value
    })
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::{thread_rng_n, FastRand};

    #[test]
    fn same_seed_same_sequence() {
        let mut a = FastRand::from_seed(42);
        let mut b = FastRand::from_seed(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn different_seeds_differ() {
        let mut a = FastRand::from_seed(1);
        let mut b = FastRand::from_seed(2);
        let same = (0..64).filter(|_| a.next_u64() == b.next_u64()).count();
        assert!(same < 2, "{same} equal outputs out of 64");
    }

    #[test]
    fn zero_seed_is_fine() {
        let mut rng = FastRand::from_seed(0);
        let first = rng.next_u64();
        assert_ne!(first, 0);
        assert_ne!(first, rng.next_u64());
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistical; slow under Miri and no unsafe code")]
    fn fastrand_n_stays_in_range_and_spreads() {
        let mut rng = FastRand::from_seed(7);
        assert_eq!(rng.fastrand_n(0), 0);
        assert_eq!(rng.fastrand_n(1), 0);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            let v = rng.fastrand_n(10);
            assert!(v < 10);
            counts[v as usize] += 1;
        }
        // Each bucket expects 10_000; a fair generator stays well within 5%.
        for (bucket, &count) in counts.iter().enumerate() {
            assert!(
                (9_500..=10_500).contains(&count),
                "bucket {bucket}: {count}"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistical; slow under Miri and no unsafe code")]
    fn high_bit_is_balanced() {
        let mut rng = FastRand::from_seed(123);
        let ones = (0..100_000).filter(|_| rng.next_u64() >> 63 == 1).count();
        assert!((49_000..=51_000).contains(&ones), "{ones}");
    }

    #[test]
    fn thread_rng_n_in_range() {
        for n in 1..50 {
            assert!(thread_rng_n(n) < n);
        }
        assert_eq!(thread_rng_n(0), 0);
    }

    #[test]
    fn threads_get_different_seeds() {
        let draws: Vec<Vec<u32>> = (0..4)
            .map(|_| {
                std::thread::spawn(|| (0..8).map(|_| thread_rng_n(u32::MAX)).collect())
                    .join()
                    .unwrap()
            })
            .collect();
        for i in 0..draws.len() {
            for j in i + 1..draws.len() {
                assert_ne!(draws[i], draws[j]);
            }
        }
    }
}
