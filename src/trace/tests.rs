use super::*;
use crate::engine::network::StateEntry;
use crate::model::{BatchNormSpec, DenseSpec, Graph, LossKind, TrainConfig, Units, analyze};

fn node(g: &mut Graph, name: &str, spec: LayerSpec, from: &[NodeId]) -> NodeId {
    let id = g.add_node(name, spec, [0.0, 0.0]);
    for f in from {
        g.connect(*f, id).unwrap();
    }
    id
}

fn dense(units: usize) -> LayerSpec {
    LayerSpec::Dense(DenseSpec {
        units: Units::Fixed(units),
        ..DenseSpec::default()
    })
}

/// Input(3) → Dense(4) → BatchNorm → Tanh → Dropout → Dense(out) → `last`.
fn project(last: Option<Activation>, out: usize, loss: LossKind) -> (Project, Analysis, DataInfo) {
    let mut g = Graph::new();
    let x = node(&mut g, "x", LayerSpec::Input, &[]);
    let h = node(&mut g, "hidden", dense(4), &[x]);
    let bn = node(
        &mut g,
        "bn",
        LayerSpec::BatchNorm(BatchNormSpec::default()),
        &[h],
    );
    let t = node(
        &mut g,
        "tanh",
        LayerSpec::Activation(Activation::Tanh),
        &[bn],
    );
    let d = node(&mut g, "drop", LayerSpec::Dropout { rate: 0.5 }, &[t]);
    let o = node(&mut g, "scores", dense(out), &[d]);
    if let Some(a) = last {
        node(&mut g, "last", LayerSpec::Activation(a), &[o]);
    }
    let info = DataInfo {
        input_shape: vec![3],
        classes: (loss != LossKind::Mse).then_some(if out == 1 { 2 } else { out }),
        targets: if loss == LossKind::Mse { out } else { 1 },
    };
    let training = TrainConfig {
        loss,
        ..TrainConfig::default()
    };
    let analysis = analyze(&g, Some(&info), &training);
    assert!(
        !analysis.has_errors(),
        "{:?}",
        analysis.problems().collect::<Vec<_>>()
    );
    let p = Project {
        graph: g,
        training,
        ..Project::default()
    };
    (p, analysis, info)
}

fn by_name<'a>(t: &'a Trace, name: &str) -> &'a NodeTrace {
    t.nodes.iter().find(|n| n.name == name).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

const X: [f32; 3] = [0.5, -1.25, 2.0];

#[test]
fn dense_gradients_are_the_chain_rule_products_and_softmax_is_consistent() {
    let (p, a, info) = project(Some(Activation::Softmax), 3, LossKind::CrossEntropy);
    let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
    let t = tracer.trace(&X, &SampleTarget::Class(2)).unwrap();
    assert_eq!(t.nodes.len(), 7);
    // The loss is −log p₂ of the Softmax node's output.
    let probs = &by_name(&t, "last").output;
    assert!(close(t.loss, -probs[2].ln()));
    assert_eq!(&t.prediction, probs);
    // ∂L/∂p = −1/p₂ at the target; through the softmax Jacobian it is the
    // gradient of the scores: p − y.
    let gp = &by_name(&t, "last").grad;
    assert!(close(gp[2], -1.0 / probs[2]) && gp[0] == 0.0 && gp[1] == 0.0);
    let scores = by_name(&t, "scores");
    for j in 0..3 {
        let y = if j == 2 { 1.0 } else { 0.0 };
        assert!(close(scores.grad[j], probs[j] - y));
        let via_jacobian: f64 = (0..3)
            .map(|k| gp[k] * probs[k] * (f64::from(u8::from(j == k)) - probs[j]))
            .sum();
        assert!(close(scores.grad[j], via_jacobian));
    }
    // Dense weight [out, in]: ∂L/∂W_ji = ∂L/∂z_j · x_i; bias: ∂L/∂z_j.
    let input = by_name(&t, "drop");
    let w = t.params_of(scores.id).find(|p| p.name == "weight").unwrap();
    let b = t.params_of(scores.id).find(|p| p.name == "bias").unwrap();
    assert_eq!(w.shape, vec![3, 4]);
    for j in 0..3 {
        assert!(close(b.grad[j], scores.grad[j]));
        for i in 0..4 {
            assert!(close(w.grad[j * 4 + i], scores.grad[j] * input.output[i]));
        }
    }
    // Dropout is the identity in evaluation mode, forward and backward.
    assert_eq!(by_name(&t, "drop").output, by_name(&t, "tanh").output);
    assert_eq!(by_name(&t, "drop").grad, by_name(&t, "tanh").grad);
    // The input node carries the sample and ∂L/∂x.
    let x = by_name(&t, "x");
    assert_eq!(
        x.output,
        X.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
    );
    assert!(x.grad.iter().any(|&g| g != 0.0));
    // Torch keys are named for every parameter.
    assert!(t.params.iter().all(|p| !p.torch_key.is_empty()));
}

#[test]
fn batchnorm_uses_its_running_statistics() {
    let (p, a, info) = project(None, 2, LossKind::CrossEntropy);
    let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
    let t = tracer.trace(&X, &SampleTarget::Class(0)).unwrap();
    // Fresh running statistics are mean 0, variance 1: y = x/√(1 + ε).
    let h = by_name(&t, "hidden");
    let bn = by_name(&t, "bn");
    let s = 1.0 / (1.0f64 + f64::from(BatchNormSpec::default().eps)).sqrt();
    for j in 0..4 {
        assert!((bn.output[j] - h.output[j] * s).abs() < 1e-9);
        assert!((h.grad[j] - bn.grad[j] * s).abs() < 1e-9);
    }
    // Logits with cross-entropy: the prediction is their softmax.
    let z = &by_name(&t, "scores").output;
    let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    assert!(close(t.prediction[0], e[0] / (e[0] + e[1])));
}

#[test]
fn a_sigmoid_folded_into_binary_cross_entropy_is_traced_as_a_node() {
    let (p, a, info) = project(Some(Activation::Sigmoid), 1, LossKind::BinaryCrossEntropy);
    let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
    let t = tracer.trace(&X, &SampleTarget::Class(1)).unwrap();
    let last = t.nodes.last().unwrap();
    assert_eq!((last.name.as_str(), last.kind), ("last", "Sigmoid"));
    assert_eq!(t.output, last.id);
    let z = by_name(&t, "scores");
    let prob = 1.0 / (1.0 + (-z.output[0]).exp());
    assert!(close(last.output[0], prob));
    assert!(close(t.loss, -prob.ln()));
    // ∂L/∂p · σ′(z) = ∂L/∂z.
    assert!(close(last.grad[0] * prob * (1.0 - prob), z.grad[0]));
    assert_eq!(t.predicted_class, Some(usize::from(prob >= 0.5)));
    assert!(close(t.confidence().unwrap(), prob.max(1.0 - prob)));
}

#[test]
fn weights_are_loaded_and_bad_ones_refused() {
    let (p, a, info) = project(None, 2, LossKind::Mse);
    let tracer = Tracer::new(&p, &a, &info, None).unwrap();
    let mut state: Vec<StateEntry<f32>> = tracer
        .net
        .state_dict()
        .into_iter()
        .map(|(k, s, v)| (k, s, v.iter().map(|x| (*x as f32) * 0.5).collect()))
        .collect();
    let mut half = Tracer::new(&p, &a, &info, Some(&state)).unwrap();
    let t = half
        .trace(&X, &SampleTarget::Values(vec![0.5, -0.5]))
        .unwrap();
    let w = &t.params.first().unwrap().value;
    assert_eq!(w[0], f64::from(state[0].2[0]));
    // Regression: MSE over the outputs, prediction = output values.
    let out = &by_name(&t, "scores").output;
    let mse = ((out[0] - 0.5).powi(2) + (out[1] + 0.5).powi(2)) / 2.0;
    assert!(close(t.loss, mse));
    assert_eq!(&t.prediction, out);
    assert_eq!(t.predicted_class, None);

    state[0].2[1] = f32::NAN;
    assert!(matches!(
        Tracer::new(&p, &a, &info, Some(&state)),
        Err(TraceError::NotFinite(_))
    ));
    state[0].2[1] = 0.25;
    state[0].2.pop();
    assert!(matches!(
        Tracer::new(&p, &a, &info, Some(&state)),
        Err(TraceError::Weights(_))
    ));
    assert!(matches!(
        half.trace(&[1.0, 2.0], &SampleTarget::Values(vec![0.0, 0.0])),
        Err(TraceError::Sample(_))
    ));
    assert!(matches!(
        half.trace(
            &[1.0, f32::INFINITY, 0.0],
            &SampleTarget::Values(vec![0.0, 0.0])
        ),
        Err(TraceError::NotFinite(_))
    ));
}

#[test]
fn the_working_multiplies_out_to_the_gradient() {
    let mut g = Graph::new();
    let x = node(&mut g, "x", LayerSpec::Input, &[]);
    let h = node(&mut g, "hidden", dense(4), &[x]);
    let t = node(
        &mut g,
        "tanh",
        LayerSpec::Activation(Activation::Tanh),
        &[h],
    );
    let o = node(&mut g, "out", dense(2), &[t]);
    let info = DataInfo {
        input_shape: vec![3],
        classes: None,
        targets: 2,
    };
    let training = TrainConfig {
        loss: LossKind::Mse,
        ..TrainConfig::default()
    };
    let analysis = analyze(&g, Some(&info), &training);
    let p = Project {
        graph: g,
        training,
        ..Project::default()
    };
    let mut tracer = Tracer::new(&p, &analysis, &info, None).unwrap();
    let tr = tracer
        .trace(&X, &SampleTarget::Values(vec![1.0, -2.0]))
        .unwrap();
    // Hidden weight (unit 3, input 2): ∂L/∂a₃ · Tanh′(z₃) · x₂.
    let w = working(&tr, h, "weight", 2 * 3 + 1).unwrap();
    assert_eq!(w.symbol, "w₃,₂");
    let symbols: Vec<&str> = w.factors.iter().map(|f| f.symbol.as_str()).collect();
    assert_eq!(symbols, ["∂L/∂a₃", "Tanh′(z₃)", "x₂"]);
    assert_eq!(w.factors[2].value, f64::from(X[1]));
    let a3 = by_name(&tr, "tanh").output[2];
    assert!(close(w.factors[1].value, 1.0 - a3 * a3));
    assert!(close(w.product, w.grad), "{} vs {}", w.product, w.grad);
    assert!(
        w.text()
            .starts_with("∂L/∂w₃,₂ = ∂L/∂a₃ · Tanh′(z₃) · x₂ = ")
    );
    assert!(close(w.change(0.1), -0.1 * w.grad));
    // Output bias: no activation reads it, one factor.
    let b = working(&tr, o, "bias", 1).unwrap();
    assert_eq!(b.factors.len(), 1);
    assert_eq!(b.factors[0].symbol, "∂L/∂z₂");
    assert!(close(b.product, b.grad));
    // Out of range: nothing.
    assert!(working(&tr, o, "bias", 2).is_none());
    assert!(working(&tr, x, "weight", 0).is_none());
}

#[path = "sums_tests.rs"]
mod sums_tests;
