//! A small server whose tasks wait on different things, and which prints a
//! task dump (`Handle::dump`) whenever it receives `SIGUSR1` or `SIGQUIT`.
//!
//! ```text
//! cargo run --example dump_on_signal            # then: kill -USR1 <pid>
//! cargo run --example dump_on_signal -- --self-test
//! ```
//!
//! Its tasks: `accept` (waits on the listening socket), `conn` (reads from
//! a client that never writes: waits on that socket), `ticker` (waits on a
//! timer), `holder` (keeps a mutex locked while it waits on a timer) and
//! `locker` (waits on that mutex). With `--self-test` it sends itself
//! `SIGUSR1` once every task waits, checks that the dump shows each wait,
//! and exits (CI runs it that way: `tests/examples_run.rs`).

use std::sync::Arc;
use std::time::Duration;
use weft::io::AsyncReadExt;
use weft::net::{TcpListener, TcpStream};
use weft::runtime::dump::{Dump, WaitingOn};
use weft::runtime::Handle;
use weft::signal::unix::{signal, SignalKind};
use weft::task;

#[weft::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let self_test = std::env::args().any(|arg| arg == "--self-test");
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("pid {} listening on {addr}", std::process::id());

    // `accept` takes connections; each one gets a `conn` task reading it.
    task::Builder::new().name("accept").spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            task::Builder::new()
                .name("conn")
                .spawn(async move {
                    let mut buf = [0; 1024];
                    while let Ok(n @ 1..) = stream.read(&mut buf).await {
                        println!("read {n} bytes");
                    }
                })
                .unwrap();
        }
    })?;
    // A client that connects and never writes: its `conn` task waits.
    let _client = TcpStream::connect(addr).await?;

    task::Builder::new().name("ticker").spawn(async {
        loop {
            weft::time::sleep(Duration::from_secs(3600)).await;
        }
    })?;

    let mutex = Arc::new(weft::sync::Mutex::new(0u64));
    let guard = mutex.clone().lock_owned().await;
    task::Builder::new().name("holder").spawn(async move {
        let _guard = guard;
        weft::time::sleep(Duration::from_secs(3600)).await;
    })?;
    task::Builder::new().name("locker").spawn(async move {
        *mutex.lock().await += 1;
    })?;

    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut quit = signal(SignalKind::quit())?;
    if self_test {
        wait_until_every_task_waits().await;
        let status = std::process::Command::new("kill")
            .args(["-USR1", &std::process::id().to_string()])
            .status()?;
        assert!(status.success(), "kill -USR1 failed: {status}");
    }
    loop {
        weft::select! {
            _ = usr1.recv() => println!("SIGUSR1"),
            _ = quit.recv() => println!("SIGQUIT"),
        }
        let dump = Handle::current().dump().await;
        println!("{dump}");
        if self_test {
            check(&dump);
            println!("self-test passed");
            return Ok(());
        }
    }
}

/// Dumps until `accept`, `conn`, `ticker` and `locker` all wait on
/// something (they start on other workers).
async fn wait_until_every_task_waits() {
    for _ in 0..2000 {
        let dump = Handle::current().dump().await;
        let waiting = ["accept", "conn", "ticker", "locker"].iter().all(|name| {
            dump.tasks()
                .iter()
                .any(|t| t.name() == Some(name) && !t.waiting_on().is_empty())
        });
        if waiting {
            return;
        }
        weft::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the tasks never all waited");
}

/// What the dump must show: each named task, waiting on what it waits on.
fn check(dump: &Dump) {
    let waits = |name: &str| -> Vec<WaitingOn> {
        dump.tasks()
            .iter()
            .find(|t| t.name() == Some(name))
            .unwrap_or_else(|| panic!("task {name} not in the dump"))
            .waiting_on()
            .to_vec()
    };
    assert!(matches!(waits("accept")[..], [WaitingOn::Io { .. }]));
    assert!(matches!(waits("conn")[..], [WaitingOn::Io { .. }]));
    assert!(matches!(waits("ticker")[..], [WaitingOn::Timer { .. }]));
    assert!(matches!(waits("holder")[..], [WaitingOn::Timer { .. }]));
    assert!(matches!(
        waits("locker")[..],
        [WaitingOn::Sync(weft::runtime::dump::SyncKind::Mutex)]
    ));
}
