//! The 1,000-client echo program: a TCP echo server and 1,000 clients on
//! one thread, each client's message echoed back, all within the
//! one-second window the program gives itself. It is a tokio program with
//! `tokio` replaced by `weft`; the only additions are two optional
//! arguments: the address (default `127.0.0.1:3001`), so tests can pick a
//! free port, and the window in seconds (default 1), so a test on a busy
//! machine can give the clients more time.
//!
//! `cargo run --release --example async_tcp`, or with its peak memory:
//! `/usr/bin/time -v target/release/examples/async_tcp`.
//!
//! (With tokio, whose listener backlog is 128, only about 129 clients are
//! echoed within the second: the rest wait for a SYN retransmission.
//! weft's listener asks for a backlog of 4096.)

use weft::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
    spawn,
};

fn addr() -> String {
    std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3001".into())
}

fn window() -> std::time::Duration {
    let secs = std::env::args().nth(2).map_or(1, |s| {
        s.parse().expect("the window is a whole number of seconds")
    });
    std::time::Duration::from_secs(secs)
}

async fn tcp_server() -> anyhow::Result<()> {
    println!("Listening on {}", addr());
    let listener = TcpListener::bind(addr()).await?;
    loop {
        let (socket, _address) = listener.accept().await?;
        spawn(server_receive(socket));
    }
}

async fn server_receive(mut socket: weft::net::TcpStream) -> anyhow::Result<()> {
    let mut buffer = [0; 1024];
    let n = socket.read(&mut buffer).await?;
    println!("Server received: {n} bytes");
    socket.write_all(&buffer[0..n]).await?;
    Ok(())
}

async fn tcp_client(n: i32) -> anyhow::Result<()> {
    let mut socket = weft::net::TcpStream::connect(addr()).await?;
    let message = format!("Hello, world! from client {n}");
    socket.write_all(message.as_bytes()).await?;
    let mut buffer = [0; 1024];
    let n = socket.read(&mut buffer).await?;
    println!("Echoed message: {}", std::str::from_utf8(&buffer[0..n])?);
    Ok(())
}

#[weft::main(flavor = "current_thread")]
async fn main() {
    // Start the TCP server
    spawn(tcp_server());
    weft::time::sleep(std::time::Duration::from_secs(1)).await;
    let mut set = weft::task::JoinSet::new();
    for i in 0..1000 {
        set.spawn(tcp_client(i));
    }
    weft::time::sleep(window()).await;
}
