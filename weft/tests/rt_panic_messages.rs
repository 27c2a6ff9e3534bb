//! The situations in which tokio panics (or fails) because a call has no
//! runtime, or a runtime without the driver it needs, panic in weft too,
//! with tokio's message word for word (then a note naming weft): a search
//! for tokio's message, or a `#[should_panic(expected = "...")]` written
//! for tokio, finds weft's.

mod support;

use std::cell::RefCell;
use std::time::Duration;

use support::*;
use weft::runtime::{Builder, Handle};

const CONTEXT_MISSING: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
const IO_DISABLED: &str = "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` \
                           on the runtime builder to enable IO.";
const TIME_DISABLED: &str = "A Tokio 1.x context was found, but timers are disabled. Call \
                             `enable_time` on the runtime builder to enable timers.";

/// Panics with `message` and checks that it carries tokio's text and the
/// note that names weft.
fn assert_tokio_message(message: &str, tokio: &str) {
    assert!(message.starts_with(tokio), "{message}");
    assert!(message.contains("(weft"), "{message}");
}

#[test]
fn spawn_outside_a_runtime() {
    quiet_panics();
    let message = panic_of(|| weft::spawn(async {}));
    assert_tokio_message(&message, CONTEXT_MISSING);
}

#[test]
fn spawn_blocking_outside_a_runtime() {
    quiet_panics();
    let message = panic_of(|| weft::task::spawn_blocking(|| {}));
    assert_tokio_message(&message, CONTEXT_MISSING);
}

#[test]
fn handle_current_outside_a_runtime() {
    quiet_panics();
    let message = panic_of(Handle::current);
    assert_tokio_message(&message, CONTEXT_MISSING);
}

#[test]
fn try_current_outside_a_runtime() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(!err.is_thread_local_destroyed());
    assert_tokio_message(&err.to_string(), CONTEXT_MISSING);
    // Inside one, it is the runtime's handle.
    let rt = current_thread_rt();
    let id = rt.handle().id();
    assert_eq!(
        rt.block_on(async { Handle::try_current().unwrap().id() }),
        id
    );
}

#[test]
fn try_current_while_the_thread_exits() {
    // A thread-local registered before weft's context is destroyed after
    // it (std destroys a thread's locals in reverse order of registration
    // on the platforms weft runs on), so its destructor finds the context
    // gone.
    struct Probe(std::sync::mpsc::Sender<(bool, bool, String)>);
    impl Drop for Probe {
        fn drop(&mut self) {
            let seen = match Handle::try_current() {
                Ok(_) => (false, false, "a runtime".to_owned()),
                Err(err) => (
                    err.is_missing_context(),
                    err.is_thread_local_destroyed(),
                    err.to_string(),
                ),
            };
            let _ = self.0.send(seen);
        }
    }
    thread_local! {
        static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        PROBE.with(|probe| *probe.borrow_mut() = Some(Probe(tx)));
        // Registers weft's context, after `PROBE`.
        assert!(Handle::try_current().unwrap_err().is_missing_context());
    })
    .join()
    .unwrap();
    let (missing, destroyed, message) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(!missing, "{message}");
    assert!(destroyed, "{message}");
    assert_tokio_message(
        &message,
        "The Tokio context thread-local variable has been destroyed.",
    );
}

#[test]
fn a_socket_outside_a_runtime() {
    quiet_panics();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let message = panic_of(|| weft::net::TcpListener::from_std(std_listener));
    assert_tokio_message(&message, CONTEXT_MISSING);
}

#[test]
fn a_socket_in_a_runtime_without_io() {
    quiet_panics();
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let _guard = rt.enter();
    let message = panic_of(|| weft::net::TcpListener::from_std(std_listener));
    assert_tokio_message(&message, IO_DISABLED);
}

#[test]
fn a_signal_stream_in_a_runtime_without_io() {
    quiet_panics();
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let message = panic_of(|| {
        rt.block_on(async {
            weft::signal::unix::signal(weft::signal::unix::SignalKind::user_defined2())
        })
    });
    assert_tokio_message(&message, IO_DISABLED);
}

#[test]
fn a_sleep_outside_a_runtime() {
    quiet_panics();
    let message = panic_of(|| weft::time::sleep(Duration::from_millis(1)));
    assert_tokio_message(&message, CONTEXT_MISSING);
}

#[test]
fn a_sleep_in_a_runtime_without_timers() {
    quiet_panics();
    let rt = Builder::new_current_thread().enable_io().build().unwrap();
    let message =
        panic_of(|| rt.block_on(async { weft::time::sleep(Duration::from_millis(1)).await }));
    assert_tokio_message(&message, TIME_DISABLED);
}

#[test]
fn block_on_inside_a_runtime() {
    quiet_panics();
    let rt = current_thread_rt();
    let inner = current_thread_rt();
    let message = panic_of(|| rt.block_on(async { inner.block_on(async {}) }));
    // tokio's words, all of them (its tests match the whole message).
    assert_eq!(
        message,
        "Cannot start a runtime from within a runtime. This happens because a function (like \
         `block_on`) attempted to block the current thread while the thread is being used to \
         drive asynchronous tasks. If you are in an async function, use `.await` on the future \
         instead of blocking on it."
    );
}

#[test]
fn the_timer_error_messages() {
    assert_eq!(
        weft::time::error::Error::shutdown().to_string(),
        "the timer is shutdown, must be called from the context of Tokio runtime (weft)"
    );
    assert_eq!(
        weft::time::error::Error::at_capacity().to_string(),
        "timer is at capacity and cannot create a new entry"
    );
    assert_eq!(
        weft::time::error::Error::invalid().to_string(),
        "timer duration exceeds maximum duration"
    );
}

#[test]
fn an_io_error_after_the_runtime_shut_down() {
    let rt1 = current_thread_rt();
    let rt2 = current_thread_rt();
    let listener = rt1
        .block_on(weft::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    drop(rt1);
    let err = rt2.block_on(listener.accept()).unwrap_err();
    assert!(weft::runtime::is_rt_shutdown_err(&err));
    assert_tokio_message(
        &err.to_string(),
        "A Tokio 1.x context was found, but it is being shutdown.",
    );
}
