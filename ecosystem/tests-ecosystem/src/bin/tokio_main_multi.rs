//! A program written as a tokio user writes one: `#[tokio::main]` with its
//! defaults (the multi-thread scheduler), an error returned from `main`,
//! `tokio::spawn`, `spawn_blocking`, `tokio::fs`, `tokio::net` and
//! `tokio::select!`. `tests/user_code.rs` runs it and reads what it prints.
//!
//! Usage: `tokio-main-multi <scratch dir> [fail]`. With `fail` it returns an
//! error from `main` after its checks, so the exit status is tested too.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Handle, RuntimeFlavor};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: tokio-main-multi <dir> [fail]")?);
    let fail = args.next().as_deref() == Some("fail");

    let handle = Handle::current();
    let flavor = match handle.runtime_flavor() {
        RuntimeFlavor::CurrentThread => "current_thread",
        RuntimeFlavor::MultiThread => "multi_thread",
        _ => "other",
    };
    println!("flavor={flavor}");

    // An echo server on a task, a client in main.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await?;
        let mut buf = Vec::new();
        socket.read_to_end(&mut buf).await?;
        socket.write_all(&buf).await?;
        socket.shutdown().await?;
        Ok::<_, std::io::Error>(buf.len())
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello from main").await?;
    client.shutdown().await?;
    let mut echoed = String::new();
    client.read_to_string(&mut echoed).await?;
    let served = server.await??;
    println!("echo={echoed} bytes={served}");

    // The blocking pool and the file system.
    let path = dir.join("main-output.txt");
    tokio::fs::write(&path, b"written by tokio::fs").await?;
    let read_back = tokio::task::spawn_blocking(move || std::fs::read_to_string(path)).await??;
    println!("file={read_back}");

    // select! between a timer and a channel that never receives.
    let (_tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    let winner = tokio::select! {
        _ = rx.recv() => "channel",
        _ = tokio::time::sleep(Duration::from_millis(10)) => "sleep",
    };
    println!("select={winner}");

    if fail {
        return Err("failing on request".into());
    }
    println!("done");
    Ok(())
}
