//! Time errors.

use std::error::Error;
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

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}
