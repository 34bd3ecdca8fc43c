//! `train.py`: the project's training settings as Python, then a training
//! loop that is the same for every project (`train_body.py`).

use crate::data::Target;
use crate::data::prepare::Prepared;
use crate::model::{DataSource, LossKind, OptimizerSpec, Project, Schedule};

use super::names::{py_float, py_str};
use super::plan::Plan;

const BODY: &str = include_str!("train_body.py");

fn py_opt(v: Option<f32>) -> String {
    v.map_or_else(|| "None".into(), py_float)
}

/// A Python list of string literals, several to a line (lines of at most
/// about 88 characters).
fn py_list(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut s = String::from("[\n");
    let mut line = String::new();
    for i in items {
        let lit = py_str(i);
        if !line.is_empty() && line.len() + lit.len() + 2 > 84 {
            s.push_str(&format!("    {}\n", line.trim_end()));
            line.clear();
        }
        line.push_str(&lit);
        line.push_str(", ");
    }
    s.push_str(&format!("    {}\n]", line.trim_end()));
    s
}

/// Where the data came from, in words (escaped when written).
fn source_words(project: &Project) -> String {
    match &project.data.source {
        DataSource::Generated {
            generator,
            samples,
            noise,
        } => format!("generated: {generator:?}, {samples} samples, noise {noise}"),
        DataSource::Bundled(b) => format!("bundled: {b:?}"),
        DataSource::Csv { path, target, .. } => format!(
            "CSV file {path} (target column: {})",
            target.as_deref().unwrap_or("the last")
        ),
        DataSource::Idx { path } => format!("IDX folder {path}"),
        DataSource::Painted { points, classes } => {
            format!("{} painted points of {classes} classes", points.len())
        }
        DataSource::Npy { path, labels, .. } => format!("NumPy arrays {path} and {labels}"),
        DataSource::Npz { path, .. } => format!("NumPy archive {path} (x and y)"),
        DataSource::ImageFolder { path, .. } => format!("image folder {path}"),
        DataSource::StandIn { shape, .. } => format!(
            "random stand-in data, samples {} (no real data chosen)",
            crate::data::standin::shape_text(shape)
        ),
    }
}

/// The loss function and its docstring.
fn loss_fn(loss: LossKind, plan: &Plan) -> String {
    let (doc, body) = match loss {
        LossKind::Mse => (
            "Mean squared error over every value.",
            "F.mse_loss(output, target)".to_string(),
        ),
        LossKind::Mae => (
            "Mean absolute error over every value.",
            "F.l1_loss(output, target)".to_string(),
        ),
        LossKind::Huber { delta } => (
            "Huber loss (quadratic within delta, linear beyond), mean over every value.",
            format!("F.huber_loss(output, target, delta={})", py_float(delta)),
        ),
        LossKind::CrossEntropy if plan.ends_in_softmax => (
            "Cross-entropy on the probabilities of the final Softmax (no second\n    softmax), mean over the batch; log of at least the smallest normal float.",
            "F.nll_loss(torch.log(output.clamp_min(torch.finfo(output.dtype).tiny)), target)"
                .to_string(),
        ),
        LossKind::CrossEntropy => (
            "Softmax cross-entropy on logits, mean over the batch.",
            "F.cross_entropy(output, target)".to_string(),
        ),
        LossKind::BinaryCrossEntropy => (
            "Binary cross-entropy on one logit per sample (the final Sigmoid, if\n    any, is folded in here), mean over the batch.",
            "F.binary_cross_entropy_with_logits(output, target.to(output.dtype).view_as(output))"
                .to_string(),
        ),
    };
    format!("def loss_fn(output, target):\n    \"\"\"{doc}\"\"\"\n    return {body}\n")
}

/// The optimizer constructor.
fn make_optimizer(opt: OptimizerSpec, has_penalty: bool) -> String {
    let note = if has_penalty {
        " The L1/L2 penalties are\n    added to the gradients by add_penalties(), as Neuroglass does."
    } else {
        ""
    };
    let groups = "[{\"params\": decayed}, {\"params\": others}]";
    let (doc, call) = match opt {
        OptimizerSpec::Sgd { momentum, nesterov } => (
            "SGD",
            format!(
                "torch.optim.SGD({groups}, lr=LEARNING_RATE, momentum={}, nesterov={})",
                py_float(momentum),
                if nesterov { "True" } else { "False" }
            ),
        ),
        OptimizerSpec::Adam { beta1, beta2, eps } => (
            "Adam",
            format!(
                "torch.optim.Adam({groups}, lr=LEARNING_RATE, betas=({}, {}), eps={})",
                py_float(beta1),
                py_float(beta2),
                py_float(eps)
            ),
        ),
        OptimizerSpec::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => (
            "AdamW; decoupled weight decay on weights only (not biases or\n    normalisation scales).",
            format!(
                "torch.optim.AdamW(\n        [{{\"params\": decayed, \"weight_decay\": {}}}, {{\"params\": others, \"weight_decay\": 0.0}}],\n        lr=LEARNING_RATE, betas=({}, {}), eps={})",
                py_float(weight_decay),
                py_float(beta1),
                py_float(beta2),
                py_float(eps)
            ),
        ),
        OptimizerSpec::RmsProp {
            alpha,
            eps,
            momentum,
        } => (
            "RMSprop",
            format!(
                "torch.optim.RMSprop({groups}, lr=LEARNING_RATE, alpha={}, eps={}, momentum={})",
                py_float(alpha),
                py_float(eps),
                py_float(momentum)
            ),
        ),
        OptimizerSpec::Adagrad { eps } => (
            "Adagrad",
            format!(
                "torch.optim.Adagrad({groups}, lr=LEARNING_RATE, eps={})",
                py_float(eps)
            ),
        ),
    };
    let doc = if doc.ends_with('.') {
        format!("{doc}{note}")
    } else {
        format!("{doc}.{note}")
    };
    format!("def make_optimizer(decayed, others):\n    \"\"\"{doc}\"\"\"\n    return {call}\n")
}

/// The learning-rate schedule as a function of epoch and step.
fn lr_at(schedule: Schedule) -> String {
    let (doc, body) = match schedule {
        Schedule::Constant => (
            "the same rate throughout",
            "return LEARNING_RATE".to_string(),
        ),
        Schedule::Step {
            every_epochs,
            gamma,
        } => (
            "multiplied by gamma every few epochs (PyTorch's StepLR)",
            if every_epochs == 0 {
                "return LEARNING_RATE".to_string()
            } else {
                format!(
                    "return LEARNING_RATE * {} ** (epoch // {every_epochs})",
                    py_float(gamma)
                )
            },
        ),
        Schedule::Exponential { gamma } => (
            "multiplied by gamma every epoch (PyTorch's ExponentialLR)",
            format!("return LEARNING_RATE * {} ** epoch", py_float(gamma)),
        ),
        Schedule::Cosine { min_lr } => (
            "cosine decay to min_lr over all epochs (PyTorch's CosineAnnealingLR)",
            format!(
                "min_lr = {}\n    if epochs == 0 or epoch >= epochs:\n        return min_lr\n    return min_lr + (LEARNING_RATE - min_lr) * 0.5 * (1 + math.cos(math.pi * epoch / epochs))",
                py_float(min_lr)
            ),
        ),
        Schedule::Warmup { steps } => (
            "a linear warm-up over the first steps, then constant",
            if steps == 0 {
                "return LEARNING_RATE".to_string()
            } else {
                format!("return LEARNING_RATE * min(1.0, (step + 1) / {steps})")
            },
        ),
    };
    format!(
        "def lr_at(epoch, step, epochs):\n    \"\"\"The learning rate at zero-based `epoch` and global `step`:\n    {}.\"\"\"\n    {body}\n",
        doc
    )
}

/// The text of `train.py`; `csv_recipe` says whether `data_recipe.json`
/// and `csv_data.py` are written beside it (a CSV project).
pub fn train_py(project: &Project, plan: &Plan, prepared: &Prepared, csv_recipe: bool) -> String {
    let t = &project.training;
    let classification = t.loss.is_classification();
    let data_doc = if csv_recipe {
        "It reads the project's CSV file with data_recipe.json and csv_data.py,\n\
building the arrays Neuroglass trained on (--data csv), or data.safetensors,\n\
the same arrays as exported (--data safetensors); by default (--data auto)\n\
the CSV file when it is there and unchanged since the export. It also reads"
    } else {
        "It reads data.safetensors (the project's data, split and normalised by\n\
Neuroglass) and"
    };
    let metric = if classification { "accuracy" } else { "R²" };
    let mut s = format!(
        "#!/usr/bin/env python3\n\"\"\"Trains the exported Neuroglass model with PyTorch, with the project's loss,\n\
optimizer, schedule, penalties and clipping.\n\n    \
python train.py                           # the project's settings\n    \
python train.py --epochs 1 --max-batches 20\n    \
torchrun --nproc_per_node 2 train.py      # DistributedDataParallel (gloo)\n\n\
{data_doc}\n\
weights.safetensors (the starting weights), prints the loss and {metric} of\n\
every epoch, and saves trained.safetensors. Batches are shuffled by PyTorch,\n\
so the numbers are close to Neuroglass's, not equal.\n\"\"\"\n\n\
import argparse\nimport math\nimport os\nimport sys\nimport time\n\n\
import torch\nimport torch.distributed as dist\nimport torch.nn.functional as F\n\
from safetensors.torch import load_file, save_file\n\
from torch.nn.parallel import DistributedDataParallel\n\
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset\n\n\
HERE = os.path.dirname(os.path.abspath(__file__))\nsys.path.insert(0, HERE)\n\
from model import DECAYED, build_model  # noqa: E402\n\n\
# ---- The project's settings ---------------------------------------------------\n\n"
    );
    let (feature_names, class_names) = (
        prepared.train.feature_names.clone(),
        match &prepared.train.target {
            Target::Classes { names, .. } => Some(names.clone()),
            Target::Values { .. } => None,
        },
    );
    let early = t.early_stopping.map_or_else(
        || "None".to_string(),
        |e| {
            format!(
                "({}, {})  # (patience, restore best)",
                e.patience,
                if e.restore_best { "True" } else { "False" }
            )
        },
    );
    s.push_str(&format!("PROJECT_NAME = {}\n", py_str(&project.name)));
    s.push_str(&format!(
        "CSV_PROJECT = {}  # data_recipe.json and csv_data.py read the CSV file\n",
        if csv_recipe { "True" } else { "False" }
    ));
    s.push_str(&format!(
        "DATA_SOURCE = {}\n",
        py_str(&source_words(project))
    ));
    s.push_str(&format!("FEATURE_NAMES = {}\n", py_list(&feature_names)));
    s.push_str(&format!(
        "CLASS_NAMES = {}\n",
        class_names.map_or_else(|| "None".into(), |c| py_list(&c))
    ));
    s.push_str(&format!(
        "CLASSIFICATION = {}\nSEED = {}\nEPOCHS = {}\nBATCH_SIZE = {}\nLEARNING_RATE = {}\n",
        if classification { "True" } else { "False" },
        t.seed,
        t.epochs,
        t.batch_size,
        py_float(t.learning_rate)
    ));
    s.push_str(&format!(
        "L1 = {}  # penalty l1·Σ|w| on weights\nL2 = {}  # penalty l2/2·Σw² on weights\n",
        py_float(t.l1),
        py_float(t.l2)
    ));
    s.push_str(&format!(
        "CLIP_GRAD_NORM = {}  # global gradient norm limit\nEARLY_STOPPING = {early}\nTARGET_LOSS = {}\nTARGET_ACCURACY = {}\n\n\n",
        py_opt(t.clip_grad_norm),
        py_opt(t.target_loss),
        py_opt(t.target_accuracy)
    ));
    s.push_str(&loss_fn(t.loss, plan));
    s.push_str("\n\n");
    s.push_str(&make_optimizer(t.optimizer, t.l1 != 0.0 || t.l2 != 0.0));
    s.push_str("\n\n");
    s.push_str(&lr_at(t.schedule));
    s.push_str(BODY);
    s
}
