//! CSS selectors on HTML bodies (the `scraper` crate, html5ever's parser):
//! `form input[name=csrf]` selects elements' text, and a trailing
//! `::attr(NAME)` an attribute, as Scrapy writes it.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// A selector compiled at load, with what it reads of each element.
#[derive(Clone)]
pub struct CssQuery {
    source: String,
    selector: Arc<scraper::Selector>,
    /// The attribute read with `::attr(NAME)`; the element's text otherwise.
    attribute: Option<String>,
}

impl CssQuery {
    /// Compiles `source`; the error says what is wrong with it.
    pub(crate) fn parse(source: &str) -> Result<CssQuery, String> {
        let (selector, attribute) = match source
            .trim_end()
            .strip_suffix(')')
            .and_then(|s| s.rsplit_once("::attr("))
        {
            Some((selector, name)) if !name.trim().is_empty() => (selector, Some(name.trim().to_owned())),
            Some(_) => return Err("`::attr()` needs an attribute name, such as `::attr(value)`".to_owned()),
            None => (source, None),
        };
        let parsed = scraper::Selector::parse(selector)
            .map_err(|e| format!("invalid CSS selector `{selector}`: {}", describe(&e)))?;
        Ok(CssQuery {
            source: source.to_owned(),
            selector: Arc::new(parsed),
            attribute,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// What the selector reads in `doc`: one match as a string, several as a list, none as
    /// nothing (as a JSONPath does). Text is the element's text, trimmed.
    pub(crate) fn select(&self, doc: &scraper::Html) -> Option<Value> {
        let mut found: Vec<Value> = doc
            .select(&self.selector)
            .filter_map(|element| match &self.attribute {
                Some(name) => element.value().attr(name).map(str::to_owned),
                None => Some(element.text().collect::<String>().trim().to_owned()),
            })
            .map(Value::String)
            .collect();
        match found.len() {
            0 => None,
            1 => found.pop(),
            _ => Some(Value::Array(found)),
        }
    }
}

fn describe(e: &scraper::error::SelectorErrorKind) -> String {
    let text = e.to_string();
    if text.is_empty() {
        "it does not parse".to_owned()
    } else {
        text
    }
}

impl fmt::Debug for CssQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CssQuery({})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PAGE: &str = r#"<html><body><form action="/login">
        <input type="hidden" name="csrf" value="tok-123">
        <input name="user"></form>
        <ul><li> one </li><li>two</li></ul><p class="note">Hello <b>you</b></p></body></html>"#;

    #[test]
    fn selectors_read_text_or_an_attribute() {
        let doc = scraper::Html::parse_document(PAGE);
        let q = |s: &str| CssQuery::parse(s).unwrap().select(&doc);
        assert_eq!(q("input[name=csrf]::attr(value)"), Some(json!("tok-123")));
        assert_eq!(q("form::attr(action)"), Some(json!("/login")));
        assert_eq!(q("li"), Some(json!(["one", "two"])));
        assert_eq!(q("p.note"), Some(json!("Hello you")));
        assert_eq!(q("input[name=user]::attr(value)"), None, "no such attribute");
        assert_eq!(q("table"), None);
        assert!(
            CssQuery::parse("li[")
                .unwrap_err()
                .starts_with("invalid CSS selector `li[`")
        );
        assert!(CssQuery::parse("li::attr()").is_err());
    }

    #[test]
    fn a_query_keeps_its_source_and_says_why_it_does_not_parse() {
        let q = CssQuery::parse("form input[name=csrf]::attr(value)").unwrap();
        assert_eq!(q.as_str(), "form input[name=csrf]::attr(value)");
        assert_eq!(format!("{q:?}"), "CssQuery(form input[name=csrf]::attr(value))");
        assert_eq!(
            CssQuery::parse("li[").unwrap_err(),
            "invalid CSS selector `li[`: Unexpected EOL"
        );
        assert_eq!(
            CssQuery::parse("li::attr( )").unwrap_err(),
            "`::attr()` needs an attribute name, such as `::attr(value)`"
        );
    }
}
