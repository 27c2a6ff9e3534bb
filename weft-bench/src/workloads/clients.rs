//! The 1,000-client echo program: a TCP server that spawns a task per
//! connection to read one message and echo it, and 1,000 client tasks that
//! connect, send "Hello, world! from client N" and read the echo, on a
//! current_thread runtime (the program `weft/examples/async_tcp.rs` runs on
//! weft). Measured in a child process per sample: wall time of the whole
//! program (runtime start to the last echo) and the process's peak RSS
//! (`VmHWM`, see [`peak_rss_kib`]).
//!
//! Differences from `async_tcp.rs`, the same for all three runtimes: its two
//! `sleep(1 s)` (waiting for the server, then for the clients) are replaced
//! by binding before the clients start and awaiting every client's handle
//! (the sleeps would only add 2 s of idling); the listener is on port 0, not
//! 3001; the server accepts exactly 1,000 connections; nothing is printed
//! per message; the clients are awaited through a `Vec` of handles (smol has
//! no `JoinSet`).
//!
//! Each runtime keeps its own default listen backlog (weft 4,096; tokio
//! 128, through mio; smol 128, std's): the 1,000 connects arrive at once, so
//! a 128 backlog overflows and the dropped connection attempts wait for
//! TCP's 1 s SYN retransmission. That is what the same program gets on each
//! runtime, and why the wall times differ so much.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use crate::rt::{spawn_detached, Flavor, Rt};
use crate::stats::Unit;
use crate::workload::Memory;

/// Clients in the program.
pub const CLIENTS: usize = 1_000;

async fn server_receive<R: Rt>(mut socket: R::Stream) {
    let mut buffer = [0u8; 1024];
    let n = match R::read(&mut socket, &mut buffer).await {
        Ok(n) => n,
        Err(e) => {
            eprintln!("weft-bench 1,000-client server on {}: {e}", R::KIND);
            return;
        }
    };
    if let Err(e) = R::write_all(&mut socket, &buffer[..n]).await {
        eprintln!("weft-bench 1,000-client server on {}: {e}", R::KIND);
    }
}

async fn tcp_server<R: Rt>(listener: R::Listener, sp: R::Spawner, connections: usize) {
    for _ in 0..connections {
        match R::accept(&listener).await {
            Ok(socket) => spawn_detached::<R, _>(sp, server_receive::<R>(socket)),
            Err(e) => {
                eprintln!("weft-bench 1,000-client server on {}: accept: {e}", R::KIND);
                return;
            }
        }
    }
}

async fn tcp_client<R: Rt>(addr: SocketAddr, n: usize) -> io::Result<()> {
    let mut socket = R::connect(addr).await?;
    let message = format!("Hello, world! from client {n}");
    R::write_all(&mut socket, message.as_bytes()).await?;
    let mut buffer = [0u8; 1024];
    let got = R::read(&mut socket, &mut buffer).await?;
    if buffer[..got] != *message.as_bytes() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("client {n}: echoed {got} bytes that differ from its message"),
        ));
    }
    Ok(())
}

/// Runs the program with `clients` clients on a fresh current_thread
/// runtime; returns how many clients got their echo.
///
/// # Errors
///
/// The runtime, the listener, or any client failing.
pub fn run<R: Rt>(clients: usize) -> io::Result<usize> {
    let rt = R::build(Flavor::CurrentThread)?;
    let sp = R::spawner(&rt);
    R::block_on(&rt, async move {
        let listener = R::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = R::local_addr(&listener)?;
        spawn_detached::<R, _>(sp, tcp_server::<R>(listener, sp, clients));
        let set: Vec<_> = (0..clients)
            .map(|i| R::spawn(sp, tcp_client::<R>(addr, i)))
            .collect();
        let mut echoed = 0;
        for client in set {
            client.await?;
            echoed += 1;
        }
        Ok(echoed)
    })
}

/// Peak resident set size of this process, in KiB: `VmHWM` of
/// /proc/self/status.
///
/// Not `getrusage`'s `ru_maxrss`: Linux keeps that high-water mark across
/// `execve`, so a re-executed child reports its parent's peak (every
/// runtime then showed the bench parent's RSS); `VmHWM` belongs to the
/// child's own address space.
///
/// # Errors
///
/// When /proc/self/status cannot be read or has no `VmHWM` line.
pub fn peak_rss_kib() -> io::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| io::Error::new(e.kind(), format!("reading /proc/self/status: {e}")))?;
    parse_vm_hwm(&status).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "no VmHWM line in /proc/self/status",
        )
    })
}

/// The `VmHWM:  1234 kB` value of a /proc/PID/status text, in KiB.
pub fn parse_vm_hwm(status: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn checked<R: Rt>() -> io::Result<()> {
    let echoed = run::<R>(CLIENTS)?;
    if echoed == CLIENTS {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{echoed} of {CLIENTS} clients got their echo"
        )))
    }
}

/// `echo_1000_clients_ms`: wall time of the 1,000-client echo program.
#[derive(Debug)]
pub struct ThousandClientsWall;

impl Memory for ThousandClientsWall {
    const NAME: &'static str = "echo_1000_clients_ms";
    const GROUP: &'static str = "net";
    const UNIT: Unit = Unit::lower("ms");
    const ABOUT: &'static str = "echo server + 1,000 clients on current_thread, wall time \
        from runtime start to the last echo (child process)";
    const NETWORK: bool = true;

    fn measure<R: Rt>() -> io::Result<f64> {
        let start = Instant::now();
        checked::<R>()?;
        Ok(start.elapsed().as_secs_f64() * 1e3)
    }
}

/// `echo_1000_clients_rss`: peak RSS of the process running the program.
#[derive(Debug)]
pub struct ThousandClientsRss;

impl Memory for ThousandClientsRss {
    const NAME: &'static str = "echo_1000_clients_rss";
    const UNIT: Unit = Unit::lower("KiB");
    const ABOUT: &'static str =
        "peak RSS (VmHWM) of a process that ran the 1,000-client echo program";
    const NETWORK: bool = true;

    fn measure<R: Rt>() -> io::Result<f64> {
        checked::<R>()?;
        peak_rss_kib()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::tests::skip_unavailable;
    use crate::rt::{Kind, SmolRt, TokioRt, WeftRt, WeftUringRt};

    #[test]
    fn every_client_gets_its_echo_on_every_runtime() {
        assert_eq!(run::<WeftRt>(40).unwrap(), 40);
        if !skip_unavailable(Kind::WeftUring) {
            assert_eq!(run::<WeftUringRt>(40).unwrap(), 40);
        }
        assert_eq!(run::<TokioRt>(40).unwrap(), 40);
        assert_eq!(run::<SmolRt>(40).unwrap(), 40);
        assert!(peak_rss_kib().unwrap() > 0.0);
    }

    #[test]
    fn vm_hwm_is_read_in_kib() {
        let status = "Name:\tweft-bench\nVmPeak:\t  9000 kB\nVmHWM:\t    4640 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(4640.0));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }
}
