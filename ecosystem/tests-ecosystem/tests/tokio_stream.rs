//! tokio-stream: every wrapper of `tokio_stream::wrappers` over the real
//! thing it wraps (channels, a listener, files, a directory, a signal, an
//! interval, a `JoinSet`), and the time-based combinators `timeout`,
//! `timeout_repeating`, `throttle` and `chunks_timeout` on a paused clock.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::{within, TempDir};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{
    BroadcastStream, IntervalStream, JoinSetStream, LinesStream, ReadDirStream, ReceiverStream,
    SignalStream, SplitStream, TcpListenerStream, UnboundedReceiverStream, UnixListenerStream,
    WatchStream,
};
use tokio_stream::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpsc_receiver_streams() {
    let (tx, rx) = mpsc::channel(4);
    let producer = tokio::spawn(async move {
        for i in 0..100 {
            tx.send(i).await.unwrap();
        }
    });
    let received: Vec<i32> = within("the bounded stream", ReceiverStream::new(rx).collect()).await;
    assert_eq!(received, (0..100).collect::<Vec<_>>());
    producer.await.unwrap();

    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let doubled: Vec<i32> = within(
        "the unbounded stream",
        UnboundedReceiverStream::new(rx).map(|i| i * 2).collect(),
    )
    .await;
    assert_eq!(doubled, (0..10).map(|i| i * 2).collect::<Vec<_>>());
}

#[tokio::test]
async fn broadcast_stream_reports_lag() {
    let (tx, rx) = broadcast::channel(2);
    let mut stream = BroadcastStream::new(rx);
    // Five sent into a channel of two: the receiver lags by three.
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let items: Vec<_> = within("the broadcast stream", (&mut stream).collect::<Vec<_>>()).await;
    assert_eq!(
        items,
        [Err(BroadcastStreamRecvError::Lagged(3)), Ok(3), Ok(4)]
    );
}

#[tokio::test]
async fn watch_stream_yields_the_current_then_the_latest_values() {
    let (tx, rx) = watch::channel("initial");
    let mut stream = WatchStream::new(rx);
    assert_eq!(
        within("the first value", stream.next()).await,
        Some("initial")
    );
    // Two changes before the next poll: only the latest is seen.
    tx.send("skipped").unwrap();
    tx.send("latest").unwrap();
    assert_eq!(
        within("the latest value", stream.next()).await,
        Some("latest")
    );
    drop(tx);
    assert_eq!(within("the end", stream.next()).await, None);

    let (tx, rx) = watch::channel(0);
    let mut changes = WatchStream::from_changes(rx);
    tx.send(1).unwrap();
    assert_eq!(within("the first change", changes.next()).await, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_listener_stream_accepts_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut incoming = TcpListenerStream::new(listener).take(3);
        let mut greetings = Vec::new();
        while let Some(stream) = incoming.next().await {
            let mut lines = BufReader::new(stream.unwrap()).lines();
            greetings.push(lines.next_line().await.unwrap().unwrap());
        }
        greetings.sort();
        greetings
    });
    for i in 0..3 {
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(format!("client {i}\n").as_bytes())
            .await
            .unwrap();
    }
    assert_eq!(
        within("the server", server).await.unwrap(),
        ["client 0", "client 1", "client 2"]
    );
}

#[tokio::test]
async fn unix_listener_stream_accepts_connections() {
    let dir = TempDir::new("unix-listener");
    let path = dir.path().join("socket");
    let listener = UnixListener::bind(&path).unwrap();
    let mut incoming = UnixListenerStream::new(listener);
    let client = tokio::spawn({
        let path = path.clone();
        async move {
            let mut client = UnixStream::connect(path).await.unwrap();
            client.write_all(b"over a unix socket\n").await.unwrap();
        }
    });
    let stream = within("an accept", incoming.next()).await.unwrap().unwrap();
    let mut lines = LinesStream::new(BufReader::new(stream).lines());
    assert_eq!(
        within("a line", lines.next()).await.unwrap().unwrap(),
        "over a unix socket"
    );
    client.await.unwrap();
    assert!(within("the end", lines.next()).await.is_none());
}

#[tokio::test]
async fn lines_split_and_read_dir_streams_over_real_files() {
    let dir = TempDir::new("file-streams");
    let text = dir.path().join("text.txt");
    tokio::fs::write(&text, "first\nsecond\r\nthird")
        .await
        .unwrap();
    tokio::fs::write(dir.path().join("records.bin"), b"a,bb,,ccc")
        .await
        .unwrap();
    tokio::fs::create_dir(dir.path().join("nested"))
        .await
        .unwrap();

    let file = tokio::fs::File::open(&text).await.unwrap();
    let lines: Vec<String> = within(
        "the lines",
        LinesStream::new(BufReader::new(file).lines())
            .map(Result::unwrap)
            .collect(),
    )
    .await;
    assert_eq!(lines, ["first", "second", "third"]);

    let file = tokio::fs::File::open(dir.path().join("records.bin"))
        .await
        .unwrap();
    let records: Vec<Vec<u8>> = within(
        "the records",
        SplitStream::new(BufReader::new(file).split(b','))
            .map(Result::unwrap)
            .collect(),
    )
    .await;
    assert_eq!(
        records,
        [b"a".to_vec(), b"bb".to_vec(), vec![], b"ccc".to_vec()]
    );

    let read_dir = tokio::fs::read_dir(dir.path()).await.unwrap();
    let names: BTreeSet<String> = within(
        "the directory",
        ReadDirStream::new(read_dir)
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect(),
    )
    .await;
    assert_eq!(
        names,
        BTreeSet::from(["nested".into(), "records.bin".into(), "text.txt".into()])
    );

    let err = tokio::fs::read_dir(dir.path().join("missing"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[tokio::test]
async fn signal_stream_sees_a_signal_sent_to_this_process() {
    use tokio::signal::unix::{signal, SignalKind};

    // The handler is installed here, before the signal is sent.
    let mut signals = SignalStream::new(signal(SignalKind::user_defined1()).unwrap());
    let status = within(
        "kill -USR1",
        tokio::process::Command::new("kill")
            .arg("-USR1")
            .arg(std::process::id().to_string())
            .status(),
    )
    .await
    .unwrap();
    assert!(status.success());
    assert_eq!(within("the signal", signals.next()).await, Some(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_set_stream_yields_each_task_as_it_ends() {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..5u64 {
        set.spawn(async move {
            tokio::time::sleep(Duration::from_millis(i)).await;
            i * 10
        });
    }
    set.spawn(async { panic!("one task panics") });
    let results: Vec<_> = within("the join set", JoinSetStream::new(set).collect::<Vec<_>>()).await;
    assert_eq!(results.len(), 6);
    let mut values: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    values.sort();
    assert_eq!(values, [0, 10, 20, 30, 40]);
    let panicked: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(panicked.len(), 1);
    assert!(panicked[0].is_panic());
}

#[tokio::test(start_paused = true)]
async fn interval_stream_ticks_on_a_paused_clock() {
    let start = Instant::now();
    let period = Duration::from_secs(5);
    let ticks: Vec<Instant> = within(
        "three ticks",
        IntervalStream::new(tokio::time::interval(period))
            .take(3)
            .collect(),
    )
    .await;
    // The first tick is at once, then one per period, to the instant.
    assert_eq!(ticks, [start, start + period, start + period * 2]);
}

#[tokio::test(start_paused = true)]
async fn timeout_marks_each_gap_longer_than_its_duration() {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        tx.send(1).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        tx.send(2).await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        tx.send(3).await.unwrap();
    });
    let items: Vec<Result<i32, _>> = within(
        "the stream with a timeout",
        ReceiverStream::new(rx)
            .timeout(Duration::from_secs(1))
            .collect(),
    )
    .await;
    // The 3 s gap elapses once (`timeout` reports a gap once, then waits).
    let shape: Vec<Option<i32>> = items.iter().map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(shape, [Some(1), Some(2), None, Some(3)]);

    let (tx, rx) = mpsc::channel::<i32>(8);
    let start = Instant::now();
    // timeout_repeating: an error per elapsed period while nothing comes.
    let second = Duration::from_secs(1);
    let times: Vec<Duration> = within(
        "the stream with a repeating timeout",
        ReceiverStream::new(rx)
            .timeout_repeating(tokio::time::interval_at(start + second, second))
            .take(3)
            .map(|item| {
                assert!(item.is_err());
                Instant::now() - start
            })
            .collect(),
    )
    .await;
    drop(tx);
    assert_eq!(times, [second, second * 2, second * 3]);
}

#[tokio::test(start_paused = true)]
async fn throttle_spaces_items_out() {
    let start = Instant::now();
    let gap = Duration::from_millis(100);
    let times: Vec<Duration> = within(
        "the throttled stream",
        tokio_stream::iter(0..5)
            .throttle(gap)
            .map(|_| Instant::now() - start)
            .collect(),
    )
    .await;
    // All five are ready at once; throttle lets one through per gap.
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= gap, "{times:?}");
    }
    assert_eq!(times[0], Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn chunks_timeout_batches_by_size_or_time() {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        tx.send(5).await.unwrap();
    });
    let chunks: Vec<Vec<i32>> = within(
        "the chunked stream",
        ReceiverStream::new(rx)
            .chunks_timeout(3, Duration::from_secs(1))
            .collect(),
    )
    .await;
    // Three fill a chunk; the next two wait out the second; the last comes
    // alone when the sender closes.
    assert_eq!(chunks, [vec![0, 1, 2], vec![3, 4], vec![5]]);
}

#[tokio::test]
async fn merge_interleaves_two_streams() {
    let (a_tx, a_rx) = mpsc::unbounded_channel();
    let (b_tx, b_rx) = mpsc::unbounded_channel();
    for i in 0..3 {
        a_tx.send(i).unwrap();
        b_tx.send(100 + i).unwrap();
    }
    drop((a_tx, b_tx));
    let mut merged: Vec<i32> = within(
        "the merged stream",
        UnboundedReceiverStream::new(a_rx)
            .merge(UnboundedReceiverStream::new(b_rx))
            .collect(),
    )
    .await;
    merged.sort();
    assert_eq!(merged, [0, 1, 2, 100, 101, 102]);
}
