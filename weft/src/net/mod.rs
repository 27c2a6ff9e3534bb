//! Networking: TCP sockets driven by the runtime's I/O driver.
//!
//! Every type here needs a runtime built with I/O enabled
//! ([`Builder::enable_io`](crate::runtime::Builder::enable_io), included in
//! `enable_all` and in `#[weft::main]`).

mod addr;
pub mod tcp;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
