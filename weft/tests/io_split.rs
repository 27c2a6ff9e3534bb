//! `io::split`: halves used from two tasks at once; unsplit.

mod support;

use support::rt_test;
use weft::io::{AsyncReadExt, AsyncWriteExt};

rt_test! {
    fn halves_used_concurrently_from_two_tasks(rt: &Runtime) {
        rt.block_on(async {
            let (ours, mut theirs) = weft::io::duplex(64);
            let (mut read, mut write) = weft::io::split(ours);
            // The peer echoes everything back.
            let echo = weft::spawn(async move {
                let mut buf = [0u8; 100];
                loop {
                    let n = theirs.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    theirs.write_all(&buf[..n]).await.unwrap();
                }
            });
            const N: u32 = 5000;
            let writer = weft::spawn(async move {
                for i in 0..N {
                    write.write_u32(i).await.unwrap();
                }
                write
            });
            let reader = weft::spawn(async move {
                for i in 0..N {
                    assert_eq!(read.read_u32().await.unwrap(), i);
                }
                read
            });
            let write = writer.await.unwrap();
            let read = reader.await.unwrap();
            assert!(read.is_pair_of(&write) && write.is_pair_of(&read));
            let stream = read.unsplit(write);
            drop(stream);
            echo.await.unwrap();
        });
    }
}

#[test]
#[should_panic(expected = "split from another stream")]
fn unsplit_with_a_foreign_half_panics() {
    let (a, b) = weft::io::duplex(8);
    let (read_a, _write_a) = weft::io::split(a);
    let (_read_b, write_b) = weft::io::split(b);
    let _ = read_a.unsplit(write_b);
}

#[test]
fn halves_are_send_sync() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<weft::io::ReadHalf<weft::io::DuplexStream>>();
    check::<weft::io::WriteHalf<weft::io::DuplexStream>>();
}
