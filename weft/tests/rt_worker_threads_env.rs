//! The worker count of a `multi_thread` runtime built without
//! `Builder::worker_threads`: `WEFT_WORKER_THREADS`, else
//! `TOKIO_WORKER_THREADS` (tokio's name), else the CPUs. The environment is
//! the whole process's, so each case runs in a child process of this test
//! binary with the variables it names.

use std::io::ErrorKind;
use std::process::Command;
use weft::runtime::Builder;

/// Set in the child: which case to check.
const CASE: &str = "WEFT_WORKER_THREADS_TEST_CASE";
/// The test the child runs (this one).
const TEST: &str = "the_worker_count_comes_from_the_environment";

/// What the child checks for each case.
fn check(case: &str) {
    let workers = |builder: &mut Builder| builder.build().map(|rt| rt.metrics().num_workers());
    match case {
        "tokio" => assert_eq!(workers(&mut Builder::new_multi_thread()).unwrap(), 3),
        "weft-first" => assert_eq!(workers(&mut Builder::new_multi_thread()).unwrap(), 2),
        "call-wins" => {
            assert_eq!(
                workers(Builder::new_multi_thread().worker_threads(1)).unwrap(),
                1
            );
        }
        "bad" => {
            let err = workers(&mut Builder::new_multi_thread()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains("TOKIO_WORKER_THREADS"), "{err}");
            // A count given in code, and the current-thread flavor, do not
            // read the variable.
            assert_eq!(
                workers(Builder::new_multi_thread().worker_threads(2)).unwrap(),
                2
            );
            let rt = Builder::new_current_thread().build().unwrap();
            assert_eq!(rt.block_on(async { 7 }), 7);
        }
        other => panic!("unknown case {other}"),
    }
}

/// Runs `case` in a child process with `vars` set (and the two variables
/// otherwise unset).
fn run_child(case: &str, vars: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([TEST, "--exact"])
        .env(CASE, case)
        .env_remove("WEFT_WORKER_THREADS")
        .env_remove("TOKIO_WORKER_THREADS");
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "case {case} failed in the child: {}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // A child that matched no test would pass without checking anything.
    assert!(
        stdout.contains("1 passed"),
        "case {case}: the child ran no test:\n{stdout}"
    );
}

#[test]
fn the_worker_count_comes_from_the_environment() {
    if let Ok(case) = std::env::var(CASE) {
        check(&case);
        return;
    }
    run_child("tokio", &[("TOKIO_WORKER_THREADS", "3")]);
    run_child(
        "weft-first",
        &[("WEFT_WORKER_THREADS", "2"), ("TOKIO_WORKER_THREADS", "3")],
    );
    run_child("call-wins", &[("TOKIO_WORKER_THREADS", "3")]);
    for bad in ["0", "three", "", "-1"] {
        run_child("bad", &[("TOKIO_WORKER_THREADS", bad)]);
    }
}
