//! The example servers (`weft/examples/{hello_server,who_are_you,echo_server}.rs`)
//! run as real processes and answer real clients over 127.0.0.1, and the
//! 1,000-client echo program (`async_tcp.rs`) echoes every client within
//! its window (one second by default; the test gives it ten, so that the
//! verdict does not depend on how busy the machine is).
//!
//! `cargo test` builds the examples before running the tests; the binaries
//! are found next to this test's own executable.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running example server; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(example: &str) -> Server {
        let path = support::example_path(example);
        let mut child = Command::new(&path)
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from {example}: {first:?}"))
            .to_owned();
        Server { child, addr }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_all(stream: &mut TcpStream) -> String {
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn hello_server_greets_by_name() {
    let server = Server::start("hello_server");
    for name in ["world", "weft"] {
        let mut stream = server.connect();
        stream.write_all(format!("{name}\n").as_bytes()).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        assert_eq!(read_all(&mut stream), format!("Hello, {name}!\n"));
    }
}

#[test]
fn who_are_you_asks_then_thanks() {
    let server = Server::start("who_are_you");
    let mut stream = server.connect();
    let mut question = [0u8; 13];
    stream.read_exact(&mut question).unwrap();
    assert_eq!(&question, b"Who are you?\n");
    stream.write_all(b"Ada\n").unwrap();
    assert_eq!(read_all(&mut stream), "Thanks for dialing in, Ada!\n");
}

#[test]
fn echo_server_echoes_many_clients() {
    let server = Server::start("echo_server");
    let clients: Vec<_> = (0..50)
        .map(|i| {
            let mut stream = server.connect();
            let message = format!("client {i}: {}\n", "x".repeat(i * 100));
            stream.write_all(message.as_bytes()).unwrap();
            stream.shutdown(Shutdown::Write).unwrap();
            (stream, message)
        })
        .collect();
    for (mut stream, message) in clients {
        assert_eq!(read_all(&mut stream), message);
    }
}

#[test]
fn async_tcp_echoes_all_one_thousand_clients_within_its_window() {
    // Both ends of its 1,000 connections, and headroom: the program
    // inherits this process's raised limit.
    if let support::FdLimit::Skip(_) = support::ensure_fd_limit(2 * 1000 + 512) {
        return;
    }
    // A free port (released just before the program binds it).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let output = Command::new(support::example_path("async_tcp"))
        .arg(&addr)
        .arg("10")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().next(),
        Some(format!("Listening on {addr}").as_str())
    );
    let received = stdout
        .lines()
        .filter(|l| l.starts_with("Server received: "))
        .count();
    let mut echoed: Vec<usize> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Echoed message: Hello, world! from client "))
        .map(|n| n.parse().unwrap())
        .collect();
    echoed.sort_unstable();
    assert_eq!(received, 1000, "the server did not receive every client");
    assert_eq!(
        echoed,
        (0..1000).collect::<Vec<_>>(),
        "not every client was echoed"
    );
}

/// `dump_on_signal --self-test` sends itself `SIGUSR1` once its tasks wait
/// and prints the task dump: one line per named task, each with what it
/// waits on (the program checks the waits itself and fails otherwise).
#[test]
fn dump_on_signal_prints_every_task_and_what_it_waits_on() {
    let output = Command::new(support::example_path("dump_on_signal"))
        .arg("--self-test")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("SIGUSR1\ntask dump of runtime "),
        "{stdout}"
    );
    for line in [
        "\"accept\" at weft/examples/dump_on_signal.rs:",
        "\"ticker\" at weft/examples/dump_on_signal.rs:",
        "waiting on timer (deadline in ",
        "waiting on mutex",
        "self-test passed",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    let conn = stdout
        .lines()
        .find(|line| line.contains("\"conn\""))
        .unwrap_or_else(|| panic!("no conn task in:\n{stdout}"));
    assert!(conn.contains(" read"), "{conn}");
}
