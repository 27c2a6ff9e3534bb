//! Histograms of durations: their configuration (public), the buckets a
//! worker counts in, and the buckets `RuntimeMetrics` reads.
//!
//! # Design note
//!
//! A histogram is a fixed list of buckets, each a half-open range of
//! nanoseconds; the first starts at 0 and the last ends at `u64::MAX`, so
//! every value has a bucket. Two shapes exist:
//!
//! * **linear**: `n` buckets of one width (the last one open-ended);
//! * **log**: an H2 histogram (the layout of "H2 Histogram: a
//!   high-performance histogram", iop.systems, 2023, a base-2 relative of
//!   HdrHistogram). With precision `p`, values below `2^p` get one bucket
//!   each, and every range `[2^h, 2^(h+1))` above is cut into `2^p` equal
//!   buckets, so a value's bucket is at most `2^-p` of the value wide. The
//!   bucket of `v >= 2^p` is `((h - p + 1) << p) + (v >> (h - p)) - 2^p`
//!   with `h = ilog2(v)`: one `leading_zeros`, a shift and an add. The
//!   buckets below `min_value` are merged into bucket 0 and those above
//!   `max_value` into the last bucket, as tokio's `LogHistogram` does, so
//!   the same configuration gives the same buckets on both runtimes;
//! * the **legacy log** shape of the deprecated `HistogramScale::Log`:
//!   bucket `i > 0` covers `[r << (i - 1), r << i)` for a power of two `r`.
//!
//! Counting is split like the other per-worker counters (`stats.rs` of the
//! multi-thread scheduler): the worker adds to a [`HistogramBatch`] of
//! plain integers, and copies it into the [`Histogram`]'s atomics with
//! relaxed stores when it publishes (every `event_interval` ticks and at
//! each park). Readers may see a bucket one publish old, never a torn one.

use crate::loom::{AtomicU64, Ordering::Relaxed};
use std::error::Error;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// Nanoseconds in `duration`, saturating at `u64::MAX` (584 years).
pub(crate) fn duration_ns(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Whether the buckets of a histogram grow linearly or exponentially; the
/// argument of the deprecated
/// [`Builder::metrics_poll_count_histogram_scale`](crate::runtime::Builder::metrics_poll_count_histogram_scale).
///
/// New code configures a histogram with [`HistogramConfiguration`]
/// instead, whose [`log`](HistogramConfiguration::log) shape is finer at
/// the same number of buckets.
///
/// # Examples
///
/// ```
/// use weft::runtime::HistogramScale;
///
/// # #[allow(deprecated)]
/// let rt = weft::runtime::Builder::new_current_thread()
///     .enable_metrics_poll_time_histogram()
///     .metrics_poll_count_histogram_scale(HistogramScale::Log)
///     .build()?;
/// assert!(rt.metrics().poll_time_histogram_enabled());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Copy, Clone, Eq, PartialEq)]
#[non_exhaustive]
pub enum HistogramScale {
    /// Every bucket is as wide as the resolution.
    Linear,
    /// Each bucket is twice as wide as the one before it (the resolution,
    /// rounded up to a power of two, is the width of the second).
    Log,
}

/// The shape of a duration histogram: the argument of
/// [`Builder::metrics_poll_time_histogram_configuration`] and
/// [`Builder::metrics_schedule_latency_histogram_configuration`].
///
/// The default (used when a histogram is enabled without a
/// configuration) is [`linear`](HistogramConfiguration::linear) with 10
/// buckets of 100 µs.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::runtime::{HistogramConfiguration, LogHistogram};
///
/// let rt = weft::runtime::Builder::new_current_thread()
///     .enable_metrics_poll_time_histogram()
///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
///         Duration::from_micros(10),
///         100,
///     ))
///     .enable_metrics_schedule_latency_histogram()
///     .metrics_schedule_latency_histogram_configuration(HistogramConfiguration::log(
///         LogHistogram::default(),
///     ))
///     .build()?;
/// let metrics = rt.metrics();
/// assert_eq!(metrics.poll_time_histogram_num_buckets(), 100);
/// assert_eq!(
///     metrics.poll_time_histogram_bucket_range(1),
///     Duration::from_micros(10)..Duration::from_micros(20)
/// );
/// assert!(metrics.schedule_latency_histogram_num_buckets() > 0);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`Builder::metrics_poll_time_histogram_configuration`]: crate::runtime::Builder::metrics_poll_time_histogram_configuration
/// [`Builder::metrics_schedule_latency_histogram_configuration`]: crate::runtime::Builder::metrics_schedule_latency_histogram_configuration
#[derive(Debug, Clone)]
pub struct HistogramConfiguration {
    pub(crate) inner: HistogramType,
}

impl HistogramConfiguration {
    /// `num_buckets` buckets, each `bucket_width` wide; the last one also
    /// holds every longer duration.
    ///
    /// # Panics
    ///
    /// If `bucket_width` is zero or `num_buckets` is zero.
    ///
    /// # Differences from tokio
    ///
    /// tokio accepts a zero width or count here and fails later, when the
    /// first value is recorded (a division by zero on a worker). weft
    /// panics here, where the mistake is.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::HistogramConfiguration;
    ///
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
    ///         Duration::from_millis(1),
    ///         5,
    ///     ))
    ///     .build()?;
    /// let metrics = rt.metrics();
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(4),
    ///     Duration::from_millis(4)..Duration::from_nanos(u64::MAX)
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn linear(bucket_width: Duration, num_buckets: usize) -> HistogramConfiguration {
        let bucket_width = duration_ns(bucket_width);
        assert!(bucket_width > 0, "a histogram bucket cannot be 0 ns wide");
        assert!(num_buckets > 0, "a histogram needs at least one bucket");
        HistogramConfiguration {
            inner: HistogramType::Linear {
                bucket_width,
                num_buckets,
            },
        }
    }

    /// A log-scaled (H2) histogram; see [`LogHistogramBuilder`] for its
    /// settings and their defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::{HistogramConfiguration, LogHistogram};
    ///
    /// let log = LogHistogram::builder()
    ///     .min_value(Duration::from_micros(1))
    ///     .max_value(Duration::from_secs(1))
    ///     .max_error(0.25)
    ///     .build();
    /// let rt = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(log))
    ///     .build()?;
    /// assert_eq!(rt.metrics().poll_time_histogram_num_buckets(), log.num_buckets());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn log(configuration: impl Into<LogHistogram>) -> HistogramConfiguration {
        HistogramConfiguration {
            inner: HistogramType::Log(configuration.into()),
        }
    }
}

/// The default log histogram's smallest precisely measured value.
const DEFAULT_MIN_VALUE: Duration = Duration::from_nanos(100);
/// The default log histogram's largest precisely measured value.
const DEFAULT_MAX_VALUE: Duration = Duration::from_secs(60);
/// The default precision: buckets at most 2^-2 = 25 % of their values.
const DEFAULT_PRECISION: u32 = 2;
/// The finest precision: 2^-10, about 0.1 %.
const MAX_PRECISION: u32 = 10;

/// A log-scaled (H2) histogram configuration: bucket widths grow with the
/// values, so that each bucket is at most a fixed fraction (`2^-p`) of the
/// values it holds. Bucket 0 runs from 0 to about `min_value`; the last
/// bucket holds everything above about `max_value`.
///
/// Build one with [`LogHistogram::builder`]; the default is a minimum of
/// 100 ns, a maximum of 60 s and a precision of 25 % (`p = 2`), in 119
/// buckets.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::runtime::LogHistogram;
///
/// let histogram = LogHistogram::builder()
///     .max_value(Duration::from_secs(1))
///     .build();
/// // Values up to the maximum are resolved; above it, one last bucket.
/// assert!(histogram.max_value() >= 1_000_000_000);
/// assert!(histogram.num_buckets() > 2);
/// ```
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub struct LogHistogram {
    num_buckets: usize,
    /// Precision: a bucket is at most `2^-p` of its values wide.
    p: u32,
    /// H2 buckets below this index are merged into bucket 0.
    bucket_offset: usize,
}

impl Default for LogHistogram {
    fn default() -> LogHistogram {
        LogHistogramBuilder::default().build()
    }
}

impl LogHistogram {
    /// A builder with the default settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::LogHistogram;
    ///
    /// assert_eq!(LogHistogram::builder().build(), LogHistogram::default());
    /// ```
    pub fn builder() -> LogHistogramBuilder {
        LogHistogramBuilder::default()
    }

    /// The largest value, in nanoseconds, that falls in a bucket of its
    /// own size class; larger values all fall in the last bucket.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::LogHistogram;
    ///
    /// let histogram = LogHistogram::builder().max_value(Duration::from_millis(10)).build();
    /// assert!(histogram.max_value() >= 10_000_000);
    /// ```
    pub fn max_value(&self) -> u64 {
        self.bucket_range(self.num_buckets - 2).end
    }

    /// The number of buckets of this configuration.
    ///
    /// # Differences from tokio
    ///
    /// tokio keeps this private (the runtime's
    /// `poll_time_histogram_num_buckets` tells it once built); weft shows
    /// it so that a configuration can be sized before a runtime uses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::LogHistogram;
    ///
    /// let exact = LogHistogram::builder().precision_exact(0).build();
    /// let fine = LogHistogram::builder().precision_exact(4).build();
    /// assert!(fine.num_buckets() > exact.num_buckets());
    /// ```
    pub fn num_buckets(&self) -> usize {
        self.num_buckets
    }

    /// The H2 bucket of `value`, before merging (no offset, no cap).
    fn h2_index(value: u64, p: u32) -> u64 {
        if value < (1 << p) {
            return value;
        }
        let h = value.ilog2();
        let w = h - p;
        (u64::from(w + 1) << p) + (value >> w) - (1 << p)
    }

    /// The range of H2 bucket `index` (before merging).
    fn h2_range(index: u64, p: u32) -> Range<u64> {
        if index < (1 << p) {
            return index..index + 1;
        }
        let w = (index >> p) - 1;
        let mantissa: u64 = (1 << p) + (index & ((1 << p) - 1));
        // The top bucket ends at 2^64: saturate.
        let end = (mantissa + 1).saturating_mul(1 << w);
        (mantissa << w)..end
    }

    fn value_to_bucket(&self, value: u64) -> usize {
        let index = Self::h2_index(value, self.p).saturating_sub(self.bucket_offset as u64);
        index.min(self.num_buckets as u64 - 1) as usize
    }

    fn bucket_range(&self, bucket: usize) -> Range<u64> {
        let Range { start, end } = Self::h2_range((bucket + self.bucket_offset) as u64, self.p);
        let start = if bucket == 0 { 0 } else { start };
        let end = if bucket == self.num_buckets - 1 {
            u64::MAX
        } else {
            end
        };
        start..end
    }
}

/// Settings of a [`LogHistogram`]: its smallest and largest precisely
/// measured values and its precision.
///
/// Defaults: `min_value` 100 ns, `max_value` 60 s, precision 25 %
/// (`precision_exact(2)`): 119 buckets.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft::runtime::LogHistogram;
///
/// let histogram = LogHistogram::builder()
///     .min_value(Duration::from_micros(10))
///     .max_value(Duration::from_secs(10))
///     .max_error(0.25)
///     .max_buckets(200)
///     .expect("fits in 200 buckets");
/// assert!(histogram.num_buckets() <= 200);
/// ```
#[derive(Default, Debug, Copy, Clone)]
pub struct LogHistogramBuilder {
    max_value: Option<Duration>,
    min_value: Option<Duration>,
    precision: Option<u32>,
}

impl From<LogHistogramBuilder> for LogHistogram {
    fn from(builder: LogHistogramBuilder) -> LogHistogram {
        builder.build()
    }
}

impl LogHistogramBuilder {
    /// Sets the precision to the coarsest `2^-p` (with `p` from 2 to 10)
    /// that is at most `max_error`; at most 2^-10 (about 0.1 %).
    ///
    /// # Panics
    ///
    /// If `max_error` is not strictly between 0 and 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::LogHistogram;
    ///
    /// let coarse = LogHistogram::builder().max_error(0.25).build();
    /// let fine = LogHistogram::builder().max_error(0.01).build();
    /// assert!(fine.num_buckets() > coarse.num_buckets());
    /// ```
    #[track_caller]
    pub fn max_error(mut self, max_error: f64) -> LogHistogramBuilder {
        assert!(max_error > 0.0, "max_error must be greater than 0");
        assert!(max_error < 1.0, "max_error must be less than 1");
        let mut p = DEFAULT_PRECISION;
        // `2^-p` by an exact division, not `powi` (whose result need not be
        // exact: Miri rounds such calls differently, for one).
        while p < MAX_PRECISION && 1.0 / (1u64 << p) as f64 > max_error {
            p += 1;
        }
        self.precision = Some(p);
        self
    }

    /// Sets the precision to exactly `2^-p`: each power-of-two range of
    /// values is cut into `2^p` buckets. `p = 0` makes every bucket twice
    /// as wide as the one before (the legacy [`HistogramScale::Log`]).
    ///
    /// # Panics
    ///
    /// If `p > 10`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::LogHistogram;
    ///
    /// let doubling = LogHistogram::builder()
    ///     .min_value(Duration::from_micros(20))
    ///     .max_value(Duration::from_millis(4))
    ///     .precision_exact(0)
    ///     .build();
    /// assert_eq!(doubling.num_buckets(), 10);
    /// ```
    #[track_caller]
    pub fn precision_exact(mut self, p: u32) -> LogHistogramBuilder {
        assert!(p <= MAX_PRECISION, "precision must be <= {MAX_PRECISION}");
        self.precision = Some(p);
        self
    }

    /// Sets the smallest duration measured precisely: bucket 0 holds
    /// everything below it (it is at most this wide). A larger minimum
    /// saves buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::LogHistogram;
    ///
    /// let from_1us = LogHistogram::builder().min_value(Duration::from_micros(1)).build();
    /// assert!(from_1us.num_buckets() < LogHistogram::default().num_buckets());
    /// ```
    pub fn min_value(mut self, duration: Duration) -> LogHistogramBuilder {
        self.min_value = Some(duration);
        self
    }

    /// Sets the largest duration measured precisely; longer ones all fall
    /// in the last bucket, which ends at `u64::MAX` ns.
    ///
    /// # Panics
    ///
    /// If `duration` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::LogHistogram;
    ///
    /// let histogram = LogHistogram::builder().max_value(Duration::from_secs(120)).build();
    /// assert!(histogram.max_value() >= 120_000_000_000);
    /// ```
    #[track_caller]
    pub fn max_value(mut self, duration: Duration) -> LogHistogramBuilder {
        assert!(!duration.is_zero(), "max value must be greater than 0");
        self.max_value = Some(duration);
        self
    }

    /// Builds the histogram, or fails if it would need more than
    /// `max_buckets` buckets.
    ///
    /// # Errors
    ///
    /// [`InvalidHistogramConfiguration::TooManyBuckets`], with the number
    /// the settings need.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::{InvalidHistogramConfiguration, LogHistogram};
    ///
    /// let err = LogHistogram::builder().max_error(0.001).max_buckets(10).unwrap_err();
    /// assert!(matches!(
    ///     err,
    ///     InvalidHistogramConfiguration::TooManyBuckets { required_bucket_count } if required_bucket_count > 10
    /// ));
    /// ```
    pub fn max_buckets(
        &mut self,
        max_buckets: usize,
    ) -> Result<LogHistogram, InvalidHistogramConfiguration> {
        let histogram = self.build();
        if histogram.num_buckets > max_buckets {
            return Err(InvalidHistogramConfiguration::TooManyBuckets {
                required_bucket_count: histogram.num_buckets,
            });
        }
        Ok(histogram)
    }

    /// Builds the histogram.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::LogHistogram;
    ///
    /// let histogram = LogHistogram::builder().max_value(Duration::from_secs(1)).build();
    /// assert!(histogram.num_buckets() < LogHistogram::default().num_buckets());
    /// ```
    pub fn build(&self) -> LogHistogram {
        let p = self.precision.unwrap_or(DEFAULT_PRECISION);
        let min_value = duration_ns(self.min_value.unwrap_or(DEFAULT_MIN_VALUE));
        let max_value = duration_ns(self.max_value.unwrap_or(DEFAULT_MAX_VALUE)).max(1);
        // The bucket just below the minimum's becomes bucket 0, so bucket
        // 0 is never wider than the minimum asks.
        let bucket_offset = (LogHistogram::h2_index(min_value, p).max(1) - 1) as usize;
        // H2 buckets up to the power of two at or above the maximum (at
        // least one full group of 2^p buckets past the unit ones).
        let top_power = max_value
            .checked_next_power_of_two()
            .map_or(63, u64::ilog2)
            .max(p);
        let h2_buckets = ((top_power - p + 2) as usize) << p;
        let mut histogram = LogHistogram {
            num_buckets: h2_buckets.saturating_sub(bucket_offset).max(2),
            p,
            bucket_offset,
        };
        // Drop the buckets past the one that holds `max_value`: the last
        // resolved bucket is the first that reaches it, and one
        // open-ended bucket follows.
        while histogram.num_buckets > 2
            && histogram.bucket_range(histogram.num_buckets - 3).end >= max_value
        {
            histogram.num_buckets -= 1;
        }
        histogram
    }
}

/// Why a histogram configuration was refused.
///
/// # Examples
///
/// ```
/// use weft::runtime::LogHistogram;
///
/// let err = LogHistogram::builder().max_buckets(1).unwrap_err();
/// assert!(err.to_string().contains("buckets"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum InvalidHistogramConfiguration {
    /// The settings need more buckets than the given maximum.
    TooManyBuckets {
        /// How many buckets the settings need.
        required_bucket_count: usize,
    },
}

impl fmt::Display for InvalidHistogramConfiguration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidHistogramConfiguration::TooManyBuckets {
                required_bucket_count,
            } => write!(
                f,
                "the histogram configuration needs {required_bucket_count} buckets, more than allowed"
            ),
        }
    }
}

impl Error for InvalidHistogramConfiguration {}

/// A histogram's shape, shared by its configuration, its batch and its
/// published buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistogramType {
    Linear {
        bucket_width: u64,
        num_buckets: usize,
    },
    /// The deprecated `HistogramScale::Log`: bucket `i > 0` covers
    /// `[first << (i - 1), first << i)`, `first` a power of two.
    LegacyLog {
        first_bucket_width: u64,
        num_buckets: usize,
    },
    Log(LogHistogram),
}

impl HistogramType {
    pub(crate) fn num_buckets(&self) -> usize {
        match self {
            HistogramType::Linear { num_buckets, .. }
            | HistogramType::LegacyLog { num_buckets, .. } => *num_buckets,
            HistogramType::Log(log) => log.num_buckets,
        }
    }

    fn value_to_bucket(&self, value: u64) -> usize {
        match *self {
            HistogramType::Linear {
                bucket_width,
                num_buckets,
            } => (value / bucket_width).min(num_buckets as u64 - 1) as usize,
            HistogramType::LegacyLog {
                first_bucket_width,
                num_buckets,
            } => {
                if value < first_bucket_width {
                    0
                } else {
                    // Bucket i >= 1 holds [first << (i - 1), first << i).
                    let doublings = value.ilog2() - first_bucket_width.ilog2();
                    (doublings as usize + 1).min(num_buckets - 1)
                }
            }
            HistogramType::Log(log) => log.value_to_bucket(value),
        }
    }

    /// The range of `bucket`, in ns.
    ///
    /// # Panics
    ///
    /// If `bucket` is not a bucket of this shape.
    #[track_caller]
    pub(crate) fn bucket_range(&self, bucket: usize) -> Range<u64> {
        let num_buckets = self.num_buckets();
        assert!(
            bucket < num_buckets,
            "bucket index {bucket} out of range: the histogram has {num_buckets} bucket(s)"
        );
        let last = bucket == num_buckets - 1;
        match *self {
            HistogramType::Linear { bucket_width, .. } => {
                let start = bucket_width.saturating_mul(bucket as u64);
                let end = if last {
                    u64::MAX
                } else {
                    start.saturating_add(bucket_width)
                };
                start..end
            }
            HistogramType::LegacyLog {
                first_bucket_width, ..
            } => {
                let edge = |i: usize| {
                    first_bucket_width
                        .checked_shl(i as u32)
                        .filter(|&v| v >> i == first_bucket_width)
                        .unwrap_or(u64::MAX)
                };
                let start = if bucket == 0 { 0 } else { edge(bucket - 1) };
                let end = if last { u64::MAX } else { edge(bucket) };
                start..end
            }
            HistogramType::Log(log) => log.bucket_range(bucket),
        }
    }
}

/// The histogram settings a `Builder` holds: the shape set through
/// `HistogramConfiguration`, unless the deprecated scale, resolution or
/// bucket-count setters were used (then those win, as in tokio).
#[derive(Debug, Clone)]
pub(crate) struct HistogramSettings {
    shape: HistogramType,
    legacy: Option<LegacySettings>,
}

#[derive(Debug, Clone, Copy)]
struct LegacySettings {
    scale: HistogramScale,
    resolution: u64,
    num_buckets: usize,
}

impl Default for HistogramSettings {
    fn default() -> HistogramSettings {
        HistogramSettings {
            shape: HistogramType::Linear {
                bucket_width: 100_000,
                num_buckets: 10,
            },
            legacy: None,
        }
    }
}

impl HistogramSettings {
    pub(crate) fn set(&mut self, configuration: HistogramConfiguration) {
        self.shape = configuration.inner;
    }

    fn legacy(&mut self) -> &mut LegacySettings {
        self.legacy.get_or_insert(LegacySettings {
            scale: HistogramScale::Linear,
            resolution: 100_000,
            num_buckets: 10,
        })
    }

    pub(crate) fn set_legacy_scale(&mut self, scale: HistogramScale) {
        self.legacy().scale = scale;
    }

    pub(crate) fn set_legacy_resolution(&mut self, resolution: u64) {
        self.legacy().resolution = resolution;
    }

    pub(crate) fn set_legacy_buckets(&mut self, num_buckets: usize) {
        self.legacy().num_buckets = num_buckets;
    }

    /// The shape the runtime will use.
    ///
    /// # Panics
    ///
    /// If the deprecated setters asked for zero buckets.
    #[track_caller]
    pub(crate) fn shape(&self) -> HistogramType {
        let Some(legacy) = self.legacy else {
            return self.shape;
        };
        assert!(
            legacy.num_buckets > 0,
            "a histogram needs at least one bucket"
        );
        match legacy.scale {
            HistogramScale::Linear => HistogramType::Linear {
                bucket_width: legacy.resolution,
                num_buckets: legacy.num_buckets,
            },
            HistogramScale::Log => HistogramType::LegacyLog {
                first_bucket_width: legacy.resolution.next_power_of_two(),
                num_buckets: legacy.num_buckets,
            },
        }
    }
}

/// The published buckets of one worker's histogram, and the sum of the
/// values counted.
#[derive(Debug)]
pub(crate) struct Histogram {
    shape: HistogramType,
    buckets: Box<[AtomicU64]>,
    sum_ns: AtomicU64,
}

impl Histogram {
    pub(crate) fn new(shape: HistogramType) -> Histogram {
        Histogram {
            shape,
            buckets: (0..shape.num_buckets())
                .map(|_| AtomicU64::new(0))
                .collect(),
            sum_ns: AtomicU64::new(0),
        }
    }

    pub(crate) fn shape(&self) -> &HistogramType {
        &self.shape
    }

    /// The published count of `bucket`.
    ///
    /// # Panics
    ///
    /// If `bucket` is out of range.
    #[track_caller]
    pub(crate) fn get(&self, bucket: usize) -> u64 {
        let num_buckets = self.buckets.len();
        assert!(
            bucket < num_buckets,
            "bucket index {bucket} out of range: the histogram has {num_buckets} bucket(s)"
        );
        self.buckets[bucket].load(Relaxed)
    }

    /// The published sum of every value counted, in ns (saturating).
    pub(crate) fn sum_ns(&self) -> u64 {
        self.sum_ns.load(Relaxed)
    }
}

/// A worker's own counts for one histogram, published into a
/// [`Histogram`] of the same shape.
#[derive(Debug)]
pub(crate) struct HistogramBatch {
    shape: HistogramType,
    buckets: Box<[u64]>,
    sum_ns: u64,
}

impl HistogramBatch {
    pub(crate) fn new(shape: HistogramType) -> HistogramBatch {
        HistogramBatch {
            shape,
            buckets: vec![0; shape.num_buckets()].into_boxed_slice(),
            sum_ns: 0,
        }
    }

    /// Counts one value (ns).
    pub(crate) fn record(&mut self, value: u64) {
        let bucket = self.shape.value_to_bucket(value);
        self.buckets[bucket] += 1;
        self.sum_ns = self.sum_ns.saturating_add(value);
    }

    /// Copies the counts into `to` (relaxed stores: each bucket is a
    /// counter read on its own).
    pub(crate) fn publish(&self, to: &Histogram) {
        debug_assert_eq!(self.shape, to.shape);
        for (count, published) in self.buckets.iter().zip(to.buckets.iter()) {
            published.store(*count, Relaxed);
        }
        to.sum_ns.store(self.sum_ns, Relaxed);
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    /// Every bucket's range starts where the previous ended, and every
    /// value maps to the bucket whose range holds it.
    fn check_consistent(shape: HistogramType) {
        let n = shape.num_buckets();
        assert_eq!(shape.bucket_range(0).start, 0);
        assert_eq!(shape.bucket_range(n - 1).end, u64::MAX);
        for b in 0..n {
            let range = shape.bucket_range(b);
            assert!(range.start < range.end, "{shape:?} bucket {b}: {range:?}");
            if b > 0 {
                assert_eq!(
                    shape.bucket_range(b - 1).end,
                    range.start,
                    "{shape:?} bucket {b}"
                );
            }
            for v in [
                range.start,
                range.end - 1,
                range.start + (range.end - range.start) / 2,
            ] {
                assert_eq!(shape.value_to_bucket(v), b, "{shape:?} value {v}");
            }
        }
        assert_eq!(shape.value_to_bucket(u64::MAX), n - 1);
    }

    #[test]
    fn linear_buckets() {
        let shape = HistogramConfiguration::linear(Duration::from_micros(100), 10).inner;
        assert_eq!(shape.bucket_range(0), 0..100_000);
        assert_eq!(shape.bucket_range(3), 300_000..400_000);
        assert_eq!(shape.bucket_range(9), 900_000..u64::MAX);
        assert_eq!(shape.value_to_bucket(99_999), 0);
        assert_eq!(shape.value_to_bucket(100_000), 1);
        assert_eq!(shape.value_to_bucket(5_000_000_000), 9);
        check_consistent(shape);
        check_consistent(HistogramConfiguration::linear(Duration::from_nanos(1), 1).inner);
    }

    #[test]
    fn legacy_log_buckets() {
        let mut settings = HistogramSettings::default();
        settings.set_legacy_scale(HistogramScale::Log);
        settings.set_legacy_resolution(100);
        let shape = settings.shape();
        // 100 rounds up to 128.
        assert_eq!(shape.bucket_range(0), 0..128);
        assert_eq!(shape.bucket_range(1), 128..256);
        assert_eq!(shape.bucket_range(2), 256..512);
        assert_eq!(shape.bucket_range(9), 128 << 8..u64::MAX);
        check_consistent(shape);
    }

    #[test]
    fn legacy_linear_overrides_configuration() {
        let mut settings = HistogramSettings::default();
        settings.set(HistogramConfiguration::log(LogHistogram::default()));
        settings.set_legacy_buckets(3);
        assert_eq!(
            settings.shape(),
            HistogramType::Linear {
                bucket_width: 100_000,
                num_buckets: 3
            }
        );
    }

    #[test]
    fn h2_index_and_range_agree() {
        for p in 0..=MAX_PRECISION {
            let mut expected_start = 0;
            for index in 0..(20u64 << p) {
                let range = LogHistogram::h2_range(index, p);
                assert_eq!(range.start, expected_start, "p={p} index={index}");
                assert_eq!(LogHistogram::h2_index(range.start, p), index);
                assert_eq!(LogHistogram::h2_index(range.end - 1, p), index);
                // The width is at most 2^-p of the values (beyond unit ones).
                if range.end - range.start > 1 {
                    assert!(
                        (range.end - range.start) << p <= range.start,
                        "p={p} {range:?}"
                    );
                }
                expected_start = range.end;
            }
        }
    }

    #[test]
    fn log_buckets_cover_min_to_max() {
        for builder in [
            LogHistogram::builder(),
            LogHistogram::builder().precision_exact(0),
            LogHistogram::builder().max_error(0.01),
            LogHistogram::builder()
                .min_value(Duration::from_micros(20))
                .max_value(Duration::from_millis(4)),
            LogHistogram::builder()
                .min_value(Duration::ZERO)
                .max_value(Duration::from_nanos(1)),
            LogHistogram::builder().max_value(Duration::MAX),
        ] {
            let log = builder.build();
            let shape = HistogramType::Log(log);
            check_consistent(shape);
            let min = duration_ns(builder.min_value.unwrap_or(DEFAULT_MIN_VALUE));
            let max = duration_ns(builder.max_value.unwrap_or(DEFAULT_MAX_VALUE));
            // Bucket 0 is no wider than the minimum (at least 1 ns).
            assert!(shape.bucket_range(0).end <= min.max(1), "{log:?}");
            // The last resolved bucket reaches the maximum, the one before
            // it does not (no bucket wasted).
            let n = log.num_buckets();
            assert!(log.max_value() >= max.min(1 << 63), "{log:?}");
            if n > 2 {
                assert!(shape.bucket_range(n - 3).end < max, "{log:?}");
            }
        }
    }

    /// The bucket counts tokio's builder gives for the same settings.
    #[test]
    fn bucket_counts_match_the_h2_layout() {
        assert_eq!(LogHistogram::default().num_buckets(), 119);
        let fine = LogHistogram::builder()
            .max_value(Duration::from_secs(120))
            .min_value(Duration::from_nanos(100))
            .max_error(0.1)
            .build();
        assert_eq!(fine.num_buckets(), 485);
    }

    #[test]
    fn precision_zero_doubles() {
        let log = LogHistogram::builder()
            .min_value(Duration::from_micros(20))
            .max_value(Duration::from_millis(4))
            .precision_exact(0)
            .build();
        let shape = HistogramType::Log(log);
        assert_eq!(log.num_buckets(), 10);
        assert_eq!(shape.bucket_range(0), 0..16_384);
        assert_eq!(shape.bucket_range(1), 16_384..32_768);
        assert_eq!(shape.bucket_range(8), 2_097_152..4_194_304);
        assert_eq!(shape.bucket_range(9), 4_194_304..u64::MAX);
    }

    #[test]
    fn max_error_picks_precision() {
        assert_eq!(LogHistogram::builder().max_error(0.25).build().p, 2);
        assert_eq!(LogHistogram::builder().max_error(0.9).build().p, 2);
        assert_eq!(LogHistogram::builder().max_error(0.1).build().p, 4);
        assert_eq!(
            LogHistogram::builder().max_error(1e-9).build().p,
            MAX_PRECISION
        );
    }

    #[test]
    fn batch_publishes_counts_and_sum() {
        let shape = HistogramConfiguration::linear(Duration::from_nanos(10), 3).inner;
        let mut batch = HistogramBatch::new(shape);
        let published = Histogram::new(shape);
        for v in [0, 5, 15, 25, 1000] {
            batch.record(v);
        }
        assert_eq!(published.get(0), 0);
        batch.publish(&published);
        assert_eq!(
            [published.get(0), published.get(1), published.get(2)],
            [2, 1, 2]
        );
        assert_eq!(published.sum_ns(), 1045);
    }

    #[test]
    #[should_panic(expected = "0 ns wide")]
    fn zero_width_panics() {
        HistogramConfiguration::linear(Duration::ZERO, 3);
    }
}
