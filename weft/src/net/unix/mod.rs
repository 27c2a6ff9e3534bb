//! Unix domain sockets: [`UnixListener`] and [`UnixStream`] for streams,
//! [`UnixDatagram`] for datagrams.
//!
//! Binding to a path creates the socket file; it is not removed when the
//! socket closes (remove it yourself before binding again).
//!
//! # Differences from tokio
//!
//! [`SocketAddr`] is
//! `std::os::unix::net::SocketAddr` itself (tokio wraps
//! it in a type with the same `is_unnamed` / `as_pathname` methods).
//! The `pipe` module (FIFOs) is not implemented yet.

mod datagram;
mod listener;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;
pub use ucred::UCred;

/// The address of a Unix socket: a path, or unnamed (an unbound socket,
/// one end of a `pair`).
pub use std::os::unix::net::SocketAddr;
