//! The runtime abstraction every workload is written against.
//!
//! A workload is one generic function over [`Rt`]; the implementations
//! ([`WeftRt`] and [`WeftUringRt`], weft on each socket backend,
//! [`TokioRt`], [`SmolRt`]) map each call onto the runtime's own API, so
//! every run shares every line of workload code and every parameter. Each
//! implementation documents where its runtime has no direct equivalent and
//! what it uses instead ([`Rt::EQUIVALENTS`]).

mod smol;
mod tokio;
mod weft;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

pub use self::smol::{SmolRt, SmolRuntime};
pub use self::tokio::TokioRt;
pub use self::weft::{uring_unavailable, Weft, WeftRt, WeftUringRt};

/// Which runtime a sample belongs to, in the order of alternation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// weft, the runtime under test, with its sockets on epoll
    /// (`IoBackend::Epoll`, set explicitly).
    Weft,
    /// weft with its stream sockets on io_uring (`IoBackend::Uring`); only
    /// the network rows run on it (see [`Kind::RUNTIME_ONLY`]).
    WeftUring,
    /// tokio, the reference.
    Tokio,
    /// smol's building blocks (async-executor + async-io).
    Smol,
}

impl Kind {
    /// Every runtime, in the order each round runs them.
    pub const ALL: [Kind; 4] = [Kind::Weft, Kind::WeftUring, Kind::Tokio, Kind::Smol];

    /// The runtimes of a workload that does not touch sockets: all but
    /// [`Kind::WeftUring`], whose runtime differs from weft's only in how
    /// stream sockets do their I/O.
    pub const RUNTIME_ONLY: [Kind; 3] = [Kind::Weft, Kind::Tokio, Kind::Smol];

    /// The lower-case name used on the command line and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Weft => "weft",
            Kind::WeftUring => "weft-uring",
            Kind::Tokio => "tokio",
            Kind::Smol => "smol",
        }
    }

    /// Parses [`Kind::name`] back.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The names [`Kind::parse`] takes, for messages: `weft, weft-uring,
    /// tokio, smol`.
    pub fn names() -> String {
        Kind::ALL.map(Kind::name).join(", ")
    }

    /// What stands in for this runtime where it lacks the feature a workload
    /// uses (printed under the table).
    pub fn equivalents(self) -> &'static str {
        match self {
            Kind::Weft => WeftRt::EQUIVALENTS,
            Kind::WeftUring => WeftUringRt::EQUIVALENTS,
            Kind::Tokio => TokioRt::EQUIVALENTS,
            Kind::Smol => SmolRt::EQUIVALENTS,
        }
    }

    /// Why this runtime cannot run on this machine at all (weft's io_uring
    /// backend refused by the kernel), or `None`.
    pub fn unavailable(self) -> Option<&'static str> {
        match self {
            Kind::WeftUring => uring_unavailable(),
            Kind::Weft | Kind::Tokio | Kind::Smol => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scheduler a workload asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Everything on the thread that calls `block_on`.
    CurrentThread,
    /// A pool of this many worker threads.
    MultiThread(usize),
}

/// One runtime, behind the calls the workloads need.
///
/// The `Spawner` is what a task uses to spawn further tasks: for weft and
/// tokio a zero-sized value calling the ambient `spawn` (it must be used
/// inside the runtime, like `tokio::spawn`), for smol the `&'static
/// Executor` (as smol programs hold their executor).
pub trait Rt: 'static {
    /// Which runtime this is.
    const KIND: Kind;
    /// Where this runtime lacks a feature, what the workloads use instead.
    const EQUIVALENTS: &'static str;
    /// The owned runtime (dropping it shuts it down).
    type Runtime;
    /// Spawns tasks from inside the runtime.
    type Spawner: Copy + Send + Sync + 'static;
    /// A task's handle; awaiting it yields the output. A task that panicked
    /// makes the await panic with a message naming the runtime.
    type Join<T: Send + 'static>: Future<Output = T> + Send + 'static;
    /// A bound TCP listener.
    type Listener: Send + Sync + 'static;
    /// A connected TCP stream.
    type Stream: Send + 'static;

    /// Builds a runtime of `flavor` with I/O enabled.
    ///
    /// # Errors
    ///
    /// When the runtime cannot start (threads, epoll, eventfd).
    fn build(flavor: Flavor) -> io::Result<Self::Runtime>;

    /// Runs `f` to completion on the calling thread, as `Runtime::block_on`.
    fn block_on<F: Future>(rt: &Self::Runtime, f: F) -> F::Output;

    /// The spawner for tasks running on `rt`.
    fn spawner(rt: &Self::Runtime) -> Self::Spawner;

    /// Spawns `f` from inside the runtime.
    fn spawn<F>(sp: Self::Spawner, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns `f` from a thread outside the runtime (`Runtime::spawn`).
    fn spawn_remote<F>(rt: &Self::Runtime, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Lets the task run on without its handle (dropping a weft or tokio
    /// handle detaches; dropping smol's `Task` would cancel, so it detaches).
    fn detach<T: Send + 'static>(join: Self::Join<T>);

    /// Yields to the scheduler once.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Binds a TCP listener.
    fn bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Listener>> + Send;

    /// The address a listener is bound to.
    ///
    /// # Errors
    ///
    /// As `getsockname`.
    fn local_addr(listener: &Self::Listener) -> io::Result<SocketAddr>;

    /// Accepts one connection.
    fn accept(
        listener: &Self::Listener,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_;

    /// Connects to `addr`.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;

    /// Reads some bytes (0 at end of stream).
    fn read<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;

    /// Writes all of `buf`.
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// A runtime with timers, for the timer workloads.
pub trait Timers: Rt {
    /// Completes after `duration`, as `tokio::time::sleep`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
}

impl<const URING: bool> Timers for Weft<URING> {
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        ::weft::time::sleep(duration)
    }
}

impl Timers for TokioRt {
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        ::tokio::time::sleep(duration)
    }
}

impl Timers for SmolRt {
    /// smol's timer is `async_io::Timer` (its output, the `Instant` it
    /// fired at, is dropped).
    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }
}

/// A runtime with files, for the fs workloads: weft's and tokio's own
/// `fs`, and smol's (`async-fs`, what `smol::fs` re-exports). Each call is
/// the one a program would write; the paths are owned, as the three
/// libraries copy them anyway.
pub trait Files: Rt {
    /// Reads a whole file (`fs::read`).
    fn read_file(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send;

    /// A file's length, from `fs::metadata`.
    fn file_len(path: PathBuf) -> impl Future<Output = io::Result<u64>> + Send;

    /// Creates (or truncates) a file through the runtime's `File`, writes
    /// all of `data` with `write_all`, flushes and calls `sync_all`.
    fn write_and_sync(
        path: PathBuf,
        data: Arc<Vec<u8>>,
    ) -> impl Future<Output = io::Result<()>> + Send;

    /// Reads a whole file through the runtime's `File` wrapped in its
    /// `BufReader` (default capacity, 8 KiB on all three), chunk by chunk
    /// with `fill_buf`/`consume`; returns the byte count.
    fn stream_file(path: PathBuf) -> impl Future<Output = io::Result<u64>> + Send;
}

/// `Files` for a runtime with tokio's `fs` and `io` API (weft and tokio):
/// the same calls, with `$krate` (`weft` or `tokio`) as the crate.
macro_rules! tokio_api_files {
    ($rt:ty, $krate:ident) => {
        impl Files for $rt {
            fn read_file(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
                ::$krate::fs::read(path)
            }

            async fn file_len(path: PathBuf) -> io::Result<u64> {
                Ok(::$krate::fs::metadata(path).await?.len())
            }

            async fn write_and_sync(path: PathBuf, data: Arc<Vec<u8>>) -> io::Result<()> {
                use ::$krate::io::AsyncWriteExt;
                let mut file = ::$krate::fs::File::create(path).await?;
                file.write_all(&data).await?;
                file.flush().await?;
                file.sync_all().await
            }

            async fn stream_file(path: PathBuf) -> io::Result<u64> {
                use ::$krate::io::AsyncBufReadExt;
                let mut reader =
                    ::$krate::io::BufReader::new(::$krate::fs::File::open(path).await?);
                let mut total = 0;
                loop {
                    let n = reader.fill_buf().await?.len();
                    if n == 0 {
                        return Ok(total);
                    }
                    reader.consume(n);
                    total += n as u64;
                }
            }
        }
    };
}

tokio_api_files!(WeftRt, weft);
tokio_api_files!(WeftUringRt, weft);
tokio_api_files!(TokioRt, tokio);

impl Files for SmolRt {
    fn read_file(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        async_fs::read(path)
    }

    async fn file_len(path: PathBuf) -> io::Result<u64> {
        Ok(async_fs::metadata(path).await?.len())
    }

    async fn write_and_sync(path: PathBuf, data: Arc<Vec<u8>>) -> io::Result<()> {
        use futures_lite::AsyncWriteExt;
        let mut file = async_fs::File::create(path).await?;
        file.write_all(&data).await?;
        file.flush().await?;
        file.sync_all().await
    }

    /// Through `poll_fill_buf` itself: futures-lite's `fill_buf` future
    /// polls twice and panics when the second poll (at the end of an
    /// `async_fs::File`) is pending.
    async fn stream_file(path: PathBuf) -> io::Result<u64> {
        use futures_lite::AsyncBufRead;
        let mut reader = futures_lite::io::BufReader::new(async_fs::File::open(path).await?);
        let mut total = 0;
        loop {
            let n = std::future::poll_fn(|cx| {
                Pin::new(&mut reader).poll_fill_buf(cx).map_ok(<[u8]>::len)
            })
            .await?;
            if n == 0 {
                return Ok(total);
            }
            Pin::new(&mut reader).consume(n);
            total += n as u64;
        }
    }
}

/// A runtime with child processes, for the process workloads: weft's and
/// tokio's `process::Command`, smol's `async-process` (what
/// `smol::process` is).
pub trait Processes: Rt {
    /// Spawns `program` with no arguments and the parent's standard
    /// streams, and waits for it; whether it exited successfully.
    fn spawn_wait(program: &'static str) -> impl Future<Output = io::Result<bool>> + Send;
}

impl<const URING: bool> Processes for Weft<URING> {
    async fn spawn_wait(program: &'static str) -> io::Result<bool> {
        let mut child = ::weft::process::Command::new(program).spawn()?;
        Ok(child.wait().await?.success())
    }
}

impl Processes for TokioRt {
    async fn spawn_wait(program: &'static str) -> io::Result<bool> {
        let mut child = ::tokio::process::Command::new(program).spawn()?;
        Ok(child.wait().await?.success())
    }
}

impl Processes for SmolRt {
    async fn spawn_wait(program: &'static str) -> io::Result<bool> {
        let mut child = async_process::Command::new(program).spawn()?;
        Ok(child.status().await?.success())
    }
}

/// A runtime with channels, for the sync workloads: weft's and tokio's
/// own `mpsc` and `oneshot`. smol has no mpsc or oneshot of its own kind:
/// it uses `async-channel` (bounded, unbounded, and bounded(1) as the
/// oneshot).
pub trait Channels: Rt {
    /// A bounded channel's sender.
    type Sender<T: Send + 'static>: Clone + Send + Sync + 'static;
    /// A bounded channel's receiver.
    type Receiver<T: Send + 'static>: Send + 'static;
    /// An unbounded channel's sender.
    type UnboundedSender<T: Send + 'static>: Clone + Send + Sync + 'static;
    /// An unbounded channel's receiver.
    type UnboundedReceiver<T: Send + 'static>: Send + 'static;
    /// A oneshot's sender.
    type OneshotSender<T: Send + 'static>: Send + 'static;
    /// A oneshot's receiver.
    type OneshotReceiver<T: Send + 'static>: Send + 'static;

    /// A bounded mpsc channel of `capacity`.
    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);
    /// Sends, waiting for room; `false` when the receiver is gone.
    fn send<T: Send + 'static>(
        tx: &Self::Sender<T>,
        value: T,
    ) -> impl Future<Output = bool> + Send + '_;
    /// Receives; `None` when every sender is gone and the queue is empty.
    fn recv<T: Send + 'static>(
        rx: &mut Self::Receiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;
    /// An unbounded mpsc channel.
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>);
    /// Sends without waiting; `false` when the receiver is gone.
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedSender<T>, value: T) -> bool;
    /// Receives from an unbounded channel.
    fn recv_unbounded<T: Send + 'static>(
        rx: &mut Self::UnboundedReceiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;
    /// A oneshot channel.
    fn oneshot<T: Send + 'static>() -> (Self::OneshotSender<T>, Self::OneshotReceiver<T>);
    /// Sends the one value; `false` when the receiver is gone.
    fn send_once<T: Send + 'static>(tx: Self::OneshotSender<T>, value: T) -> bool;
    /// Waits for the one value; `None` when the sender was dropped.
    fn recv_once<T: Send + 'static>(
        rx: Self::OneshotReceiver<T>,
    ) -> impl Future<Output = Option<T>> + Send;

    /// A counting semaphore.
    type Semaphore: Send + Sync + 'static;
    /// A reader-writer lock around `()`.
    type RwLock: Send + Sync + 'static;
    /// Write access to an `Arc`'d [`RwLock`](Channels::RwLock), held until
    /// dropped.
    type WriteGuard: Send + 'static;

    /// A semaphore with `permits` permits.
    fn semaphore(permits: usize) -> Self::Semaphore;
    /// Waits for one permit and gives it back at once.
    fn acquire_release(sem: &Self::Semaphore) -> impl Future<Output = ()> + Send + '_;
    /// An unlocked reader-writer lock.
    fn rwlock() -> Self::RwLock;
    /// Waits for read access and gives it back at once.
    fn read_release(lock: &Self::RwLock) -> impl Future<Output = ()> + Send + '_;
    /// Waits for write access to `lock`, held by the guard.
    fn write_owned(lock: Arc<Self::RwLock>) -> impl Future<Output = Self::WriteGuard> + Send;
}

impl<const URING: bool> Channels for Weft<URING> {
    type Sender<T: Send + 'static> = ::weft::sync::mpsc::Sender<T>;
    type Receiver<T: Send + 'static> = ::weft::sync::mpsc::Receiver<T>;
    type UnboundedSender<T: Send + 'static> = ::weft::sync::mpsc::UnboundedSender<T>;
    type UnboundedReceiver<T: Send + 'static> = ::weft::sync::mpsc::UnboundedReceiver<T>;
    type OneshotSender<T: Send + 'static> = ::weft::sync::oneshot::Sender<T>;
    type OneshotReceiver<T: Send + 'static> = ::weft::sync::oneshot::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        ::weft::sync::mpsc::channel(capacity)
    }
    async fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> bool {
        tx.send(value).await.is_ok()
    }
    async fn recv<T: Send + 'static>(rx: &mut Self::Receiver<T>) -> Option<T> {
        rx.recv().await
    }
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>) {
        ::weft::sync::mpsc::unbounded_channel()
    }
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedSender<T>, value: T) -> bool {
        tx.send(value).is_ok()
    }
    async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedReceiver<T>) -> Option<T> {
        rx.recv().await
    }
    fn oneshot<T: Send + 'static>() -> (Self::OneshotSender<T>, Self::OneshotReceiver<T>) {
        ::weft::sync::oneshot::channel()
    }
    fn send_once<T: Send + 'static>(tx: Self::OneshotSender<T>, value: T) -> bool {
        tx.send(value).is_ok()
    }
    async fn recv_once<T: Send + 'static>(rx: Self::OneshotReceiver<T>) -> Option<T> {
        rx.await.ok()
    }

    type Semaphore = ::weft::sync::Semaphore;
    type RwLock = ::weft::sync::RwLock<()>;
    type WriteGuard = ::weft::sync::OwnedRwLockWriteGuard<()>;

    fn semaphore(permits: usize) -> Self::Semaphore {
        ::weft::sync::Semaphore::new(permits)
    }
    async fn acquire_release(sem: &Self::Semaphore) {
        drop(sem.acquire().await.expect("never closed"));
    }
    fn rwlock() -> Self::RwLock {
        ::weft::sync::RwLock::new(())
    }
    async fn read_release(lock: &Self::RwLock) {
        drop(lock.read().await);
    }
    async fn write_owned(lock: Arc<Self::RwLock>) -> Self::WriteGuard {
        lock.write_owned().await
    }
}

impl Channels for TokioRt {
    type Sender<T: Send + 'static> = ::tokio::sync::mpsc::Sender<T>;
    type Receiver<T: Send + 'static> = ::tokio::sync::mpsc::Receiver<T>;
    type UnboundedSender<T: Send + 'static> = ::tokio::sync::mpsc::UnboundedSender<T>;
    type UnboundedReceiver<T: Send + 'static> = ::tokio::sync::mpsc::UnboundedReceiver<T>;
    type OneshotSender<T: Send + 'static> = ::tokio::sync::oneshot::Sender<T>;
    type OneshotReceiver<T: Send + 'static> = ::tokio::sync::oneshot::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        ::tokio::sync::mpsc::channel(capacity)
    }
    async fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> bool {
        tx.send(value).await.is_ok()
    }
    async fn recv<T: Send + 'static>(rx: &mut Self::Receiver<T>) -> Option<T> {
        rx.recv().await
    }
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>) {
        ::tokio::sync::mpsc::unbounded_channel()
    }
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedSender<T>, value: T) -> bool {
        tx.send(value).is_ok()
    }
    async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedReceiver<T>) -> Option<T> {
        rx.recv().await
    }
    fn oneshot<T: Send + 'static>() -> (Self::OneshotSender<T>, Self::OneshotReceiver<T>) {
        ::tokio::sync::oneshot::channel()
    }
    fn send_once<T: Send + 'static>(tx: Self::OneshotSender<T>, value: T) -> bool {
        tx.send(value).is_ok()
    }
    async fn recv_once<T: Send + 'static>(rx: Self::OneshotReceiver<T>) -> Option<T> {
        rx.await.ok()
    }

    type Semaphore = ::tokio::sync::Semaphore;
    type RwLock = ::tokio::sync::RwLock<()>;
    type WriteGuard = ::tokio::sync::OwnedRwLockWriteGuard<()>;

    fn semaphore(permits: usize) -> Self::Semaphore {
        ::tokio::sync::Semaphore::new(permits)
    }
    async fn acquire_release(sem: &Self::Semaphore) {
        drop(sem.acquire().await.expect("never closed"));
    }
    fn rwlock() -> Self::RwLock {
        ::tokio::sync::RwLock::new(())
    }
    async fn read_release(lock: &Self::RwLock) {
        drop(lock.read().await);
    }
    async fn write_owned(lock: Arc<Self::RwLock>) -> Self::WriteGuard {
        lock.write_owned().await
    }
}

impl Channels for SmolRt {
    type Sender<T: Send + 'static> = async_channel::Sender<T>;
    type Receiver<T: Send + 'static> = async_channel::Receiver<T>;
    type UnboundedSender<T: Send + 'static> = async_channel::Sender<T>;
    type UnboundedReceiver<T: Send + 'static> = async_channel::Receiver<T>;
    type OneshotSender<T: Send + 'static> = async_channel::Sender<T>;
    type OneshotReceiver<T: Send + 'static> = async_channel::Receiver<T>;

    fn bounded<T: Send + 'static>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        async_channel::bounded(capacity)
    }
    async fn send<T: Send + 'static>(tx: &Self::Sender<T>, value: T) -> bool {
        tx.send(value).await.is_ok()
    }
    async fn recv<T: Send + 'static>(rx: &mut Self::Receiver<T>) -> Option<T> {
        rx.recv().await.ok()
    }
    fn unbounded<T: Send + 'static>() -> (Self::UnboundedSender<T>, Self::UnboundedReceiver<T>) {
        async_channel::unbounded()
    }
    fn send_unbounded<T: Send + 'static>(tx: &Self::UnboundedSender<T>, value: T) -> bool {
        tx.try_send(value).is_ok()
    }
    async fn recv_unbounded<T: Send + 'static>(rx: &mut Self::UnboundedReceiver<T>) -> Option<T> {
        rx.recv().await.ok()
    }
    fn oneshot<T: Send + 'static>() -> (Self::OneshotSender<T>, Self::OneshotReceiver<T>) {
        async_channel::bounded(1)
    }
    fn send_once<T: Send + 'static>(tx: Self::OneshotSender<T>, value: T) -> bool {
        tx.try_send(value).is_ok()
    }
    async fn recv_once<T: Send + 'static>(rx: Self::OneshotReceiver<T>) -> Option<T> {
        rx.recv().await.ok()
    }

    type Semaphore = async_lock::Semaphore;
    type RwLock = async_lock::RwLock<()>;
    type WriteGuard = async_lock::RwLockWriteGuardArc<()>;

    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }
    async fn acquire_release(sem: &Self::Semaphore) {
        drop(sem.acquire().await);
    }
    fn rwlock() -> Self::RwLock {
        async_lock::RwLock::new(())
    }
    async fn read_release(lock: &Self::RwLock) {
        drop(lock.read().await);
    }
    async fn write_owned(lock: Arc<Self::RwLock>) -> Self::WriteGuard {
        lock.write_arc().await
    }
}

/// Spawns `f` and detaches it at once.
pub fn spawn_detached<R: Rt, F>(sp: R::Spawner, f: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    R::detach(R::spawn::<F>(sp, f));
}

/// Fills `buf` from `stream`.
///
/// Returns `Ok(false)` when the stream ends cleanly before the first byte,
/// `Ok(true)` when `buf` is full.
///
/// # Errors
///
/// `UnexpectedEof` when the stream ends inside `buf`, or the read's error.
pub async fn read_exact<R: Rt>(stream: &mut R::Stream, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = R::read(stream, &mut buf[filled..]).await?;
        if n == 0 {
            if filled == 0 {
                return Ok(false);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{}: stream ended after {filled} of {} bytes",
                    R::KIND,
                    buf.len()
                ),
            ));
        }
        filled += n;
    }
    Ok(true)
}

/// Adapts a `JoinHandle` whose output is `Result<T, E>` (weft, tokio) to the
/// plain-`T` handle [`Rt::Join`] promises: a failed task panics the awaiting
/// benchmark with the runtime's name and the error.
#[derive(Debug)]
pub struct Unwrapped<H> {
    handle: H,
    runtime: Kind,
}

impl<H> Unwrapped<H> {
    pub(crate) fn new(handle: H, runtime: Kind) -> Self {
        Unwrapped { handle, runtime }
    }

    pub(crate) fn into_inner(self) -> H {
        self.handle
    }
}

impl<H, T, E> Future for Unwrapped<H>
where
    H: Future<Output = Result<T, E>> + Unpin,
    E: fmt::Display,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let runtime = self.runtime;
        Pin::new(&mut self.handle).poll(cx).map(|r| match r {
            Ok(v) => v,
            Err(e) => panic!("a benchmark task failed on {runtime}: {e}"),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Whether a test must leave `kind` out because it cannot run on this
    /// machine (weft's io_uring backend refused): says so on stderr, and
    /// fails instead under `CI=true`, where every runtime must run.
    pub(crate) fn skip_unavailable(kind: Kind) -> bool {
        let Some(why) = kind.unavailable() else {
            return false;
        };
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "{kind} cannot run under CI=true: {why}"
        );
        eprintln!("skipped on {kind}: {why}");
        true
    }

    #[test]
    fn kinds_have_names_and_an_order() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
        assert_eq!(Kind::parse("uring"), None);
        assert_eq!(Kind::names(), "weft, weft-uring, tokio, smol");
        assert_eq!(WeftRt::KIND, Kind::Weft);
        assert_eq!(WeftUringRt::KIND, Kind::WeftUring);
        assert_eq!(WeftRt::BACKEND, ::weft::runtime::IoBackend::Epoll);
        assert_eq!(WeftUringRt::BACKEND, ::weft::runtime::IoBackend::Uring);
        assert!(!Kind::RUNTIME_ONLY.contains(&Kind::WeftUring));
        for k in [Kind::Weft, Kind::Tokio, Kind::Smol] {
            assert_eq!(k.unavailable(), None);
        }
    }
}
