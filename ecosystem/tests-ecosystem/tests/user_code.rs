//! Code written as a tokio user writes it: programs with `#[tokio::main]`
//! (the binaries in src/bin, run here as child processes), tests with each
//! form of `#[tokio::test]`, tokio's macros, and the runtime built by hand.

mod support;

use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{within, TempDir};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::time::Instant;

async fn run(program: &str, args: &[&str]) -> Output {
    within(
        program,
        tokio::process::Command::new(program)
            .args(args)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|e| panic!("running {program}: {e}"))
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_tokio_main_program_runs_to_completion() {
    let dir = TempDir::new("tokio-main");
    let output = run(
        env!("CARGO_BIN_EXE_tokio-main-multi"),
        &[dir.path().to_str().unwrap()],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert_eq!(
        stdout_lines(&output),
        [
            "flavor=multi_thread",
            "echo=hello from main bytes=15",
            "file=written by tokio::fs",
            "select=sleep",
            "done",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main-output.txt")).unwrap(),
        "written by tokio::fs"
    );
}

#[tokio::test]
async fn an_error_returned_from_tokio_main_is_a_failed_exit() {
    let dir = TempDir::new("tokio-main-fail");
    let output = run(
        env!("CARGO_BIN_EXE_tokio-main-multi"),
        &[dir.path().to_str().unwrap(), "fail"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("failing on request"), "{stderr}");
    assert_eq!(stdout_lines(&output).last().unwrap(), "select=sleep");

    // Without its argument the program fails before doing anything.
    let output = run(env!("CARGO_BIN_EXE_tokio-main-multi"), &[]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn a_current_thread_tokio_main_program() {
    let output = run(env!("CARGO_BIN_EXE_tokio-main-current"), &[]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert_eq!(
        stdout_lines(&output),
        [
            "flavor=current_thread",
            "spawned_on_main_thread=true",
            "local=42"
        ]
    );
}

#[tokio::test]
async fn the_default_test_runtime_is_current_thread() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    let test_thread = std::thread::current().id();
    let task_thread = tokio::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(task_thread, test_thread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_test_runs_two_workers_in_parallel() {
    let handle = Handle::current();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(handle.metrics().num_workers(), 2);

    // Two tasks that can only finish together: each blocks its worker
    // thread until the other has arrived. Spawned from outside the
    // workers, they start from the shared queue, one per worker.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait();
                std::thread::current().id()
            })
        })
        .collect();
    let mut threads = Vec::new();
    for task in tasks {
        threads.push(within("a task waiting for the other", task).await.unwrap());
    }
    assert_ne!(threads[0], threads[1]);
    assert_ne!(threads[0], std::thread::current().id());
}

#[tokio::test(start_paused = true)]
async fn start_paused_test_sleeps_without_waiting() {
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    // The clock jumped to the sleep's deadline when the runtime idled.
    let slept = start.elapsed();
    assert!(slept >= Duration::from_secs(3600), "{slept:?}");
    assert!(slept < Duration::from_secs(3601), "{slept:?}");

    // advance moves the clock by hand; a timer set before fires.
    let timer = tokio::spawn(tokio::time::sleep(Duration::from_secs(60)));
    tokio::task::yield_now().await;
    tokio::time::advance(Duration::from_secs(61)).await;
    within("a timer the clock went past", timer).await.unwrap();

    // A timeout longer than the sleep it guards lets it finish.
    let within_deadline = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::time::sleep(Duration::from_secs(9)),
    )
    .await;
    assert!(within_deadline.is_ok());
    let past_deadline = tokio::time::timeout(
        Duration::from_secs(9),
        tokio::time::sleep(Duration::from_secs(10)),
    )
    .await;
    assert!(past_deadline.is_err());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn interval_with_missed_ticks_on_a_paused_clock() {
    let start = Instant::now();
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    interval.tick().await;
    // A busy stretch of 3.5 s: the overdue tick (due at 1 s) fires at
    // once, the ones due at 2 s and 3 s are skipped, the next is at 4 s.
    tokio::time::advance(Duration::from_millis(3500)).await;
    let tick = interval.tick().await;
    assert_eq!(tick - start, Duration::from_secs(1));
    assert_eq!(start.elapsed(), Duration::from_millis(3500));
    let tick = interval.tick().await;
    assert_eq!(tick - start, Duration::from_secs(4));
    assert_eq!(start.elapsed(), Duration::from_secs(4));
}

// The macros under a renamed path, as `#[tokio::test(crate = "...")]`
// is used by crates that re-export tokio.
mod renamed {
    use tokio as rt;

    #[rt::test(crate = "rt")]
    async fn the_crate_argument_names_the_path() {
        let answer = rt::spawn(async { 6 * 7 }).await.unwrap();
        assert_eq!(answer, 42);
    }
}

#[tokio::test]
async fn select_join_try_join_pin_and_task_local() {
    tokio::task_local! {
        static REQUEST_ID: u32;
    }

    let (a, b) = tokio::join!(async { 1 }, async {
        tokio::task::yield_now().await;
        2
    });
    assert_eq!(a + b, 3);

    let ok: Result<(i32, i32), &str> = tokio::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
    let polled_after_error = AtomicUsize::new(0);
    let err: Result<((), ()), &str> = tokio::try_join!(async { Err("first fails") }, async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        polled_after_error.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    assert_eq!(err, Err("first fails"));
    assert_eq!(polled_after_error.load(Ordering::Relaxed), 0);

    let sleep = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(sleep);
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    tx.send("message").await.unwrap();
    let got = tokio::select! {
        biased;
        _ = &mut sleep => "sleep",
        Some(message) = rx.recv() => message,
    };
    assert_eq!(got, "message");
    assert!(!sleep.is_elapsed());

    // select! with an else branch when every pattern fails to match.
    drop(tx);
    let fallback = tokio::select! {
        Some(message) = rx.recv() => message,
        else => "closed",
    };
    assert_eq!(fallback, "closed");

    let seen = REQUEST_ID
        .scope(7, async {
            tokio::task::yield_now().await;
            REQUEST_ID.get()
        })
        .await;
    assert_eq!(seen, 7);
    assert!(REQUEST_ID.try_with(|id| *id).is_err());
}

#[test]
fn a_runtime_built_by_hand() {
    assert!(Handle::try_current().is_err());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hand-built")
        .enable_all()
        .build()
        .unwrap();
    let name = runtime.block_on(async {
        tokio::spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("hand-built"));

    // Entering the runtime makes it current for spawn from plain code.
    let guard = runtime.enter();
    let task = tokio::spawn(async { "spawned from an entered runtime" });
    drop(guard);
    assert_eq!(
        runtime.block_on(task).unwrap(),
        "spawned from an entered runtime"
    );
    runtime.shutdown_timeout(Duration::from_secs(10));
}

#[test]
fn spawning_outside_a_runtime_panics_with_the_message_tokio_users_search_for() {
    let panic = std::panic::catch_unwind(|| {
        tokio::spawn(async {});
    })
    .expect_err("spawn outside a runtime must panic");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(
        message.contains("there is no reactor running, must be called from the context of a"),
        "{message}"
    );
}

#[test]
fn block_on_inside_a_runtime_panics() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            Handle::current().block_on(async {});
        })
    }))
    .expect_err("block_on within a runtime must panic");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(
        message.contains("Cannot start a runtime from within a runtime"),
        "{message}"
    );
}
