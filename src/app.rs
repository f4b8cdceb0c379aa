//! The commands: `run`, `validate`, `list`, `schema`, `completions`, `man`. Each returns an exit status.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{CheckArgs, Command, RunArgs};
use crate::config::LoadOptions;
use crate::config::{self, RunConfig};
use crate::diagnostic::Diagnostic;
use crate::event::Event;
use crate::exec::{self, RunContext};
use crate::exit;
use crate::load::{self, Loaded};
use crate::preflight;

use crate::plan::{StepKind, StepPlan};
use crate::render::{Renderer, to_mj};
use crate::report::{
    self, ConsoleOptions, ConsoleReporter, CurlReporter, DryRunReporter, FileReporter, GithubReporter, Progress,
    Reporter, Reporters,
};
use crate::source::Sources;

/// Runs a parsed command line.
pub(crate) fn main(command: Command) -> u8 {
    match command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::List(args) => list(&args),
        Command::Schema => schema(),
        Command::Import(kind) => import(kind),
        Command::Coverage(args) => coverage(&args),
        Command::Completions { shell } => {
            crate::cli::completions(shell, &mut std::io::stdout().lock());
            exit::PASSED
        }
        Command::Man { command } => match crate::cli::man(command.as_deref(), &mut std::io::stdout().lock()) {
            Ok(()) => exit::PASSED,
            Err(e) => {
                eprintln!("error: cannot write the man page: {e}");
                exit::INVALID
            }
        },
    }
}

/// `sortie import KIND …`: the importer's collection to standard output or `-o FILE`;
/// what it could not carry over as warnings on standard error.
fn import(kind: crate::cli::ImportKind) -> u8 {
    use crate::cli::ImportKind;
    use crate::import;
    let (result, out) = match kind {
        ImportKind::Curl { sources, out } => (import_curl(&sources), out),
        ImportKind::Har {
            file,
            hosts,
            assets,
            out,
        } => (import::har::import_file(&file, &hosts, assets), out),
        ImportKind::Openapi { spec, out } => (import::openapi::import_file(&spec, out.output.as_deref()), out),
        ImportKind::Postman { file, environment, out } => {
            (import::postman::import_files(&file, environment.as_deref()), out)
        }
    };
    let draft = match result {
        Ok(d) => d,
        Err(f) => {
            print_errors(std::slice::from_ref(&*f.diagnostic), &f.sources);
            return exit::INVALID;
        }
    };
    let text = import::emit::collection(&draft);
    for note in &draft.notes {
        eprintln!("warning: {note}");
    }
    match &out.output {
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout.write_all(text.as_bytes())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                eprintln!("error: cannot write to standard output: {e}");
                return exit::FAILED;
            }
        }
        Some(path) => {
            if let Err(e) = report::write::write_atomic(path, text.as_bytes()) {
                let why = crate::files::io_reason(&e);
                return invalid(&Diagnostic::new(format!("cannot write `{}`: {why}", path.display())));
            }
            eprintln!("wrote {} ({} steps)", path.display(), draft.step_count());
        }
    }
    exit::PASSED
}

/// curl commands from arguments (`curl …`), files, or `-` (standard input).
fn import_curl(sources: &[String]) -> Result<crate::import::Draft, crate::import::Failure> {
    use crate::import::curl;
    let mut commands = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let trimmed = source.trim_start();
        if trimmed.starts_with("curl ") || trimmed.starts_with("curl\t") || trimmed == "curl" {
            commands.push(curl::argument(source, format!("argument {}", i + 1))?);
        } else if source == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Diagnostic::new(format!("cannot read standard input: {e}")))?;
            commands.extend(curl::commands(&text, "<stdin>")?);
        } else {
            let text = crate::files::read_text(std::path::Path::new(source), "curl commands file")?;
            commands.extend(curl::commands(&text, source)?);
        }
    }
    Ok(curl::import(&commands)?)
}

fn print_errors(errors: &[Diagnostic], sources: &Sources) {
    print_masked(errors, sources, &crate::diagnostic::Masks::default());
}

fn print_masked(errors: &[Diagnostic], sources: &Sources, masks: &crate::diagnostic::Masks) {
    let mut err = anstream::stderr();
    for d in errors {
        let _ = writeln!(err, "{}", d.render_masked(sources, masks));
    }
}

fn invalid(d: &Diagnostic) -> u8 {
    print_errors(std::slice::from_ref(d), &Sources::default());
    exit::INVALID
}

/// Discovers and loads; prints every error and returns None when the input is invalid.
fn load_all(paths: &[PathBuf], options: &LoadOptions) -> Option<(Loaded, Renderer)> {
    let files = match crate::files::discover(paths) {
        Ok(f) => f,
        Err(d) => {
            invalid(&d);
            return None;
        }
    };
    if files.is_empty() {
        invalid(&Diagnostic::new(
            "no collection files (*.yaml, *.yml) found in the given paths",
        ));
        return None;
    }
    let renderer = Renderer::new(options.file_root.clone());
    let loaded = load::load(&files, &renderer, options);
    if !loaded.errors.is_empty() {
        print_masked(&loaded.errors, &loaded.sources, &loaded.masks);
        eprintln!(
            "error: {} found in the collections; nothing was sent",
            crate::text::count(loaded.errors.len(), "problem")
        );
        return None;
    }
    print_masked(&loaded.warnings, &loaded.sources, &loaded.masks);
    Some((loaded, renderer))
}

/// Loads the collections `validate` and `list` name; None when invalid (already reported).
fn load_checked(args: &CheckArgs) -> Option<Loaded> {
    let file_root = match config::file_root(args.file_root.as_deref()) {
        Ok(r) => r,
        Err(d) => {
            invalid(&d);
            return None;
        }
    };
    let mut options = LoadOptions::checking(file_root);
    options.openapi.clone_from(&args.openapi);
    load_all(&args.paths, &options).map(|(loaded, _)| loaded)
}

fn validate(args: &CheckArgs) -> u8 {
    let Some(loaded) = load_checked(args) else {
        return exit::INVALID;
    };
    let steps: usize = loaded
        .plan
        .collections
        .iter()
        .map(|c| count(&c.setup) + count(&c.steps) + count(&c.teardown))
        .sum();
    println!(
        "ok: {}, {}",
        crate::text::count(loaded.files, "collection"),
        crate::text::count(steps, "step")
    );
    // The process ends now: freeing a 10,000-step plan piece by piece would
    // cost about a tenth of the whole validation.
    std::mem::forget(loaded);
    exit::PASSED
}

fn count(steps: &[StepPlan]) -> usize {
    steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Request(_) => 1,
            StepKind::Group(g) => count(&g.steps),
            StepKind::Include(i) => count(&i.steps),
        })
        .sum()
}

fn list(args: &CheckArgs) -> u8 {
    let Some(loaded) = load_checked(args) else {
        return exit::INVALID;
    };
    let mut out = String::new();
    for c in &loaded.plan.collections {
        out.push_str(&format!("{} ({}){}\n", c.name, c.path, tags(&c.tags)));
        for (label, steps) in [("setup", &c.setup), ("steps", &c.steps), ("teardown", &c.teardown)] {
            if steps.is_empty() {
                continue;
            }
            if label != "steps" {
                out.push_str(&format!("  {label}:\n"));
            }
            list_steps(&mut out, steps, if label == "steps" { 1 } else { 2 });
        }
    }
    print!("{out}");
    exit::PASSED
}

fn list_steps(out: &mut String, steps: &[StepPlan], depth: usize) {
    for s in steps {
        let pad = "  ".repeat(depth);
        let looped = if s.for_each.is_some() { " (for each)" } else { "" };
        out.push_str(&format!(
            "{pad}- {}{looped}{}\n",
            s.name.template.source(),
            tags(&s.tags)
        ));
        match &s.kind {
            StepKind::Group(g) => list_steps(out, &g.steps, depth + 1),
            StepKind::Include(i) => list_steps(out, &i.steps, depth + 1),
            StepKind::Request(_) => {}
        }
    }
}

fn tags(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(", "))
    }
}

/// `sortie coverage REPORT...`: the merged OpenAPI coverage of JSON reports, gated by
/// `--min-coverage`.
fn coverage(args: &crate::cli::CoverageArgs) -> u8 {
    let merged = match crate::openapi::coverage::merge_reports(&args.reports) {
        Ok(m) => m,
        Err(d) => return invalid(&d),
    };
    if merged.is_empty() {
        return invalid(&Diagnostic::new(
            "no OpenAPI coverage in these reports: were they written by runs with an OpenAPI spec?",
        ));
    }
    let mut passed = true;
    for c in &merged {
        let figures = c.figures();
        println!("OpenAPI coverage: {} ({})", figures.text(), c.spec);
        for op in c.operations.iter().filter(|o| !o.covered) {
            println!("  not covered: {}", op.operation);
        }
        if let Some(min) = args.min_coverage
            && figures.percent() < min
        {
            println!(
                "coverage gate failed: {:.1}% of the operations of {} are covered, below --min-coverage {min}%",
                figures.percent(),
                c.spec
            );
            passed = false;
        }
    }
    if passed { exit::PASSED } else { exit::FAILED }
}

fn schema() -> u8 {
    println!("{}", crate::schema_json());
    exit::PASSED
}

fn run(args: &RunArgs) -> u8 {
    let config = match config::run_config(args) {
        Ok(c) => c,
        Err(d) => return invalid(&d),
    };
    if config.paths.is_empty() {
        // Only `--rerun-failed` gets here without paths: clap requires them otherwise.
        println!("nothing to rerun: no collection failed or errored in that report");
        return exit::PASSED;
    }
    let Some((loaded, renderer)) = load_all(&config.paths, &config.load) else {
        return exit::INVALID;
    };
    if let Some(d) = preflight::report_overwrites_input(&config, &loaded.sources) {
        return invalid(&d);
    }
    // One thread: the executor's futures and hyper's connection tasks then run side by side
    // with no cross-thread wake-up per request (measured in bench/run.sh: faster than the
    // multi-threaded runtime for sequential and `parallel` steps alike).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return invalid(&Diagnostic::new(format!("cannot start the async runtime: {e}"))),
    };
    runtime.block_on(run_loaded(config, loaded, renderer))
}

async fn run_loaded(config: RunConfig, loaded: Loaded, renderer: Renderer) -> u8 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rc = RunContext {
        renderer,
        env: Arc::new(config.env.clone()),
        cli_vars: Arc::new(config.vars.iter().map(|(k, v)| (k.clone(), to_mj(v))).collect()),
        secret_names: config.secrets.clone(),
        session: config.session.clone(),
        fail_fast: config.fail_fast,
        selection: config.selection.clone(),
        stop: Arc::default(),
        dry_run: config.dry_run,
        // Reports that show passing steps in full need their exchanges kept.
        keep_exchanges: config.verbose > 0
            || config.report_json.is_some()
            || config.report_html.is_some()
            || config.curl.is_some(),
        whole_steps: config.report_json.is_some() || config.report_html.is_some(),
        update_snapshots: config.update_snapshots,
        min_coverage: config.min_coverage,
    };
    spawn_signal_handler(&rc);

    if let Some(d) = preflight::selects_nothing(&rc, &loaded.plan.collections) {
        return invalid(&d);
    }
    let mut collections: Vec<_> = loaded.plan.collections.iter().collect();
    if let Some((i, n)) = config.shard {
        // Shards split the sorted paths, so every machine agrees on them.
        collections.sort_by(|a, b| a.path.cmp(&b.path));
        collections = collections
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % n + 1 == i)
            .map(|(_, c)| c)
            .collect();
    }
    collections.retain(|c| exec::has_selected_steps(&rc, c));
    match preflight::check_var_flags(&config.var_flags, &collections) {
        Ok(warnings) => print_errors(&warnings, &Sources::default()),
        Err(d) => return invalid(&d),
    }

    let progress = Arc::new(Progress::on_stderr());
    let mut reporters = Reporters::new();
    // A report on standard output (`--report-json -`) has it to itself: what the console
    // prints goes to standard error, as Hurl does with the bodies it writes to stdout.
    let report_on_stdout = [
        &config.junit,
        &config.report_json,
        &config.report_html,
        &config.report_tap,
        &config.curl,
    ]
    .into_iter()
    .flatten()
    .any(crate::report::write::ReportFile::is_stdout);
    let choice = if config.color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    };
    let console: Box<dyn std::io::Write + Send> = if report_on_stdout {
        Box::new(anstream::AutoStream::new(std::io::stderr(), choice))
    } else {
        Box::new(anstream::AutoStream::new(std::io::stdout(), choice))
    };
    if config.dry_run {
        reporters.push(Box::new(report::OnStdout(DryRunReporter::new(console, config.color))));
    } else {
        let options = ConsoleOptions {
            color: config.color,
            quiet: config.quiet,
            verbose: config.verbose,
        };
        reporters.push(Box::new(report::OnStdout(
            ConsoleReporter::new(console, options).with_progress(progress.clone()),
        )));
    }
    add_file_reporters(&mut reporters, &config);
    if !config.dry_run {
        reporters.push(Box::new(report::SnapshotWriter::default()));
    }
    if !config.dry_run && report::github::enabled() {
        // Annotations go to stdout, where the runner reads workflow commands (it reads
        // stderr too: there when a report has stdout).
        let summary = std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from);
        let out: Box<dyn std::io::Write + Send> = if report_on_stdout {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        };
        reporters.push(Box::new(GithubReporter::new(out, summary)));
    }
    let mut report_error: Option<std::io::Error> = None;
    let mut emit = |event: &Event<'_>| {
        if let Err(e) = reporters.event(event)
            && report_error.is_none()
        {
            report_error = Some(e);
        }
    };
    let run = exec::run(&rc, &collections, &loaded.sources, config.jobs, &*progress, &mut emit).await;
    // Every request was sent: a report that cannot be written fails the run (exit 1,
    // or the run's own status), it does not say "invalid input".
    let report_failed = report_error.inspect(|e| eprintln!("error: {e}")).is_some();
    if config.dry_run {
        // `--dry-run` checks the input: a request that does not render is invalid input.
        return if run.counts().problems() > 0 {
            exit::INVALID
        } else {
            exit::PASSED
        };
    }
    if run.interrupted {
        exit::INTERRUPTED
    } else if run.success() && !report_failed {
        exit::PASSED
    } else {
        exit::FAILED
    }
}

/// The report files asked for. A dry run writes only `--curl` (the commands it
/// would send): a JUnit or JSON report of requests never sent would mislead CI.
fn add_file_reporters(reporters: &mut Reporters, config: &RunConfig) {
    if let Some(file) = &config.curl {
        reporters.push(Box::new(CurlReporter::new(file.clone())));
    }
    let files = [
        &config.junit,
        &config.report_json,
        &config.report_html,
        &config.report_tap,
    ];
    if config.dry_run {
        if files.iter().any(|f| f.is_some()) {
            eprintln!("note: --dry-run writes no --junit, --report-json, --report-html or --report-tap file");
        }
        return;
    }
    let documents: [(_, report::write::Render); 4] = [
        (&config.junit, report::junit::document),
        (&config.report_json, report::json::document),
        (&config.report_html, report::html::document),
        (&config.report_tap, report::tap::document),
    ];
    for (file, render) in documents {
        if let Some(file) = file {
            reporters.push(Box::new(FileReporter::new(file.clone(), render)));
        }
    }
}

/// The first Ctrl-C or SIGTERM stops the run: requests in flight end, no new
/// step starts, teardown runs within a short grace period and reports are
/// written. A second exits at once. Signals are taken on a thread of their
/// own, so that nothing the runtime is busy with can delay them.
fn spawn_signal_handler(rc: &RunContext) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = rc.stop.clone();
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("warning: cannot watch for Ctrl-C and SIGTERM: {e}");
            return;
        }
    };
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        for _ in signals.forever() {
            if !stop.interrupt() {
                eprintln!("\ninterrupted again: exiting now");
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
            eprintln!(
                "\ninterrupted: ending requests in flight, running teardown, writing reports (Ctrl-C again to exit now)"
            );
        }
    });
    if let Err(e) = spawned {
        eprintln!("warning: cannot watch for Ctrl-C and SIGTERM: {e}");
    }
}
