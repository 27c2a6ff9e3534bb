//! `net::unix::pipe`: anonymous pipes and FIFOs through the reactor on
//! every runtime flavor — data both ways, end of file, a reader gone
//! (`BrokenPipe`), opening a FIFO without the other end, the checks of
//! the checked constructors (not a pipe, wrong direction), and the ends
//! handed back as descriptors.

mod support;

use std::io::{ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::unix::pipe;

/// A new FIFO named `file` in `dir` (made with `mkfifo(1)`).
fn fifo(dir: &Scratch, file: &str) -> PathBuf {
    let path = dir.join(file);
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo failed");
    path
}

fn open_std(path: &Path, write: bool) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK) // opening does not wait
        .open(path)
        .unwrap()
}

rt_test! {
    fn anonymous_pipe_carries_data_until_end_of_file(rt: &Runtime) {
        let _watchdog = Watchdog::new("anonymous_pipe_carries_data_until_end_of_file");
        rt.block_on(async {
            let (mut tx, mut rx) = pipe::pipe().unwrap();
            // More than a pipe holds (64 KiB on Linux): the writer waits for
            // the reader.
            let data: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
            let expected = data.clone();
            let writer = weft::spawn(async move {
                tx.write_all(&data).await.unwrap();
                tx.flush().await.unwrap();
                tx.shutdown().await.unwrap();
                // dropping `tx` closes the end
            });
            let mut got = Vec::new();
            rx.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got.len(), expected.len());
            assert!(got == expected);
        });
    }

    fn try_methods_and_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("try_methods_and_readiness");
        rt.block_on(async {
            let (tx, rx) = pipe::pipe().unwrap();
            let mut one = [0u8; 4];
            assert_eq!(rx.try_read(&mut one).unwrap_err().kind(), ErrorKind::WouldBlock);
            tx.writable().await.unwrap();
            assert!(tx.ready(Interest::WRITABLE).await.unwrap().is_writable());
            assert_eq!(tx.try_write(b"ab").unwrap(), 2);
            assert_eq!(tx.try_write_vectored(&[IoSlice::new(b"c"), IoSlice::new(b"d")]).unwrap(), 2);
            assert_eq!(tx.try_io(|| Ok(7)).unwrap(), 7);
            rx.readable().await.unwrap();
            assert!(rx.ready(Interest::READABLE).await.unwrap().is_readable());
            let mut a = [0u8; 1];
            assert_eq!(rx.try_read(&mut a).unwrap(), 1);
            let mut b = [0u8; 1];
            assert_eq!(rx.try_read_vectored(&mut [IoSliceMut::new(&mut b)]).unwrap(), 1);
            let mut rest = b">".to_vec();
            assert_eq!(rx.try_read_buf(&mut rest).unwrap(), 2);
            assert_eq!((a[0], b[0], rest.as_slice()), (b'a', b'b', &b">cd"[..]));
            assert_eq!(rx.try_read(&mut one).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert_eq!(
                rx.try_io(|| Err::<(), _>(ErrorKind::WouldBlock.into())).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            drop(tx);
            rx.readable().await.unwrap();
            assert_eq!(rx.try_read(&mut one).unwrap(), 0, "end of file");
        });
    }

    fn writing_to_a_pipe_without_reader_is_broken_pipe(rt: &Runtime) {
        rt.block_on(async {
            let (mut tx, rx) = pipe::pipe().unwrap();
            drop(rx);
            let err = tx.write_all(b"lost").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            assert_eq!(tx.try_write(b"x").unwrap_err().kind(), ErrorKind::BrokenPipe);
        });
    }

    fn fifo_by_path(rt: &Runtime) {
        let _watchdog = Watchdog::new("fifo_by_path");
        let dir = Scratch::new("net-pipe-fifo");
        rt.block_on(async {
            let path = fifo(&dir, "f");
            // No reader yet: the sender cannot open (ENXIO)...
            let err = pipe::OpenOptions::new().open_sender(&path).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ENXIO), "{err:?}");
            // ...unless it opens read-write (Linux; the BSDs too).
            let rw = pipe::OpenOptions::new().read_write(true).open_sender(&path).unwrap();
            let mut rx = pipe::OpenOptions::new().open_receiver(&path).unwrap();
            let mut tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
            tx.write_all(b"fifo").await.unwrap();
            let mut got = [0u8; 4];
            rx.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"fifo");
            drop((tx, rw));
            let mut rest = Vec::new();
            rx.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty(), "end of file once every writer closed");
        });
    }

    fn read_write_receiver_outlives_its_writers(rt: &Runtime) {
        let _watchdog = Watchdog::new("read_write_receiver_outlives_its_writers");
        let dir = Scratch::new("net-pipe-rw");
        rt.block_on(async {
            let path = fifo(&dir, "rw");
            let mut rx = pipe::OpenOptions::new().read_write(true).open_receiver(&path).unwrap();
            for round in 0u8..2 {
                // A writer comes, writes, goes; the receiver reads no end of
                // file in between.
                let mut tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
                tx.write_all(&[round]).await.unwrap();
                drop(tx);
                assert_eq!(rx.read_u8().await.unwrap(), round);
                let mut none = [0u8; 1];
                assert_eq!(rx.try_read(&mut none).unwrap_err().kind(), ErrorKind::WouldBlock);
            }
        });
    }

    fn fifo_options_check_the_file(rt: &Runtime) {
        let dir = Scratch::new("net-pipe-check");
        rt.block_on(async {
            let missing = dir.join("missing");
            let err = pipe::OpenOptions::new().open_receiver(&missing).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            let regular = dir.join("regular");
            std::fs::write(&regular, b"x").unwrap();
            let err = pipe::OpenOptions::new().open_receiver(&regular).unwrap_err();
            assert_eq!((err.kind(), err.to_string().as_str()), (ErrorKind::InvalidInput, "not a pipe"));
            // Unchecked: the check is skipped, and epoll refuses a regular
            // file (EPERM) instead.
            let err = pipe::OpenOptions::new().unchecked(true).open_receiver(&regular).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
            let _ = pipe::OpenOptions::default().clone();
        });
    }

    fn checked_constructors_check_type_and_direction(rt: &Runtime) {
        let dir = Scratch::new("net-pipe-ctor");
        rt.block_on(async {
            let path = fifo(&dir, "c");
            let read_end = open_std(&path, false);
            let write_end = open_std(&path, true);
            // The wrong direction.
            let err = pipe::Sender::from_file(read_end.try_clone().unwrap()).unwrap_err();
            assert_eq!(err.to_string(), "not in O_WRONLY or O_RDWR access mode");
            let err = pipe::Receiver::from_file(write_end.try_clone().unwrap()).unwrap_err();
            assert_eq!(err.to_string(), "not in O_RDONLY or O_RDWR access mode");
            // Not a pipe.
            let regular = dir.join("r");
            std::fs::write(&regular, b"").unwrap();
            let file = std::fs::File::open(&regular).unwrap();
            assert_eq!(pipe::Receiver::from_file(file).unwrap_err().kind(), ErrorKind::InvalidInput);
            // The right ends work, and come back as descriptors.
            let mut tx = pipe::Sender::from_file(write_end).unwrap();
            let rx = pipe::Receiver::from_owned_fd(OwnedFd::from(read_end)).unwrap();
            assert_eq!(tx.as_fd().as_raw_fd(), tx.as_raw_fd());
            assert!(format!("{tx:?} {rx:?}").contains("Sender"));
            tx.write_all(b"fd").await.unwrap();
            rx.readable().await.unwrap();
            let fd = rx.into_blocking_fd().unwrap();
            let mut std_rx = std::fs::File::from(fd);
            let mut got = [0u8; 2];
            std_rx.read_exact(&mut got).unwrap(); // blocking mode: waits if needed
            assert_eq!(&got, b"fd");
            let fd = tx.into_nonblocking_fd().unwrap();
            let mut std_tx = std::fs::File::from(fd);
            std_tx.write_all(b"!").unwrap();
            let mut bang = [0u8; 1];
            std_rx.read_exact(&mut bang).unwrap();
            assert_eq!(&bang, b"!");
        });
    }
}
