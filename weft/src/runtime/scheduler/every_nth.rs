//! "Once every `n` ticks" for the schedulers' loops, without a division.
//!
//! The loops check the driver every `event_interval` ticks and the inject
//! queue first every `global_queue_interval` ticks. Both intervals are
//! runtime settings, so `tick % n` compiled to an integer division per
//! task: measured with `perf annotate` on the `yield_many` row, the two
//! divisions of the multi-thread loop took 42% of its samples (about 6%
//! of the row). Counting costs an increment and a compare.

/// Fires on every `n`-th call of [`tick`](EveryNth::tick): the `n`-th,
/// the `2n`-th, ... (as `tick % n == 0` for a tick counted from 1).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EveryNth {
    /// Calls since the last firing.
    count: u32,
}

impl EveryNth {
    /// Counts one call; `true` on every `n`-th (`n` is at least 1: the
    /// builder rejects 0, which acts as 1).
    #[inline]
    pub(crate) fn tick(&mut self, n: u32) -> bool {
        self.count += 1;
        if self.count >= n {
            self.count = 0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EveryNth;

    #[test]
    fn fires_on_every_nth_call() {
        for n in [1, 2, 3, 31, 61] {
            let mut every = EveryNth::default();
            let fired: Vec<u32> = (1..=400).filter(|_| every.tick(n)).collect();
            let expected: Vec<u32> = (1..=400).filter(|i| i % n == 0).collect();
            assert_eq!(fired, expected, "n = {n}");
        }
        let mut zero = EveryNth::default();
        assert!((0..5).all(|_| zero.tick(0)), "0 acts as 1");
    }
}
