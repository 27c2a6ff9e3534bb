//! Greets each caller with "Who are you?", then thanks them by name.
//!
//! `cargo run --example who_are_you [addr]` (default 127.0.0.1:6142), then
//! `nc 127.0.0.1 6142`.

use weft::io::{self, AsyncReadExt, AsyncWriteExt};
use weft::net::TcpListener;

#[weft::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6142".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);

    loop {
        let (mut socket, addr) = listener.accept().await?;
        println!("connection from {addr:?}");

        weft::spawn(async move {
            if let Err(e) = socket.write_all(b"Who are you?\n").await {
                println!("socket error: {e:?}");
                return;
            }

            let mut buf = vec![0; 1024];
            let reply = match socket.read(&mut buf).await {
                Ok(n) => {
                    let name = String::from_utf8_lossy(&buf[..n]);
                    format!("Thanks for dialing in, {}!\n", name.trim())
                }
                Err(e) => {
                    println!("socket error: {e:?}");
                    return;
                }
            };

            if let Err(e) = socket.write_all(reply.as_bytes()).await {
                println!("socket error: {e:?}");
            }
        });
    }
}
