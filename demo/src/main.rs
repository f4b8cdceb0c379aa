//! `sortie-demo`: serve the bundled demo API, or run Sortie against a private
//! copy of it (`sortie-demo run collections/`).

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The demo API that Sortie's onboarding collections run against.
#[derive(Debug, Parser)]
#[command(name = "sortie-demo", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the demo API on 127.0.0.1 until Ctrl-C.
    Serve {
        /// The port to listen on.
        #[arg(long, short, default_value_t = 8080)]
        port: u16,
    },
    /// Run Sortie against a private demo API on a free port.
    ///
    /// Sets SORTIE_DEMO_URL to the demo's URL, then runs Sortie in this
    /// process: `sortie-demo run collections/` is
    /// `sortie run collections/`, `sortie-demo run validate x.yaml` is
    /// `sortie validate x.yaml`.
    Run {
        /// The arguments for `sortie`; `run` is implied unless they start
        /// with a sortie subcommand.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// The words that make `sortie-demo run` pass its arguments on unchanged.
const SORTIE_SUBCOMMANDS: &[&str] = &[
    "run",
    "validate",
    "list",
    "schema",
    "coverage",
    "completions",
    "man",
    "help",
];

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve { port } => serve(port),
        Command::Run { args } => run(args),
    }
}

fn serve(port: u16) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let port = listener.local_addr().map_or(port, |addr| addr.port());
        println!("demo API listening on http://127.0.0.1:{port}");
        tokio::select! {
            served = sortie_demo::serve(listener) => match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: the demo API stopped: {e}");
                    ExitCode::FAILURE
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}

fn run(args: Vec<OsString>) -> ExitCode {
    let listener = match std::net::TcpListener::bind(("127.0.0.1", 0)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("error: cannot read the demo API's address: {e}");
            return ExitCode::FAILURE;
        }
    };
    // SAFETY: no other thread exists yet (the server thread starts below), so
    // nothing can read the environment while it changes.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SORTIE_DEMO_URL", format!("http://{addr}"));
    }
    let server = match sortie_demo::DemoServer::start(listener) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot start the demo API: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut argv = vec![OsString::from("sortie")];
    // `sortie-demo run collections/` must mean `sortie run collections/`, yet
    // the other subcommands stay reachable.
    let explicit = args
        .first()
        .and_then(|a| a.to_str())
        .is_some_and(|first| SORTIE_SUBCOMMANDS.contains(&first));
    if !explicit {
        argv.push(OsString::from("run"));
    }
    argv.extend(args);
    let code = sortie::cli_main(argv);
    drop(server);
    code
}
