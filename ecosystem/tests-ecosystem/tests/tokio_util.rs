//! tokio-util: `Framed` with `LinesCodec` over a `TcpStream`,
//! `CancellationToken`, `ReaderStream` over a real file, and `DelayQueue`
//! on a paused clock.

mod support;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use support::{within, TempDir};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::io::{ReaderStream, StreamReader};
use tokio_util::sync::CancellationToken;
use tokio_util::time::DelayQueue;

/// A line server: answers each line with it upper-cased; lines longer
/// than 32 bytes end the connection with the codec's error, which the
/// server returns.
async fn line_server() -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<Result<usize, LinesCodecError>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut lines = Framed::new(socket, LinesCodec::new_with_max_length(32));
        let mut answered = 0;
        while let Some(line) = lines.next().await {
            let line = line?;
            lines.send(line.to_uppercase()).await?;
            answered += 1;
        }
        Ok(answered)
    });
    (addr, server)
}

#[tokio::test]
async fn framed_lines_over_tcp() {
    let (addr, server) = line_server().await;
    let socket = within("connecting", TcpStream::connect(addr))
        .await
        .unwrap();
    let mut lines = Framed::new(socket, LinesCodec::new());

    for word in ["alpha", "beta", "gamma"] {
        within("sending a line", lines.send(word)).await.unwrap();
    }
    for word in ["ALPHA", "BETA", "GAMMA"] {
        let answer = within("an answer", lines.next()).await.unwrap().unwrap();
        assert_eq!(answer, word);
    }
    // Several lines in one write are split into lines again.
    within(
        "writing three lines at once",
        lines.get_mut().write_all(b"one\ntwo\r\nthree\n"),
    )
    .await
    .unwrap();
    for word in ["ONE", "TWO", "THREE"] {
        let answer = within("an answer", lines.next()).await.unwrap().unwrap();
        assert_eq!(answer, word);
    }

    // The client closes: the server sees the end of the stream.
    within("closing", SinkExt::<&str>::close(&mut lines))
        .await
        .unwrap();
    drop(lines);
    let answered = within("the server", server).await.unwrap().unwrap();
    assert_eq!(answered, 6);
}

#[tokio::test]
async fn framed_lines_too_long_is_the_codecs_error() {
    let (addr, server) = line_server().await;
    let socket = TcpStream::connect(addr).await.unwrap();
    let mut lines = Framed::new(socket, LinesCodec::new());
    within("sending a short line", lines.send("short"))
        .await
        .unwrap();
    assert_eq!(
        within("the answer", lines.next()).await.unwrap().unwrap(),
        "SHORT"
    );
    let long = "x".repeat(100);
    within("sending a long line", lines.send(long.as_str()))
        .await
        .unwrap();
    let err = within("the server", server).await.unwrap().unwrap_err();
    assert!(
        matches!(err, LinesCodecError::MaxLineLengthExceeded),
        "{err:?}"
    );
    // The server dropped its end: the client reads the end of the stream
    // (or a reset, if the server closed with bytes of ours unread).
    match within("the end", lines.next()).await {
        None => {}
        Some(Err(LinesCodecError::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("expected the end of the stream, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_token_tree() {
    let root = CancellationToken::new();
    let branch = root.child_token();
    let leaf = branch.child_token();
    let sibling = root.child_token();

    // Workers loop until their token is cancelled; each returns how it
    // ended.
    let worker = |token: CancellationToken| {
        tokio::spawn(async move {
            let mut ticks = 0u64;
            loop {
                tokio::select! {
                    _ = token.cancelled() => return ticks,
                    _ = tokio::time::sleep(Duration::from_millis(1)) => ticks += 1,
                }
            }
        })
    };
    let leaf_worker = worker(leaf.clone());
    let sibling_worker = worker(sibling.clone());

    // Cancelling a child cancels its children, not its parent or siblings.
    branch.cancel();
    assert!(branch.is_cancelled() && leaf.is_cancelled());
    assert!(!root.is_cancelled() && !sibling.is_cancelled());
    within("the leaf's worker stopping", leaf_worker)
        .await
        .unwrap();
    assert!(!sibling_worker.is_finished());

    // A token made from a cancelled parent starts cancelled.
    assert!(branch.child_token().is_cancelled());

    // run_until_cancelled: the future's output, or None once cancelled.
    assert_eq!(sibling.run_until_cancelled(async { 7 }).await, Some(7));

    // A drop guard cancels when dropped; the whole tree follows.
    let guard = root.clone().drop_guard();
    drop(guard);
    assert!(root.is_cancelled() && sibling.is_cancelled());
    within("the sibling's worker stopping", sibling_worker)
        .await
        .unwrap();
    assert_eq!(
        sibling
            .run_until_cancelled(std::future::pending::<()>())
            .await,
        None
    );
    // An owned wait, already cancelled, is ready at once.
    within("cancelled_owned", root.cancelled_owned()).await;
}

#[tokio::test]
async fn cancellation_wakes_every_waiter() {
    let token = CancellationToken::new();
    let waiters: Vec<_> = (0..10)
        .map(|_| {
            let token = token.clone();
            tokio::spawn(async move { token.cancelled().await })
        })
        .collect();
    tokio::task::yield_now().await;
    token.cancel();
    for waiter in waiters {
        within("a waiter", waiter).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_stream_reads_a_real_file_in_chunks() {
    let dir = TempDir::new("reader-stream");
    let path = dir.path().join("data.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    tokio::fs::write(&path, &data).await.unwrap();

    let file = tokio::fs::File::open(&path).await.unwrap();
    let mut chunks = ReaderStream::with_capacity(file, 4096);
    let mut read = Vec::new();
    let mut count = 0;
    while let Some(chunk) = within("a chunk", chunks.next()).await {
        let chunk = chunk.unwrap();
        assert!(!chunk.is_empty() && chunk.len() <= 4096, "{}", chunk.len());
        read.extend_from_slice(&chunk);
        count += 1;
    }
    assert!(read == data, "the file came back different");
    assert!(count >= data.len() / 4096, "{count} chunks");

    // And back: a StreamReader over the chunks reads the same bytes.
    let file = tokio::fs::File::open(&path).await.unwrap();
    let mut reader = StreamReader::new(ReaderStream::new(file));
    let mut again = Vec::new();
    within(
        "reading through StreamReader",
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut again),
    )
    .await
    .unwrap();
    assert!(again == data);

    // A file that does not exist is an error before any stream.
    let err = tokio::fs::File::open(dir.path().join("missing.bin"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn delay_queue_yields_in_deadline_order() {
    let start = Instant::now();
    let mut queue = DelayQueue::new();
    queue.insert("third", Duration::from_secs(3));
    queue.insert("first", Duration::from_secs(1));
    let removed = queue.insert("removed", Duration::from_secs(2));
    let reset = queue.insert("reset", Duration::from_millis(500));
    queue.insert("second", Duration::from_secs(2));
    assert_eq!(queue.len(), 5);

    assert_eq!(queue.remove(&removed).into_inner(), "removed");
    queue.reset(&reset, Duration::from_secs(4));
    assert_eq!(queue.deadline(&reset), start + Duration::from_secs(4));

    let mut order = Vec::new();
    while let Some(expired) = within("the next expiry", queue.next()).await {
        let elapsed = Instant::now() - start;
        // The clock is paused: it moves exactly to each deadline.
        assert!(elapsed >= expired.deadline() - start, "{elapsed:?}");
        assert!(
            elapsed < expired.deadline() - start + Duration::from_millis(50),
            "{elapsed:?}"
        );
        order.push(*expired.get_ref());
    }
    assert_eq!(order, ["first", "second", "third", "reset"]);
    assert!(queue.is_empty());

    // Empty, the queue's stream ends at once; an insert revives it.
    assert!(queue.next().await.is_none());
    queue.insert("late", Duration::from_secs(10));
    let expired = within("the late expiry", queue.next()).await.unwrap();
    assert_eq!(expired.into_inner(), "late");
    assert!(Instant::now() - start >= Duration::from_secs(14));
}
