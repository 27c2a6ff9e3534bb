//! Permission denied: weft::fs fails where std fails, with the same
//! `io::ErrorKind` (`PermissionDenied`), message and errno, for files and
//! directories whose permission bits forbid the call.
//!
//! Root ignores permission bits, so under root (as CI runs) the test runs
//! itself again in a child process as the unprivileged user `nobody`
//! (uid and gid 65534), and passes only if that run passes. One test in
//! this binary, so the child runs nothing else.
#![cfg(feature = "fs")]

mod support;

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::Command;
use support::*;
use weft::fs;

/// Set in the child that runs as `nobody`.
const UNPRIVILEGED_RUN: &str = "WEFT_FS_TEST_UNPRIVILEGED_RUN";
const NOBODY: u32 = 65534;

fn mode(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn scenario(flavor: Flavor) {
    let rt = flavor.build();
    let dir = Scratch::new("fs-permissions");
    // A file nobody may read or write.
    let locked = dir.join("locked");
    std::fs::write(&locked, b"secret").unwrap();
    mode(&locked, 0o000);
    // A directory whose entries may be read but not changed.
    let read_only_dir = dir.join("read-only");
    std::fs::create_dir(&read_only_dir).unwrap();
    std::fs::write(read_only_dir.join("inside"), b"x").unwrap();
    mode(&read_only_dir, 0o555);
    // A directory that may not even be searched.
    let closed_dir = dir.join("closed");
    std::fs::create_dir(&closed_dir).unwrap();
    std::fs::write(closed_dir.join("inside"), b"x").unwrap();
    mode(&closed_dir, 0o000);

    rt.block_on(async {
        let denied = fs::read(&locked).await.unwrap_err();
        assert_eq!(denied.kind(), ErrorKind::PermissionDenied, "{denied:?}");
        assert_same_outcome("read", fs::read(&locked).await, std::fs::read(&locked));
        assert_same_outcome(
            "File::open",
            fs::File::open(&locked).await,
            std::fs::File::open(&locked),
        );
        assert_same_outcome(
            "File::create",
            fs::File::create(&locked).await,
            std::fs::File::create(&locked),
        );
        assert_same_outcome(
            "write",
            fs::write(&locked, b"x").await,
            std::fs::write(&locked, b"x"),
        );

        let new_file = read_only_dir.join("new");
        assert_same_outcome(
            "create a file in a read-only directory",
            fs::write(&new_file, b"x").await,
            std::fs::write(&new_file, b"x"),
        );
        assert_eq!(
            fs::write(&new_file, b"x").await.unwrap_err().kind(),
            ErrorKind::PermissionDenied
        );
        let inside = read_only_dir.join("inside");
        assert_same_outcome(
            "remove_file in a read-only directory",
            fs::remove_file(&inside).await,
            std::fs::remove_file(&inside),
        );
        assert_same_outcome(
            "create_dir in a read-only directory",
            fs::create_dir(&new_file).await,
            std::fs::create_dir(&new_file),
        );
        assert_same_outcome(
            "rename out of a read-only directory",
            fs::rename(&inside, dir.join("moved")).await,
            std::fs::rename(&inside, dir.join("moved")),
        );
        // Reading it is allowed.
        assert_eq!(fs::read(&inside).await.unwrap(), b"x");

        assert_same_outcome(
            "read_dir of a closed directory",
            fs::read_dir(&closed_dir).await.map(drop),
            std::fs::read_dir(&closed_dir).map(drop),
        );
        let hidden = closed_dir.join("inside");
        assert_same_outcome(
            "metadata through a closed directory",
            fs::metadata(&hidden).await,
            std::fs::metadata(&hidden),
        );
        // try_exists cannot tell: an error, not `false`.
        let cannot_tell = fs::try_exists(&hidden).await.unwrap_err();
        assert_eq!(cannot_tell.kind(), ErrorKind::PermissionDenied);
        assert_same_outcome(
            "try_exists through a closed directory",
            fs::try_exists(&hidden).await,
            std::fs::exists(&hidden),
        );

        // Changing the permission bits of a file someone else owns.
        let root_owned = std::path::Path::new("/");
        let perms = std::fs::metadata(root_owned).unwrap().permissions();
        assert_same_outcome(
            "set_permissions of a file owned by another user",
            fs::set_permissions(root_owned, perms.clone()).await,
            std::fs::set_permissions(root_owned, perms),
        );
    });
}

#[test]
fn permission_denied_fails_as_std_does() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        assert!(
            std::env::var_os(UNPRIVILEGED_RUN).is_none(),
            "the unprivileged run is still root"
        );
        // Run this test again as `nobody`, in a child process.
        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "permission_denied_fails_as_std_does",
                "--nocapture",
            ])
            .env(UNPRIVILEGED_RUN, "1")
            .uid(NOBODY)
            .gid(NOBODY)
            .status()
            .expect("could not start the test again as `nobody`");
        assert!(status.success(), "the run as `nobody` failed: {status}");
        return;
    }
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        scenario(flavor);
    }
}
