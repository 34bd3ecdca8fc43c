

# ---- Training: the same for every project ---------------------------------


def predicted_classes(output):
    """Neuroglass's rule: a single output column is a logit (class 1 when it is
    above 0); otherwise the first arg-max."""
    if output.shape[1] == 1:
        return (output[:, 0] > 0).long()
    return output.argmax(dim=1)


def r2_score(pred, y):
    """R² per target column, averaged over the columns (scikit-learn's
    uniform average); a constant column scores 1 if hit exactly, else 0."""
    total = 0.0
    for j in range(y.shape[1]):
        p, t = pred[:, j].double(), y[:, j].double()
        ss_res = ((t - p) ** 2).sum().item()
        ss_tot = ((t - t.mean()) ** 2).sum().item()
        if ss_tot > 0:
            total += 1.0 - ss_res / ss_tot
        else:
            total += 1.0 if ss_res == 0 else 0.0
    return total / max(y.shape[1], 1)


def add_penalties(decayed):
    """Adds the L1/L2 penalties' gradients, L2·w + L1·sign(w), to the decayed
    parameters: after clipping, before the optimizer step, as Neuroglass does."""
    if L1 == 0 and L2 == 0:
        return
    with torch.no_grad():
        for p in decayed:
            if p.grad is not None:
                p.grad.add_(L2 * p + L1 * torch.sign(p))


def train_step(net, optimizer, decayed, xb, yb, lr):
    """One step as Neuroglass takes it: the loss of the batch, its gradients,
    clipping of their global norm, the penalties, then the optimizer with
    learning rate `lr`. Returns the outputs and the loss."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    out = net(xb)
    loss = loss_fn(out, yb)
    loss.backward()
    if CLIP_GRAD_NORM is not None:
        torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP_GRAD_NORM)
    add_penalties(decayed)
    optimizer.step()
    return out, loss


@torch.no_grad()
def evaluate(model, x, y, device, chunk=1024):
    """Mean loss and metric (accuracy or R²) over a whole split, in
    evaluation mode (dropout off, BatchNorm's running statistics)."""
    model.eval()
    total, outputs = 0.0, []
    for start in range(0, len(x), chunk):
        xb, yb = x[start:start + chunk].to(device), y[start:start + chunk].to(device)
        out = model(xb)
        total += loss_fn(out, yb).item() * len(xb)
        outputs.append(out.cpu())
    model.train()
    out = torch.cat(outputs)
    if CLASSIFICATION:
        metric = (predicted_classes(out) == y).double().mean().item()
    else:
        metric = r2_score(out, y)
    return total / max(len(x), 1), metric


def load_training_data(source="auto", data_file=None, csv_file=None):
    """train_x, train_y, val_x, val_y and a line saying where they came from.

    source "csv": the project's CSV file, read with data_recipe.json and
    csv_data.py (csv_file, else where the project had it, else its name next
    to this script); a file changed since the export is read if it still has
    the same header, rows and categories, with the normalisation fitted
    again. "safetensors": data_file (data.safetensors), the data as
    exported. "auto": the CSV file when it is there and unchanged since the
    export, else data.safetensors."""
    data_file = data_file or os.path.join(HERE, "data.safetensors")
    reason = None
    if source != "safetensors":
        if not CSV_PROJECT:
            if source == "csv":
                raise SystemExit("--data csv: this project's data is not a CSV file; "
                                 "use data.safetensors")
        else:
            try:
                import csv_data
                d = csv_data.load_csv(os.path.join(HERE, "data_recipe.json"), csv_file,
                                      allow_changed=source == "csv")
            except (ImportError, OSError, ValueError, KeyError, TypeError) as e:
                if source == "csv":
                    raise SystemExit(f"--data csv: cannot use the CSV file: {e}") from e
                mismatch = type(e).__name__ == "RecipeMismatch"
                reason = str(e) if mismatch else f"{type(e).__name__}: {e}"
            else:
                note = (" — it changed since the export; the export's split is kept and the "
                        "normalisation fitted again on its training rows" if d.changed else "")
                return (d.train_x, d.train_y, d.val_x, d.val_y,
                        f"data: {d.path} (the CSV file, read with data_recipe.json){note}")
    if not os.path.isfile(data_file):
        raise SystemExit(f"no data: {data_file} is missing" + (f", and {reason}" if reason else ""))
    data = load_file(data_file)
    line = f"data: {data_file} (as exported)"
    if reason:
        line += f"; the CSV file is not used: {reason}"
    return data["train_x"], data["train_y"], data["val_x"], data["val_y"], line


def main():
    parser = argparse.ArgumentParser(description="Train " + PROJECT_NAME + " with PyTorch.")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs (default: the project's)")
    parser.add_argument("--max-batches", type=int, default=None,
                        help="end each epoch after this many batches (a quick trial)")
    parser.add_argument("--weights", default=os.path.join(HERE, "weights.safetensors"),
                        help="starting weights")
    parser.add_argument("--data", choices=("auto", "csv", "safetensors"), default="auto",
                        help="auto: the project's CSV file if it is there and unchanged, else "
                             "data.safetensors (default); csv: the CSV file; safetensors: "
                             "data.safetensors")
    parser.add_argument("--csv", default=None, help="the CSV file, if not where the project had it")
    parser.add_argument("--data-file", default=os.path.join(HERE, "data.safetensors"),
                        help="the exported data (default: data.safetensors)")
    parser.add_argument("--out", default=os.path.join(HERE, "trained.safetensors"),
                        help="where the trained weights are saved")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, …")
    args = parser.parse_args()

    # Under torchrun (WORLD_SIZE > 1): one process per replica, gradients
    # averaged by DistributedDataParallel over gloo; only rank 0 prints and saves.
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    main_process = rank == 0
    torch.manual_seed(SEED + rank)
    device = torch.device(args.device)

    train_x, train_y, val_x, val_y, data_line = load_training_data(
        args.data, args.data_file, args.csv)

    model = build_model(args.weights).to(device)
    net = DistributedDataParallel(model) if distributed else model
    named = list(model.named_parameters())
    decayed = [p for name, p in named if name in DECAYED]
    others = [p for name, p in named if name not in DECAYED]
    optimizer = make_optimizer(decayed, others)

    # Batches as Neuroglass makes them: shuffled each epoch, the last one
    # smaller. Under torchrun each process takes its share of a batch, so one
    # step still sees about BATCH_SIZE samples.
    batch = max(1, min(BATCH_SIZE, len(train_x)))
    dataset = TensorDataset(train_x, train_y)
    if distributed:
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=SEED)
        loader = DataLoader(dataset, batch_size=max(1, batch // world), sampler=sampler)
    else:
        sampler = None
        loader = DataLoader(dataset, batch_size=batch, shuffle=True,
                            generator=torch.Generator().manual_seed(SEED))

    metric_name = "acc" if CLASSIFICATION else "R²"
    if main_process:
        where = f", {world} processes" if distributed else ""
        print(data_line, flush=True)
        print(f"{PROJECT_NAME} — {len(train_x)} training and {len(val_x)} validation samples, "
              f"{args.epochs} epochs{where}", flush=True)
    step, lr = 0, LEARNING_RATE
    best_loss, best_epoch, best_state, since_best = None, 0, None, 0
    reason = "completed"
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        started = time.time()
        # loss sum, batches, then hits and samples (classification) or
        # squared errors, values, sum and sum of squares of targets (regression)
        sums = torch.zeros(6, dtype=torch.float64)
        for b, (xb, yb) in enumerate(loader):
            if args.max_batches is not None and b >= args.max_batches:
                break
            xb, yb = xb.to(device), yb.to(device)
            lr = lr_at(epoch, step, args.epochs)
            out, loss = train_step(net, optimizer, decayed, xb, yb, lr)
            step += 1
            with torch.no_grad():
                sums[0] += loss.item()
                sums[1] += 1
                if CLASSIFICATION:
                    sums[2] += (predicted_classes(out) == yb).sum().item()
                    sums[3] += len(yb)
                else:
                    d, t = (out - yb).double(), yb.double()
                    sums[2] += (d * d).sum().item()
                    sums[3] += t.numel()
                    sums[4] += t.sum().item()
                    sums[5] += (t * t).sum().item()
        if distributed:
            dist.all_reduce(sums)
        train_loss = (sums[0] / sums[1].clamp(min=1)).item()
        if CLASSIFICATION:
            train_metric = (sums[2] / sums[3].clamp(min=1)).item()
        else:
            n = max(sums[3].item(), 1.0)
            ss_tot = sums[5].item() - sums[4].item() ** 2 / n
            train_metric = 1.0 - sums[2].item() / ss_tot if ss_tot > 0 else 0.0

        stop = False
        if main_process:
            line = (f"epoch {epoch + 1:>4}/{args.epochs}  train loss {train_loss:.4f}  "
                    f"train {metric_name} {train_metric:.4f}")
            has_val = len(val_x) > 0
            if has_val:
                val_loss, val_metric = evaluate(model, val_x, val_y, device)
                line += f"  val loss {val_loss:.4f}  val {metric_name} {val_metric:.4f}"
            print(f"{line}  lr {lr:.4g}  ({time.time() - started:.2f} s)", flush=True)
            # The same stopping rules as Neuroglass, on validation when there is one.
            loss_now, metric_now = (val_loss, val_metric) if has_val else (train_loss, train_metric)
            if not math.isfinite(loss_now):
                stop, reason = True, "diverged: the loss is not finite"
            elif TARGET_LOSS is not None and loss_now <= TARGET_LOSS:
                stop, reason = True, f"target loss {TARGET_LOSS} reached"
            elif TARGET_ACCURACY is not None and CLASSIFICATION and metric_now >= TARGET_ACCURACY:
                stop, reason = True, f"target accuracy {TARGET_ACCURACY} reached"
            elif EARLY_STOPPING is not None and has_val:
                patience, restore_best = EARLY_STOPPING
                if best_loss is None or val_loss < best_loss:
                    best_loss, best_epoch, since_best = val_loss, epoch + 1, 0
                    if restore_best:
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    since_best += 1
                    if since_best >= max(patience, 1):
                        if best_state is not None:
                            model.load_state_dict(best_state)
                        stop, reason = True, f"stopped early; best epoch {best_epoch}"
        if distributed:
            flag = torch.tensor([1 if stop else 0])
            dist.broadcast(flag, 0)
            stop = bool(flag.item())
        if stop:
            break

    if main_process:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, args.out)
        print(f"{reason}; weights saved to {args.out}", flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
