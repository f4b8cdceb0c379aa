//! Coverage of a spec: which operations a run exchanged with, which declared
//! responses it received, and which statuses it saw that the spec does not
//! declare. Derived from the step outcomes (each names its operation and
//! status); `sortie coverage` merges what JSON reports recorded.

use serde::{Deserialize, Serialize};

use super::{Spec, StatusKey};

/// What one step's exchange contributes to coverage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// The spec's name (its path as shown).
    pub spec: std::sync::Arc<str>,
    pub operation: usize,
    pub status: u16,
    /// The declared response the status fell under, if any.
    pub declared: Option<StatusKey>,
}

/// The coverage of one OpenAPI spec: its operations (those not ignored), each with its
/// declared responses and the undeclared statuses received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Coverage {
    /// The spec's path as the run named it.
    pub spec: String,
    pub operations: Vec<OperationCoverage>,
    /// The spec's operation index → its place in `operations` (None when ignored).
    #[serde(skip)]
    index: Vec<Option<usize>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperationCoverage {
    /// `GET /pet/{petId}`.
    pub operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    pub covered: bool,
    /// Declared responses (`200`, `4XX`, `default`) and whether each was received.
    pub responses: Vec<ResponseCoverage>,
    /// Statuses received that the operation does not declare.
    pub undeclared: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseCoverage {
    pub status: String,
    pub covered: bool,
}

/// Covered and total counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Figures {
    pub operations: (usize, usize),
    pub responses: (usize, usize),
}

impl Figures {
    /// Operation coverage in percent (100 for a spec with no operation).
    pub(crate) fn percent(&self) -> f64 {
        let (covered, total) = self.operations;
        if total == 0 {
            100.0
        } else {
            covered as f64 * 100.0 / total as f64
        }
    }

    /// `14/20 operations, 22/41 responses`.
    pub(crate) fn text(&self) -> String {
        format!(
            "{}/{} operations, {}/{} responses",
            self.operations.0, self.operations.1, self.responses.0, self.responses.1
        )
    }
}

impl Coverage {
    /// Nothing covered yet; `ignored` operations are left out.
    pub(crate) fn new(spec: &Spec, ignored: &[usize]) -> Coverage {
        let mut index = Vec::with_capacity(spec.operations.len());
        let mut operations = Vec::new();
        for (i, op) in spec.operations.iter().enumerate() {
            if ignored.contains(&i) {
                index.push(None);
                continue;
            }
            index.push(Some(operations.len()));
            operations.push(OperationCoverage {
                operation: op.key(),
                operation_id: op.id.clone(),
                covered: false,
                responses: op
                    .responses
                    .iter()
                    .map(|r| ResponseCoverage {
                        status: r.status.text(),
                        covered: false,
                    })
                    .collect(),
                undeclared: Vec::new(),
            });
        }
        Coverage {
            spec: spec.name.to_string(),
            operations,
            index,
        }
    }

    pub(crate) fn record(&mut self, hit: &Hit) {
        let Some(op) = self
            .index
            .get(hit.operation)
            .copied()
            .flatten()
            .and_then(|i| self.operations.get_mut(i))
        else {
            return;
        };
        op.covered = true;
        match hit.declared {
            Some(key) => {
                let text = key.text();
                if let Some(r) = op.responses.iter_mut().find(|r| r.status == text) {
                    r.covered = true;
                }
            }
            None => {
                if !op.undeclared.contains(&hit.status) {
                    op.undeclared.push(hit.status);
                    op.undeclared.sort_unstable();
                }
            }
        }
    }

    pub(crate) fn figures(&self) -> Figures {
        let ops = self.operations.len();
        let covered = self.operations.iter().filter(|o| o.covered).count();
        let responses = self.operations.iter().map(|o| o.responses.len()).sum();
        let received = self
            .operations
            .iter()
            .map(|o| o.responses.iter().filter(|r| r.covered).count())
            .sum();
        Figures {
            operations: (covered, ops),
            responses: (received, responses),
        }
    }

    /// Adds another run's coverage of the same spec: covered anywhere is covered.
    pub(crate) fn merge(&mut self, other: &Coverage) {
        for theirs in &other.operations {
            match self.operations.iter_mut().find(|o| o.operation == theirs.operation) {
                Some(ours) => {
                    ours.covered |= theirs.covered;
                    for r in &theirs.responses {
                        match ours.responses.iter_mut().find(|x| x.status == r.status) {
                            Some(x) => x.covered |= r.covered,
                            None => ours.responses.push(r.clone()),
                        }
                    }
                    for s in &theirs.undeclared {
                        if !ours.undeclared.contains(s) {
                            ours.undeclared.push(*s);
                        }
                    }
                    ours.undeclared.sort_unstable();
                }
                None => self.operations.push(theirs.clone()),
            }
        }
    }
}

/// The `openapi` sections of JSON reports, merged per spec (in the order first seen).
pub(crate) fn merge_reports(paths: &[std::path::PathBuf]) -> Result<Vec<Coverage>, crate::diagnostic::Diagnostic> {
    use crate::diagnostic::Diagnostic;
    let mut merged: Vec<Coverage> = Vec::new();
    for path in paths {
        let text = crate::files::read_text(path, "the report")?;
        let mut report: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Diagnostic::new(format!("`{}` is not a JSON report: {e}", path.display())))?;
        let Some(sections) = report.get_mut("openapi").map(serde_json::Value::take) else {
            continue;
        };
        let sections: Vec<Coverage> = serde_json::from_value(sections).map_err(|e| {
            Diagnostic::new(format!(
                "the `openapi` section of `{}` cannot be read: {e}",
                path.display()
            ))
        })?;
        for c in sections {
            match merged.iter_mut().find(|m| m.spec == c.spec) {
                Some(m) => m.merge(&c),
                None => merged.push(c),
            }
        }
    }
    Ok(merged)
}
