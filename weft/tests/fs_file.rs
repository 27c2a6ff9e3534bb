//! `weft::fs::File` on every runtime flavor, with real files in a fresh
//! scratch directory: reads and writes come back as written, the position
//! stays true across buffered writes, read-ahead, seeks and `set_len`,
//! write errors surface at the next write or flush, and a dropped future
//! or file loses nothing and leaks nothing.
//!
//! Every test is a body over a `Runtime` and assumes nothing about how
//! the runtime performs file operations, so the same file runs against
//! any backend the runtime is built with.
#![cfg(feature = "fs")]

mod support;

use std::future::{poll_fn, Future};
use std::io::{ErrorKind, SeekFrom};
use std::os::fd::AsRawFd;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};
use support::*;
use weft::fs::{self, File, FileTimes, OpenOptions};
use weft::io::{AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};

/// `len` bytes of a pattern that repeats only every 251 bytes, so a
/// misplaced chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Checks `until` every few milliseconds until it holds, up to
/// `PATIENCE`. Sleeps on the runtime's timer, not the thread: on the
/// io_uring backend the runtime's own threads take the completions (and
/// drop what a finished operation held), so a `current_thread` runtime
/// must keep running meanwhile.
async fn eventually(what: &str, mut until: impl FnMut() -> bool) {
    let start = Instant::now();
    while !until() {
        assert!(
            start.elapsed() < PATIENCE,
            "{what}: still not true after {PATIENCE:?}"
        );
        weft::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Seeks to `position`, then leaves a read with room for 100 bytes in
/// flight (polled once, then dropped): the file reads ahead. Retries in
/// the rare case the read completes within its first poll.
async fn read_ahead_from(file: &mut File, position: u64) {
    for _ in 0..1000 {
        file.seek(SeekFrom::Start(position)).await.unwrap();
        // A task ready beside this one: on io_uring, the only ready task
        // of a worker submits at once, and a page-cache read then
        // completes within its first poll; with another ready, the read
        // waits for the worker's flush (an idle worker may steal the
        // sibling first: then this attempt is retried).
        let _sibling = weft::spawn(async {});
        let mut room = [0u8; 100];
        let mut read = pin!(file.read(&mut room));
        if poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx).is_pending())).await {
            return;
        }
    }
    panic!("every read completed within its first poll");
}

rt_test! {
    fn write_then_read_back(rt: &Runtime) {
        let dir = Scratch::new("fs-write-read");
        rt.block_on(async {
            let path = dir.join("a.txt");
            let mut file = File::create(&path).await.unwrap();
            file.write_all(b"hello, ").await.unwrap();
            file.write_all(b"world").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            assert_eq!(std::fs::read(&path).unwrap(), b"hello, world");

            let mut file = File::open(&path).await.unwrap();
            let mut contents = String::new();
            file.read_to_string(&mut contents).await.unwrap();
            assert_eq!(contents, "hello, world");
            // At the end: reads return nothing, again and again.
            let mut buf = [0u8; 8];
            assert_eq!(file.read(&mut buf).await.unwrap(), 0);
            assert_eq!(file.read(&mut buf).await.unwrap(), 0);
        });
    }

    fn create_new_and_options(rt: &Runtime) {
        let dir = Scratch::new("fs-create-new");
        rt.block_on(async {
            let path = dir.join("new");
            let mut file = File::create_new(&path).await.unwrap();
            file.write_all(b"x").await.unwrap();
            file.flush().await.unwrap();
            let err = File::create_new(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists);

            // `File::options` is `OpenOptions::new`; `mode` and `custom_flags`
            // reach `open(2)`.
            use std::os::unix::fs::PermissionsExt;
            let private = dir.join("private");
            File::options()
                .write(true)
                .create(true)
                .mode(0o600)
                .custom_flags(0)
                .open(&private)
                .await
                .unwrap();
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);

            // An OpenOptions made from std's keeps its settings.
            let mut std_options = std::fs::OpenOptions::new();
            std_options.read(true);
            let options = OpenOptions::from(std_options);
            let mut file = options.open(&path).await.unwrap();
            let mut contents = vec![];
            file.read_to_end(&mut contents).await.unwrap();
            assert_eq!(contents, b"x");

            // No access mode at all is std's InvalidInput.
            let err = OpenOptions::default().open(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        });
    }

    fn seek_after_buffered_write(rt: &Runtime) {
        let dir = Scratch::new("fs-seek-write");
        rt.block_on(async {
            let path = dir.join("a");
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .await
                .unwrap();
            // No flush: the seek waits for the write in flight first.
            file.write_all(b"0123456789").await.unwrap();
            assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"23");
            assert_eq!(file.stream_position().await.unwrap(), 4);
            // Overwrite in the middle, then read what follows.
            file.write_all(b"ab").await.unwrap();
            let mut rest = vec![];
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"6789");
            assert_eq!(file.seek(SeekFrom::End(-3)).await.unwrap(), 7);
            assert_eq!(file.seek(SeekFrom::Current(-7)).await.unwrap(), 0);
            file.rewind().await.unwrap();
            let mut all = vec![];
            file.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, b"0123ab6789");

            // A seek before the start is std's InvalidInput, and changes
            // nothing.
            let err = file.seek(SeekFrom::Current(-100)).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(file.stream_position().await.unwrap(), 10);
        });
    }

    fn read_ahead_is_given_back_before_write_and_seek(rt: &Runtime) {
        let dir = Scratch::new("fs-read-ahead");
        let path = dir.join("a");
        // In a task: on a worker, a read's first poll only queues it (the
        // io_uring backend submits at the worker's next flush), so the
        // read-ahead stays in flight as this test needs.
        rt.block_on(async { weft::spawn(async move {
            std::fs::write(&path, b"abcdefghij").unwrap();
            let mut file = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();

            // From position 3, a read with room for 100 bytes reads the
            // rest of the file ahead; a read with room for 3 finishes it.
            read_ahead_from(&mut file, 3).await;
            let mut small = [0u8; 3];
            file.read_exact(&mut small).await.unwrap();
            assert_eq!(&small, b"def");
            // Four bytes wait in the buffer; the position is 6, not 10.
            assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 6);
            file.read_exact(&mut small).await.unwrap();
            assert_eq!(&small, b"ghi");

            // Read ahead again, then write: the write lands where the
            // caller is, not where the read-ahead left the descriptor.
            read_ahead_from(&mut file, 6).await;
            let mut one = [0u8; 1];
            file.read_exact(&mut one).await.unwrap();
            assert_eq!(&one, b"g");
            file.write_all(b"XY").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"abcdefgXYj");

            // And set_len: it does not move the position either.
            read_ahead_from(&mut file, 1).await;
            file.read_exact(&mut one).await.unwrap();
            assert_eq!(&one, b"b");
            file.set_len(9).await.unwrap();
            assert_eq!(file.stream_position().await.unwrap(), 2);
            let mut rest = vec![];
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"cdefgXY");
        }).await.unwrap() });
    }

    fn set_len_truncates_and_extends(rt: &Runtime) {
        let dir = Scratch::new("fs-set-len");
        rt.block_on(async {
            let path = dir.join("a");
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .await
                .unwrap();
            file.write_all(b"hello, world").await.unwrap();
            // set_len waits for the write in flight.
            file.set_len(5).await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), 5);
            assert_eq!(std::fs::read(&path).unwrap(), b"hello");
            file.set_len(8).await.unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"hello\0\0\0");
            // The position did not move: it is still past the old end.
            assert_eq!(file.stream_position().await.unwrap(), 12);

            // On a read-only file it fails as std's does.
            let read_only = File::open(&path).await.unwrap();
            let std_err = std::fs::File::open(&path).unwrap().set_len(1).unwrap_err();
            let err = read_only.set_len(1).await.unwrap_err();
            assert_eq!(err.kind(), std_err.kind());
        });
    }

    fn append_mode_writes_at_the_end(rt: &Runtime) {
        let dir = Scratch::new("fs-append");
        rt.block_on(async {
            let path = dir.join("log");
            std::fs::write(&path, b"one\n").unwrap();
            let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
            file.write_all(b"two\n").await.unwrap();
            file.flush().await.unwrap();
            // Another writer appends in between: appends still go last.
            std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, b"three\n"))
                .unwrap();
            file.seek(SeekFrom::Start(0)).await.unwrap();
            file.write_all(b"four\n").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"one\ntwo\nthree\nfour\n");
        });
    }

    fn large_write_and_read(rt: &Runtime) {
        let dir = Scratch::new("fs-large");
        rt.block_on(async {
            let path = dir.join("big");
            // 5 MiB and a bit: more than two of the default 2 MiB chunks.
            let data = pattern(5 * 1024 * 1024 + 123);
            let mut file = File::create(&path).await.unwrap();
            file.write_all(&data).await.unwrap();
            file.sync_all().await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), data.len() as u64);
            drop(file);

            let mut file = File::open(&path).await.unwrap();
            let mut back = Vec::new();
            file.read_to_end(&mut back).await.unwrap();
            assert!(back == data, "the file read back differs from what was written");
            assert!(fs::read(&path).await.unwrap() == data);

            // Through a BufReader, in small pieces.
            let mut reader = weft::io::BufReader::new(File::open(&path).await.unwrap());
            let mut back = Vec::new();
            let mut piece = [0u8; 1000];
            loop {
                let n = reader.read(&mut piece).await.unwrap();
                if n == 0 {
                    break;
                }
                back.extend_from_slice(&piece[..n]);
            }
            assert!(back == data);
        });
    }

    fn max_buf_size_bounds_each_operation(rt: &Runtime) {
        let dir = Scratch::new("fs-max-buf");
        rt.block_on(async {
            let path = dir.join("a");
            let mut file = File::create(&path).await.unwrap();
            assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
            file.set_max_buf_size(1000);
            assert_eq!(file.max_buf_size(), 1000);
            let data = pattern(5000);
            // One write takes at most 1000 bytes.
            assert_eq!(file.write(&data).await.unwrap(), 1000);
            file.write_all(&data[1000..]).await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), data);

            let mut file = File::open(&path).await.unwrap();
            file.set_max_buf_size(700);
            let mut buf = vec![0u8; 5000];
            let n = file.read(&mut buf).await.unwrap();
            assert!(n > 0 && n <= 700, "one read returned {n} bytes");
            // A clone keeps the setting.
            assert_eq!(file.try_clone().await.unwrap().max_buf_size(), 700);
        });
    }

    #[should_panic(expected = "`max_buf_size` must be greater than 0")]
    fn zero_max_buf_size_panics(rt: &Runtime) {
        let dir = Scratch::new("fs-max-buf-zero");
        rt.block_on(async {
            let mut file = File::create(dir.join("a")).await.unwrap();
            file.set_max_buf_size(0);
        });
    }

    fn sync_metadata_clone_and_std(rt: &Runtime) {
        let dir = Scratch::new("fs-file-misc");
        rt.block_on(async {
            let path = dir.join("a");
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .await
                .unwrap();
            file.write_all(b"abcdef").await.unwrap();
            file.sync_data().await.unwrap();
            file.sync_all().await.unwrap();
            let metadata = file.metadata().await.unwrap();
            assert!(metadata.is_file());
            assert_eq!(metadata.len(), 6);

            // A clone shares the position.
            let mut clone = file.try_clone().await.unwrap();
            clone.seek(SeekFrom::Start(1)).await.unwrap();
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"bc");

            // Permissions and times.
            let mut perms = file.metadata().await.unwrap().permissions();
            perms.set_readonly(true);
            file.set_permissions(perms).await.unwrap();
            assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
            let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890);
            file.set_modified(then).await.unwrap();
            assert_eq!(file.metadata().await.unwrap().modified().unwrap(), then);
            let earlier = then - Duration::from_secs(10);
            file.set_times(FileTimes::new().set_accessed(earlier).set_modified(earlier))
                .await
                .unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), earlier);

            // The descriptor is the std file's.
            let fd = file.as_raw_fd();
            let std_file = file.into_std().await;
            assert_eq!(std_file.as_raw_fd(), fd);
            let file = File::from_std(std_file);
            let std_file = file.try_into_std().unwrap();
            let file: File = std_file.into();
            let owned: std::os::fd::OwnedFd = file.try_into_std().unwrap().into();
            let mut file = File::from(owned);
            file.rewind().await.unwrap();
            let mut all = vec![];
            file.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, b"abcdef");
            assert!(format!("{file:?}").contains("File"));
        });
    }

    fn try_into_std_gives_a_busy_file_back(rt: &Runtime) {
        let dir = Scratch::new("fs-try-into-std");
        rt.block_on(async {
            let mut file = File::create(dir.join("a")).await.unwrap();
            // The write is still in flight, or just finished: either way
            // nothing is lost.
            file.write_all(&pattern(1024 * 1024)).await.unwrap();
            let file = match file.try_into_std() {
                Ok(std_file) => File::from_std(std_file),
                Err(mut file) => {
                    file.flush().await.unwrap();
                    file
                }
            };
            let std_file = file.into_std().await;
            assert_eq!(std_file.metadata().unwrap().len(), 1024 * 1024);
        });
    }

    fn write_error_surfaces_at_flush(rt: &Runtime) {
        let dir = Scratch::new("fs-write-error");
        rt.block_on(async {
            let path = dir.join("a");
            std::fs::write(&path, b"x").unwrap();
            // Opened read-only: the background write fails with EBADF.
            let mut file = File::open(&path).await.unwrap();
            let accepted = file.write(b"abc").await.unwrap();
            assert_eq!(accepted, 3, "a write is accepted before it runs");
            let err = file.flush().await.unwrap_err();
            let std_err = std::io::Write::write(&mut std::fs::File::open(&path).unwrap(), b"abc")
                .unwrap_err();
            assert_eq!(err.kind(), std_err.kind());
            assert_eq!(err.raw_os_error(), std_err.raw_os_error());
            // Reported once.
            file.flush().await.unwrap();

            // Or at the next write.
            assert_eq!(file.write(b"abc").await.unwrap(), 3);
            let err = loop {
                // The first write may still be in flight: the next call
                // waits for it and returns its error.
                match file.write(b"def").await {
                    Err(e) => break e,
                    Ok(_) => continue,
                }
            };
            assert_eq!(err.raw_os_error(), std_err.raw_os_error());
        });
    }

    fn dropped_read_future_loses_nothing(rt: &Runtime) {
        let dir = Scratch::new("fs-drop-read");
        rt.block_on(async {
            let path = dir.join("a");
            let data = pattern(64 * 1024);
            std::fs::write(&path, &data).unwrap();
            let mut file = File::open(&path).await.unwrap();
            let counters = Counters::new();
            let mut dropped_pending = 0;
            let mut back = Vec::new();
            // Start reads and drop them after one poll, again and again;
            // each read's bytes are still delivered to the next call.
            while back.len() < data.len() {
                let mut buf = [0u8; 4096];
                let polled = {
                    let read = pin!(Counted::new(&counters, file.read(&mut buf)));
                    let mut read = read;
                    poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await
                    // The read future (and the Counted around it) drops here.
                };
                match polled {
                    Poll::Ready(n) => {
                        let n = n.unwrap();
                        assert!(n > 0, "end of file after {} of {} bytes", back.len(), data.len());
                        back.extend_from_slice(&buf[..n]);
                    }
                    Poll::Pending => {
                        dropped_pending += 1;
                        // The dropped read's bytes come with the next call.
                        let n = file.read(&mut buf).await.unwrap();
                        back.extend_from_slice(&buf[..n]);
                    }
                }
            }
            assert!(back == data, "bytes were lost or reordered");
            let mut rest = [0u8; 1];
            assert_eq!(file.read(&mut rest).await.unwrap(), 0);
            assert_eq!(
                counters.drops(),
                counters.polls(),
                "every started read future was dropped"
            );
            // `dropped_pending` depends on timing; both paths are correct.
            let _ = dropped_pending;
        });
    }

    fn file_dropped_mid_write_finishes_the_write_and_closes(rt: &Runtime) {
        let dir = Scratch::new("fs-drop-file");
        rt.block_on(async {
            let path = dir.join("a");
            let data = pattern(4 * 1024 * 1024);
            let mut file = File::create(&path).await.unwrap();
            file.set_max_buf_size(data.len());
            let fd = file.as_raw_fd();
            let link = format!("/proc/self/fd/{fd}");
            // One 4 MiB background write, and the file dropped at once: the
            // write owns its buffer and the descriptor until it is done.
            assert_eq!(file.write(&data).await.unwrap(), data.len());
            drop(file);
            eventually("the dropped file's write finished", || {
                std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == data.len() as u64
            }).await;
            assert!(std::fs::read(&path).unwrap() == data);
            // And then its descriptor was closed (the number may be reused
            // by another file, but not for this path).
            eventually("the dropped file's descriptor closed", || {
                std::fs::read_link(&link).map_or(true, |target| target != path)
            }).await;
        });
    }

    fn dropped_mid_read_file_closes(rt: &Runtime) {
        let dir = Scratch::new("fs-drop-file-read");
        rt.block_on(async {
            let path = dir.join("a");
            std::fs::write(&path, pattern(1024 * 1024)).unwrap();
            let mut file = File::open(&path).await.unwrap();
            let link = format!("/proc/self/fd/{}", file.as_raw_fd());
            {
                let mut buf = vec![0u8; 1024 * 1024];
                let mut read = pin!(file.read(&mut buf));
                // Start the read, then drop it and the file: the buffer the
                // operation reads into is its own, not `buf`.
                let _ = poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx).is_pending())).await;
            }
            drop(file);
            eventually("the dropped file's descriptor closed", || {
                std::fs::read_link(&link).map_or(true, |target| target != path)
            }).await;
        });
    }

    fn many_files_at_once(rt: &Runtime) {
        let dir = Scratch::new("fs-many-files");
        rt.block_on(async {
            let mut tasks = weft::task::JoinSet::new();
            for i in 0..50 {
                let path = dir.join(format!("f{i}"));
                tasks.spawn(async move {
                    let mut file = File::create(&path).await.unwrap();
                    let line = format!("file {i}\n").repeat(100);
                    file.write_all(line.as_bytes()).await.unwrap();
                    file.flush().await.unwrap();
                    drop(file);
                    let back = fs::read_to_string(&path).await.unwrap();
                    assert_eq!(back, line);
                });
            }
            while let Some(result) = tasks.join_next().await {
                result.unwrap();
            }
        });
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn outside_a_runtime_panics() {
    let dir = Scratch::new("fs-no-runtime");
    let path = dir.join("a");
    // Polled outside any runtime: the operation cannot start.
    let future = pin!(File::create(path));
    let waker = std::task::Waker::noop();
    let _ = future.poll(&mut std::task::Context::from_waker(waker));
}

#[test]
fn write_vectored_writes_every_slice() {
    let rt = Flavor::CurrentThread.build();
    let dir = Scratch::new("fs-vectored");
    rt.block_on(async {
        let path = dir.join("a");
        let mut file = File::create(&path).await.unwrap();
        assert!(file.is_write_vectored());
        let slices = [
            std::io::IoSlice::new(b"ab"),
            std::io::IoSlice::new(b""),
            std::io::IoSlice::new(b"cde"),
        ];
        let n = file.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 5);
        file.set_max_buf_size(3);
        let n = file.write_vectored(&slices).await.unwrap();
        assert_eq!(n, 3);
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdeabc");
        let _ = AsyncWrite::is_write_vectored(&file);
    });
}

rt_test! {
    fn std_file_is_where_the_reads_got_to(rt: &Runtime) {
        let dir = Scratch::new("fs-into-std-position");
        rt.block_on(async {
            use std::io::Seek;
            let path = dir.join("a");
            std::fs::write(&path, pattern(200 * 1024)).unwrap();

            // A small read reads ahead; into_std gives the rest back.
            let mut file = File::open(&path).await.unwrap();
            let mut small = [0u8; 10];
            file.read_exact(&mut small).await.unwrap();
            let mut std_file = file.into_std().await;
            assert_eq!(std_file.stream_position().unwrap(), 10);

            // The same through try_into_std.
            let mut file = File::from_std(std_file);
            file.read_exact(&mut small).await.unwrap();
            let mut std_file = file.try_into_std().unwrap();
            assert_eq!(std_file.stream_position().unwrap(), 20);

            // With a write whose outcome was not seen yet, try_into_std
            // gives the file back.
            let mut file = OpenOptions::new().write(true).open(&path).await.unwrap();
            file.write_all(b"abc").await.unwrap();
            let mut file = match file.try_into_std() {
                Ok(_) => panic!("a write was pending"),
                Err(file) => file,
            };
            file.flush().await.unwrap();
            assert!(file.try_into_std().is_ok());
            drop(std_file.seek(std::io::SeekFrom::Start(0)));
        });
    }
}
