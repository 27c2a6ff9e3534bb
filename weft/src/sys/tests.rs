//! What both implementations promise (`linux.rs` and `fallback.rs` each
//! test what only they promise). Run on Linux as is and with
//! `--cfg weft_sys_fallback` (`scripts/sys-fallback.sh`).

use super::*;
use std::io::{ErrorKind, Write};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// A connected TCP pair over 127.0.0.1 (std, blocking).
pub(super) fn tcp_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    (ours, peer)
}

/// Waits until `stream` has `n` bytes queued (peeked, not taken).
pub(super) fn wait_queued(stream: &std::net::TcpStream, n: usize) {
    let mut seen = vec![0u8; n];
    while stream.peek(&mut seen).unwrap() < n {}
}

/// One [`recv_inq`] of at most `len` bytes: the bytes and the flag.
pub(super) fn read(fd: std::os::fd::RawFd, len: usize) -> (Vec<u8>, bool) {
    let mut buf = vec![MaybeUninit::<u8>::uninit(); len];
    let (n, drained) = recv_inq(fd, &mut buf).unwrap();
    // SAFETY: the kernel initialized the first `n` bytes.
    let bytes = buf[..n]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect();
    (bytes, drained)
}

#[test]
fn the_clocks_agree_when_they_exist() {
    let (precise, coarse) = (monotonic_ns(), coarse_monotonic_ns());
    assert_eq!(
        precise.is_some(),
        coarse.is_some(),
        "the coarse clock is read against the precise one's base"
    );
    assert_eq!(coarse.is_some(), coarse_resolution_ns().is_some());
    if let (Some(first), Some(coarse)) = (precise, coarse) {
        let later = monotonic_ns().unwrap();
        assert!(later >= first, "monotonic");
        assert!(coarse <= later, "the coarse clock is never ahead");
        assert!(coarse_resolution_ns().unwrap() > 0);
    }
}

#[test]
fn a_timer_fd_becomes_readable_once_set_or_does_not_exist() {
    let timer = match TimerFd::new() {
        Ok(timer) => timer,
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
            return;
        }
    };
    let mut poll = mio::Poll::new().unwrap();
    let mut events = mio::Events::with_capacity(4);
    let token = mio::Token(7);
    poll.registry()
        .register(
            &mut mio::unix::SourceFd(&timer.as_raw_fd()),
            token,
            mio::Interest::READABLE,
        )
        .unwrap();
    // Unarmed: nothing to report.
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(events.is_empty());
    timer.set(Duration::from_micros(200)).unwrap();
    // Whenever it expires (no bound asserted), it reports.
    loop {
        poll.poll(&mut events, None).unwrap();
        if events.iter().any(|event| event.token() == token) {
            break;
        }
    }
    // A zero duration still arms (zero would disarm), and fires.
    timer.set(Duration::ZERO).unwrap();
    loop {
        poll.poll(&mut events, None).unwrap();
        if events.iter().any(|event| event.token() == token) {
            break;
        }
    }
}

#[test]
fn reads_take_the_bytes_and_never_call_a_nonempty_queue_empty() {
    let (ours, mut peer) = tcp_pair();
    let enabled = enable_inq(ours.as_raw_fd());
    if let Err(err) = &enabled {
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
    peer.write_all(b"0123456789").unwrap();
    wait_queued(&ours, 10);
    assert_eq!(read(ours.as_raw_fd(), 4), (b"0123".to_vec(), false));

    let (mut first, mut second) = ([0u8; 2], [0u8; 8]);
    let mut bufs = [
        std::io::IoSliceMut::new(&mut first),
        std::io::IoSliceMut::new(&mut second),
    ];
    let (n, _) = recv_vectored_inq(ours.as_raw_fd(), &mut bufs).unwrap();
    assert_eq!(n, 6);
    assert_eq!((&first, &second[..4]), (b"45", &b"6789"[..]));

    // End of stream is never "emptied": the readiness must stay.
    drop(peer);
    assert_eq!(read(ours.as_raw_fd(), 4), (Vec::new(), false));
}

#[test]
fn a_read_of_an_empty_socket_would_block() {
    let (ours, _peer) = tcp_pair();
    ours.set_nonblocking(true).unwrap();
    let mut buf = [MaybeUninit::uninit(); 4];
    let err = recv_inq(ours.as_raw_fd(), &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}

#[test]
fn without_the_option_nothing_counts_as_emptying() {
    // A Unix socket has no TCP_INQ: no control message comes back.
    let (mut peer, ours) = std::os::unix::net::UnixStream::pair().unwrap();
    peer.write_all(b"0123456789").unwrap();
    assert_eq!(read(ours.as_raw_fd(), 4), (b"0123".to_vec(), false));
    assert_eq!(
        read(ours.as_raw_fd(), 6),
        (b"456789".to_vec(), false),
        "a full read says nothing"
    );
    peer.write_all(b"abc").unwrap();
    assert_eq!(
        read(ours.as_raw_fd(), 8),
        (b"abc".to_vec(), false),
        "nor does a short one: only the kernel's count proves the queue empty"
    );
}

#[test]
fn connect_in_progress_is_recognized() {
    assert!(is_in_progress(&std::io::Error::from_raw_os_error(
        libc::EINPROGRESS
    )));
    assert!(!is_in_progress(&std::io::Error::from_raw_os_error(
        libc::ECONNREFUSED
    )));
    assert!(!is_in_progress(&std::io::Error::other("not an OS error")));
}

#[test]
fn peer_credentials_are_ours_or_unsupported() {
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    match peer_cred(a.as_raw_fd()) {
        Ok((uid, gid, pid)) => {
            // SAFETY: getuid and getgid have no preconditions.
            let (me, my_group) = unsafe { (libc::getuid(), libc::getgid()) };
            assert_eq!((uid, gid), (me, my_group));
            if let Some(pid) = pid {
                assert_eq!(pid, std::process::id() as libc::pid_t);
            }
        }
        Err(err) => assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}"),
    }
    // Not a socket: an error, never made-up credentials.
    let file = std::fs::File::open("/dev/null").unwrap();
    assert!(peer_cred(file.as_raw_fd()).is_err());
}

#[test]
fn an_abstract_name_is_an_address_or_unsupported() {
    match abstract_socket_addr(b"weft-sys-test") {
        Ok(addr) => assert!(addr.as_pathname().is_none()),
        Err(err) => assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}"),
    }
}

#[cfg(feature = "net")]
#[test]
fn accept_errors_are_told_apart() {
    let os = std::io::Error::from_raw_os_error;
    for errno in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
        assert!(is_out_of_resources(&os(errno)), "{errno}");
    }
    for errno in [libc::EPROTO, libc::ENETUNREACH, libc::EPERM] {
        assert!(is_accepted_connection_error(&os(errno)), "{errno}");
        assert!(!is_out_of_resources(&os(errno)), "{errno}");
    }
    for errno in [libc::EBADF, libc::EINVAL] {
        assert!(!is_accepted_connection_error(&os(errno)), "{errno}");
        assert!(!is_out_of_resources(&os(errno)), "{errno}");
    }
}

#[cfg(feature = "signal")]
mod signal {
    use super::super::*;
    use std::ffi::{c_int, c_void};
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::OnceLock;

    /// The signal these tests handle: nothing else in the library's tests
    /// sends it, and its default action is to ignore it.
    const SIGNUM: c_int = libc::SIGURG;

    static FIRST_RUNS: AtomicUsize = AtomicUsize::new(0);
    static SECOND_RUNS: AtomicUsize = AtomicUsize::new(0);
    static BEFORE_SECOND: OnceLock<Disposition> = OnceLock::new();

    extern "C" fn first(_signum: c_int, _info: *mut SigInfo, _context: *mut c_void) {
        FIRST_RUNS.fetch_add(1, SeqCst);
    }

    extern "C" fn second(signum: c_int, info: *mut SigInfo, context: *mut c_void) {
        let saved = errno();
        SECOND_RUNS.fetch_add(1, SeqCst);
        set_errno(libc::EAGAIN);
        if let Some(previous) = BEFORE_SECOND.get() {
            // SAFETY: the disposition the kernel reported for `signum`, and
            // the kernel's own arguments.
            unsafe { previous.chain(signum, info, context) };
        }
        set_errno(saved);
    }

    fn raise() {
        // SAFETY: sends `SIGNUM` to the calling thread, whose handler (or
        // default action, ignore) runs before `raise` returns.
        assert_eq!(unsafe { libc::raise(SIGNUM) }, 0);
    }

    /// One test, since both handlers are process-wide.
    #[test]
    fn handlers_install_chain_and_keep_errno() {
        let default = Disposition::current(SIGNUM).unwrap();
        assert!(!default.is_handler(), "{default:?}");

        set_signal_handler(SIGNUM, first).unwrap();
        assert!(Disposition::current(SIGNUM).unwrap().is_handler());
        raise();
        assert_eq!(FIRST_RUNS.load(SeqCst), 1);

        BEFORE_SECOND
            .set(Disposition::current(SIGNUM).unwrap())
            .unwrap();
        set_signal_handler(SIGNUM, second).unwrap();
        set_errno(libc::EINTR);
        raise();
        assert_eq!(errno(), libc::EINTR, "the handler restored errno");
        assert_eq!(SECOND_RUNS.load(SeqCst), 1);
        assert_eq!(
            FIRST_RUNS.load(SeqCst),
            2,
            "the earlier handler was chained"
        );
    }

    #[test]
    fn signals_that_cannot_be_handled_are_refused() {
        let err = set_signal_handler(libc::SIGKILL, first).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
        assert!(Disposition::current(0).is_err());
    }

    #[test]
    fn max_signal_is_the_last_number_sigaction_takes() {
        let max = max_signal();
        assert!(max >= libc::SIGUSR2, "{max}");
        assert!(Disposition::current(max).is_ok());
        assert!(Disposition::current(max + 1).is_err());
    }

    #[test]
    fn errno_is_the_slot_std_reads() {
        set_errno(libc::ENOENT);
        assert_eq!(errno(), libc::ENOENT);
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::ENOENT)
        );
        set_errno(0);
        assert_eq!(errno(), 0);
    }

    #[test]
    fn a_handler_writes_its_byte_or_says_it_could_not() {
        use std::io::Read;
        let (sender, mut receiver) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(write_in_signal_handler(sender.as_raw_fd(), 7));
        let mut byte = [0u8; 1];
        receiver.read_exact(&mut byte).unwrap();
        assert_eq!(byte, [7]);
        // A full non-blocking socket: the write fails, `errno` says why.
        sender.set_nonblocking(true).unwrap();
        while write_in_signal_handler(sender.as_raw_fd(), 1) {}
        assert_eq!(errno(), libc::EAGAIN);
    }
}
