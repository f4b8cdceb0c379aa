//! One integration-test binary: each module runs the real `sortie` binary
//! against servers on 127.0.0.1 started inside the test.

mod diagnostics;
mod errors;
mod faults;
mod flow;
mod outputs;
mod reports;
mod run;
mod secrets;
mod support;
