//! A value alone on its cache lines.

use std::ops::Deref;

/// Keeps `T` on cache lines of its own: 128 bytes, two lines, because
/// x86's adjacent-line prefetcher fetches lines in pairs (crossbeam and
/// tokio pad the same way). For fields that different threads write at
/// the same time, where sharing a line would make each write evict the
/// other thread's copy (false sharing).
#[repr(align(128))]
#[derive(Debug, Default)]
pub(crate) struct CachePadded<T>(T);

impl<T> CachePadded<T> {
    pub(crate) const fn new(value: T) -> CachePadded<T> {
        CachePadded(value)
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
