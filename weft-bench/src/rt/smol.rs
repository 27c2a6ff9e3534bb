//! [`Rt`] for smol, built from smol's own building blocks.
//!
//! * multi_thread(n): one `async_executor::Executor` run by `n` threads, each
//!   in `async_io::block_on(executor.run(..))` — the pattern smol documents
//!   for a thread pool. `block_on` from outside drives only its own future on
//!   the caller, as tokio's multi_thread `block_on` does.
//! * current_thread: `async_io::block_on(executor.run(f))` on the caller, so
//!   spawned tasks run only while `block_on` runs, as on tokio's
//!   current_thread runtime.
//!
//! The executor is leaked (`Box::leak`) so tasks can spawn through a
//! `&'static Executor`, the way smol programs use a global executor: one
//! small allocation per runtime built, a handful per benchmark process.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

use async_executor::{Executor, Task};
use async_io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use super::{Flavor, Kind, Rt};

/// smol: async-executor + async-io.
#[derive(Debug, Clone, Copy)]
pub struct SmolRt;

/// An executor and the threads that run it.
#[derive(Debug)]
pub struct SmolRuntime {
    executor: &'static Executor<'static>,
    /// Closing it (on drop) ends every worker's `run`.
    stop: Option<async_channel::Sender<()>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Drop for SmolRuntime {
    fn drop(&mut self) {
        drop(self.stop.take());
        for worker in self.workers.drain(..) {
            if worker.join().is_err() {
                eprintln!("weft-bench: a smol worker thread panicked");
            }
        }
    }
}

impl Rt for SmolRt {
    const KIND: Kind = Kind::Smol;
    const EQUIVALENTS: &'static str = "smol: multi_thread = one async_executor::Executor run by \
        2 threads in async_io::block_on(ex.run(..)); current_thread = async_io::block_on(ex.run(..)) \
        on the caller; no JoinHandle/JoinSet: tasks are async_task::Task, detached where the others \
        drop their handles; yield_now = futures_lite::future::yield_now; TCP = async_io::Async<std::net::Tcp*>; \
        sleep = async_io::Timer::after; mpsc = async-channel, oneshot = async_channel::bounded(1); \
        Semaphore/RwLock = async-lock";
    type Runtime = SmolRuntime;
    type Spawner = &'static Executor<'static>;
    type Join<T: Send + 'static> = Task<T>;
    type Listener = Async<TcpListener>;
    type Stream = Async<TcpStream>;

    fn build(flavor: Flavor) -> io::Result<SmolRuntime> {
        let executor: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = match flavor {
            Flavor::CurrentThread => 0,
            Flavor::MultiThread(n) => n,
        };
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads {
            let stopped = stopped.clone();
            let worker = thread::Builder::new()
                .name(format!("smol-worker-{i}"))
                .spawn(move || {
                    // The channel never carries a value: `recv` returns
                    // (with an error) once the runtime drops the sender.
                    let _ = async_io::block_on(executor.run(stopped.recv()));
                })
                .map_err(|e| io::Error::new(e.kind(), format!("spawning a smol worker: {e}")))?;
            workers.push(worker);
        }
        Ok(SmolRuntime {
            executor,
            stop: Some(stop),
            workers,
        })
    }

    fn block_on<F: Future>(rt: &SmolRuntime, f: F) -> F::Output {
        if rt.workers.is_empty() {
            async_io::block_on(rt.executor.run(f))
        } else {
            async_io::block_on(f)
        }
    }

    fn spawner(rt: &SmolRuntime) -> Self::Spawner {
        rt.executor
    }

    fn spawn<F>(sp: Self::Spawner, f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        sp.spawn(f)
    }

    fn spawn_remote<F>(rt: &SmolRuntime, f: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        rt.executor.spawn(f)
    }

    fn detach<T: Send + 'static>(join: Task<T>) {
        join.detach();
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Listener>> + Send {
        std::future::ready(Async::<TcpListener>::bind(addr))
    }

    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr> {
        listener.get_ref().local_addr()
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        listener.accept().await.map(|(s, _)| s)
    }

    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send {
        Async::<TcpStream>::connect(addr)
    }

    fn read<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        stream.read(buf)
    }

    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        stream.write_all(buf)
    }
}
