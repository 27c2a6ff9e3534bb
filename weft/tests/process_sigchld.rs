//! `weft::process` with children reaped through `SIGCHLD` (forced with
//! `WEFT_PROCESS_REAPER=sigchld`, the path of kernels without pidfd and
//! of other Unixes): the shared tests in `process_support/`, plus a check
//! that this path is the one taken.
#![cfg(feature = "process")]

mod process_support;
mod support;

/// Forces the `SIGCHLD` path before any child is spawned in this test
/// binary (weft reads the variable once, at the first spawn; every test
/// here calls this first).
fn reaper_setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("WEFT_PROCESS_REAPER", "sigchld"));
}

/// No pidfd is ever opened, and the process catches `SIGCHLD`.
#[cfg(target_os = "linux")]
#[test]
fn children_are_reaped_through_sigchld() {
    reaper_setup();
    let rt = support::current_thread_rt();
    rt.block_on(async {
        let mut child = weft::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap();
        assert_eq!(
            process_support::open_pidfds(),
            0,
            "no pidfd on the SIGCHLD path"
        );
        child.kill().await.unwrap();
    });
    // `SigCgt`: the mask of caught signals, in hex.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let caught = status
        .lines()
        .find_map(|line| line.strip_prefix("SigCgt:"))
        .unwrap()
        .trim();
    let caught = u64::from_str_radix(caught, 16).unwrap();
    assert_ne!(caught & (1 << (libc::SIGCHLD - 1)), 0, "SIGCHLD is caught");
}
