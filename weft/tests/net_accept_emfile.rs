//! Accepting with no file descriptor left (`EMFILE`): `accept` returns the
//! error (which `AcceptErrorKind` sorts as out of resources), the listener
//! stays usable, and once descriptors are free again it accepts the
//! connection that waited, and later ones.
//!
//! `RLIMIT_NOFILE` is process-wide, so this binary holds a single test,
//! which runs the scenario on each runtime flavor in turn.

mod support;

use std::io::{Read, Write};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{AcceptErrorKind, TcpListener};

fn scenario(flavor: Flavor) {
    let _watchdog = Watchdog::new("accept_under_emfile");
    let rt = flavor.build();
    let original = get_nofile();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The client connects before the limit drops; its connection waits
        // in the listen queue.
        let mut client = std::net::TcpStream::connect(addr).unwrap();

        // From here on, no new descriptor can be opened.
        set_nofile(libc::rlimit {
            rlim_cur: lowest_free_fd(),
            rlim_max: original.rlim_max,
        });
        for attempt in 0..3 {
            let err = listener.accept().await.map(|_| ()).unwrap_err();
            assert_eq!(
                err.raw_os_error(),
                Some(libc::EMFILE),
                "attempt {attempt}: expected EMFILE, got {err}"
            );
            assert_eq!(AcceptErrorKind::of(&err), AcceptErrorKind::OutOfResources);
        }

        // Descriptors are back: the waiting connection is accepted.
        set_nofile(original);
        let (mut server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        client.write_all(b"after EMFILE").unwrap();
        let mut buf = [0u8; 12];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"after EMFILE");
        server.write_all(b"ok").await.unwrap();
        let mut reply = [0u8; 2];
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"ok");

        // And a new connection after that.
        let second = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.write_all(b"2").unwrap();
        });
        let (mut next, _) = listener.accept().await.unwrap();
        let mut one = [0u8; 1];
        next.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"2");
        second.join().unwrap();
    });
    set_nofile(original);
}

#[test]
fn accept_reports_emfile_and_recovers_on_every_flavor() {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        scenario(flavor);
    }
}
