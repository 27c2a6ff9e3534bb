//! Asynchronous I/O: traits, utilities, and the driver that waits on the OS.

// driver: the reactor (lead)
// The sockets of `weft::net` (issue 4, in progress) are the driver's
// users; until they land only its tests use much of it.
#[cfg(feature = "rt")]
#[allow(dead_code, unused_imports)]
pub(crate) mod driver;
