//! One integration-test binary: each module runs the real `sortie` binary
//! against servers on 127.0.0.1 started inside the test.

mod errors;
mod exchanges;
mod faults;
mod reports;
mod run;
mod support;
