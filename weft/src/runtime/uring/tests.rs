//! The io_uring engine against real files in a temporary directory, on
//! both scheduler flavors. Never timed: the waits below are hang guards.

use super::{current_ring, Ring};
use crate::runtime::backends::RingConfig;
use crate::runtime::{Builder, FsBackend, Runtime};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use crate::util::temp_dir::TempDir;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn cpath(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

fn builder(flavor: &str, config: RingConfig, backend: FsBackend) -> Builder {
    let mut builder = match flavor {
        "current_thread" => Builder::new_current_thread(),
        "multi_thread" => {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(3);
            builder
        }
        other => unreachable!("no flavor {other}"),
    };
    // Sockets on epoll unless a test asks for rings that serve them (so
    // `WEFT_IO_BACKEND` does not change what these file tests see).
    builder
        .enable_all()
        .fs_backend(backend)
        .io_backend(crate::runtime::IoBackend::Epoll);
    builder.ring_config = config;
    builder
}

/// A runtime of `flavor` that must have rings.
fn runtime(flavor: &str, config: RingConfig) -> Runtime {
    builder(flavor, config, FsBackend::IoUring)
        .build()
        .expect("this kernel allows io_uring")
}

const FLAVORS: [&str; 2] = ["current_thread", "multi_thread"];

fn ring() -> Ring {
    current_ring().expect("an io_uring runtime has a ring for this thread")
}

/// Runs `f` inside a spawned task (so on a worker) on each flavor.
fn on_each_flavor<F, Fut>(f: F)
where
    F: Fn(Arc<TempDir>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let dir = Arc::new(TempDir::new("uring"));
        let task = f(dir.clone());
        rt.block_on(async move { crate::spawn(task).await.unwrap() });
    }
}

#[test]
fn open_write_read_sync_stat_close() {
    on_each_flavor(|dir| async move {
        let ring = ring();
        let path = cpath(&dir.join("file"));
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC;
        let fd = ring.open(path.clone(), flags, 0o644).await.unwrap();

        let (written, fd, buf) = ring.write(fd, b"hello, ring".to_vec(), 0, Some(0)).await;
        assert_eq!(written.unwrap(), 11);
        assert_eq!(buf, b"hello, ring");
        // Part of a buffer, at an offset.
        let (written, fd, _) = ring.write(fd, b"xxRING".to_vec(), 2, Some(7)).await;
        assert_eq!(written.unwrap(), 4);
        let (synced, fd) = ring.fsync(fd, false).await;
        synced.unwrap();
        let (synced, fd) = ring.fsync(fd, true).await;
        synced.unwrap();

        // Positional read after the bytes already in the buffer.
        let (read, fd, buf) = ring.read(fd, b">".to_vec(), 64, Some(0)).await;
        assert_eq!(read.unwrap(), 11);
        assert_eq!(buf, b">hello, RING");
        // At the current position (offset -1): it starts at 0 and advances.
        let (read, fd, buf) = ring.read(fd, Vec::new(), 5, None).await;
        assert_eq!((read.unwrap(), &buf[..]), (5, &b"hello"[..]));
        let (read, fd, buf) = ring.read(fd, Vec::new(), 64, None).await;
        assert_eq!((read.unwrap(), &buf[..]), (6, &b", RING"[..]));
        let (read, fd, _) = ring.read(fd, Vec::new(), 64, None).await;
        assert_eq!(read.unwrap(), 0, "end of file");

        let (stat, fd) = ring.statx_fd(fd).await;
        let stat = stat.unwrap();
        assert_eq!(stat.stx_size, 11);
        assert_eq!(u32::from(stat.stx_mode) & libc::S_IFMT, libc::S_IFREG);
        let (stat, _) = ring.statx_path(path.clone(), true).await;
        assert_eq!(stat.unwrap().stx_size, 11);
        ring.close(fd.unwrap()).await.unwrap();
        assert_eq!(std::fs::read(dir.join("file")).unwrap(), b"hello, RING");
    });
}

#[test]
fn rename_mkdir_unlink() {
    on_each_flavor(|dir| async move {
        let ring = ring();
        std::fs::write(dir.join("a"), b"a").unwrap();
        ring.rename(cpath(&dir.join("a")), cpath(&dir.join("b")))
            .await
            .unwrap();
        assert!(!dir.join("a").exists());
        assert_eq!(std::fs::read(dir.join("b")).unwrap(), b"a");

        ring.mkdir(cpath(&dir.join("sub")), 0o755).await.unwrap();
        assert!(dir.join("sub").is_dir());
        let err = ring.mkdir(cpath(&dir.join("sub")), 0o755).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);

        // A file is not removed as a directory, nor a directory as a file.
        let err = ring.unlink(cpath(&dir.join("b")), true).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR));
        let err = ring.unlink(cpath(&dir.join("sub")), false).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EISDIR));
        ring.unlink(cpath(&dir.join("b")), false).await.unwrap();
        ring.unlink(cpath(&dir.join("sub")), true).await.unwrap();
        assert!(!dir.join("b").exists() && !dir.join("sub").exists());
    });
}

#[test]
fn errors_are_the_kernels() {
    on_each_flavor(|dir| async move {
        let ring = ring();
        let missing = cpath(&dir.join("missing"));
        let err = ring.open(missing.clone(), libc::O_RDONLY, 0).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let err = ring.read_file(missing.clone()).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let (err, _) = ring.statx_path(missing.clone(), true).await;
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::NotFound);
        let err = ring.unlink(missing.clone(), false).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let err = ring
            .rename(missing, cpath(&dir.join("other")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        // A directory where a file is expected.
        let err = ring.read_file(cpath(dir.path())).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EISDIR));
        // Writing to a file opened read-only.
        std::fs::write(dir.join("ro"), b"x").unwrap();
        let fd = ring
            .open(cpath(&dir.join("ro")), libc::O_RDONLY, 0)
            .await
            .unwrap();
        let (err, _, _) = ring.write(fd, b"y".to_vec(), 0, Some(0)).await;
        assert_eq!(err.unwrap_err().raw_os_error(), Some(libc::EBADF));
    });
}

#[test]
fn read_file_of_every_size() {
    on_each_flavor(|dir| async move {
        let ring = ring();
        for size in [
            0,
            1,
            4096,
            16 * 1024 - 1,
            16 * 1024,
            16 * 1024 + 1,
            20 * 1024 - 1,
            20 * 1024,
            20 * 1024 + 1,
            300_000,
        ] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let path = dir.join(&format!("f{size}"));
            std::fs::write(&path, &data).unwrap();
            let read = ring.read_file(cpath(&path)).await.unwrap();
            assert!(read == data, "read_file of {size} bytes");
            // The fallback path, without direct descriptors.
            let read = ring.read_file_fd(cpath(&path)).await.unwrap();
            assert!(read == data, "read_file_fd of {size} bytes");
        }
        // A file whose size statx does not know: read until the end.
        let expected = std::fs::read("/proc/self/mountinfo").unwrap();
        let read = ring.read_file(cpath(Path::new("/proc/self/mountinfo"))).await.unwrap();
        assert!(!read.is_empty() && read.len().abs_diff(expected.len()) < 4096);
        // Every direct-descriptor slot is given back: more reads than slots.
        let path = dir.join("f4096");
        for _ in 0..super::ring::DIRECT_FILES * 3 {
            assert_eq!(ring.read_file(cpath(&path)).await.unwrap().len(), 4096);
        }
    });
}

#[test]
fn read_file_of_a_fifo_written_in_pieces() {
    // Short reads: the first read of the first submission gets the first
    // piece only, the second read (at the new position) the next piece,
    // which goes right after the first; later reads until the writer is
    // gone.
    on_each_flavor(|dir| async move {
        let path = dir.join("fifo");
        let c = cpath(&path);
        // SAFETY: `c` is a valid C string naming a path in our directory.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Read and write: opening does not wait for a reader, and the
        // pipe has a writer until this handle is dropped.
        let mut writer = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let feeder = std::thread::spawn(move || {
            use std::io::Write;
            for piece in [&b"first "[..], b"second ", b"third"] {
                writer.write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(30));
            }
        });
        let read = ring().read_file(c).await.unwrap();
        feeder.join().unwrap();
        assert_eq!(read, b"first second third");
    });
}

#[test]
fn many_tasks_across_workers() {
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let dir = Arc::new(TempDir::new("uring"));
        rt.block_on(async {
            let mut tasks = Vec::new();
            for i in 0..200usize {
                let dir = dir.clone();
                tasks.push(crate::spawn(async move {
                    let path = cpath(&dir.join(&format!("t{i}")));
                    let body = format!("task {i}").repeat(i % 7 + 1).into_bytes();
                    let ring = ring();
                    let flags = libc::O_WRONLY | libc::O_CREAT;
                    let fd = ring.open(path.clone(), flags, 0o600).await.unwrap();
                    // Yield between operations: on multi_thread the task may
                    // move to another worker, and poll its op from there.
                    crate::task::yield_now().await;
                    let (n, fd, _) = ring.write(fd, body.clone(), 0, Some(0)).await;
                    assert_eq!(n.unwrap(), body.len());
                    crate::task::yield_now().await;
                    ring.close(fd).await.unwrap();
                    // A ring picked after the yields: maybe another worker's.
                    assert_eq!(self::ring().read_file(path).await.unwrap(), body);
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
        });
    }
}

#[test]
fn outside_a_worker_the_op_is_submitted_at_once() {
    // `block_on`'s own future runs on this thread, not on a worker of the
    // multi-thread runtime: it uses the ring nobody owns and submits itself.
    let rt = runtime("multi_thread", RingConfig::default());
    let dir = TempDir::new("uring");
    std::fs::write(dir.join("x"), b"outside").unwrap();
    let read = rt.block_on(async { ring().read_file(cpath(&dir.join("x"))).await });
    assert_eq!(read.unwrap(), b"outside");
}

/// A descriptor wrapper that counts its drops.
struct Counted(OwnedFd, Arc<AtomicUsize>);

impl AsRawFd for Counted {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, SeqCst);
    }
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let (reader, writer) = std::io::pipe().unwrap();
    (reader.into(), writer.into())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "hang guard: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The rings of `rt`.
fn rings_of(rt: &Runtime) -> Arc<super::Rings> {
    rt.block_on(async {
        crate::runtime::context::with_current(|handle| handle.uring_rings().cloned())
    })
    .unwrap()
    .expect("an io_uring runtime has rings")
}

/// The rings of the runtime the caller runs in.
fn rings_of_current() -> Arc<super::Rings> {
    crate::runtime::context::with_current(|handle| handle.uring_rings().cloned())
        .unwrap()
        .expect("an io_uring runtime has rings")
}

/// Operations in flight on all of `rings`.
fn in_flight(rings: &super::Rings) -> usize {
    rings.rings.iter().map(|ring| ring.lock().in_flight()).sum()
}

/// Reads `pipes` pipes, in concurrent tasks on the runtime's workers
/// (`from_block_on` false) or one after another from `block_on`'s own
/// thread, which owns no ring of a multi-thread runtime. A thread writes
/// the pipes one at a time, each only once its read is in the kernel's
/// hands (a handshake on the rings' counts, so no write can complete a
/// read inline, however slow the machine). Returns how often the rings'
/// epoll entries were armed again.
///
/// With `sockets`, the rings also serve the runtime's stream sockets
/// (`IoBackend::Uring`): the owner that sleeps in the I/O driver then
/// sleeps in its ring, which polls epoll for it.
fn reads_completing_one_by_one(flavor: &str, pipes: usize, from_block_on: bool, sockets: bool) -> u64 {
    let backend = if sockets {
        crate::runtime::IoBackend::Uring
    } else {
        crate::runtime::IoBackend::Epoll
    };
    let rt = builder(flavor, RingConfig::default(), FsBackend::IoUring)
        .io_backend(backend)
        .build()
        .expect("this kernel allows io_uring");
    assert_eq!(rings_of(&rt).sockets, sockets, "the rings serve sockets as asked");
    let rings = rings_of(&rt);
    let (readers, writers): (Vec<_>, Vec<_>) = (0..pipes).map(|_| pipe()).unzip();
    let feeder = {
        let rings = rings.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            for (i, writer) in writers.into_iter().enumerate() {
                // Concurrent reads are all in flight before the first
                // write; sequential ones one at a time.
                let wanted = if from_block_on { 1 } else { pipes - i };
                wait_until("the reads are in flight", || in_flight(&rings) == wanted);
                // Let the reading threads go back to sleep.
                std::thread::sleep(Duration::from_millis(10));
                std::fs::File::from(writer)
                    .write_all(format!("pipe {i}").as_bytes())
                    .unwrap();
            }
        })
    };
    let reads = rt.block_on(async move {
        let reads = readers.into_iter().map(|reader| async move {
            let (n, _, buf) = ring().read(reader, Vec::with_capacity(16), 16, None).await;
            n.map(|n| String::from_utf8(buf[..n].to_vec()).unwrap())
        });
        let all = async move {
            let mut out = Vec::new();
            if from_block_on {
                for read in reads {
                    out.push(read.await);
                }
            } else {
                let tasks: Vec<_> = reads.map(crate::spawn).collect();
                for task in tasks {
                    out.push(task.await.unwrap());
                }
            }
            out
        };
        crate::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("hang guard: a completion was never reaped")
    });
    feeder.join().unwrap();
    let expected: Vec<String> = (0..pipes).map(|i| format!("pipe {i}")).collect();
    let reads: Vec<String> = reads.into_iter().collect::<io::Result<_>>().unwrap();
    assert_eq!(reads, expected, "{flavor}");
    rings.rings.iter().map(|ring| ring.lock().arms).sum()
}

#[test]
fn completions_while_the_owner_sleeps_wake_it() {
    // Reads submitted by the ring's owner, completing one by one while it
    // sleeps (on a condvar or in epoll). The kernel posts a pipe read's
    // completion through task work on the submitting thread, which
    // interrupts that thread's sleep: the owner's reap after each sleep
    // takes it, with or without the epoll entry.
    for flavor in FLAVORS {
        reads_completing_one_by_one(flavor, 4, false, false);
    }
}

#[test]
fn completions_wake_an_owner_sleeping_in_its_ring() {
    // The same reads on rings that serve sockets: the owner holding the
    // driver sleeps in `io_uring_enter` on its ring (epoll polled from
    // the ring); a worker on its condvar arms its ring's epoll entry,
    // which the driver's sleeper sees through that poll.
    for flavor in FLAVORS {
        reads_completing_one_by_one(flavor, 4, false, true);
    }
}

#[test]
fn off_owner_completions_reach_a_sleeper_in_a_ring() {
    // `block_on`'s thread submits to the ring nobody owns and arms its
    // epoll entry; whichever thread sleeps in the driver, in its own
    // ring, learns of the completion through that ring's poll of epoll,
    // and reaps it. The
    // reads completing in order is the verdict (the entry may stay armed
    // across reads when worker 0 reaps them in its ring).
    let arms = reads_completing_one_by_one("multi_thread", 3, true, true);
    assert!(arms >= 1, "the entry was armed for the first read: {arms}");
}

#[test]
fn completions_of_operations_submitted_off_the_owner_wake_it() {
    // `block_on`'s thread submits to the ring nobody owns at once and
    // arms its epoll entry; the completion interrupts only the submitting
    // thread, which reaps nothing: the epoll event (a thread in the
    // driver reaps and wakes it) ends the wait. A read usually finds the entry disarmed by
    // the previous one's event and arms it again; but when a worker's
    // reap took a completion before `epoll_wait` looked, the kernel skips
    // the event (the ring no longer polls readable) and the entry stays
    // armed for the next read (a soak under load saw one arm for three
    // reads). The reads completing in order is the verdict.
    let arms = reads_completing_one_by_one("multi_thread", 3, true, false);
    assert!(arms >= 1, "the entry was armed for the first read: {arms}");
}

#[test]
fn dropped_mid_flight_keeps_its_resources_until_the_completion() {
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let (reader, writer) = pipe();
        let drops = Arc::new(AtomicUsize::new(0));
        let fd = Counted(reader, drops.clone());
        let ring = rt.block_on(async { ring() });
        let in_flight = rt.block_on(async {
            // An empty pipe: the read stays in flight.
            let mut op = ring.read(fd, Vec::with_capacity(64), 64, None);
            let polled = std::future::poll_fn(|cx| {
                let _ = std::future::Future::poll(std::pin::Pin::new(&mut op), cx);
                std::task::Poll::Ready(())
            });
            polled.await;
            ring.shared.flush(true);
            let in_flight = ring.shared.lock().in_flight();
            drop(op);
            if flavor == "current_thread" {
                // Dropped by the ring's owner: the cancel waits for its
                // flush, and the read is still in the kernel's hands, so its
                // descriptor (and buffer) moved into the ring.
                assert_eq!(drops.load(SeqCst), 0);
            } else if drops.load(SeqCst) == 1 {
                // Dropped by `block_on`'s thread, which does not own the
                // ring: the cancel went at once (rule 9), and if the
                // descriptor is gone, the read's completion was taken.
                assert_eq!(ring.shared.lock().orphans(), 0, "released before its completion");
            }
            in_flight
        });
        assert_eq!(in_flight, 1, "{flavor}: the read was in flight");
        // The cancel's completion (or the read's) releases the data; until
        // then the descriptor and the buffer stay alive in the ring.
        wait_until("the orphaned read completes", || {
            ring.shared.flush(true);
            drops.load(SeqCst) == 1
        });
        assert_eq!(ring.shared.lock().in_flight(), 0);
        // Writing now reaches nobody's buffer.
        std::fs::File::from(writer).write_all_ignore();
        drop(rt);
    }
}

#[test]
fn runtime_drop_with_ops_in_flight() {
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let drops = Arc::new(AtomicUsize::new(0));
        let mut writers = Vec::new();
        for _ in 0..8 {
            let (reader, writer) = pipe();
            writers.push(writer);
            let fd = Counted(reader, drops.clone());
            rt.spawn(async move {
                let (result, _, _) = ring().read(fd, Vec::new(), 128, None).await;
                unreachable!("nothing is written to the pipe: {result:?}");
            });
        }
        // Let every task submit its read.
        rt.block_on(async {
            for _ in 0..10 {
                crate::task::yield_now().await;
            }
            crate::time::sleep(Duration::from_millis(20)).await;
        });
        drop(rt);
        // Every task's future was dropped; the rings waited for the
        // cancelled reads to complete before freeing their buffers.
        assert_eq!(drops.load(SeqCst), 8, "{flavor}");
        drop(writers);
    }
}

#[test]
fn a_full_ring_makes_operations_wait_and_loses_none() {
    let tiny = RingConfig {
        entries: 2,
        ..RingConfig::default()
    };
    for flavor in FLAVORS {
        let rt = runtime(flavor, tiny);
        let dir = Arc::new(TempDir::new("uring"));
        let waits = rt.block_on(async {
            let mut tasks = Vec::new();
            for i in 0..64usize {
                let dir = dir.clone();
                tasks.push(crate::spawn(async move {
                    let path = dir.join(&format!("s{i}"));
                    std::fs::write(&path, i.to_string()).unwrap();
                    let ring = ring();
                    // Four SQEs (the least: a chain of three must fit),
                    // eight in flight.
                    assert_eq!(ring.shared.lock().capacity(), 8);
                    let (stat, _) = ring.statx_path(cpath(&path), true).await;
                    assert_eq!(stat.unwrap().stx_size as usize, i.to_string().len());
                    let read = ring.read_file(cpath(&path)).await.unwrap();
                    assert_eq!(read, i.to_string().as_bytes());
                    ring
                }));
            }
            let mut rings = Vec::new();
            for task in tasks {
                rings.push(task.await.unwrap());
            }
            rings
                .iter()
                .map(|ring| ring.shared.lock().room_waits)
                .max()
                .unwrap()
        });
        assert!(waits > 0, "{flavor}: some operations waited for room");
    }
}

#[test]
fn operations_of_one_tick_share_one_submission() {
    // Twenty tasks each push a `statx` before the scheduler next checks its
    // driver: the flush submits all twenty with one `io_uring_enter`.
    let rt = runtime("current_thread", RingConfig::default());
    let dir = Arc::new(TempDir::new("uring"));
    std::fs::write(dir.join("x"), b"1234").unwrap();
    let ring = rt.block_on(async { ring() });
    let before = ring.shared.lock().enters;
    rt.block_on(async {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let path = cpath(&dir.join("x"));
                crate::spawn(async move {
                    let (stat, _) = self::ring().statx_path(path, true).await;
                    assert_eq!(stat.unwrap().stx_size, 4);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(ring.shared.lock().enters - before, 1);
}

#[test]
fn blocking_pool_backend_has_no_ring() {
    for flavor in FLAVORS {
        let rt = builder(flavor, RingConfig::default(), FsBackend::BlockingPool)
            .build()
            .unwrap();
        assert!(rt.block_on(async { current_ring().is_none() }));
        assert!(rt.block_on(async { crate::spawn(async { current_ring().is_none() }).await.unwrap() }));
    }
    // Outside a runtime there is no ring either.
    assert!(current_ring().is_none());
}

#[test]
fn auto_uses_io_uring_when_the_kernel_allows_it() {
    // Unless the environment variable forces the pool on `Auto`.
    let expected = std::env::var(crate::runtime::fs_backend::ENV_VAR).as_deref() != Ok("blocking-pool");
    for flavor in FLAVORS {
        let rt = builder(flavor, RingConfig::default(), FsBackend::Auto)
            .build()
            .unwrap();
        let index = rt.block_on(async {
            crate::spawn(async { current_ring().map(|ring| ring.index()) })
                .await
                .unwrap()
        });
        assert_eq!(index.is_some(), expected, "{flavor}: this kernel allows io_uring");
    }
}

#[test]
fn a_refused_setup_falls_back_to_the_blocking_pool() {
    for errno in [libc::EPERM, libc::ENOSYS, libc::ENOMEM] {
        let refused = RingConfig {
            refuse_with: Some(errno),
            ..RingConfig::default()
        };
        for flavor in FLAVORS {
            let rt = builder(flavor, refused, FsBackend::Auto).build().unwrap();
            assert!(rt.block_on(async { current_ring().is_none() }));
            let err = builder(flavor, refused, FsBackend::IoUring)
                .build()
                .unwrap_err();
            assert_eq!(err.raw_os_error(), Some(errno));
        }
    }
}

#[test]
fn rings_without_enable_io_still_wait_in_the_driver() {
    // No `enable_all`: the runtime builds the I/O driver for its rings,
    // and a task waiting on a completion is woken by it.
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(2).fs_backend(FsBackend::IoUring);
    let rt = builder.build().unwrap();
    let dir = TempDir::new("uring");
    std::fs::write(dir.join("x"), b"no io").unwrap();
    let path = cpath(&dir.join("x"));
    let read = rt.block_on(async move {
        crate::spawn(async move { ring().read_file(path).await })
            .await
            .unwrap()
    });
    assert_eq!(read.unwrap(), b"no io");
}

trait WriteAllIgnore {
    fn write_all_ignore(self);
}

impl WriteAllIgnore for std::fs::File {
    fn write_all_ignore(mut self) {
        use std::io::Write;
        let _ = self.write_all(b"late");
    }
}

/// One 4 KiB file read whole, through the ring (`read_file`: one
/// submission) and through `spawn_blocking(std::fs::read)`, on both
/// flavors; prints the median of many runs of each, interleaved. A
/// measurement, not a test: nothing is asserted about speed.
///
/// `cargo test -p weft-rt --all-features --release --lib
/// measure_read_4k -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a test: run it with --ignored --nocapture (release)"]
fn measure_read_4k_ring_vs_blocking_pool() {
    const ROUNDS: usize = 20;
    const PER_ROUND: usize = 500;
    let dir = TempDir::new("uring");
    let path = dir.join("4k");
    std::fs::write(&path, vec![7u8; 4096]).unwrap();
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let (mut ring_ns, mut pool_ns, mut pread_ns, mut sync_ns) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let cpath = cpath(&path);
        let file = Arc::new(std::fs::File::open(&path).unwrap());
        for _ in 0..ROUNDS {
            let (ring_round, pool_round, pread_round) = rt.block_on({
                let cpath = cpath.clone();
                let path = path.clone();
                let file = file.clone();
                async move {
                    crate::spawn(async move {
                        let start = Instant::now();
                        let mut file = file;
                        for _ in 0..PER_ROUND {
                            // The ring of the worker the task is on now, as
                            // `fs` picks it for each operation.
                            let (n, returned, _) = self::ring()
                                .read(file, Vec::with_capacity(4096), 4096, Some(0))
                                .await;
                            assert_eq!(n.unwrap(), 4096);
                            file = returned;
                        }
                        let pread_round = start.elapsed();
                        let start = Instant::now();
                        for _ in 0..PER_ROUND {
                            let data = self::ring().read_file(cpath.clone()).await.unwrap();
                            assert_eq!(data.len(), 4096);
                        }
                        let ring_round = start.elapsed();
                        let start = Instant::now();
                        for _ in 0..PER_ROUND {
                            let path = path.clone();
                            let data = crate::task::spawn_blocking(move || std::fs::read(path))
                                .await
                                .unwrap()
                                .unwrap();
                            assert_eq!(data.len(), 4096);
                        }
                        (ring_round, start.elapsed(), pread_round)
                    })
                    .await
                    .unwrap()
                }
            });
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                assert_eq!(std::fs::read(&path).unwrap().len(), 4096);
            }
            let sync_round = start.elapsed();
            let per_op = |d: Duration| d.as_nanos() as f64 / PER_ROUND as f64;
            ring_ns.push(per_op(ring_round));
            pool_ns.push(per_op(pool_round));
            pread_ns.push(per_op(pread_round));
            sync_ns.push(per_op(sync_round));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        println!(
            "{flavor}: median per op over {ROUNDS} rounds of {PER_ROUND}: \
             ring read_file {:.0} ns, spawn_blocking(std::fs::read) {:.0} ns, \
             ring 4 KiB pread on an open file {:.0} ns, std::fs::read on this thread {:.0} ns",
            median(&mut ring_ns),
            median(&mut pool_ns),
            median(&mut pread_ns),
            median(&mut sync_ns),
        );
    }
}

#[test]
fn an_operation_that_moves_is_woken_where_it_is_polled() {
    // Rule 3: a read pushed by a task on a worker, then moved to the
    // `block_on` thread and polled there, is woken on that thread when the
    // kernel completes it (after the pipe gets data).
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        let (reader, writer) = pipe();
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async {
            crate::spawn(async move {
                let mut op = ring().read(reader, Vec::new(), 16, None);
                let first = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(std::future::Future::poll(
                        std::pin::Pin::new(&mut op),
                        cx,
                    ))
                })
                .await;
                assert!(first.is_pending(), "an empty pipe has nothing to read");
                tx.send(op).unwrap();
            })
            .await
            .unwrap();
        });
        let op = rx.recv().unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            std::io::Write::write_all(&mut std::fs::File::from(writer), b"moved").unwrap();
        });
        let (read, _, buf) = rt.block_on(op);
        assert_eq!((read.unwrap(), &buf[..]), (5, &b"moved"[..]), "{flavor}");
        writer.join().unwrap();
    }
}

#[test]
fn a_file_opened_for_a_dropped_future_is_closed() {
    // The open completes (a FIFO opens at once: the kernel's first attempt
    // is non-blocking), but its future is dropped before it takes the
    // result: the descriptor is closed, so a non-blocking writer finds no
    // reader (ENXIO).
    let dir = Arc::new(TempDir::new("uring"));
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // The open must wait for the flush even in the only ready task.
    let config = RingConfig {
        submit_alone_at_once: false,
        ..RingConfig::default()
    };
    for flavor in FLAVORS {
        let rt = runtime(flavor, config);
        let path = cpath(&fifo);
        rt.block_on(async {
            crate::spawn(async move {
                let ring = ring();
                let mut op = ring.open(path, libc::O_RDONLY, 0);
                let first = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(std::future::Future::poll(
                        std::pin::Pin::new(&mut op),
                        cx,
                    ))
                })
                .await;
                assert!(first.is_pending(), "pushed, not submitted yet");
                wait_until("the open completes", || {
                    ring.shared.flush(true);
                    ring.shared.lock().in_flight() == 0
                });
                drop(op);
            })
            .await
            .unwrap();
        });
        let writer = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo);
        assert_eq!(
            writer.map(drop).unwrap_err().raw_os_error(),
            Some(libc::ENXIO),
            "{flavor}: no reader is left open"
        );
    }
}

/// `has_news`, what a worker's spin before parking watches, says whether
/// a flush would find something: false on an idle ring and while a
/// receive waits for data, true once data came for it, false again once
/// the read took it. (The data here is written by this thread, so the
/// kernel posts the completion at once; data written by another thread
/// while this one stays in user space first shows as `IORING_SQ_TASKRUN`,
/// which no test can hold still.)
#[test]
fn has_news_tells_data_for_a_receive_until_a_read_takes_it() {
    use crate::io::AsyncReadExt;
    use std::future::Future;
    use std::io::Write;
    use std::task::Poll;

    let rt = Builder::new_current_thread()
        .enable_all()
        .io_backend(crate::runtime::IoBackend::Uring)
        .build()
        .expect("this kernel allows io_uring");
    let rings = rings_of(&rt);
    let ring = rings.rings[0].clone();
    assert!(!ring.has_news(), "an idle ring has no news");
    rt.block_on(async {
        let (ours, mut theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let mut ours = crate::net::UnixStream::from_std(ours).unwrap();
        let mut buf = [0u8; 16];
        let mut read = std::pin::pin!(ours.read(&mut buf));
        let first = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "nothing was written: {first:?}");
        // The receive, pushed by that poll, goes to the kernel.
        ring.flush(false);
        assert!(!ring.has_news(), "a receive waiting for data is no news");
        theirs.write_all(b"news").unwrap();
        assert!(ring.has_news(), "data came for the receive");
        assert_eq!(read.await.unwrap(), 4);
        assert_eq!(&buf[..4], b"news");
        assert!(!ring.has_news(), "the read took the completion");
    });
}

/// A runtime of `flavor` whose sockets run on its rings.
fn socket_runtime(flavor: &str) -> Runtime {
    builder(flavor, RingConfig::default(), FsBackend::IoUring)
        .io_backend(crate::runtime::IoBackend::Uring)
        .build()
        .expect("this kernel allows io_uring")
}

/// Runs the future `f` makes inside a spawned task (so on a worker) of a
/// runtime whose sockets run on its rings, on each flavor (`f` gets the
/// flavor's name, for messages).
fn on_each_socket_flavor<F, Fut>(f: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for flavor in FLAVORS {
        let rt = socket_runtime(flavor);
        let task = f(flavor);
        rt.block_on(async move { crate::spawn(task).await.unwrap() });
    }
}

/// A connected pair of Unix stream sockets, `ours` non-blocking.
fn socket_pair() -> (std::os::unix::net::UnixStream, std::os::unix::net::UnixStream) {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    (ours, theirs)
}

/// `stream.poll_write(bufs)`, polled once: a write on io_uring never waits
/// while its write side is idle or has room to stage.
fn write_once(stream: &super::stream::RingStream, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    let waker = std::task::Waker::noop();
    match stream.poll_write(&mut std::task::Context::from_waker(waker), bufs) {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => panic!("a write with room to stage waited"),
    }
}

/// Writes to a socket with room go out from the caller's bytes (plain and
/// vectored): the stream stages no copy, so it never makes its write side,
/// and the peer gets every byte in order.
#[test]
fn a_write_with_room_is_sent_from_the_callers_bytes() {
    on_each_socket_flavor(|flavor| async move {
        let (ours, mut theirs) = socket_pair();
        let stream = super::stream::RingStream::new(ours.as_raw_fd(), &ring());
        assert_eq!(write_once(&stream, &[io::IoSlice::new(b"plain ")]).unwrap(), 6);
        let slices = [
            io::IoSlice::new(b""),
            io::IoSlice::new(b"vec"),
            io::IoSlice::new(b"tored "),
            io::IoSlice::new(b"write"),
        ];
        assert_eq!(write_once(&stream, &slices).unwrap(), 14);
        assert!(!stream.has_write_side(), "{flavor}: nothing was staged");
        let mut got = [0u8; 20];
        std::io::Read::read_exact(&mut theirs, &mut got).unwrap();
        assert_eq!(&got, b"plain vectored write");
        drop(stream);
    });
}

/// Fills `fd`'s send queue with bytes counting up from `*next`; returns
/// how many went in.
fn fill_send_queue(fd: RawFd, next: &mut u8) -> usize {
    let mut total = 0;
    loop {
        let chunk: Vec<u8> = (0..4096).map(|i| next.wrapping_add(i as u8)).collect();
        // SAFETY: `chunk` is valid for its length for the call.
        let sent = unsafe { libc::send(fd, chunk.as_ptr().cast(), chunk.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
        if sent < 0 {
            assert_eq!(io::Error::last_os_error().raw_os_error(), Some(libc::EAGAIN));
            return total;
        }
        *next = next.wrapping_add(sent as u8);
        total += sent as usize;
    }
}

/// Reads `total` bytes from `theirs` on another thread and checks they
/// count up from 0 (nothing lost, doubled or reordered).
fn read_counting(mut theirs: std::os::unix::net::UnixStream, total: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = 0usize;
        while seen < total {
            let n = std::io::Read::read(&mut theirs, &mut buf).unwrap();
            assert!(n > 0, "the stream ended after {seen} of {total} bytes");
            for (i, byte) in buf[..n].iter().enumerate() {
                assert_eq!(*byte, (seen + i) as u8, "byte {} out of order", seen + i);
            }
            seen += n;
        }
        assert_eq!(seen, total);
    })
}

/// A write to a socket without room is staged and sent behind, after the
/// bytes that filled the socket and before the next writes: the peer
/// reads one unbroken count.
#[test]
fn a_write_to_a_full_socket_is_staged_and_sent_behind() {
    on_each_socket_flavor(|flavor| async move {
        let (ours, theirs) = socket_pair();
        let stream = super::stream::RingStream::new(ours.as_raw_fd(), &ring());
        let mut next = 0u8;
        let mut total = fill_send_queue(ours.as_raw_fd(), &mut next);
        let chunk: Vec<u8> = (0..1000).map(|i| next.wrapping_add(i as u8)).collect();
        assert_eq!(write_once(&stream, &[io::IoSlice::new(&chunk)]).unwrap(), 1000);
        assert!(stream.has_write_side(), "{flavor}: a full socket makes the write stage a copy");
        total += 1000;
        next = next.wrapping_add(1000u32 as u8);
        let reader = read_counting(theirs, total + 3000);
        for _ in 0..3 {
            let chunk: Vec<u8> = (0..1000).map(|i| next.wrapping_add(i as u8)).collect();
            let written = std::future::poll_fn(|cx| stream.poll_write(cx, &[io::IoSlice::new(&chunk)]))
                .await
                .unwrap();
            assert_eq!(written, 1000);
            next = next.wrapping_add(1000u32 as u8);
        }
        std::future::poll_fn(|cx| stream.poll_flush(cx)).await.unwrap();
        assert!(!stream.has_write_side(), "{flavor}: a flush that sent everything frees the buffers");
        crate::task::spawn_blocking(move || reader.join().unwrap()).await.unwrap();
        drop(stream);
    });
}

/// A borrowed send that would wait for room (here: made without
/// `MSG_DONTWAIT`, so the kernel arms a poll for it) is cancelled before
/// the call returns, so the caller's bytes are free; none of them reach
/// the peer.
#[test]
fn a_borrowed_send_that_would_wait_is_cancelled_before_the_call_returns() {
    let rt = socket_runtime("current_thread");
    let rings = rings_of(&rt);
    let ring = rings.rings[0].clone();
    let (ours, theirs) = socket_pair();
    let mut next = 0u8;
    let total = fill_send_queue(ours.as_raw_fd(), &mut next);
    let before = ring.counters();
    let bytes = vec![0xEE; 4096];
    let sent = super::send_now::send_now_with_flags(&ring, ours.as_raw_fd(), &[io::IoSlice::new(&bytes)], libc::MSG_NOSIGNAL);
    assert!(sent.is_none(), "nothing was sent: {sent:?}");
    let after = ring.counters();
    assert_eq!(after.submissions - before.submissions, 2, "the send, then its cancel");
    drop(bytes);
    wait_until("the cancel's completion", || in_flight(&rings) == 0);
    drop(ours);
    read_counting(theirs, total).join().unwrap();
}


/// Reads one byte from `stream` (waiting for it).
async fn read_byte(stream: &super::stream::RingStream) -> u8 {
    let mut byte = [0u8; 1];
    std::future::poll_fn(|cx| {
        let mut buf = crate::io::ReadBuf::new(&mut byte);
        std::task::ready!(stream.poll_read(cx, &mut buf)).unwrap();
        assert_eq!(buf.filled().len(), 1, "one byte, not the end of the stream");
        std::task::Poll::Ready(())
    })
    .await;
    byte[0]
}

/// The ring holds a small reserve of the pool's buffers (`uring/buffers.rs`):
/// a stream that reads its messages one by one uses the reserve and one
/// more buffer, however many it receives (the rest of the pool is never
/// touched); and streams that hold more buffers than the reserve, each with
/// bytes not yet read, do not starve the ring: it is refilled as the kernel
/// takes from it, and every stream reads all its bytes.
#[test]
fn the_ring_holds_a_reserve_of_receive_buffers() {
    use super::buffers::RESERVE;
    use std::io::Write;
    let rt = socket_runtime("current_thread");
    let ring = rings_of(&rt).rings[0].clone();
    let used = || ring.lock().built_pool().map(|pool| pool.used());
    let stream_with = |bytes: &[u8]| {
        let (ours, mut theirs) = socket_pair();
        theirs.write_all(bytes).unwrap();
        let fd = std::os::fd::IntoRawFd::into_raw_fd(ours);
        let stream = rt.block_on(async { super::stream::RingStream::for_current_runtime(fd).unwrap() });
        (stream, theirs)
    };

    let (stream, mut peer) = stream_with(&[0]);
    rt.block_on(async {
        for i in 0..200u8 {
            assert_eq!(read_byte(&stream).await, i);
            peer.write_all(&[i.wrapping_add(1)]).unwrap();
        }
    });
    assert_eq!(used(), Some(RESERVE + 1), "one stream's messages cycle through the reserve and one more");

    let count = usize::from(RESERVE) + 8;
    let pairs: Vec<_> = (0..count).map(|i| stream_with(&[i as u8, !(i as u8)])).collect();
    rt.block_on(async {
        // Each stream reads one of its two bytes and holds the other in
        // its pool buffer.
        for (i, (stream, _)) in pairs.iter().enumerate() {
            assert_eq!(read_byte(stream).await, i as u8);
        }
        assert!(
            used().is_some_and(|used| usize::from(used) >= count),
            "the ring was not refilled: {:?} buffers used for {count} held",
            used()
        );
        for (i, (stream, _)) in pairs.iter().enumerate() {
            assert_eq!(read_byte(stream).await, !(i as u8), "stream {i} lost its second byte");
        }
    });
}

/// A stream that is not read while its peer sends keeps its multishot
/// receive's completions, each holding a pool buffer, until the ring runs
/// dry. The reap that takes those completions refills the ring
/// (`BufferPool::taken`, called by `RingInner::complete`), so another
/// stream's receive still finds a buffer; and every byte of the unread
/// stream is there, in order, when it reads. Counted when the stream read
/// a completion instead, the ring looked full while it was empty, and the
/// other stream retried its receive without end (the timeout fails it).
#[test]
fn a_stream_not_read_does_not_starve_the_others() {
    use super::buffers::{BUFFER_SIZE, RESERVE};
    use std::io::Write;
    use std::os::fd::IntoRawFd;
    let rt = socket_runtime("current_thread");
    let (a_ours, mut a_peer) = socket_pair();
    let (b_ours, mut b_peer) = socket_pair();
    let a = rt.block_on(async { super::stream::RingStream::for_current_runtime(a_ours.into_raw_fd()).unwrap() });
    let b = rt.block_on(async { super::stream::RingStream::for_current_runtime(b_ours.into_raw_fd()).unwrap() });
    // A's multishot receive is armed by a first read.
    a_peer.write_all(&[0]).unwrap();
    rt.block_on(async { assert_eq!(read_byte(&a).await, 0) });
    // More than the reserve can take: the kernel fills A's completions
    // from the ring while this thread writes (their task work runs on it),
    // until the ring is empty and A's receive ends (`ENOBUFS`).
    let sent: Vec<u8> = (0..(usize::from(RESERVE) + 8) * BUFFER_SIZE).map(|i| (i % 251) as u8).collect();
    a_peer.write_all(&sent).unwrap();
    b_peer.write_all(&[7]).unwrap();
    rt.block_on(async {
        let read = crate::time::timeout(std::time::Duration::from_secs(20), read_byte(&b)).await;
        assert_eq!(read.expect("the other stream's read never ended"), 7);
        // A reads everything it was sent, in order.
        let mut got = vec![0u8; sent.len()];
        let mut filled = 0;
        while filled < got.len() {
            filled += std::future::poll_fn(|cx| {
                let mut buf = crate::io::ReadBuf::new(&mut got[filled..]);
                std::task::ready!(a.poll_read(cx, &mut buf)).unwrap();
                std::task::Poll::Ready(buf.filled().len())
            })
            .await;
        }
        assert!(got == sent, "the unread stream's bytes changed");
    });
}

/// A receive follows its reader (`uring/stream.rs`): `block_on`'s thread
/// reads long enough for its receive (on the ring nobody owns, its
/// completions run through that thread) to be movable; then a task on a
/// worker reads and waits. The waiting read ends that receive without
/// pushing anything to its ring, and the next one runs on the worker's
/// ring. Every byte arrives, in order.
#[test]
fn a_receive_follows_its_reader_to_its_ring() {
    use std::io::Write;
    let rt = socket_runtime("multi_thread");
    let rings = rings_of(&rt);
    let others = rings.rings[rings.others()].clone();
    let (ours, theirs) = socket_pair();
    let fd = std::os::fd::IntoRawFd::into_raw_fd(ours);
    let stream = Arc::new(rt.block_on(async { super::stream::RingStream::for_current_runtime(fd).unwrap() }));
    // The peer writes a byte each time it is asked to.
    let (ask, asked) = std::sync::mpsc::channel::<u8>();
    let writer = std::thread::spawn(move || {
        let mut theirs = theirs;
        for byte in asked {
            theirs.write_all(&[byte]).unwrap();
        }
    });
    let moves = super::stream::MOVE_AFTER;
    rt.block_on({
        let stream = stream.clone();
        let ask = ask.clone();
        async move {
            for i in 0..moves {
                ask.send(i as u8).unwrap();
                assert_eq!(read_byte(&stream).await, i as u8);
            }
        }
    });
    let before = stream.receive_ring().expect("the multishot receive goes on");
    assert!(Arc::ptr_eq(&before, &others), "read on block_on's thread: the ring nobody owns");
    let pushed_there = others.counters().submissions;
    let last = rt.block_on({
        let stream = stream.clone();
        async move {
            crate::spawn(async move {
                let read = read_byte(&stream);
                let mut read = std::pin::pin!(read);
                // Waits: the receive is asked to end, from here.
                assert!(poll_once(&mut read).await, "nothing sent yet");
                ask.send(moves as u8).unwrap();
                let last = read.await;
                let after = stream.receive_ring().expect("a multishot receive again");
                (last, after)
            })
            .await
            .unwrap()
        }
    });
    let (byte, after) = last;
    assert_eq!(byte, moves as u8, "the byte sent after the move, and nothing lost before it");
    assert!(!Arc::ptr_eq(&after, &others), "the receive moved to the worker's ring");
    assert!(rings.rings[..rings.others()].iter().any(|ring| Arc::ptr_eq(ring, &after)));
    assert_eq!(others.counters().submissions, pushed_there, "nothing was pushed to the old ring");
    drop(stream);
    writer.join().unwrap();
}

/// A dropped stream's close is an operation of the ring (one submission,
/// counted on a ring no one else uses meanwhile: the runtime is not
/// running); a shutdown is a system call (no submission: see
/// `uring/stream.rs`). The peer reads what was written, then the end of
/// stream, and once the close ran its writes fail.
#[test]
fn a_close_is_an_operation_of_the_ring_and_a_shutdown_is_not() {
    let rt = socket_runtime("current_thread");
    let ring = rings_of(&rt).rings[0].clone();
    let (ours, mut theirs) = socket_pair();
    let fd = std::os::fd::IntoRawFd::into_raw_fd(ours);
    let stream = rt.block_on(async { super::stream::RingStream::for_current_runtime(fd).unwrap() });
    assert_eq!(write_once(&stream, &[io::IoSlice::new(b"last words")]).unwrap(), 10);
    let before = ring.counters();
    stream.shutdown_write().unwrap();
    assert_eq!(ring.counters().submissions, before.submissions, "the shutdown is a system call");
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut theirs, &mut got).unwrap();
    assert_eq!(got, b"last words");

    stream.release();
    assert!(stream.close_on_ring(), "the ring took the close");
    assert_eq!(ring.counters().submissions - before.submissions, 1, "the close");
    // Our end is closed: the peer's write fails.
    let err = std::io::Write::write_all(&mut theirs, b"anyone?").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    drop(stream);
}

/// A connect is one operation of the ring that ends with the kernel's own
/// outcome (no wait for writability, no `SO_ERROR`): connected to a
/// listener, refused by a port nobody listens on (held by a bound socket
/// that does not listen, so no test running in parallel can be given the
/// port); the write side made for it goes with it.
#[test]
fn a_connect_is_one_operation_of_the_ring() {
    on_each_socket_flavor(|flavor| async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let socket = crate::sys::nonblocking_tcp_socket(socket2::Domain::IPV4).unwrap();
        let stream = super::stream::RingStream::new(socket.as_raw_fd(), &ring());
        stream.start_connect(&addr);
        let waited = std::future::poll_fn(|cx| stream.poll_connect(cx)).await.unwrap();
        assert!(!waited, "{flavor}: the connect's own completion told the outcome");
        assert_eq!(socket.peer_addr().unwrap().as_socket(), Some(addr));
        assert!(!stream.has_write_side(), "{flavor}: the connect's write side went");
        drop(stream);
        drop(listener);

        let holder = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        holder.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
        let addr = holder.local_addr().unwrap().as_socket().unwrap();
        let socket = crate::sys::nonblocking_tcp_socket(socket2::Domain::IPV4).unwrap();
        let stream = super::stream::RingStream::new(socket.as_raw_fd(), &ring());
        stream.start_connect(&addr);
        let err = std::future::poll_fn(|cx| stream.poll_connect(cx)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{flavor}: {err}");
        drop(stream);
    });
}

/// The owner of a current-thread runtime's ring (inside its `block_on`)
/// sleeps in it until its unpark eventfd `fd` fires, while a thread
/// rescues a lost wake-up after 10 s (writes the eventfd again); returns
/// whether the sleep ended without the rescue. The eventfd is emptied
/// after.
fn owner_sleep_ends_unrescued(rt: &Runtime, ring: &super::ring::RingShared, fd: RawFd) -> bool {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rescued = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rescuer = {
        let (done, rescued) = (done.clone(), rescued.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !done.load(SeqCst) {
                if Instant::now() > deadline {
                    rescued.store(true, SeqCst);
                    crate::sys::eventfd_write(fd);
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    rt.block_on(async { ring.wait(None, super::ring::WakeSource::Unpark(fd)) });
    done.store(true, SeqCst);
    rescuer.join().unwrap();
    crate::sys::eventfd_drain(fd);
    !rescued.load(SeqCst)
}

/// Another thread may reap a ring whose owner sleeps in it (a send from a
/// thread outside the runtime reaps the ring it submits to) and so take
/// the completion of the owner's unpark eventfd. The wake-up still
/// reaches the owner: taken while the owner is awake, its next sleep ends
/// at once; taken while it is falling asleep, the ring is nudged (a no-op
/// whose completion ends the sleep), again if the nudge is taken too.
#[test]
fn a_wake_up_another_thread_takes_still_reaches_the_owner() {
    use super::ring::WakeSource;
    let rt = socket_runtime("current_thread");
    let ring = rings_of(&rt).rings[0].clone();
    let unpark = crate::sys::eventfd().unwrap();
    let fd = unpark.as_raw_fd();
    let (ours, mut theirs) = socket_pair();
    // The owner's first sleep puts the poll of its eventfd in the ring.
    rt.block_on(async { ring.wait(Some(Duration::from_millis(1)), WakeSource::Unpark(fd)) });
    // The unpark, and its completion taken by a thread that sends through
    // the ring (not the owner).
    let unpark_taken_elsewhere = |times: usize| {
        // Written on the owner's thread: the ring posts the poll's
        // completion as task work of the thread that submitted the poll
        // (`COOP_TASKRUN`), which runs as this thread returns from its
        // system calls.
        crate::sys::eventfd_write(fd);
        wait_until("the unpark's completion", || ring.queued_completions() > 0);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for _ in 0..times {
                    let sent = super::send_now::send_now(&ring, ours.as_raw_fd(), &[io::IoSlice::new(b"x")]);
                    assert_eq!(sent.unwrap().unwrap(), 1);
                }
            });
        });
    };

    // Taken while the owner is awake: its next sleep does not start.
    unpark_taken_elsewhere(1);
    assert_eq!(ring.nudges(), 0, "the owner was awake: nothing to nudge");
    assert!(
        owner_sleep_ends_unrescued(&rt, &ring, fd),
        "the owner slept through a wake-up another thread took"
    );

    // Taken while the owner falls asleep, then the nudge taken too (a
    // second send): nudged twice, and the sleep ends.
    ring.pretend_the_owner_is_falling_asleep();
    unpark_taken_elsewhere(2);
    assert_eq!(ring.nudges(), 2, "the unpark's completion and the first nudge were taken");
    assert!(owner_sleep_ends_unrescued(&rt, &ring, fd), "the owner slept through a nudge");
    let mut got = [0u8; 3];
    std::io::Read::read_exact(&mut theirs, &mut got).unwrap();
    assert_eq!(&got, b"xxx");
}

/// The address a ring connect hands the kernel is the one std and socket2
/// would: the same bytes, the same length, for IPv4 and IPv6.
#[test]
fn a_connect_address_is_laid_out_as_the_kernel_reads_it() {
    let addrs: [std::net::SocketAddr; 2] = [
        "192.0.2.7:8080".parse().unwrap(),
        std::net::SocketAddr::V6(std::net::SocketAddrV6::new("2001:db8::1".parse().unwrap(), 443, 7, 3)),
    ];
    for addr in addrs {
        let (raw, len) = crate::sys::raw_socket_addr(&addr);
        let expected = socket2::SockAddr::from(addr);
        assert_eq!(len, expected.len(), "{addr}: length");
        // SAFETY: both point to at least `len` initialized bytes.
        let (ours, theirs) = unsafe {
            (
                std::slice::from_raw_parts(std::ptr::from_ref(&raw).cast::<u8>(), len as usize),
                std::slice::from_raw_parts(expected.as_ptr().cast::<u8>(), len as usize),
            )
        };
        assert_eq!(ours, theirs, "{addr}: bytes");
    }
}

#[test]
fn chains_stay_whole_when_threads_submit_at_once() {
    // Threads push `read_file`'s chain (open into a direct descriptor,
    // then two reads of it) and its one-entry close to the same small ring
    // and enter the kernel without its lock. An enter that took part of a
    // chain would make the reads run before the open: `EBADF` (rule 8);
    // before the rule, 9 runs in 10 failed on an idle 2-core machine. A
    // close left unsubmitted while the ring was full would leave every
    // thread waiting for room (rule 9): before that rule, three loops of
    // runs side by side each hung within 80 runs.
    const THREADS: usize = 8;
    const READS: usize = 10_000;
    /// Only reached when the threads hang.
    const HANG: Duration = Duration::from_secs(120);
    let tiny = RingConfig {
        entries: 2,
        ..RingConfig::default()
    };
    let rt = Arc::new(runtime("multi_thread", tiny));
    let dir = Arc::new(TempDir::new("uring"));
    let body = b"a file read whole by many threads at once".to_vec();
    std::fs::write(dir.join("shared"), &body).unwrap();
    let path = cpath(&dir.join("shared"));
    let (done_tx, done) = std::sync::mpsc::channel();
    for _ in 0..THREADS {
        let (rt, path, body, done_tx) = (rt.clone(), path.clone(), body.clone(), done_tx.clone());
        // Each thread's `block_on` submits to the ring nobody owns at once,
        // all of them to the same one.
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async {
                    for _ in 0..READS {
                        assert_eq!(ring().read_file(path.clone()).await.unwrap(), body);
                    }
                })
            }));
            let _ = done_tx.send(result.is_ok());
        });
    }
    for finished in 0..THREADS {
        match done.recv_timeout(HANG) {
            Ok(ok) => assert!(ok, "a reader failed (its panic is above)"),
            Err(_) => panic!("{finished} of {THREADS} readers finished in {HANG:?}: the others hang"),
        }
    }
}

#[test]
fn a_block_in_place_thread_submits_what_it_pushes() {
    // Inside `block_in_place` the worker's core, and its ring, belong to
    // the thread that took the core: an operation pushed here must be
    // submitted here (rule 9), not left for a flush of that thread, which
    // may already sleep.
    let rt = runtime("multi_thread", RingConfig::default());
    let dir = TempDir::new("uring");
    std::fs::write(dir.join("x"), b"read inside block_in_place").unwrap();
    let path = cpath(&dir.join("x"));
    let (done_tx, done) = std::sync::mpsc::channel();
    rt.spawn(async move {
        let read = crate::task::block_in_place(|| {
            // Time for the thread that took the core to run out of work and
            // sleep; the verdict does not depend on it.
            std::thread::sleep(Duration::from_millis(50));
            crate::runtime::Handle::current().block_on(async { ring().read_file(path).await })
        });
        let _ = done_tx.send(read.map_err(|e| e.to_string()));
    });
    let read = done
        .recv_timeout(Duration::from_secs(60))
        .expect("the read pushed inside block_in_place never completed");
    assert_eq!(read.unwrap(), b"read inside block_in_place");
}

/// Polls `op` once, on its own, and returns whether it is still pending.
async fn poll_once<F: std::future::Future + Unpin>(op: &mut F) -> bool {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut *op).poll(cx).is_pending())).await
}

/// A 16-byte read of a fresh pipe on the current ring, polled once: pushed
/// and, on a batching owner, not submitted yet. Returns the pipe's write
/// end too.
async fn a_pushed_pipe_read() -> (Ring, super::op::Op<super::ops::Read<OwnedFd>>, OwnedFd) {
    let ring = ring();
    let (reader, writer) = pipe();
    let mut read = ring.read(reader, Vec::new(), 16, None);
    assert!(poll_once(&mut read).await, "pushed, not submitted yet");
    (ring, read, writer)
}

/// Submits what `ring` holds from a thread that then exits: the kernel
/// cancels what that thread submitted and is still waiting.
fn submit_from_an_exiting_thread(ring: &Ring) {
    let shared = ring.shared.clone();
    std::thread::spawn(move || {
        let inner = shared.lock();
        shared.submit_now(inner, super::Submitter::Other);
    })
    .join()
    .unwrap();
}

/// Runs the future `f` makes (given the flavor's name) in a spawned task
/// on each flavor, on rings whose owner leaves even its only ready task's
/// operations to the flush (so another thread can submit them first).
fn on_each_batching_flavor<F, Fut>(f: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let config = RingConfig {
        submit_alone_at_once: false,
        ..RingConfig::default()
    };
    for flavor in FLAVORS {
        let rt = runtime(flavor, config);
        let task = f(flavor);
        rt.block_on(async move { crate::spawn(task).await.unwrap() });
    }
}

/// A thread that is no scheduler thread of the runtime (here one in
/// `Handle::block_on`) submits to a ring of its own, never to a worker's:
/// the entries a worker batched stay for its own flush. Before, such a
/// thread used ring 0 and its enter took every entry queued there, so the
/// kernel ran those operations' completions through its task work for as
/// long as they lived (a multishot receive: the whole connection), and
/// each interrupted its sleep.
#[test]
fn a_thread_outside_the_scheduler_never_submits_a_workers_entries() {
    on_each_batching_flavor(|flavor| async move {
        let (ring, read, _writer) = a_pushed_pipe_read().await;
        let queued = ring.shared.lock().queued_entries();
        assert!(queued >= 1, "{flavor}: the read waits for the flush");
        let handle = crate::runtime::Handle::current();
        let dir = TempDir::new("uring");
        std::fs::write(dir.join("x"), b"outside").unwrap();
        let path = cpath(&dir.join("x"));
        let other = std::thread::spawn(move || {
            handle.block_on(async move {
                let other = self::ring();
                assert_eq!(other.read_file(path).await.unwrap(), b"outside");
                other
            })
        })
        .join()
        .unwrap();
        assert!(
            !Arc::ptr_eq(&other.shared, &ring.shared),
            "{flavor}: the other thread used the worker's ring"
        );
        let rings = rings_of_current();
        assert!(
            Arc::ptr_eq(&other.shared, &rings.rings[rings.others()]),
            "{flavor}: the other thread's ring is the last, which no scheduler thread owns"
        );
        assert_eq!(
            ring.shared.lock().queued_entries(),
            queued,
            "{flavor}: the worker's entries are still its own to submit"
        );
        drop(read);
    });
}

/// The wakes of a ring's reap run as I/O wakes on a worker
/// (`scheduler::Context::wake_from_ring`: they queue in order, with no
/// LIFO slot and no LIFO rescue): a waker that a reap on a worker wakes sees the worker's flag set.
#[test]
fn a_reap_on_a_worker_wakes_as_io() {
    use crate::runtime::scheduler::Context as SchedulerContext;
    use std::sync::atomic::AtomicBool;
    #[derive(Default)]
    struct Probe {
        woken: AtomicBool,
        as_io: AtomicBool,
    }
    impl std::task::Wake for Probe {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            let as_io = crate::runtime::context::with_scheduler(|cx| {
                matches!(cx, Some(SchedulerContext::MultiThread(cx)) if cx.waking_from_io())
            });
            self.as_io.store(as_io, SeqCst);
            self.woken.store(true, SeqCst);
        }
    }
    let rt = runtime("multi_thread", RingConfig::default());
    rt.block_on(async {
        crate::spawn(async {
            let ring = ring();
            let (reader, writer) = pipe();
            let probe = Arc::new(Probe::default());
            let waker = std::task::Waker::from(probe.clone());
            let mut read = ring.read(reader, Vec::new(), 16, None);
            let polled = std::future::Future::poll(std::pin::Pin::new(&mut read), &mut std::task::Context::from_waker(&waker));
            assert!(polled.is_pending(), "nothing written yet");
            std::io::Write::write_all(&mut std::fs::File::from(writer), b"x").unwrap();
            // The completion is posted as this thread's task work (a system
            // call runs it); this worker's reap then wakes the probe.
            for _ in 0..5000 {
                ring.shared.reap();
                if probe.woken.load(SeqCst) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(probe.woken.load(SeqCst), "the reap woke the read's waker");
            assert!(probe.as_io.load(SeqCst), "as an I/O wake");
            drop(read);
        })
        .await
        .unwrap();
    });
}

/// Rule 10: an operation of a live future that the kernel cancelled
/// because the thread that submitted it exited goes again. Before, the
/// read returned `ECANCELED`.
#[test]
fn an_operation_the_kernel_cancels_unasked_goes_again() {
    on_each_batching_flavor(|flavor| async move {
        let (ring, read, writer) = a_pushed_pipe_read().await;
        submit_from_an_exiting_thread(&ring);
        std::io::Write::write_all(&mut std::fs::File::from(writer), b"still here").unwrap();
        let (result, _reader, buf) = read.await;
        assert_eq!(result.unwrap(), 10, "{flavor}");
        assert_eq!(buf, b"still here");
        assert_eq!(ring.shared.lock().resubmitted, 1, "{flavor}: the kernel cancelled it once");
    });
}

/// Rule 10 for `read_file`'s chain: the open ran, and the reads waiting
/// on a FIFO were cancelled by the exit of the thread that submitted
/// them; the file is still read whole.
#[test]
fn read_file_reads_on_after_its_reads_are_cancelled_unasked() {
    on_each_batching_flavor(|flavor| async move {
        let dir = TempDir::new("uring");
        let path = dir.join("fifo");
        let c = cpath(&path);
        // SAFETY: `c` is a valid C string naming a path in our directory.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Read and write: the open does not wait, and the FIFO has a
        // writer until this handle is dropped.
        let mut writer = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        let ring = ring();
        let mut read = Box::pin(ring.read_file(c));
        assert!(poll_once(&mut read).await, "pushed, not submitted yet");
        submit_from_an_exiting_thread(&ring);
        std::io::Write::write_all(&mut writer, b"after the exit").unwrap();
        drop(writer);
        assert_eq!(read.await.unwrap(), b"after the exit", "{flavor}");
    });
}

/// Rule 10 for a direct descriptor's close, which nobody waits for: one
/// the kernel cancelled is pushed again, and the slot is free only once
/// that close has completed.
#[test]
fn a_direct_close_the_kernel_cancels_unasked_goes_again() {
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        rt.block_on(async {
            crate::spawn(async move {
                let ring = ring();
                let slot = {
                    let mut inner = ring.shared.lock();
                    let slot = inner.complete_cancelled_direct_close();
                    assert!(!inner.file_slot_is_free(slot), "{flavor}: still held by the cancelled close");
                    slot
                };
                wait_until("the direct slot is free", || {
                    ring.shared.flush(true);
                    ring.shared.lock().file_slot_is_free(slot)
                });
            })
            .await
            .unwrap();
        });
    }
}

/// `owed.rs`: a scheduler thread leaves the closes it pushes to another
/// runtime's ring to its next flush, and submits them when it stops
/// running the scheduler (`block_on` returns) or gives its core away
/// (`block_in_place`), so none waits for an owner that sleeps.
#[test]
fn closes_owed_to_a_sleeping_owner_go_when_the_scheduler_stops() {
    let dir = TempDir::new("uring");
    std::fs::write(dir.join("x"), b"owed").unwrap();
    // The ring whose owner sleeps: another runtime's, idle.
    let other = runtime("multi_thread", RingConfig::default());
    let theirs = other.block_on(async { ring() });
    let closed = || {
        wait_until("the owed close is submitted and completes", || {
            theirs.shared.lock().in_flight() == 0
        })
    };
    for flavor in FLAVORS {
        let rt = runtime(flavor, RingConfig::default());
        // On current_thread, from `block_on`'s thread, which runs the
        // scheduler and owes until `block_on` returns; on multi_thread,
        // from a worker, which owes until its next flush.
        let read = rt.block_on({
            let theirs = theirs.clone();
            let path = cpath(&dir.join("x"));
            async move {
                match flavor {
                    "current_thread" => theirs.read_file(path).await.unwrap(),
                    _ => crate::spawn(async move { theirs.read_file(path).await.unwrap() })
                        .await
                        .unwrap(),
                }
            }
        });
        assert_eq!(read, b"owed");
        closed();

        // From a worker's task, then `block_in_place` (the thread that
        // owes blocks; the one that takes its core owes nothing).
        if flavor == "multi_thread" {
            let theirs = theirs.clone();
            let path = cpath(&dir.join("x"));
            rt.block_on(async move {
                crate::spawn(async move {
                    assert_eq!(theirs.read_file(path).await.unwrap(), b"owed");
                    crate::task::block_in_place(|| {
                        wait_until("the close owed before block_in_place completes", || {
                            theirs.shared.lock().in_flight() == 0
                        })
                    });
                })
                .await
                .unwrap();
            });
        }
    }
}

/// Rule 10 for a dropped write, which runs to completion: the exit of the
/// thread that submitted it (while it waited for room in a full pipe)
/// cancels it; it goes again, and its bytes still reach the reader.
#[test]
fn a_dropped_write_goes_again_when_its_submitter_exits() {
    let rt = runtime("multi_thread", RingConfig::default());
    let rings = rings_of(&rt);
    let ring = super::Ring {
        shared: rings.rings[0].clone(),
    };
    let (reader, writer) = pipe();
    // Fill the pipe, so that the write waits.
    // SAFETY: `writer` is a valid descriptor we own.
    assert_eq!(unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) }, 0);
    let mut filled = 0usize;
    loop {
        // SAFETY: the buffer is valid for its length.
        let n = unsafe { libc::write(writer.as_raw_fd(), [0u8; 4096].as_ptr().cast(), 4096) };
        if n < 0 {
            break;
        }
        filled += n as usize;
    }
    std::thread::spawn(move || {
        let mut write = ring.write(writer, b"after the exit".to_vec(), 0, None).run_to_completion();
        let waker = std::task::Waker::noop();
        let polled = std::future::Future::poll(std::pin::Pin::new(&mut write), &mut std::task::Context::from_waker(waker));
        assert!(polled.is_pending(), "the write waits for room");
        // Runs on without its future; the thread exits next.
        drop(write);
    })
    .join()
    .unwrap();
    let mut got = Vec::new();
    let mut reader = std::fs::File::from(reader);
    let mut buf = vec![0u8; 64 * 1024];
    // Until the write's bytes come, and its descriptor (the only writer)
    // closes with the orphan, which ends the pipe.
    loop {
        let n = std::io::Read::read(&mut reader, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got.len(), filled + 14, "every byte, the write's included");
    assert_eq!(&got[filled..], b"after the exit");
    drop(rt);
}
