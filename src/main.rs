//! The `sortie` binary: parse the command line, run, exit with its status.

// mimalloc: loading and planning a long collection is allocation-heavy, and
// the system allocator spent a quarter of `validate`'s instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sortie::cli_main(std::env::args_os().collect())
}
