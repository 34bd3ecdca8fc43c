//! `README.txt`: what the exported files are and how to run them.

use crate::model::Project;

use super::names::comment_text;
use super::plan::Plan;

const TEMPLATE: &str = r#"PyTorch export of the Neuroglass project {name}

Files
  model.py               the network as a torch.nn.Module, layer for layer;
                         build_model("weights.safetensors") loads the weights
  weights.safetensors    Neuroglass's weights under the model's state_dict names
  train.py               training with the project's loss, optimizer, learning-rate
                         schedule, L1/L2 penalties, gradient clipping, batch size,
                         epochs, seed and stopping rules; prints the loss and
                         metric of every epoch
  data.safetensors       the project's data exactly as Neuroglass trains on it:
                         train_x, train_y, val_x, val_y, already split and
                         normalised; norm_shift and norm_scale, the normalisation
                         fitted on the training part: x = (raw - shift) / scale
  reference.safetensors  {samples} training samples with Neuroglass's outputs, loss
                         and gradients for them, computed in float64
  check_reference.py     checks model.py against reference.safetensors
{csv}{folded}
Run
  pip install torch safetensors
  python check_reference.py                     # the same outputs and gradients? exit 0 if so
  python train.py                               # train on the CPU
  python train.py --epochs 1 --max-batches 20   # a quick trial
  torchrun --nproc_per_node 2 train.py          # DistributedDataParallel over gloo;
                                                # rank 0 prints and saves (add
                                                # --standalone if port 29500 is busy)
  train.py saves the trained weights to trained.safetensors (--out to change).
  Batches are shuffled by PyTorch, so the numbers per epoch come close to
  Neuroglass's without being equal.

Use the model
  from model import build_model
  model = build_model("weights.safetensors").eval()
  y = model(x)    # x: (N, {shape}) float32, normalised like data.safetensors

The reference
  The outputs are checked in evaluation mode, and in training mode with
  dropout switched off (BatchNorm then uses the batch's statistics); the
  loss has no L1/L2 penalty; each gradient is stored as "grad." + its
  state_dict key. check_reference.py compares relative errors |a - b| / |b|
  over whole tensors: at most 1e-5 for outputs and loss and 1e-4 for
  gradients in float64 (--dtype float32 checks single precision, with
  looser limits).
"#;

const CSV: &str = r#"  data_recipe.json       how Neuroglass read the project's CSV file: its path,
                         delimiter, header, size and CRC-32; each feature column
                         as a number or one-hot with its categories; the target
                         and its classes; empty cells; the rows of the training
                         and validation parts; the normalisation statistics
  csv_data.py            reads the CSV file with data_recipe.json (standard
                         library and torch) into the arrays of data.safetensors

Data
  train.py --data auto          the default: the CSV file if it is where the
                                project had it (or next to train.py) and has not
                                changed since the export, else data.safetensors;
                                the first line printed says which, and why
  train.py --data csv           the CSV file; --csv FILE if it is elsewhere. A
                                file changed since the export is read if it has
                                the same header, rows and categories: the
                                export's split is kept, the normalisation is
                                fitted again on the training rows. Otherwise it
                                stops and says what differs.
  train.py --data safetensors   data.safetensors, the data as exported
"#;

const FOLDED: &str = r#"
The project's final Sigmoid is folded into the loss (binary cross-entropy on
the logit), as Neuroglass trains it: model(x) returns the logit, and
model.probability(x) the probability of class 1.
"#;

/// The text of `README.txt`.
/// `csv_recipe`: a CSV project, with `data_recipe.json` and `csv_data.py`.
pub fn readme(
    project: &Project,
    plan: &Plan,
    reference_samples: usize,
    csv_recipe: bool,
) -> String {
    let shape = plan
        .input_shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    TEMPLATE
        .replace("{csv}", if csv_recipe { CSV } else { "" })
        .replace(
            "{folded}",
            if plan.folded_sigmoid.is_some() {
                FOLDED
            } else {
                ""
            },
        )
        .replace("{samples}", &reference_samples.to_string())
        .replace("{shape}", &shape)
        // Last, so nothing in the name is taken for a placeholder.
        .replace("{name}", &comment_text(&project.name))
}
