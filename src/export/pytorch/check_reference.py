#!/usr/bin/env python3
"""Checks that model.py with weights.safetensors computes what Neuroglass
computed, using reference.safetensors.

reference.safetensors holds the first training samples ("inputs",
"targets") and what Neuroglass computed for them in float64 from the same
weights:
  outputs_eval   the outputs in evaluation mode (dropout off, BatchNorm's
                 running statistics);
  outputs        the outputs in training mode with dropout switched off
                 (BatchNorm normalises with the batch's own statistics);
  loss           the mean loss of those outputs, without L1/L2 penalties;
  grad.<key>     the gradient of that loss for each parameter, named by its
                 state_dict key;
  trained.<key>  each parameter after train_steps optimizer steps on the
                 same batch, taken as train.py's train_step() takes them
                 (clipping, L1/L2 penalties, the schedule's first rates, the
                 optimizer); compared as the change from the initial weights.

Errors are relative, over whole tensors: |a - b| / |b|. For a gradient the
denominator is at least a small fraction (FLOOR) of the norm of all the
reference gradients together: some gradients are zero in exact arithmetic
(the bias of a layer followed by BatchNorm), and both sides then hold only
rounding noise, which is compared with the size of the whole gradient.

    python check_reference.py                  # float64; exit 1 on a mismatch
    python check_reference.py --dtype float32  # the same in float32
    python check_reference.py --json           # one JSON line per dtype
"""

import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import DECAYED, build_model  # noqa: E402
from train import EPOCHS, loss_fn, lr_at, make_optimizer, train_step  # noqa: E402

# Largest relative errors accepted, per dtype: (outputs and loss, gradients).
TOLERANCE = {"float64": (1e-5, 1e-4), "float32": (1e-4, 1e-2)}
# The smallest denominator for a gradient, as a fraction of the norm of all
# gradients, per dtype.
FLOOR = {"float64": 1e-9, "float32": 1e-3}


def rel_err(a, b, floor=0.0):
    a, b = a.double(), b.double()
    diff = (a - b).norm().item()
    ref = max(b.norm().item(), floor)
    return diff / ref if ref > 0 else diff


def training_mode(model):
    """Training mode with dropout switched off."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()


def check(dtype_name, weights, reference):
    dtype = getattr(torch, dtype_name)
    floor = FLOOR[dtype_name]
    ref = load_file(reference)
    model = build_model(weights).to(dtype)  # strict: every key, every shape
    x = ref["inputs"].to(dtype)
    target = ref["targets"]
    if target.is_floating_point():
        target = target.to(dtype)
    outputs, grads, steps = {}, {}, {}

    model.eval()
    with torch.no_grad():
        outputs["outputs_eval"] = rel_err(model(x), ref["outputs_eval"])

    training_mode(model)
    out = model(x)
    loss = loss_fn(out, target)
    loss.backward()
    outputs["outputs"] = rel_err(out.detach(), ref["outputs"])
    outputs["loss"] = rel_err(loss.detach().reshape(()), ref["loss"])

    names = [name for name, _ in model.named_parameters()]
    missing = [k for k in names if "grad." + k not in ref or "trained." + k not in ref]
    extra = [k for k in ref if k.startswith("grad.") and k[5:] not in names]
    if missing or extra:
        raise SystemExit(f"reference.safetensors does not fit the model: missing {missing}, "
                         f"unknown {extra}")
    total = sum(ref["grad." + k].double().norm().item() ** 2 for k in names) ** 0.5
    for name, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        grads["grad." + name] = rel_err(g, ref["grad." + name], floor * total)

    # Training steps from the initial weights, compared as changes of them.
    model = build_model(weights).to(dtype)
    training_mode(model)
    named = list(model.named_parameters())
    initial = {name: p.detach().clone() for name, p in named}
    decayed = [p for name, p in named if name in DECAYED]
    others = [p for name, p in named if name not in DECAYED]
    optimizer = make_optimizer(decayed, others)
    for step in range(int(ref["train_steps"].item())):
        train_step(model, optimizer, decayed, x, target, lr_at(0, step, EPOCHS))
    changes = {name: ref["trained." + name] - initial[name].double() for name in initial}
    total = sum(c.norm().item() ** 2 for c in changes.values()) ** 0.5
    for name, p in named:
        steps["trained." + name] = rel_err(p.detach() - initial[name], changes[name], floor * total)

    out_tol, grad_tol = TOLERANCE[dtype_name]
    worst = max({**grads, **steps}.items(), key=lambda kv: kv[1], default=(None, 0.0))
    result = {
        "dtype": dtype_name,
        "samples": len(x),
        "outputs": max(outputs.values()),
        "gradients": max(grads.values(), default=0.0),
        "training": max(steps.values(), default=0.0),
        "worst": worst[0],
        "details": {**outputs, **grads, **steps},
    }
    result["ok"] = (result["outputs"] <= out_tol and result["gradients"] <= grad_tol
                    and result["training"] <= grad_tol)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=["float64", "float32", "both"], default="float64")
    parser.add_argument("--weights", default=os.path.join(HERE, "weights.safetensors"))
    parser.add_argument("--reference", default=os.path.join(HERE, "reference.safetensors"))
    parser.add_argument("--json", action="store_true", help="one JSON line per dtype")
    args = parser.parse_args()
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]
    ok = True
    for d in dtypes:
        r = check(d, args.weights, args.reference)
        ok = ok and r["ok"]
        if args.json:
            print(json.dumps(r), flush=True)
        else:
            out_tol, grad_tol = TOLERANCE[d]
            print(f"{d}: {r['samples']} samples")
            for k, v in r["details"].items():
                tol = out_tol if k in ("outputs", "outputs_eval", "loss") else grad_tol
                print(f"  {k:<40} {v:.3e}  {'ok' if v <= tol else 'MISMATCH'}")
            verdict = "OK" if r["ok"] else "MISMATCH"
            print(f"{verdict}: largest relative error {r['outputs']:.3e} in outputs and loss "
                  f"(limit {out_tol:g}), {r['gradients']:.3e} in gradients and "
                  f"{r['training']:.3e} in training steps (limit {grad_tol:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
