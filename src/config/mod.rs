//! Command-line arguments, the environment and vars files → [`RunConfig`].
//! The only code that sees clap types.

mod outputs;
mod rerun;

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;

use crate::cli::{ColorChoice, RunArgs};
use crate::diagnostic::{Diagnostic, Masks};
use crate::exec::Selection;
use crate::report::write::ReportFile;
use crate::session::SessionOptions;
use crate::source::Sources;
use crate::text::parse_duration;
use crate::yaml;

/// What loading needs besides the paths.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Files read by a collection must resolve inside this folder.
    pub file_root: PathBuf,
    /// `--timeout`: the default total timeout of every request.
    pub timeout: Option<Duration>,
    /// The names `--var` and `--vars-file` give: templates may read them.
    pub given_vars: Vec<String>,
    /// `--secret` names.
    pub secrets: Vec<String>,
    /// The values of `--secret` variables given before loading (by `--var`, `--vars-file`
    /// or the environment), each with the flag that made it secret: masked in diagnostics.
    pub secret_values: Vec<(String, String)>,
    /// The names the environment (with `--env-file`) defines.
    pub env_names: std::collections::BTreeSet<String>,
    /// `--openapi`: the spec of every collection that names none.
    pub openapi: Option<PathBuf>,
}

impl LoadOptions {
    /// Options for `validate` and `list`: no variables given, the process environment.
    pub fn checking(file_root: PathBuf) -> LoadOptions {
        LoadOptions {
            file_root,
            timeout: None,
            given_vars: Vec::new(),
            secrets: Vec::new(),
            secret_values: Vec::new(),
            env_names: std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).collect(),
            openapi: None,
        }
    }
}

/// The default response body cap: 16 MiB after decompression.
pub(crate) const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

/// Everything a run needs, with no clap type left.
#[derive(Debug, Clone)]
pub(crate) struct RunConfig {
    pub paths: Vec<PathBuf>,
    pub load: LoadOptions,
    pub vars: IndexMap<String, serde_json::Value>,
    /// The names given with `--var`, in order (a vars file may hold names a collection
    /// does not read; a `--var` was typed for one).
    pub var_flags: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    pub junit: Option<ReportFile>,
    pub report_json: Option<ReportFile>,
    pub report_html: Option<ReportFile>,
    pub report_tap: Option<ReportFile>,
    pub curl: Option<ReportFile>,
    /// Render every request, send nothing.
    pub dry_run: bool,
    pub fail_fast: bool,
    /// `--update-snapshots`.
    pub update_snapshots: bool,
    /// Collections run at once.
    pub jobs: usize,
    pub selection: Selection,
    /// (index 1-based, count)
    pub shard: Option<(usize, usize)>,
    pub session: SessionOptions,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
    /// `--min-coverage`: the lowest OpenAPI operation coverage (percent) that passes.
    pub min_coverage: Option<f64>,
}

/// Builds the run's configuration; an error is invalid input (exit 2).
pub(crate) fn run_config(args: &RunArgs) -> Result<RunConfig, Diagnostic> {
    let file_root = file_root(args.file_root.as_deref())?;
    let timeout = match &args.timeout {
        // A bare number is seconds on the command line, as in curl (milliseconds in a collection).
        Some(t) => Some(
            t.trim()
                .parse()
                .ok()
                .map(Duration::from_secs)
                .or_else(|| parse_duration(t))
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    Diagnostic::new(format!("invalid value `{t}` for --timeout"))
                        .with_help("write a duration above zero such as `30s` or `1m`")
                })?,
        ),
        None => None,
    };
    check_tls_and_proxy(args)?;
    let max_body = match &args.max_body {
        Some(s) => parse_size(s).ok_or_else(|| {
            Diagnostic::new(format!("invalid value `{s}` for --max-body"))
                .with_help("write a size such as `64MiB`, `512KiB` or a number of bytes")
        })?,
        None => DEFAULT_MAX_BODY,
    };
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for file in &args.env_file {
        env.extend(env_file(file)?);
    }
    // The real environment wins over env files, as with dotenv.
    env.extend(std::env::vars());
    let mut flags = IndexMap::new();
    let mut var_flags = Vec::with_capacity(args.vars.len());
    for kv in &args.vars {
        let (k, v) = kv
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| Diagnostic::new(format!("invalid --var `{kv}`")).with_help("write --var NAME=VALUE"))?;
        flags.insert(k.trim().to_owned(), serde_json::Value::String(v.to_owned()));
        var_flags.push(k.trim().to_owned());
    }
    // A vars file that cannot be read is quoted in its error: with every secret known so far
    // masked, and the values of the keys `--secret` names.
    let mut masks = Masks {
        keys: args.secrets.clone(),
        ..Masks::default()
    };
    let mut secret_values = secret_values(&args.secrets, &flags, &env);
    let mut vars = IndexMap::new();
    for file in &args.vars_file {
        for (_, value) in &secret_values {
            masks.redactor.add(value);
        }
        let read = vars_file(file, &masks)?;
        secret_values.extend(secret_values_of(&args.secrets, &read));
        vars.extend(read);
    }
    vars.extend(flags);
    secret_values.dedup();
    let shard = match &args.shard {
        Some(s) => Some(parse_shard(s)?),
        None => None,
    };
    // The console goes to standard error when a report has standard output (`-`).
    let report_on_stdout = [
        &args.junit,
        &args.report_json,
        &args.report_html,
        &args.report_tap,
        &args.curl,
    ]
    .into_iter()
    .flatten()
    .any(|p| p.as_os_str() == "-");
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let terminal = if report_on_stdout {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal
        }
    };
    let paths = match &args.rerun_failed {
        Some(report) => rerun::rerun_paths(report, &args.paths, &file_root)?,
        None => args.paths.clone(),
    };
    let [junit, report_json, report_html, report_tap, curl] = report_files(args, &paths)?;
    Ok(RunConfig {
        paths,
        load: LoadOptions {
            file_root,
            timeout,
            given_vars: vars.keys().cloned().collect(),
            secrets: args.secrets.clone(),
            secret_values,
            env_names: env.keys().cloned().collect(),
            openapi: args.openapi.clone(),
        },
        vars,
        var_flags,
        env,
        secrets: args.secrets.clone(),
        junit,
        report_json,
        report_html,
        report_tap,
        curl,
        dry_run: args.dry_run,
        fail_fast: args.fail_fast,
        update_snapshots: args.update_snapshots,
        jobs: usize::from(args.jobs),
        selection: Selection {
            tags: args.tags.clone(),
            skip_tags: args.skip_tags.clone(),
            filter: args.filter.clone(),
        },
        shard,
        session: SessionOptions {
            insecure: args.insecure,
            cacert: args.cacert.clone(),
            client_cert: args.cert.clone().zip(args.key.clone()),
            proxy: args.proxy.clone(),
            max_body,
        },
        color,
        quiet: args.quiet,
        verbose: args.verbose,
        min_coverage: args.min_coverage,
    })
}

/// `--cacert`, `--cert`/`--key` and `--proxy` are read and parsed before anything is sent:
/// a file that holds no certificate, a key that does not match its form or a proxy Sortie
/// cannot use is invalid input, not an error of every step (nor a silent direct connection).
fn check_tls_and_proxy(args: &RunArgs) -> Result<(), Diagnostic> {
    let read = |flag: &str, path: &Path| {
        crate::files::read(path).map_err(|e| {
            Diagnostic::new(format!(
                "cannot read {flag} `{}`: {}",
                path.display(),
                crate::files::io_reason(&e)
            ))
        })
    };
    if let Some(path) = &args.cacert {
        let pem = read("--cacert", path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default();
        if certs.is_empty() {
            return Err(
                Diagnostic::new(format!("--cacert `{}` holds no PEM certificate", path.display()))
                    .with_help("give a file of `-----BEGIN CERTIFICATE-----` blocks"),
            );
        }
    }
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        let mut pem = read("--cert", cert)?;
        pem.push(b'\n');
        pem.extend(read("--key", key)?);
        reqwest::Identity::from_pem(&pem).map_err(|_| {
            Diagnostic::new(format!(
                "--cert `{}` and --key `{}` are not a PEM certificate and its private key",
                cert.display(),
                key.display()
            ))
        })?;
    }
    if let Some(proxy) = &args.proxy {
        let bad = |why: &str| {
            Diagnostic::new(format!("invalid --proxy `{proxy}`: {why}"))
                .with_help("write http://HOST:PORT or https://HOST:PORT")
        };
        // `host:3128` means http://host:3128, as with curl.
        let url = if proxy.contains("://") {
            proxy.clone()
        } else {
            format!("http://{proxy}")
        };
        let parsed = url::Url::parse(&url).map_err(|e| bad(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad(&format!("a `{}` proxy is not supported", parsed.scheme())));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no host"));
        }
        reqwest::Proxy::all(url.as_str()).map_err(|e| bad(&e.to_string()))?;
    }
    Ok(())
}

/// The report files asked for, checked before anything is sent (see [`outputs`]): the
/// files a dry run does not write are not checked.
fn report_files(args: &RunArgs, paths: &[PathBuf]) -> Result<[Option<ReportFile>; 5], Diagnostic> {
    let documents = |p: &Option<PathBuf>| if args.dry_run { None } else { p.clone() };
    let asked = [
        ("--junit", documents(&args.junit)),
        ("--report-json", documents(&args.report_json)),
        ("--report-html", documents(&args.report_html)),
        ("--report-tap", documents(&args.report_tap)),
        ("--curl", args.curl.clone()),
    ];
    let mut inputs: Vec<(String, PathBuf)> = Vec::new();
    // A path that cannot be read is reported by the loader, with its own words.
    for file in crate::files::discover(paths).unwrap_or_default() {
        inputs.push((format!("the collection `{}`", file.display()), file));
    }
    let named = [
        ("--vars-file", &args.vars_file[..]),
        ("--env-file", &args.env_file[..]),
        ("--cacert", args.cacert.as_slice()),
        ("--cert", args.cert.as_slice()),
        ("--key", args.key.as_slice()),
    ];
    for (flag, files) in named {
        for file in files {
            inputs.push((format!("the {flag} file"), file.clone()));
        }
    }
    let inputs: Vec<(String, &Path)> = inputs.iter().map(|(w, p)| (w.clone(), p.as_path())).collect();
    // `-` is standard output: no file to check, and room for one document only.
    let dash = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let on_stdout: Vec<&'static str> = asked.iter().filter(|(_, p)| dash(p)).map(|(f, _)| *f).collect();
    if on_stdout.len() > 1 {
        return Err(Diagnostic::new(format!(
            "{} both ask for standard output (`-`)",
            on_stdout.join(" and ")
        ))
        .with_help("one report can go to standard output; write the others to files"));
    }
    let files: Vec<(&'static str, Option<&PathBuf>)> = asked
        .iter()
        .map(|(f, p)| (*f, p.as_ref().filter(|p| p.as_os_str() != "-")))
        .collect();
    let mut checked = outputs::check(&files, &inputs)?;
    for (slot, (flag, path)) in checked.iter_mut().zip(&asked) {
        if dash(path) {
            *slot = Some(ReportFile::at(flag, "-"));
        }
    }
    if args.dry_run {
        // Named only to say that a dry run does not write them.
        let flags = ["--junit", "--report-json", "--report-html", "--report-tap"];
        let given = [&args.junit, &args.report_json, &args.report_html, &args.report_tap];
        for ((slot, flag), path) in checked.iter_mut().zip(flags).zip(given) {
            *slot = path.as_ref().map(|p| ReportFile::at(flag, p));
        }
    }
    let mut checked = checked.into_iter();
    Ok(std::array::from_fn(|_| checked.next().flatten()))
}

pub(crate) fn file_root(given: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    let root = match given {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().map_err(|e| Diagnostic::new(format!("cannot read the current folder: {e}")))?,
    };
    if !root.is_dir() {
        return Err(Diagnostic::new(format!(
            "--file-root `{}` is not a folder",
            root.display()
        )));
    }
    Ok(root)
}

/// `16MiB`, `512KiB`, `10MB`, `1GiB`, or a number of bytes.
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1000 * 1000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1000 * 1000 * 1000,
        "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let total = n * mult as f64;
    (1.0..1e15).contains(&total).then_some(total as u64)
}

/// `I/N`, 1-based; `I` outside 1..=N is invalid.
pub(crate) fn parse_shard(s: &str) -> Result<(usize, usize), Diagnostic> {
    let bad =
        || Diagnostic::new(format!("invalid --shard `{s}`")).with_help("write I/N with 1 ≤ I ≤ N, e.g. --shard 2/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The values `--secret` names in the environment and in `vars` (every string
/// and number inside a map or list), each with its flag.
fn secret_values(
    secrets: &[String],
    vars: &IndexMap<String, serde_json::Value>,
    env: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut out = secret_values_of(secrets, vars);
    for name in secrets {
        if let Some(v) = env.get(name.strip_prefix("env.").unwrap_or(name)) {
            out.push((format!("--secret {name}"), v.clone()));
        }
    }
    out
}

fn secret_values_of(secrets: &[String], vars: &IndexMap<String, serde_json::Value>) -> Vec<(String, String)> {
    fn leaves(v: &serde_json::Value, label: &str, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => out.push((label.to_owned(), s.clone())),
            serde_json::Value::Number(n) => out.push((label.to_owned(), n.to_string())),
            serde_json::Value::Array(items) => items.iter().for_each(|i| leaves(i, label, out)),
            serde_json::Value::Object(map) => map.values().for_each(|i| leaves(i, label, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for name in secrets {
        if let Some(v) = vars.get(name) {
            leaves(v, &format!("--secret {name}"), &mut out);
        }
    }
    out
}

/// A YAML or JSON mapping of variables.
fn vars_file(path: &Path, masks: &Masks) -> Result<IndexMap<String, serde_json::Value>, Diagnostic> {
    let text = crate::files::read_text(path, "--vars-file")?;
    let mut sources = Sources::default();
    let file = sources.add(path.display().to_string(), path.to_path_buf(), text.as_str().into());
    let render = |d: Diagnostic| {
        Diagnostic::new(
            d.render_masked(&sources, masks)
                .trim_start_matches("error: ")
                .trim_end()
                .to_owned(),
        )
    };
    let node = yaml::parse(file, &text).map_err(render)?;
    match node.to_json() {
        serde_json::Value::Object(map) => Ok(map.into_iter().collect()),
        _ => Err(Diagnostic::new(format!(
            "--vars-file `{}` must hold a mapping of names to values",
            path.display()
        ))),
    }
}

/// Dotenv lines, read by dotenvy as dotenv users expect: `NAME=value`,
/// `export NAME=value`, `#` comments (also after a value, `A=1 # note`), single
/// quotes taken literally, double quotes with escapes (`\n`, `\"`), `${A}` and
/// `$A` expanded from the environment or the lines above.
pub(crate) fn env_file(path: &Path) -> Result<Vec<(String, String)>, Diagnostic> {
    let text = crate::files::read_text(path, "--env-file")?;
    let mut out = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        let (name, value) = item.map_err(|e| env_file_error(path, &text, &e))?;
        out.push((name, value));
    }
    Ok(out)
}

/// Where a dotenv file went wrong; the line itself is not quoted, since it may hold a secret.
fn env_file_error(path: &Path, text: &str, error: &dotenvy::Error) -> Diagnostic {
    match error {
        dotenvy::Error::LineParse(line, index) => {
            let start = text.find(line.as_str()).unwrap_or(0);
            let number = text[..start].matches('\n').count() + 1;
            Diagnostic::new(format!(
                "--env-file `{}`:{number}: not a dotenv line (column {})",
                path.display(),
                index + 1
            ))
            .with_help("write NAME=value; quote a value with spaces or `#`: NAME=\"a # b\"")
        }
        other => Diagnostic::new(format!("--env-file `{}`: {other}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Some(16 * 1024 * 1024));
        assert_eq!(parse_size("10 KB"), Some(10_000));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("lots"), None);
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/4").unwrap(), (2, 4));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
    }
}
