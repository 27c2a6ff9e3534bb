//! `weft::signal` on every runtime flavor: deliveries reach one and several
//! listeners, coalesce, survive other listeners being dropped, are not
//! replayed to late listeners; `ctrl_c` via a real `SIGINT`; forbidden and
//! invalid signals fail; a runtime without I/O panics clearly.
//!
//! Each test raises its own real-time signal (`SIGRTMIN() + n`, one number
//! per test and flavor), so tests running in parallel never see each
//! other's deliveries. Signals are sent with `kill(getpid(), sig)`.
#![cfg(feature = "signal")]

mod support;

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;
use support::*;
use weft::signal::unix::{signal, Signal, SignalKind};

/// The signal number for test `base` on `flavor` (3 numbers per test).
fn sig(base: i32, flavor: Flavor) -> i32 {
    let offset = match flavor {
        Flavor::CurrentThread => 0,
        Flavor::MultiThread(1) => 1,
        Flavor::MultiThread(_) => 2,
    };
    let signum = libc::SIGRTMIN() + base * 3 + offset;
    assert!(signum <= libc::SIGRTMAX(), "out of real-time signals");
    signum
}

fn raise(signum: i32) {
    // SAFETY: sends a signal to this process; every test registers its
    // signal (installing weft's handler) before raising it.
    let rc = unsafe { libc::kill(libc::getpid(), signum) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
}

fn listen(signum: i32) -> Signal {
    signal(SignalKind::from_raw(signum)).unwrap()
}

/// Polls `signal` once: `true` if a delivery was ready.
async fn ready_now(signal: &mut Signal) -> bool {
    poll_fn(|cx| Poll::Ready(signal.poll_recv(cx).is_ready())).await
}

rt_test! {
    fn one_listener_sees_a_delivery(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("one_listener_sees_a_delivery");
        let signum = sig(0, flavor);
        rt.block_on(async {
            let mut listener = listen(signum);
            assert!(!ready_now(&mut listener).await, "nothing delivered yet");
            raise(signum);
            assert_eq!(listener.recv().await, Some(()));
            // Another delivery, another receive.
            raise(signum);
            assert_eq!(listener.recv().await, Some(()));
        });
    }

    fn two_listeners_both_see_each_delivery(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("two_listeners_both_see_each_delivery");
        let signum = sig(1, flavor);
        rt.block_on(async {
            let mut first = listen(signum);
            let mut second = listen(signum);
            // One waits in its own task, the other here.
            let task = weft::spawn(async move {
                first.recv().await;
                first
            });
            weft::task::yield_now().await;
            raise(signum);
            assert_eq!(second.recv().await, Some(()));
            let mut first = task.await.unwrap();
            // Both saw the one delivery: neither has another pending.
            assert!(!ready_now(&mut first).await);
            assert!(!ready_now(&mut second).await);
            raise(signum);
            first.recv().await;
            second.recv().await;
        });
    }

    fn deliveries_coalesce(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("deliveries_coalesce");
        let signum = sig(2, flavor);
        let mut listener = rt.block_on(async { listen(signum) });
        // Real-time signals are queued by the kernel, so the handler runs
        // five times; the listener is not polled meanwhile.
        for _ in 0..5 {
            raise(signum);
        }
        // Give the handlers and the runtime's pump (running on the
        // multi_thread workers; in block_on on current_thread) time to
        // record and read everything.
        std::thread::sleep(Duration::from_millis(200));
        let receives = rt.block_on(async {
            assert_eq!(listener.recv().await, Some(()));
            let mut receives = 1;
            for _ in 0..20 {
                weft::task::yield_now().await;
                if ready_now(&mut listener).await {
                    receives += 1;
                }
            }
            receives
        });
        // One receive is what happens; a scheduler delay of more than the
        // pause above could split the five into two groups. Without
        // coalescing there would be five.
        assert!(receives < 5, "five deliveries gave {receives} receives");
        if receives != 1 {
            eprintln!("deliveries_coalesce: {receives} receives (a slow machine)");
        }
    }

    fn dropping_a_listener_while_another_waits(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("dropping_a_listener_while_another_waits");
        let signum = sig(3, flavor);
        rt.block_on(async {
            let mut survivor = listen(signum);
            let created_then_dropped = listen(signum);
            // A listener that is waiting (its waker stored) when its task is
            // aborted: its first poll returned.
            let doomed_polls = Counters::new();
            let waiting = weft::spawn(Counted::new(&doomed_polls, async move {
                let mut doomed = listen(signum);
                doomed.recv().await;
                unreachable!("aborted before any delivery");
            }));
            let survivor_polls = Counters::new();
            let survivor_task = weft::spawn(Counted::new(&survivor_polls, async move {
                survivor.recv().await;
            }));
            yield_until(|| doomed_polls.polls_returned() >= 1 && survivor_polls.polls_returned() >= 1).await;
            drop(created_then_dropped);
            waiting.abort();
            assert!(waiting.await.unwrap_err().is_cancelled());
            raise(signum);
            survivor_task.await.unwrap();
        });
    }

    fn a_late_listener_does_not_see_an_earlier_delivery(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_late_listener_does_not_see_an_earlier_delivery");
        let signum = sig(4, flavor);
        rt.block_on(async {
            let mut early = listen(signum);
            raise(signum);
            // Received: the runtime has dispatched the delivery.
            early.recv().await;
            let mut late = listen(signum);
            for _ in 0..10 {
                weft::task::yield_now().await;
            }
            assert!(!ready_now(&mut late).await, "tokio's behaviour: not replayed");
            raise(signum);
            late.recv().await;
            early.recv().await;
        });
    }

    fn listeners_in_two_runtimes_both_see_it(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("listeners_in_two_runtimes_both_see_it");
        let signum = sig(5, flavor);
        let other = Flavor::MultiThread(1).build();
        let mut theirs = other.block_on(async { listen(signum) });
        let (tx, rx) = std::sync::mpsc::channel();
        other.spawn(async move {
            theirs.recv().await;
            tx.send(()).unwrap();
        });
        rt.block_on(async {
            let mut ours = listen(signum);
            raise(signum);
            ours.recv().await;
        });
        rx.recv_timeout(PATIENCE).expect("the other runtime's listener saw it");
    }

    fn ctrl_c_completes_on_sigint(rt: &Runtime) {
        let _watchdog = Watchdog::new("ctrl_c_completes_on_sigint");
        // `SIGINT` is one signal for the whole process: the flavors of
        // this test take turns, or one's raise is another's first poll.
        static SIGINT_IS_OURS: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = SIGINT_IS_OURS.lock().unwrap_or_else(|e| e.into_inner());
        rt.block_on(async {
            let mut ctrl_c = pin!(weft::signal::ctrl_c());
            // The first poll creates the listener (and installs the handler).
            let first = poll_fn(|cx| Poll::Ready(ctrl_c.as_mut().poll(cx).is_ready())).await;
            assert!(!first);
            raise(libc::SIGINT);
            ctrl_c.await.unwrap();
        });
    }

    fn forbidden_and_invalid_signals_are_errors(rt: &Runtime) {
        rt.block_on(async {
            for (signum, name) in [
                (libc::SIGKILL, "SIGKILL"),
                (libc::SIGSTOP, "SIGSTOP"),
                (libc::SIGSEGV, "SIGSEGV"),
                (libc::SIGILL, "SIGILL"),
                (libc::SIGFPE, "SIGFPE"),
                (libc::SIGBUS, "SIGBUS"),
            ] {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert_eq!(err.kind(), std::io::ErrorKind::Other);
                assert!(err.to_string().contains(name), "{err}");
            }
            for signum in [0, -1, libc::SIGRTMAX() + 1, 1000] {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
                assert!(err.to_string().contains("not a signal number"), "{err}");
            }
        });
    }

    #[should_panic(expected = "IO is disabled. Call `enable_io` on the runtime builder")]
    fn a_runtime_without_io_panics_clearly(_rt: &Runtime, flavor: Flavor) {
        let rt = builder(flavor).build().unwrap();
        rt.block_on(async {
            let _ = signal(SignalKind::user_defined1());
        });
    }
}

/// As tokio: the runtime is checked before the signal number, so even an
/// invalid one panics in a runtime without I/O, and the panic names the
/// caller's line.
#[test]
fn an_invalid_kind_without_io_panics_at_the_caller() {
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (message, file) = panic_site(|| {
        rt.block_on(async {
            let _ = signal(SignalKind::from_raw(-1));
        })
    });
    assert!(message.contains("IO is disabled"), "{message}");
    assert_eq!(file, file!());
    let (message, file) = panic_site(|| signal(SignalKind::from_raw(-1)));
    assert!(
        message.contains("must be called from the context"),
        "{message}"
    );
    assert_eq!(file, file!());
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn outside_a_runtime_panics_clearly() {
    let _ = signal(SignalKind::user_defined2());
}

#[test]
fn signal_kind_round_trips() {
    assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    assert_eq!(SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    assert_eq!(SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    assert_eq!(SignalKind::child().as_raw_value(), libc::SIGCHLD);
    assert_eq!(SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    assert_eq!(SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    assert_eq!(SignalKind::io().as_raw_value(), libc::SIGIO);
    assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    let kind: SignalKind = 40.into();
    assert_eq!(i32::from(kind), 40);
    assert_eq!(SignalKind::from_raw(libc::SIGINT), SignalKind::interrupt());
}

/// Deliveries seen by the handler installed before weft's.
static EARLIER_HANDLER_RUNS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

extern "C" fn earlier_handler(_signum: libc::c_int) {
    EARLIER_HANDLER_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

#[test]
fn a_handler_installed_before_weft_is_still_called() {
    let _watchdog = Watchdog::new("a_handler_installed_before_weft_is_still_called");
    let signum = sig(6, Flavor::CurrentThread);
    // SAFETY: an all-zero `sigaction` is valid; the handler has the plain
    // (non-SA_SIGINFO) signature and only touches an atomic.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = earlier_handler as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(signum, &action, std::ptr::null_mut()), 0);
    }
    let rt = current_thread_rt();
    rt.block_on(async {
        let mut listener = listen(signum);
        raise(signum);
        listener.recv().await;
    });
    // The handler may run on another thread and chain a moment after its
    // byte woke the listener.
    wait_until("the earlier handler ran", || {
        EARLIER_HANDLER_RUNS.load(std::sync::atomic::Ordering::SeqCst) == 1
    });
}

#[test]
fn a_listener_outlives_its_runtime() {
    let _watchdog = Watchdog::new("a_listener_outlives_its_runtime");
    let signum = sig(7, Flavor::CurrentThread);
    let first = current_thread_rt();
    let mut listener = first.block_on(async { listen(signum) });
    // The first runtime and its pump are gone; polling in a second runtime
    // starts that runtime's pump.
    drop(first);
    let second = Flavor::MultiThread(1).build();
    second.block_on(async {
        assert!(!ready_now(&mut listener).await);
        raise(signum);
        assert_eq!(listener.recv().await, Some(()));
    });
}

/// Set in the child process of `ctrl_c_in_a_child_process`.
const CHILD_ENV: &str = "WEFT_SIGNAL_TEST_CTRL_C_CHILD";

#[test]
fn ctrl_c_in_a_child_process() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    if std::env::var_os(CHILD_ENV).is_some() {
        // The child: wait for Ctrl-C, say so, exit normally.
        let rt = Flavor::MultiThread(2).build();
        rt.block_on(async {
            let mut ctrl_c = std::pin::pin!(weft::signal::ctrl_c());
            let first = poll_fn(|cx| Poll::Ready(ctrl_c.as_mut().poll(cx).is_ready())).await;
            assert!(!first);
            println!("child: listening");
            ctrl_c.await.unwrap();
            println!("child: got ctrl-c");
        });
        return;
    }

    let _watchdog = Watchdog::new("ctrl_c_in_a_child_process");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "ctrl_c_in_a_child_process", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut saw = |what: &str| loop {
        match lines.next() {
            Some(line) if line.as_ref().unwrap().contains(what) => return,
            Some(_) => {}
            None => panic!("the child ended before printing {what:?}"),
        }
    };
    saw("child: listening");
    // SAFETY: signals the child process we started (still running: it
    // waits for this signal).
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    saw("child: got ctrl-c");
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the child exited normally, not killed by SIGINT: {status}"
    );
}
