//! What changed between two runs' projects: a list of changes with
//! readable paths (`training.learning_rate`, `nodes["hidden 1"].units`),
//! and the same in words ("optimizer SGD → Adam; learning rate 0.1 → 0.01;
//! + BatchNorm after hidden 1").
//!
//! Nodes are matched by their stable ids, so a renamed layer is a rename,
//! not a removal and an addition. Canvas positions are not part of the
//! design and are ignored.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Graph, NodeId, Project};
use crate::project::settings::{DataFile, TrainingFile};

/// One difference between two projects.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DesignChange {
    /// Where: `training.learning_rate`, `nodes["hidden 1"].units`,
    /// `nodes["bn"]` (a node added or removed), `wires["a" → "b"]`.
    pub path: String,
    /// The value in the first project (`null`: absent).
    pub a: Value,
    /// The value in the second project (`null`: absent).
    pub b: Value,
    /// The change in words: `learning rate 0.1 → 0.01`.
    #[serde(skip)]
    pub words: String,
}

/// Serialises through JSON text, so `f32` settings read as written
/// (`0.1`, not `0.10000000149011612`).
fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_string(v)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

mod erased {
    /// JSON text of a settings value, in its struct's field order.
    pub trait Json {
        fn text(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn text(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// A settings value in words: `Fixed(32)` → `32`, `Adam{…}` → `Adam`,
/// `true` → `on`.
pub fn label(v: &Value) -> String {
    match v {
        Value::Null => "none".into(),
        Value::Bool(b) => if *b { "on" } else { "off" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => tag_name(s).into(),
        Value::Object(m) if m.len() == 1 && m.keys().all(|k| is_tag(k)) => {
            let (k, inner) = m.iter().next().map_or(("", &Value::Null), |(k, v)| (k, v));
            match inner {
                Value::Object(_) | Value::Array(_) => tag_name(k).into(),
                scalar if k == "Fixed" || k == "Activation" => label(scalar),
                scalar => format!("{} {}", tag_name(k), label(scalar)),
            }
        }
        other => other.to_string(),
    }
}

/// Display names for the file format's variant tags.
fn tag_name(tag: &str) -> &str {
    match tag {
        "Sgd" => "SGD",
        "RmsProp" => "RMSprop",
        "Mse" => "MSE",
        "Mae" => "MAE",
        "CrossEntropy" => "cross-entropy",
        "BinaryCrossEntropy" => "binary cross-entropy",
        "SimpleRnn" => "SimpleRNN",
        "Lstm" => "LSTM",
        "Gru" => "GRU",
        other => other,
    }
}

/// `training.learning_rate` → `learning rate`.
fn path_words(path: &str) -> String {
    let p = path
        .strip_prefix("training.")
        .or_else(|| path.strip_prefix("data."))
        .unwrap_or(path);
    if let Some(rest) = p.strip_prefix("nodes[\"") {
        // nodes["hidden 1"].units → hidden 1 units
        let (name, field) = rest.split_once("\"]").unwrap_or((rest, ""));
        let field = field.trim_start_matches('.').replace(['.', '_'], " ");
        return if field.is_empty() {
            name.to_string()
        } else {
            format!("{name} {field}")
        };
    }
    p.replace(['.', '_'], " ")
}

/// Whether an object key is an enum variant's tag (variants are
/// CamelCase, fields snake_case).
fn is_tag(k: &str) -> bool {
    k.chars().next().is_some_and(char::is_uppercase)
}

/// An enum value's variant and its content (`Null` for a unit variant).
fn single_tag(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(m) if m.len() == 1 => m
            .iter()
            .next()
            .filter(|(k, _)| is_tag(k))
            .map(|(k, v)| (k.as_str(), v)),
        Value::String(s) => Some((s.as_str(), &Value::Null)),
        _ => None,
    }
}

/// Compares two settings values, recursing into structs and into enum
/// variants that are the same on both sides.
/// `order` is JSON text of both sides, whose field order (the structs'
/// own) the changes follow.
fn compare(path: &str, a: &Value, b: &Value, order: &str, out: &mut Vec<DesignChange>) {
    if a == b {
        return;
    }
    let (ta, tb) = (single_tag(a), single_tag(b));
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) if ta.is_none() && tb.is_none() => {
            let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            keys.sort_by_key(|k| (order.find(&format!("\"{k}\":")).unwrap_or(usize::MAX), *k));
            keys.dedup();
            for k in keys {
                let va = ma.get(k).unwrap_or(&Value::Null);
                let vb = mb.get(k).unwrap_or(&Value::Null);
                compare(&format!("{path}.{k}"), va, vb, order, out);
            }
        }
        _ => match (ta, tb) {
            (Some((ta, ia @ Value::Object(_))), Some((tb, ib @ Value::Object(_)))) if ta == tb => {
                compare(path, ia, ib, order, out);
            }
            _ => out.push(DesignChange {
                path: path.to_string(),
                a: a.clone(),
                b: b.clone(),
                words: format!("{} {} → {}", path_words(path), label(a), label(b)),
            }),
        },
    }
}

fn node_key(name: &str, id: NodeId, graph_a: &Graph, graph_b: &Graph) -> String {
    // Names are how people know nodes; fall back to the id when a name is
    // empty or shared.
    let shared = |g: &Graph| g.nodes().iter().filter(|n| n.name == name).count() > 1;
    if name.is_empty() || shared(graph_a) || shared(graph_b) {
        format!("nodes[#{}]", id.0)
    } else {
        format!("nodes[{}]", Value::String(name.to_string()))
    }
}

fn names_of(graph: &Graph, ids: impl Iterator<Item = NodeId>) -> String {
    let v: Vec<String> = ids
        .filter_map(|id| graph.node(id).map(|n| n.name.clone()))
        .collect();
    v.join(" and ")
}

/// Every design difference from project `a` to project `b`: training and
/// data settings, nodes added, removed, renamed or changed, and wires.
pub fn design_diff(a: &Project, b: &Project) -> Vec<DesignChange> {
    let mut out = Vec::new();
    let section = |name: &str, ta: String, tb: String, out: &mut Vec<DesignChange>| {
        let parse = |t: &str| serde_json::from_str(t).unwrap_or(Value::Null);
        compare(name, &parse(&ta), &parse(&tb), &format!("{ta}{tb}"), out);
    };
    let text = |v: &dyn erased::Json| v.text();
    // Through the file's own types: the diff speaks the file's field names.
    let (ta, tb) = (
        TrainingFile::from(&a.training),
        TrainingFile::from(&b.training),
    );
    section("training", text(&ta), text(&tb), &mut out);
    let (da, db) = (DataFile::from(&a.data), DataFile::from(&b.data));
    section("data", text(&da), text(&db), &mut out);
    let (ga, gb) = (&a.graph, &b.graph);
    let ids: std::collections::BTreeSet<NodeId> =
        ga.nodes().iter().chain(gb.nodes()).map(|n| n.id).collect();
    for id in ids {
        match (ga.node(id), gb.node(id)) {
            (Some(na), Some(nb)) => {
                let key = node_key(&nb.name, id, ga, gb);
                if na.name != nb.name {
                    out.push(DesignChange {
                        path: format!("{key}.name"),
                        a: Value::String(na.name.clone()),
                        b: Value::String(nb.name.clone()),
                        words: format!("{} renamed {}", na.name, nb.name),
                    });
                }
                let (va, vb) = (to_value(&na.spec), to_value(&nb.spec));
                if na.spec.kind_name() == nb.spec.kind_name() {
                    let mut inner = Vec::new();
                    let order = format!(
                        "{}{}",
                        erased::Json::text(&na.spec),
                        erased::Json::text(&nb.spec)
                    );
                    compare(&key, &va, &vb, &order, &mut inner);
                    for mut c in inner {
                        if c.path == key {
                            c.path = format!("{key}.kind");
                        }
                        out.push(c);
                    }
                } else {
                    out.push(DesignChange {
                        path: format!("{key}.kind"),
                        a: va,
                        b: vb,
                        words: format!(
                            "{} {} → {}",
                            nb.name,
                            na.spec.kind_name(),
                            nb.spec.kind_name()
                        ),
                    });
                }
            }
            (None, Some(nb)) => {
                let after = names_of(gb, gb.inputs_of(id).iter().map(|e| e.from));
                out.push(DesignChange {
                    path: node_key(&nb.name, id, ga, gb),
                    a: Value::Null,
                    b: to_value(&nb.spec),
                    words: if after.is_empty() {
                        format!("+ {}", nb.spec.kind_name())
                    } else {
                        format!("+ {} after {after}", nb.spec.kind_name())
                    },
                });
            }
            (Some(na), None) => {
                let after = names_of(ga, ga.inputs_of(id).iter().map(|e| e.from));
                out.push(DesignChange {
                    path: node_key(&na.name, id, ga, gb),
                    a: to_value(&na.spec),
                    b: Value::Null,
                    words: if after.is_empty() {
                        format!("− {} ({})", na.spec.kind_name(), na.name)
                    } else {
                        format!("− {} after {after}", na.spec.kind_name())
                    },
                });
            }
            (None, None) => {}
        }
    }
    // Wires between nodes both projects have (others come with a node).
    let wires = |g: &Graph| -> BTreeMap<(u32, u32, u16), ()> {
        g.edges()
            .iter()
            .filter(|e| ga.node(e.from).is_some() && gb.node(e.from).is_some())
            .filter(|e| ga.node(e.to).is_some() && gb.node(e.to).is_some())
            .map(|e| ((e.from.0, e.to.0, e.port), ()))
            .collect()
    };
    let (wa, wb) = (wires(ga), wires(gb));
    let name = |id: u32| {
        gb.node(NodeId(id))
            .map_or_else(|| format!("#{id}"), |n| n.name.clone())
    };
    for key in wa
        .keys()
        .chain(wb.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (ia, ib) = (wa.contains_key(key), wb.contains_key(key));
        // A wire replaced by a chain of added (or removed) nodes is said
        // by those nodes: "+ BatchNorm after hidden 1".
        let explained = if ia {
            through_new_nodes(gb, ga, key.0, key.1)
        } else {
            through_new_nodes(ga, gb, key.0, key.1)
        };
        if ia != ib && !explained {
            let (from, to) = (name(key.0), name(key.1));
            out.push(DesignChange {
                path: format!(
                    "wires[{} → {}]",
                    Value::String(from.clone()),
                    Value::String(to.clone())
                ),
                a: Value::Bool(ia),
                b: Value::Bool(ib),
                words: format!("{} wire {from} → {to}", if ib { "+" } else { "−" }),
            });
        }
    }
    out
}

/// Whether `graph` leads from `from` to `to` through nodes that `other`
/// does not have (and through at least one).
fn through_new_nodes(graph: &Graph, other: &Graph, from: u32, to: u32) -> bool {
    let mut stack: Vec<NodeId> = graph
        .outputs_of(NodeId(from))
        .iter()
        .map(|e| e.to)
        .filter(|n| other.node(*n).is_none())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        for e in graph.outputs_of(n) {
            if e.to.0 == to {
                return true;
            }
            if other.node(e.to).is_none() {
                stack.push(e.to);
            }
        }
    }
    false
}

/// The changes in words, joined with `; ` ("no design changes" when there
/// are none).
pub fn diff_words(changes: &[DesignChange]) -> String {
    if changes.is_empty() {
        return "no design changes".into();
    }
    changes
        .iter()
        .map(|c| c.words.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BatchNormSpec, LayerSpec, OptimizerSpec, Units};

    fn spiral() -> Project {
        crate::project::parse(include_str!("../../projects/spiral.ron"), "spiral").unwrap()
    }

    #[test]
    fn optimizer_rate_and_an_inserted_node_in_words() {
        let mut a = spiral();
        a.training.optimizer = OptimizerSpec::Sgd {
            momentum: 0.0,
            nesterov: false,
        };
        a.training.learning_rate = 0.1;
        let mut b = spiral();
        b.training.learning_rate = 0.01;
        // Insert BatchNorm between hidden 1 and relu 1.
        let h1 = b
            .graph
            .nodes()
            .iter()
            .find(|n| n.name == "hidden 1")
            .unwrap()
            .id;
        let r1 = b
            .graph
            .nodes()
            .iter()
            .find(|n| n.name == "relu 1")
            .unwrap()
            .id;
        let e = b.graph.outputs_of(h1)[0];
        b.graph.disconnect(e);
        let bn = b.graph.add_node(
            "bn",
            LayerSpec::BatchNorm(BatchNormSpec::default()),
            [0.0, 0.0],
        );
        b.graph.connect(h1, bn).unwrap();
        b.graph.connect(bn, r1).unwrap();
        let d = design_diff(&a, &b);
        let words = diff_words(&d);
        assert_eq!(
            words,
            "optimizer SGD → Adam; learning rate 0.1 → 0.01; + BatchNorm after hidden 1"
        );
        let lr = d
            .iter()
            .find(|c| c.path == "training.learning_rate")
            .unwrap();
        assert_eq!((lr.a.as_f64(), lr.b.as_f64()), (Some(0.1), Some(0.01)));
        assert!(d.iter().any(|c| c.path == "nodes[\"bn\"]" && c.a.is_null()));
    }

    #[test]
    fn node_settings_by_name() {
        let a = spiral();
        let mut b = spiral();
        let h1 = b
            .graph
            .nodes()
            .iter()
            .find(|n| n.name == "hidden 1")
            .unwrap()
            .id;
        if let Some(n) = b.graph.node_mut(h1)
            && let LayerSpec::Dense(d) = &mut n.spec
        {
            d.units = Units::Fixed(64);
        }
        let d = design_diff(&a, &b);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "nodes[\"hidden 1\"].units");
        assert_eq!(d[0].words, "hidden 1 units 32 → 64");
        assert_eq!(design_diff(&a, &a), vec![]);
        assert_eq!(diff_words(&[]), "no design changes");
    }
}
