//! Exit statuses, as the README's "Command line" documents them.

use std::process::ExitCode;

/// Every step passed.
pub(crate) const PASSED: u8 = 0;
/// A step failed or errored.
pub(crate) const FAILED: u8 = 1;
/// The input was invalid (a collection, a flag, a file that cannot be read); nothing was sent.
pub(crate) const INVALID: u8 = 2;
/// The run was interrupted (Ctrl-C, SIGTERM) after teardown ran and reports were written.
pub(crate) const INTERRUPTED: u8 = 130;

pub(crate) fn code(status: u8) -> ExitCode {
    ExitCode::from(status)
}
