//! [`Rt`] for weft, on each of its socket backends: [`WeftRt`] (epoll,
//! forced, so its rows do not move when `IoBackend::Auto` changes what it
//! picks) and [`WeftUringRt`] (io_uring).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::OnceLock;

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::runtime::IoBackend;

use super::{Flavor, Kind, Rt, Unwrapped};

/// weft, through its tokio-shaped API, with its stream sockets on io_uring
/// when `URING` is true and on epoll when it is false (see [`WeftRt`] and
/// [`WeftUringRt`]). Only the runtime's builder differs between the two.
#[derive(Debug, Clone, Copy)]
pub struct Weft<const URING: bool>;

/// weft with `IoBackend::Epoll`: the "weft" column.
pub type WeftRt = Weft<false>;

/// weft with `IoBackend::Uring`: the "weft-uring" column.
pub type WeftUringRt = Weft<true>;

impl<const URING: bool> Weft<URING> {
    /// The socket backend every runtime of this variant is built with.
    pub const BACKEND: IoBackend = if URING {
        IoBackend::Uring
    } else {
        IoBackend::Epoll
    };
}

/// Why weft's io_uring backend cannot run on this machine, or `None` when
/// it can: the error of building a current_thread runtime with
/// `IoBackend::Uring` (an old kernel, a seccomp filter refusing
/// `io_uring_setup`, `RLIMIT_MEMLOCK`, `/proc/sys/kernel/io_uring_disabled`).
/// Tried once per process.
pub fn uring_unavailable() -> Option<&'static str> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    WHY.get_or_init(|| {
        weft::runtime::Builder::new_current_thread()
            .enable_all()
            .io_backend(IoBackend::Uring)
            .build()
            .err()
            .map(|e| format!("weft's io_uring backend cannot start here: {e}"))
    })
    .as_deref()
}

/// Spawns through the ambient `weft::spawn`.
#[derive(Debug, Clone, Copy)]
pub struct Ambient;

/// Whether the run measures weft with its observability on: the
/// environment variable `WEFT_BENCH_OBSERVE=1` gives every runtime a
/// long-poll threshold (which tracks every task) and spawns every task
/// with a name through `task::Builder`, to compare with a run without it.
pub(crate) fn observe() -> bool {
    static OBSERVE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OBSERVE.get_or_init(|| std::env::var_os("WEFT_BENCH_OBSERVE").is_some_and(|v| v == "1"))
}

fn spawn_task<F>(f: F) -> weft::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if observe() {
        weft::task::Builder::new()
            .name("bench")
            .spawn(f)
            .expect("weft's spawn does not fail")
    } else {
        weft::spawn(f)
    }
}

impl<const URING: bool> Rt for Weft<URING> {
    const KIND: Kind = if URING { Kind::WeftUring } else { Kind::Weft };
    const EQUIVALENTS: &'static str = if URING {
        "weft-uring: weft built with IoBackend::Uring (TCP reads and writes on io_uring); \
         every call is weft's own"
    } else {
        "weft: weft built with IoBackend::Epoll (every socket in epoll, as tokio); every call \
         is weft's own (same names as tokio)"
    };
    type Runtime = weft::runtime::Runtime;
    type Spawner = Ambient;
    type Join<T: Send + 'static> = Unwrapped<weft::task::JoinHandle<T>>;
    type Listener = TcpListener;
    type Stream = TcpStream;

    fn build(flavor: Flavor) -> io::Result<Self::Runtime> {
        let mut b = match flavor {
            Flavor::CurrentThread => weft::runtime::Builder::new_current_thread(),
            Flavor::MultiThread(n) => {
                let mut b = weft::runtime::Builder::new_multi_thread();
                b.worker_threads(n);
                b
            }
        };
        if observe() {
            b.long_poll_threshold(std::time::Duration::from_millis(100));
        }
        b.enable_all().io_backend(Self::BACKEND).build()
    }

    fn block_on<F: Future>(rt: &Self::Runtime, f: F) -> F::Output {
        rt.block_on(f)
    }

    fn spawner(_: &Self::Runtime) -> Ambient {
        Ambient
    }

    fn spawn<F>(_: Ambient, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrapped::new(spawn_task(f), Self::KIND)
    }

    fn spawn_remote<F>(rt: &Self::Runtime, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if observe() {
            let handle = weft::task::Builder::new()
                .name("bench")
                .spawn_on(f, rt.handle())
                .expect("weft's spawn does not fail");
            return Unwrapped::new(handle, Self::KIND);
        }
        Unwrapped::new(rt.spawn(f), Self::KIND)
    }

    fn detach<T: Send + 'static>(join: Self::Join<T>) {
        drop(join.into_inner());
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        weft::task::yield_now()
    }

    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<TcpListener>> + Send {
        TcpListener::bind(addr)
    }

    fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    async fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
        listener.accept().await.map(|(s, _)| s)
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<TcpStream>> + Send {
        TcpStream::connect(addr)
    }

    fn read<'a>(
        stream: &'a mut TcpStream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        stream.read(buf)
    }

    fn write_all<'a>(
        stream: &'a mut TcpStream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        stream.write_all(buf)
    }
}
