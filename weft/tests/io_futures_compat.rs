//! weft's I/O types used through the `futures` camp's traits: code written
//! against `futures_util::io` takes weft sockets and streams directly.

#![cfg(feature = "futures-io")]

mod support;

use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use support::*;
use weft::net::{TcpListener, TcpStream};

/// Generic `futures`-camp code: echoes lines until EOF, counting them.
async fn echo_lines<S>(stream: S) -> std::io::Result<usize>
where
    S: futures_util::io::AsyncRead + futures_util::io::AsyncWrite + Unpin,
{
    let (read, mut write) = futures_util::io::AsyncReadExt::split(stream);
    let mut lines = futures_util::io::BufReader::new(read).lines();
    let mut count = 0;
    while let Some(line) = futures_util::StreamExt::next(&mut lines).await {
        let line = line?;
        write.write_all(line.to_uppercase().as_bytes()).await?;
        write.write_all(b"\n").await?;
        count += 1;
    }
    write.close().await?;
    Ok(count)
}

rt_test! {
    fn a_tcp_stream_serves_futures_io_code(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_tcp_stream_serves_futures_io_code");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let (socket, _) = listener.accept().await.unwrap();
                echo_lines(socket).await.unwrap()
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            // futures' extension methods on a weft socket.
            AsyncWriteExt::write_all(&mut client, b"one\ntwo\nthree\n").await.unwrap();
            AsyncWriteExt::close(&mut client).await.unwrap();
            let mut reply = String::new();
            AsyncReadExt::read_to_string(&mut client, &mut reply).await.unwrap();
            assert_eq!(reply, "ONE\nTWO\nTHREE\n");
            assert_eq!(server.await.unwrap(), 3);
        });
    }

    fn duplex_and_buf_reader_speak_futures_io(rt: &Runtime) {
        rt.block_on(async {
            let (client, server) = weft::io::duplex(16);
            let server = weft::spawn(echo_lines(server));
            let mut client = client;
            AsyncWriteExt::write_all(&mut client, b"a\nb\n").await.unwrap();
            AsyncWriteExt::close(&mut client).await.unwrap();
            // weft's BufReader through futures' AsyncBufReadExt.
            let mut reader = weft::io::BufReader::new(client);
            let mut first = String::new();
            AsyncBufReadExt::read_line(&mut reader, &mut first).await.unwrap();
            assert_eq!(first, "A\n");
            let mut rest = Vec::new();
            AsyncReadExt::read_to_end(&mut reader, &mut rest).await.unwrap();
            assert_eq!(rest, b"B\n");
            assert_eq!(server.await.unwrap().unwrap(), 2);
        });
    }
}
