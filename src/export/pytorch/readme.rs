//! `README.txt`: what the exported files are and how to run them.

use crate::model::Project;

use super::names::comment_text;
use super::plan::Plan;

/// The text of `README.txt`.
pub fn readme(project: &Project, plan: &Plan, reference_samples: usize) -> String {
    let folded = plan.folded_sigmoid.as_ref().map_or(String::new(), |_| {
        "\nThe project's final Sigmoid is folded into the loss (binary cross-entropy\n\
         on the logit), as Neuroglass trains it: model(x) returns the logit, and\n\
         model.probability(x) the probability of class 1.\n"
            .to_string()
    });
    format!(
        "PyTorch export of the Neuroglass project {name}\n\
\n\
Files\n\
  model.py               the network as a torch.nn.Module, layer for layer;\n\
                         build_model(\"weights.safetensors\") loads the weights\n\
  weights.safetensors    Neuroglass's weights under the model's state_dict names\n\
  train.py               training with the project's loss, optimizer, learning-rate\n\
                         schedule, L1/L2 penalties, gradient clipping, batch size,\n\
                         epochs and seed; prints the loss and metric of every epoch\n\
  data.safetensors       the project's data exactly as Neuroglass trains on it:\n\
                         train_x, train_y, val_x, val_y, already split and normalised\n\
  reference.safetensors  {reference_samples} training samples with Neuroglass's outputs, loss and\n\
                         gradients for them, computed in float64\n\
  check_reference.py     checks model.py against reference.safetensors\n\
{folded}\n\
Run\n\
  pip install torch safetensors\n\
  python check_reference.py                 # same outputs and gradients? exit 0 if so\n\
  python train.py                           # train on the CPU\n\
  python train.py --epochs 1 --max-batches 20   # a quick trial\n\
  torchrun --nproc_per_node 2 train.py      # DistributedDataParallel over gloo;\n\
                                            # rank 0 prints and saves\n\
  train.py saves the trained weights to trained.safetensors (--out to change).\n\
\n\
Use the model\n\
  from model import build_model\n\
  model = build_model(\"weights.safetensors\").eval()\n\
  y = model(x)    # x: (N, {shape}) float32, normalised like data.safetensors\n\
\n\
The reference\n\
  The outputs are checked in evaluation mode and in training mode with\n\
  dropout switched off (BatchNorm then uses the batch's statistics); the\n\
  loss has no L1/L2 penalty; each gradient is stored as \"grad.\" + its\n\
  state_dict key. check_reference.py compares with relative errors\n\
  |a - b| / |b| over whole tensors: at most 1e-5 for outputs and loss, 1e-4\n\
  for gradients in float64 (--dtype float32 for single precision).\n",
        name = comment_text(&project.name),
        shape = plan
            .input_shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    )
}
