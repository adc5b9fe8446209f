//! The `losslab` binary: parse arguments, run, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    losslab::cli::main()
}
