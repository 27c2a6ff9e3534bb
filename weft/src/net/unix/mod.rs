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
//! `UnixStream::peer_cred` (with `UCred`) and the `pipe` module are not
//! implemented yet.

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;

/// The address of a Unix socket: a path, or unnamed (an unbound socket,
/// one end of a `pair`).
pub use std::os::unix::net::SocketAddr;
