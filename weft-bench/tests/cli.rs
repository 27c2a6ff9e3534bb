//! The bench binary as a process: argument errors, `--list`, the memory
//! child protocol end to end (counting allocator on, one small measurement
//! per runtime), and `profile` taking one sample. No benchmark runs here
//! and no time is asserted.

use std::process::Command;

fn bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft-bench"))
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let out = bench().arg("--fast").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown argument \"--fast\""), "{err}");
    assert!(err.contains("usage: weft-bench"), "{err}");

    let out = bench()
        .args(["--filter", "no-such-workload"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workload matches"));
}

#[test]
fn list_names_every_workload_and_the_pending_ones() {
    let out = bench().arg("--list").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "spawn_many_local",
        "ct_spawn_await",
        "mem_per_task",
        "tcp_echo_100conn",
        "echo_1000_clients_ms",
        "sync_mpsc_oneshot_ct",
        "sync_mpsc_bounded_uncontended_5000",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    assert!(text.contains("sync_mpsc_oneshot") && text.contains("time_100k_concurrent_sleeps"));
}

#[test]
fn memory_child_counts_heap_bytes_per_task_on_every_runtime() {
    for runtime in ["weft", "tokio", "smol"] {
        let out = bench()
            .args(["__weft_bench_child", "mem_per_task", runtime])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{runtime}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes: f64 = stdout
            .lines()
            .find_map(|l| l.strip_prefix("result "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{runtime}: no result in {stdout:?}"));
        // A task is at least a header with a state word and a vtable
        // pointer; far more than a few KiB would mean the baseline is off.
        assert!(
            (16.0..4096.0).contains(&bytes),
            "{runtime}: {bytes} B per task"
        );
    }
}

#[test]
fn memory_child_rejects_unknown_workloads_and_runtimes() {
    let out = bench()
        .args(["__weft_bench_child", "yield_many", "weft"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a memory workload"));
    let out = bench()
        .args(["__weft_bench_child", "mem_per_task", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown runtime"));
}

#[test]
fn profile_runs_one_workload_on_one_runtime() {
    // `--secs 0`: exactly one sample; `--load` starts the hog threads and
    // must stop them for the process to exit.
    let out = bench()
        .args([
            "profile",
            "ct_yield_now",
            "--runtime",
            "smol",
            "--secs",
            "0",
            "--load",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("ct_yield_now on smol: "), "{stdout}");
    assert!(stdout.contains("ns/yield (lower is better)"), "{stdout}");
    assert!(stdout.contains("of 1 samples"), "{stdout}");
    assert!(stderr.contains("under load"), "{stderr}");
}

#[test]
fn profile_wants_an_exact_name_and_suggests_some() {
    let out = bench().args(["profile", "tcp_echo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no workload named \"tcp_echo\""), "{err}");
    assert!(err.contains("tcp_echo_10conn"), "{err}");

    let out = bench()
        .args(["profile", "yield_many", "--runtime", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown runtime"));
}

/// Whether weft's io_uring backend cannot run here: says so, and fails
/// instead under `CI=true`.
fn uring_unavailable() -> bool {
    let Some(why) = weft_bench::rt::uring_unavailable() else {
        return false;
    };
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "weft-uring cannot run under CI=true: {why}"
    );
    eprintln!("skipped on weft-uring: {why}");
    true
}

#[test]
fn weft_uring_runs_the_echo_child_the_memory_child_and_profile() {
    if uring_unavailable() {
        return;
    }
    // The --syscalls child: 3 connections x 5 round trips, each checked.
    let out = bench()
        .args(["__weft_bench_echo", "weft-uring", "3", "5"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The ring's own counters come first: each round trip is at least a
    // send and a receive completion on each side.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let [enters, submissions, completions] = weft_bench::syscalls::parse_ring_line(&stdout)
        .unwrap_or_else(|| panic!("no ring counters in {stdout:?}"));
    assert!(stdout.ends_with("\nechoed 15\n"), "{stdout:?}");
    assert!(enters >= 30, "{stdout:?}");
    assert!(submissions >= 30, "{stdout:?}");
    assert!(completions >= 60, "{stdout:?}");

    let out = bench()
        .args([
            "__weft_bench_child",
            "mem_per_idle_conn_server",
            "weft-uring",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no result in {stdout:?}"));
    // A socket, its task and its registration: far more than a few KiB
    // per connection would mean a per-ring cost fell into the count.
    assert!((16.0..4096.0).contains(&bytes), "{bytes} B per connection");

    let out = bench()
        .args([
            "profile",
            "tcp_echo_1conn",
            "--runtime",
            "weft-uring",
            "--secs",
            "0",
            "--quick",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("tcp_echo_1conn on weft-uring: "),
        "{stdout}"
    );
}
