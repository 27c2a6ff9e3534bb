//! Time errors.

use crate::runtime::messages;
use std::fmt;
use std::io;

/// The error of a [`Timeout`](crate::time::Timeout) whose deadline passed
/// before its future completed.
///
/// # Examples
///
/// ```
/// use weft::time::{error::Elapsed, timeout, Duration};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let never = std::future::pending::<()>();
///     let result: Result<(), Elapsed> = timeout(Duration::from_millis(1), never).await;
///     assert!(result.is_err());
///     let io: std::io::Error = result.unwrap_err().into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}

/// A timer failure, as tokio names them: the time driver has shut down
/// ([`shutdown`](Error::shutdown)), it cannot hold another timer
/// ([`at_capacity`](Error::at_capacity)), or a duration is too long
/// ([`invalid`](Error::invalid)).
///
/// # Differences from tokio
///
/// In tokio this type describes its timer's internal results, and no
/// public function returns it either; weft has it so that code naming or
/// matching it (libraries that wrap timer errors) ports unchanged. weft's
/// timers never produce it: the wheel has no capacity limit, far
/// deadlines saturate, and a `Sleep` polled after its runtime shut down
/// panics, as in tokio.
///
/// ```
/// use weft::time::error::Error;
///
/// let err = Error::shutdown();
/// assert!(err.is_shutdown() && !err.is_at_capacity() && !err.is_invalid());
/// assert_eq!(Error::invalid().to_string(), "timer duration exceeds maximum duration");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The time driver has shut down: the timer can never fire.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether this is [`shutdown`](Error::shutdown).
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The timer cannot hold another entry now (transient).
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether this is [`at_capacity`](Error::at_capacity).
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// A duration beyond what the timer can represent.
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether this is [`invalid`](Error::invalid).
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => messages::TIMER_SHUTDOWN,
            Kind::AtCapacity => "timer is at capacity and cannot create a new entry",
            Kind::Invalid => "timer duration exceeds maximum duration",
        })
    }
}

impl std::error::Error for Error {}
