//! TCP echo ping-pong over 127.0.0.1 on a multi_thread runtime: `conns`
//! clients each send a 1 KiB message and wait for it to come back, over and
//! over; the server task of each connection echoes it. All connections are
//! established before the clock starts; a sample is messages per second
//! (one message = one 1 KiB round trip).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use crate::rt::{read_exact, spawn_detached, Flavor, Rt};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings, Timed};

/// Bytes per message.
pub const MSG_LEN: usize = 1024;
/// Round trips per sample, split evenly across the connections.
pub const MESSAGES: usize = 10_000;
/// Round trips per sample under `--quick`.
pub const MESSAGES_QUICK: usize = 3_000;

/// Echoes 1 KiB messages until the peer closes.
async fn serve<R: Rt>(mut stream: R::Stream) {
    let mut buf = [0u8; MSG_LEN];
    loop {
        match read_exact::<R>(&mut stream, &mut buf).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                eprintln!("weft-bench: echo server on {}: {e}", R::KIND);
                return;
            }
        }
        if let Err(e) = R::write_all(&mut stream, &buf).await {
            eprintln!("weft-bench: echo server on {}: {e}", R::KIND);
            return;
        }
    }
}

/// Accepts `conns` connections, one echo task each.
async fn accept_loop<R: Rt>(listener: R::Listener, sp: R::Spawner, conns: usize) {
    for _ in 0..conns {
        match R::accept(&listener).await {
            Ok(stream) => spawn_detached::<R, _>(sp, serve::<R>(stream)),
            Err(e) => {
                eprintln!("weft-bench: accept on {}: {e}", R::KIND);
                return;
            }
        }
    }
}

/// One client: `messages` round trips, each checked byte for byte.
async fn client<R: Rt>(mut stream: R::Stream, id: usize, messages: usize) -> io::Result<usize> {
    let mut out = [0u8; MSG_LEN];
    let mut back = [0u8; MSG_LEN];
    for m in 0..messages {
        out[..8].copy_from_slice(&(m as u64).to_le_bytes());
        out[8..16].copy_from_slice(&(id as u64).to_le_bytes());
        R::write_all(&mut stream, &out).await?;
        if !read_exact::<R>(&mut stream, &mut back).await? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{}: echo server closed connection {id} at message {m}",
                    R::KIND
                ),
            ));
        }
        if back != out {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: connection {id} echoed different bytes at message {m}",
                    R::KIND
                ),
            ));
        }
    }
    Ok(messages)
}

/// Runs one echo exchange: `conns` connections × `per_conn` round trips.
/// Returns the messages echoed and the time the exchange took (connecting
/// not included).
///
/// # Errors
///
/// Bind/connect failures, a short or wrong echo.
pub fn echo_once<R: Rt>(
    rt: &R::Runtime,
    conns: usize,
    per_conn: usize,
) -> io::Result<(usize, Duration)> {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let listener = R::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = R::local_addr(&listener)?;
        spawn_detached::<R, _>(sp, accept_loop::<R>(listener, sp, conns));
        let mut streams = Vec::with_capacity(conns);
        for _ in 0..conns {
            streams.push(R::connect(addr).await.map_err(|e| {
                io::Error::new(e.kind(), format!("{}: connecting to {addr}: {e}", R::KIND))
            })?);
        }
        let start = Instant::now();
        let clients: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(id, s)| R::spawn(sp, client::<R>(s, id, per_conn)))
            .collect();
        let mut echoed = 0;
        for c in clients {
            echoed += c.await?;
        }
        Ok((echoed, start.elapsed()))
    })
}

/// `tcp_echo_{N}conn`: 1 KiB echo ping-pong over N loopback connections.
#[derive(Debug)]
pub struct Echo<const CONNS: usize>;

impl<const CONNS: usize> Timed for Echo<CONNS> {
    const NAME: &'static str = match CONNS {
        1 => "tcp_echo_1conn",
        10 => "tcp_echo_10conn",
        100 => "tcp_echo_100conn",
        _ => panic!("Echo is instantiated for 1, 10 and 100 connections"),
    };
    const GROUP: &'static str = "net";
    const UNIT: Unit = Unit::MSG_PER_SEC;
    const ABOUT: &'static str = "1 KiB echo round trips over 127.0.0.1 (10,000 per sample)";
    const NETWORK: bool = true;

    fn prepare<R: Rt>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        let total = if settings.quick {
            MESSAGES_QUICK
        } else {
            MESSAGES
        };
        let per_conn = total / CONNS;
        Ok(Box::new(move || {
            let (n, took) = echo_once::<R>(&rt, CONNS, per_conn)?;
            Ok(n as f64 / took.as_secs_f64())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::tests::skip_unavailable;
    use crate::rt::{Kind, SmolRt, TokioRt, WeftRt, WeftUringRt};

    fn check<R: Rt>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        assert_eq!(echo_once::<R>(&rt, 1, 5).unwrap().0, 5, "{}", R::KIND);
        assert_eq!(echo_once::<R>(&rt, 7, 3).unwrap().0, 21, "{}", R::KIND);
    }

    #[test]
    fn echo_round_trips_every_message_on_every_runtime() {
        check::<WeftRt>();
        if !skip_unavailable(Kind::WeftUring) {
            check::<WeftUringRt>();
        }
        check::<TokioRt>();
        check::<SmolRt>();
    }

    #[test]
    fn echo_names_follow_the_connection_count() {
        assert_eq!(<Echo<1> as Timed>::NAME, "tcp_echo_1conn");
        assert_eq!(<Echo<100> as Timed>::NAME, "tcp_echo_100conn");
    }
}
