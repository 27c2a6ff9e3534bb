//! `weft::fs` on the io_uring backend, where the engine's own state can be
//! seen: the calls routed to the ring use no pool thread, a full ring
//! makes them wait and loses none, and a read dropped mid-flight keeps its
//! file until its completion. Real files in a temporary directory, on both
//! scheduler flavors; never timed (the waits are hang guards).

use super::ops::{self, FileRef};
use crate::fs;
use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::runtime::backends::RingConfig;
use crate::runtime::uring::current_ring;
use crate::runtime::{Builder, FsBackend, Runtime};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use crate::util::temp_dir::TempDir;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

/// How long a wait may take before the test fails (a hang guard).
const PATIENCE: Duration = Duration::from_secs(20);

const FLAVORS: [&str; 2] = ["current_thread", "multi_thread"];

/// A runtime of `flavor` with files on io_uring (whatever the environment
/// says: `IoUring` is not `Auto`) and sockets on epoll (rings that serve
/// sockets size their completion queue for them, not by `config`).
fn ring_runtime(flavor: &str, config: RingConfig) -> Runtime {
    let mut builder = match flavor {
        "current_thread" => Builder::new_current_thread(),
        "multi_thread" => {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(3);
            builder
        }
        other => unreachable!("no flavor {other}"),
    };
    builder
        .enable_all()
        .fs_backend(FsBackend::IoUring)
        .io_backend(crate::runtime::IoBackend::Epoll);
    builder.ring_config = config;
    builder.build().expect("this kernel allows io_uring")
}

/// Every call `ops` routes to the ring, once, checked against std.
async fn every_ring_call(dir: &TempDir, name: &str) {
    let path = dir.join(name);
    fs::write(&path, b"hello").await.unwrap();
    assert_eq!(fs::read(&path).await.unwrap(), b"hello");
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut head = [0u8; 2];
    file.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"he");
    // The write goes after what was read, not after what was read ahead.
    file.write_all(b"LLO, world").await.unwrap();
    file.flush().await.unwrap();
    file.sync_all().await.unwrap();
    file.sync_data().await.unwrap();
    drop(file);
    assert_eq!(std::fs::read(&path).unwrap(), b"heLLO, world");
    let moved = dir.join(&format!("{name}-moved"));
    fs::rename(&path, &moved).await.unwrap();
    fs::remove_file(&moved).await.unwrap();
    assert!(!moved.exists());
    let sub = dir.join(&format!("{name}-dir"));
    fs::DirBuilder::new().mode(0o700).create(&sub).await.unwrap();
    assert!(std::fs::metadata(&sub).unwrap().is_dir());
    fs::remove_dir(&sub).await.unwrap();
    assert!(!sub.exists());
}

#[test]
fn calls_on_the_ring_use_no_blocking_thread() {
    for flavor in FLAVORS {
        let rt = ring_runtime(flavor, RingConfig::default());
        let dir = Arc::new(TempDir::new("fs-ring"));
        let dir2 = dir.clone();
        rt.block_on(async move {
            every_ring_call(&dir2, "main").await;
            crate::spawn(async move { every_ring_call(&dir2, "task").await })
                .await
                .unwrap();
        });
        assert_eq!(
            rt.metrics().num_blocking_threads(),
            0,
            "{flavor}: an fs call meant for the ring ran on the blocking pool"
        );
        // A call that stays on the pool does start a pool thread: the
        // counter above can see one.
        rt.block_on(async { fs::metadata(dir.join("")).await.unwrap() });
        assert!(rt.metrics().num_blocking_threads() > 0, "{flavor}");
    }
}

#[test]
fn a_full_ring_makes_fs_calls_wait_and_loses_none() {
    // The least ring (a chain of three must fit): eight in flight.
    let tiny = RingConfig {
        entries: 2,
        ..RingConfig::default()
    };
    for flavor in FLAVORS {
        let rt = ring_runtime(flavor, tiny);
        let dir = Arc::new(TempDir::new("fs-ring"));
        let waits = rt.block_on(async {
            let tasks: Vec<_> = (0..64usize)
                .map(|i| {
                    let dir = dir.clone();
                    crate::spawn(async move {
                        let path = dir.join(&format!("f{i}"));
                        let contents = format!("file {i}").repeat(i + 1);
                        fs::write(&path, &contents).await.unwrap();
                        assert_eq!(fs::read_to_string(&path).await.unwrap(), contents);
                        let mut file = fs::File::open(&path).await.unwrap();
                        let mut read = String::new();
                        file.read_to_string(&mut read).await.unwrap();
                        assert_eq!(read, contents);
                        file.sync_all().await.unwrap();
                        fs::remove_file(&path).await.unwrap();
                        current_ring().expect("a ring runtime").room_waits()
                    })
                })
                .collect();
            let mut waits = 0;
            for task in tasks {
                waits = waits.max(task.await.unwrap());
            }
            waits
        });
        assert!(waits > 0, "{flavor}: some calls waited for room");
        assert_eq!(rt.metrics().num_blocking_threads(), 0, "{flavor}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{flavor}");
    }
}

/// A pipe's read end as a `FileRef`: a read from it waits in the kernel
/// until the write end is written (or closed).
fn pipe() -> (FileRef, std::io::PipeWriter) {
    let (reader, writer) = std::io::pipe().unwrap();
    let fd = std::os::fd::OwnedFd::from(reader);
    (Arc::new(std::fs::File::from(fd)), writer)
}

/// Polls `op` once with the task's context; whether it finished.
async fn poll_once<F: Future + Unpin>(op: &mut F) -> bool {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *op).poll(cx).is_ready())).await
}

/// Yields (and sleeps, so the driver reaps) until `done`, at most
/// `PATIENCE`.
async fn until(mut done: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "{what}");
        crate::time::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn a_read_dropped_mid_flight_keeps_its_file_until_it_completes() {
    for flavor in FLAVORS {
        let rt = ring_runtime(flavor, RingConfig::default());
        rt.block_on(async {
            crate::spawn(async move {
                let (file, writer) = pipe();
                let mut op = ops::read(&file, Vec::with_capacity(16), 16);
                assert!(!poll_once(&mut op).await, "{flavor}: nothing to read yet");
                // Submitted (the scheduler flushes before it runs this
                // task again), and waiting in the kernel.
                for _ in 0..3 {
                    crate::task::yield_now().await;
                }
                assert!(!poll_once(&mut op).await, "{flavor}: still nothing to read");
                assert_eq!(Arc::strong_count(&file), 2, "{flavor}: the op holds the file");
                drop(op);
                // The drop submitted the cancel at once; the ring let go of
                // the file when the cancelled read's completion came.
                until(
                    || Arc::strong_count(&file) == 1,
                    "the ring let go of the file once the read completed",
                )
                .await;
                // The cancelled read took nothing: the next one gets what
                // is written now.
                let mut writer = writer;
                std::io::Write::write_all(&mut writer, b"hello").unwrap();
                let (n, buf) = ops::read(&file, Vec::new(), 16).await;
                assert_eq!(n.unwrap(), 5, "{flavor}");
                assert_eq!(buf, b"hello");
                drop(writer);
                let (n, _) = ops::read(&file, Vec::new(), 16).await;
                assert_eq!(n.unwrap(), 0, "{flavor}: end of the pipe");
            })
            .await
            .unwrap();
        });
    }
}

#[test]
fn a_file_dropped_with_a_write_in_flight_still_writes() {
    // `File::poll_write` returns before its write is done; the write must
    // happen even if the `File` is dropped before anyone waits for it.
    for flavor in FLAVORS {
        let rt = ring_runtime(flavor, RingConfig::default());
        let dir = TempDir::new("fs-ring");
        let path = dir.join("dropped");
        rt.block_on(async {
            let mut file = fs::File::create(&path).await.unwrap();
            file.write_all(b"written").await.unwrap();
            drop(file);
            let path = path.clone();
            until(
                move || std::fs::read(&path).unwrap() == b"written",
                "the write of a dropped File completed",
            )
            .await;
        });
    }
}
