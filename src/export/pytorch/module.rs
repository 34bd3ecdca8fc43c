//! `model.py`: the network as a readable `nn.Module` and `build_model()`.

use crate::model::infer::fmt_shape;
use crate::model::{LossKind, Project};

use super::names::{comment_text, py_str, py_tuple};
use super::plan::{Plan, heading};

/// What `forward()` returns, as the `OUTPUT` constant and in words.
pub fn output_kind(plan: &Plan, loss: LossKind) -> (&'static str, &'static str) {
    match loss {
        LossKind::CrossEntropy if plan.ends_in_softmax => (
            "probabilities",
            "class probabilities (the network ends in Softmax)",
        ),
        LossKind::CrossEntropy => (
            "logits",
            "raw class scores (logits); softmax gives probabilities",
        ),
        LossKind::BinaryCrossEntropy => (
            "logit",
            "one raw score (logit) per sample; sigmoid gives P(class 1)",
        ),
        _ => ("values", "predicted values"),
    }
}

const SAME_PAD_CONV: &str = r#"

class SamePadConv2d(nn.Conv2d):
    """Conv2d with 'same' padding as Neuroglass (and TensorFlow) pads: the
    output side is ceil(input / stride), and when the zeros cannot be split
    evenly the extra one goes to the bottom and the right. PyTorch's own
    padding='same' needs stride 1, so the zeros are added here."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, pad, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0, bias=bias)
        self.pad = pad  # (left, right, top, bottom)

    def forward(self, x):
        return super().forward(F.pad(x, self.pad))
"#;

/// The text of `model.py`.
pub fn model_py(project: &Project, plan: &Plan) -> String {
    let (kind, words) = output_kind(plan, project.training.loss);
    let out_len: usize = plan.output_shape.iter().product();
    let mut s = String::new();
    s.push_str("\"\"\"A PyTorch model exported by Neuroglass.\n\n");
    s.push_str(&format!(
        "Input: a batch of shape (N, {}); one sample is {}.\n",
        plan.input_shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        match plan.input_shape.as_slice() {
            [_, _, _] => "channels × height × width",
            [_, _] => "steps × features (batch first)",
            _ => "a vector of features",
        }
    ));
    s.push_str(&format!("Output: (N, {out_len}), {words}.\n\n"));
    s.push_str(
        "build_model(\"weights.safetensors\") gives the network with Neuroglass's weights.\n\
         Comments name each layer as the project does: #id \"name\": kind and settings\n\
         → output shape of one sample.\n\"\"\"\n\n",
    );
    s.push_str("import torch\nfrom torch import nn\n");
    if plan.uses_same_pad_conv {
        s.push_str("import torch.nn.functional as F\n");
    }
    s.push_str(&format!(
        "\nPROJECT_NAME = {}\nINPUT_SHAPE = {}\nOUTPUT_SIZE = {out_len}\n",
        py_str(&project.name),
        py_tuple(&plan.input_shape)
    ));
    s.push_str(&format!(
        "# What forward() returns: \"logits\", \"probabilities\", \"logit\" or \"values\".\nOUTPUT = {}\n",
        py_str(kind)
    ));
    s.push_str(
        "# The parameters the L1/L2 penalties and AdamW's weight decay apply to, as in\n\
         # Neuroglass: weights, not biases or normalisation scales.\nDECAYED = (\n",
    );
    for k in plan.decayed_keys() {
        s.push_str(&format!("    {},\n", py_str(k)));
    }
    s.push_str(")\n# Each identifier's layer in the project: (node id, name).\nLAYERS = {\n");
    for n in &plan.nodes {
        s.push_str(&format!(
            "    {}: ({}, {}),\n",
            py_str(&n.ident),
            n.id.0,
            py_str(&n.name)
        ));
    }
    s.push_str("}\n");
    if plan.uses_same_pad_conv {
        s.push_str(SAME_PAD_CONV);
    }
    s.push_str(
        "\n\nclass Model(nn.Module):\n    \"\"\"The network of the project, layer for layer.\"\"\"\n\n    def __init__(self):\n        super().__init__()\n",
    );
    let mut any_module = false;
    for n in &plan.nodes {
        if let Some(m) = &n.module {
            any_module = true;
            s.push_str(&format!(
                "        # #{} {}\n        self.{} = {m}\n",
                n.id.0,
                comment_text(&n.name),
                n.ident
            ));
        }
    }
    if !any_module {
        s.push_str("        pass\n");
    }
    s.push_str("\n    def forward(self, x):\n");
    for n in &plan.nodes {
        s.push_str(&format!("        # {}\n", heading(n)));
        for line in &n.forward {
            s.push_str(&format!("        {line}\n"));
        }
    }
    if let Some((id, name)) = &plan.folded_sigmoid {
        s.push_str(&format!(
            "        # #{} {}: Sigmoid, folded into the loss (binary cross-entropy on\n        \
             # the logit), so forward() returns the logit; probability() applies it.\n",
            id.0,
            comment_text(name)
        ));
    }
    if plan.output_shape.len() > 1 {
        s.push_str(&format!(
            "        return {}.flatten(1)  # Neuroglass's outputs are flat: (N, {out_len})\n",
            plan.output
        ));
    } else {
        s.push_str(&format!("        return {}\n", plan.output));
    }
    if plan.folded_sigmoid.is_some() {
        s.push_str(
            "\n    def probability(self, x):\n        \"\"\"P(class 1) for each sample: the folded final Sigmoid applied.\"\"\"\n        return torch.sigmoid(self(x))\n",
        );
    }
    s.push_str(&format!(
        "\n\ndef build_model(weights=None):\n    \"\"\"The model, with PyTorch's initialisation; given `weights` (a\n    .safetensors file such as weights.safetensors), those weights, loaded\n    strictly.\"\"\"\n    model = Model()\n    if weights is not None:\n        from safetensors.torch import load_file\n\n        model.load_state_dict(load_file(weights), strict=True)\n    return model\n\n\nif __name__ == \"__main__\":\n    print(build_model())\n    print(\"one sample:\", {}, \"->\", OUTPUT_SIZE, OUTPUT)\n",
        py_str(&fmt_shape(&plan.input_shape))
    ));
    s
}
