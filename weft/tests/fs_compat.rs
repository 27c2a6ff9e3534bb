//! `weft::fs::File` through the other ecosystems' I/O traits, with code
//! written against them: `futures_util::io`'s extension traits (read,
//! write, seek). (tokio's traits, through the crate `weft-tokio-io`, are
//! tested there, with tokio-util's codecs over a `File`.)
#![cfg(all(feature = "fs", feature = "futures-io"))]

mod support;

use std::future::poll_fn;
use std::io::SeekFrom;
use std::pin::Pin;
use support::*;
use weft::fs::{File, OpenOptions};

async fn read_write(dir: &Scratch) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join("a"))
        .await
        .unwrap()
}

rt_test! {
    fn futures_io_reads_writes_and_seeks(rt: &Runtime) {
        use futures_util::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
        let dir = Scratch::new("fs-futures-io");
        rt.block_on(async {
            let mut file = read_write(&dir).await;
            file.write_all(b"0123456789").await.unwrap();
            // No flush: the seek waits for the write.
            assert_eq!(file.seek(SeekFrom::Start(3)).await.unwrap(), 3);
            let mut three = [0u8; 3];
            file.read_exact(&mut three).await.unwrap();
            assert_eq!(&three, b"345");
            assert_eq!(file.seek(SeekFrom::Current(-2)).await.unwrap(), 4);
            assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
            let mut rest = Vec::new();
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"9");
            file.seek(SeekFrom::Start(0)).await.unwrap();
            file.write_all(b"ab").await.unwrap();
            file.close().await.unwrap();
            assert_eq!(std::fs::read(dir.join("a")).unwrap(), b"ab23456789");

            // A seek polled once and dropped, then seeks elsewhere.
            {
                let mut first = file.seek(SeekFrom::Start(8));
                let _ = poll_fn(|cx| std::task::Poll::Ready(Pin::new(&mut first).poll(cx).is_pending())).await;
            }
            // The dropped seek was started on its first poll: it is
            // finished, not replayed and not lost.
            assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 8);
            assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 8);
            assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"23");
        });
    }
}

use std::future::Future as _;
