//! `LayerSpec`: what a node of the network is, as settings only (no weights).

use serde::{Deserialize, Serialize};

/// How a layer's weights start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Init {
    /// The usual choice for the layer: He for layers followed by ReLU-like
    /// activations is not known here, so Dense/Conv use Kaiming-uniform with
    /// a=√5 like PyTorch, recurrent layers use uniform(±1/√units).
    #[default]
    Default,
    /// Glorot uniform: U(±√(6/(fan_in+fan_out))).
    XavierUniform,
    /// Glorot normal: N(0, 2/(fan_in+fan_out)).
    XavierNormal,
    /// He uniform: U(±√(6/fan_in)).
    HeUniform,
    /// He normal: N(0, 2/fan_in).
    HeNormal,
    /// LeCun normal: N(0, 1/fan_in).
    LeCun,
    /// All zeros (a teaching example of symmetry that never breaks).
    Zeros,
    /// Every weight the same value.
    Constant(f32),
}

/// How many output units a Dense layer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Units {
    /// A fixed count.
    Fixed(usize),
    /// As many as the dataset has classes (classification) or targets
    /// (regression). Only sensible on the last layer.
    Auto,
}

/// Padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Padding {
    /// Output spatial size = ceil(input / stride); zeros added around.
    #[default]
    Same,
    /// No padding: output = floor((input - kernel) / stride) + 1.
    Valid,
}

/// Element-wise (or, for Softmax, per-sample) activation functions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, x).
    ReLU,
    /// x if x > 0 else slope·x.
    LeakyReLU {
        /// Slope for negative inputs.
        slope: f32,
    },
    /// x if x > 0 else alpha·(eˣ − 1).
    Elu {
        /// Scale of the negative part.
        alpha: f32,
    },
    /// 1 / (1 + e⁻ˣ).
    Sigmoid,
    /// tanh x.
    Tanh,
    /// eˣⁱ / Σ eˣʲ over the features of each sample.
    Softmax,
    /// x·Φ(x) (exact, with erf).
    Gelu,
    /// The identity.
    Linear,
}

impl Activation {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ReLU => "ReLU",
            Self::LeakyReLU { .. } => "LeakyReLU",
            Self::Elu { .. } => "ELU",
            Self::Sigmoid => "Sigmoid",
            Self::Tanh => "Tanh",
            Self::Softmax => "Softmax",
            Self::Gelu => "GELU",
            Self::Linear => "Linear",
        }
    }
}

/// Settings of a Dense (fully connected) layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DenseSpec {
    /// Output units.
    pub units: Units,
    /// Whether a bias is added.
    pub bias: bool,
    /// Weight initialiser.
    pub init: Init,
}

impl Default for DenseSpec {
    fn default() -> Self {
        Self {
            units: Units::Fixed(16),
            bias: true,
            init: Init::Default,
        }
    }
}

/// Settings of a 2-D convolution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conv2DSpec {
    /// Output channels.
    pub filters: usize,
    /// Square kernel side.
    pub kernel: usize,
    /// Step between kernel positions.
    pub stride: usize,
    /// Same or valid padding.
    pub padding: Padding,
    /// Whether a bias per filter is added.
    pub bias: bool,
    /// Weight initialiser.
    pub init: Init,
}

impl Default for Conv2DSpec {
    fn default() -> Self {
        Self {
            filters: 8,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            bias: true,
            init: Init::Default,
        }
    }
}

/// Settings of a max or average pooling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolSpec {
    /// Square window side.
    pub size: usize,
    /// Step between windows (usually the size).
    pub stride: usize,
}

impl Default for PoolSpec {
    fn default() -> Self {
        Self { size: 2, stride: 2 }
    }
}

/// Settings of SimpleRNN, LSTM and GRU.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RnnSpec {
    /// Hidden units.
    pub units: usize,
    /// Output the whole sequence (`T×units`) instead of the last step (`units`).
    pub return_sequences: bool,
    /// Weight initialiser.
    pub init: Init,
}

impl Default for RnnSpec {
    fn default() -> Self {
        Self {
            units: 32,
            return_sequences: false,
            init: Init::Default,
        }
    }
}

/// Settings of BatchNorm.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchNormSpec {
    /// Weight of the new batch in the running statistics (PyTorch's 0.1).
    pub momentum: f32,
    /// Added to the variance before the square root.
    pub eps: f32,
}

impl Default for BatchNormSpec {
    fn default() -> Self {
        Self {
            momentum: 0.1,
            eps: 1e-5,
        }
    }
}

/// What a node of the network is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LayerSpec {
    /// Where the data enters; its shape comes from the dataset.
    Input,
    /// Fully connected: y = x·Wᵀ + b.
    Dense(DenseSpec),
    /// 2-D convolution over `C×H×W`.
    Conv2D(Conv2DSpec),
    /// Maximum over each window.
    MaxPool2D(PoolSpec),
    /// Mean over each window.
    AvgPool2D(PoolSpec),
    /// Mean over all positions of each channel: `C×H×W → C`.
    GlobalAvgPool,
    /// Any shape to a flat vector.
    Flatten,
    /// A flat (or any) input to the given shape with the same element count.
    Reshape {
        /// Target shape per sample.
        shape: Vec<usize>,
    },
    /// Inverted dropout: zero each unit with probability `rate` in training.
    Dropout {
        /// Probability of dropping a unit, in [0, 1).
        rate: f32,
    },
    /// Normalise each feature (or channel) over the batch.
    BatchNorm(BatchNormSpec),
    /// Normalise each sample over its features.
    LayerNorm {
        /// Added to the variance before the square root.
        eps: f32,
    },
    /// An activation function.
    Activation(Activation),
    /// Elman recurrent layer: hₜ = tanh(W xₜ + U hₜ₋₁ + b).
    SimpleRnn(RnnSpec),
    /// Long short-term memory.
    Lstm(RnnSpec),
    /// Gated recurrent unit.
    Gru(RnnSpec),
    /// Element-wise sum of inputs of equal shape.
    Add,
    /// Joins inputs along their first axis (features, or channels).
    Concatenate,
}

/// A family of layers, for the palette and the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerGroup {
    /// Input.
    Input,
    /// Dense, Dropout, Flatten, Reshape.
    Core,
    /// Conv2D and pooling.
    Convolution,
    /// SimpleRNN, LSTM, GRU.
    Recurrent,
    /// BatchNorm, LayerNorm.
    Normalization,
    /// Activation functions.
    Activation,
    /// Add, Concatenate.
    Merge,
}

impl LayerSpec {
    /// Short kind name shown on nodes and in messages ("Dense", "ReLU", …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Input => "Input",
            Self::Dense(_) => "Dense",
            Self::Conv2D(_) => "Conv2D",
            Self::MaxPool2D(_) => "MaxPool2D",
            Self::AvgPool2D(_) => "AvgPool2D",
            Self::GlobalAvgPool => "GlobalAvgPool",
            Self::Flatten => "Flatten",
            Self::Reshape { .. } => "Reshape",
            Self::Dropout { .. } => "Dropout",
            Self::BatchNorm(_) => "BatchNorm",
            Self::LayerNorm { .. } => "LayerNorm",
            Self::Activation(a) => a.name(),
            Self::SimpleRnn(_) => "SimpleRNN",
            Self::Lstm(_) => "LSTM",
            Self::Gru(_) => "GRU",
            Self::Add => "Add",
            Self::Concatenate => "Concatenate",
        }
    }

    /// The palette group of this kind.
    pub fn group(&self) -> LayerGroup {
        match self {
            Self::Input => LayerGroup::Input,
            Self::Dense(_) | Self::Dropout { .. } | Self::Flatten | Self::Reshape { .. } => {
                LayerGroup::Core
            }
            Self::Conv2D(_) | Self::MaxPool2D(_) | Self::AvgPool2D(_) | Self::GlobalAvgPool => {
                LayerGroup::Convolution
            }
            Self::SimpleRnn(_) | Self::Lstm(_) | Self::Gru(_) => LayerGroup::Recurrent,
            Self::BatchNorm(_) | Self::LayerNorm { .. } => LayerGroup::Normalization,
            Self::Activation(_) => LayerGroup::Activation,
            Self::Add | Self::Concatenate => LayerGroup::Merge,
        }
    }

    /// How many inputs the node takes: `Some(n)` exactly, `None` for two or more.
    pub fn arity(&self) -> Option<usize> {
        match self {
            Self::Input => Some(0),
            Self::Add | Self::Concatenate => None,
            _ => Some(1),
        }
    }

    /// One of every kind with default settings, in palette order.
    pub fn palette() -> Vec<LayerSpec> {
        vec![
            Self::Input,
            Self::Dense(DenseSpec::default()),
            Self::Dropout { rate: 0.2 },
            Self::Flatten,
            Self::Reshape {
                shape: vec![1, 28, 28],
            },
            Self::Conv2D(Conv2DSpec::default()),
            Self::MaxPool2D(PoolSpec::default()),
            Self::AvgPool2D(PoolSpec::default()),
            Self::GlobalAvgPool,
            Self::SimpleRnn(RnnSpec::default()),
            Self::Lstm(RnnSpec::default()),
            Self::Gru(RnnSpec::default()),
            Self::BatchNorm(BatchNormSpec::default()),
            Self::LayerNorm { eps: 1e-5 },
            Self::Activation(Activation::ReLU),
            Self::Activation(Activation::LeakyReLU { slope: 0.01 }),
            Self::Activation(Activation::Elu { alpha: 1.0 }),
            Self::Activation(Activation::Sigmoid),
            Self::Activation(Activation::Tanh),
            Self::Activation(Activation::Softmax),
            Self::Activation(Activation::Gelu),
            Self::Activation(Activation::Linear),
            Self::Add,
            Self::Concatenate,
        ]
    }
}
