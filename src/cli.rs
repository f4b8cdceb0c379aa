//! The command line (clap derive). Doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run API workflows written as YAML collections.
#[derive(Debug, Parser)]
#[command(name = "sortie", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run collections (files, or folders searched for *.yaml / *.yml).
    Run(Box<RunArgs>),
    /// Check collections without sending anything.
    Validate(CheckArgs),
    /// Print collections and their steps with their tags.
    List(CheckArgs),
    /// Print the JSON Schema of the collection format.
    Schema,
}

/// Arguments of `validate` and `list`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Collection files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Files read by collections must resolve inside this folder.
    #[arg(long, value_name = "DIR")]
    pub file_root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Collection files or folders.
    #[arg(required_unless_present = "rerun_failed")]
    pub paths: Vec<PathBuf>,

    /// Set a variable (repeatable); it also changes the collection vars built from it.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A YAML or JSON mapping of variables (types kept).
    #[arg(long, value_name = "FILE")]
    pub vars_file: Vec<PathBuf>,
    /// Dotenv lines (NAME=value) read through `env.NAME`; the real environment wins.
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Redact this variable's value everywhere (repeatable).
    #[arg(long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,

    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report (schemas/report.schema.json).
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Write every request sent as a curl command (secrets masked).
    #[arg(long, value_name = "FILE")]
    pub curl: Option<PathBuf>,
    /// Render every request and print it without sending anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Run only the collections with a failed or errored step in this JSON report.
    #[arg(long, value_name = "REPORT")]
    pub rerun_failed: Option<PathBuf>,

    /// Run up to N collections at once, each on its own session.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Stop starting new steps after the first failure (teardown still runs).
    #[arg(long)]
    pub fail_fast: bool,
    /// Run collections tagged T, and within others only the steps tagged T.
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Skip collections and steps tagged T.
    #[arg(long = "skip-tag", value_name = "T")]
    pub skip_tags: Vec<String>,
    /// Keep the steps whose `collection name / step name` contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Run only shard I of N (1-based) of the sorted collection paths.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,

    /// Default total timeout of every request (collection and step settings override it);
    /// a number without a unit is seconds.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// The largest response body, after decompression (default 16MiB).
    #[arg(long, value_name = "SIZE")]
    pub max_body: Option<String>,
    /// Do not verify TLS certificates.
    #[arg(long)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS; needs --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Send every request through this proxy.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Files read by collections must resolve inside this folder (default: the current one).
    #[arg(long, value_name = "DIR")]
    pub file_root: Option<PathBuf>,

    /// More detail: -v request and response headers, -vv bodies too.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only failures and the summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// When to color the output (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}
