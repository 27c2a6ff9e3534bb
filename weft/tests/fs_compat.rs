//! `weft::fs::File` through the other ecosystems' I/O traits, with code
//! written against them: `futures_util::io`'s extension traits (read,
//! write, seek) and tokio-util's codecs over tokio's traits, plus tokio's
//! two-step seek.
#![cfg(all(feature = "fs", feature = "futures-io", feature = "tokio-io"))]

mod support;

use futures_util::{SinkExt, StreamExt};
use std::future::poll_fn;
use std::io::SeekFrom;
use std::pin::Pin;
use support::*;
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};
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

    fn tokio_io_codecs_and_seek(rt: &Runtime) {
        let dir = Scratch::new("fs-tokio-io");
        rt.block_on(async {
            let file = read_write(&dir).await;
            let mut sink = FramedWrite::new(file, LinesCodec::new());
            for line in ["one", "two", "three"] {
                sink.send(line).await.unwrap();
            }
            let mut file = sink.into_inner();
            poll_fn(|cx| tokio::io::AsyncWrite::poll_flush(Pin::new(&mut file), cx)).await.unwrap();

            // tokio's two-step seek, back to the start.
            tokio::io::AsyncSeek::start_seek(Pin::new(&mut file), SeekFrom::Start(0)).unwrap();
            let pos = poll_fn(|cx| tokio::io::AsyncSeek::poll_complete(Pin::new(&mut file), cx)).await;
            assert_eq!(pos.unwrap(), 0);

            let lines: Vec<String> = FramedRead::new(file, LinesCodec::new())
                .map(Result::unwrap)
                .collect()
                .await;
            assert_eq!(lines, ["one", "two", "three"]);
        });
    }
}

use std::future::Future as _;
