//! `weft::process` with children waited for through their pidfds (the
//! default on Linux 5.3+): the shared tests in `process_support/`, plus a
//! check that this path is the one taken.
#![cfg(feature = "process")]

mod process_support;
mod support;

/// The default path: nothing to choose.
fn reaper_setup() {}

/// While a child is waited for, this process holds a pidfd (a descriptor
/// whose link reads `anon_inode:[pidfd]`).
#[cfg(all(target_os = "linux", not(weft_sys_fallback)))]
#[test]
fn children_are_waited_for_through_a_pidfd() {
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let mut child = weft::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        if process_support::open_pidfds() == 0 {
            // No pidfd from the kernel (before 5.3, or refused).
            assert!(std::env::var_os("CI").is_none(), "no pidfd on this kernel");
            eprintln!("SKIPPED: this kernel gives no pidfd; children are reaped through SIGCHLD");
        }
        child.kill().await.unwrap();
    });
}
