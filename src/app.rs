//! The commands: `run`, `validate`, `list`, `schema`. Each returns an exit status.

use std::collections::BTreeSet;
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

use crate::plan::{CollectionPlan, StepKind, StepPlan};
use crate::render::{Renderer, to_mj};
use crate::report::{
    self, ConsoleOptions, ConsoleReporter, CurlReporter, DryRunReporter, FileReporter, Progress, Reporter, Reporters,
};
use crate::source::Sources;

/// Runs a parsed command line.
pub(crate) fn main(command: Command) -> u8 {
    match command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::List(args) => list(&args),
        Command::Schema => schema(),
    }
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
    let options = LoadOptions::checking(file_root);
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
    if let Some(d) = report_overwrites_input(&config, &loaded.sources) {
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
        fail_fast_cause: std::sync::Mutex::default(),
        dry_run: config.dry_run,
        // Reports that show passing steps in full need their exchanges kept.
        keep_exchanges: config.verbose > 0
            || config.report_json.is_some()
            || config.report_html.is_some()
            || config.curl.is_some(),
        whole_steps: config.report_json.is_some() || config.report_html.is_some(),
    };
    spawn_signal_handler(&rc);

    if let Some(d) = selects_nothing(&rc, &loaded.plan.collections) {
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
    if let Err(d) = check_var_flags(&config.var_flags, &collections) {
        return invalid(&d);
    }

    let progress = Arc::new(Progress::on_stderr());
    let mut reporters = Reporters::new();
    let stdout = anstream::AutoStream::new(
        std::io::stdout(),
        if config.color {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        },
    );
    if config.dry_run {
        reporters.push(Box::new(OnStdout(DryRunReporter::new(stdout, config.color))));
    } else {
        let options = ConsoleOptions {
            color: config.color,
            quiet: config.quiet,
            verbose: config.verbose,
        };
        reporters.push(Box::new(OnStdout(
            ConsoleReporter::new(stdout, options).with_progress(progress.clone()),
        )));
    }
    add_file_reporters(&mut reporters, &config);
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

/// Each `--var` must set a name that a template of the collections to run reads. A collection
/// key's name is an error: `--var base_url=…` looks like it changes the base URL, and does
/// nothing. Any other unread name is a warning (a typo, or a variable renamed since), with the
/// closest name that is read.
fn check_var_flags(names: &[String], collections: &[&CollectionPlan]) -> Result<(), Diagnostic> {
    // An empty shard, or a selection that keeps nothing: no collection to compare with.
    if collections.is_empty() {
        return Ok(());
    }
    let read: BTreeSet<&str> = collections
        .iter()
        .flat_map(|c| &c.reads)
        .map(String::as_str)
        .filter(|n| *n != "env")
        .collect();
    for name in names.iter().filter(|n| !read.contains(n.as_str())) {
        if crate::load::collection::COLLECTION_KEYS.contains(&name.as_str()) {
            let help = match name.as_str() {
                "base_url" => "set `base_url:` in the collection; to choose it when running, make it read a \
                               variable or the environment: `base_url: \"{{ api_url }}\"` with \
                               `--var api_url=…`, or `base_url: \"{{ env.API_URL }}\"`"
                    .to_owned(),
                "secrets" => "name secrets with `--secret NAME`, or in the collection's `secrets:` list".to_owned(),
                "tags" => "run the collections or steps tagged T with `--tag T`".to_owned(),
                "vars" => "set one variable with `--var NAME=VALUE`".to_owned(),
                key => format!("set `{key}:` in the collection"),
            };
            return Err(Diagnostic::new(format!(
                "`{name}` is a collection key, not a variable: `--var {name}=…` would change nothing"
            ))
            .with_help(help));
        }
        let mut warning = Diagnostic {
            warning: true,
            ..Diagnostic::new(format!("--var {name} is not used by any collection"))
        };
        if let Some(s) = crate::diagnostic::did_you_mean(name, read.iter().copied()) {
            warning = warning.with_help(format!("did you mean `{s}`?"));
        }
        print_errors(&[warning], &Sources::default());
    }
    Ok(())
}

/// `--tag`, `--skip-tag` or `--filter` that leave no step of any collection
/// to run: a typo there would otherwise run nothing and pass. (An empty
/// `--shard` is fine: the other shards run the steps.)
fn selects_nothing(rc: &RunContext, collections: &[CollectionPlan]) -> Option<Diagnostic> {
    let s = &rc.selection;
    if s.tags.is_empty() && s.skip_tags.is_empty() && s.filter.is_none() {
        return None;
    }
    if collections.iter().any(|c| exec::has_selected_steps(rc, c)) {
        return None;
    }
    let mut flags: Vec<String> = s.tags.iter().map(|t| format!("--tag {t}")).collect();
    flags.extend(s.skip_tags.iter().map(|t| format!("--skip-tag {t}")));
    flags.extend(s.filter.iter().map(|f| format!("--filter {f:?}")));
    let message = format!(
        "{} {} no step to run in {}",
        flags.join(" "),
        if flags.len() == 1 { "leaves" } else { "leave" },
        crate::text::count(collections.len(), "collection")
    );
    let mut known: Vec<&str> = Vec::new();
    for c in collections {
        known.extend(c.tags.iter().map(String::as_str));
        all_step_tags(&c.steps, &mut known);
    }
    known.sort_unstable();
    known.dedup();
    // The likeliest slip first: a tag one edit away, a filter in another case.
    let close_tag = s.tags.iter().find_map(|tag| {
        let close = crate::diagnostic::did_you_mean(tag, known.iter().copied())?;
        (!known.contains(&tag.as_str()))
            .then(|| format!("no collection or step is tagged `{tag}`: did you mean `{close}`?"))
    });
    let other_case = s.filter.as_ref().and_then(|filter| {
        let lower = filter.to_lowercase();
        collections.iter().find_map(|c| {
            c.steps
                .iter()
                .map(|step| format!("{} / {}", c.name, step.name.template.source()))
                .find(|name| name.to_lowercase().contains(&lower))
                .map(|name| format!("--filter is case-sensitive: `{name}` matches in another case"))
        })
    });
    let help = close_tag.or(other_case).unwrap_or_else(|| {
        "`sortie list PATH` shows every collection and step with its tags; --filter keeps the steps \
         whose `collection name / step name` contains its text"
            .to_owned()
    });
    Some(Diagnostic::new(message).with_help(help))
}

fn all_step_tags<'a>(steps: &'a [StepPlan], out: &mut Vec<&'a str>) {
    for step in steps {
        out.extend(step.tags.iter().map(String::as_str));
        match &step.kind {
            StepKind::Group(g) => all_step_tags(&g.steps, out),
            StepKind::Include(i) => all_step_tags(&i.steps, out),
            StepKind::Request(_) => {}
        }
    }
}

/// A report path that names a file the collections read (an included file: the collection
/// files themselves and the files flags name are checked with the flags).
fn report_overwrites_input(config: &RunConfig, sources: &Sources) -> Option<Diagnostic> {
    let reports = [&config.junit, &config.report_json, &config.report_html, &config.curl];
    sources.iter().find_map(|file| {
        let report = reports.into_iter().flatten().find(|r| r.target == file.path)?;
        Some(
            Diagnostic::new(format!(
                "{} `{}` is `{}`, which the run reads",
                report.flag,
                report.given.display(),
                file.display
            ))
            .with_help("a report would overwrite it: choose another path"),
        )
    })
}

/// A reporter that writes to standard output. A closed standard output (`sortie run … |
/// head -1`) ends nothing: the run goes on, the report files are written, and the exit
/// status is the run's. Any other failure says it was standard output.
struct OnStdout<R>(R);

impl<R: Reporter> Reporter for OnStdout<R> {
    fn event(&mut self, event: &Event<'_>) -> std::io::Result<()> {
        match self.0.event(event) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("cannot write to standard output: {}", crate::files::io_reason(&e)),
            )),
            Ok(()) => Ok(()),
        }
    }
}

/// The report files asked for. A dry run writes only `--curl` (the commands it
/// would send): a JUnit or JSON report of requests never sent would mislead CI.
fn add_file_reporters(reporters: &mut Reporters, config: &RunConfig) {
    if let Some(file) = &config.curl {
        reporters.push(Box::new(CurlReporter::new(file.clone())));
    }
    let files = [&config.junit, &config.report_json, &config.report_html];
    if config.dry_run {
        if files.iter().any(|f| f.is_some()) {
            eprintln!("note: --dry-run writes no --junit, --report-json or --report-html file");
        }
        return;
    }
    let documents: [(_, report::write::Render); 3] = [
        (&config.junit, report::junit::document),
        (&config.report_json, report::json::document),
        (&config.report_html, report::html::document),
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
