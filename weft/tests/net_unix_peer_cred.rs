//! `UnixStream::peer_cred` on every flavor: a pair and an accepted
//! connection both report this process's uid, gid and pid. (Linux with the
//! platform layer's fallback forced has no peer-credential call:
//! `sys_fallback.rs`.)
#![cfg(not(all(target_os = "linux", weft_sys_fallback)))]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use support::*;
use weft::net::{UnixListener, UnixStream};

fn me() -> (u32, u32, i32) {
    // SAFETY: getuid and getgid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    (uid, gid, std::process::id() as i32)
}

rt_test! {
    fn peer_cred_of_a_pair_and_of_a_connection(rt: &Runtime) {
        let _watchdog = Watchdog::new("peer_cred_of_a_pair_and_of_a_connection");
        let (uid, gid, pid) = me();
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            for stream in [&a, &b] {
                let cred = stream.peer_cred().unwrap();
                assert_eq!((cred.uid(), cred.gid(), cred.pid()), (uid, gid, Some(pid)));
            }

            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "weft-peer-cred-{}-{}.sock",
                std::process::id(),
                NEXT.fetch_add(1, SeqCst)
            ));
            let listener = UnixListener::bind(&path).unwrap();
            let client = UnixStream::connect(&path).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let _ = std::fs::remove_file(&path);
            let seen_by_server = server.peer_cred().unwrap();
            let seen_by_client = client.peer_cred().unwrap();
            assert_eq!(seen_by_server, seen_by_client, "both ends are this process");
            assert_eq!(seen_by_server.pid(), Some(pid));
            assert_eq!(seen_by_server.uid(), uid);
        });
    }
}

#[test]
fn peer_cred_of_a_closed_peer_still_reports_it() {
    // The kernel records the credentials at connect time; they outlive
    // the peer's close.
    let rt = current_thread_rt();
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        drop(b);
        assert_eq!(
            a.peer_cred().unwrap().pid(),
            Some(std::process::id() as i32)
        );
    });
}
