//! The `sortie` binary: parse the command line, run, exit with its status.

fn main() -> std::process::ExitCode {
    sortie::cli_main(std::env::args_os().collect())
}
