//! The HTTP examples (`tests-http/examples/{hyper_server,axum,hyper_client}.rs`)
//! run as real processes over 127.0.0.1: the servers answer real requests
//! and shut down gracefully on SIGINT (Ctrl-C), and the client example
//! talks HTTP/1 and HTTP/2 to one of them.
//!
//! `cargo test` builds the examples before running the tests; the binaries
//! are found next to this test's own executable.

// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a request or an exit may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running example server; killed when dropped (if still running).
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    addr: String,
}

impl Server {
    fn start(example: &str) -> Server {
        let mut child = Command::new(support::example_path(example))
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from {example}: {first:?}"))
            .to_owned();
        Server {
            child,
            stdout,
            addr,
        }
    }

    /// Sends one HTTP/1.1 request (closing the connection after it) and
    /// returns the raw response.
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        if let Some(body) = body {
            request.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or(""));
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    /// Ctrl-C: the server must shut down gracefully and exit successfully,
    /// saying so.
    fn interrupt_and_wait(mut self) {
        // SAFETY: sending a signal to our own child process, by its id.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < PATIENCE, "no exit after SIGINT");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(status.success(), "{status}");
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        assert_eq!(rest.trim(), "shut down");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The head and the body of a raw response.
fn split(response: &str) -> (&str, &str) {
    response.split_once("\r\n\r\n").expect("a head and a body")
}

#[test]
fn the_hyper_server_example_says_hello_and_stops_on_ctrl_c() {
    let server = Server::start("hyper_server");
    for _ in 0..3 {
        let response = server.request("GET", "/", None);
        let (head, body) = split(&response);
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
        assert_eq!(body, "Hello, World!");
    }
    server.interrupt_and_wait();
}

#[test]
fn the_axum_example_serves_its_routes() {
    let server = Server::start("axum");

    let (head, body) = split_owned(server.request("GET", "/", None));
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(body.starts_with("hello, 127.0.0.1:"), "{body}");

    // JSON with a path parameter.
    let (head, body) = split_owned(server.request("GET", "/users/7", None));
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        has_header(&head, "content-type: application/json"),
        "{head}"
    );
    assert_eq!(body, r#"{"id":7,"name":"user 7"}"#);
    let (head, _) = split_owned(server.request("GET", "/users/not-a-number", None));
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");

    // JSON in.
    let (head, body) = split_owned(server.request("POST", "/users", Some(r#"{"name":"ada"}"#)));
    assert!(head.starts_with("HTTP/1.1 201 Created"), "{head}");
    assert_eq!(body, r#"{"id":42,"name":"ada"}"#);

    // A streamed body: chunked, one line per chunk.
    let (head, body) = split_owned(server.request("GET", "/count/3", None));
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(has_header(&head, "transfer-encoding: chunked"), "{head}");
    assert_eq!(body, "2\r\n1\n\r\n2\r\n2\n\r\n2\r\n3\n\r\n0\r\n\r\n");

    // The timeout layer.
    let (head, body) = split_owned(server.request("GET", "/slow", None));
    assert!(head.starts_with("HTTP/1.1 408 Request Timeout"), "{head}");
    assert_eq!(body, "request timed out\n");

    server.interrupt_and_wait();
}

#[test]
fn the_client_example_speaks_http1_and_http2() {
    let server = Server::start("hyper_server");
    let output = Command::new(support::example_path("hyper_client"))
        .arg(&server.addr)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| **l == "HTTP/1: HTTP/1.1 200 OK Hello, World!")
            .count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| **l == "HTTP/2: HTTP/2.0 200 OK Hello, World!")
            .count(),
        3,
        "{stdout}"
    );
    server.interrupt_and_wait();
}

fn split_owned(response: String) -> (String, String) {
    let (head, body) = split(&response);
    (head.to_string(), body.to_string())
}

/// Whether the head has the header line `line` (names are case-insensitive).
fn has_header(head: &str, line: &str) -> bool {
    head.lines().any(|l| l.eq_ignore_ascii_case(line))
}
