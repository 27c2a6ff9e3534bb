//! `ToSocketAddrs` and `lookup_host`: addresses, resolved without blocking
//! the scheduler.
//!
//! Literal addresses (`"127.0.0.1:8080"`, a `SocketAddr`, `(IpAddr, u16)`)
//! resolve on the spot. Host names go to the OS resolver, which blocks, so
//! it runs on the blocking pool (`spawn_blocking`).

use crate::task::JoinHandle;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Types that name one or more socket addresses: what `TcpListener::bind`
/// and `TcpStream::connect` accept. Implemented for `SocketAddr` (and
/// its V4/V6 forms), `(IpAddr, u16)` and friends, `&[SocketAddr]`, and
/// strings `"host:port"` / `(&str, u16)` / `String`.
///
/// Sealed: its method is weft's business.
pub trait ToSocketAddrs: sealed::Sealed {}

/// Resolves `host` (`"name:port"`) to its addresses, on the blocking pool
/// unless it is a literal address.
///
/// # Errors
///
/// The resolver's error, or `InvalidInput` for a string that is not
/// `host:port`.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut addrs = weft::net::lookup_host("127.0.0.1:80").await?;
/// assert_eq!(addrs.next().unwrap().port(), 80);
/// # Ok(())
/// # }
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(host.resolve().await?.into_iter())
}

pub(crate) mod sealed {
    use super::*;

    /// The resolution, behind the public trait.
    pub trait Sealed {
        #[doc(hidden)]
        fn resolve(&self) -> Resolve;
    }

    /// A resolution in progress: done, or waiting for the blocking pool.
    #[doc(hidden)]
    #[allow(missing_debug_implementations)]
    pub enum Resolve {
        Done(Option<io::Result<Vec<SocketAddr>>>),
        Blocking(JoinHandle<io::Result<Vec<SocketAddr>>>),
    }
}

use sealed::{Resolve, Sealed};

impl Future for Resolve {
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Resolve::Done(result) => {
                Poll::Ready(result.take().expect("Resolve polled after completion"))
            }
            Resolve::Blocking(handle) => Pin::new(handle).poll(cx).map(|joined| match joined {
                Ok(result) => result,
                Err(err) => Err(io::Error::other(format!(
                    "address resolution failed: {err}"
                ))),
            }),
        }
    }
}

fn done(addrs: Vec<SocketAddr>) -> Resolve {
    Resolve::Done(Some(Ok(addrs)))
}

/// A `host:port` string: literal addresses at once, names on the pool.
fn resolve_str(text: &str) -> Resolve {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return done(vec![addr]);
    }
    let owned = text.to_owned();
    Resolve::Blocking(crate::task::spawn_blocking(move || {
        std::net::ToSocketAddrs::to_socket_addrs(&owned).map(Iterator::collect)
    }))
}

fn resolve_host_port(host: &str, port: u16) -> Resolve {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return done(vec![SocketAddr::new(ip, port)]);
    }
    let owned = host.to_owned();
    Resolve::Blocking(crate::task::spawn_blocking(move || {
        std::net::ToSocketAddrs::to_socket_addrs(&(owned.as_str(), port)).map(Iterator::collect)
    }))
}

macro_rules! literal_addrs {
    ($($ty:ty => |$this:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Sealed for $ty {
            fn resolve(&self) -> Resolve {
                let $this = self;
                done(vec![$addr])
            }
        }
    )*};
}

literal_addrs! {
    SocketAddr => |a| *a;
    SocketAddrV4 => |a| SocketAddr::V4(*a);
    SocketAddrV6 => |a| SocketAddr::V6(*a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
}

impl ToSocketAddrs for &[SocketAddr] {}
impl Sealed for &[SocketAddr] {
    fn resolve(&self) -> Resolve {
        done(self.to_vec())
    }
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn resolve(&self) -> Resolve {
        resolve_str(self)
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn resolve(&self) -> Resolve {
        resolve_str(self)
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn resolve(&self) -> Resolve {
        resolve_host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn resolve(&self) -> Resolve {
        resolve_host_port(&self.0, self.1)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

/// Tries `op` on each address in turn; returns the first success or the
/// last error.
pub(crate) async fn each_addr<A, T, F, Fut>(addrs: A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let addrs = addrs.resolve().await?;
    let mut last_err = None;
    for addr in addrs {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last_err = Some(err),
        }
    }
    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
