//! The `netzwerk` binary: see `netzwerk --help`.

/// mimalloc instead of the system allocator: a GraphQL answer is many small
/// allocations made and freed across threads, where glibc's malloc took about a third
/// of the Hub's CPU time under load (see `ops/bench/RESULTS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    netzwerk_gateway::cli::main()
}
