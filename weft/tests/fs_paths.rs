//! weft::fs's free functions, `DirBuilder` and `read_dir` on every runtime
//! flavor, with real files in a fresh scratch directory: each does what
//! its std twin does, and on bad input (a missing path, a directory where
//! a file is expected, a file where a directory is expected) fails exactly
//! as std does: same `io::ErrorKind`, same message, same errno.
//!
//! Every test is a body over a `Runtime` and assumes nothing about how
//! the runtime performs file operations, so the same file runs against
//! any backend the runtime is built with.
#![cfg(feature = "fs")]

mod support;

use std::collections::BTreeSet;
use std::future::{poll_fn, Future};
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::pin::pin;
use std::task::Poll;
use support::*;
use weft::fs::{self, DirBuilder};

rt_test! {
    fn read_write_and_read_to_string(rt: &Runtime) {
        let dir = Scratch::new("fs-rw");
        rt.block_on(async {
            let path = dir.join("a.txt");
            fs::write(&path, "héllo").await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), "héllo".as_bytes());
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "héllo");
            // Replaces, not appends; takes any AsRef<[u8]>.
            fs::write(&path, vec![b'x'; 3]).await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), b"xxx");
            fs::write(&path, b"").await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), b"");

            // Not UTF-8: std's InvalidData and message.
            fs::write(&path, [0xff, 0xfe]).await.unwrap();
            assert_same_outcome(
                "read_to_string of bytes that are not UTF-8",
                fs::read_to_string(&path).await,
                std::fs::read_to_string(&path),
            );
        });
    }

    fn copy_rename_and_remove(rt: &Runtime) {
        let dir = Scratch::new("fs-copy-rename");
        rt.block_on(async {
            let a = dir.join("a");
            fs::write(&a, b"contents").await.unwrap();
            fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).await.unwrap();
            assert_eq!(fs::copy(&a, dir.join("b")).await.unwrap(), 8);
            assert_eq!(std::fs::read(dir.join("b")).unwrap(), b"contents");
            // Permission bits come along.
            let mode = std::fs::metadata(dir.join("b")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);

            fs::rename(dir.join("b"), dir.join("c")).await.unwrap();
            assert!(!fs::try_exists(dir.join("b")).await.unwrap());
            assert!(fs::try_exists(dir.join("c")).await.unwrap());
            // Over an existing file.
            fs::rename(dir.join("c"), &a).await.unwrap();
            assert_eq!(std::fs::read(&a).unwrap(), b"contents");

            fs::remove_file(&a).await.unwrap();
            assert!(!a.exists());
        });
    }

    fn directories(rt: &Runtime) {
        let dir = Scratch::new("fs-dirs");
        rt.block_on(async {
            fs::create_dir(dir.join("one")).await.unwrap();
            assert!(fs::metadata(dir.join("one")).await.unwrap().is_dir());
            fs::create_dir_all(dir.join("two/three/four")).await.unwrap();
            // Again: not an error.
            fs::create_dir_all(dir.join("two/three/four")).await.unwrap();
            assert!(dir.join("two/three/four").is_dir());

            DirBuilder::new().recursive(true).mode(0o700).create(dir.join("five/six")).await.unwrap();
            let mode = std::fs::metadata(dir.join("five/six")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700 & !umask());
            let err = DirBuilder::new().create(dir.join("five")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists);
            let _ = format!("{:?}", DirBuilder::default());

            fs::remove_dir(dir.join("one")).await.unwrap();
            assert!(!dir.join("one").exists());
            std::fs::write(dir.join("two/three/file"), b"x").unwrap();
            assert_same_outcome(
                "remove_dir of a directory that is not empty",
                fs::remove_dir(dir.join("two/three")).await,
                std::fs::remove_dir(dir.join("two/three")),
            );
            fs::remove_dir_all(dir.join("two")).await.unwrap();
            assert!(!dir.join("two").exists());
        });
    }

    fn links_metadata_and_canonical_paths(rt: &Runtime) {
        let dir = Scratch::new("fs-links");
        rt.block_on(async {
            let target = dir.join("target");
            fs::write(&target, b"12345").await.unwrap();
            fs::hard_link(&target, dir.join("hard")).await.unwrap();
            assert_eq!(fs::metadata(&target).await.unwrap().nlink(), 2);
            assert_eq!(
                fs::metadata(dir.join("hard")).await.unwrap().ino(),
                fs::metadata(&target).await.unwrap().ino()
            );

            fs::symlink("target", dir.join("soft")).await.unwrap();
            assert_eq!(fs::read_link(dir.join("soft")).await.unwrap(), std::path::Path::new("target"));
            // metadata follows the link, symlink_metadata does not.
            let followed = fs::metadata(dir.join("soft")).await.unwrap();
            assert!(followed.is_file());
            assert_eq!(followed.len(), 5);
            let itself = fs::symlink_metadata(dir.join("soft")).await.unwrap();
            assert!(itself.file_type().is_symlink());

            let canonical = fs::canonicalize(dir.join("soft")).await.unwrap();
            assert_eq!(canonical, std::fs::canonicalize(&target).unwrap());
            assert!(canonical.is_absolute());

            // A dangling link: it exists as a link, not as a file.
            fs::symlink("nowhere", dir.join("dangling")).await.unwrap();
            assert!(!fs::try_exists(dir.join("dangling")).await.unwrap());
            assert!(fs::symlink_metadata(dir.join("dangling")).await.is_ok());
            assert_same_outcome(
                "read_link of a file that is not a link",
                fs::read_link(&target).await,
                std::fs::read_link(&target),
            );
            // remove_file removes the link, not what it points to.
            fs::remove_file(dir.join("soft")).await.unwrap();
            assert!(target.exists());
        });
    }

    fn read_dir_lists_every_entry(rt: &Runtime) {
        let dir = Scratch::new("fs-read-dir");
        rt.block_on(async {
            // More entries than one background chunk reads.
            let mut expected = BTreeSet::new();
            for i in 0..100 {
                let name = format!("file{i:03}");
                std::fs::write(dir.join(&name), vec![b'x'; i]).unwrap();
                expected.insert(name);
            }
            std::fs::create_dir(dir.join("sub")).unwrap();
            expected.insert("sub".to_string());
            std::os::unix::fs::symlink("file000", dir.join("link")).unwrap();
            expected.insert("link".to_string());

            let mut entries = fs::read_dir(dir.path()).await.unwrap();
            let mut seen = BTreeSet::new();
            while let Some(entry) = entries.next_entry().await.unwrap() {
                let name = entry.file_name().into_string().unwrap();
                assert_eq!(entry.path(), dir.join(&name));
                let std_metadata = std::fs::symlink_metadata(entry.path()).unwrap();
                assert_eq!(entry.ino(), std_metadata.ino());
                let file_type = entry.file_type().await.unwrap();
                let metadata = entry.metadata().await.unwrap();
                match name.as_str() {
                    "sub" => assert!(file_type.is_dir() && metadata.is_dir()),
                    "link" => {
                        assert!(file_type.is_symlink());
                        // Not followed.
                        assert!(metadata.file_type().is_symlink());
                    }
                    file => {
                        assert!(file_type.is_file());
                        let size: u64 = file[4..].parse().unwrap();
                        assert_eq!(metadata.len(), size);
                    }
                }
                assert!(seen.insert(name), "an entry was listed twice");
                let _ = format!("{entry:?}");
            }
            assert_eq!(seen, expected);
            // The end stays the end.
            assert!(entries.next_entry().await.unwrap().is_none());
            assert!(poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap().is_none());
        });
    }

    fn read_dir_dropped_calls_lose_no_entry(rt: &Runtime) {
        let dir = Scratch::new("fs-read-dir-drop");
        rt.block_on(async {
            for i in 0..200 {
                std::fs::write(dir.join(format!("f{i}")), b"").unwrap();
            }
            let mut entries = fs::read_dir(dir.path()).await.unwrap();
            let mut seen = BTreeSet::new();
            loop {
                // Poll once and drop the call when it is pending.
                let polled = {
                    let mut next = pin!(entries.next_entry());
                    poll_fn(|cx| Poll::Ready(next.as_mut().poll(cx))).await
                };
                let entry = match polled {
                    Poll::Ready(entry) => entry.unwrap(),
                    Poll::Pending => entries.next_entry().await.unwrap(),
                };
                let Some(entry) = entry else { break };
                assert!(seen.insert(entry.file_name()));
            }
            assert_eq!(seen.len(), 200);
        });
    }

    fn a_thousand_concurrent_reads(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_thousand_concurrent_reads");
        let dir = Scratch::new("fs-thousand");
        for i in 0..1000 {
            std::fs::write(dir.join(format!("f{i}")), format!("file number {i}")).unwrap();
        }
        rt.block_on(async {
            let mut tasks = weft::task::JoinSet::new();
            for i in 0..1000 {
                let path = dir.join(format!("f{i}"));
                tasks.spawn(async move { (i, fs::read(path).await) });
            }
            let mut done = BTreeSet::new();
            while let Some(joined) = tasks.join_next().await {
                let (i, contents) = joined.unwrap();
                assert_eq!(contents.unwrap(), format!("file number {i}").into_bytes());
                assert!(done.insert(i));
            }
            assert_eq!(done.len(), 1000);

            // And a thousand metadata calls joined in one task.
            let calls = (0..1000).map(|i| fs::metadata(dir.join(format!("f{i}"))));
            let mut calls: Vec<_> = calls.map(Box::pin).collect();
            let mut results = vec![None; calls.len()];
            poll_fn(|cx| {
                let mut pending = false;
                for (call, result) in calls.iter_mut().zip(results.iter_mut()) {
                    if result.is_none() {
                        match call.as_mut().poll(cx) {
                            Poll::Ready(metadata) => *result = Some(metadata.unwrap().len()),
                            Poll::Pending => pending = true,
                        }
                    }
                }
                if pending { Poll::Pending } else { Poll::Ready(()) }
            })
            .await;
            for (i, len) in results.into_iter().enumerate() {
                assert_eq!(len, Some(format!("file number {i}").len() as u64));
            }
        });
    }

    fn missing_paths_fail_as_std_does(rt: &Runtime) {
        let dir = Scratch::new("fs-missing");
        let missing = dir.join("missing");
        let deep = dir.join("missing/deeper/file");
        rt.block_on(async {
            assert_same_outcome("read", fs::read(&missing).await, std::fs::read(&missing));
            assert_same_outcome(
                "read_to_string",
                fs::read_to_string(&missing).await,
                std::fs::read_to_string(&missing),
            );
            assert_same_outcome("write", fs::write(&deep, b"x").await, std::fs::write(&deep, b"x"));
            assert_same_outcome(
                "File::open",
                fs::File::open(&missing).await,
                std::fs::File::open(&missing),
            );
            assert_same_outcome(
                "File::create in a missing directory",
                fs::File::create(&deep).await,
                std::fs::File::create(&deep),
            );
            assert_same_outcome(
                "copy",
                fs::copy(&missing, dir.join("to")).await,
                std::fs::copy(&missing, dir.join("to")),
            );
            assert_same_outcome(
                "rename",
                fs::rename(&missing, dir.join("to")).await,
                std::fs::rename(&missing, dir.join("to")),
            );
            assert_same_outcome(
                "remove_file",
                fs::remove_file(&missing).await,
                std::fs::remove_file(&missing),
            );
            assert_same_outcome(
                "remove_dir",
                fs::remove_dir(&missing).await,
                std::fs::remove_dir(&missing),
            );
            assert_same_outcome(
                "remove_dir_all",
                fs::remove_dir_all(&missing).await,
                std::fs::remove_dir_all(&missing),
            );
            assert_same_outcome(
                "create_dir",
                fs::create_dir(&deep).await,
                std::fs::create_dir(&deep),
            );
            assert_same_outcome(
                "metadata",
                fs::metadata(&missing).await,
                std::fs::metadata(&missing),
            );
            assert_same_outcome(
                "symlink_metadata",
                fs::symlink_metadata(&missing).await,
                std::fs::symlink_metadata(&missing),
            );
            assert_same_outcome(
                "canonicalize",
                fs::canonicalize(&missing).await,
                std::fs::canonicalize(&missing),
            );
            assert_same_outcome(
                "hard_link",
                fs::hard_link(&missing, dir.join("to")).await,
                std::fs::hard_link(&missing, dir.join("to")),
            );
            assert_same_outcome(
                "symlink in a missing directory",
                fs::symlink("x", &deep).await,
                std::os::unix::fs::symlink("x", &deep),
            );
            assert_same_outcome(
                "read_link",
                fs::read_link(&missing).await,
                std::fs::read_link(&missing),
            );
            assert_same_outcome(
                "set_permissions",
                fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o600)).await,
                std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o600)),
            );
            assert_same_outcome(
                "read_dir",
                fs::read_dir(&missing).await.map(drop),
                std::fs::read_dir(&missing).map(drop),
            );
            assert_eq!(fs::read(&missing).await.unwrap_err().kind(), ErrorKind::NotFound);
            // "Not found" is an answer for try_exists, not an error.
            assert!(!fs::try_exists(&missing).await.unwrap());
            assert!(!fs::try_exists(&deep).await.unwrap());
        });
    }

    fn a_directory_where_a_file_is_expected(rt: &Runtime) {
        let dir = Scratch::new("fs-dir-as-file");
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).unwrap();
        rt.block_on(async {
            assert_same_outcome("read", fs::read(&sub).await, std::fs::read(&sub));
            assert_eq!(fs::read(&sub).await.unwrap_err().kind(), ErrorKind::IsADirectory);
            assert_same_outcome(
                "read_to_string",
                fs::read_to_string(&sub).await,
                std::fs::read_to_string(&sub),
            );
            assert_same_outcome("write", fs::write(&sub, b"x").await, std::fs::write(&sub, b"x"));
            assert_same_outcome(
                "File::create",
                fs::File::create(&sub).await,
                std::fs::File::create(&sub),
            );
            assert_same_outcome(
                "open for writing",
                fs::OpenOptions::new().write(true).open(&sub).await,
                std::fs::OpenOptions::new().write(true).open(&sub),
            );
            assert_same_outcome(
                "copy from a directory",
                fs::copy(&sub, dir.join("to")).await,
                std::fs::copy(&sub, dir.join("to")),
            );
            assert_same_outcome(
                "remove_file",
                fs::remove_file(&sub).await,
                std::fs::remove_file(&sub),
            );
            assert_same_outcome(
                "create_dir of an existing directory",
                fs::create_dir(&sub).await,
                std::fs::create_dir(&sub),
            );
            // Opening a directory read-only works (as std); reading it fails.
            let mut file = fs::File::open(&sub).await.unwrap();
            let mut buf = [0u8; 8];
            let err = weft::io::AsyncReadExt::read(&mut file, &mut buf).await.unwrap_err();
            let std_err =
                std::io::Read::read(&mut std::fs::File::open(&sub).unwrap(), &mut buf).unwrap_err();
            assert_eq!(err.kind(), std_err.kind());
            assert_eq!(err.raw_os_error(), std_err.raw_os_error());
        });
    }

    fn a_file_where_a_directory_is_expected(rt: &Runtime) {
        let dir = Scratch::new("fs-file-as-dir");
        let file = dir.join("file");
        std::fs::write(&file, b"x").unwrap();
        let below = file.join("below");
        rt.block_on(async {
            assert_same_outcome(
                "read_dir",
                fs::read_dir(&file).await.map(drop),
                std::fs::read_dir(&file).map(drop),
            );
            assert_eq!(
                fs::read_dir(&file).await.unwrap_err().kind(),
                ErrorKind::NotADirectory
            );
            assert_same_outcome("read below a file", fs::read(&below).await, std::fs::read(&below));
            assert_same_outcome(
                "create_dir_all below a file",
                fs::create_dir_all(&below).await,
                std::fs::create_dir_all(&below),
            );
            assert_same_outcome(
                "remove_dir of a file",
                fs::remove_dir(&file).await,
                std::fs::remove_dir(&file),
            );
            assert_same_outcome(
                "remove_dir_all of a file",
                fs::remove_dir_all(&file).await,
                std::fs::remove_dir_all(&file),
            );
            assert_same_outcome(
                "try_exists below a file",
                fs::try_exists(&below).await,
                std::fs::exists(&below),
            );
        });
    }
}

/// The process's umask (read by setting it and putting it back).
fn umask() -> u32 {
    // SAFETY: umask has no preconditions; the old mask is restored at once.
    let old = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    old as u32
}
