//! `weft-bench`: see the library docs, or run with `--help`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    #[cfg(feature = "tracing")]
    install_subscriber();
    weft_bench::main(&args)
}

/// With the feature `tracing`: a `Registry` as the global subscriber, so
/// every span weft and tokio make is enabled and recorded.
#[cfg(feature = "tracing")]
fn install_subscriber() {
    tracing_subscriber::util::SubscriberInitExt::init(tracing_subscriber::registry());
}
