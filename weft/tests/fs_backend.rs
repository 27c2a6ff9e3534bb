//! Which engine runs `weft::fs` in these tests: the one the environment
//! variable `WEFT_FS_BACKEND` names (CI runs every `fs_*` test binary
//! twice: once as built, where `Auto` picks io_uring, and once with
//! `WEFT_FS_BACKEND=blocking-pool`). Checked from what the runtime
//! reports: calls that the io_uring backend submits to its ring start no
//! blocking-pool thread, and on the pool each one needs one. So a ring
//! path that silently fell back to the pool cannot pass as the ring.
#![cfg(feature = "fs")]

mod support;

use support::*;
use weft::fs;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::runtime::{Builder, FsBackend};

rt_test! {
    fn fs_runs_on_the_backend_the_environment_names(rt: &Runtime) {
        let ring = fs_runs_on_io_uring();
        let dir = Scratch::new("fs-backend");
        let path = dir.join("a");
        rt.block_on(async {
            fs::write(&path, b"contents").await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), b"contents");
            let mut file = fs::File::create(&path).await.unwrap();
            file.write_all(b"new").await.unwrap();
            file.flush().await.unwrap();
            file.sync_all().await.unwrap();
            let mut read = String::new();
            fs::File::open(&path)
                .await
                .unwrap()
                .read_to_string(&mut read)
                .await
                .unwrap();
            assert_eq!(read, "new");
            fs::rename(&path, dir.join("b")).await.unwrap();
            fs::remove_file(dir.join("b")).await.unwrap();
            fs::create_dir(dir.join("d")).await.unwrap();
            fs::remove_dir(dir.join("d")).await.unwrap();
        });
        let pool_threads = rt.metrics().num_blocking_threads();
        if ring {
            assert_eq!(pool_threads, 0, "io_uring expected, but fs used the blocking pool");
        } else {
            assert!(pool_threads > 0, "the blocking pool expected, but fs did not use it");
        }
    }
}

#[test]
fn an_unknown_backend_name_fails_the_build() {
    // A child process: the environment is the whole process's.
    const CHILD: &str = "WEFT_FS_BACKEND_TEST_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let err = Builder::new_current_thread().build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("WEFT_FS_BACKEND"), "{err}");
        // A backend chosen in code is kept whatever the variable says.
        Builder::new_current_thread()
            .fs_backend(FsBackend::BlockingPool)
            .build()
            .unwrap();
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "an_unknown_backend_name_fails_the_build",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("WEFT_FS_BACKEND", "io_uring-please")
        .status()
        .unwrap();
    assert!(status.success(), "the child run failed: {status}");
}
