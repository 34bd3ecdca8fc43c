//! The layer settings as the file format writes them (format version 1):
//! the file's own types, converted to and from [`LayerSpec`], so renaming
//! a field or variant of the model cannot silently change the format.
//! Defaults for missing fields are written out here, frozen with the
//! format, rather than taken from the model.

use serde::{Deserialize, Serialize};

use crate::model::{
    Activation, BatchNormSpec, Conv2DSpec, DenseSpec, Init, LayerSpec, Padding, PoolSpec, RnnSpec,
    Units,
};

/// How a layer's weights start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[allow(missing_docs)]
pub enum InitFile {
    #[default]
    Default,
    XavierUniform,
    XavierNormal,
    HeUniform,
    HeNormal,
    LeCun,
    Zeros,
    Constant(f32),
}

/// How many units a Dense layer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum UnitsFile {
    Fixed(usize),
    Auto,
}

/// Padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[allow(missing_docs)]
pub enum PaddingFile {
    #[default]
    Same,
    Valid,
}

/// An activation function.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum ActivationFile {
    ReLU,
    LeakyReLU { slope: f32 },
    Elu { alpha: f32 },
    Sigmoid,
    Tanh,
    Softmax,
    Gelu,
    Linear,
}

/// Dense settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct DenseFile {
    pub units: UnitsFile,
    pub bias: bool,
    pub init: InitFile,
}

impl Default for DenseFile {
    fn default() -> Self {
        Self {
            units: UnitsFile::Fixed(16),
            bias: true,
            init: InitFile::Default,
        }
    }
}

/// Conv2D settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct Conv2DFile {
    pub filters: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: PaddingFile,
    pub bias: bool,
    pub init: InitFile,
}

impl Default for Conv2DFile {
    fn default() -> Self {
        Self {
            filters: 8,
            kernel: 3,
            stride: 1,
            padding: PaddingFile::Same,
            bias: true,
            init: InitFile::Default,
        }
    }
}

/// Pooling settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PoolFile {
    pub size: usize,
    pub stride: usize,
}

impl Default for PoolFile {
    fn default() -> Self {
        Self { size: 2, stride: 2 }
    }
}

/// Recurrent layer settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct RnnFile {
    pub units: usize,
    pub return_sequences: bool,
    pub init: InitFile,
}

impl Default for RnnFile {
    fn default() -> Self {
        Self {
            units: 32,
            return_sequences: false,
            init: InitFile::Default,
        }
    }
}

/// BatchNorm settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct BatchNormFile {
    pub momentum: f32,
    pub eps: f32,
}

impl Default for BatchNormFile {
    fn default() -> Self {
        Self {
            momentum: 0.1,
            eps: 1e-5,
        }
    }
}

/// What a layer is, with its settings, as written in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum LayerFile {
    Input,
    Dense(DenseFile),
    Conv2D(Conv2DFile),
    MaxPool2D(PoolFile),
    AvgPool2D(PoolFile),
    GlobalAvgPool,
    Flatten,
    Reshape { shape: Vec<usize> },
    Dropout { rate: f32 },
    BatchNorm(BatchNormFile),
    LayerNorm { eps: f32 },
    Activation(ActivationFile),
    SimpleRnn(RnnFile),
    Lstm(RnnFile),
    Gru(RnnFile),
    Add,
    Concatenate,
}

impl From<Init> for InitFile {
    fn from(i: Init) -> Self {
        match i {
            Init::Default => Self::Default,
            Init::XavierUniform => Self::XavierUniform,
            Init::XavierNormal => Self::XavierNormal,
            Init::HeUniform => Self::HeUniform,
            Init::HeNormal => Self::HeNormal,
            Init::LeCun => Self::LeCun,
            Init::Zeros => Self::Zeros,
            Init::Constant(c) => Self::Constant(c),
        }
    }
}

impl From<InitFile> for Init {
    fn from(i: InitFile) -> Self {
        match i {
            InitFile::Default => Self::Default,
            InitFile::XavierUniform => Self::XavierUniform,
            InitFile::XavierNormal => Self::XavierNormal,
            InitFile::HeUniform => Self::HeUniform,
            InitFile::HeNormal => Self::HeNormal,
            InitFile::LeCun => Self::LeCun,
            InitFile::Zeros => Self::Zeros,
            InitFile::Constant(c) => Self::Constant(c),
        }
    }
}

impl From<Activation> for ActivationFile {
    fn from(a: Activation) -> Self {
        match a {
            Activation::ReLU => Self::ReLU,
            Activation::LeakyReLU { slope } => Self::LeakyReLU { slope },
            Activation::Elu { alpha } => Self::Elu { alpha },
            Activation::Sigmoid => Self::Sigmoid,
            Activation::Tanh => Self::Tanh,
            Activation::Softmax => Self::Softmax,
            Activation::Gelu => Self::Gelu,
            Activation::Linear => Self::Linear,
        }
    }
}

impl From<ActivationFile> for Activation {
    fn from(a: ActivationFile) -> Self {
        match a {
            ActivationFile::ReLU => Self::ReLU,
            ActivationFile::LeakyReLU { slope } => Self::LeakyReLU { slope },
            ActivationFile::Elu { alpha } => Self::Elu { alpha },
            ActivationFile::Sigmoid => Self::Sigmoid,
            ActivationFile::Tanh => Self::Tanh,
            ActivationFile::Softmax => Self::Softmax,
            ActivationFile::Gelu => Self::Gelu,
            ActivationFile::Linear => Self::Linear,
        }
    }
}

fn units_file(u: Units) -> UnitsFile {
    match u {
        Units::Fixed(n) => UnitsFile::Fixed(n),
        Units::Auto => UnitsFile::Auto,
    }
}

fn units(u: UnitsFile) -> Units {
    match u {
        UnitsFile::Fixed(n) => Units::Fixed(n),
        UnitsFile::Auto => Units::Auto,
    }
}

fn padding_file(p: Padding) -> PaddingFile {
    match p {
        Padding::Same => PaddingFile::Same,
        Padding::Valid => PaddingFile::Valid,
    }
}

fn padding(p: PaddingFile) -> Padding {
    match p {
        PaddingFile::Same => Padding::Same,
        PaddingFile::Valid => Padding::Valid,
    }
}

fn pool_file(p: PoolSpec) -> PoolFile {
    PoolFile {
        size: p.size,
        stride: p.stride,
    }
}

fn pool(p: PoolFile) -> PoolSpec {
    PoolSpec {
        size: p.size,
        stride: p.stride,
    }
}

fn rnn_file(r: RnnSpec) -> RnnFile {
    RnnFile {
        units: r.units,
        return_sequences: r.return_sequences,
        init: r.init.into(),
    }
}

fn rnn(r: RnnFile) -> RnnSpec {
    RnnSpec {
        units: r.units,
        return_sequences: r.return_sequences,
        init: r.init.into(),
    }
}

impl From<&LayerSpec> for LayerFile {
    fn from(s: &LayerSpec) -> Self {
        match s {
            LayerSpec::Input => Self::Input,
            LayerSpec::Dense(d) => Self::Dense(DenseFile {
                units: units_file(d.units),
                bias: d.bias,
                init: d.init.into(),
            }),
            LayerSpec::Conv2D(c) => Self::Conv2D(Conv2DFile {
                filters: c.filters,
                kernel: c.kernel,
                stride: c.stride,
                padding: padding_file(c.padding),
                bias: c.bias,
                init: c.init.into(),
            }),
            LayerSpec::MaxPool2D(p) => Self::MaxPool2D(pool_file(*p)),
            LayerSpec::AvgPool2D(p) => Self::AvgPool2D(pool_file(*p)),
            LayerSpec::GlobalAvgPool => Self::GlobalAvgPool,
            LayerSpec::Flatten => Self::Flatten,
            LayerSpec::Reshape { shape } => Self::Reshape {
                shape: shape.clone(),
            },
            LayerSpec::Dropout { rate } => Self::Dropout { rate: *rate },
            LayerSpec::BatchNorm(b) => Self::BatchNorm(BatchNormFile {
                momentum: b.momentum,
                eps: b.eps,
            }),
            LayerSpec::LayerNorm { eps } => Self::LayerNorm { eps: *eps },
            LayerSpec::Activation(a) => Self::Activation((*a).into()),
            LayerSpec::SimpleRnn(r) => Self::SimpleRnn(rnn_file(*r)),
            LayerSpec::Lstm(r) => Self::Lstm(rnn_file(*r)),
            LayerSpec::Gru(r) => Self::Gru(rnn_file(*r)),
            LayerSpec::Add => Self::Add,
            LayerSpec::Concatenate => Self::Concatenate,
        }
    }
}

impl From<&LayerFile> for LayerSpec {
    fn from(s: &LayerFile) -> Self {
        match s {
            LayerFile::Input => Self::Input,
            LayerFile::Dense(d) => Self::Dense(DenseSpec {
                units: units(d.units),
                bias: d.bias,
                init: d.init.into(),
            }),
            LayerFile::Conv2D(c) => Self::Conv2D(Conv2DSpec {
                filters: c.filters,
                kernel: c.kernel,
                stride: c.stride,
                padding: padding(c.padding),
                bias: c.bias,
                init: c.init.into(),
            }),
            LayerFile::MaxPool2D(p) => Self::MaxPool2D(pool(*p)),
            LayerFile::AvgPool2D(p) => Self::AvgPool2D(pool(*p)),
            LayerFile::GlobalAvgPool => Self::GlobalAvgPool,
            LayerFile::Flatten => Self::Flatten,
            LayerFile::Reshape { shape } => Self::Reshape {
                shape: shape.clone(),
            },
            LayerFile::Dropout { rate } => Self::Dropout { rate: *rate },
            LayerFile::BatchNorm(b) => Self::BatchNorm(BatchNormSpec {
                momentum: b.momentum,
                eps: b.eps,
            }),
            LayerFile::LayerNorm { eps } => Self::LayerNorm { eps: *eps },
            LayerFile::Activation(a) => Self::Activation((*a).into()),
            LayerFile::SimpleRnn(r) => Self::SimpleRnn(rnn(*r)),
            LayerFile::Lstm(r) => Self::Lstm(rnn(*r)),
            LayerFile::Gru(r) => Self::Gru(rnn(*r)),
            LayerFile::Add => Self::Add,
            LayerFile::Concatenate => Self::Concatenate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_kind_converts_both_ways() {
        let mut specs = LayerSpec::palette();
        for init in [
            Init::XavierUniform,
            Init::XavierNormal,
            Init::HeUniform,
            Init::HeNormal,
            Init::LeCun,
            Init::Zeros,
            Init::Constant(0.25),
        ] {
            specs.push(LayerSpec::Dense(DenseSpec {
                units: Units::Auto,
                bias: false,
                init,
            }));
            specs.push(LayerSpec::Gru(RnnSpec {
                units: 3,
                return_sequences: true,
                init,
            }));
        }
        specs.push(LayerSpec::Conv2D(Conv2DSpec {
            padding: Padding::Valid,
            ..Conv2DSpec::default()
        }));
        for s in specs {
            let f = LayerFile::from(&s);
            assert_eq!(LayerSpec::from(&f), s);
        }
    }

    #[test]
    fn missing_fields_take_the_format_defaults() {
        let f: LayerFile = ron::from_str("Dense(())").unwrap();
        assert_eq!(
            LayerSpec::from(&f),
            LayerSpec::Dense(DenseSpec::default()),
            "the format's defaults agree with the model's today"
        );
        let f: LayerFile = ron::from_str("Conv2D((filters: 4))").unwrap();
        assert!(matches!(
            LayerSpec::from(&f),
            LayerSpec::Conv2D(Conv2DSpec {
                filters: 4,
                kernel: 3,
                ..
            })
        ));
    }
}
