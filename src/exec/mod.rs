//! The executor: runs a collection's steps over one session and returns
//! outcomes in declaration order, whatever order concurrent units finish in.

mod auth;
mod body;
mod causes;
mod contract;
mod flow;
mod not_run;
mod prepare;
mod request;
mod run;
pub(crate) mod scope;
mod secrets;
mod select;
mod snapshot;
mod stop;
mod verify;

use std::collections::BTreeMap;
use std::sync::Arc;

use std::time::{Duration, Instant, SystemTime};

use indexmap::IndexMap;
use minijinja::Value;

use crate::outcome::{CollectionOutcome, Phase, StepOutcome, StepStatus};
use crate::plan::{AuthPlan, CollectionPlan, StepKind, StepPlan};
use crate::redact::Redactor;
use crate::render::{Context, Renderer, to_mj};
use crate::session::{Session, SessionOptions};
use crate::source::Sources;

use self::flow::Out;
pub(crate) use self::run::run;
use self::scope::Scope;
use self::secrets::Secrets;
pub(crate) use self::stop::Stop;

/// Which steps run (`--tag`, `--skip-tag`, `--filter`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub filter: Option<String>,
}

/// What every collection of a run shares.
pub(crate) struct RunContext {
    pub renderer: Renderer,
    /// The environment, with `--env-file` values filled in.
    pub env: Arc<BTreeMap<String, String>>,
    /// `--var` and `--vars-file` values.
    pub cli_vars: Arc<IndexMap<String, Value>>,
    /// `--secret` names.
    pub secret_names: Vec<String>,
    pub session: SessionOptions,
    pub fail_fast: bool,
    pub selection: Selection,
    /// Set by `--fail-fast` after a failure, or by Ctrl-C or SIGTERM (from the
    /// signal thread): no new step starts.
    pub stop: Arc<Stop>,
    /// `--dry-run`: render each request and stop there; nothing is sent.
    pub dry_run: bool,
    /// Keep every step's exchange (request, response headers, body excerpts, curl, captures)
    /// in its outcome. When false only failed and errored steps keep them, so a long run does
    /// not hold bodies no report prints; set it when a reporter shows passing steps in full.
    pub keep_exchanges: bool,
    /// Keep passed steps whole in the collection's outcome after the live reporters saw
    /// them: the JSON and HTML reports, written from the finished run, show them in full.
    pub whole_steps: bool,
    /// `--update-snapshots`: a missing or different snapshot is written, not failed.
    pub update_snapshots: bool,
    /// `--min-coverage`: the lowest OpenAPI operation coverage (percent) that passes.
    pub min_coverage: Option<f64>,
}

impl RunContext {
    pub(crate) fn stopped(&self) -> bool {
        self.stop.stopped()
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.stop.interrupted()
    }

    /// With `--fail-fast`, stops the run because the step `name` failed or errored.
    pub(crate) fn fail_fast(&self, name: &str, status: StepStatus) {
        if self.fail_fast {
            self.stop.fail_fast(format!("'{name}' {}", status.name()));
        }
    }

    /// Why a step the stopped run never started did not run.
    pub(crate) fn not_run(&self) -> String {
        self.stop.not_run()
    }

    /// Waits `d`, or less when the run is stopped meanwhile.
    pub(crate) async fn pause(&self, d: Duration) {
        self.stop.pause(d).await;
    }
}

/// True when the selection keeps at least one step of the collection (a
/// collection with none is not run, and its setup and teardown do not run).
pub(crate) fn has_selected_steps(rc: &RunContext, plan: &CollectionPlan) -> bool {
    if plan.tags.iter().any(|t| rc.selection.skip_tags.contains(t)) {
        return false;
    }
    plan.steps.iter().any(|s| select::selected(&rc.selection, plan, s, ""))
        || plan.steps.is_empty() && rc.selection.tags.is_empty() && rc.selection.filter.is_none()
}

/// Runs one collection; `live` sees each step outcome as soon as it is final.
/// Without it the outcomes are returned whole, for reporters that see them later.
pub(crate) async fn run_collection(
    rc: &RunContext,
    plan: &CollectionPlan,
    sources: &Sources,
    live: Option<&mut dyn FnMut(&StepOutcome)>,
) -> CollectionOutcome {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut out = Out::live(live, !rc.whole_steps);
    let file = sources.get(plan.file).display.clone();
    let mut redactor = Redactor::default();
    // Names read by a credential (a captured token used as a bearer, say) are
    // secrets from the start: the response that brought the token is masked too.
    let credentials = credential_names(plan);
    let secret_names: Vec<&str> = rc
        .secret_names
        .iter()
        .chain(&plan.secrets)
        .chain(&credentials)
        .map(String::as_str)
        .collect();

    let setup_error = |message: String| {
        StepOutcome::new(
            "collection".into(),
            Phase::Setup,
            file.clone(),
            1,
            StepStatus::Errored,
            Some(message),
        )
    };

    // Secrets given on the command line or in the environment are known before any var renders.
    for name in &secret_names {
        if let Some(v) = rc.cli_vars.get(*name) {
            secrets::add_value(&mut redactor, v);
        }
        if let Some(v) = rc.env.get(secrets::env_name(name)) {
            redactor.add(v);
        }
    }
    let prepared = prepare_collection(rc, plan, &mut redactor, &secret_names).and_then(|(scope, base_url)| {
        Session::new(&plan.session, &rc.session, &crate::plan::DEFAULT_TIMEOUTS).map(|s| (scope, base_url, s))
    });
    match prepared {
        Err(message) => {
            let message = redactor.string(&message);
            out.push(setup_error(message));
        }
        Ok((scope, base_url, session)) => {
            let cx = flow::Cx {
                rc,
                plan,
                sources,
                session,
                base_url,
                secrets: Secrets::new(secret_names, redactor),
                causes: self::causes::Causes::default(),
            };
            cx.run_phases(scope, &mut out).await;
        }
    }
    CollectionOutcome {
        name: plan.name.clone(),
        path: plan.path.clone(),
        tags: plan.tags.clone(),
        steps: out.into_steps(),
        started,
        duration: clock.elapsed(),
    }
}

/// Evaluates the collection vars (top to bottom, `--var` winning) and the base URL.
fn prepare_collection(
    rc: &RunContext,
    plan: &CollectionPlan,
    redactor: &mut Redactor,
    secret_names: &[&str],
) -> Result<(Scope, Option<String>), String> {
    let mut vars: IndexMap<String, Value> = IndexMap::new();
    for (name, value) in &plan.vars {
        if rc.cli_vars.contains_key(name) {
            continue;
        }
        let ctx = Context::new(
            vec![rc.cli_vars.clone(), Arc::new(vars.clone())],
            rc.env.clone(),
            plan.dir.clone(),
        );
        let json = flow::render_value(&rc.renderer, value, &ctx).map_err(|e| format!("in `vars.{name}`: {e}"))?;
        let v = to_mj(&json);
        if secret_names.contains(&name.as_str()) {
            secrets::add_value(redactor, &v);
        }
        vars.insert(name.clone(), v);
    }
    let scope = Scope::new(vec![rc.cli_vars.clone(), Arc::new(vars)]);
    let base_url = match &plan.base_url {
        Some(t) => {
            let ctx = Context::new(scope.layers.clone(), rc.env.clone(), plan.dir.clone());
            Some(
                t.template
                    .render_string(&rc.renderer, &ctx)
                    .map_err(|e| format!("in `base_url`: {e}"))?,
            )
        }
        None => None,
    };
    Ok((scope, base_url))
}

/// The variables an auth credential or a sensitive header of the collection
/// reads (`env` aside: its values are masked when used).
fn credential_names(plan: &CollectionPlan) -> Vec<String> {
    fn steps(list: &[StepPlan], out: &mut Vec<String>) {
        for step in list {
            match &step.kind {
                StepKind::Request(r) => {
                    let templates: Vec<&crate::plan::Tpl> = match &r.auth {
                        Some(AuthPlan::Basic { password, .. } | AuthPlan::Digest { password, .. }) => vec![password],
                        Some(AuthPlan::Bearer(token)) => vec![token],
                        Some(AuthPlan::ApiKeyHeader { value, .. } | AuthPlan::ApiKeyQuery { value, .. }) => vec![value],
                        Some(AuthPlan::OAuth2 { client_secret, .. }) => vec![client_secret],
                        None => Vec::new(),
                    };
                    out.extend(templates.into_iter().flat_map(|t| t.template.variables()));
                    for (name, value) in &r.headers {
                        if crate::redact::SENSITIVE_HEADERS
                            .iter()
                            .any(|h| h.eq_ignore_ascii_case(name))
                        {
                            value.each_template(&mut |t| out.extend(t.template.variables()));
                        }
                    }
                }
                StepKind::Group(g) => steps(&g.steps, out),
                StepKind::Include(i) => steps(&i.steps, out),
            }
        }
    }
    let mut out = Vec::new();
    for list in [&plan.setup, &plan.steps, &plan.teardown] {
        steps(list, &mut out);
    }
    out.retain(|name| name != "env");
    out.sort();
    out.dedup();
    out
}
