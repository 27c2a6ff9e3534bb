//! Heap bytes per task and per idle TCP connection, measured with the
//! counting allocator in a child process (one per runtime and sample, see
//! [`crate::child`]). Each measurement warms the runtime up with a few of the
//! same objects, takes the live-byte count, adds `N` more, waits until all of
//! them are parked (a counter plus a pause), and reports
//! `(after - before) / N`. All on a multi_thread runtime with 2 workers.
//!
//! The connection rows warm up until every worker thread has parked a
//! connection's task ([`mark_thread`]), in batches of 16 (at most
//! [`WARM_BATCHES`]): state a runtime allocates per worker on a worker's
//! first connection must not land between the two counts. weft's io_uring
//! backend has such state: each worker's ring gets its pool of receive
//! buffers (2 MiB) on its first receive, which, counted over 500
//! connections, would add about 4.2 KiB to each whenever the warm-up
//! connections all ran on one worker.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Release};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use crate::rt::{spawn_detached, Flavor, Rt};
use crate::workload::Memory;
use crate::ALLOCATOR;

/// Objects measured per sample.
pub const TASKS: usize = 10_000;
/// Connections measured per sample.
pub const CONNS: usize = 500;
/// Objects created before the baseline (lazy runtime state, reactor thread);
/// the connection rows repeat such batches until every worker has run one
/// connection (see the module's note).
const WARM: usize = 16;
/// The most warm-up batches of the connection rows. Generous: a worker
/// runs a connection's task only if it steals one while the accepting
/// worker is busy, and on a loaded machine (CI's tests run in parallel)
/// 8 batches once ended with one worker unseen, so its ring's buffer pool
/// fell into the count (4,965 B per connection instead of about 500).
pub const WARM_BATCHES: usize = 64;
/// Worker threads of the measured runtimes.
const WORKERS: usize = 2;
/// Connections opened at a time, each batch accepted before the next, so no
/// listen backlog overflows (std's and async-io's listeners use 128).
const BATCH: usize = 50;
/// How long the measured objects may take to park.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(20);

/// How many [`Parked`] futures have been polled, process-wide (the future
/// must stay zero-sized, so the counter cannot live in it).
pub static PARKED_POLLS: AtomicUsize = AtomicUsize::new(0);

/// A zero-sized future that never completes; each poll bumps
/// [`PARKED_POLLS`].
#[derive(Debug, Clone, Copy)]
pub struct Parked;

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        // Release: pairs with the Acquire load in `wait_for`, so the measuring
        // thread sees the spawn that preceded this poll.
        PARKED_POLLS.fetch_add(1, Release);
        Poll::Pending
    }
}

/// Waits until `counter` reaches `target`.
///
/// # Errors
///
/// `TimedOut` after [`SETTLE_LIMIT`], naming `what`.
pub fn wait_for(counter: &AtomicUsize, target: usize, what: &str) -> io::Result<()> {
    let start = Instant::now();
    loop {
        // Acquire: pairs with the Release increments by the tasks.
        let now = counter.load(Acquire);
        if now >= target {
            return Ok(());
        }
        if start.elapsed() > SETTLE_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what}: only {now} of {target} after {SETTLE_LIMIT:?}"),
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// [`wait_for`], then a pause so the last tasks finish parking.
///
/// # Errors
///
/// As [`wait_for`].
pub fn settle(counter: &AtomicUsize, target: usize, what: &str) -> io::Result<()> {
    wait_for(counter, target, what)?;
    thread::sleep(Duration::from_millis(50));
    Ok(())
}

/// Spawns `n` [`Parked`] tasks from inside the runtime and drops (detaches)
/// their handles; returns the poll count they must reach.
pub fn spawn_parked<R: Rt>(rt: &R::Runtime, n: usize) -> usize {
    // Acquire: pairs with the Release increment in `Parked::poll`, so every
    // earlier poll is counted in the target's base.
    let target = PARKED_POLLS.load(Acquire) + n;
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        for _ in 0..n {
            R::detach(R::spawn(sp, Parked));
        }
    });
    target
}

/// How many threads have parked a connection's task ([`mark_thread`]).
/// Process-wide: a memory child makes one measurement, so it counts that
/// measurement's runtime (in tests, where runtimes follow each other in
/// one process, it only grows, and warm-ups end sooner).
static THREADS_SEEN: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread is counted in [`THREADS_SEEN`] (a `const`
    /// thread-local: no allocation on first use).
    static SEEN: Cell<bool> = const { Cell::new(false) };
}

/// Counts the calling thread, once, among the threads that have parked a
/// connection's task (process-wide). Called by a connection's task in the
/// poll that parks it on `read`, so the thread is the worker whose
/// per-worker state the read used.
pub fn mark_thread() {
    if !SEEN.with(|seen| seen.replace(true)) {
        // Release: pairs with the Acquire load in `every_worker_seen`.
        THREADS_SEEN.fetch_add(1, Release);
    }
}

/// Whether every worker thread has parked a connection's task.
fn every_worker_seen() -> bool {
    // Acquire: pairs with the Release increment in `mark_thread`.
    THREADS_SEEN.load(Acquire) >= WORKERS
}

fn per_unit(before: isize, after: isize, n: usize) -> f64 {
    (after - before) as f64 / n as f64
}

fn multi<R: Rt>() -> io::Result<R::Runtime> {
    R::build(Flavor::MultiThread(2))
}

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// `mem_per_task`: heap bytes per spawned task with a zero-sized future.
#[derive(Debug)]
pub struct PerTask;

impl Memory for PerTask {
    const NAME: &'static str = "mem_per_task";
    const ABOUT: &'static str =
        "heap bytes per spawned task with a zero-sized future (10,000 parked tasks)";

    fn measure<R: Rt>() -> io::Result<f64> {
        let rt = multi::<R>()?;
        let warm = spawn_parked::<R>(&rt, WARM);
        settle(&PARKED_POLLS, warm, "warm-up tasks")?;
        let before = ALLOCATOR.live();
        let target = spawn_parked::<R>(&rt, TASKS);
        settle(&PARKED_POLLS, target, "parked tasks")?;
        Ok(per_unit(before, ALLOCATOR.live(), TASKS))
    }
}

/// A server that accepts forever; each connection's task parks on `read`
/// (64-byte buffer inside the task) and bumps `parked` first.
async fn idle_server<R: Rt>(listener: R::Listener, sp: R::Spawner, parked: Arc<AtomicUsize>) {
    loop {
        match R::accept(&listener).await {
            Ok(mut stream) => {
                let parked = parked.clone();
                spawn_detached::<R, _>(sp, async move {
                    let mut buf = [0u8; 64];
                    mark_thread();
                    // Release: pairs with the Acquire load in `wait_for`.
                    parked.fetch_add(1, Release);
                    let _ = R::read(&mut stream, &mut buf).await;
                });
            }
            Err(e) => {
                eprintln!("weft-bench: accept on {}: {e}", R::KIND);
                return;
            }
        }
    }
}

/// Opens `n` std connections in batches, waiting after each batch until
/// the server's tasks for it are parked.
fn connect_std(
    addr: SocketAddr,
    into: &mut Vec<TcpStream>,
    n: usize,
    parked: &AtomicUsize,
) -> io::Result<()> {
    let mut left = n;
    while left > 0 {
        let batch = left.min(BATCH);
        for _ in 0..batch {
            let s = TcpStream::connect(addr)
                .map_err(|e| io::Error::new(e.kind(), format!("connecting to {addr}: {e}")))?;
            into.push(s);
        }
        wait_for(parked, into.len(), "server tasks of a batch of connections")?;
        left -= batch;
    }
    Ok(())
}

/// Runs the server-side measurement with `n` connections.
///
/// # Errors
///
/// Socket errors, or connections that never park.
pub fn idle_server_conns<R: Rt>(rt: &R::Runtime, n: usize) -> io::Result<f64> {
    let listener = R::block_on(rt, R::bind(loopback()))?;
    let addr = R::local_addr(&listener)?;
    let parked = Arc::new(AtomicUsize::new(0));
    let sp = R::spawner(rt);
    let p = parked.clone();
    R::block_on(rt, async move {
        spawn_detached::<R, _>(sp, idle_server::<R>(listener, sp, p));
    });
    let mut clients = Vec::with_capacity(WARM * WARM_BATCHES + n);
    for _ in 0..WARM_BATCHES {
        connect_std(addr, &mut clients, WARM, &parked)?;
        if every_worker_seen() {
            break;
        }
    }
    let warm = clients.len();
    settle(&parked, warm, "warm-up connections")?;
    let before = ALLOCATOR.live();
    connect_std(addr, &mut clients, n, &parked)?;
    settle(&parked, warm + n, "idle server connections")?;
    let after = ALLOCATOR.live();
    drop(clients);
    Ok(per_unit(before, after, n))
}

/// `mem_per_idle_conn_server`: heap bytes per accepted connection whose task
/// is parked on `read`; the clients are plain blocking std sockets (no heap).
#[derive(Debug)]
pub struct PerIdleServerConn;

impl Memory for PerIdleServerConn {
    const NAME: &'static str = "mem_per_idle_conn_server";
    const ABOUT: &'static str = "server side: heap bytes per accepted TCP connection with its \
        task parked on read (500 connections; clients are std sockets)";
    const NETWORK: bool = true;

    fn measure<R: Rt>() -> io::Result<f64> {
        let rt = multi::<R>()?;
        idle_server_conns::<R>(&rt, CONNS)
    }
}

fn spawn_idle_clients<R: Rt>(
    rt: &R::Runtime,
    addr: SocketAddr,
    n: usize,
    parked: &Arc<AtomicUsize>,
) {
    let sp = R::spawner(rt);
    let parked = parked.clone();
    R::block_on(rt, async move {
        for _ in 0..n {
            let parked = parked.clone();
            spawn_detached::<R, _>(sp, async move {
                match R::connect(addr).await {
                    Ok(mut stream) => {
                        let mut buf = [0u8; 64];
                        mark_thread();
                        // Release: pairs with the Acquire load in `wait_for`.
                        parked.fetch_add(1, Release);
                        let _ = R::read(&mut stream, &mut buf).await;
                    }
                    Err(e) => eprintln!("weft-bench: connect on {}: {e}", R::KIND),
                }
            });
        }
    });
}

/// Spawns `n` idle clients in batches, each batch connected (its tasks
/// parked) and accepted before the next.
fn spawn_idle_clients_batched<R: Rt>(
    rt: &R::Runtime,
    addr: SocketAddr,
    n: usize,
    parked: &Arc<AtomicUsize>,
    accepted: &AtomicUsize,
) -> io::Result<()> {
    let mut left = n;
    while left > 0 {
        let batch = left.min(BATCH);
        // Acquire: pairs with the Release increment of the client tasks.
        let target = parked.load(Acquire) + batch;
        spawn_idle_clients::<R>(rt, addr, batch, parked);
        wait_for(parked, target, "client tasks of a batch")?;
        wait_for(accepted, target, "accepts of a batch")?;
        left -= batch;
    }
    Ok(())
}

/// Runs the client-side measurement with `n` connections.
///
/// # Errors
///
/// Socket errors, or connections that never park.
pub fn idle_client_conns<R: Rt>(rt: &R::Runtime, n: usize) -> io::Result<f64> {
    let listener = TcpListener::bind(loopback())?;
    let addr = listener.local_addr()?;
    let accepted = Arc::new(AtomicUsize::new(0));
    // Room for every connection up front: the acceptor's pushes must not
    // allocate while the bytes are counted.
    let mut held = Vec::with_capacity(WARM * WARM_BATCHES + n + 1);
    let count = accepted.clone();
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let acceptor = thread::Builder::new().name("idle-acceptor".into()).spawn(
        move || -> io::Result<Vec<TcpStream>> {
            loop {
                let stream = listener.accept()?.0;
                // Acquire: pairs with the Release store before the last
                // connect, which only wakes this thread up.
                if stop.load(Acquire) {
                    return Ok(held);
                }
                held.push(stream);
                // Release: pairs with the Acquire load in `wait_for`.
                count.fetch_add(1, Release);
            }
        },
    )?;
    let parked = Arc::new(AtomicUsize::new(0));
    for _ in 0..WARM_BATCHES {
        spawn_idle_clients_batched::<R>(rt, addr, WARM, &parked, &accepted)?;
        if every_worker_seen() {
            break;
        }
    }
    // Acquire: pairs with the Release increments of the client tasks.
    let warm = parked.load(Acquire);
    settle(&parked, warm, "warm-up client connections")?;
    let before = ALLOCATOR.live();
    spawn_idle_clients_batched::<R>(rt, addr, n, &parked, &accepted)?;
    settle(&parked, warm + n, "idle client connections")?;
    let after = ALLOCATOR.live();
    // Every connection was accepted (waited for above); one more connect
    // wakes the acceptor up to see `done`.
    // Release: pairs with the Acquire load in the acceptor.
    done.store(true, Release);
    drop(TcpStream::connect(addr)?);
    let servers = acceptor
        .join()
        .map_err(|_| io::Error::other("the std acceptor thread panicked"))??;
    drop(servers);
    Ok(per_unit(before, after, n))
}

/// `mem_per_idle_conn_client`: heap bytes per connected client stream whose
/// task is parked on `read`; the server is a std listener on a thread.
#[derive(Debug)]
pub struct PerIdleClientConn;

impl Memory for PerIdleClientConn {
    const NAME: &'static str = "mem_per_idle_conn_client";
    const ABOUT: &'static str = "client side: heap bytes per connected TCP stream with its task \
        parked on read (500 connections; the server is a std listener)";
    const NETWORK: bool = true;

    fn measure<R: Rt>() -> io::Result<f64> {
        let rt = multi::<R>()?;
        idle_client_conns::<R>(&rt, CONNS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::tests::skip_unavailable;
    use crate::rt::{Kind, SmolRt, TokioRt, WeftRt, WeftUringRt};

    fn check<R: Rt>() {
        let rt = multi::<R>().unwrap();
        let target = spawn_parked::<R>(&rt, 10);
        settle(&PARKED_POLLS, target, "test tasks").unwrap();
        // Counting is off in tests: the mechanics run, the bytes are 0.
        assert_eq!(idle_server_conns::<R>(&rt, 5).unwrap(), 0.0, "{}", R::KIND);
        assert_eq!(idle_client_conns::<R>(&rt, 5).unwrap(), 0.0, "{}", R::KIND);
    }

    #[test]
    fn parked_future_is_zero_sized_and_counts_polls() {
        assert_eq!(std::mem::size_of::<Parked>(), 0);
        check::<WeftRt>();
        if !skip_unavailable(Kind::WeftUring) {
            check::<WeftUringRt>();
        }
        check::<TokioRt>();
        check::<SmolRt>();
        assert!(!ALLOCATOR.is_enabled());
    }

    #[test]
    fn bytes_per_unit_is_the_difference_over_n() {
        assert_eq!(per_unit(1_000, 5_000, 100), 40.0);
        assert_eq!(per_unit(5_000, 1_000, 100), -40.0);
    }
}
