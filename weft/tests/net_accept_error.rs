//! `AcceptErrorKind` on what real accepts return: a listener whose runtime
//! has shut down fails with an error about the listener (stop), on every
//! runtime flavor, for TCP and Unix listeners. (Out of descriptors is
//! `net_accept_emfile.rs`: it needs a binary of its own.)

mod support;

use std::time::Duration;
use support::*;
use weft::net::{AcceptErrorKind, TcpListener, UnixListener};

rt_test! {
    fn accepting_after_the_runtime_shut_down_is_a_listener_error(rt: Runtime) {
        let dir = Scratch::new("accept-error");
        let path = dir.join("socket");
        let (tcp, unix) = rt.block_on(async {
            let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let unix = UnixListener::bind(&path).unwrap();
            (tcp, unix)
        });
        drop(rt);
        // A connection waits in each queue: only the runtime is gone.
        let _tcp_client = std::net::TcpStream::connect(tcp.local_addr().unwrap()).unwrap();
        let _unix_client = std::os::unix::net::UnixStream::connect(&path).unwrap();
        let other = current_thread_rt();
        other.block_on(async {
            let limit = Duration::from_secs(20);
            let err = weft::time::timeout(limit, tcp.accept())
                .await
                .expect("accept returned")
                .map(|_| ())
                .unwrap_err();
            assert_eq!(AcceptErrorKind::of(&err), AcceptErrorKind::Listener, "{err}");
            let err = weft::time::timeout(limit, unix.accept())
                .await
                .expect("accept returned")
                .map(|_| ())
                .unwrap_err();
            assert_eq!(AcceptErrorKind::of(&err), AcceptErrorKind::Listener, "{err}");
        });
    }
}
