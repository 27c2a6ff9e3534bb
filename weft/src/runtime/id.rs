//! Runtime identifiers.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// An opaque identifier of a runtime, unique for the life of the process.
///
/// Get it with [`Handle::id`](crate::runtime::Handle::id). Ids are handed
/// out in order as runtimes are built and never reused; tokio promises only
/// uniqueness among running runtimes, which this satisfies.
///
/// # Examples
///
/// ```
/// use weft::runtime::{Builder, Handle};
///
/// let a = Builder::new_current_thread().build()?;
/// let b = Builder::new_current_thread().build()?;
/// assert_ne!(a.handle().id(), b.handle().id());
/// a.block_on(async {
///     println!("running on runtime {}", Handle::current().id());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    /// The next id. A counter with no ordering role (nothing is published
    /// through it), so it is `std`'s atomic, not loom's.
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Relaxed);
        Id(NonZeroU64::new(id).expect("2^64 runtime ids are never handed out"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
