//! Structural edits of a graph — widen (or narrow) a layer, insert a layer
//! after a node, remove a layer — as the command line and the live run
//! ask for them. The weights follow with [`super::transfer`].

use crate::model::{Edge, Graph, LayerSpec, NodeId, Units};

/// One structural edit, naming nodes as the user did (name or id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Give a Dense, Conv2D or recurrent layer this many units (filters).
    Widen {
        /// The node's name or id.
        node: String,
        /// The new count.
        units: usize,
    },
    /// Insert a layer of this kind (a palette name: `dense`, `relu`,
    /// `batchnorm`…) between the node and everything it feeds.
    InsertAfter {
        /// The node's name or id.
        node: String,
        /// The layer kind.
        kind: String,
    },
    /// Remove a layer whose input and output shapes are equal, wiring its
    /// input to everything it fed.
    Remove {
        /// The node's name or id.
        node: String,
    },
}

impl std::fmt::Display for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Widen { node, units } => write!(f, "--widen {node}={units}"),
            Self::InsertAfter { node, kind } => write!(f, "--insert-after {node}={kind}"),
            Self::Remove { node } => write!(f, "--remove {node}"),
        }
    }
}

/// Why an edit cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    /// No node has this name or id.
    #[error("no node is called or numbered {0:?}; use a node's name (as on the canvas) or its id")]
    NoSuchNode(String),
    /// The node has no units.
    #[error(
        "`{name}` is a {kind}, which has no units to change; widen a Dense, Conv2D, SimpleRNN, LSTM or GRU layer"
    )]
    NoUnits {
        /// The node's name.
        name: String,
        /// Its kind.
        kind: &'static str,
    },
    /// The node's units follow the data.
    #[error(
        "`{0}` has as many units as the data has classes or targets; widen a hidden layer instead"
    )]
    AutoUnits(String),
    /// Zero units asked for.
    #[error("a layer needs at least one unit")]
    ZeroUnits,
    /// An unknown layer kind.
    #[error("no layer kind {0:?}; use one of: {list}", list = kind_names().join(", "))]
    UnknownKind(String),
    /// The node cannot be removed.
    #[error("`{name}` cannot be removed: {why}")]
    CannotRemove {
        /// The node's name.
        name: String,
        /// Why.
        why: String,
    },
}

/// `NODE=VALUE` (split at the last `=`, so names may hold one).
pub fn split_assignment(s: &str) -> Result<(String, String), String> {
    match s.rsplit_once('=') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(format!("expected NODE=VALUE, got {s:?}")),
    }
}

/// The palette's kind names as the command line takes them (lower case).
pub fn kind_names() -> Vec<String> {
    LayerSpec::palette()
        .iter()
        .filter(|s| **s != LayerSpec::Input)
        .map(|s| s.kind_name().to_lowercase())
        .collect()
}

/// The node called `name`, or numbered `name` (`3` or `#3`).
///
/// # Errors
/// [`EditError::NoSuchNode`].
pub fn resolve(graph: &Graph, name: &str) -> Result<NodeId, EditError> {
    if let Some(n) = graph.nodes().iter().find(|n| n.name == name) {
        return Ok(n.id);
    }
    name.trim_start_matches('#')
        .parse::<u32>()
        .ok()
        .map(NodeId)
        .filter(|id| graph.node(*id).is_some())
        .ok_or_else(|| EditError::NoSuchNode(name.to_string()))
}

/// Applies `edit` to a copy of `graph`; `shape` gives a node's output shape
/// per sample (from the analysis). Returns the new graph and the edit in
/// words.
///
/// # Errors
/// An [`EditError`] saying what to change.
pub fn apply(
    graph: &Graph,
    edit: &Edit,
    shape: impl Fn(NodeId) -> Option<Vec<usize>>,
) -> Result<(Graph, String), EditError> {
    match edit {
        Edit::Widen { node, units } => widen(graph, resolve(graph, node)?, *units),
        Edit::InsertAfter { node, kind } => {
            let id = resolve(graph, node)?;
            insert_after(graph, id, kind, shape(id).as_deref())
        }
        Edit::Remove { node } => {
            let id = resolve(graph, node)?;
            remove(graph, id, &shape)
        }
    }
}

fn widen(graph: &Graph, id: NodeId, units: usize) -> Result<(Graph, String), EditError> {
    if units == 0 {
        return Err(EditError::ZeroUnits);
    }
    let mut g = graph.clone();
    let node = g
        .node_mut(id)
        .ok_or_else(|| EditError::NoSuchNode(id.to_string()))?;
    let before = match &mut node.spec {
        LayerSpec::Dense(d) => match d.units {
            Units::Fixed(n) => {
                d.units = Units::Fixed(units);
                n
            }
            Units::Auto => return Err(EditError::AutoUnits(node.name.clone())),
        },
        LayerSpec::Conv2D(c) => std::mem::replace(&mut c.filters, units),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            std::mem::replace(&mut r.units, units)
        }
        other => {
            return Err(EditError::NoUnits {
                name: node.name.clone(),
                kind: other.kind_name(),
            });
        }
    };
    let verb = if units >= before { "widen" } else { "narrow" };
    let text = format!("{verb} `{}` {before} → {units}", node.name);
    Ok((g, text))
}

fn insert_after(
    graph: &Graph,
    id: NodeId,
    kind: &str,
    shape: Option<&[usize]>,
) -> Result<(Graph, String), EditError> {
    let wanted = kind.to_lowercase().replace([' ', '-', '_'], "");
    let mut spec = LayerSpec::palette()
        .into_iter()
        .filter(|s| *s != LayerSpec::Input)
        .find(|s| s.kind_name().to_lowercase() == wanted)
        .ok_or_else(|| EditError::UnknownKind(kind.to_string()))?;
    // A layer with units gets as many as its input has, so that it can
    // start as the identity.
    let width: usize = shape.map_or(0, |s| s.iter().product());
    match &mut spec {
        LayerSpec::Dense(d) if width > 0 => d.units = Units::Fixed(width),
        LayerSpec::Conv2D(c) => {
            if let Some(&[ch, _, _]) = shape {
                c.filters = ch;
            }
        }
        _ => {}
    }
    let after = graph
        .node(id)
        .ok_or_else(|| EditError::NoSuchNode(id.to_string()))?;
    let base = kind.to_lowercase();
    let name = (1..)
        .map(|n| format!("{base} {n}"))
        .find(|n| graph.nodes().iter().all(|x| &x.name != n))
        .unwrap_or_else(|| base.clone());
    let mut g = graph.clone();
    let new = g.add_node(
        name.clone(),
        spec,
        [after.pos[0] + 140.0, after.pos[1] + 45.0],
    );
    let mut edges: Vec<Edge> = g
        .edges()
        .iter()
        .map(|e| {
            if e.from == id {
                Edge { from: new, ..*e }
            } else {
                *e
            }
        })
        .collect();
    edges.push(Edge {
        from: id,
        to: new,
        port: 0,
    });
    let text = format!("insert `{name}` after `{}`", after.name);
    Ok((
        Graph::from_parts(g.nodes().to_vec(), edges, g.next_id()),
        text,
    ))
}

fn remove(
    graph: &Graph,
    id: NodeId,
    shape: &impl Fn(NodeId) -> Option<Vec<usize>>,
) -> Result<(Graph, String), EditError> {
    let node = graph
        .node(id)
        .ok_or_else(|| EditError::NoSuchNode(id.to_string()))?;
    let refuse = |why: String| EditError::CannotRemove {
        name: node.name.clone(),
        why,
    };
    let inputs = graph.inputs_of(id);
    let [input] = inputs.as_slice() else {
        return Err(refuse(if node.spec == LayerSpec::Input {
            "it is the network's input".into()
        } else {
            format!(
                "it has {} inputs; only a layer with one input can be removed",
                inputs.len()
            )
        }));
    };
    let (a, b) = (shape(input.from), shape(id));
    if a.is_none() || a != b {
        return Err(refuse(format!(
            "its input and output shapes differ ({} → {}); only a layer that keeps the shape can be removed",
            fmt_shape(a.as_deref()),
            fmt_shape(b.as_deref())
        )));
    }
    let edges: Vec<Edge> = graph
        .edges()
        .iter()
        .filter(|e| e.to != id)
        .map(|e| {
            if e.from == id {
                Edge {
                    from: input.from,
                    ..*e
                }
            } else {
                *e
            }
        })
        .collect();
    let nodes = graph
        .nodes()
        .iter()
        .filter(|n| n.id != id)
        .cloned()
        .collect();
    let text = format!("remove `{}`", node.name);
    Ok((Graph::from_parts(nodes, edges, graph.next_id()), text))
}

fn fmt_shape(s: Option<&[usize]>) -> String {
    s.map_or_else(
        || "unknown".into(),
        |s| {
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("×")
        },
    )
}
