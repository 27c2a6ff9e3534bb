//! The tokio drop-in: one axum application (`weft-bench/dropin-app/`),
//! its source unchanged, built once against the real tokio and once
//! against weft's drop-in (`tokio-dropin/`, patched in by the app's second
//! manifest). In the table, the weft column is the drop-in build and the
//! tokio column the real-tokio build; smol has no part in it. The drop-in
//! build runs twice, as weft does on every network row: with
//! `WEFT_IO_BACKEND=epoll` in its environment (the weft column) and with
//! `WEFT_IO_BACKEND=io-uring` (the weft-uring column); the app's
//! `#[tokio::main]` builds its runtime with `IoBackend::Auto`, which the
//! variable overrides.
//!
//! * `dropin_axum_*`: the app's `axum::serve` hello world, each build in
//!   a child process (its own `#[tokio::main]` runtime, as a deployed
//!   service runs), under `wrk` exactly as the `hyper_hello` rows
//!   ([`WRK_THREADS`](crate::workloads::http::WRK_THREADS) threads, [`WRK_CONNECTIONS`](crate::workloads::http::WRK_CONNECTIONS) connections), the
//!   two alternating round by round.
//! * `dropin_reqwest_1000_get`: the app's client mode, 1,000 sequential
//!   GETs over one keep-alive connection with reqwest, in a child process
//!   per sample, against one server for both (the real-tokio build), so
//!   only the client side differs.
//!
//! The first run builds both variants (`cargo build --release`, a few
//! minutes; later runs find them up to date in `target/dropin-app/`).
//! Without `wrk` the axum rows are skipped, as `hyper_hello`'s are.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::rt::Kind;
use crate::stats::Unit;
use crate::workload::{skipped, Entry, Multi, MultiSampler, Row, Sampler, Settings};
use crate::workloads::http::{WrkLoad, REQ_PER_SEC};

/// Sequential GETs per client sample.
pub const CLIENT_GETS: u32 = 1000;

const ROWS: &[Row] = &[
    Row {
        name: "dropin_axum_rps",
        unit: REQ_PER_SEC,
        about: "axum::serve hello world, the same source on the tokio drop-in (weft) and on \
                real tokio, wrk -t1 -c50: requests per second (higher is better)",
    },
    Row {
        name: "dropin_axum_p50_us",
        unit: Unit::lower("µs p50"),
        about: "the same runs: median latency wrk reports",
    },
    Row {
        name: "dropin_axum_p90_us",
        unit: Unit::lower("µs p90"),
        about: "the same runs: 90th percentile latency",
    },
    Row {
        name: "dropin_axum_p99_us",
        unit: Unit::lower("µs p99"),
        about: "the same runs: 99th percentile latency",
    },
];

/// The axum server rows.
pub fn axum_entry() -> Entry {
    Entry {
        name: "dropin_axum",
        group: "tokio drop-in",
        unit: REQ_PER_SEC,
        about: ROWS[0].about,
        prepare: |kind, settings| {
            let mut rows = prepare_axum(kind, settings)?;
            Ok(Box::new(move || Ok(rows()?[0])))
        },
        child: None,
        multi: Some(Multi {
            rows: ROWS,
            prepare: prepare_axum,
            warmup: 1,
            rounds: 7,
            quick_rounds: 3,
        }),
        reference: None,
        network: true,
    }
}

/// The reqwest client row.
pub fn reqwest_entry() -> Entry {
    Entry {
        name: "dropin_reqwest_1000_get",
        group: "tokio drop-in",
        unit: Unit::lower("ms"),
        about: "reqwest, 1,000 sequential GETs over keep-alive against one server, the same \
                source on the tokio drop-in (weft) and on real tokio: milliseconds",
        prepare: prepare_reqwest,
        child: None,
        multi: None,
        reference: None,
        network: true,
    }
}

fn prepare_axum(kind: Kind, settings: &Settings) -> io::Result<MultiSampler> {
    let variant = Variant::of(kind)?;
    let mut load = WrkLoad::new(settings)?;
    let server = AppServer::start(variant)?;
    Ok(Box::new(move || {
        // The closure must own the whole server (the child process), not
        // just its address (a closure captures only the fields it uses).
        let server = &server;
        load.sample(server.addr, &variant.describe())
    }))
}

fn prepare_reqwest(kind: Kind, _settings: &Settings) -> io::Result<Sampler> {
    let variant = Variant::of(kind)?;
    let client = variant.binary()?;
    let server = AppServer::start(Variant::RealTokio)?;
    let url = format!("http://{}/", server.addr);
    Ok(Box::new(move || {
        // Own the server, as above.
        let _server = &server;
        let output = variant
            .command(&client)
            .args(["client", &url, &CLIENT_GETS.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| io::Error::new(e.kind(), format!("running {}: {e}", client.display())))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "{} client ({}): {stdout}",
                client.display(),
                output.status
            )));
        }
        let seconds = crate::child::parse_result(&stdout)
            .ok_or_else(|| io::Error::other(format!("no result line in {stdout:?}")))?;
        Ok(seconds * 1e3)
    }))
}

/// Which build of the app, run how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// `dropin-app/weft/Cargo.toml`: tokio patched with weft's drop-in,
    /// run with `WEFT_IO_BACKEND` set to this value (`epoll` or
    /// `io-uring`). The `io-uring` build also has tokio's feature
    /// `io-uring`, which builds weft's rings (tokio's `full`, which the
    /// app names, leaves them out, as tokio's does).
    DropIn(&'static str),
    /// `dropin-app/tokio/Cargo.toml`: the real tokio.
    RealTokio,
}

impl Variant {
    fn of(kind: Kind) -> io::Result<Variant> {
        match kind {
            Kind::Weft => Ok(Variant::DropIn("epoll")),
            Kind::WeftUring => Ok(Variant::DropIn("io-uring")),
            Kind::Tokio => Ok(Variant::RealTokio),
            Kind::Smol => Err(skipped(
                "not part of this comparison: the drop-in rows are one tokio application \
                 built against weft's drop-in and against the real tokio",
            )),
        }
    }

    /// The directory of the variant's manifest (`weft` or `tokio`).
    fn name(self) -> &'static str {
        match self {
            Variant::DropIn(_) => "weft",
            Variant::RealTokio => "tokio",
        }
    }

    /// The directory of the variant's build, under `target/dropin-app`.
    fn target_name(self) -> &'static str {
        match self {
            Variant::DropIn("io-uring") => "weft-uring",
            other => other.name(),
        }
    }

    /// The features the variant's build adds to the app's manifest.
    fn features(self) -> &'static [&'static str] {
        match self {
            Variant::DropIn("io-uring") => &["--features", "tokio/io-uring"],
            _ => &[],
        }
    }

    /// The variant in an error message.
    fn describe(self) -> String {
        match self {
            Variant::DropIn(backend) => format!("the weft build (WEFT_IO_BACKEND={backend})"),
            Variant::RealTokio => "the tokio build".to_string(),
        }
    }

    /// A command running the variant's `binary`, with its environment.
    fn command(self, binary: &Path) -> Command {
        let mut command = Command::new(binary);
        if let Variant::DropIn(backend) = self {
            command.env("WEFT_IO_BACKEND", backend);
        }
        command
    }

    /// Builds the variant (a no-op when it is up to date) and returns its
    /// binary.
    fn binary(self) -> io::Result<PathBuf> {
        let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("dropin-app");
        let manifest = app.join(self.name()).join("Cargo.toml");
        let target = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/dropin-app")
            .join(self.target_name());
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .args(self.features())
            .arg("--target-dir")
            .arg(&target)
            // The bench's own build settings must not leak into the app's.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .map_err(|e| io::Error::new(e.kind(), format!("running cargo: {e}")))?;
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "building {}: {}",
                manifest.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(target.join("release/axum-hello"))
    }
}

/// The app's server mode in a child process, killed on drop.
struct AppServer {
    child: Child,
    addr: SocketAddr,
}

impl AppServer {
    fn start(variant: Variant) -> io::Result<AppServer> {
        let binary = &variant.binary()?;
        let mut child = variant
            .command(binary)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("running {}: {e}", binary.display())))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok());
        match (read, addr) {
            (Some(Ok(_)), Some(addr)) => Ok(AppServer { child, addr }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!(
                    "{} serve printed {line:?}, not `listening on ADDR`",
                    binary.display()
                )))
            }
        }
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_weft_column_runs_the_drop_in_build_on_its_backend() {
        assert_eq!(Variant::of(Kind::Weft).unwrap(), Variant::DropIn("epoll"));
        assert_eq!(
            Variant::of(Kind::WeftUring).unwrap(),
            Variant::DropIn("io-uring")
        );
        assert_eq!(Variant::of(Kind::Tokio).unwrap(), Variant::RealTokio);
        assert!(Variant::of(Kind::Smol)
            .unwrap_err()
            .to_string()
            .starts_with(crate::workload::SKIPPED_PREFIX));
        let env = |v: Variant| {
            v.command(Path::new("axum-hello"))
                .get_envs()
                .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            env(Variant::DropIn("io-uring")),
            [("WEFT_IO_BACKEND".into(), Some("io-uring".into()))]
        );
        assert!(env(Variant::RealTokio).is_empty());
        assert_eq!(Variant::DropIn("epoll").name(), "weft");
        // The io_uring build is its own, with tokio's `io-uring` feature:
        // the app's `full` has no rings.
        assert_eq!(Variant::DropIn("io-uring").name(), "weft");
        assert_eq!(Variant::DropIn("io-uring").target_name(), "weft-uring");
        assert_eq!(
            Variant::DropIn("io-uring").features(),
            ["--features", "tokio/io-uring"]
        );
        assert!(Variant::DropIn("epoll").features().is_empty());
        assert!(Variant::RealTokio.features().is_empty());
    }
}
