//! weft's main demo: real work on the runtime, with timings.
//!
//! `cargo run --release --example demo`
//!
//! Each part prints what happened and how long it took (dots show progress
//! while a long part runs); the end prints the peak resident memory and
//! the runtime's counters. The parts: a TCP echo server with 1,000
//! clients, 100,000 timers and how close to their deadlines they fire,
//! blocking work on the blocking pool, a burst of a million tasks, yields,
//! ping-pong wakes, remote spawns, a `JoinSet` with panicking and aborted
//! tasks, and `!Send` tasks on a `LocalSet`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use weft::runtime::{Builder, Handle};
use weft::task::{JoinSet, LocalSet};

fn main() -> std::io::Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let flavors = [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build()?,
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()?,
        ),
    ];
    for (name, rt) in flavors {
        println!("weft demo — {name} runtime\n");
        rt.block_on(async {
            // The parts run in a task, as a server's work does: on
            // multi_thread that puts them on a worker thread, not on the
            // thread blocked in `block_on`.
            weft::spawn(send_parts()).await.expect("demo task");
            part(
                "LocalSet: 10,000 !Send tasks sharing an Rc",
                local_set(10_000),
            )
            .await;
        });
        print_metrics(&rt);
        drop(rt);
        println!();
    }
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable on this platform"),
    }
    Ok(())
}

/// The parts of the demo that run in a (`Send`) task.
async fn send_parts() {
    part("TCP: echo server + 1,000 clients", tcp_clients(1_000)).await;
    part(
        "timers: 100,000 sleeps due over one second",
        many_timers(100_000),
    )
    .await;
    part("timer precision: 200 x sleep(1.5 ms)", precise_sleeps(200)).await;
    part(
        "spawn_blocking: 32 jobs x ~5 ms of hashing",
        blocking_work(32),
    )
    .await;
    part("spawn 1,000,000 tasks, await each", spawn_burst(1_000_000)).await;
    part(
        "200 tasks x 1,000 yield_now round trips",
        yield_many(200, 1_000),
    )
    .await;
    part(
        "ping-pong: 2 tasks, 100,000 wakes each way",
        ping_pong(100_000),
    )
    .await;
    part(
        "4 OS threads spawn 25,000 tasks each via Handle",
        remote_spawn(4, 25_000),
    )
    .await;
    part(
        "JoinSet: 10,000 tasks, 10 panic, 100 aborted",
        join_set_faults(),
    )
    .await;
}

/// The runtime's counters after the run.
fn print_metrics(rt: &weft::runtime::Runtime) {
    let metrics = rt.metrics();
    println!(
        "\nruntime metrics: workers={} spawned={} alive={} global_queue_depth={}",
        metrics.num_workers(),
        metrics.spawned_tasks_count(),
        metrics.num_alive_tasks(),
        metrics.global_queue_depth()
    );
    for worker in 0..metrics.num_workers() {
        println!(
            "  worker {worker}: polls={} steals={} parks={} overflows={}",
            metrics.worker_poll_count(worker),
            metrics.worker_steal_count(worker),
            metrics.worker_park_count(worker),
            metrics.worker_overflow_count(worker),
        );
    }
}

/// Runs one part of the demo and prints its timing, with a dot every
/// quarter second while it runs.
async fn part<F: Future<Output = String>>(title: &str, work: F) {
    print!("{title:<52} ");
    flush();
    let start = Instant::now();
    let mut dots = 0;
    let mut ticks = weft::time::interval(Duration::from_millis(250));
    ticks.tick().await;
    let work = std::pin::pin!(work);
    let mut work = work;
    let summary = loop {
        weft::select! {
            biased;
            summary = work.as_mut() => break summary,
            _ = ticks.tick() => {
                dots += 1;
                print!(".");
                flush();
            }
        }
    };
    let elapsed = start.elapsed();
    let pad = " ".repeat(10usize.saturating_sub(dots));
    println!("{pad}{:>9.2} ms   {summary}", elapsed.as_secs_f64() * 1e3);
}

fn flush() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// The 1,000-client echo program (`examples/async_tcp.rs`), measured: an
/// echo server and `clients` clients, each sending one message and reading
/// the echo.
async fn tcp_clients(clients: usize) -> String {
    use weft::io::{AsyncReadExt, AsyncWriteExt};
    let listener = weft::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let server = weft::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            weft::spawn(async move {
                let mut buffer = [0; 1024];
                if let Ok(n) = socket.read(&mut buffer).await {
                    let _ = socket.write_all(&buffer[..n]).await;
                }
            });
        }
    });
    let start = Instant::now();
    let mut set = JoinSet::new();
    for n in 0..clients {
        set.spawn(async move {
            let mut socket = weft::net::TcpStream::connect(addr).await?;
            let message = format!("Hello, world! from client {n}");
            socket.write_all(message.as_bytes()).await?;
            let mut buffer = [0; 1024];
            let got = socket.read(&mut buffer).await?;
            std::io::Result::Ok(&buffer[..got] == message.as_bytes())
        });
    }
    let mut echoed = 0;
    while let Some(result) = set.join_next().await {
        if matches!(result, Ok(Ok(true))) {
            echoed += 1;
        }
    }
    let elapsed = start.elapsed();
    server.abort();
    format!(
        "{echoed}/{clients} echoed, {:.0} connections/s",
        clients as f64 / elapsed.as_secs_f64()
    )
}

/// `n` sleeps with random deadlines spread over one second (after a head
/// start in which every task registers its timer); reports how late they
/// fired.
async fn many_timers(n: usize) -> String {
    let mut seed = 0x853c_49e6_748f_ea9bu64;
    let mut handles = Vec::with_capacity(n);
    let base = weft::time::Instant::now() + Duration::from_millis(200);
    for _ in 0..n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let deadline = base + Duration::from_micros(seed % 1_000_000);
        handles.push(weft::spawn(async move {
            weft::time::sleep_until(deadline).await;
            deadline.elapsed()
        }));
    }
    let mut late = Vec::with_capacity(n);
    for handle in handles {
        late.push(handle.await.expect("timer task"));
    }
    summarize_lateness(late)
}

/// `n` sleeps of 1.5 ms one after another; reports how late they ended.
async fn precise_sleeps(n: usize) -> String {
    let mut late = Vec::with_capacity(n);
    for _ in 0..n {
        let deadline = weft::time::Instant::now() + Duration::from_micros(1_500);
        weft::time::sleep_until(deadline).await;
        late.push(deadline.elapsed());
    }
    summarize_lateness(late)
}

fn summarize_lateness(mut late: Vec<Duration>) -> String {
    late.sort_unstable();
    let at = |q: f64| late[((late.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    format!(
        "none early; late by median {:.0} µs, p99 {:.0} µs",
        at(0.5),
        at(0.99)
    )
}

/// `jobs` CPU-bound closures on the blocking pool, awaited together.
async fn blocking_work(jobs: u64) -> String {
    let mut set = JoinSet::new();
    for job in 0..jobs {
        set.spawn_blocking(move || {
            // FNV-1a over ~5 ms worth of bytes.
            let mut hash = 0xcbf2_9ce4_8422_2325u64;
            for i in 0..8_000_000u64 {
                hash ^= (i ^ job) & 0xff;
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            hash
        });
    }
    let mut combined = 0u64;
    while let Some(hash) = set.join_next().await {
        combined ^= hash.expect("blocking job");
    }
    format!("{jobs} jobs done (xor of hashes {combined:016x})")
}

async fn spawn_burst(n: usize) -> String {
    let start = Instant::now();
    let mut total = 0usize;
    // Batches keep the number of live handles (and memory) bounded.
    for batch in 0..(n / 10_000) {
        let handles: Vec<_> = (0..10_000)
            .map(|i| weft::spawn(async move { i + batch }))
            .collect();
        for handle in handles {
            total += handle.await.expect("task ok");
        }
    }
    let per_task = start.elapsed().as_nanos() as f64 / n as f64;
    format!("{per_task:.0} ns/task (checksum {total})")
}

async fn yield_many(tasks: usize, yields: usize) -> String {
    let polls = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let polls = polls.clone();
            weft::spawn(async move {
                for _ in 0..yields {
                    weft::task::yield_now().await;
                    polls.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task ok");
    }
    format!("{} yields", polls.load(Ordering::Relaxed))
}

/// A one-slot mailbox between two tasks: the minimum needed to show the
/// wake path (real channels live in `weft::sync`).
#[derive(Default)]
struct Slot {
    inner: Mutex<(Option<u64>, Option<Waker>)>,
}

impl Slot {
    fn put(&self, value: u64) {
        let waker = {
            let mut inner = self.inner.lock().unwrap();
            inner.0 = Some(value);
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn take(&self) -> impl Future<Output = u64> + '_ {
        struct Take<'a>(&'a Slot);
        impl Future for Take<'_> {
            type Output = u64;
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
                let mut inner = self.0.inner.lock().unwrap();
                match inner.0.take() {
                    Some(value) => Poll::Ready(value),
                    None => {
                        inner.1 = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }
        }
        Take(self)
    }
}

async fn ping_pong(rounds: u64) -> String {
    let (ping, pong) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
    let responder = {
        let (ping, pong) = (ping.clone(), pong.clone());
        weft::spawn(async move {
            for _ in 0..rounds {
                let v = ping.take().await;
                pong.put(v + 1);
            }
        })
    };
    let mut value = 0;
    for _ in 0..rounds {
        ping.put(value);
        value = pong.take().await;
    }
    responder.await.expect("responder ok");
    format!("final value {value}")
}

async fn remote_spawn(threads: usize, per_thread: usize) -> String {
    let handle = Handle::current();
    let done = Arc::new(AtomicUsize::new(0));
    let spawners: Vec<_> = (0..threads)
        .map(|_| {
            let (handle, done) = (handle.clone(), done.clone());
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|_| {
                        let done = done.clone();
                        handle.spawn(async move {
                            done.fetch_add(1, Ordering::Relaxed);
                        })
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut handles = Vec::new();
    for spawner in spawners {
        // Joining an OS thread blocks briefly; the spawners are fast.
        handles.extend(spawner.join().expect("spawner thread"));
    }
    for handle in handles {
        handle.await.expect("task ok");
    }
    format!("{} tasks ran", done.load(Ordering::Relaxed))
}

async fn join_set_faults() -> String {
    // Keep the ten deliberate panics from printing ten backtraces.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut set = JoinSet::new();
    let mut aborts = Vec::new();
    for i in 0..10_000u32 {
        if i % 1_000 == 0 {
            set.spawn(async move { panic!("task {i} failed on purpose") });
        } else if i % 100 == 1 {
            aborts.push(set.spawn(std::future::pending::<u32>()));
        } else {
            set.spawn(async move { i });
        }
    }
    for handle in &aborts {
        handle.abort();
    }
    let (mut ok, mut panicked, mut cancelled) = (0, 0, 0);
    while let Some(result) = set.join_next().await {
        match result {
            Ok(_) => ok += 1,
            Err(err) if err.is_panic() => panicked += 1,
            Err(_) => cancelled += 1,
        }
    }
    std::panic::set_hook(previous_hook);
    format!("{ok} ok, {panicked} panicked, {cancelled} cancelled")
}

async fn local_set(tasks: usize) -> String {
    let counter = Rc::new(std::cell::Cell::new(0usize));
    let local = LocalSet::new();
    for _ in 0..tasks {
        let counter = counter.clone();
        local.spawn_local(async move {
            weft::task::yield_now().await;
            counter.set(counter.get() + 1);
        });
    }
    local.await;
    format!("Rc counter = {}", counter.get())
}

/// Peak resident set size, from the kernel's own accounting.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
