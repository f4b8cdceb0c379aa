//! The executor: runs a collection's steps over one session and returns
//! outcomes in declaration order, whatever order concurrent units finish in.

mod flow;
mod prepare;
mod request;
pub mod scope;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use indexmap::IndexMap;
use minijinja::Value;

use crate::outcome::{CollectionOutcome, Phase, StepOutcome, StepStatus};
use crate::plan::CollectionPlan;
use crate::redact::Redactor;
use crate::render::{Context, Renderer, to_mj};
use crate::session::{Session, SessionOptions};
use crate::source::Sources;

use self::flow::Out;
use self::scope::Scope;

/// Which steps run (`--tag`, `--skip-tag`, `--filter`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub filter: Option<String>,
}

/// What every collection of a run shares.
pub struct RunContext {
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
    /// Set on Ctrl-C, or by `--fail-fast` after a failure: no new step starts.
    pub stop: Arc<AtomicBool>,
    /// Keep every step's exchange (request, response headers, body excerpts, curl, captures)
    /// in its outcome. When false only failed and errored steps keep them, so a long run does
    /// not hold bodies no report prints; set it when a reporter shows passing steps in full.
    pub keep_exchanges: bool,
}

impl RunContext {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Runs one collection; `live` sees each step outcome as soon as it is final.
pub async fn run_collection(
    rc: &RunContext,
    plan: &CollectionPlan,
    sources: &Sources,
    live: &mut dyn FnMut(&StepOutcome),
) -> CollectionOutcome {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut out = Out::live(live);
    let file = sources.get(plan.file).display.clone();
    let mut redactor = Redactor::default();
    let secret_names: Vec<&str> = rc
        .secret_names
        .iter()
        .chain(&plan.secrets)
        .map(String::as_str)
        .collect();

    let setup_error = |message: String| StepOutcome {
        name: "collection".into(),
        phase: Phase::Setup,
        line: 1,
        file: file.clone(),
        status: StepStatus::Errored,
        message: Some(message),
        failures: Vec::new(),
        request: None,
        response: None,
        duration: Duration::ZERO,
        attempts: 0,
        captures: Vec::new(),
    };

    // Secrets given on the command line are known before any var renders.
    for name in &secret_names {
        if let Some(v) = rc.cli_vars.get(*name) {
            add_secret(&mut redactor, v);
        }
    }
    let prepared = prepare_collection(rc, plan, &mut redactor, &secret_names).and_then(|(scope, base_url)| {
        Session::new(&plan.session, &rc.session, &crate::load::request::DEFAULT_TIMEOUTS).map(|s| (scope, base_url, s))
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
                secret_names,
                redactor: std::sync::Mutex::new(redactor),
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
            add_secret(redactor, &v);
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

/// Adds a variable's value (its text, or each string inside it) as a secret.
pub(crate) fn add_secret(redactor: &mut Redactor, v: &Value) {
    if let Some(s) = v.as_str() {
        redactor.add(s);
    } else if let Ok(json) = crate::render::to_json(v) {
        match json {
            serde_json::Value::String(s) => redactor.add(&s),
            serde_json::Value::Null => {}
            serde_json::Value::Number(n) => redactor.add(&n.to_string()),
            other => redactor.add(&other.to_string()),
        }
    }
}
