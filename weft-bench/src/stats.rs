//! Sample statistics and the direction of a ratio.

/// Which way is better for a workload's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Times and bytes: a ratio weft/other below 1.0 means weft is better.
    LowerIsBetter,
    /// Throughputs: a ratio weft/other above 1.0 means weft is better.
    HigherIsBetter,
}

impl Direction {
    /// The JSON spelling.
    pub fn name(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower_is_better",
            Direction::HigherIsBetter => "higher_is_better",
        }
    }

    /// A short arrow for tables and charts.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::LowerIsBetter => "lower is better",
            Direction::HigherIsBetter => "higher is better",
        }
    }

    /// "better", "worse", or "even" (within half a percent of 1.0, where a
    /// two-decimal ratio would print as 1.00) for weft, reading `ratio`.
    pub fn verdict(self, ratio: f64) -> &'static str {
        if (ratio - 1.0).abs() < 0.005 {
            "even"
        } else if self.weft_better(ratio) {
            "better"
        } else {
            "worse"
        }
    }

    /// Whether `ratio` (weft/other) says weft did better.
    pub fn weft_better(self, ratio: f64) -> bool {
        match self {
            Direction::LowerIsBetter => ratio < 1.0,
            Direction::HigherIsBetter => ratio > 1.0,
        }
    }
}

/// What a workload's samples measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Printed after the numbers ("µs", "ns/task", "B/task", "msg/s").
    pub label: &'static str,
    /// Which way is better.
    pub direction: Direction,
}

impl Unit {
    /// Microseconds per iteration.
    pub const MICROS: Unit = Unit::lower("µs");
    /// Messages per second.
    pub const MSG_PER_SEC: Unit = Unit {
        label: "msg/s",
        direction: Direction::HigherIsBetter,
    };

    /// A unit where lower is better.
    pub const fn lower(label: &'static str) -> Unit {
        Unit {
            label,
            direction: Direction::LowerIsBetter,
        }
    }
}

/// Median and range of one runtime's samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The middle sample (mean of the two middle ones for an even count).
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
}

impl Summary {
    /// Summarizes `samples`; `None` when there are none or one is not a
    /// finite number (a broken measurement is reported, not averaged in).
    ///
    /// ```
    /// use weft_bench::stats::Summary;
    ///
    /// let s = Summary::of(vec![4.0, 1.0, 10.0, 2.0]).ok_or("no samples")?;
    /// assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
    /// # Ok::<(), &str>(())
    /// ```
    pub fn of(samples: Vec<f64>) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            samples,
        })
    }
}

/// The ratio weft/other of two medians, always in that direction (never
/// inverted for throughputs: the unit's [`Direction`] says how to read it).
/// `None` when `other` is zero.
///
/// ```
/// use weft_bench::stats::{ratio, Direction, Summary};
///
/// let weft = Summary::of(vec![300.0]).ok_or("empty")?; // msg/s
/// let tokio = Summary::of(vec![200.0]).ok_or("empty")?;
/// let r = ratio(&weft, &tokio).ok_or("zero")?;
/// assert_eq!(r, 1.5);
/// assert!(Direction::HigherIsBetter.weft_better(r));
/// # Ok::<(), &str>(())
/// ```
pub fn ratio(weft: &Summary, other: &Summary) -> Option<f64> {
    if other.median == 0.0 {
        None
    } else {
        Some(weft.median / other.median)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_count_is_middle_sample() {
        let s = Summary::of(vec![5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
        assert_eq!(s.samples, vec![5.0, 1.0, 3.0], "samples keep their order");
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        let s = Summary::of(vec![4.0, 1.0, 10.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
    }

    #[test]
    fn single_sample_is_its_own_median_and_range() {
        let s = Summary::of(vec![7.5]).unwrap();
        assert_eq!((s.median, s.min, s.max), (7.5, 7.5, 7.5));
    }

    #[test]
    fn empty_or_non_finite_samples_have_no_summary() {
        assert!(Summary::of(vec![]).is_none());
        assert!(Summary::of(vec![1.0, f64::NAN]).is_none());
        assert!(Summary::of(vec![f64::INFINITY]).is_none());
    }

    #[test]
    fn ratio_is_weft_over_other_for_both_directions() {
        let weft = Summary::of(vec![2.0]).unwrap();
        let other = Summary::of(vec![4.0]).unwrap();
        assert_eq!(ratio(&weft, &other), Some(0.5));
        assert_eq!(ratio(&other, &weft), Some(2.0));
        let zero = Summary::of(vec![0.0]).unwrap();
        assert_eq!(ratio(&weft, &zero), None);
    }

    #[test]
    fn direction_decides_which_side_of_one_is_better() {
        assert!(Direction::LowerIsBetter.weft_better(0.8));
        assert!(!Direction::LowerIsBetter.weft_better(1.2));
        assert!(Direction::HigherIsBetter.weft_better(1.2));
        assert!(!Direction::HigherIsBetter.weft_better(0.8));
        assert!(!Direction::LowerIsBetter.weft_better(1.0));
        assert!(!Direction::HigherIsBetter.weft_better(1.0));
        assert_eq!(Direction::LowerIsBetter.verdict(0.9), "better");
        assert_eq!(Direction::LowerIsBetter.verdict(1.004), "even");
        assert_eq!(Direction::HigherIsBetter.verdict(0.996), "even");
        assert_eq!(Direction::HigherIsBetter.verdict(0.9), "worse");
        assert_eq!(Unit::MICROS.direction, Direction::LowerIsBetter);
        assert_eq!(Unit::MSG_PER_SEC.direction, Direction::HigherIsBetter);
    }
}
