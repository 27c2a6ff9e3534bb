//! Panics and errors where tokio has them, with tokio's words: tests
//! written for tokio (`#[should_panic(expected = "...")]` on tokio's
//! message) pass unchanged.

use std::time::Duration;

use tokio::runtime::{Builder, Handle};

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn spawn_outside_a_runtime() {
    tokio::spawn(async {});
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn handle_current_outside_a_runtime() {
    let _ = Handle::current();
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn sleep_outside_a_runtime() {
    drop(tokio::time::sleep(Duration::from_secs(1)));
}

#[test]
fn try_current_errors_as_tokio_does() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(!err.is_thread_local_destroyed());
    assert!(err.to_string().starts_with(
        "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
    ));

    let rt = Builder::new_current_thread().build().unwrap();
    let _guard = rt.enter();
    assert!(Handle::try_current().is_ok());
}

#[test]
#[should_panic(
    expected = "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the runtime builder to enable IO."
)]
fn a_socket_without_io() {
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let _guard = rt.enter();
    let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std.set_nonblocking(true).unwrap();
    let _ = tokio::net::UdpSocket::from_std(std);
}

#[test]
#[should_panic(
    expected = "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on the runtime builder to enable timers."
)]
fn a_timer_without_time() {
    let rt = Builder::new_current_thread().enable_io().build().unwrap();
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn block_on_inside_a_runtime() {
    let rt = Builder::new_current_thread().build().unwrap();
    let inner = Builder::new_current_thread().build().unwrap();
    rt.block_on(async { inner.block_on(async {}) });
}

#[test]
fn an_io_error_after_shutdown_is_recognised() {
    let rt1 = Builder::new_current_thread().enable_all().build().unwrap();
    let rt2 = Builder::new_current_thread().enable_all().build().unwrap();
    let listener = rt1
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    drop(rt1);
    let err = rt2.block_on(listener.accept()).unwrap_err();
    assert!(tokio::runtime::is_rt_shutdown_err(&err));
    assert!(err
        .to_string()
        .starts_with("A Tokio 1.x context was found, but it is being shutdown."));
}
