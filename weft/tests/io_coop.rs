//! Cooperative budget of the I/O utilities: every leaf that can complete
//! without waiting (`empty`, `sink`, `repeat`, `duplex`, `simplex`, the
//! standard streams) and every copy loop spends the task's budget, so a
//! loop over it inside `select! { biased; _ = the_loop => .., _ =
//! yield_now() => .. }` still lets the `yield_now` branch (and every other
//! task on the worker) run.
//!
//! Two kinds of test, on every flavor:
//!
//! * *refused*: with the task's budget spent (`consume_budget` exactly
//!   `BUDGET` times), one poll of the operation must be `Pending`; after the
//!   yield it completes. This pins each leaf individually.
//! * *starvation*: an always-ready operation in a loop. Without the budget
//!   it never returns `Pending`, so the body never ends: the body runs on
//!   its own thread and the test fails (instead of hanging) if it has not
//!   finished after `PATIENCE`.
//!
//! No verdict depends on speed: a correct runtime finishes each body in a
//! few milliseconds, a broken one never.

mod support;

use std::future::{poll_fn, Future};
use std::io::{self, SeekFrom};
use std::pin::{pin, Pin};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;

use support::{rt_test, PATIENCE};
use weft::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt, BufReader,
    ReadBuf,
};
use weft::runtime::Runtime;
use weft::task::{consume_budget, yield_now};

/// Units of budget a task gets per poll (`runtime::coop::BUDGET`).
const BUDGET: usize = 128;

/// Runs `body` as a task on `rt`, on a thread of its own; fails the test if
/// it has not finished after [`PATIENCE`] (a task that never yields keeps
/// its worker, and `block_on` never returns). A panic in `body` fails the
/// test with its own message.
fn run_or_fail<F, Fut>(rt: Runtime, what: &'static str, body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (done_tx, done_rx) = mpsc::channel();
    let runner = thread::spawn(move || {
        rt.block_on(async move { weft::spawn(body()).await.unwrap() });
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(PATIENCE) {
        // Finished, or panicked (the sender was dropped): join to report.
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = runner.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {PATIENCE:?}: the loop never yielded");
        }
    }
}

/// The starvation check: the body in a loop, raced (biased, the loop
/// first) against `yield_now`. Finishes once the `yield_now` branch won,
/// which needs the loop to return `Pending` at least twice.
macro_rules! loop_yields {
    ($($body:tt)*) => {{
        let spin = async {
            for _ in 0..u64::MAX {
                $($body)*
            }
        };
        weft::select! {
            biased;
            _ = spin => panic!("the loop finished"),
            _ = yield_now() => {}
        }
    }};
}

/// Spends the task's whole budget, then polls `op` once: it must be
/// `Pending` (it spends budget). Then awaits it to completion.
async fn refused_when_spent<F: Future>(what: &str, op: F) -> F::Output {
    spend_whole_budget().await;
    let mut op = pin!(op);
    let pending = poll_fn(|cx| Poll::Ready(op.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "{what}: completed although the budget was spent");
    op.await
}

/// Leaves the task in a poll whose budget is exactly spent: yields first
/// (the next poll starts with a fresh budget), then spends every unit.
async fn spend_whole_budget() {
    yield_now().await;
    for _ in 0..BUDGET {
        consume_budget().await;
    }
}

/// Like [`refused_when_spent`] but drops `op` after the refused poll (for
/// operations that must not really run, such as a read of stdin).
async fn only_refused_when_spent<F: Future>(what: &str, op: F) {
    spend_whole_budget().await;
    let mut op = pin!(op);
    let pending = poll_fn(|cx| Poll::Ready(op.as_mut().poll(cx).is_pending())).await;
    assert!(pending, "{what}: completed although the budget was spent");
}

/// A stream that knows nothing of weft's budget and is always ready: reads
/// fill the buffer with `b'x'` until `left` bytes were read (then end of
/// file), writes accept everything.
struct Unbudgeted {
    left: u64,
}

impl Unbudgeted {
    fn endless() -> Unbudgeted {
        Unbudgeted { left: u64::MAX }
    }
}

impl AsyncRead for Unbudgeted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.remaining());
        buf.initialize_unfilled_to(n).fill(b'x');
        buf.advance(n);
        self.left -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Unbudgeted {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

rt_test! {
    // -----------------------------------------------------------------------
    // Each leaf, refused when the budget is spent
    // -----------------------------------------------------------------------

    fn empty_spends_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let mut buf = [0u8; 4];
                let n = refused_when_spent("empty read", weft::io::empty().read(&mut buf)).await;
                assert_eq!(n.unwrap(), 0);
                let mut e = weft::io::empty();
                let filled = refused_when_spent("empty fill_buf", async {
                    e.fill_buf().await.map(<[u8]>::len)
                })
                .await;
                assert_eq!(filled.unwrap(), 0);
                let n = refused_when_spent("empty write", weft::io::empty().write(b"ab")).await;
                assert_eq!(n.unwrap(), 2);
                refused_when_spent("empty flush", weft::io::empty().flush()).await.unwrap();
                refused_when_spent("empty shutdown", weft::io::empty().shutdown()).await.unwrap();
                let pos = refused_when_spent("empty seek", async {
                    weft::io::empty().seek(SeekFrom::Start(3)).await
                })
                .await;
                assert_eq!(pos.unwrap(), 0);
            })
            .await
            .unwrap();
        });
    }

    fn sink_spends_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let n = refused_when_spent("sink write", weft::io::sink().write(b"abc")).await;
                assert_eq!(n.unwrap(), 3);
                refused_when_spent("sink flush", weft::io::sink().flush()).await.unwrap();
                refused_when_spent("sink shutdown", weft::io::sink().shutdown()).await.unwrap();
            })
            .await
            .unwrap();
        });
    }

    fn repeat_spends_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let mut buf = [0u8; 3];
                let n = refused_when_spent("repeat read", weft::io::repeat(b'r').read(&mut buf))
                    .await;
                assert_eq!((n.unwrap(), &buf), (3, b"rrr"));
            })
            .await
            .unwrap();
        });
    }

    fn duplex_spends_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let (mut a, mut b) = weft::io::duplex(64);
                let n = refused_when_spent("duplex write", a.write(b"hello")).await;
                assert_eq!(n.unwrap(), 5);
                let mut buf = [0u8; 8];
                let n = refused_when_spent("duplex read", b.read(&mut buf)).await.unwrap();
                assert_eq!(&buf[..n], b"hello");
                refused_when_spent("duplex flush", a.flush()).await.unwrap();
                refused_when_spent("duplex shutdown", a.shutdown()).await.unwrap();
                // The shutdown took effect: the peer sees end of file.
                assert_eq!(b.read(&mut buf).await.unwrap(), 0);
            })
            .await
            .unwrap();
        });
    }

    fn simplex_spends_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let (mut rx, mut tx) = weft::io::simplex(64);
                let n = refused_when_spent("simplex write", tx.write(b"hey")).await;
                assert_eq!(n.unwrap(), 3);
                let mut buf = [0u8; 8];
                let n = refused_when_spent("simplex read", rx.read(&mut buf)).await.unwrap();
                assert_eq!(&buf[..n], b"hey");
                refused_when_spent("simplex flush", tx.flush()).await.unwrap();
                refused_when_spent("simplex shutdown", tx.shutdown()).await.unwrap();
                assert_eq!(rx.read(&mut buf).await.unwrap(), 0);
            })
            .await
            .unwrap();
        });
    }

    fn std_streams_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                // Empty writes: nothing reaches the test's output.
                let mut out = weft::io::stdout();
                let n = refused_when_spent("stdout write", out.write(b"")).await;
                assert_eq!(n.unwrap(), 0);
                refused_when_spent("stdout flush", out.flush()).await.unwrap();
                let mut err = weft::io::stderr();
                let n = refused_when_spent("stderr write", err.write(b"")).await;
                assert_eq!(n.unwrap(), 0);
                refused_when_spent("stderr flush", err.flush()).await.unwrap();
                // A read of stdin could wait forever for input: only the
                // refused poll (which starts nothing) is checked.
                let mut input = weft::io::stdin();
                let mut buf = [0u8; 1];
                only_refused_when_spent("stdin read", input.read(&mut buf)).await;
            })
            .await
            .unwrap();
        });
    }

    fn copies_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            weft::spawn(async {
                let mut reader: &[u8] = b"abc";
                let mut writer = Vec::new();
                let n = refused_when_spent("copy", weft::io::copy(&mut reader, &mut writer)).await;
                assert_eq!((n.unwrap(), writer.as_slice()), (3, &b"abc"[..]));

                let mut reader = BufReader::new(&b"defg"[..]);
                let mut writer = Vec::new();
                let n = refused_when_spent("copy_buf", weft::io::copy_buf(&mut reader, &mut writer))
                    .await;
                assert_eq!((n.unwrap(), writer.as_slice()), (4, &b"defg"[..]));

                let mut a = Unbudgeted { left: 5 };
                let mut b = Unbudgeted { left: 7 };
                let counts = refused_when_spent(
                    "copy_bidirectional",
                    weft::io::copy_bidirectional(&mut a, &mut b),
                )
                .await;
                assert_eq!(counts.unwrap(), (5, 7));
            })
            .await
            .unwrap();
        });
    }

    // -----------------------------------------------------------------------
    // The starvation pattern: a loop over an always-ready operation
    // -----------------------------------------------------------------------

    fn a_copy_between_endless_unbudgeted_ends_yields(rt: Runtime) {
        // Without the budget in the copy loop, one poll of this copy never
        // returns.
        run_or_fail(rt, "copy(endless, unbudgeted)", || async {
            let mut reader = Unbudgeted::endless();
            let mut writer = Unbudgeted::endless();
            loop_yields!(let _ = weft::io::copy(&mut reader, &mut writer).await;);
        });
    }

    fn a_copy_buf_between_endless_unbudgeted_ends_yields(rt: Runtime) {
        run_or_fail(rt, "copy_buf(endless, unbudgeted)", || async {
            let mut reader = BufReader::new(Unbudgeted::endless());
            let mut writer = Unbudgeted::endless();
            loop_yields!(let _ = weft::io::copy_buf(&mut reader, &mut writer).await;);
        });
    }

    fn a_copy_bidirectional_between_endless_unbudgeted_ends_yields(rt: Runtime) {
        run_or_fail(rt, "copy_bidirectional(endless, unbudgeted)", || async {
            let mut a = Unbudgeted::endless();
            let mut b = Unbudgeted::endless();
            loop_yields!(let _ = weft::io::copy_bidirectional(&mut a, &mut b).await;);
        });
    }

    fn a_loop_of_copies_from_a_slice_into_a_vec_yields(rt: Runtime) {
        // Each copy finishes in one poll; the loop of them must still yield.
        run_or_fail(rt, "loop of copy(&[u8], Vec)", || async {
            let data = [7u8; 100];
            let mut writer = Vec::new();
            loop_yields! {
                writer.clear();
                let mut reader = &data[..];
                weft::io::copy(&mut reader, &mut writer).await.unwrap();
            }
            let mut cursor = std::io::Cursor::new(vec![1u8; 10]);
            loop_yields! {
                cursor.set_position(0);
                writer.clear();
                weft::io::copy(&mut cursor, &mut writer).await.unwrap();
            }
        });
    }

    fn a_copy_from_repeat_into_sink_yields(rt: Runtime) {
        run_or_fail(rt, "copy(repeat, sink)", || async {
            let mut reader = weft::io::repeat(0);
            let mut writer = weft::io::sink();
            loop_yields!(let _ = weft::io::copy(&mut reader, &mut writer).await;);
        });
    }

    fn loops_over_in_memory_leaves_yield(rt: Runtime) {
        run_or_fail(rt, "loops over empty/sink/repeat", || async {
            let mut buf = [0u8; 16];
            let mut empty = weft::io::empty();
            loop_yields!(let _ = empty.read(&mut buf).await;);
            loop_yields!(let _ = empty.write(b"x").await;);
            loop_yields!(let _ = empty.flush().await;);
            let mut sink = weft::io::sink();
            loop_yields!(let _ = sink.write(b"x").await;);
            loop_yields!(let _ = sink.flush().await;);
            loop_yields!(let _ = sink.shutdown().await;);
            let mut repeat = weft::io::repeat(1);
            loop_yields!(let _ = repeat.read(&mut buf).await;);
        });
    }

    fn loops_over_duplex_and_simplex_yield(rt: Runtime) {
        run_or_fail(rt, "loops over duplex/simplex", || async {
            let (mut a, mut b) = weft::io::duplex(64);
            let mut buf = [0u8; 8];
            loop_yields! {
                a.write_all(b"ping").await.unwrap();
                b.read_exact(&mut buf[..4]).await.unwrap();
            }
            loop_yields!(let _ = a.flush().await;);
            let (mut rx, mut tx) = weft::io::simplex(64);
            loop_yields! {
                tx.write_all(b"pong").await.unwrap();
                rx.read_exact(&mut buf[..4]).await.unwrap();
            }
            loop_yields!(let _ = tx.flush().await;);
        });
    }

    fn a_loop_of_stdout_flushes_yields(rt: Runtime) {
        run_or_fail(rt, "loop of stdout/stderr flush", || async {
            let mut out = weft::io::stdout();
            loop_yields!(let _ = out.flush().await;);
            let mut err = weft::io::stderr();
            loop_yields!(let _ = err.flush().await;);
        });
    }
}
