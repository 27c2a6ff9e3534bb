//! [`Rt`] for tokio.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Flavor, Kind, Rt, Unwrapped};

/// tokio, the reference.
#[derive(Debug, Clone, Copy)]
pub struct TokioRt;

/// Spawns through the ambient `tokio::spawn`.
#[derive(Debug, Clone, Copy)]
pub struct Ambient;

impl Rt for TokioRt {
    const KIND: Kind = Kind::Tokio;
    const EQUIVALENTS: &'static str = "tokio: every call is tokio's own";
    type Runtime = tokio::runtime::Runtime;
    type Spawner = Ambient;
    type Join<T: Send + 'static> = Unwrapped<tokio::task::JoinHandle<T>>;
    type Listener = TcpListener;
    type Stream = TcpStream;

    fn build(flavor: Flavor) -> io::Result<Self::Runtime> {
        let mut b = match flavor {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread(n) => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(n);
                b
            }
        };
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
        Unwrapped::new(tokio::spawn(f), Kind::Tokio)
    }

    fn spawn_remote<F>(rt: &Self::Runtime, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrapped::new(rt.spawn(f), Kind::Tokio)
    }

    fn detach<T: Send + 'static>(join: Self::Join<T>) {
        drop(join.into_inner());
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
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
