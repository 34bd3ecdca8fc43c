//! One-click variants of a whole network: set every layer's initialiser,
//! swap every activation of one kind for another, put a BatchNorm after
//! every Dense and Conv2D, take out every Dropout. Each is a graph
//! operation that returns how many layers it changed, so the window can say
//! what happened (and say so when nothing did).

use super::{Activation, BatchNormSpec, Edge, Graph, Init, LayerSpec, NodeId, layout};

/// A change to the whole network, as the Edit menu offers it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Variant {
    /// Every layer with weights gets this initialiser.
    Init(Init),
    /// Every activation of the first kind becomes the second.
    Swap(Activation, Activation),
    /// A BatchNorm after every hidden Dense and Conv2D.
    BatchNorm,
    /// No Dropout anywhere.
    NoDropout,
}

impl Variant {
    /// Applies the change; returns a sentence saying what it did (also
    /// when it changed nothing) and whether anything changed.
    pub fn apply(self, graph: &mut Graph) -> (String, bool) {
        let (n, what) = match self {
            Self::Init(i) => (set_all_inits(graph, i), "initialiser set on"),
            Self::Swap(from, to) => (swap_activations(graph, from, to), "activation swapped on"),
            Self::BatchNorm => (insert_batchnorm(graph), "BatchNorm inserted after"),
            Self::NoDropout => (remove_dropout(graph), "Dropout removed:"),
        };
        let layers = if n == 1 { "layer" } else { "layers" };
        (format!("{what} {n} {layers}"), n > 0)
    }
}

/// Sets the initialiser of every layer that has one (Dense, Conv2D and the
/// recurrent layers). Returns how many layers changed.
pub fn set_all_inits(graph: &mut Graph, init: Init) -> usize {
    let ids: Vec<NodeId> = graph.nodes().iter().map(|n| n.id).collect();
    let mut changed = 0;
    for id in ids {
        let Some(n) = graph.node_mut(id) else {
            continue;
        };
        let slot = match &mut n.spec {
            LayerSpec::Dense(d) => &mut d.init,
            LayerSpec::Conv2D(c) => &mut c.init,
            LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => &mut r.init,
            _ => continue,
        };
        if *slot != init {
            *slot = init;
            changed += 1;
        }
    }
    changed
}

/// Replaces every activation layer of `from`'s kind (its settings, such as
/// LeakyReLU's slope, ignored) with `to`. Returns how many changed.
pub fn swap_activations(graph: &mut Graph, from: Activation, to: Activation) -> usize {
    let ids: Vec<NodeId> = graph.nodes().iter().map(|n| n.id).collect();
    let mut changed = 0;
    for id in ids {
        let Some(n) = graph.node_mut(id) else {
            continue;
        };
        if let LayerSpec::Activation(a) = &mut n.spec
            && a.name() == from.name()
            && *a != to
        {
            let old = a.name().to_lowercase();
            *a = to;
            // "relu 1" becomes "tanh 1"; a name the user chose stays.
            if let Some(rest) = n.name.strip_prefix(&old) {
                n.name = format!("{}{rest}", to.name().to_lowercase());
            }
            changed += 1;
        }
    }
    changed
}

/// Puts a BatchNorm after every hidden Dense and Conv2D that is not
/// already followed by one: the layer's outgoing wires leave from the new
/// node instead (same targets, same input ports). The output layer (one
/// from which only activations lead to the end) gets none: normalising the
/// network's answer would fight the loss. The graph is laid out again.
/// Returns how many were inserted.
pub fn insert_batchnorm(graph: &mut Graph) -> usize {
    let targets: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.spec, LayerSpec::Dense(_) | LayerSpec::Conv2D(_)))
        .filter(|n| !is_output_layer(graph, n.id))
        .filter(|n| {
            let outs = graph.outputs_of(n.id);
            !(outs.len() == 1
                && graph
                    .node(outs[0].to)
                    .is_some_and(|m| matches!(m.spec, LayerSpec::BatchNorm(_))))
        })
        .map(|n| n.id)
        .collect();
    if targets.is_empty() {
        return 0;
    }
    let mut count = graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.spec, LayerSpec::BatchNorm(_)))
        .count();
    let mut nodes = graph.nodes().to_vec();
    let mut edges = graph.edges().to_vec();
    let mut next = graph.next_id();
    for id in &targets {
        let bn = NodeId(next);
        next = next.saturating_add(1);
        count += 1;
        let pos = nodes
            .iter()
            .find(|n| n.id == *id)
            .map_or([40.0, 40.0], |n| n.pos);
        nodes.push(super::Node {
            id: bn,
            name: format!("batchnorm {count}"),
            spec: LayerSpec::BatchNorm(BatchNormSpec::default()),
            pos,
        });
        for e in edges.iter_mut().filter(|e| e.from == *id) {
            e.from = bn;
        }
        edges.push(Edge {
            from: *id,
            to: bn,
            port: 0,
        });
    }
    *graph = Graph::from_parts(nodes, edges, next);
    relayout(graph);
    targets.len()
}

/// Takes out every Dropout layer, wiring what fed it straight to what it
/// fed (same input ports). A Dropout with no input is simply removed. The
/// graph is laid out again. Returns how many were removed.
pub fn remove_dropout(graph: &mut Graph) -> usize {
    let drops: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.spec, LayerSpec::Dropout { .. }))
        .map(|n| n.id)
        .collect();
    if drops.is_empty() {
        return 0;
    }
    let mut edges = graph.edges().to_vec();
    for d in &drops {
        // A chain of Dropouts resolves one at a time: each rewiring sees
        // the wires the previous one left.
        let source = edges.iter().find(|e| e.to == *d).map(|e| e.from);
        let mut kept = Vec::with_capacity(edges.len());
        for e in edges {
            if e.to == *d {
                continue;
            }
            if e.from == *d {
                if let Some(s) = source {
                    kept.push(Edge { from: s, ..e });
                }
                continue;
            }
            kept.push(e);
        }
        edges = kept;
    }
    let nodes: Vec<super::Node> = graph
        .nodes()
        .iter()
        .filter(|n| !drops.contains(&n.id))
        .cloned()
        .collect();
    *graph = Graph::from_parts(nodes, edges, graph.next_id());
    relayout(graph);
    drops.len()
}

/// Whether only activation layers lie between `id` and the end of the
/// network (nothing, or a chain of single activations).
fn is_output_layer(graph: &Graph, id: NodeId) -> bool {
    let mut at = id;
    for _ in 0..graph.nodes().len() {
        let outs = graph.outputs_of(at);
        match outs.as_slice() {
            [] => return true,
            [e] if graph
                .node(e.to)
                .is_some_and(|n| matches!(n.spec, LayerSpec::Activation(_))) =>
            {
                at = e.to;
            }
            _ => return false,
        }
    }
    false
}

fn relayout(graph: &mut Graph) {
    for (id, pos) in layout::auto_layout(graph, layout::Spacing::default()) {
        if let Some(n) = graph.node_mut(id) {
            n.pos = pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DenseSpec, Units};

    /// input → dense → relu → dropout → dense → sigmoid
    fn chain() -> Graph {
        let mut g = Graph::new();
        let specs = [
            LayerSpec::Input,
            LayerSpec::Dense(DenseSpec::default()),
            LayerSpec::Activation(Activation::ReLU),
            LayerSpec::Dropout { rate: 0.2 },
            LayerSpec::Dense(DenseSpec {
                units: Units::Auto,
                ..DenseSpec::default()
            }),
            LayerSpec::Activation(Activation::Sigmoid),
        ];
        let names = [
            "input",
            "dense 1",
            "relu 1",
            "dropout 1",
            "out",
            "sigmoid 1",
        ];
        let mut prev = None;
        for (s, n) in specs.into_iter().zip(names) {
            let id = g.add_node(n, s, [0.0, 0.0]);
            if let Some(p) = prev {
                g.connect(p, id).unwrap();
            }
            prev = Some(id);
        }
        g
    }

    fn kinds_in_order(g: &Graph) -> Vec<&'static str> {
        g.topo_order()
            .unwrap()
            .into_iter()
            .map(|id| g.node(id).unwrap().spec.kind_name())
            .collect()
    }

    #[test]
    fn every_initialiser_is_set_and_only_changes_count() {
        let mut g = chain();
        assert_eq!(set_all_inits(&mut g, Init::XavierNormal), 2);
        for n in g.nodes() {
            if let LayerSpec::Dense(d) = n.spec {
                assert_eq!(d.init, Init::XavierNormal);
            }
        }
        assert_eq!(set_all_inits(&mut g, Init::XavierNormal), 0);
    }

    #[test]
    fn activations_of_one_kind_are_swapped_and_renamed() {
        let mut g = chain();
        assert_eq!(
            swap_activations(&mut g, Activation::ReLU, Activation::Tanh),
            1
        );
        let kinds = kinds_in_order(&g);
        assert_eq!(
            kinds,
            ["Input", "Dense", "Tanh", "Dropout", "Dense", "Sigmoid"]
        );
        assert!(g.nodes().iter().any(|n| n.name == "tanh 1"));
        // LeakyReLU matches by kind whatever its slope.
        swap_activations(
            &mut g,
            Activation::Tanh,
            Activation::LeakyReLU { slope: 0.1 },
        );
        assert_eq!(
            swap_activations(
                &mut g,
                Activation::LeakyReLU { slope: 0.3 },
                Activation::Gelu
            ),
            1
        );
        assert_eq!(
            swap_activations(&mut g, Activation::Elu { alpha: 1.0 }, Activation::ReLU),
            0
        );
    }

    #[test]
    fn batchnorm_goes_after_every_hidden_dense_once() {
        let mut g = chain();
        assert_eq!(insert_batchnorm(&mut g), 1);
        assert_eq!(
            kinds_in_order(&g),
            [
                "Input",
                "Dense",
                "BatchNorm",
                "ReLU",
                "Dropout",
                "Dense",
                "Sigmoid"
            ]
        );
        // Already followed by one: nothing more.
        assert_eq!(insert_batchnorm(&mut g), 0);
        assert_eq!(g.nodes().len(), 7);
        // Laid out: no two nodes share a place.
        let mut places: Vec<(i64, i64)> = g
            .nodes()
            .iter()
            .map(|n| (n.pos[0] as i64, n.pos[1] as i64))
            .collect();
        places.sort_unstable();
        places.dedup();
        assert_eq!(places.len(), 7);
    }

    #[test]
    fn batchnorm_keeps_the_input_ports_of_a_merge() {
        // input → a (dense), input → b (dense); concat(b, a) — b first.
        let mut g = Graph::new();
        let i = g.add_node("input", LayerSpec::Input, [0.0, 0.0]);
        let a = g.add_node("a", LayerSpec::Dense(DenseSpec::default()), [0.0, 0.0]);
        let b = g.add_node("b", LayerSpec::Dense(DenseSpec::default()), [0.0, 0.0]);
        let c = g.add_node("cat", LayerSpec::Concatenate, [0.0, 0.0]);
        let o = g.add_node("out", LayerSpec::Dense(DenseSpec::default()), [0.0, 0.0]);
        g.connect(i, a).unwrap();
        g.connect(i, b).unwrap();
        g.connect(b, c).unwrap();
        g.connect(a, c).unwrap();
        g.connect(c, o).unwrap();
        assert_eq!(insert_batchnorm(&mut g), 2);
        let ins = g.inputs_of(c);
        assert_eq!(ins.len(), 2);
        // Port 0 still comes (through its BatchNorm) from b.
        let from0 = g.inputs_of(ins[0].from)[0].from;
        let from1 = g.inputs_of(ins[1].from)[0].from;
        assert_eq!((from0, from1), (b, a));
    }

    #[test]
    fn a_variant_says_what_it_did() {
        let mut g = chain();
        assert_eq!(
            Variant::NoDropout.apply(&mut g),
            ("Dropout removed: 1 layer".to_string(), true)
        );
        assert_eq!(
            Variant::NoDropout.apply(&mut g),
            ("Dropout removed: 0 layers".to_string(), false)
        );
        let (text, changed) = Variant::Init(Init::HeNormal).apply(&mut g);
        assert!(changed && text.contains("2 layers"), "{text}");
    }

    #[test]
    fn dropout_is_removed_and_its_wires_joined() {
        let mut g = chain();
        assert_eq!(remove_dropout(&mut g), 1);
        assert_eq!(
            kinds_in_order(&g),
            ["Input", "Dense", "ReLU", "Dense", "Sigmoid"]
        );
        assert_eq!(g.edges().len(), 4);
        assert_eq!(remove_dropout(&mut g), 0);
    }

    #[test]
    fn a_chain_of_dropouts_is_joined_through() {
        let mut g = Graph::new();
        let i = g.add_node("input", LayerSpec::Input, [0.0, 0.0]);
        let d1 = g.add_node("d1", LayerSpec::Dropout { rate: 0.1 }, [0.0, 0.0]);
        let d2 = g.add_node("d2", LayerSpec::Dropout { rate: 0.1 }, [0.0, 0.0]);
        let o = g.add_node("o", LayerSpec::Dense(DenseSpec::default()), [0.0, 0.0]);
        g.connect(i, d1).unwrap();
        g.connect(d1, d2).unwrap();
        g.connect(d2, o).unwrap();
        assert_eq!(remove_dropout(&mut g), 2);
        assert_eq!(
            g.edges(),
            &[Edge {
                from: i,
                to: o,
                port: 0
            }]
        );
    }
}
