//! The command line (clap derive). Doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples and exit statuses, under `sortie --help` and `sortie run --help`.
const RUN_AFTER_HELP: &str = "\
Examples:
  sortie run collections/                      run every collection in a folder
  sortie run api.yaml --var user=alice --secret token
  sortie run tests/api --shard 2/4 --junit junit.xml
  sortie run tests/api --tag smoke --report-tap results.tap
  sortie run --rerun-failed report.json        only what failed last time

Exit status:
  0    every step passed
  1    a step failed or errored
  2    invalid input (a collection, a flag, a file that cannot be read); nothing was sent
  130  interrupted (Ctrl-C or SIGTERM), after teardown ran and reports were written

With GITHUB_ACTIONS=true, failures are also GitHub annotations and a summary is
appended to $GITHUB_STEP_SUMMARY.";

const MAIN_AFTER_HELP: &str = "\
Examples:
  sortie validate collections/                 check without sending anything
  sortie run collections/ --junit junit.xml    run, and write JUnit for CI
  sortie completions bash > ~/.local/share/bash-completion/completions/sortie
  sortie man | man -l -

Exit status: 0 passed, 1 a step failed or errored, 2 invalid input, 130 interrupted.
`sortie run --help` lists the options of a run.";

const SELECTION: &str = "Selection";
const VARIABLES: &str = "Variables";
const REPORTS: &str = "Reports";
const RUNNING: &str = "Running";
const HTTP: &str = "HTTP";
const OUTPUT: &str = "Output";

/// Run API workflows written as YAML collections.
#[derive(Debug, Parser)]
#[command(name = "sortie", version, about, propagate_version = true, after_help = MAIN_AFTER_HELP)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run collections (files, or folders searched for *.yaml / *.yml).
    #[command(after_help = RUN_AFTER_HELP)]
    Run(Box<RunArgs>),
    /// Check collections without sending anything.
    Validate(CheckArgs),
    /// Print collections and their steps with their tags.
    List(CheckArgs),
    /// Print the JSON Schema of the collection format.
    Schema,
    /// Write a collection from curl commands, a HAR file, a Postman collection or an OpenAPI document.
    #[command(subcommand)]
    Import(ImportKind),
    /// Merge the OpenAPI coverage of JSON reports (of sharded runs against one spec).
    Coverage(CoverageArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "\
Install:
  bash        sortie completions bash > ~/.local/share/bash-completion/completions/sortie
  zsh         sortie completions zsh > ~/.zfunc/_sortie   (with fpath+=(~/.zfunc) before compinit)
  fish        sortie completions fish > ~/.config/fish/completions/sortie.fish
  powershell  sortie completions powershell | Out-String | Invoke-Expression   (in $PROFILE)")]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page in roff: Sortie's, or one command's (`sortie man run`).
    #[command(after_help = "Example: sortie man run | man -l -")]
    Man {
        /// The command whose page to print (default: the page of `sortie`).
        #[arg(value_parser = ["run", "validate", "list", "schema", "import", "coverage", "completions", "man"])]
        command: Option<String>,
    },
}

/// What `sortie import` reads.
#[derive(Debug, Subcommand)]
pub(crate) enum ImportKind {
    /// curl command lines: each SOURCE is a command (`'curl -X POST …'`), a file of
    /// commands (shell quoting and `\` continuations as in docs), or `-` for standard input.
    #[command(after_help = "Example: sortie import curl 'curl -u ann:$PASSWORD https://api.example.com/me' -o me.yaml")]
    Curl {
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<String>,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// A HAR file exported from a browser's developer tools: one step per entry.
    Har {
        file: PathBuf,
        /// Keep only the entries sent to this host (repeatable; default: every host).
        #[arg(long = "host", value_name = "HOST")]
        hosts: Vec<String>,
        /// Keep images, scripts, stylesheets, fonts and media too (left out by default).
        #[arg(long)]
        assets: bool,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// An OpenAPI 3.x document (YAML or JSON): a starter collection, one step per operation.
    Openapi {
        spec: PathBuf,
        #[command(flatten)]
        out: ImportOutput,
    },
    /// A Postman collection (v2.1 or v2.0): folders become groups, variables `vars`.
    Postman {
        file: PathBuf,
        /// A Postman environment whose variables join the collection's (and win).
        #[arg(long, value_name = "FILE")]
        environment: Option<PathBuf>,
        #[command(flatten)]
        out: ImportOutput,
    },
}

/// Where an import writes its collection.
#[derive(Debug, Args)]
pub(crate) struct ImportOutput {
    /// Write the collection to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Match every request step to an operation of this OpenAPI document (a collection's
    /// `openapi:` wins).
    #[arg(long, value_name = "FILE")]
    pub openapi: Option<PathBuf>,
}

/// Arguments of `coverage`.
#[derive(Debug, Args)]
pub(crate) struct CoverageArgs {
    /// JSON reports written by `sortie run --report-json`.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Exit 1 when the merged operation coverage is below PCT percent.
    #[arg(long, value_name = "PCT", value_parser = percent)]
    pub min_coverage: Option<f64>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Collection files or folders.
    #[arg(required_unless_present = "rerun_failed")]
    pub paths: Vec<PathBuf>,

    /// Run collections tagged T, and within others only the steps tagged T.
    #[arg(help_heading = SELECTION, long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Skip collections and steps tagged T.
    #[arg(help_heading = SELECTION, long = "skip-tag", value_name = "T")]
    pub skip_tags: Vec<String>,
    /// Keep the steps whose `collection name / step name` contains TEXT.
    #[arg(help_heading = SELECTION, long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Run only shard I of N (1-based) of the sorted collection paths.
    #[arg(help_heading = SELECTION, long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Run only the collections with a failed or errored step in this JSON report.
    #[arg(help_heading = SELECTION, long, value_name = "REPORT")]
    pub rerun_failed: Option<PathBuf>,

    /// Set a variable (repeatable); it also changes the collection vars built from it.
    #[arg(help_heading = VARIABLES, long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A YAML or JSON mapping of variables (types kept).
    #[arg(help_heading = VARIABLES, long, value_name = "FILE")]
    pub vars_file: Vec<PathBuf>,
    /// A dotenv file (NAME=value, comments, quotes, ${A}) read through `env.NAME`; the real environment wins.
    #[arg(help_heading = VARIABLES, long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Redact this variable's value everywhere (repeatable).
    #[arg(help_heading = VARIABLES, long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,

    /// Write a JUnit XML report.
    #[arg(help_heading = REPORTS, long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report (schemas/report.schema.json).
    #[arg(help_heading = REPORTS, long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(help_heading = REPORTS, long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Write a TAP (version 14) report: one test point per step.
    #[arg(help_heading = REPORTS, long, value_name = "FILE")]
    pub report_tap: Option<PathBuf>,
    /// Write every request sent as a curl command (secrets masked).
    #[arg(help_heading = REPORTS, long, value_name = "FILE")]
    pub curl: Option<PathBuf>,
    /// Render every request and print it without sending anything.
    #[arg(help_heading = RUNNING, long)]
    pub dry_run: bool,

    /// Run up to N collections at once, each on its own session.
    #[arg(help_heading = RUNNING, long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Stop starting new steps after the first failure (teardown still runs).
    #[arg(help_heading = RUNNING, long)]
    pub fail_fast: bool,
    /// Accept new and changed snapshots: write them, removing their `.json.new`.
    #[arg(help_heading = RUNNING, long)]
    pub update_snapshots: bool,

    /// Default total timeout of every request (collection and step settings override it);
    /// a number without a unit is seconds.
    #[arg(help_heading = HTTP, long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// The largest response body, after decompression (default 16MiB).
    #[arg(help_heading = HTTP, long, value_name = "SIZE")]
    pub max_body: Option<String>,
    /// Do not verify TLS certificates.
    #[arg(help_heading = HTTP, long)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file.
    #[arg(help_heading = HTTP, long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs --key.
    #[arg(help_heading = HTTP, long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS; needs --cert.
    #[arg(help_heading = HTTP, long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Send every request through this proxy.
    #[arg(help_heading = HTTP, long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Files read by collections must resolve inside this folder (default: the current one).
    #[arg(help_heading = RUNNING, long, value_name = "DIR")]
    pub file_root: Option<PathBuf>,
    /// Check every exchange against this OpenAPI 3 document (a collection's `openapi:` wins).
    #[arg(help_heading = RUNNING, long, value_name = "FILE")]
    pub openapi: Option<PathBuf>,
    /// Fail the run (exit 1) when OpenAPI operation coverage is below PCT percent.
    #[arg(help_heading = RUNNING, long, value_name = "PCT", value_parser = percent)]
    pub min_coverage: Option<f64>,

    /// More detail: -v request and response headers, -vv bodies too.
    #[arg(help_heading = OUTPUT, short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only failures and the summary.
    #[arg(help_heading = OUTPUT, short, long)]
    pub quiet: bool,
    /// When to color the output (NO_COLOR is honoured with `auto`).
    #[arg(help_heading = OUTPUT, long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// A percentage from 0 to 100 (`80`, `87.5`, `80%`).
fn percent(text: &str) -> Result<f64, String> {
    text.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("`{text}` is not a percentage from 0 to 100"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Writes the completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    use clap::CommandFactory as _;
    clap_complete::generate(shell, &mut Cli::command(), "sortie", out);
}

/// Writes the man page (roff) of `sortie`, or of one of its commands as `sortie-COMMAND(1)`.
pub(crate) fn man(command: Option<&str>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory as _;
    let mut cli = Cli::command();
    // Builds the tree, so the commands' pages carry the version too.
    cli.build();
    let page = match command.and_then(|name| cli.find_subcommand(name)) {
        // The page of `sortie run` is `sortie-run(1)`, as git's pages are.
        Some(sub) => sub
            .clone()
            .name(format!("sortie-{}", sub.get_name()))
            .bin_name(format!("sortie {}", sub.get_name())),
        None => cli,
    };
    clap_mangen::Man::new(page).render(out)
}
