//! tokio's items are weft's, not wrappers: the same types, so a library
//! that names a tokio type names weft's, and weft's traits are tokio's.
//! And code written for tokio's I/O API (bytes' buffers included) runs.

use std::any::TypeId;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn same<A: ?Sized + 'static, B: ?Sized + 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

#[test]
fn the_types_are_weft_s() {
    assert!(same::<tokio::net::TcpStream, weft::net::TcpStream>());
    assert!(same::<tokio::net::TcpListener, weft::net::TcpListener>());
    assert!(same::<tokio::net::UdpSocket, weft::net::UdpSocket>());
    assert!(same::<
        tokio::io::ReadBuf<'static>,
        weft::io::ReadBuf<'static>,
    >());
    assert!(same::<dyn tokio::io::AsyncRead, dyn weft::io::AsyncRead>());
    assert!(same::<dyn tokio::io::AsyncWrite, dyn weft::io::AsyncWrite>());
    assert!(same::<tokio::runtime::Runtime, weft::runtime::Runtime>());
    assert!(same::<tokio::runtime::Handle, weft::runtime::Handle>());
    assert!(same::<
        tokio::task::JoinHandle<u8>,
        weft::task::JoinHandle<u8>,
    >());
    assert!(same::<tokio::sync::Mutex<u8>, weft::sync::Mutex<u8>>());
    assert!(same::<tokio::time::Sleep, weft::time::Sleep>());
    assert!(same::<tokio::fs::File, weft::fs::File>());
    assert!(same::<tokio::process::Command, weft::process::Command>());
    // `tokio::spawn` is `weft::spawn`: a task it spawns runs on a weft
    // runtime and is seen by weft's API.
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let id = rt.block_on(async { tokio::spawn(async { weft::task::id() }).await.unwrap() });
    let _: weft::task::Id = id;
}

#[tokio::test]
async fn tokio_io_code_with_bytes_buffers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = BytesMut::with_capacity(64);
        while socket.read_buf(&mut buf).await.unwrap() > 0 {}
        buf.freeze()
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut frame = Buf::chain(&b"head:"[..], &b"body"[..]);
    client.write_all_buf(&mut frame).await.unwrap();
    client.shutdown().await.unwrap();
    assert_eq!(&server.await.unwrap()[..], b"head:body");
}
