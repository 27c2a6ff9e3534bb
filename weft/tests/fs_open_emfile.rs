//! Opening with no file descriptor left (`EMFILE`): every weft::fs call
//! that needs a new descriptor returns std's error (raw `EMFILE`), nothing
//! hangs or panics, and once descriptors are free again the same calls
//! work.
//!
//! `RLIMIT_NOFILE` is process-wide, so this binary holds a single test,
//! which runs the scenario on each runtime flavor in turn.
#![cfg(feature = "fs")]

mod support;

use support::*;
use weft::fs;
use weft::io::AsyncReadExt;

fn scenario(flavor: Flavor) {
    let _watchdog = Watchdog::new("open_under_emfile");
    let on_ring = fs_runs_on_io_uring();
    let rt = flavor.build();
    let dir = Scratch::new("fs-emfile");
    let path = dir.join("a");
    std::fs::write(&path, b"contents").unwrap();
    let original = get_nofile();
    rt.block_on(async {
        let open = fs::File::open(&path).await.unwrap();

        // From here on, no new descriptor can be opened.
        set_nofile(libc::rlimit {
            rlim_cur: lowest_free_fd(),
            rlim_max: original.rlim_max,
        });
        let results = [
            ("File::open", fs::File::open(&path).await.map(drop)),
            (
                "File::create",
                fs::File::create(dir.join("b")).await.map(drop),
            ),
            (
                "OpenOptions::open",
                fs::OpenOptions::new()
                    .read(true)
                    .open(&path)
                    .await
                    .map(drop),
            ),
            ("read", fs::read(&path).await.map(drop)),
            ("read_to_string", fs::read_to_string(&path).await.map(drop)),
            ("write", fs::write(dir.join("c"), b"x").await),
            ("copy", fs::copy(&path, dir.join("d")).await.map(drop)),
            ("read_dir", fs::read_dir(dir.path()).await.map(drop)),
            ("File::try_clone", open.try_clone().await.map(drop)),
        ];
        set_nofile(original);
        for (what, result) in results {
            // On io_uring, `fs::read` opens into the ring's own table of
            // files (direct descriptors), which the limit does not count:
            // it may succeed where std's fails.
            if on_ring && (what == "read" || what == "read_to_string") && result.is_ok() {
                continue;
            }
            let err = result.expect_err(what);
            assert_eq!(
                err.raw_os_error(),
                Some(libc::EMFILE),
                "{what}: expected EMFILE, got {err}"
            );
        }

        // Descriptors are back: the same calls work.
        let mut file = fs::File::open(&path).await.unwrap();
        let mut contents = String::new();
        file.read_to_string(&mut contents).await.unwrap();
        assert_eq!(contents, "contents");
        assert_eq!(fs::read(&path).await.unwrap(), b"contents");
        open.try_clone().await.unwrap();
    });
}

#[test]
fn open_reports_emfile_and_recovers_on_every_flavor() {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        scenario(flavor);
    }
}
