//! The layer reference: what every layer, loss, optimizer, initialiser and
//! metric computes, in two plain sentences and a formula. Shown on hover in
//! the palette, in the inspector and in Help ▸ Layer reference.

use super::{Activation, Init, LayerSpec, LossKind, OptimizerSpec};

/// One entry of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doc {
    /// Two plain sentences: what it does and when to use it.
    pub summary: &'static str,
    /// What it computes, in one line of notation.
    pub formula: &'static str,
}

const fn doc(summary: &'static str, formula: &'static str) -> Doc {
    Doc { summary, formula }
}

/// What a layer kind does.
pub fn layer(spec: &LayerSpec) -> Doc {
    match spec {
        LayerSpec::Input => doc(
            "Where each sample enters the network; its shape comes from the dataset. Every network has exactly one.",
            "x = one sample of the data",
        ),
        LayerSpec::Dense(_) => doc(
            "Every output unit is a weighted sum of all inputs plus a bias. Stack Dense layers with activations between them to fit curved functions; one Dense layer alone is linear regression.",
            "y = x·Wᵀ + b",
        ),
        LayerSpec::Conv2D(_) => doc(
            "Slides small learned filters over an image and measures how well each patch matches. It finds the same pattern anywhere in the picture with few weights.",
            "y[f,i,j] = b[f] + Σ_c,u,v W[f,c,u,v]·x[c, i·s+u, j·s+v]",
        ),
        LayerSpec::MaxPool2D(_) => doc(
            "Keeps the largest value of each small window, halving the image for a 2×2 window. It makes the features smaller and a little shift-tolerant.",
            "y[c,i,j] = max over the window of x[c,·,·]",
        ),
        LayerSpec::AvgPool2D(_) => doc(
            "Replaces each small window by its mean. It shrinks the image while keeping every value's influence.",
            "y[c,i,j] = mean over the window of x[c,·,·]",
        ),
        LayerSpec::GlobalAvgPool => doc(
            "Averages each channel over the whole image, leaving one number per channel. A light replacement for Flatten + Dense at the end of a CNN.",
            "y[c] = mean_i,j x[c,i,j]",
        ),
        LayerSpec::Flatten => doc(
            "Lays an image or sequence out as one long vector. Put it between convolutional and Dense layers.",
            "C×H×W → C·H·W",
        ),
        LayerSpec::Reshape { .. } => doc(
            "Gives the values a new shape with the same number of elements. Use it to turn a flat row of pixels back into an image.",
            "same values, new shape",
        ),
        LayerSpec::Dropout { .. } => doc(
            "While training, zeroes each unit at random with the given probability and scales the rest up. It stops units relying on each other and fights overfitting; it does nothing at evaluation.",
            "y = m ⊙ x / (1 − p),  m ~ Bernoulli(1 − p)",
        ),
        LayerSpec::BatchNorm(_) => doc(
            "Rescales each feature to zero mean and unit variance over the batch, then applies a learned scale and shift. Deep networks train faster and tolerate larger learning rates with it.",
            "y = γ·(x − μ_B)/√(σ²_B + ε) + β",
        ),
        LayerSpec::LayerNorm { .. } => doc(
            "Rescales each sample's features to zero mean and unit variance, then a learned scale and shift. Unlike BatchNorm it does not depend on the batch.",
            "y = γ·(x − μ)/√(σ² + ε) + β  over one sample",
        ),
        LayerSpec::Activation(a) => activation(*a),
        LayerSpec::SimpleRnn(_) => doc(
            "Reads a sequence one step at a time, mixing each input with a memory of the steps before. Simple, but it forgets over long sequences because gradients vanish.",
            "hₜ = tanh(W·xₜ + U·hₜ₋₁ + b)",
        ),
        LayerSpec::Lstm(_) => doc(
            "A recurrent layer with a separate cell memory guarded by input, forget and output gates. It keeps information over long sequences.",
            "cₜ = f⊙cₜ₋₁ + i⊙g,  hₜ = o⊙tanh(cₜ)",
        ),
        LayerSpec::Gru(_) => doc(
            "A recurrent layer with update and reset gates and no separate cell. It remembers nearly as well as an LSTM with fewer weights.",
            "hₜ = (1 − z)⊙n + z⊙hₜ₋₁",
        ),
        LayerSpec::Add => doc(
            "Adds its inputs element by element; they must have the same shape. Used for residual (skip) connections.",
            "y = x₁ + x₂ + …",
        ),
        LayerSpec::Concatenate => doc(
            "Joins its inputs side by side along the features (or channels). Lets branches with different views of the data meet.",
            "y = [x₁, x₂, …]",
        ),
    }
}

/// What an activation function does.
pub fn activation(a: Activation) -> Doc {
    match a {
        Activation::ReLU => doc(
            "Passes positive values and zeroes negative ones. The default for hidden layers: cheap, and its gradient does not vanish for positive inputs.",
            "y = max(0, x)",
        ),
        Activation::LeakyReLU { .. } => doc(
            "Like ReLU but lets a small slope through for negative inputs. Units cannot die completely.",
            "y = x if x > 0 else slope·x",
        ),
        Activation::Elu { .. } => doc(
            "Like ReLU for positive inputs, a smooth curve down to −α for negative ones. Keeps mean activations nearer zero.",
            "y = x if x > 0 else α(eˣ − 1)",
        ),
        Activation::Sigmoid => doc(
            "Squashes any value into (0, 1). Good for a probability at the output; in deep stacks its small gradient makes learning vanish.",
            "y = 1 / (1 + e⁻ˣ)",
        ),
        Activation::Tanh => doc(
            "Squashes any value into (−1, 1), centred on zero. Smooth boundaries for small networks; saturates for large inputs.",
            "y = tanh x",
        ),
        Activation::Softmax => doc(
            "Turns a vector of scores into probabilities that sum to one. Put it last for classification with cross-entropy.",
            "yᵢ = eˣⁱ / Σⱼ eˣʲ",
        ),
        Activation::Gelu => doc(
            "A smooth ReLU that weights each input by how likely it is to be positive. Common in transformers.",
            "y = x·Φ(x)",
        ),
        Activation::Linear => doc(
            "Passes values unchanged. Use it to make the absence of an activation explicit.",
            "y = x",
        ),
    }
}

/// What a loss measures.
pub fn loss(l: LossKind) -> Doc {
    match l {
        LossKind::Mse => doc(
            "The mean of squared differences between prediction and target. The usual loss for regression; large errors count a lot.",
            "L = mean (ŷ − y)²",
        ),
        LossKind::Mae => doc(
            "The mean of absolute differences. Robust to outliers, but its gradient does not shrink near the answer.",
            "L = mean |ŷ − y|",
        ),
        LossKind::Huber { .. } => doc(
            "Squared error for small differences, absolute error for large ones. Regression that is robust to outliers.",
            "L = ½d² if |d| ≤ δ else δ(|d| − ½δ)",
        ),
        LossKind::CrossEntropy => doc(
            "Minus the log of the probability given to the right class, after a softmax over the outputs. The loss for choosing one of several classes.",
            "L = −log softmax(z)_y",
        ),
        LossKind::BinaryCrossEntropy => doc(
            "Minus the log of the probability given to the right answer of a yes/no question, after a sigmoid. One output unit per question.",
            "L = −[y·log σ(z) + (1 − y)·log(1 − σ(z))]",
        ),
    }
}

/// What an optimizer does.
pub fn optimizer(o: &OptimizerSpec) -> Doc {
    match o {
        OptimizerSpec::Sgd { .. } => doc(
            "Steps every weight against its gradient. With momentum the steps build up speed along consistent directions.",
            "v ← μv + g,  w ← w − η·v",
        ),
        OptimizerSpec::Adam { .. } => doc(
            "Keeps running means of each weight's gradient and squared gradient and steps by their ratio. Works well with little tuning.",
            "w ← w − η·m̂ / (√v̂ + ε)",
        ),
        OptimizerSpec::AdamW { .. } => doc(
            "Adam with weight decay applied to the weights directly rather than through the gradient. Regularises better than Adam with L2.",
            "w ← w − η·(m̂ / (√v̂ + ε) + λw)",
        ),
        OptimizerSpec::RmsProp { .. } => doc(
            "Divides each step by a running root-mean-square of recent gradients. Steady steps for weights whose gradients differ in size.",
            "w ← w − η·g / (√E[g²] + ε)",
        ),
        OptimizerSpec::Adagrad { .. } => doc(
            "Divides each step by the root of all squared gradients so far. Rarely updated weights get larger steps; steps shrink over time.",
            "w ← w − η·g / (√Σg² + ε)",
        ),
    }
}

/// What an initialiser does.
pub fn init(i: Init) -> Doc {
    match i {
        Init::Default => doc(
            "PyTorch's choice: Kaiming-uniform with a = √5 for Dense and Conv2D, uniform ±1/√units for recurrent layers.",
            "W ~ U(±1/√fan_in)",
        ),
        Init::XavierUniform => doc(
            "Keeps the variance of signals the same going forward and backward. Suits Sigmoid and Tanh layers.",
            "W ~ U(±√(6/(fan_in + fan_out)))",
        ),
        Init::XavierNormal => doc(
            "Glorot's rule with a normal distribution. Suits Sigmoid and Tanh layers.",
            "W ~ N(0, 2/(fan_in + fan_out))",
        ),
        Init::HeUniform => doc(
            "Twice Xavier's variance on the input side, to make up for ReLU zeroing half the values. The choice for ReLU networks.",
            "W ~ U(±√(6/fan_in))",
        ),
        Init::HeNormal => doc(
            "He's rule with a normal distribution. The choice for ReLU networks.",
            "W ~ N(0, 2/fan_in)",
        ),
        Init::LeCun => doc(
            "Variance one over the inputs. Suits SELU-like and linear layers.",
            "W ~ N(0, 1/fan_in)",
        ),
        Init::Zeros => doc(
            "Every weight zero. All units then compute the same thing and never become different: try it to see symmetry that never breaks.",
            "W = 0",
        ),
        Init::Constant(_) => doc(
            "Every weight the same value. Like zeros, the units stay identical.",
            "W = c",
        ),
    }
}

/// What the metrics mean, by name ("accuracy", "R²", "RMSE", "top-k").
pub fn metric(name: &str) -> Option<Doc> {
    Some(match name {
        "accuracy" => doc(
            "The share of samples whose highest-scoring class is the true one.",
            "acc = #(argmax ŷ = y) / n",
        ),
        "R²" => doc(
            "How much of the target's variance the predictions explain: 1 is perfect, 0 is no better than predicting the mean.",
            "R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²",
        ),
        "RMSE" => doc(
            "The typical size of a prediction error, in the target's units.",
            "RMSE = √(mean (ŷ − y)²)",
        ),
        "top-k" => doc(
            "The share of samples whose true class is among the k highest scores.",
            "#(y ∈ top-k ŷ) / n",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_palette_kind_has_two_sentences_and_a_formula() {
        for spec in LayerSpec::palette() {
            let d = layer(&spec);
            assert!(!d.formula.is_empty(), "{}", spec.kind_name());
            let sentences = d.summary.matches(". ").count() + usize::from(d.summary.ends_with('.'));
            assert!(
                (2..=3).contains(&sentences),
                "{}: {}",
                spec.kind_name(),
                d.summary
            );
        }
    }
}
