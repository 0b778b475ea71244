//! The `netzwerk` binary: see `netzwerk --help`.

fn main() -> std::process::ExitCode {
    netzwerk_gateway::cli::main()
}
