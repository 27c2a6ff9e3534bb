//! An echo server, one task per connection.
//!
//! `cargo run --example echo_server [addr]` (default 127.0.0.1:8080), then
//! `nc 127.0.0.1 8080` and type.

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpListener;

#[weft::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);

    loop {
        let (mut socket, _) = listener.accept().await?;

        weft::spawn(async move {
            let mut buf = [0; 1024];

            // In a loop, read data from the socket and write the data back.
            loop {
                let n = match socket.read(&mut buf).await {
                    // socket closed
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) => {
                        println!("failed to read from socket; err = {e:?}");
                        return;
                    }
                };

                // Write the data back
                if let Err(e) = socket.write_all(&buf[0..n]).await {
                    println!("failed to write to socket; err = {e:?}");
                    return;
                }
            }
        });
    }
}
