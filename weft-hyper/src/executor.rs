//! `WeftExecutor`: hyper's `rt::Executor`, spawning on weft.

use hyper::rt;
use std::future::Future;
use weft::runtime::Handle;

/// Runs the futures hyper hands over (HTTP/2 streams and connection
/// tasks, the client's background dispatch) as weft tasks.
///
/// [`new`](WeftExecutor::new) spawns on whatever weft runtime is current
/// when hyper calls it, as [`weft::spawn`] does;
/// [`with_handle`](WeftExecutor::with_handle) always spawns on the given
/// runtime, so a builder made outside any runtime works too.
///
/// # Examples
///
/// An HTTP/2 server connection, whose stream tasks run on weft:
///
/// ```no_run
/// use weft_hyper::{WeftExecutor, WeftIo};
///
/// # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
/// let (stream, _peer) = listener.accept().await?;
/// let service = hyper::service::service_fn(|_request| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
/// });
/// weft::spawn(
///     hyper::server::conn::http2::Builder::new(WeftExecutor::new())
///         .serve_connection(WeftIo::new(stream), service),
/// );
/// # Ok(())
/// # }
/// ```
///
/// hyper's HTTP/2 client takes it the same way:
/// `hyper::client::conn::http2::handshake(WeftExecutor::new(), WeftIo::new(stream))`.
#[derive(Clone, Debug, Default)]
pub struct WeftExecutor {
    handle: Option<Handle>,
}

impl WeftExecutor {
    /// Spawns on the weft runtime current at each call.
    pub fn new() -> WeftExecutor {
        WeftExecutor { handle: None }
    }

    /// Spawns on the runtime of `handle`, from any thread.
    pub fn with_handle(handle: Handle) -> WeftExecutor {
        WeftExecutor {
            handle: Some(handle),
        }
    }
}

/// # Panics
///
/// From [`WeftExecutor::new`], outside a weft runtime.
impl<F> rt::Executor<F> for WeftExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // hyper never joins what it hands over: the tasks are detached.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(weft::spawn(future)),
        }
    }
}

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests {
    use super::*;
    use hyper::rt::Executor as _;
    use std::sync::mpsc;

    #[test]
    fn with_handle_spawns_from_outside_the_runtime() {
        let rt = weft::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let executor = WeftExecutor::with_handle(rt.handle().clone());
        let (tx, rx) = mpsc::channel();
        // This thread is in no runtime.
        executor.execute(async move {
            tx.send(weft::runtime::Handle::try_current().is_ok())
                .unwrap();
        });
        let ran_in_runtime = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the task ran");
        assert!(ran_in_runtime);
    }

    #[test]
    fn new_spawns_on_the_current_runtime() {
        let rt = weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (tx, rx) = weft::sync::oneshot::channel();
        rt.block_on(async {
            WeftExecutor::new().execute(async move {
                let _ = tx.send(7);
            });
            assert_eq!(rx.await, Ok(7));
        });
    }
}
