//! Validation over the whole graph: runs shape inference in topological
//! order and attaches every problem to its node (or to the graph).

use std::collections::{BTreeMap, BTreeSet};

use super::infer::{fmt_shape, infer_layer, numel};
use super::{
    Activation, Analysis, DataInfo, Graph, LayerSpec, LossKind, NodeId, NodeInfo, Problem,
    Severity, TrainConfig, Units,
};

/// Most learnable parameters a network may have (≈ 3.2 GB to train with Adam).
pub const MAX_PARAMS: u64 = 200_000_000;
/// Most values one layer may output per sample.
pub const MAX_ACTIVATION: u64 = 1 << 26;

fn problem(severity: Severity, message: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem {
        severity,
        message: message.into(),
        fix: fix.into(),
    }
}

fn error(message: impl Into<String>, fix: impl Into<String>) -> Problem {
    problem(Severity::Error, message, fix)
}

fn warning(message: impl Into<String>, fix: impl Into<String>) -> Problem {
    problem(Severity::Warning, message, fix)
}

/// Formats a byte count as `3.6 GB`.
pub fn fmt_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e12 {
        format!("{:.1} TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Infers every node's shape and checks the graph against the data and the
/// training settings. `data` is `None` while the data's shape is unknown
/// (shapes are then left out, but structure is still checked).
pub fn analyze(graph: &Graph, data: Option<&DataInfo>, training: &TrainConfig) -> Analysis {
    let mut a = Analysis::default();
    for n in graph.nodes() {
        a.nodes.insert(n.id, NodeInfo::default());
    }
    let push = |a: &mut Analysis, id: NodeId, p: Problem| {
        if let Some(info) = a.nodes.get_mut(&id) {
            info.problems.push(p);
        }
    };
    check_training(training, &mut a.graph_problems);
    if graph.nodes().is_empty() {
        a.graph_problems.push(error(
            "the network is empty",
            "drag an Input and some layers from the palette",
        ));
        return a;
    }

    // Structure: inputs, arity, cycles, outputs.
    let inputs: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| n.spec == LayerSpec::Input)
        .map(|n| n.id)
        .collect();
    match inputs.len() {
        0 => a.graph_problems.push(error(
            "the network has no Input layer",
            "drag an Input from the palette and wire it to the first layer",
        )),
        1 => {}
        k => {
            for id in &inputs[1..] {
                push(
                    &mut a,
                    *id,
                    error(
                        format!("the network has {k} Input layers; it takes one"),
                        "delete the extra Input and wire its layers to the first",
                    ),
                );
            }
        }
    }
    let order = match graph.topo_order() {
        Ok(order) => order,
        Err(cycle) => {
            a.graph_problems.push(error(
                "the wires form a cycle, so data cannot flow one way",
                "remove one of the wires on the cycle",
            ));
            for id in cycle {
                push(
                    &mut a,
                    id,
                    error("this layer is on a cycle", "remove a wire of the cycle"),
                );
            }
            return a;
        }
    };
    for n in graph.nodes() {
        let got = graph.inputs_of(n.id).len();
        match n.spec.arity() {
            Some(0) => {}
            Some(_) if got == 0 => push(
                &mut a,
                n.id,
                error(
                    format!("{} is not connected: nothing feeds it", n.spec.kind_name()),
                    "drag a wire from a layer's output pin to its input pin, or delete it",
                ),
            ),
            None if got < 2 => push(
                &mut a,
                n.id,
                error(
                    format!(
                        "{} needs at least two inputs but has {got}",
                        n.spec.kind_name()
                    ),
                    "wire a second branch into it",
                ),
            ),
            _ => {}
        }
    }
    // A node that no path from the Input reaches is stray: it carries its
    // own problem and is not counted as an output, so the real output is not
    // blamed for it.
    let reach = inputs.first().map(|i| reachable_from(graph, *i));
    if let Some(reach) = &reach {
        for n in graph.nodes() {
            let fed = !graph.inputs_of(n.id).is_empty();
            if n.spec != LayerSpec::Input && fed && !reach.contains(&n.id) {
                push(
                    &mut a,
                    n.id,
                    error(
                        format!(
                            "{} is not connected: no path leads to it from the Input",
                            n.spec.kind_name()
                        ),
                        "wire it into the network, or delete it",
                    ),
                );
            }
        }
    }
    let sinks: Vec<NodeId> = graph
        .nodes()
        .iter()
        .filter(|n| graph.outputs_of(n.id).is_empty())
        .filter(|n| reach.as_ref().is_none_or(|r| r.contains(&n.id)))
        .map(|n| n.id)
        .collect();
    if sinks.len() > 1 {
        let names: Vec<String> = sinks
            .iter()
            .filter_map(|id| graph.node(*id))
            .map(|n| format!("{} {}", n.name, n.id))
            .collect();
        a.graph_problems.push(error(
            format!(
                "the network has {} outputs ({}); it must end in one layer",
                sinks.len(),
                names.join(", ")
            ),
            "connect the extra ends onwards or delete them",
        ));
    } else {
        a.output = sinks.first().copied();
    }
    a.order = order.clone();

    // Shapes, in order.
    let auto = data.map(|d| d.auto_units(training.loss));
    let mut shapes: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
    for id in &order {
        let Some(node) = graph.node(*id) else {
            continue;
        };
        let ins: Vec<Vec<usize>> = graph
            .inputs_of(*id)
            .iter()
            .filter_map(|e| shapes.get(&e.from).cloned())
            .collect();
        let ready = match node.spec {
            LayerSpec::Input => data.is_some(),
            _ => !ins.is_empty() && ins.len() == graph.inputs_of(*id).len(),
        };
        if !ready {
            continue;
        }
        let ins = if node.spec == LayerSpec::Input {
            vec![data.map(|d| d.input_shape.clone()).unwrap_or_default()]
        } else {
            ins
        };
        if let LayerSpec::Dense(d) = &node.spec
            && d.units == Units::Auto
            && !graph.outputs_of(*id).is_empty()
        {
            push(
                &mut a,
                *id,
                warning(
                    "Auto units take the number of classes or targets, which fits only the last layer",
                    "set a number of units here",
                ),
            );
        }
        match infer_layer(&node.spec, &ins, auto) {
            Ok(s) => {
                if s.params > MAX_PARAMS {
                    push(
                        &mut a,
                        *id,
                        error(
                            format!(
                                "{} has {} parameters and would need {} to train; the limit is {MAX_PARAMS}",
                                node.spec.kind_name(),
                                s.params,
                                fmt_bytes(s.params.saturating_mul(16))
                            ),
                            "use fewer units, or pool or shrink the input first",
                        ),
                    );
                    continue;
                }
                if numel(&s.out) > MAX_ACTIVATION {
                    push(
                        &mut a,
                        *id,
                        error(
                            format!(
                                "{} outputs {} values per sample ({}); the limit is {MAX_ACTIVATION}",
                                node.spec.kind_name(),
                                numel(&s.out),
                                fmt_shape(&s.out)
                            ),
                            "use fewer units or filters, or pool first",
                        ),
                    );
                    continue;
                }
                let info = a.nodes.entry(*id).or_default();
                info.out_shape = Some(s.out.clone());
                info.params = s.params;
                info.flops = s.flops;
                shapes.insert(*id, s.out);
            }
            Err(e) => push(&mut a, *id, error(e.message, e.fix)),
        }
    }
    a.total_params = a
        .nodes
        .values()
        .fold(0u64, |s, n| s.saturating_add(n.params));
    a.total_flops = a
        .nodes
        .values()
        .fold(0u64, |s, n| s.saturating_add(n.flops));
    if a.total_params > MAX_PARAMS {
        a.graph_problems.push(error(
            format!(
                "the network has {} parameters and would need {} to train; the limit is {MAX_PARAMS}",
                a.total_params,
                fmt_bytes(a.total_params.saturating_mul(16))
            ),
            "use fewer or smaller layers",
        ));
    }
    a.train_memory_bytes = super::analysis::train_memory_bytes(graph, &a, training.batch_size);

    if let Some(out) = a.output {
        check_loss(graph, &a, out, data, training.loss)
            .into_iter()
            .for_each(|(on_node, p)| {
                if on_node {
                    push(&mut a, out, p)
                } else {
                    a.graph_problems.push(p)
                }
            });
    }
    a
}

/// Every node a path of wires leads to from `start`, `start` included.
fn reachable_from(graph: &Graph, start: NodeId) -> BTreeSet<NodeId> {
    let mut seen = BTreeSet::from([start]);
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        for e in graph.outputs_of(id) {
            if seen.insert(e.to) {
                todo.push(e.to);
            }
        }
    }
    seen
}

fn check_training(t: &TrainConfig, out: &mut Vec<Problem>) {
    if !(t.learning_rate > 0.0 && t.learning_rate.is_finite()) {
        out.push(error(
            format!(
                "the learning rate {} must be a positive number",
                t.learning_rate
            ),
            "try 0.01 for Adam or 0.1 for SGD",
        ));
    } else if t.learning_rate > 10.0 {
        out.push(warning(
            format!(
                "the learning rate {} is very high and will likely diverge",
                t.learning_rate
            ),
            "try 0.01 for Adam or 0.1 for SGD",
        ));
    }
    if t.batch_size == 0 || t.batch_size > 65_536 {
        out.push(error(
            format!("batch size {} must be between 1 and 65536", t.batch_size),
            "try 32",
        ));
    }
    if t.epochs == 0 || t.epochs > 1_000_000 {
        out.push(error(
            format!("{} epochs: must be between 1 and 1000000", t.epochs),
            "try 50",
        ));
    }
    if !(t.l1 >= 0.0 && t.l1.is_finite() && t.l2 >= 0.0 && t.l2.is_finite()) {
        out.push(error(
            "L1 and L2 penalties must be 0 or positive",
            "try 0 or 1e-4",
        ));
    }
    if let Some(c) = t.clip_grad_norm
        && !(c > 0.0 && c.is_finite())
    {
        out.push(error(
            format!("gradient clipping at {c} must be a positive number"),
            "try 1.0, or turn clipping off",
        ));
    }
}

/// Checks the loss against the output layer and the data. Returns problems
/// with whether each belongs on the output node (`true`) or the graph.
fn check_loss(
    graph: &Graph,
    a: &Analysis,
    out: NodeId,
    data: Option<&DataInfo>,
    loss: LossKind,
) -> Vec<(bool, Problem)> {
    let mut v = Vec::new();
    let spec = graph.node(out).map(|n| &n.spec);
    let shape = a.nodes.get(&out).and_then(|n| n.out_shape.clone());
    let classes = data.and_then(|d| d.classes);
    let is_regression_data = data.is_some() && classes.is_none();
    match loss {
        LossKind::CrossEntropy => {
            if is_regression_data {
                v.push((
                    false,
                    error(
                        "cross-entropy needs class labels, but the data has numeric targets",
                        "use MSE (or MAE/Huber) for regression",
                    ),
                ));
            }
            if let Some(s) = &shape {
                if s.len() != 1 {
                    v.push((
                        true,
                        error(
                            format!(
                                "cross-entropy needs one score per class but the output is {}",
                                fmt_shape(s)
                            ),
                            "end the network with Flatten and a Dense with Auto units",
                        ),
                    ));
                } else if s[0] == 1 {
                    v.push((
                        true,
                        error(
                            "cross-entropy needs one output per class; this output has 1 unit",
                            "use binary cross-entropy, or set the last Dense's units to Auto",
                        ),
                    ));
                } else if let Some(k) = classes
                    && s[0] != k
                {
                    v.push((
                        true,
                        error(
                            format!("the output has {} units but the data has {k} classes", s[0]),
                            "set the last Dense's units to Auto",
                        ),
                    ));
                }
            }
            if let Some(LayerSpec::Activation(Activation::Softmax)) = spec {
                v.push((true, warning(
                    "cross-entropy already applies softmax; this final Softmax is folded into the loss so it is not applied twice",
                    "you may remove it; the results are the same",
                )));
            } else if let Some(LayerSpec::Activation(act)) = spec
                && *act != Activation::Linear
            {
                v.push((true, warning(
                    format!("cross-entropy expects raw scores (logits) but the output passes through {}", act.name()),
                    "end the network with the Dense layer",
                )));
            }
        }
        LossKind::BinaryCrossEntropy => {
            if is_regression_data {
                v.push((
                    false,
                    error(
                        "binary cross-entropy needs two classes, but the data has numeric targets",
                        "use MSE for regression",
                    ),
                ));
            } else if let Some(k) = classes
                && k != 2
            {
                v.push((
                    false,
                    error(
                        format!("binary cross-entropy is for two classes but the data has {k}"),
                        "use cross-entropy",
                    ),
                ));
            }
            if let Some(s) = &shape
                && s.as_slice() != [1]
            {
                v.push((
                    true,
                    error(
                        format!(
                            "binary cross-entropy needs a single output unit but the output is {}",
                            fmt_shape(s)
                        ),
                        "end the network with a Dense of 1 unit (or Auto)",
                    ),
                ));
            }
            if let Some(LayerSpec::Activation(Activation::Sigmoid)) = spec {
                v.push((true, warning(
                    "binary cross-entropy already applies the sigmoid; this final Sigmoid is folded into the loss so it is not applied twice",
                    "you may remove it; the results are the same",
                )));
            }
        }
        LossKind::Mse | LossKind::Mae | LossKind::Huber { .. } => {
            if let Some(k) = classes {
                v.push((
                    false,
                    error(
                        format!(
                            "{} is for numeric targets but the data has {k} classes",
                            loss.name()
                        ),
                        "use cross-entropy for classes",
                    ),
                ));
            } else if let (Some(s), Some(d)) = (&shape, data)
                && numel(s) != d.targets as u64
            {
                v.push((
                    true,
                    error(
                        format!(
                            "the output is {} but the data has {} target(s)",
                            fmt_shape(s),
                            d.targets
                        ),
                        "end the network with a Dense of Auto units",
                    ),
                ));
            }
            if let LossKind::Huber { delta } = loss
                && !(delta > 0.0 && delta.is_finite())
            {
                v.push((false, error("Huber's delta must be positive", "try 1.0")));
            }
        }
    }
    v
}
