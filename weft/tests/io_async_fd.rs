//! `AsyncFd` on every runtime flavor, over one end of a non-blocking std
//! `UnixStream` pair: wait readable, `try_io`, clearing readiness on
//! `WouldBlock`, writable back-pressure, and `into_inner`.

// AsyncFd's safe constructors (deprecated, as in tokio 1.54) are used
// here; every value keeps its descriptor open and unchanged while registered.
#![allow(deprecated)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::Poll;
use support::*;
use weft::io::unix::AsyncFd;
use weft::io::{Interest, Ready};

/// A std stream pair; the second end is non-blocking, for the `AsyncFd`.
fn pair() -> (UnixStream, UnixStream) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    theirs.set_nonblocking(true).unwrap();
    (ours, theirs)
}

/// Reads through `fd` until `n` bytes arrived, waiting for readiness and
/// retrying after `WouldBlock`.
async fn read_n(fd: &AsyncFd<UnixStream>, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while got.len() < n {
        let mut guard = fd.readable().await.unwrap();
        match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
            Ok(Ok(0)) => panic!("unexpected end of stream"),
            Ok(Ok(k)) => got.extend_from_slice(&buf[..k]),
            Ok(Err(err)) => panic!("{err}"),
            Err(_would_block) => {}
        }
    }
    got
}

rt_test! {
    fn try_new_hands_the_value_back_on_failure(rt: &Runtime) {
        rt.block_on(async {
            // epoll refuses a regular file (EPERM): the file comes back open.
            let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
            let err = AsyncFd::try_new(file).unwrap_err();
            assert!(err.to_string().contains("ermission") || err.to_string().contains("not permitted"), "{err}");
            assert!(std::error::Error::source(&err).is_some());
            let (file, cause) = err.into_parts();
            assert_eq!(cause.raw_os_error(), Some(libc_eperm()));
            assert!(file.metadata().is_ok());

            // The same descriptor twice: EEXIST, and the second value comes
            // back while the first registration keeps working.
            let (a, mut b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let first = AsyncFd::try_with_interest(a, Interest::READABLE).unwrap();
            // SAFETY: the descriptor is open (`first` owns it) for the whole
            // call; the registration fails, so nothing outlives it.
            let (dup, cause) = unsafe {
                AsyncFd::register_with_interest(DupFd(first.as_raw_fd()), Interest::READABLE)
            }
            .map(|_| panic!("a descriptor registered twice"))
            .unwrap_err()
            .into_parts();
            assert_eq!(cause.kind(), ErrorKind::AlreadyExists, "{cause:?}");
            assert_eq!(dup.0, first.as_raw_fd());
            b.write_all(b"x").unwrap();
            let mut guard = first.readable().await.unwrap();
            assert!(guard.ready().is_readable());
            guard.clear_ready();

            // Into an io::Error with `?`.
            let into_io = || -> std::io::Result<()> {
                let file = std::fs::File::open(std::env::current_exe()?)?;
                let _fd = AsyncFd::try_new(file)?;
                Ok(())
            };
            assert_eq!(into_io().unwrap_err().raw_os_error(), Some(libc_eperm()));
            // `with_interest` drops the value and returns the cause.
            let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
            assert!(AsyncFd::with_interest(file, Interest::WRITABLE).is_err());
        });
    }

    fn register_works_like_new(rt: &Runtime) {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            // SAFETY: `a` is an open socket owned by the `AsyncFd`.
            let fd = unsafe { AsyncFd::register(a) }.unwrap();
            b.write_all(b"hi").unwrap();
            let mut buf = [0u8; 4];
            let n = loop {
                let mut guard = fd.readable().await.unwrap();
                match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
                    Ok(n) => break n.unwrap(),
                    Err(_) => continue,
                }
            };
            assert_eq!(&buf[..n], b"hi");
        });
    }

    fn wait_readable_then_try_io(rt: &Runtime) {
        let _watchdog = Watchdog::new("wait_readable_then_try_io");
        rt.block_on(async {
            let (mut ours, theirs) = pair();
            let fd = Arc::new(AsyncFd::new(theirs).unwrap());
            // A reader task waits until a plain thread writes.
            let reader = {
                let fd = fd.clone();
                weft::spawn(async move { read_n(&fd, 11).await })
            };
            let writer = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                ours.write_all(b"hello ").unwrap();
                std::thread::sleep(std::time::Duration::from_millis(5));
                ours.write_all(b"world").unwrap();
                ours
            });
            assert_eq!(reader.await.unwrap(), b"hello world");
            drop(writer.join().unwrap());
        });
    }

    fn clear_ready_on_would_block(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("clear_ready_on_would_block");
        rt.block_on(async {
            let (mut ours, theirs) = pair();
            let mut fd = AsyncFd::new(theirs).unwrap();
            ours.write_all(b"abc").unwrap();

            let mut buf = [0u8; 8];
            let mut guard = fd.readable().await.unwrap();
            assert!(guard.ready().is_readable());
            let n = guard.get_inner().read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"abc");
            // Drained: the next read would block. Clearing makes the next
            // `readable` wait for a new event.
            assert_eq!(
                guard.get_inner().read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            guard.clear_ready();
            assert!(guard.ready().is_empty());
            // Not ready now: one poll stays pending, and AsyncFd::try_io
            // refuses without calling the closure. Only where no driver
            // turn can run meanwhile: on multi_thread a worker may collect
            // a new (spurious) edge for the socket at any moment (reading
            // wakes the socket's wait queue), and a newer event is kept by
            // design, as in tokio.
            if flavor.is_current_thread() {
                let pending = std::future::poll_fn(|cx| {
                    Poll::Ready(fd.poll_read_ready(cx).is_pending())
                })
                .await;
                assert!(pending, "readiness was cleared");
                let err = fd
                    .try_io(Interest::READABLE, |_| -> std::io::Result<()> {
                        panic!("not called while not ready")
                    })
                    .unwrap_err();
                assert_eq!(err.kind(), ErrorKind::WouldBlock);
            }

            // Without clearing, readiness stays cached (retain).
            ours.write_all(b"d").unwrap();
            {
                let mut guard = fd.readable_mut().await.unwrap();
                let n = guard.get_inner_mut().read(&mut buf).unwrap();
                assert_eq!(&buf[..n], b"d");
                guard.retain_ready();
            }
            let mut guard = fd.readable_mut().await.unwrap();
            // The mut guard's try_io clears on WouldBlock, too.
            let result = guard.try_io(|fd| fd.get_mut().read(&mut buf));
            assert!(result.is_err(), "drained: would block");
            assert!(guard.ready().is_empty());
        });
    }

    fn writable_and_async_io(rt: &Runtime) {
        let _watchdog = Watchdog::new("writable_and_async_io");
        rt.block_on(async {
            let (mut ours, theirs) = pair();
            let fd = AsyncFd::with_interest(theirs, Interest::READABLE | Interest::WRITABLE).unwrap();
            let guard = fd.writable().await.unwrap();
            assert!(guard.ready().is_writable());
            let n = fd
                .async_io(Interest::WRITABLE, |inner| (&*inner).write(b"out"))
                .await
                .unwrap();
            assert_eq!(n, 3);
            let mut buf = [0u8; 3];
            ours.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"out");

            ours.write_all(b"in").unwrap();
            let guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
            assert!(guard.ready().is_writable() || guard.ready().is_readable());
            let got = fd
                .async_io(Interest::READABLE, |inner| {
                    let mut buf = [0u8; 2];
                    (&*inner).read_exact(&mut buf).map(|()| buf)
                })
                .await
                .unwrap();
            assert_eq!(&got, b"in");

            // Fill the socket until a write would block (readiness is
            // cached as writable, so the first WouldBlock is the kernel's);
            // the writer then waits until the peer reads.
            let chunk = [0u8; 64 * 1024];
            let mut written = 0usize;
            loop {
                match fd.try_io(Interest::WRITABLE, |inner| (&*inner).write(&chunk)) {
                    Ok(n) => written += n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                    Err(err) => panic!("{err}"),
                }
                assert!(written < 64 << 20, "a write never blocked");
            }
            let drain = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(10));
                let mut buf = vec![0u8; written + 4];
                ours.read_exact(&mut buf).unwrap();
                assert_eq!(&buf[written..], b"more");
                ours
            });
            let n = fd
                .async_io(Interest::WRITABLE, |inner| (&*inner).write(b"more"))
                .await
                .unwrap();
            assert_eq!(n, 4);
            drop(drain.join().unwrap());
        });
    }

    fn read_closed_and_into_inner(rt: &Runtime) {
        let _watchdog = Watchdog::new("read_closed_and_into_inner");
        rt.block_on(async {
            let (ours, theirs) = pair();
            let fd = AsyncFd::new(theirs).unwrap();
            drop(ours);
            let mut guard = fd.readable().await.unwrap();
            assert!(guard.ready().is_read_closed());
            let mut buf = [0u8; 4];
            assert_eq!(guard.try_io(|inner| inner.get_ref().read(&mut buf)).unwrap().unwrap(), 0);
            // Closed readiness survives a clear: readable stays ready.
            guard.clear_ready_matching(Ready::READABLE | Ready::READ_CLOSED);
            assert!(fd.readable().await.unwrap().ready().is_read_closed());

            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            let inner = fd.into_inner();
            assert_eq!(std::os::fd::AsRawFd::as_raw_fd(&inner), raw);
            // Deregistered: it can be registered again.
            let again = AsyncFd::new(inner).unwrap();
            assert!(again.readable().await.unwrap().ready().is_read_closed());
        });
    }
}

#[test]
fn a_regular_file_cannot_be_registered() {
    let rt = current_thread_rt();
    rt.block_on(async {
        let file = std::fs::File::open("/proc/self/exe")
            .or_else(|_| std::fs::File::open("Cargo.toml"))
            .unwrap();
        // epoll refuses regular files (EPERM).
        let err = AsyncFd::new(file).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    });
}

#[test]
fn async_fd_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<AsyncFd<UnixStream>>();
}

/// EPERM, the error epoll gives for a regular file.
fn libc_eperm() -> i32 {
    1
}

/// A descriptor number owned elsewhere.
struct DupFd(RawFd);

impl AsRawFd for DupFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}
