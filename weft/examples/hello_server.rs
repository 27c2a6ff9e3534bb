//! Reads a name line and replies "Hello, {name}!", one task per
//! connection.
//!
//! `cargo run --example hello_server [addr]` (default 127.0.0.1:6379), then
//! `echo world | nc 127.0.0.1 6379`.

use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use weft::net::{TcpListener, TcpStream};

/// Read a line, and reply with that line.
async fn handle_connection(socket: TcpStream) -> std::io::Result<()> {
    let mut stream = BufReader::new(socket);
    let mut name = String::new();
    stream.read_line(&mut name).await?;
    stream
        .write_all(format!("Hello, {}!\n", name.trim_end()).as_bytes())
        .await?;
    Ok(())
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6379".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (socket, peer) = listener.accept().await?;
        weft::spawn(async move {
            if let Err(err) = handle_connection(socket).await {
                eprintln!("{peer}: {err}");
            }
        });
    }
}
