//! XPath 1.0 on XML bodies: `roxmltree` parses (namespaces; no DTD, so no
//! entity expansion), `xpath-eval` evaluates over the tree through its
//! `Document`/`Node` traits, implemented here.
//!
//! A prefix in an expression (`soap:Body`) means the namespace the body
//! itself binds that prefix to, at its first declaration in document order.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use xpath_eval::{ExpandedName, Expr, NodeKind, PathExpr, PrimaryExpr};

/// An expression compiled at load.
#[derive(Clone)]
pub struct XPathQuery {
    source: String,
    expr: Arc<Expr>,
    /// A node-set expression reads text: an expected `5` is compared as `"5"`.
    nodes: bool,
}

/// The core function library (XPath 1.0 §4): name, fewest and most arguments.
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("last", 0, 0),
    ("position", 0, 0),
    ("count", 1, 1),
    ("id", 1, 1),
    ("local-name", 0, 1),
    ("namespace-uri", 0, 1),
    ("name", 0, 1),
    ("string", 0, 1),
    ("concat", 2, usize::MAX),
    ("starts-with", 2, 2),
    ("contains", 2, 2),
    ("substring-before", 2, 2),
    ("substring-after", 2, 2),
    ("substring", 2, 3),
    ("string-length", 0, 1),
    ("normalize-space", 0, 1),
    ("translate", 3, 3),
    ("boolean", 1, 1),
    ("not", 1, 1),
    ("true", 0, 0),
    ("false", 0, 0),
    ("lang", 1, 1),
    ("number", 0, 1),
    ("sum", 1, 1),
    ("floor", 1, 1),
    ("ceiling", 1, 1),
    ("round", 1, 1),
];

impl XPathQuery {
    /// Compiles `source`; the error says what is wrong with it. Unknown functions,
    /// wrong argument counts and variables are refused here, not when a body comes.
    pub(crate) fn parse(source: &str) -> Result<XPathQuery, String> {
        let expr = xpath_eval::parse(source).map_err(|e| format!("invalid XPath `{source}`: {}", e.message))?;
        check(&expr).map_err(|msg| format!("invalid XPath `{source}`: {msg}"))?;
        Ok(XPathQuery {
            source: source.to_owned(),
            nodes: is_node_set(&expr),
            expr: Arc::new(expr),
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the expression selects nodes (compared as text).
    pub(crate) fn selects_nodes(&self) -> bool {
        self.nodes
    }

    /// What the expression reads in `doc`: one node as its string value, several as a
    /// list, none as nothing (as a JSONPath does); a number, boolean or string as itself.
    pub(crate) fn select(&self, doc: &XmlDoc<'_>) -> Result<Option<Value>, String> {
        use xpath_eval::Document as _;
        let prefixes = |prefix: &str| doc.prefix_uri(prefix);
        let mut ctx = xpath_eval::EvaluationContext::new(doc.root());
        ctx.namespaces = Some(&prefixes);
        let value = xpath_eval::evaluate(&self.expr, &ctx).map_err(|e| format!("XPath `{}`: {e}", self.source))?;
        Ok(match value {
            xpath_eval::Value::NodeSet(nodes) => {
                let mut found: Vec<Value> = nodes
                    .into_iter()
                    .map(|n| Value::String(xpath_eval::Node::string_value(n)))
                    .collect();
                match found.len() {
                    0 => None,
                    1 => found.pop(),
                    _ => Some(Value::Array(found)),
                }
            }
            xpath_eval::Value::Boolean(b) => Some(Value::Bool(b)),
            xpath_eval::Value::String(s) => Some(Value::String(s)),
            xpath_eval::Value::Number(n) => Some(number(n)),
        })
    }
}

/// An integral number is a JSON integer (`count()` is `3`, not `3.0`); NaN and the
/// infinities, which JSON lacks, are their XPath string.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or_else(
            || Value::String(xpath_eval::Value::<XNode<'_>>::Number(n).to_xpath_string()),
            Value::Number,
        )
    }
}

fn check(expr: &Expr) -> Result<(), String> {
    match expr {
        Expr::Or(a, b)
        | Expr::And(a, b)
        | Expr::Equality(a, _, b)
        | Expr::Relational(a, _, b)
        | Expr::Additive(a, _, b)
        | Expr::Multiplicative(a, _, b) => check(a).and_then(|()| check(b)),
        Expr::Union(a, b) if !(is_node_set(a) && is_node_set(b)) => Err("`|` joins node-sets only".to_owned()),
        Expr::Union(a, b) => check(a).and_then(|()| check(b)),
        Expr::Negate(a) => check(a),
        Expr::Path(PathExpr::Location(l)) => check_path(l),
        Expr::Path(PathExpr::Filter(f)) => check_filter(f),
        Expr::Path(PathExpr::FilterLocation(f, _)) if !primary_is_node_set(&f.primary) => {
            Err("a path continues from a node-set only".to_owned())
        }
        Expr::Path(PathExpr::FilterLocation(f, l)) => check_filter(f).and_then(|()| check_path(l)),
    }
}

fn check_path(l: &xpath_eval::LocationPath) -> Result<(), String> {
    l.steps.iter().flat_map(|s| &s.predicates).try_for_each(check)
}

fn check_filter(f: &xpath_eval::FilterExpr) -> Result<(), String> {
    if !f.predicates.is_empty() && !primary_is_node_set(&f.primary) {
        return Err("a predicate `[...]` filters a node-set only".to_owned());
    }
    f.predicates.iter().try_for_each(check)?;
    match &f.primary {
        PrimaryExpr::Variable(name) => Err(format!("variables such as `${}` are not supported", name.local)),
        PrimaryExpr::Parenthesized(e) => check(e),
        PrimaryExpr::Literal(_) | PrimaryExpr::Number(_) => Ok(()),
        PrimaryExpr::Function(call) => {
            let name = match &call.name.prefix {
                Some(p) => format!("{p}:{}", call.name.local),
                None => call.name.local.clone(),
            };
            let Some(&(_, min, max)) = FUNCTIONS.iter().find(|(f, _, _)| *f == name) else {
                return Err(format!("unknown function `{name}()`"));
            };
            let got = call.args.len();
            if got < min || got > max {
                let wanted = match (min, max) {
                    (m, n) if m == n => format!("{m}"),
                    (m, usize::MAX) => format!("at least {m}"),
                    (m, n) => format!("{m} to {n}"),
                };
                return Err(format!("`{name}()` takes {wanted} argument(s), not {got}"));
            }
            // The evaluator would refuse these only once a body comes.
            if matches!(name.as_str(), "count" | "sum" | "local-name" | "namespace-uri" | "name")
                && call.args.first().is_some_and(|a| !is_node_set(a))
            {
                return Err(format!("`{name}()` takes a node-set, such as `{name}(//item)`"));
            }
            call.args.iter().try_for_each(check)
        }
    }
}

fn is_node_set(expr: &Expr) -> bool {
    match expr {
        Expr::Union(..) => true,
        Expr::Path(PathExpr::Location(_) | PathExpr::FilterLocation(..)) => true,
        Expr::Path(PathExpr::Filter(f)) => primary_is_node_set(&f.primary),
        _ => false,
    }
}

fn primary_is_node_set(p: &PrimaryExpr) -> bool {
    match p {
        PrimaryExpr::Parenthesized(e) => is_node_set(e),
        PrimaryExpr::Function(call) => call.name.prefix.is_none() && call.name.local == "id",
        _ => false,
    }
}

impl fmt::Debug for XPathQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XPathQuery({})", self.source)
    }
}

/// The deepest nesting of an XML body that XPath queries (the root counts).
const MAX_XML_DEPTH: usize = 512;

/// A parsed XML body.
pub(crate) struct XmlDoc<'input> {
    doc: roxmltree::Document<'input>,
}

impl<'input> XmlDoc<'input> {
    /// Parses `body`; the error says where it is not well-formed (`line:col`).
    pub(crate) fn parse(body: &'input [u8]) -> Result<XmlDoc<'input>, String> {
        let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8 text: {e}"))?;
        // No DTD: no entity expansion, so no "billion laughs".
        let doc = roxmltree::Document::parse_with_options(text, roxmltree::ParsingOptions::default())
            .map_err(|e| format!("the body is not well-formed XML: {e}"))?;
        // Axes such as `ancestor::` walk the depth for every node: a body of a
        // million nested elements would take hours. JSON has the same kind of limit.
        // Nodes come in document order, each after its parent: one pass, a depth each.
        let mut depths = vec![0u32; doc.descendants().len()];
        for node in doc.descendants().skip(1) {
            let parent = node.parent().map_or(0, |p| depths[p.id().get_usize()]);
            let depth = parent + u32::from(node.is_element());
            if depth as usize > MAX_XML_DEPTH {
                return Err(format!(
                    "an XML body nested more than {MAX_XML_DEPTH} elements deep, too deep to query"
                ));
            }
            depths[node.id().get_usize()] = depth;
        }
        Ok(XmlDoc { doc })
    }

    /// The namespace `prefix` is first bound to in the document.
    fn prefix_uri(&self, prefix: &str) -> Option<String> {
        self.doc
            .descendants()
            .filter(roxmltree::Node::is_element)
            .find_map(|n| n.lookup_namespace_uri(Some(prefix)).map(str::to_owned))
    }
}

impl xpath_eval::Document for XmlDoc<'_> {
    type N<'a>
        = XNode<'a>
    where
        Self: 'a;

    fn root(&self) -> XNode<'_> {
        XNode::Tree(self.doc.root())
    }
}

/// A node of the XPath data model over roxmltree: roxmltree's own nodes, and an
/// element's attributes and in-scope namespaces by index.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum XNode<'a> {
    Tree(roxmltree::Node<'a, 'a>),
    Attribute(roxmltree::Node<'a, 'a>, usize),
    Namespace(roxmltree::Node<'a, 'a>, usize),
}

impl<'a> XNode<'a> {
    /// Document order: ids are in document order, and an element's namespace nodes
    /// then attributes come after it and before its first child.
    fn order_key(self) -> (usize, u8, usize) {
        match self {
            XNode::Tree(n) => (n.id().get_usize(), 0, 0),
            XNode::Namespace(n, i) => (n.id().get_usize(), 1, i),
            XNode::Attribute(n, i) => (n.id().get_usize(), 2, i),
        }
    }
}

impl<'a> xpath_eval::Node<'a> for XNode<'a> {
    fn kind(self) -> NodeKind {
        match self {
            XNode::Tree(n) => match n.node_type() {
                roxmltree::NodeType::Root => NodeKind::Root,
                roxmltree::NodeType::Element => NodeKind::Element,
                roxmltree::NodeType::PI => NodeKind::ProcessingInstruction,
                roxmltree::NodeType::Comment => NodeKind::Comment,
                roxmltree::NodeType::Text => NodeKind::Text,
            },
            XNode::Attribute(..) => NodeKind::Attribute,
            XNode::Namespace(..) => NodeKind::Namespace,
        }
    }

    fn parent(self) -> Option<Self> {
        match self {
            XNode::Tree(n) => n.parent().map(XNode::Tree),
            XNode::Attribute(n, _) | XNode::Namespace(n, _) => Some(XNode::Tree(n)),
        }
    }

    fn children(self) -> impl Iterator<Item = Self> + 'a {
        let node = match self {
            XNode::Tree(n) => Some(n),
            _ => None,
        };
        node.into_iter().flat_map(|n| n.children()).map(XNode::Tree)
    }

    fn attributes(self) -> impl Iterator<Item = Self> + 'a {
        let (node, count) = match self {
            XNode::Tree(n) if n.is_element() => (Some(n), n.attributes().len()),
            _ => (None, 0),
        };
        node.into_iter()
            .flat_map(move |n| (0..count).map(move |i| XNode::Attribute(n, i)))
    }

    fn namespaces(self) -> impl Iterator<Item = Self> + 'a {
        let (node, count) = match self {
            XNode::Tree(n) if n.is_element() => (Some(n), n.namespaces().len()),
            _ => (None, 0),
        };
        node.into_iter()
            .flat_map(move |n| (0..count).map(move |i| XNode::Namespace(n, i)))
    }

    fn expanded_name(self) -> Option<ExpandedName> {
        match self {
            XNode::Tree(n) => match n.node_type() {
                roxmltree::NodeType::Element => Some(ExpandedName {
                    namespace_uri: n.tag_name().namespace().map(str::to_owned),
                    local_name: n.tag_name().name().to_owned(),
                }),
                roxmltree::NodeType::PI => n.pi().map(|pi| ExpandedName {
                    namespace_uri: None,
                    local_name: pi.target.to_owned(),
                }),
                _ => None,
            },
            XNode::Attribute(n, i) => n.attributes().nth(i).map(|a| ExpandedName {
                namespace_uri: a.namespace().map(str::to_owned),
                local_name: a.name().to_owned(),
            }),
            XNode::Namespace(n, i) => n.namespaces().nth(i).map(|ns| ExpandedName {
                namespace_uri: None,
                local_name: ns.name().unwrap_or("").to_owned(),
            }),
        }
    }

    /// Compared in place: a name test runs on every node a step walks.
    fn has_expanded_name(self, namespace_uri: Option<&str>, local_name: &str) -> bool {
        match self {
            XNode::Tree(n) if n.is_element() => {
                n.tag_name().name() == local_name && n.tag_name().namespace() == namespace_uri
            }
            XNode::Attribute(n, i) => n
                .attributes()
                .nth(i)
                .is_some_and(|a| a.name() == local_name && a.namespace() == namespace_uri),
            _ => self
                .expanded_name()
                .is_some_and(|name| name.local_name == local_name && name.namespace_uri.as_deref() == namespace_uri),
        }
    }

    fn string_value(self) -> String {
        match self {
            XNode::Tree(n) => match n.node_type() {
                roxmltree::NodeType::Root | roxmltree::NodeType::Element => n
                    .descendants()
                    .filter(roxmltree::Node::is_text)
                    .filter_map(|t| t.text())
                    .collect(),
                roxmltree::NodeType::PI => n.pi().and_then(|pi| pi.value).unwrap_or("").to_owned(),
                roxmltree::NodeType::Comment | roxmltree::NodeType::Text => n.text().unwrap_or("").to_owned(),
            },
            XNode::Attribute(n, i) => n.attributes().nth(i).map_or_else(String::new, |a| a.value().to_owned()),
            XNode::Namespace(n, i) => n.namespaces().nth(i).map_or_else(String::new, |ns| ns.uri().to_owned()),
        }
    }

    fn document_order(self, other: Self) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENVELOPE: &str = r#"<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:shop">
  <soap:Body>
    <m:Order id="A-1" status="paid"><m:Total currency="EUR">12.50</m:Total>
      <m:Item sku="x">pen</m:Item><m:Item sku="y">ink</m:Item>
    </m:Order>
  </soap:Body>
</soap:Envelope>"#;

    #[test]
    fn expressions_read_text_attributes_and_values() {
        let doc = XmlDoc::parse(ENVELOPE.as_bytes()).unwrap();
        let q = |s: &str| XPathQuery::parse(s).unwrap().select(&doc).unwrap();
        assert_eq!(q("/soap:Envelope/soap:Body/m:Order/@id"), Some(json!("A-1")));
        assert_eq!(q("//m:Total"), Some(json!("12.50")));
        assert_eq!(q("//m:Item"), Some(json!(["pen", "ink"])));
        assert_eq!(q("//m:Item/@sku"), Some(json!(["x", "y"])));
        assert_eq!(
            q("//m:Item[2] | //m:Item/@sku | //m:Total"),
            Some(json!(["12.50", "x", "ink", "y"])),
            "a union is in document order: an element, then its attributes, then what follows"
        );
        assert_eq!(q("count(//m:Item)"), Some(json!(2)));
        assert_eq!(q("sum(//m:Total) * 2"), Some(json!(25)));
        assert_eq!(q("//m:Total div 4"), Some(json!(3.125)));
        assert_eq!(q("//m:Order/@status = 'paid'"), Some(json!(true)));
        assert_eq!(q("concat(//m:Item[1], '+', //m:Item[2])"), Some(json!("pen+ink")));
        assert_eq!(q("//*[local-name()='Total']/@currency"), Some(json!("EUR")));
        assert_eq!(q("//m:Refund"), None, "no node");
        assert_eq!(q("//Order"), None, "an unprefixed name is in no namespace");
        assert_eq!(q("//nope:Order"), None, "a prefix the body does not bind");
        assert_eq!(q("number('x')"), Some(json!("NaN")));
        assert!(XPathQuery::parse("//m:Item").unwrap().selects_nodes());
        assert!(XPathQuery::parse("(//a | //b)").unwrap().selects_nodes());
        assert!(!XPathQuery::parse("count(//a)").unwrap().selects_nodes());
        assert_eq!(XPathQuery::parse("//m:Item/@sku").unwrap().as_str(), "//m:Item/@sku");
    }

    #[test]
    fn axes_reach_parents_namespaces_and_processing_instructions() {
        let body = r#"<?xml version="1.0"?><?style href="a.css"?><r xmlns:m="urn:m"><m:a x="1">t</m:a></r>"#;
        let doc = XmlDoc::parse(body.as_bytes()).unwrap();
        let q = |s: &str| XPathQuery::parse(s).unwrap().select(&doc).unwrap();
        assert_eq!(q("name(//m:a/..)"), Some(json!("r")));
        assert_eq!(
            q("name(//@x/..)"),
            Some(json!("m:a")),
            "an attribute's parent is its element"
        );
        assert_eq!(q("/r/namespace::*[name()='m']"), Some(json!("urn:m")));
        assert_eq!(q("/r/namespace::m"), Some(json!("urn:m")));
        assert_eq!(q("/r/namespace::z"), None);
        assert_eq!(
            q("count(//text()/namespace::*)"),
            Some(json!(0)),
            "only elements have namespaces"
        );
        assert_eq!(q("count(//text()/@*)"), Some(json!(0)), "only elements have attributes");
        assert_eq!(q("name(/processing-instruction())"), Some(json!("style")));
        assert_eq!(q("/processing-instruction('style')"), Some(json!(r#"href="a.css""#)));
        let query = XPathQuery::parse("//m:a").unwrap();
        assert_eq!(format!("{query:?}"), "XPathQuery(//m:a)");
    }

    #[test]
    fn whole_numbers_are_integers_while_a_double_holds_them_exactly() {
        assert_eq!(number(3.0), json!(3));
        assert_eq!(number(-8.9e15), json!(-8_900_000_000_000_000_i64));
        // From 9e15 on (near 2^53) a double no longer holds every integer: it stays a double.
        assert!(!number(9.0e15).is_i64(), "{}", number(9.0e15));
        assert!(!number(-9.0e15).is_i64(), "{}", number(-9.0e15));
        assert_eq!(number(0.5), json!(0.5));
        assert_eq!(number(f64::INFINITY), json!("Infinity"));
        assert_eq!(number(f64::NEG_INFINITY), json!("-Infinity"));
    }

    #[test]
    fn bad_expressions_are_refused_at_compile_time() {
        let err = |s: &str| XPathQuery::parse(s).unwrap_err();
        assert!(err("//a[").starts_with("invalid XPath `//a[`"), "{}", err("//a["));
        assert_eq!(err("cont(//a)"), "invalid XPath `cont(//a)`: unknown function `cont()`");
        assert_eq!(
            err("//a[count()]"),
            "invalid XPath `//a[count()]`: `count()` takes 1 argument(s), not 0"
        );
        assert!(err("concat('a')").ends_with("takes at least 2 argument(s), not 1"));
        assert!(err("$x").contains("variables"));
        assert!(err("count('a')").ends_with("`count()` takes a node-set, such as `count(//item)`"));
        assert!(err("sum(1)").contains("takes a node-set"));
        assert!(err("'a' | //b").ends_with("`|` joins node-sets only"));
        assert!(
            err("('a')[1]").ends_with("filters a node-set only"),
            "{}",
            err("('a')[1]")
        );
        assert!(
            err("('a')/b").ends_with("continues from a node-set only"),
            "{}",
            err("('a')/b")
        );
        assert!(XPathQuery::parse("(//a)[1]/@b | id('x')/c").is_ok());
        assert!(XPathQuery::parse("count(//a | //b) + sum((//n)[position() < 3])").is_ok());
    }

    #[test]
    fn bodies_that_are_not_xml_say_where() {
        let err = |b: &str| XmlDoc::parse(b.as_bytes()).err().unwrap();
        assert!(
            err("<a><b></a>").starts_with("the body is not well-formed XML"),
            "{}",
            err("<a><b></a>")
        );
        assert!(err("<a><b></a>").contains("1:"), "{}", err("<a><b></a>"));
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>"#;
        assert!(
            err(bomb).contains("not well-formed XML"),
            "a DTD is refused: {}",
            err(bomb)
        );
        assert!(XmlDoc::parse(b"\xff<a/>").is_err());
    }

    #[test]
    fn a_body_nested_too_deep_is_refused_before_any_query() {
        let nested = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(XmlDoc::parse(nested(MAX_XML_DEPTH).as_bytes()).is_ok());
        assert!(XmlDoc::parse(nested(MAX_XML_DEPTH + 1).as_bytes()).is_err());
        let deep = nested(200_000);
        let Err(e) = XmlDoc::parse(deep.as_bytes()) else {
            panic!("a body 200,000 deep was parsed")
        };
        assert_eq!(e, "an XML body nested more than 512 elements deep, too deep to query");
    }
}
