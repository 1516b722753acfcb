//! Node ids: collecting them (unique, well-formed), resolving references, and checking the edges for self-references and cycles.

use std::collections::HashMap;

use crate::scenario::reader::{Errors, Field, Span, Table};
use crate::scenario::suggest;
use crate::sim::model::{NodeIdx, RequestKind};

/// The ids (and declared kinds) of the nodes, by index; and the names of
/// the request classes, which routes and workloads refer to like ids.
pub(crate) struct NodeIds {
    /// `None` where the id is missing or invalid.
    ids: Vec<Option<String>>,
    kinds: Vec<Option<String>>,
    index: HashMap<String, NodeIdx>,
    /// `[[class]]` names in file order (`None` where a name is bad).
    classes: Vec<Option<String>>,
    /// Their ops (`None` where the op is bad).
    class_ops: Vec<Option<RequestKind>>,
}

/// A reference from one node to another, with where it is written.
pub(crate) struct Edge {
    pub(crate) from: NodeIdx,
    pub(crate) to: NodeIdx,
    pub(crate) span: Span,
    pub(crate) path: String,
}

/// Whether `id` is non-empty and only letters, digits, `_` and `-`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl NodeIds {
    /// Reads `id` (required, well-formed, unique) and `kind` (as written)
    /// of every node table.
    pub(crate) fn collect(errs: &mut Errors<'_>, tables: &[Table<'_, '_>]) -> NodeIds {
        let mut ids = Vec::with_capacity(tables.len());
        let mut kinds = Vec::with_capacity(tables.len());
        let mut index: HashMap<String, NodeIdx> = HashMap::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        for (i, t) in tables.iter().enumerate() {
            kinds.push(
                t.field("kind")
                    .and_then(|f| f.get().as_str().map(str::to_string)),
            );
            let Some(f) = t.required(errs, "id") else {
                ids.push(None);
                continue;
            };
            let Some(id) = f.str(errs) else {
                ids.push(None);
                continue;
            };
            if !is_valid_id(id) {
                // Still indexed, so references to it do not pile up errors.
                f.error(
                    errs,
                    format!("node id `{id}` may only contain letters, digits, `_` and `-`"),
                    Some("for example `api`, `db-primary` or `cache_1`".into()),
                );
            }
            if let Some(&line) = first_line.get(id) {
                f.error(
                    errs,
                    format!("duplicate node id `{id}`"),
                    Some(format!(
                        "`{id}` is first defined on line {line}; node ids must be unique"
                    )),
                );
                ids.push(None);
                continue;
            }
            first_line.insert(id.to_string(), errs.sources().line_of(f.span().start));
            index.insert(id.to_string(), i);
            ids.push(Some(id.to_string()));
        }
        NodeIds {
            ids,
            kinds,
            index,
            classes: Vec::new(),
            class_ops: Vec::new(),
        }
    }

    /// Records the request class names and ops (`None` for a bad one,
    /// which keeps its index so the others resolve to theirs).
    pub(crate) fn set_classes(&mut self, classes: Vec<crate::scenario::build::classes::ClassRef>) {
        (self.classes, self.class_ops) = classes.into_iter().unzip();
    }

    /// The name of request class `c`, if it was read.
    pub(crate) fn class_name(&self, c: usize) -> Option<&str> {
        self.classes.get(c).and_then(|n| n.as_deref())
    }

    /// The op of request class `c`, if it was read.
    pub(crate) fn class_op(&self, c: usize) -> Option<RequestKind> {
        self.class_ops.get(c).copied().flatten()
    }

    /// The request class names that resolve.
    pub(crate) fn class_names(&self) -> Vec<&str> {
        self.classes.iter().flatten().map(String::as_str).collect()
    }

    /// Index of the request class `name`.
    pub(crate) fn class(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.as_deref() == Some(name))
    }

    /// The id of node `i`, if it has a valid one.
    pub(crate) fn id(&self, i: NodeIdx) -> Option<&str> {
        self.ids.get(i).and_then(|o| o.as_deref())
    }

    /// The kind node `i` declares (as written, maybe invalid).
    pub(crate) fn kind(&self, i: NodeIdx) -> Option<&str> {
        self.kinds.get(i).and_then(|o| o.as_deref())
    }

    /// `node `api` (node[1])`, or `node[1]` when the id is unknown.
    pub(crate) fn path(&self, i: NodeIdx) -> String {
        match self.id(i) {
            Some(id) => format!("node `{id}` (node[{i}])"),
            None => format!("node[{i}]"),
        }
    }

    /// The node a string field names; an unknown id is reported with a
    /// did-you-mean hint.
    pub(crate) fn resolve(&self, errs: &mut Errors<'_>, f: &Field<'_, '_>) -> Option<NodeIdx> {
        let name = f.str(errs)?;
        self.resolve_name(errs, f, name, f.span())
    }

    /// The node called `name` (written in `f`, at `span`); an unknown id
    /// is reported there with a did-you-mean hint.
    pub(crate) fn resolve_name(
        &self,
        errs: &mut Errors<'_>,
        f: &Field<'_, '_>,
        name: &str,
        span: Span,
    ) -> Option<NodeIdx> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        if self.ids.is_empty() {
            // "No nodes at all" is reported once, elsewhere.
            return None;
        }
        // An id refused itself (`ä¸`) is no suggestion.
        let known: Vec<&str> = (self.ids.iter().flatten())
            .map(String::as_str)
            .filter(|id| is_valid_id(id))
            .collect();
        errs.error(
            &span,
            &f.path,
            format!("unknown node `{name}`"),
            suggest::hint(name, &known),
        );
        None
    }
}

/// Reports edges from a node to itself, and cycles among the others
/// (each as `a -> b -> a`, at the first edge of the cycle). The edges out
/// of a node whose `loops` entry is true (a queue with `max_hops`) may
/// close a cycle: they are left out of the search.
pub(crate) fn check_edges(errs: &mut Errors<'_>, ids: &NodeIds, edges: &[Edge], loops: &[bool]) {
    let n = loops.len();
    let name = |i: NodeIdx| ids.id(i).unwrap_or("?").to_string();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e_idx, e) in edges.iter().enumerate() {
        if loops.get(e.from) == Some(&true) {
            // A bounded loop may start here (even back into itself).
        } else if e.from == e.to {
            errs.error(
                &e.span,
                &e.path,
                format!("node `{}` refers to itself", name(e.from)),
                Some(if ids.kind(e.from) == Some("queue") {
                    "a message sent back here could loop forever; if that is meant (a retry loop, a crawler's frontier), bound it with max_hops on this queue, else point it at another node".into()
                } else {
                    "a request sent here would never finish; point it at another node".into()
                }),
            );
        } else if let Some(list) = out.get_mut(e.from) {
            list.push(e_idx);
        }
    }
    // Iterative depth-first search; a grey target is a cycle.
    const WHITE: u8 = 0;
    const GREY: u8 = 1;
    const BLACK: u8 = 2;
    const MAX_REPORTED: usize = 10;
    let mut colour = vec![WHITE; n];
    let mut reported = 0usize;
    for start in 0..n {
        if colour.get(start) != Some(&WHITE) {
            continue;
        }
        // (node, next outgoing edge position, edge taken to get here)
        let mut stack: Vec<(NodeIdx, usize, Option<usize>)> = vec![(start, 0, None)];
        if let Some(c) = colour.get_mut(start) {
            *c = GREY;
        }
        while let Some(top) = stack.last_mut() {
            let (node, pos) = (top.0, top.1);
            let next = out.get(node).and_then(|l| l.get(pos)).copied();
            let Some(e_idx) = next else {
                if let Some(c) = colour.get_mut(node) {
                    *c = BLACK;
                }
                stack.pop();
                continue;
            };
            top.1 += 1;
            let Some(edge) = edges.get(e_idx) else {
                continue;
            };
            match colour.get(edge.to).copied() {
                Some(WHITE) => {
                    if let Some(c) = colour.get_mut(edge.to) {
                        *c = GREY;
                    }
                    stack.push((edge.to, 0, Some(e_idx)));
                }
                Some(GREY) if reported < MAX_REPORTED => {
                    reported += 1;
                    let at = stack.iter().position(|f| f.0 == edge.to).unwrap_or(0);
                    let mut names: Vec<String> = stack.iter().skip(at).map(|f| name(f.0)).collect();
                    names.push(name(edge.to));
                    // The first edge of the cycle leaves `edge.to`.
                    let first = stack
                        .get(at + 1)
                        .and_then(|f| f.2)
                        .and_then(|i| edges.get(i))
                        .unwrap_or(edge);
                    let queue = stack
                        .iter()
                        .skip(at)
                        .find(|f| ids.kind(f.0) == Some("queue"));
                    let hint = match queue {
                        Some(q) => format!(
                            "a request could travel this loop forever; if the loop through `{}` is meant (a crawler feeding its frontier), bound it with max_hops on that queue",
                            name(q.0)
                        ),
                        None => "a request could travel this loop forever; remove one of these references".into(),
                    };
                    errs.error(
                        &first.span,
                        &first.path,
                        format!("cycle: {}", cycle_text(&names)),
                        Some(hint),
                    );
                }
                _ => {}
            }
        }
    }
}

/// `a -> b -> a`; a long loop keeps its first and last few nodes and
/// says how many are left out (a message must stay readable).
fn cycle_text(names: &[String]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= 2 * SHOWN + 3 {
        return names.join(" -> ");
    }
    let head = names.get(..SHOWN).unwrap_or(&[]).join(" -> ");
    let tail_from = names.len() - SHOWN - 1;
    let tail = names.get(tail_from..).unwrap_or(&[]).join(" -> ");
    format!("{head} -> ... ({} more) ... -> {tail}", tail_from - SHOWN)
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Diagnostic, load_str};

    #[test]
    fn a_long_cycle_is_shortened_in_its_message() {
        let names: Vec<String> = (0..100).chain([0]).map(|i| format!("n{i}")).collect();
        assert_eq!(
            super::cycle_text(&names),
            "n0 -> n1 -> n2 -> n3 -> n4 -> ... (90 more) ... -> n95 -> n96 -> n97 -> n98 -> n99 -> n0"
        );
        let short: Vec<String> = ["a", "b", "a"].map(String::from).to_vec();
        assert_eq!(super::cycle_text(&short), "a -> b -> a");
    }

    /// A scenario whose nodes are services `a`, `b`, ... with the given
    /// extra lines.
    fn services(nodes: &[(&str, &str)]) -> Result<(), Vec<Diagnostic>> {
        let mut text =
            String::from("[scenario]\nname = \"g\"\n[[workload]]\nto = \"a\"\nrate = 1\n");
        for (id, extra) in nodes {
            text.push_str(&format!(
                "[[node]]\nid = \"{id}\"\nkind = \"service\"\nservice_time = \"1ms\"\n{extra}\n"
            ));
        }
        load_str(&text, "g.toml", &[]).map(|_| ())
    }

    fn messages(r: Result<(), Vec<Diagnostic>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn a_diamond_is_not_a_cycle() {
        let r = services(&[
            ("a", "calls = [\"b\", \"c\"]"),
            ("b", "to = \"d\""),
            ("c", "to = \"d\""),
            ("d", ""),
        ]);
        assert!(r.is_ok(), "{:?}", messages(r));
    }

    #[test]
    fn a_three_node_loop_is_named_from_where_it_is_entered() {
        let m = messages(services(&[
            ("a", "calls = [\"b\"]"),
            ("b", "to = \"c\""),
            ("c", "calls = [\"b\"]"),
        ]));
        assert_eq!(m, ["cycle: b -> c -> b"]);
    }

    #[test]
    fn two_separate_loops_are_both_reported() {
        let m = messages(services(&[
            ("a", "to = \"b\""),
            ("b", "to = \"a\""),
            ("c", "to = \"d\""),
            ("d", "to = \"c\""),
        ]));
        assert_eq!(m, ["cycle: a -> b -> a", "cycle: c -> d -> c"]);
    }

    #[test]
    fn a_refused_id_is_not_offered_for_an_unknown_reference() {
        // The workload goes to `a`; the only node is `ä¸`, refused: the
        // hint said "expected one of `ä¸`".
        let d = services(&[("ä¸", "")]).unwrap_err();
        let unknown = d
            .iter()
            .find(|d| d.message == "unknown node `a`")
            .expect("a is unknown");
        assert!(
            unknown.hint.as_deref().is_none_or(|h| !h.contains('ä')),
            "{:?}",
            unknown.hint
        );
    }

    #[test]
    fn ids_must_be_unique_and_well_formed() {
        let m = messages(services(&[("a", ""), ("a", ""), ("b c", "")]));
        assert_eq!(
            m,
            [
                "duplicate node id `a`",
                "node id `b c` may only contain letters, digits, `_` and `-`"
            ]
        );
    }
}
