//! Which engine moves the bytes of `weft::net`'s stream sockets in these
//! tests: the one the environment variable `WEFT_IO_BACKEND` names (CI
//! runs the network test binaries twice: once as built, where `Auto` runs
//! sockets on epoll, and once with `WEFT_IO_BACKEND=io-uring`), or the one
//! chosen in code with `Builder::io_backend`.
//!
//! Checked from the kernel's side, with no help from weft: the epoll
//! instances of this process list the descriptors registered in them
//! (`/proc/self/fdinfo`, `support::in_epoll`). On epoll every socket is
//! registered when it is made; on io_uring a stream's reads and writes are
//! operations on the ring, and the stream enters epoll only when a
//! readiness method needs it. So a stream that moved bytes both ways
//! without being registered moved them on the ring, and a ring path that
//! silently fell back to readiness-driven I/O cannot pass as the ring.
#![cfg(all(feature = "net", target_os = "linux", not(weft_sys_fallback)))]

mod support;

use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::UnixStream;
use weft::runtime::{Builder, IoBackend};

/// Moves bytes both ways over `a` and `b` (a connected pair) with the
/// stream's own read and write methods, no readiness method.
async fn ping_pong<S: weft::io::AsyncRead + weft::io::AsyncWrite + Unpin>(a: &mut S, b: &mut S) {
    a.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    b.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
    b.write_all(b"pong").await.unwrap();
    b.flush().await.unwrap();
    a.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"pong");
}

/// Whether each of `streams` is registered with epoll.
fn registered(streams: &[&dyn std::os::fd::AsRawFd]) -> Vec<bool> {
    streams
        .iter()
        .map(|stream| in_epoll(&stream.as_raw_fd()))
        .collect()
}

rt_test! {
    fn sockets_run_on_the_backend_the_environment_names(rt: &Runtime) {
        let _watchdog = Watchdog::new("sockets_run_on_the_backend_the_environment_names");
        let ring = sockets_run_on_io_uring();
        rt.block_on(async {
            // Connected and accepted TCP streams.
            let (mut client, mut server) = tcp_pair().await;
            ping_pong(&mut client, &mut server).await;
            // A Unix stream pair.
            let (mut a, mut b) = UnixStream::pair().unwrap();
            ping_pong(&mut a, &mut b).await;
            assert_eq!(
                registered(&[&client, &server, &a, &b]),
                vec![!ring; 4],
                "WEFT_IO_BACKEND={:?}: {}",
                std::env::var("WEFT_IO_BACKEND"),
                if ring {
                    "io_uring expected, but the streams were registered with epoll"
                } else {
                    "epoll expected, but the streams were not registered with epoll"
                },
            );
        });
    }
}

rt_test! {
    #![build = uring_runtime]

    /// A stream on io_uring enters epoll only for a readiness call, and
    /// its bytes then still come in order.
    fn uring_streams_enter_epoll_only_for_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("uring_streams_enter_epoll_only_for_readiness");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            ping_pong(&mut client, &mut server).await;
            assert!(!in_epoll(&client), "a connected stream left in epoll");
            assert!(!in_epoll(&server), "an accepted stream registered with epoll");

            // A receive is in flight (the reads above left their multishot
            // receive): `readable()` is the ring's answer, and the stream
            // stays out of epoll.
            client.write_all(b"ready").await.unwrap();
            server.readable().await.unwrap();
            assert!(!in_epoll(&server), "readable() with a receive in flight registered");
            let mut buf = [0u8; 5];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ready");
            // A closure that reads the descriptor itself needs epoll's
            // readiness: `async_io` registers the stream.
            let (mut a, b) = UnixStream::pair().unwrap();
            a.write_all(b"y").await.unwrap();
            b.async_io(weft::io::Interest::READABLE, || Ok(())).await.unwrap();
            assert!(in_epoll(&b), "async_io did not register the stream");
            assert!(!in_epoll(&a), "only the stream that asked enters epoll");
        });
    }
}

rt_test! {
    #![build = epoll_runtime]

    fn epoll_streams_are_registered_when_made(rt: &Runtime) {
        let _watchdog = Watchdog::new("epoll_streams_are_registered_when_made");
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            assert!(in_epoll(&client));
            assert!(in_epoll(&server));
            let (a, b) = UnixStream::pair().unwrap();
            assert!(in_epoll(&a));
            assert!(in_epoll(&b));
            // A socket that is closed leaves.
            let std_client = client.into_std().unwrap();
            assert!(!in_epoll(&std_client));
        });
    }
}

/// The check itself, on sockets outside any runtime: a registered socket
/// is seen, an unregistered one is not, and one removed is not either.
#[test]
fn in_epoll_reads_the_kernels_list() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let socket = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    assert!(!in_epoll(&socket));
    // SAFETY: `epoll_create1` has no preconditions; the descriptor is
    // closed below.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "{}", std::io::Error::last_os_error());
    let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
    let mut event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 7,
    };
    // SAFETY: both descriptors are open; `event` is a valid event.
    let rc = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut event) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    assert!(in_epoll(&socket));
    // SAFETY: as above; a null event is allowed for `EPOLL_CTL_DEL`.
    let rc = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    assert!(!in_epoll(&socket));
    // SAFETY: `epoll` was opened above and nothing else uses it.
    unsafe { libc::close(epoll) };
}

#[test]
fn an_unknown_backend_name_fails_the_build() {
    // A child process: the environment is the whole process's.
    const CHILD: &str = "WEFT_IO_BACKEND_TEST_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let err = Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("WEFT_IO_BACKEND"), "{err}");
        // A backend chosen in code is kept whatever the variable says.
        let rt = Builder::new_current_thread()
            .enable_io()
            .io_backend(IoBackend::Epoll)
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, _server) = tcp_pair().await;
            assert!(in_epoll(&client));
        });
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "an_unknown_backend_name_fails_the_build",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("WEFT_IO_BACKEND", "uring-please")
        .status()
        .unwrap();
    assert!(status.success(), "the child run failed: {status}");
}

/// The variable overrides `Auto`, and only `Auto`: checked in a child
/// process with `WEFT_IO_BACKEND=io-uring` and one with `epoll`.
#[test]
fn the_variable_overrides_auto_only() {
    const CHILD: &str = "WEFT_IO_BACKEND_TEST_OVERRIDE";
    if let Some(expect) = std::env::var_os(CHILD) {
        let ring = expect == "io-uring";
        let auto = Builder::new_current_thread().enable_io().build().unwrap();
        let epoll = Builder::new_current_thread()
            .enable_io()
            .io_backend(IoBackend::Epoll)
            .build()
            .unwrap();
        let uring = Builder::new_current_thread()
            .enable_io()
            .io_backend(IoBackend::Uring)
            .build();
        auto.block_on(async {
            let (client, server) = tcp_pair().await;
            assert_eq!(in_epoll(&client), !ring, "Auto with {expect:?}");
            assert_eq!(in_epoll(&server), !ring, "Auto with {expect:?}");
        });
        epoll.block_on(async {
            let (client, server) = tcp_pair().await;
            assert!(
                in_epoll(&client) && in_epoll(&server),
                "Epoll with {expect:?}"
            );
        });
        // Only where the rings can be had (the parent checked).
        if let Ok(uring) = uring {
            uring.block_on(async {
                let (mut client, mut server) = tcp_pair().await;
                ping_pong(&mut client, &mut server).await;
                assert!(
                    !in_epoll(&client) && !in_epoll(&server),
                    "Uring with {expect:?}"
                );
            });
        }
        return;
    }
    let rings_available = Builder::new_current_thread()
        .enable_io()
        .io_backend(IoBackend::Uring)
        .build()
        .is_ok();
    for value in ["io-uring", "epoll"] {
        if value == "io-uring" && !rings_available {
            skip_visibly(
                "io_uring cannot be used here, so WEFT_IO_BACKEND=io-uring cannot be checked",
                "run it where the kernel (5.19 or later) lets this process set up io_uring rings",
            );
            continue;
        }
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["the_variable_overrides_auto_only", "--exact", "--nocapture"])
            .env(CHILD, value)
            .env("WEFT_IO_BACKEND", value)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the child run with {value} failed: {status}"
        );
    }
}
