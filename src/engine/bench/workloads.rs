//! The workloads' networks, built directly from engine layers.

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::activation::{Act, ActivationLayer};
use super::super::dense::Dense;
use super::super::init::InitKind;
use super::super::loss::Loss;
use super::super::network::{NetNode, Network, Source};
use super::super::optim::{Optimizer, OptimizerKind};
use super::super::{EngineError, Float};
use super::Workload;

/// A multi-layer perceptron: `Dense` layers of the given `sizes` (input
/// first) with `act` between them and none after the last. Nodes are named
/// `dense0, act0, dense1, …`.
///
/// # Errors
/// Fewer than two sizes.
pub fn mlp<F: Float>(
    sizes: &[usize],
    act: Act,
    init: InitKind,
    seed: u64,
) -> Result<Network<F>, EngineError> {
    if sizes.len() < 2 {
        return Err(EngineError::Graph("an MLP needs at least two sizes".into()));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut nodes: Vec<NetNode<F>> = Vec::new();
    for (k, w) in sizes.windows(2).enumerate() {
        let input = nodes
            .len()
            .checked_sub(1)
            .map_or(Source::Input, Source::Node);
        nodes.push(NetNode {
            name: format!("dense{k}"),
            layer: Box::new(Dense::new(w[0], w[1], true, init, &mut rng)),
            inputs: vec![input],
        });
        if k + 2 < sizes.len() {
            nodes.push(NetNode {
                name: format!("act{k}"),
                layer: Box::new(ActivationLayer::new(act, w[1])),
                inputs: vec![Source::Node(nodes.len() - 1)],
            });
        }
    }
    let output = nodes.len() - 1;
    Network::new(sizes[0], nodes, output, seed)
}

fn random_batch(batch: usize, features: usize, classes: u32, seed: u64) -> (Array2<f32>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((batch, features), |_| rng.random_range(-1.0..1.0));
    let labels = (0..batch).map(|_| rng.random_range(0..classes)).collect();
    (x, labels)
}

/// a: MLP 784-128-10, ReLU, cross-entropy, SGD lr 0.1, batch 64.
pub(super) fn workload_a() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(64, 784, 10, 1);
    Ok(Workload {
        description: "MLP 784-128-10 ReLU, cross-entropy, SGD, batch 64",
        net: mlp(&[784, 128, 10], Act::Relu, InitKind::TorchDefault, 1)?,
        opt: Optimizer::new(OptimizerKind::sgd()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 0.1,
        x,
        labels,
        values: None,
    })
}

/// b: MLP 784-256-128-10, ReLU, cross-entropy, Adam lr 1e-3, batch 128.
pub(super) fn workload_b() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(128, 784, 10, 2);
    Ok(Workload {
        description: "MLP 784-256-128-10 ReLU, cross-entropy, Adam, batch 128",
        net: mlp(&[784, 256, 128, 10], Act::Relu, InitKind::TorchDefault, 2)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}

/// d: MLP 2-8-8-1, tanh, binary cross-entropy on logits, SGD, batch 10.
pub(super) fn workload_d() -> Result<Workload, EngineError> {
    let (x, labels) = random_batch(10, 2, 2, 4);
    Ok(Workload {
        description: "MLP 2-8-8-1 tanh, binary cross-entropy, SGD, batch 10",
        net: mlp(&[2, 8, 8, 1], Act::Tanh, InitKind::TorchDefault, 4)?,
        opt: Optimizer::new(OptimizerKind::sgd()),
        loss: Loss::BinaryCrossEntropyWithLogits,
        lr: 0.1,
        x,
        labels,
        values: None,
    })
}

/// c: CNN Conv(1→8,3,same)-ReLU-MaxPool2-Conv(8→16,3,same)-ReLU-MaxPool2-
/// Flatten-Dense(10) on 1×28×28, cross-entropy, Adam, batch 64.
pub(super) fn workload_c() -> Result<Workload, EngineError> {
    use crate::engine::conv::{Conv2D, ConvConfig, Pad};
    use crate::engine::pool::Pool2D;
    let (x, labels) = random_batch(64, 784, 10, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let bad = || EngineError::Graph("workload c does not fit".into());
    let layers: Vec<Box<dyn crate::engine::Layer<f32>>> = vec![
        Box::new(
            Conv2D::new(
                [1, 28, 28],
                ConvConfig {
                    filters: 8,
                    kernel: 3,
                    stride: 1,
                    pad: Pad::Same,
                    bias: true,
                    init: InitKind::TorchDefault,
                },
                &mut rng,
            )
            .ok_or_else(bad)?,
        ),
        Box::new(ActivationLayer::new(Act::Relu, 8 * 28 * 28)),
        Box::new(Pool2D::new([8, 28, 28], 2, 2, true).ok_or_else(bad)?),
        Box::new(
            Conv2D::new(
                [8, 14, 14],
                ConvConfig {
                    filters: 16,
                    kernel: 3,
                    stride: 1,
                    pad: Pad::Same,
                    bias: true,
                    init: InitKind::TorchDefault,
                },
                &mut rng,
            )
            .ok_or_else(bad)?,
        ),
        Box::new(ActivationLayer::new(Act::Relu, 16 * 14 * 14)),
        Box::new(Pool2D::new([16, 14, 14], 2, 2, true).ok_or_else(bad)?),
        Box::new(Dense::new(
            16 * 7 * 7,
            10,
            true,
            InitKind::TorchDefault,
            &mut rng,
        )),
    ];
    Ok(Workload {
        description: "CNN conv8-pool-conv16-pool-dense10, cross-entropy, Adam, batch 64",
        net: chain(784, layers, 3)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}

/// e: LSTM(1→32) over 50 steps, last output → Dense(1), MSE, Adam, batch 32.
pub(super) fn workload_e() -> Result<Workload, EngineError> {
    use crate::engine::recurrent::{Cell, Recurrent};
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let x = Array2::from_shape_fn((32, 50), |_| rng.random_range(-1.0..1.0));
    let y = Array2::from_shape_fn((32, 1), |_| rng.random_range(-1.0..1.0));
    let layers: Vec<Box<dyn crate::engine::Layer<f32>>> = vec![
        Box::new(Recurrent::new(Cell::Lstm, 50, 1, 32, false, None, &mut rng)),
        Box::new(Dense::new(32, 1, true, InitKind::TorchDefault, &mut rng)),
    ];
    Ok(Workload {
        description: "LSTM(1→32) × 50 steps → Dense(1), MSE, Adam, batch 32",
        net: chain(50, layers, 5)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::Mse,
        lr: 1e-3,
        x,
        labels: Vec::new(),
        values: Some(y),
    })
}

/// A network of `layers` in a chain.
fn chain(
    input_len: usize,
    layers: Vec<Box<dyn crate::engine::Layer<f32>>>,
    seed: u64,
) -> Result<Network<f32>, EngineError> {
    let nodes: Vec<NetNode<f32>> = layers
        .into_iter()
        .enumerate()
        .map(|(k, layer)| NetNode {
            name: format!("layer{k}"),
            layer,
            inputs: vec![if k == 0 {
                Source::Input
            } else {
                Source::Node(k - 1)
            }],
        })
        .collect();
    let output = nodes.len().saturating_sub(1);
    Network::new(input_len, nodes, output, seed)
}

/// A 3×3 same-padded convolution with a bias, PyTorch's initialisation.
fn conv3(
    input: [usize; 3],
    filters: usize,
    rng: &mut ChaCha8Rng,
) -> Result<crate::engine::conv::Conv2D<f32>, EngineError> {
    use crate::engine::conv::{Conv2D, ConvConfig, Pad};
    Conv2D::new(
        input,
        ConvConfig {
            filters,
            kernel: 3,
            stride: 1,
            pad: Pad::Same,
            bias: true,
            init: InitKind::TorchDefault,
        },
        rng,
    )
    .ok_or_else(|| EngineError::Graph(format!("a 3×3 convolution does not fit {input:?}")))
}

/// f: CNN on 3×32×32 (CIFAR-sized): Conv(3→32)-BN-ReLU-Conv(32→32)-ReLU-
/// MaxPool2-Conv(32→64)-BN-ReLU-Conv(64→64)-ReLU-MaxPool2-Flatten-
/// Dense(4096→128)-ReLU-Dropout(0.5)-Dense(10), all convolutions 3×3 same
/// with biases, BatchNorm with PyTorch's momentum 0.1 and eps 1e-5;
/// cross-entropy, Adam 1e-3, batch 64.
pub(super) fn workload_f() -> Result<Workload, EngineError> {
    use crate::engine::dropout::Dropout;
    use crate::engine::norm::BatchNorm;
    use crate::engine::pool::Pool2D;
    let (x, labels) = random_batch(64, 3 * 32 * 32, 10, 6);
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let bad = || EngineError::Graph("workload f does not fit".into());
    let layers: Vec<Box<dyn crate::engine::Layer<f32>>> = vec![
        Box::new(conv3([3, 32, 32], 32, &mut rng)?),
        Box::new(BatchNorm::new(32, 32 * 32, 0.1, 1e-5)),
        Box::new(ActivationLayer::new(Act::Relu, 32 * 32 * 32)),
        Box::new(conv3([32, 32, 32], 32, &mut rng)?),
        Box::new(ActivationLayer::new(Act::Relu, 32 * 32 * 32)),
        Box::new(Pool2D::new([32, 32, 32], 2, 2, true).ok_or_else(bad)?),
        Box::new(conv3([32, 16, 16], 64, &mut rng)?),
        Box::new(BatchNorm::new(64, 16 * 16, 0.1, 1e-5)),
        Box::new(ActivationLayer::new(Act::Relu, 64 * 16 * 16)),
        Box::new(conv3([64, 16, 16], 64, &mut rng)?),
        Box::new(ActivationLayer::new(Act::Relu, 64 * 16 * 16)),
        Box::new(Pool2D::new([64, 16, 16], 2, 2, true).ok_or_else(bad)?),
        Box::new(Dense::new(
            64 * 8 * 8,
            128,
            true,
            InitKind::TorchDefault,
            &mut rng,
        )),
        Box::new(ActivationLayer::new(Act::Relu, 128)),
        Box::new(Dropout::new(0.5, 128)),
        Box::new(Dense::new(128, 10, true, InitKind::TorchDefault, &mut rng)),
    ];
    Ok(Workload {
        description: "CNN 3×32×32 conv32-BN-conv32-pool-conv64-BN-conv64-pool-dense128-dropout-dense10, cross-entropy, Adam, batch 64",
        net: chain(3 * 32 * 32, layers, 6)?,
        opt: Optimizer::new(OptimizerKind::adam()),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}

/// g: residual MLP: Dense(256→256), then two blocks
/// `x + Dense(1024→256)(GELU(Dense(256→1024)(LayerNorm(x))))`, then
/// LayerNorm and Dense(10); cross-entropy, AdamW 1e-3 with weight decay
/// 0.01 on every parameter (`torch.optim.AdamW(m.parameters())` decays
/// biases and LayerNorm scales too), batch 128.
pub(super) fn workload_g() -> Result<Workload, EngineError> {
    use crate::engine::merge::Add;
    use crate::engine::norm::LayerNorm;
    let (x, labels) = random_batch(128, 256, 10, 7);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut nodes: Vec<NetNode<f32>> = Vec::new();
    let mut push =
        |name: String, layer: Box<dyn crate::engine::Layer<f32>>, inputs: Vec<Source>| {
            nodes.push(NetNode {
                name,
                layer,
                inputs,
            });
            Source::Node(nodes.len() - 1)
        };
    let dense = |i: usize, o: usize, rng: &mut ChaCha8Rng| {
        Box::new(Dense::new(i, o, true, InitKind::TorchDefault, rng))
    };
    let mut x_in = push(
        "stem".into(),
        dense(256, 256, &mut rng),
        vec![Source::Input],
    );
    for b in 0..2 {
        let norm = push(
            format!("block{b}.norm"),
            Box::new(LayerNorm::new(256, 1e-5)),
            vec![x_in],
        );
        let up = push(
            format!("block{b}.up"),
            dense(256, 1024, &mut rng),
            vec![norm],
        );
        let act = push(
            format!("block{b}.gelu"),
            Box::new(ActivationLayer::new(Act::Gelu, 1024)),
            vec![up],
        );
        let down = push(
            format!("block{b}.down"),
            dense(1024, 256, &mut rng),
            vec![act],
        );
        x_in = push(
            format!("block{b}.add"),
            Box::new(Add::new(256, 2)),
            vec![x_in, down],
        );
    }
    let norm = push(
        "norm".into(),
        Box::new(LayerNorm::new(256, 1e-5)),
        vec![x_in],
    );
    push("head".into(), dense(256, 10, &mut rng), vec![norm]);
    let output = nodes.len() - 1;
    let mut net = Network::new(256, nodes, output, 7)?;
    for p in net.params_mut() {
        p.decay = true;
    }
    Ok(Workload {
        description: "residual MLP 256, 2 blocks LayerNorm-dense1024-GELU-dense256 + skip, LayerNorm-dense10, cross-entropy, AdamW, batch 128",
        net,
        opt: Optimizer::new(OptimizerKind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }),
        loss: Loss::SoftmaxCrossEntropy,
        lr: 1e-3,
        x,
        labels,
        values: None,
    })
}
