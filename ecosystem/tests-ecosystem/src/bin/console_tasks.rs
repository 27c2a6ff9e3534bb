//! A `#[tokio::main]` program instrumented for tokio-console, as its users
//! write one: a `console_subscriber::ConsoleLayer` in a `tracing`
//! registry, serving the console's gRPC API, and a few named tasks that
//! run until the program is stopped. `tests/console.rs` runs it and
//! watches its tasks with the console's client.
//!
//! Usage: `console-tasks ADDRESS`. The program binds ADDRESS (give port 0
//! for any free port), prints `listening <address>` with the bound address,
//! then `spawned <task name> <line>` for each task and `resource <type>
//! <line>` for each sync primitive it makes (a `Mutex` and a `Semaphore`,
//! which two tasks keep using), and runs for at most a minute (the test
//! stops it long before).

use std::future::Future;
use std::net::SocketAddr;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio_stream::wrappers::TcpListenerStream;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::main]
async fn main() {
    let address: SocketAddr = std::env::args()
        .nth(1)
        .expect("usage: console-tasks ADDRESS")
        .parse()
        .expect("ADDRESS is an IP address and a port");

    let (layer, server) = console_subscriber::ConsoleLayer::builder()
        .publish_interval(Duration::from_millis(20))
        .build();
    tracing_subscriber::registry().with(layer).init();

    // What `Server::serve` does, on a listener bound here so the port can
    // be 0 and the bound one printed.
    let parts = server.into_parts();
    tokio::spawn(parts.aggregator.run());
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .expect("binding the console's address");
    let bound = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(parts.instrument_server)
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    println!("listening {bound}");

    spawn_named("console-ticker", async {
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    spawn_named("console-yielder", async {
        let mut turns = 0u64;
        loop {
            turns += 1;
            if turns % 16 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            } else {
                tokio::task::yield_now().await;
            }
        }
    });
    // Two resources of `tokio::sync`, made here (the console shows this
    // file and these lines), taken and given back by two tasks in turn.
    let line = line!() + 1;
    let mutex = Arc::new(tokio::sync::Mutex::new(0u64));
    println!("resource Mutex {line}");
    let line = line!() + 1;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(1));
    println!("resource Semaphore {line}");
    for name in ["console-locker-1", "console-locker-2"] {
        let (mutex, semaphore) = (mutex.clone(), semaphore.clone());
        spawn_named(name, async move {
            loop {
                let _permit = semaphore.acquire().await.unwrap();
                *mutex.lock().await += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        });
    }
    spawn_blocking_named("console-blocking", || {
        std::thread::sleep(Duration::from_secs(60))
    });

    // A hang guard: the program ends by itself if the test never stops it.
    tokio::time::sleep(Duration::from_secs(60)).await;
}

/// Spawns `future` named `name` and prints the line it was spawned from:
/// the caller's, as `#[track_caller]` passes it on to `Builder::spawn`.
#[track_caller]
fn spawn_named(name: &str, future: impl Future<Output = ()> + Send + 'static) {
    let line = Location::caller().line();
    tokio::task::Builder::new()
        .name(name)
        .spawn(future)
        .unwrap();
    println!("spawned {name} {line}");
}

/// As `spawn_named`, on the blocking pool.
#[track_caller]
fn spawn_blocking_named(name: &str, f: impl FnOnce() + Send + 'static) {
    let line = Location::caller().line();
    tokio::task::Builder::new()
        .name(name)
        .spawn_blocking(f)
        .unwrap();
    println!("spawned {name} {line}");
}
