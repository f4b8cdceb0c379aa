//! A temporary stand-in for the command-line entry point, so `sortie-demo run`
//! builds before the real CLI lands; the integrator replaces it.

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the `sortie` command line on `args` (`args[0]` is the program name)
/// and returns its exit status. Stub: says it is not wired in and exits 2.
#[must_use]
pub fn cli_main(args: Vec<OsString>) -> ExitCode {
    let shown: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    eprintln!(
        "sortie: the command line is not wired in yet (args: {})",
        shown.join(" ")
    );
    ExitCode::from(2)
}
