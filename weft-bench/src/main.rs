//! `weft-bench`: see the library docs, or run with `--help`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    weft_bench::main(&args)
}
