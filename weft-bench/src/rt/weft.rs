//! [`Rt`] for weft.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};

use super::{Flavor, Kind, Rt, Unwrapped};

/// weft, through its tokio-shaped API.
#[derive(Debug, Clone, Copy)]
pub struct WeftRt;

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

impl Rt for WeftRt {
    const KIND: Kind = Kind::Weft;
    const EQUIVALENTS: &'static str = "weft: every call is weft's own (same names as tokio)";
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
        b.enable_all().build()
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
        Unwrapped::new(spawn_task(f), Kind::Weft)
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
            return Unwrapped::new(handle, Kind::Weft);
        }
        Unwrapped::new(rt.spawn(f), Kind::Weft)
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
