//! Unit tests of what the public API cannot see: which reaping path a
//! child takes, and the orphan queue filling and draining.

use super::orphan;
use super::Command;
use crate::runtime::Builder;
use std::time::Duration;

fn runtime() -> crate::runtime::Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Where the platform layer has pidfds (and the environment does not
/// force `SIGCHLD`), every child waits on one; elsewhere none does.
#[test]
fn the_reaping_path_follows_the_platform() {
    runtime().block_on(async {
        let mut child = Command::new("true").spawn().unwrap();
        let super::child::State::Running(reaper) = &child.state else {
            panic!("a fresh child is running");
        };
        let expected = cfg!(all(
            any(target_os = "linux", target_os = "android"),
            not(weft_sys_fallback)
        )) && std::env::var_os(super::reap::REAPER_ENV).is_none();
        assert_eq!(reaper.uses_pidfd(), expected);
        child.wait().await.unwrap();
    });
}

/// A dropped running child waits in the queue; once it exits, the
/// reaper task (started by the drop) collects it and the queue empties.
#[test]
fn a_dropped_child_is_queued_then_reaped() {
    runtime().block_on(async {
        let child = Command::new("sleep").arg("1000").spawn().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        assert!(orphan::queued() >= 1, "queued");
        // SAFETY: signals our own child, which is not reaped yet (it is
        // in the queue), so the pid is still its.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
        for _ in 0..6000 {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() && orphan::queued() == 0 {
                return;
            }
            crate::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the orphan was not reaped within 60 s");
    });
}
