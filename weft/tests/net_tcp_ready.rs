//! `TcpStream::ready`, `poll_read_ready`/`poll_write_ready` and
//! `try_write_vectored` on every runtime flavor, over 127.0.0.1.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSlice};
use support::*;
use weft::io::{AsyncReadExt, Interest};
use weft::net::{TcpListener, TcpStream};

rt_test! {
    fn ready_reports_readiness_and_try_write_vectored_sends(rt: &Runtime) {
        let _watchdog = Watchdog::new("ready_reports_readiness_and_try_write_vectored_sends");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();

            let ready = client.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
            poll_fn(|cx| client.poll_write_ready(cx)).await.unwrap();
            let n = loop {
                match client.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        client.writable().await.unwrap();
                    }
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(n, 4);
            let mut buf = [0u8; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"abcd");

            // Nothing to read yet on the client: a read-interest wait
            // completes only once the server writes.
            assert_eq!(client.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            let writer = weft::spawn(async move {
                weft::task::yield_now().await;
                weft::io::AsyncWriteExt::write_all(&mut server, b"x").await.unwrap();
                server
            });
            let ready = client.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            poll_fn(|cx| client.poll_read_ready(cx)).await.unwrap();
            let _server = writer.await.unwrap();
            let mut one = [0u8; 1];
            loop {
                match client.try_read(&mut one) {
                    Ok(1) => break,
                    Ok(n) => panic!("read {n}"),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        client.readable().await.unwrap();
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            assert_eq!(&one, b"x");
        });
    }
}
