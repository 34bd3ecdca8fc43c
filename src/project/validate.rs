//! Semantic checks on a parsed project file: everything a well-formed RON
//! file can still get wrong (duplicate ids, wires to missing nodes, NaN
//! positions, sizes no machine could hold). Runs before any model object is
//! built, so a hostile file never makes the program allocate for it.

use std::collections::{BTreeMap, BTreeSet};

use super::ProjectError;
use super::format::ProjectFileV1;
use crate::model::{
    Activation, DataSource, DataSpec, Generator, Init, LayerSpec, LossKind, OptimizerSpec,
    Schedule, TrainConfig, Units,
};

/// Most nodes a project may have.
pub const MAX_NODES: usize = 10_000;
/// Most wires a project may have.
pub const MAX_EDGES: usize = 100_000;
/// Most units of a Dense layer.
pub const MAX_UNITS: usize = 1 << 20;
/// Most hidden units of a recurrent layer.
pub const MAX_RNN_UNITS: usize = 1 << 16;
/// Most filters of a convolution.
pub const MAX_FILTERS: usize = 1 << 16;
/// Largest kernel, pooling window or stride.
pub const MAX_WINDOW: usize = 1 << 10;
/// Largest element count of a Reshape target, and most axes.
pub const MAX_RESHAPE_ELEMENTS: usize = 1 << 28;
/// Most axes of a Reshape target.
pub const MAX_RESHAPE_AXES: usize = 8;
/// Largest batch size.
pub const MAX_BATCH: usize = 1 << 20;
/// Most epochs.
pub const MAX_EPOCHS: usize = 10_000_000;
/// Most generated samples.
pub const MAX_SAMPLES: usize = 10_000_000;
/// Most classes, blobs or spiral arms of a generator.
pub const MAX_CLASSES: usize = 1_000;
/// Longest sequence window of a generator.
pub const MAX_WINDOW_STEPS: usize = 100_000;
/// Largest |coordinate| of a node on the canvas.
pub const MAX_COORD: f32 = 1.0e7;

/// "3.6 TB" style size, in 1024 steps.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 7] = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} bytes")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Checks a file before it becomes a project; `origin` names it in messages.
pub fn validate_file(f: &ProjectFileV1, origin: &str) -> Result<(), ProjectError> {
    let bad = |m: String| Err(ProjectError::invalid(origin, m));
    let g = &f.graph;
    if g.nodes.len() > MAX_NODES {
        return bad(format!(
            "{} layers; the limit is {MAX_NODES}",
            g.nodes.len()
        ));
    }
    if g.edges.len() > MAX_EDGES {
        return bad(format!("{} wires; the limit is {MAX_EDGES}", g.edges.len()));
    }
    let mut ids = BTreeSet::new();
    let mut kinds: BTreeMap<u32, LayerSpec> = BTreeMap::new();
    for n in &g.nodes {
        if !ids.insert(n.id) {
            return bad(format!("two layers have the id {}", n.id));
        }
        let (x, y) = n.pos;
        if !(x.is_finite() && y.is_finite()) || x.abs() > MAX_COORD || y.abs() > MAX_COORD {
            return bad(format!(
                "layer {} ({:?}) has position ({x}, {y}); positions must be finite and within ±{MAX_COORD}",
                n.id, n.name
            ));
        }
        let spec = LayerSpec::from(&n.kind);
        check_layer(&spec).map_err(|m| {
            let who = if n.name.is_empty() {
                format!("layer {}", n.id)
            } else {
                format!("layer {} ({:?})", n.id, n.name)
            };
            ProjectError::invalid(origin, format!("{who}: {m}"))
        })?;
        kinds.insert(n.id, spec);
    }
    let mut wires = BTreeSet::new();
    let mut ports = BTreeSet::new();
    for e in &g.edges {
        for end in [e.from, e.to] {
            if !ids.contains(&end) {
                return bad(format!(
                    "a wire from {} to {} refers to layer {end}, which is not in the file",
                    e.from, e.to
                ));
            }
        }
        if e.from == e.to {
            return bad(format!("layer {} is wired to itself", e.from));
        }
        if !wires.insert((e.from, e.to)) {
            return bad(format!("layers {} and {} are wired twice", e.from, e.to));
        }
        if !ports.insert((e.to, e.port)) {
            return bad(format!("two wires enter port {} of layer {}", e.port, e.to));
        }
    }
    let mut inputs: BTreeMap<u32, Vec<u16>> = BTreeMap::new();
    for e in &g.edges {
        inputs.entry(e.to).or_default().push(e.port);
    }
    for (to, mut ports) in inputs {
        let Some(kind) = kinds.get(&to) else {
            continue;
        };
        match kind.arity() {
            Some(0) => {
                return bad(format!(
                    "layer {to} is an {} and takes no inputs, but {} wires enter it",
                    kind.kind_name(),
                    ports.len()
                ));
            }
            Some(1) if ports.len() > 1 => {
                return bad(format!(
                    "layer {to} ({}) takes one input, but {} wires enter it",
                    kind.kind_name(),
                    ports.len()
                ));
            }
            _ => {}
        }
        ports.sort_unstable();
        if ports.iter().enumerate().any(|(i, p)| usize::from(*p) != i) {
            return bad(format!(
                "the wires into layer {to} use ports {ports:?}; ports must be numbered 0, 1, 2, … without gaps"
            ));
        }
    }
    check_training(&TrainConfig::from(&f.training))
        .map_err(|m| ProjectError::invalid(origin, format!("training: {m}")))?;
    check_data(&DataSpec::from(&f.data))
        .map_err(|m| ProjectError::invalid(origin, format!("data: {m}")))?;
    Ok(())
}

fn finite(name: &str, v: f32) -> Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{name} is {v}; it must be a finite number"))
    }
}

fn in_range(name: &str, v: f32, lo: f32, hi: f32) -> Result<(), String> {
    finite(name, v)?;
    if v < lo || v > hi {
        return Err(format!("{name} is {v}; it must be between {lo} and {hi}"));
    }
    Ok(())
}

fn positive(name: &str, v: f32) -> Result<(), String> {
    finite(name, v)?;
    if v <= 0.0 {
        return Err(format!("{name} is {v}; it must be greater than 0"));
    }
    Ok(())
}

fn count(name: &str, v: usize, max: usize) -> Result<(), String> {
    if v == 0 {
        return Err(format!("{name} is 0; it must be at least 1"));
    }
    if v > max {
        return Err(format!("{name} is {v}; the limit is {max}"));
    }
    Ok(())
}

fn units(kind: &str, v: usize, max: usize) -> Result<(), String> {
    if v > max {
        // At least one f32 weight per unit per input.
        return Err(format!(
            "{kind} of {v} units would need {}; the limit is {max} units",
            human_bytes(v as f64 * 4.0)
        ));
    }
    count("units", v, max)
}

fn check_init(init: Init) -> Result<(), String> {
    match init {
        Init::Constant(c) => finite("the constant initial weight", c),
        _ => Ok(()),
    }
}

/// Checks one layer's settings; the error is a plain sentence.
pub fn check_layer(spec: &LayerSpec) -> Result<(), String> {
    match spec {
        LayerSpec::Input
        | LayerSpec::GlobalAvgPool
        | LayerSpec::Flatten
        | LayerSpec::Add
        | LayerSpec::Concatenate => Ok(()),
        LayerSpec::Dense(d) => {
            if let Units::Fixed(u) = d.units {
                units("Dense", u, MAX_UNITS)?;
            }
            check_init(d.init)
        }
        LayerSpec::Conv2D(c) => {
            if c.filters > MAX_FILTERS {
                return Err(format!(
                    "Conv2D of {} filters; the limit is {MAX_FILTERS}",
                    c.filters
                ));
            }
            count("filters", c.filters, MAX_FILTERS)?;
            count("kernel", c.kernel, MAX_WINDOW)?;
            count("stride", c.stride, MAX_WINDOW)?;
            check_init(c.init)
        }
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => {
            count("pool size", p.size, MAX_WINDOW)?;
            count("pool stride", p.stride, MAX_WINDOW)
        }
        LayerSpec::Reshape { shape } => {
            if shape.is_empty() || shape.len() > MAX_RESHAPE_AXES {
                return Err(format!(
                    "Reshape has {} axes; it needs 1 to {MAX_RESHAPE_AXES}",
                    shape.len()
                ));
            }
            let mut total: usize = 1;
            for &d in shape {
                count("a Reshape axis", d, MAX_RESHAPE_ELEMENTS)?;
                total = total
                    .checked_mul(d)
                    .filter(|t| *t <= MAX_RESHAPE_ELEMENTS)
                    .ok_or_else(|| {
                        format!(
                            "Reshape to {shape:?} has more than {MAX_RESHAPE_ELEMENTS} elements per sample"
                        )
                    })?;
            }
            Ok(())
        }
        LayerSpec::Dropout { rate } => {
            finite("dropout rate", *rate)?;
            if !(0.0..1.0).contains(rate) {
                return Err(format!("dropout rate is {rate}; it must be in [0, 1)"));
            }
            Ok(())
        }
        LayerSpec::BatchNorm(b) => {
            in_range("BatchNorm momentum", b.momentum, 0.0, 1.0)?;
            positive("BatchNorm eps", b.eps)
        }
        LayerSpec::LayerNorm { eps } => positive("LayerNorm eps", *eps),
        LayerSpec::Activation(a) => match a {
            Activation::LeakyReLU { slope } => finite("LeakyReLU slope", *slope),
            Activation::Elu { alpha } => finite("ELU alpha", *alpha),
            _ => Ok(()),
        },
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            units(spec.kind_name(), r.units, MAX_RNN_UNITS)?;
            check_init(r.init)
        }
    }
}

fn opt_positive(name: &str, v: Option<f32>) -> Result<(), String> {
    v.map_or(Ok(()), |v| positive(name, v))
}

/// Checks the training settings; the error is a plain sentence.
pub fn check_training(t: &TrainConfig) -> Result<(), String> {
    if let LossKind::Huber { delta } = t.loss {
        positive("Huber delta", delta)?;
    }
    match t.optimizer {
        OptimizerSpec::Sgd { momentum, .. } => in_range("momentum", momentum, 0.0, 1.0)?,
        OptimizerSpec::Adam { beta1, beta2, eps } => {
            in_range("beta1", beta1, 0.0, 1.0)?;
            in_range("beta2", beta2, 0.0, 1.0)?;
            positive("eps", eps)?;
        }
        OptimizerSpec::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => {
            in_range("beta1", beta1, 0.0, 1.0)?;
            in_range("beta2", beta2, 0.0, 1.0)?;
            positive("eps", eps)?;
            in_range("weight decay", weight_decay, 0.0, f32::MAX)?;
        }
        OptimizerSpec::RmsProp {
            alpha,
            eps,
            momentum,
        } => {
            in_range("alpha", alpha, 0.0, 1.0)?;
            positive("eps", eps)?;
            in_range("momentum", momentum, 0.0, 1.0)?;
        }
        OptimizerSpec::Adagrad { eps } => positive("eps", eps)?,
    }
    positive("learning rate", t.learning_rate)?;
    match t.schedule {
        Schedule::Constant => {}
        Schedule::Step {
            every_epochs,
            gamma,
        } => {
            count("every_epochs", every_epochs, MAX_EPOCHS)?;
            positive("gamma", gamma)?;
        }
        Schedule::Exponential { gamma } => positive("gamma", gamma)?,
        Schedule::Cosine { min_lr } => in_range("min_lr", min_lr, 0.0, f32::MAX)?,
        Schedule::Warmup { steps } => {
            if steps > usize::MAX / 2 {
                return Err(format!("warm-up of {steps} steps is too long"));
            }
        }
    }
    count("batch size", t.batch_size, MAX_BATCH)?;
    count("epochs", t.epochs, MAX_EPOCHS)?;
    in_range("L1", t.l1, 0.0, f32::MAX)?;
    in_range("L2", t.l2, 0.0, f32::MAX)?;
    opt_positive("gradient clipping norm", t.clip_grad_norm)?;
    if let Some(v) = t.target_loss {
        finite("target loss", v)?;
    }
    if let Some(v) = t.target_accuracy {
        in_range("target accuracy", v, 0.0, 1.0)?;
    }
    if let Some(es) = t.early_stopping {
        count("early-stopping patience", es.patience, MAX_EPOCHS)?;
    }
    Ok(())
}

/// Checks the data settings; the error is a plain sentence.
pub fn check_data(d: &DataSpec) -> Result<(), String> {
    in_range("validation split", d.validation_split, 0.0, 0.99)?;
    match &d.source {
        DataSource::Generated {
            generator,
            samples,
            noise,
        } => {
            count("samples", *samples, MAX_SAMPLES)?;
            in_range("noise", *noise, 0.0, f32::MAX)?;
            match generator {
                Generator::Blobs { classes } => count("classes", *classes, MAX_CLASSES)?,
                Generator::Spiral { arms } => count("arms", *arms, MAX_CLASSES)?,
                Generator::SineSequence { window } => count("window", *window, MAX_WINDOW_STEPS)?,
                Generator::WaveShapes { window, classes } => {
                    count("window", *window, MAX_WINDOW_STEPS)?;
                    count("classes", *classes, MAX_CLASSES)?;
                }
                Generator::Formula {
                    expression,
                    from,
                    to,
                } => {
                    if expression.len() > crate::data::generate::MAX_FORMULA {
                        return Err(format!(
                            "the formula is longer than {} characters",
                            crate::data::generate::MAX_FORMULA
                        ));
                    }
                    if !(from.is_finite() && to.is_finite() && from < to) {
                        return Err(format!("the formula's range {from} to {to} is empty"));
                    }
                }
                _ => {}
            }
        }
        DataSource::Bundled(_) => {}
        DataSource::Painted { points, classes } => {
            if !(2..=10).contains(classes) {
                return Err(format!("{classes} painted classes; choose 2 to 10"));
            }
            if points.len() > crate::data::generate::MAX_PAINTED {
                return Err(format!(
                    "{} painted points; the limit is {}",
                    points.len(),
                    crate::data::generate::MAX_PAINTED
                ));
            }
            if let Some(p) = points
                .iter()
                .find(|p| !(p.0.is_finite() && p.1.is_finite()) || p.2 as usize >= *classes)
            {
                return Err(format!(
                    "the painted point ({}, {}, class {}) is not a finite point of one of the {classes} classes",
                    p.0, p.1, p.2
                ));
            }
        }
        DataSource::Csv { path, .. } | DataSource::Idx { path } => {
            if path.trim().is_empty() {
                return Err("the data path is empty".into());
            }
        }
        DataSource::Npy { path, labels, .. } => {
            if path.trim().is_empty() || labels.trim().is_empty() {
                return Err("the data or labels path is empty".into());
            }
        }
        DataSource::Npz { path, .. } => {
            if path.trim().is_empty() {
                return Err("the data path is empty".into());
            }
        }
        DataSource::ImageFolder {
            path,
            size,
            channels,
        } => {
            if path.trim().is_empty() {
                return Err("the image folder's path is empty".into());
            }
            if let Some([w, h]) = size {
                count("image width", *w, crate::data::images::MAX_SIDE)?;
                count("image height", *h, crate::data::images::MAX_SIDE)?;
            }
            if let Some(c) = channels
                && *c != 1
                && *c != 3
            {
                return Err(format!(
                    "channels is {c}; images are 1 (grey) or 3 (colour)"
                ));
            }
        }
        DataSource::StandIn {
            shape,
            classes,
            targets,
            samples,
        } => crate::data::standin::check(shape, *classes, *targets, *samples)?,
    }
    Ok(())
}
