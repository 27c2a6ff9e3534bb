//! Sockets for the networking tests.

use weft::net::{TcpListener, TcpStream};

/// A connected pair on 127.0.0.1: (client, accepted).
pub(crate) async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// An address on 127.0.0.1 that refuses TCP connections for as long as
/// the returned socket lives: the socket is bound there and does not
/// listen, so a connect is answered with a reset (`ConnectionRefused`),
/// and no other socket can bind the port meanwhile (the holder does not
/// set `SO_REUSEADDR`). A listener bound and dropped does not give this:
/// its port is free again at once, and a test running in parallel may be
/// given it and accept the connect.
pub(crate) fn refusing_addr() -> (weft::net::TcpSocket, std::net::SocketAddr) {
    let holder = weft::net::TcpSocket::new_v4().unwrap();
    holder.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = holder.local_addr().unwrap();
    (holder, addr)
}

// ---------------------------------------------------------------------------
// Which backend moves a stream's bytes (`weft::runtime::IoBackend`)
// ---------------------------------------------------------------------------

/// Whether the runtimes these tests build with the default backend
/// (`IoBackend::Auto`) run their stream sockets on io_uring: as the
/// environment variable `WEFT_IO_BACKEND` says (CI runs the network test
/// binaries once without it and once with `io-uring`). `Auto` itself
/// resolves to epoll (see `IoBackend::Auto`); when it comes to pick
/// io_uring where the process can use it, this must probe as
/// `fs_runs_on_io_uring` does.
pub(crate) fn sockets_run_on_io_uring() -> bool {
    match std::env::var("WEFT_IO_BACKEND").as_deref() {
        Ok("io-uring") => true,
        Ok("epoll" | "auto" | "") | Err(_) => false,
        Ok(other) => panic!("WEFT_IO_BACKEND={other:?}: expected `io-uring`, `epoll` or `auto`"),
    }
}

/// A runtime of `flavor` (every driver on) whose stream sockets run on
/// io_uring (`IoBackend::Uring`, whatever `WEFT_IO_BACKEND` says), for
/// `rt_test! { #![build = uring_runtime] ... }`. Where this process cannot
/// set up the rings (an old kernel, a seccomp filter, `RLIMIT_MEMLOCK`,
/// `io_uring_disabled`, a system without io_uring) the test cannot run:
/// under CI that fails it, elsewhere it is skipped with a `SKIPPED:` line
/// ([`skip_visibly`](super::skip_visibly)) and this returns `None`.
pub(crate) fn uring_runtime(flavor: super::Flavor) -> Option<weft::runtime::Runtime> {
    match flavor
        .builder()
        .io_backend(weft::runtime::IoBackend::Uring)
        .build()
    {
        Ok(rt) => Some(rt),
        Err(err) => {
            super::skip_visibly(
                &format!("io_uring cannot be used here ({err})"),
                "run it where the kernel (5.19 or later) lets this process set up io_uring rings",
            );
            None
        }
    }
}

/// A runtime of `flavor` (every driver on) whose stream sockets run on
/// epoll (`IoBackend::Epoll`, whatever `WEFT_IO_BACKEND` says), for
/// `rt_test! { #![build = epoll_runtime] ... }`.
pub(crate) fn epoll_runtime(flavor: super::Flavor) -> Option<weft::runtime::Runtime> {
    Some(
        flavor
            .builder()
            .io_backend(weft::runtime::IoBackend::Epoll)
            .build()
            .unwrap(),
    )
}

/// Whether `socket` is registered in an epoll instance of this process:
/// whether a line of some `anon_inode:[eventpoll]` descriptor's
/// `/proc/self/fdinfo` names it (`tfd:` its descriptor number, `ino:` its
/// inode in hex, so that a stale entry of an earlier socket with the same
/// number does not count).
///
/// On epoll every socket of weft is registered when it is made; on
/// io_uring a stream's reads and writes are operations on the ring, and it
/// enters epoll only for a readiness call (`readable()`, `ready()`, the
/// `try_*` methods once nothing is held) or a connect still in progress.
/// So a stream that moved bytes and is in no epoll instance moved them on
/// the ring. Linux only (`/proc`).
pub(crate) fn in_epoll(socket: &impl std::os::fd::AsRawFd) -> bool {
    use std::os::unix::fs::MetadataExt;
    let fd = socket.as_raw_fd();
    let inode = std::fs::metadata(format!("/proc/self/fd/{fd}"))
        .unwrap()
        .ino();
    // Descriptors of other tests come and go while this runs: one that
    // vanished is skipped.
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let is_epoll = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.as_os_str() == "anon_inode:[eventpoll]");
        if !is_epoll {
            continue;
        }
        let Ok(info) = std::fs::read_to_string(format!(
            "/proc/self/fdinfo/{}",
            entry.file_name().to_string_lossy()
        )) else {
            continue;
        };
        // `tfd:        7 events:       19 data: ... pos:0 ino:a28388 sdev:9`
        let registered = info.lines().any(|line| {
            let mut words = line.split_whitespace();
            words.next() == Some("tfd:")
                && words.next().and_then(|n| n.parse::<i32>().ok()) == Some(fd)
                && line
                    .split_whitespace()
                    .find_map(|word| word.strip_prefix("ino:"))
                    .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                    == Some(inode)
        });
        if registered {
            return true;
        }
    }
    false
}
