//! Checks of the run's flags against the loaded collections, before anything
//! is sent: a `--var` nothing reads, a selection that keeps nothing, a report
//! that would overwrite a file the run reads.

use std::collections::BTreeSet;

use crate::config::RunConfig;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::exec::{self, RunContext};
use crate::plan::{CollectionPlan, StepKind, StepPlan};
use crate::source::Sources;

/// Each `--var` must set a name that a template of the collections to run reads. A collection
/// key's name is an error: `--var base_url=…` looks like it changes the base URL, and does
/// nothing. Any other unread name is a warning (a typo, or a variable renamed since), with the
/// closest name that is read.
/// Returns the warnings.
pub(crate) fn check_var_flags(
    names: &[String],
    collections: &[&CollectionPlan],
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let mut warnings = Vec::new();
    // An empty shard, or a selection that keeps nothing: no collection to compare with.
    if collections.is_empty() {
        return Ok(warnings);
    }
    let read: BTreeSet<&str> = collections
        .iter()
        .flat_map(|c| &c.reads)
        .map(String::as_str)
        .filter(|n| *n != "env")
        .collect();
    for name in names.iter().filter(|n| !read.contains(n.as_str())) {
        if crate::model::COLLECTION_KEYS.contains(&name.as_str()) {
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
        if let Some(s) = did_you_mean(name, read.iter().copied()) {
            warning = warning.with_help(format!("did you mean `{s}`?"));
        }
        warnings.push(warning);
    }
    Ok(warnings)
}

/// `--tag`, `--skip-tag` or `--filter` that leave no step of any collection
/// to run: a typo there would otherwise run nothing and pass. (An empty
/// `--shard` is fine: the other shards run the steps.)
pub(crate) fn selects_nothing(rc: &RunContext, collections: &[CollectionPlan]) -> Option<Diagnostic> {
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
        let close = did_you_mean(tag, known.iter().copied())?;
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
pub(crate) fn report_overwrites_input(config: &RunConfig, sources: &Sources) -> Option<Diagnostic> {
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
