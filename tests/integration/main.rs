//! One integration-test binary: each module runs the real `sortie` binary
//! against servers on 127.0.0.1 started inside the test.

// A test binary has no outside callers: `pub` marks what the other test modules use.
#![allow(unreachable_pub)]

mod auth;
mod bounded;
mod checks;
mod ci;
mod description;
mod diagnostics;
mod docs;
mod errors;
mod exact;
mod exchanges;
mod faults;
mod flags;
mod flow;
mod http;
mod importers;
mod messages;
mod openapi;
mod outputs;
mod packaging;
mod pinned;
mod promises;
mod replay;
mod report_paths;
mod report_stdout;
mod reports;
mod run;
mod secret_forms;
mod secrets;
mod sent;
mod shell;
mod silent;
mod support;
mod timings;
mod tls;
mod traps;
mod vars;
