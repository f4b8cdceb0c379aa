//! Path templates → operations, with matchit (axum's router): literal
//! segments win over templated ones, as OpenAPI says.
//!
//! Parameter names are replaced by position (`/pet/{p0}`) before insertion:
//! `GET /pet/{petId}` and `DELETE /pet/{id}` are one path to matchit, which
//! refuses two routes that differ only in a parameter's name.

use std::collections::HashMap;

use super::Match;

#[derive(Debug, Default)]
pub(super) struct Router {
    paths: matchit::Router<usize>,
    /// Per path: the parameter names in order, and the operations by method.
    entries: Vec<Entry>,
    by_shape: HashMap<String, usize>,
}

#[derive(Debug)]
struct Entry {
    /// Method, operation, and its parameter names in order (each method may name them).
    methods: Vec<(String, usize, Vec<String>)>,
}

impl Router {
    /// Adds an operation. Returns an error when the template cannot be routed.
    pub(super) fn insert(&mut self, template: &str, method: &str, operation: usize) -> Result<(), String> {
        let (shape, names) = shape(template);
        let index = match self.by_shape.get(&shape) {
            Some(&i) => i,
            None => {
                let i = self.entries.len();
                self.paths.insert(shape.clone(), i).map_err(|e| e.to_string())?;
                self.entries.push(Entry { methods: Vec::new() });
                self.by_shape.insert(shape, i);
                i
            }
        };
        self.entries[index].methods.push((method.to_owned(), operation, names));
        Ok(())
    }

    pub(super) fn find(&self, method: &str, path: &str) -> Option<Match> {
        let found = self.paths.at(path).ok()?;
        let entry = &self.entries[*found.value];
        let (_, operation, names) = entry.methods.iter().find(|(m, _, _)| m == method)?;
        let params = found
            .params
            .iter()
            .filter_map(|(k, v)| {
                let i: usize = k.strip_prefix('p')?.parse().ok()?;
                Some((names.get(i)?.clone(), v.to_owned()))
            })
            .collect();
        Some(Match {
            operation: *operation,
            params,
        })
    }
}

/// `/pet/{petId}/photos` → (`/pet/{p0}/photos`, [petId]). A segment that mixes text and a
/// parameter (`{name}.json`) is routed as a parameter of its own.
fn shape(template: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let segments: Vec<String> = template
        .split('/')
        .map(|segment| {
            if segment.contains('{') {
                let name = segment
                    .split_once('{')
                    .and_then(|(_, rest)| rest.split_once('}'))
                    .map_or(segment, |(n, _)| n);
                names.push(name.to_owned());
                format!("{{p{}}}", names.len() - 1)
            } else {
                segment.replace('}', "}}")
            }
        })
        .collect();
    (segments.join("/"), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::default();
        r.insert("/pet/{petId}", "GET", 0).unwrap();
        r.insert("/pet/{id}", "DELETE", 1).unwrap();
        r.insert("/pet/findByStatus", "GET", 2).unwrap();
        r.insert("/pet/{petId}/uploadImage", "POST", 3).unwrap();
        r
    }

    #[test]
    fn literal_segments_win_over_templated_ones() {
        let r = router();
        assert_eq!(r.find("GET", "/pet/findByStatus").unwrap().operation, 2);
        let m = r.find("GET", "/pet/12").unwrap();
        assert_eq!(m.operation, 0);
        assert_eq!(m.params, vec![("petId".to_owned(), "12".to_owned())]);
    }

    #[test]
    fn one_path_with_differently_named_parameters_keeps_each_name() {
        let r = router();
        let m = r.find("DELETE", "/pet/7").unwrap();
        assert_eq!((m.operation, m.params[0].0.as_str()), (1, "id"));
        assert_eq!(r.find("POST", "/pet/7/uploadImage").unwrap().operation, 3);
        assert!(r.find("PUT", "/pet/7").is_none());
        assert!(r.find("GET", "/pets/7").is_none());
    }
}
