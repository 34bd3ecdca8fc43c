//! Between the file's types and the model, with the checks a file needs
//! that the type system cannot give (ids, wires, numbers in range).

use std::collections::BTreeSet;

use crate::model::{Edge, Graph, LayerSpec, Node, NodeId, Project, Units};

use super::format::{EdgeFile, GraphFile, NodeFile, ProjectFileV1, VERSION};

/// Most nodes a project may have.
pub const MAX_NODES: usize = 10_000;
/// Most units, filters or steps any one setting may ask for.
pub const MAX_SIZE: usize = 1 << 20;
/// Longest name or notes text, in bytes.
pub const MAX_TEXT: usize = 1 << 20;

/// The file form of a project: nodes by id, edges sorted.
pub fn to_file(p: &Project) -> ProjectFileV1 {
    ProjectFileV1 {
        version: VERSION,
        name: p.name.clone(),
        notes: p.notes.clone(),
        graph: GraphFile {
            next_id: p.graph.next_id(),
            nodes: p
                .graph
                .nodes()
                .iter()
                .map(|n| NodeFile {
                    id: n.id.0,
                    name: n.name.clone(),
                    layer: n.spec.clone(),
                    pos: (n.pos[0], n.pos[1]),
                })
                .collect(),
            edges: p
                .graph
                .edges()
                .iter()
                .map(|e| EdgeFile {
                    from: e.from.0,
                    to: e.to.0,
                    port: e.port,
                })
                .collect(),
        },
        data: p.data.clone(),
        training: p.training.clone(),
    }
}

fn sizes(spec: &LayerSpec) -> Vec<(&'static str, usize)> {
    match spec {
        LayerSpec::Dense(d) => match d.units {
            Units::Fixed(u) => vec![("units", u)],
            Units::Auto => vec![],
        },
        LayerSpec::Conv2D(c) => vec![
            ("filters", c.filters),
            ("kernel", c.kernel),
            ("stride", c.stride),
        ],
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => {
            vec![("size", p.size), ("stride", p.stride)]
        }
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            vec![("units", r.units)]
        }
        LayerSpec::Reshape { shape } => shape.iter().map(|d| ("shape", *d)).collect(),
        _ => vec![],
    }
}

/// Checks a parsed file and builds the project; `origin` names the file in
/// messages.
pub fn from_file(f: ProjectFileV1, origin: &str) -> Result<Project, String> {
    let _ = origin;
    if f.name.len() > MAX_TEXT || f.notes.len() > MAX_TEXT {
        return Err(format!(
            "the name or notes are longer than {MAX_TEXT} bytes"
        ));
    }
    if f.graph.nodes.len() > MAX_NODES {
        return Err(format!(
            "the network has {} layers; the limit is {MAX_NODES}",
            f.graph.nodes.len()
        ));
    }
    let mut ids = BTreeSet::new();
    let mut nodes = Vec::with_capacity(f.graph.nodes.len());
    for n in f.graph.nodes {
        if !ids.insert(n.id) {
            return Err(format!(
                "two layers have the id {} — ids must be unique",
                n.id
            ));
        }
        if !(n.pos.0.is_finite() && n.pos.1.is_finite()) {
            return Err(format!(
                "layer {} has a position that is not a number",
                n.id
            ));
        }
        if n.name.len() > MAX_TEXT {
            return Err(format!(
                "layer {} has a name longer than {MAX_TEXT} bytes",
                n.id
            ));
        }
        if let LayerSpec::Reshape { shape } = &n.layer
            && shape.len() > 8
        {
            return Err(format!(
                "layer {} reshapes to {} axes; at most 8 are allowed",
                n.id,
                shape.len()
            ));
        }
        for (what, v) in sizes(&n.layer) {
            if v > MAX_SIZE {
                let bytes = (v as f64) * (v as f64) * 4.0;
                return Err(format!(
                    "layer {} (`{}`) asks for {what} = {v}; the limit is {MAX_SIZE} (a {} of that size could need {:.1} TB)",
                    n.id,
                    n.name,
                    n.layer.kind_name(),
                    bytes / 1e12
                ));
            }
        }
        nodes.push(Node {
            id: NodeId(n.id),
            name: n.name,
            spec: n.layer,
            pos: [n.pos.0, n.pos.1],
        });
    }
    let mut edges = Vec::with_capacity(f.graph.edges.len());
    for e in &f.graph.edges {
        for end in [e.from, e.to] {
            if !ids.contains(&end) {
                return Err(format!(
                    "a wire {} → {} refers to layer {end}, which is not in the file",
                    e.from, e.to
                ));
            }
        }
        edges.push(Edge {
            from: NodeId(e.from),
            to: NodeId(e.to),
            port: e.port,
        });
    }
    if edges.len() > MAX_NODES * 8 {
        return Err(format!(
            "the network has {} wires; the limit is {}",
            edges.len(),
            MAX_NODES * 8
        ));
    }
    let t = &f.training;
    if t.batch_size > 1 << 16 || t.epochs > 1_000_000 {
        return Err(format!(
            "batch size {} or {} epochs is out of range (at most 65536 and 1000000)",
            t.batch_size, t.epochs
        ));
    }
    if let crate::model::DataSource::Generated { samples, .. } = f.data.source
        && samples > 10_000_000
    {
        return Err(format!(
            "{samples} generated samples is more than the limit of 10000000"
        ));
    }
    Ok(Project {
        name: f.name,
        notes: f.notes,
        graph: Graph::from_parts(nodes, edges, f.graph.next_id),
        data: f.data,
        training: f.training,
    })
}
