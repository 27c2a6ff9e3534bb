//! The `weft::process` tests, shared by `process_pidfd.rs` and
//! `process_sigchld.rs`: each includes this module after choosing how
//! children are reaped (its `reaper_setup`), so every test runs on both
//! paths and on every runtime flavor.
//!
//! Everything is real: programs from `/bin` and `/usr/bin` (`sh`, `echo`,
//! `cat`, `sleep`, `true`, `head`), pipes, signals. Process states are
//! read from `/proc/<pid>/stat`; waits for the kernel are bounded loops
//! (hang guards), never timing assertions.

use super::reaper_setup;
use super::support::*;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::process::{Child, Command};

/// A hang guard for one test body (the machine may be busy: generous).
const GUARD: Duration = Duration::from_secs(120);

/// Runs `body` on `rt` after choosing the reaping path, under a hang guard.
fn run<F: std::future::Future>(rt: &weft::runtime::Runtime, body: F) -> F::Output {
    reaper_setup();
    rt.block_on(async {
        weft::time::timeout(GUARD, body)
            .await
            .expect("the test body hung")
    })
}

/// The state letter of `/proc/<pid>/stat` and the parent pid, if the
/// process exists.
fn proc_state(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) S ppid ...`: the name may hold spaces, so split after
    // its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The name of process `pid` (from the file it executed).
fn comm(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat[stat.find('(')? + 1..stat.rfind(')')?].to_string())
}

/// How many pidfds this process holds (descriptors whose link reads
/// `anon_inode:[pidfd]`): what tells the two reaping paths apart.
#[cfg(target_os = "linux")]
#[allow(dead_code)] // `process_pidfd.rs` compiles its check out under `weft_sys_fallback`
pub(crate) fn open_pidfds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|link| link.to_string_lossy().contains("pidfd"))
        .count()
}

/// Whether `pid` is a zombie child of this process.
fn is_our_zombie(pid: u32) -> bool {
    proc_state(pid).is_some_and(|(state, ppid)| state == 'Z' && ppid == std::process::id())
}

/// Whether `pid` is still our child in any state (not reaped yet).
fn is_our_child(pid: u32) -> bool {
    proc_state(pid).is_some_and(|(_, ppid)| ppid == std::process::id())
}

/// The pids of this process's children (any state).
fn our_children() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&pid| is_our_child(pid))
        .collect()
}

/// Waits (bounded) until `done` holds, sleeping between looks.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..6000 {
        if done() {
            return;
        }
        weft::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not reached within 60 s: {what}");
}

rt_test! {
    fn output_and_status_of_real_programs(rt: &Runtime) {
        run(rt, async {
            let output = Command::new("/bin/echo").args(["hello", "world"]).output().await.unwrap();
            assert!(output.status.success());
            assert_eq!(output.stdout, b"hello world\n");
            assert!(output.stderr.is_empty());

            let output = Command::new("/bin/sh")
                .args(["-c", "echo out; echo err >&2; exit 3"])
                .output()
                .await
                .unwrap();
            assert_eq!(output.status.code(), Some(3));
            assert_eq!(output.stdout, b"out\n");
            assert_eq!(output.stderr, b"err\n");

            let status = Command::new("/bin/sh")
                .args(["-c", "exit 5"])
                .status()
                .await
                .unwrap();
            assert_eq!(status.code(), Some(5));
            assert!(!status.success());
        });
    }

    fn cat_echoes_piped_stdin(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"line one\nline two\n").await.unwrap();
            drop(stdin);
            let output = child.wait_with_output().await.unwrap();
            assert!(output.status.success());
            assert_eq!(output.stdout, b"line one\nline two\n");
        });
    }

    fn large_data_both_ways_at_once(rt: &Runtime) {
        run(rt, async {
            // 8 MiB: many times a pipe's buffer, in both directions at
            // once, so writing all before reading would deadlock.
            let data: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let sent = data.clone();
            let writer = weft::spawn(async move {
                stdin.write_all(&sent).await.unwrap();
                // Dropped: cat sees end of file.
            });
            let mut echoed = Vec::new();
            child.stdout.take().unwrap().read_to_end(&mut echoed).await.unwrap();
            writer.await.unwrap();
            assert!(echoed == data, "cat echoed {} of {} bytes", echoed.len(), data.len());
            assert!(child.wait().await.unwrap().success());
        });
    }

    fn wait_with_output_drains_more_than_a_pipe_holds(rt: &Runtime) {
        run(rt, async {
            // 4 MiB on each stream: the child blocks on a full pipe unless
            // both are read while waiting.
            let child = Command::new("/bin/sh")
                .args(["-c", "head -c 4194304 /dev/zero; head -c 4194304 /dev/zero >&2"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let output = child.wait_with_output().await.unwrap();
            assert!(output.status.success());
            assert_eq!(output.stdout.len(), 4 << 20);
            assert_eq!(output.stderr.len(), 4 << 20);
            assert!(output.stdout.iter().chain(&output.stderr).all(|&b| b == 0));
        });
    }

    fn a_child_that_exited_before_wait(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("/bin/sh").args(["-c", "exit 9"]).spawn().unwrap();
            let pid = child.id().unwrap();
            eventually("the child is a zombie", || is_our_zombie(pid)).await;
            assert_eq!(child.wait().await.unwrap().code(), Some(9));
            assert!(!is_our_child(pid), "reaped by wait");
            assert_eq!(child.id(), None);
            assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(9), "remembered");
        });
    }

    fn a_child_killed_by_a_signal(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            child.start_kill().unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL));
            assert_eq!(status.code(), None);
            // Killing a reaped child does nothing.
            child.start_kill().unwrap();
            child.kill().await.unwrap();

            // A child that terminates itself.
            let status = Command::new("/bin/sh")
                .args(["-c", "kill -TERM $$"])
                .status()
                .await
                .unwrap();
            assert_eq!(status.signal(), Some(libc::SIGTERM));

            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            child.kill().await.unwrap();
            assert_eq!(child.try_wait().unwrap().unwrap().signal(), Some(libc::SIGKILL));
        });
    }

    fn kill_on_drop_kills_and_reaps(rt: &Runtime) {
        run(rt, async {
            let child = Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child);
            eventually("the dropped child is killed and reaped", || !is_our_child(pid)).await;
        });
    }

    fn a_dropped_child_runs_on_and_is_reaped(rt: &Runtime) {
        run(rt, async {
            // Without kill_on_drop the child lives on: it exits only when
            // told to through a file, after its `Child` is gone.
            let dir = std::env::temp_dir().join(format!(
                "weft-process-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ))
            .to_string_lossy()
            .replace(['(', ')'], "");
            let _ = std::fs::remove_file(&dir);
            let script = format!("while [ ! -e '{dir}' ]; do sleep 0.01; done");
            let child = Command::new("/bin/sh").args(["-c", &script]).spawn().unwrap();
            let pid = child.id().unwrap();
            drop(child);
            weft::time::sleep(Duration::from_millis(50)).await;
            assert!(
                proc_state(pid).is_some_and(|(state, _)| state != 'Z'),
                "not killed by the drop"
            );
            std::fs::write(&dir, b"").unwrap();
            eventually("the dropped child exits and is reaped", || !is_our_child(pid)).await;
            std::fs::remove_file(&dir).unwrap();
        });
    }

    fn try_wait_does_not_wait(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            assert!(child.try_wait().unwrap().is_none());
            assert!(child.id().is_some());
            child.start_kill().unwrap();
            let mut status = None;
            eventually("try_wait sees the exit", || {
                status = child.try_wait().unwrap();
                status.is_some()
            })
            .await;
            assert_eq!(status.unwrap().signal(), Some(libc::SIGKILL));
            assert_eq!(child.id(), None);
            assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGKILL));
        });
    }

    fn spawn_errors_are_std_errors(rt: &Runtime) {
        run(rt, async {
            let err = Command::new("/no/such/program").spawn().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
            let std_err = std::process::Command::new("/no/such/program").spawn().unwrap_err();
            assert_eq!(err.kind(), std_err.kind());

            let err = Command::new("weft-no-such-program-in-path").output().await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);

            let err = Command::new("true").current_dir("/no/such/dir").status().await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);

            // A file that is not executable (one per test run: the
            // flavors run at once).
            static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("weft-not-exec-{}-{run}", std::process::id()));
            std::fs::write(&path, b"#!/bin/sh\n").unwrap();
            let err = Command::new(&path).spawn().unwrap_err();
            let _ = std::fs::remove_file(&path);
            // Root may still be refused: no execute bit for anyone.
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
        });
    }

    fn process_group_and_signals_to_it(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("sleep").arg("1000").process_group(0).spawn().unwrap();
            let pid = child.id().unwrap();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
            let pgrp: u32 = stat[stat.rfind(')').unwrap() + 2..]
                .split(' ')
                .nth(2)
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(pgrp, pid, "the child leads a new group");
            // SAFETY: signals the child's own process group.
            assert_eq!(unsafe { libc::kill(-(pid as i32), libc::SIGTERM) }, 0);
            assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGTERM));
        });
    }

    fn environment_and_working_directory(rt: &Runtime) {
        run(rt, async {
            let output = Command::new("/usr/bin/env")
                .env_clear()
                .env("ONE", "1")
                .envs([("TWO", "2")])
                .output()
                .await
                .unwrap();
            let mut lines: Vec<_> = String::from_utf8(output.stdout).unwrap().lines().map(String::from).collect();
            lines.sort();
            assert_eq!(lines, ["ONE=1", "TWO=2"]);

            let output = Command::new("/bin/sh")
                .args(["-c", "echo \"[$HOME]\""])
                .env_remove("HOME")
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"[]\n");

            let dir = std::env::temp_dir().canonicalize().unwrap();
            let output = Command::new("pwd").current_dir(&dir).output().await.unwrap();
            assert_eq!(String::from_utf8(output.stdout).unwrap().trim_end(), dir.to_str().unwrap());

            let output = Command::new("/bin/sh").arg0("zero").args(["-c", "echo $0"]).output().await.unwrap();
            assert_eq!(output.stdout, b"zero\n");
        });
    }

    fn many_concurrent_children(rt: &Runtime) {
        run(rt, async {
            let mut waits = Vec::new();
            for i in 0..100 {
                let mut child = Command::new("/bin/sh").args(["-c", &format!("exit {}", i % 7)]).spawn().unwrap();
                waits.push(weft::spawn(async move { child.wait().await.unwrap().code() }));
            }
            for (i, wait) in waits.into_iter().enumerate() {
                assert_eq!(wait.await.unwrap(), Some(i as i32 % 7));
            }
        });
    }

    fn thousands_of_dropped_children_leave_no_zombie(rt: &Runtime) {
        run(rt, async {
            let mut pids = Vec::new();
            for i in 0..1000 {
                let child: Child = Command::new("/bin/true").spawn().unwrap();
                pids.push(child.id().unwrap());
                if i % 2 == 0 {
                    drop(child);
                } else {
                    // Also dropped from other tasks, later.
                    weft::spawn(async move { drop(child) });
                }
            }
            eventually("every dropped child is reaped", || {
                !pids.iter().any(|&pid| is_our_zombie(pid) || is_our_child(pid))
            })
            .await;
        });
    }

    fn pipes_hand_over_to_other_children(rt: &Runtime) {
        run(rt, async {
            let mut first = Command::new("/bin/echo").arg("relayed").stdout(Stdio::piped()).spawn().unwrap();
            let relay: Stdio = first.stdout.take().unwrap().try_into().unwrap();
            let output = Command::new("cat").stdin(relay).output().await.unwrap();
            assert_eq!(output.stdout, b"relayed\n");
            assert!(first.wait().await.unwrap().success());
        });
    }

    fn a_cancelled_wait_loses_nothing(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
            // A wait dropped before the exit (here by a timeout)...
            let early = weft::time::timeout(Duration::from_millis(20), child.wait()).await;
            assert!(early.is_err(), "sleep 1000 did not exit");
            // ...leaves the child to the next one.
            child.start_kill().unwrap();
            assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGKILL));
        });
    }

    fn a_dropped_status_future_leaves_no_zombie(rt: &Runtime) {
        run(rt, async {
            // `status` spawns when called: dropping the future unpolled
            // drops the child, which kill_on_drop kills; it is reaped.
            // `sleep` under a name no other test uses (the kernel names a
            // process, zombies included, after the file it executed).
            // One directory per test run (the flavors run at once).
            static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("weft-process-{}-{run}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let program = dir.join("wdroppedstatus");
            let sleep = ["/bin/sleep", "/usr/bin/sleep"].into_iter().find(|p| std::path::Path::new(p).exists()).unwrap();
            std::os::unix::fs::symlink(sleep, &program).unwrap();
            let mut command = Command::new(&program);
            command.arg("1000").kill_on_drop(true);
            let status = command.status();
            drop(status);
            eventually("the child of the dropped future is killed and reaped", || {
                !our_children().iter().any(|&pid| comm(pid).as_deref() == Some("wdroppedstatus"))
            })
            .await;
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }

    fn a_child_held_by_a_task_at_shutdown(rt: Runtime) {
        reaper_setup();
        // The task is dropped by the runtime's shutdown, with the child in
        // it: the drop kills and queues it while the runtime goes away.
        let (tx, rx) = std::sync::mpsc::channel();
        rt.spawn(async move {
            let child = Command::new("sleep").arg("1000").kill_on_drop(true).spawn().unwrap();
            tx.send(child.id().unwrap()).unwrap();
            std::future::pending::<()>().await;
            drop(child);
        });
        // (A current-thread runtime runs its tasks inside `block_on`.)
        let pid = rt.block_on(async {
            loop {
                if let Ok(pid) = rx.try_recv() {
                    break pid;
                }
                weft::time::sleep(Duration::from_millis(1)).await;
            }
        });
        drop(rt);
        // Another runtime's next spawn starts a reaper for the queue.
        current_thread_rt().block_on(async {
            Command::new("true").status().await.unwrap();
            eventually("the child of the dropped task is reaped", || !is_our_child(pid)).await;
        });
    }

    fn writing_to_an_exited_child_is_a_broken_pipe(rt: &Runtime) {
        run(rt, async {
            let mut child = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            assert!(child.wait().await.unwrap().success());
            let chunk = vec![0u8; 1 << 20];
            let err = stdin.write_all(&chunk).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        });
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn spawn_outside_a_runtime_panics() {
    reaper_setup();
    let _ = Command::new("true").spawn();
}

/// A `Child` dropped where no runtime runs waits in the orphan queue; the
/// next spawn inside a runtime starts the reaper that collects it.
#[test]
fn a_child_dropped_outside_any_runtime_is_reaped_later() {
    reaper_setup();
    let rt = current_thread_rt();
    let child = rt.block_on(async {
        Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    });
    let pid = child.id().unwrap();
    drop(rt);
    drop(child); // killed, queued; no runtime to reap it here
    let rt = current_thread_rt();
    rt.block_on(async {
        Command::new("true").status().await.unwrap();
        eventually("the orphan is reaped", || !is_our_child(pid)).await;
    });
}

#[test]
#[should_panic(expected = "IO is disabled. Call `enable_io` on the runtime builder")]
fn spawn_in_a_runtime_without_io_panics() {
    reaper_setup();
    let rt = weft::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = Command::new("true").spawn();
    });
}

/// A child spawned in a runtime that is gone when it is waited for can be
/// waited for in another runtime (tokio's `process_change_of_runtime`), on
/// each flavor of the second; its status is the real one, and a wait
/// after it returns the status again.
#[test]
fn a_child_spawned_in_a_runtime_since_dropped_is_waited_for_in_another() {
    reaper_setup();
    for second in [Flavor::CurrentThread, Flavor::MultiThread(2)] {
        let first = current_thread_rt();
        let mut child = first.block_on(async {
            Command::new("sh")
                .args(["-c", "sleep 0.05; exit 3"])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        });
        drop(first);
        let rt = second.build();
        let status = rt.block_on(async { child.wait().await.unwrap() });
        assert_eq!(status.code(), Some(3), "{second:?}");
        assert_eq!(rt.block_on(child.wait()).unwrap().code(), Some(3));
        // And one that exited before the first runtime went away.
        let first = current_thread_rt();
        let mut child = first.block_on(async { Command::new("true").spawn().unwrap() });
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(first);
        assert!(rt.block_on(child.wait()).unwrap().success());
    }
}
