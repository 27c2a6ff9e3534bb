//! Networking: TCP, UDP and Unix domain sockets driven by the runtime's I/O
//! driver.
//!
//! Every type here needs a runtime built with I/O enabled
//! ([`Builder::enable_io`](crate::runtime::Builder::enable_io), included in
//! `enable_all` and in `#[weft::main]`). Host names are resolved on the
//! blocking pool ([`lookup_host`]); literal addresses need no resolver.

mod accept_error;
mod addr;
mod buf_mut;
mod listener;
mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use accept_error::AcceptErrorKind;
pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
