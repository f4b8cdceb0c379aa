//! The `openapi:` and `operation:` keys: read from YAML, and each request step
//! matched to an operation of its collection's spec before anything is sent.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields};
use crate::model::{Node, NodeKind, OpenApi, Step, StepOpenApi};
use crate::openapi::{Contract, Spec};
use crate::plan::StepContract;

const OPENAPI_KEYS: &[&str] = &["spec", "requests", "undeclared_status", "ignore"];

/// A collection's `openapi:`: a path, or the long form.
pub(crate) fn collection(errs: &mut Errors, node: &Node) -> Option<OpenApi> {
    if let NodeKind::Str { .. } = node.kind {
        return read::string(errs, "openapi", node).map(|spec| OpenApi {
            spec,
            requests: None,
            warn_undeclared: false,
            ignore: Vec::new(),
        });
    }
    if !matches!(node.kind, NodeKind::Map(_)) {
        errs.expected("a spec path or a map with `spec`", "openapi", node);
        return None;
    }
    let mut f = Fields::of(errs, node, "openapi", "`openapi`", OPENAPI_KEYS)?;
    let spec = f.get("spec").and_then(|n| read::string(errs, "spec", n));
    let requests = f.get("requests").and_then(|n| read::boolean(errs, "requests", n));
    let warn_undeclared = match f.get("undeclared_status") {
        None => false,
        Some(n) => match n.as_str() {
            Some("fail") => false,
            Some("warn") => true,
            _ => {
                errs.expected("`fail` or `warn`", "undeclared_status", n);
                false
            }
        },
    };
    let ignore = f
        .get("ignore")
        .and_then(|n| read::strings(errs, "ignore", n))
        .unwrap_or_default();
    f.finish(errs);
    if spec.is_none() && !f_has_spec(node) {
        errs.push(
            Diagnostic::at("`openapi` needs `spec`: the path of the OpenAPI document", node.span)
                .with_help("write `openapi: { spec: specs/api.yaml }`, or just `openapi: specs/api.yaml`"),
        );
    }
    Some(OpenApi {
        spec: spec?,
        requests,
        warn_undeclared,
        ignore,
    })
}

fn f_has_spec(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Map(entries) if entries.iter().any(|(k, _)| k.as_str() == Some("spec")))
}

/// A step's `openapi:`: `false`, or `{ requests: false }`.
pub(crate) fn step(errs: &mut Errors, node: &Node) -> Option<StepOpenApi> {
    match &node.kind {
        NodeKind::Bool(false) => Some(StepOpenApi::Off),
        NodeKind::Map(entries)
            if entries.len() == 1
                && entries[0].0.as_str() == Some("requests")
                && entries[0].1.kind == NodeKind::Bool(false) =>
        {
            Some(StepOpenApi::NoRequests)
        }
        _ => {
            errs.push(
                Diagnostic::at(
                    format!(
                        "expected `false` or `{{ requests: false }}` for a step's `openapi`, found {}",
                        read::found(node)
                    ),
                    node.span,
                )
                .with_help("the spec itself is named once, by the collection's `openapi` or by --openapi"),
            );
            None
        }
    }
}

/// The operations a collection's `ignore` names, by index.
pub(crate) fn ignored(errs: &mut Errors, spec: &Spec, model: &OpenApi) -> Vec<usize> {
    let mut out = Vec::new();
    for entry in &model.ignore {
        let found = spec.by_id(&entry.value).or_else(|| {
            spec.operations.iter().position(|o| {
                entry
                    .value
                    .split_once(' ')
                    .is_some_and(|(m, p)| m.eq_ignore_ascii_case(&o.method) && p.trim() == o.template)
            })
        });
        match found {
            Some(i) => out.push(i),
            None => {
                let names: Vec<String> = spec
                    .operations
                    .iter()
                    .flat_map(|o| o.id.clone().into_iter().chain([o.key()]))
                    .collect();
                let mut d = Diagnostic::at(
                    format!("`{}` is no operation of `{}`", entry.value, spec.name),
                    entry.span,
                );
                if let Some(m) = did_you_mean(&entry.value, names.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{m}`?"));
                } else {
                    d = d.with_help("write an operationId, or `METHOD /path` as the spec writes the path");
                }
                errs.push(d);
            }
        }
    }
    out
}

/// How a request step is checked: its `openapi:` and `operation:`, and the
/// operation its method and URL match (a `{{ template }}` segment stands for any
/// path parameter). No match is an error with the closest operation.
pub(crate) fn request_step(errs: &mut Errors, contract: Option<&Contract>, s: &Step) -> StepContract {
    let off = s.openapi == Some(StepOpenApi::Off);
    let Some(contract) = contract else {
        let key = match (&s.operation, s.openapi) {
            (Some(op), _) => Some(("operation", op.span)),
            (None, Some(_)) => s.request.as_ref().map(|r| ("openapi", r.url.span)),
            _ => None,
        };
        if let Some((key, span)) = key {
            errs.push(
                Diagnostic::at(format!("`{key}` needs an OpenAPI spec"), span)
                    .with_help("name one with the collection's `openapi: FILE`, or run with --openapi FILE"),
            );
        }
        return StepContract::default();
    };
    let mut plan = StepContract {
        enabled: !off,
        requests: contract.requests && s.openapi != Some(StepOpenApi::NoRequests),
        operation: None,
    };
    if off {
        return plan;
    }
    let spec = &contract.spec;
    if let Some(op) = &s.operation {
        match spec.by_id(&op.value) {
            Some(i) => plan.operation = Some(i),
            None => {
                let ids = spec.operations.iter().filter_map(|o| o.id.as_deref());
                let mut d = Diagnostic::at(format!("no operation `{}` in `{}`", op.value, spec.name), op.span);
                if let Some(m) = did_you_mean(&op.value, ids) {
                    d = d.with_help(format!("did you mean `{m}`?"));
                }
                errs.push(d);
            }
        }
        return plan;
    }
    let Some(r) = &s.request else {
        return plan;
    };
    let method = r.method.as_ref().map_or("GET", |m| m.value.as_str());
    if method.contains("{{") {
        return plan;
    }
    let Some(path) = static_path(&r.url.value) else {
        return plan;
    };
    if spec.find(method, &path).is_none() {
        let shown = format!("{} {}", method.to_ascii_uppercase(), r.url.value);
        let mut d = Diagnostic::at(format!("`{shown}` matches no operation of `{}`", spec.name), r.url.span);
        if let Some(op) = spec.closest(method, &path) {
            d = d.with_help(format!(
                "did you mean `{}`? (or name one with `operation:`, or leave the step out with `openapi: false`)",
                op.key()
            ));
        }
        errs.push(d);
    }
    plan
}

/// What a segment written as a template stands for when matching: no literal has it.
const ANY: &str = "\u{1}";

/// The path of a URL as written, with each `{{ template }}` segment standing for any
/// parameter; None when the path itself is not known before running.
fn static_path(url: &str) -> Option<String> {
    let mut rest = url.trim();
    if let Some(i) = rest.find("://")
        && !rest[..i].contains("{{")
    {
        rest = &rest[i + 3..];
        rest = rest.find('/').map_or("/", |j| &rest[j..]);
    } else if rest.starts_with("{{") {
        // `{{ base_url }}/pets`: the leading template is the base.
        let end = rest.find("}}")? + 2;
        rest = &rest[end..];
        if !rest.starts_with('/') {
            return None;
        }
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let path: Vec<&str> = rest
        .split('/')
        .map(|segment| if segment.contains("{{") { ANY } else { segment })
        .collect();
    let mut path = path.join("/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::static_path;

    #[test]
    fn paths_as_written_with_templates_standing_for_parameters() {
        assert_eq!(static_path("/pet/{{ id }}").unwrap(), "/pet/\u{1}");
        assert_eq!(
            static_path("/pet/findByStatus?status=sold").unwrap(),
            "/pet/findByStatus"
        );
        assert_eq!(static_path("http://h:8080/api/v3/pet").unwrap(), "/api/v3/pet");
        assert_eq!(static_path("{{ base }}/pet/{{ p.id }}").unwrap(), "/pet/\u{1}");
        assert_eq!(static_path("pet").unwrap(), "/pet");
        assert_eq!(static_path("{{ next_url }}"), None);
    }
}
