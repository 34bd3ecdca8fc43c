//! The training settings as widgets: loss, optimizer and its settings,
//! schedule, batch size, epochs, regularisation, stopping rules and seed.
//! Every widget keeps its value in the range the trainer accepts.

use crate::model::{EarlyStopping, LossKind, OptimizerSpec, Schedule, TrainConfig, reference};

/// Each optimizer with PyTorch's default settings, in menu order.
pub const OPTIMIZERS: [OptimizerSpec; 5] = [
    OptimizerSpec::Sgd {
        momentum: 0.0,
        nesterov: false,
    },
    OptimizerSpec::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    },
    OptimizerSpec::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.01,
    },
    OptimizerSpec::RmsProp {
        alpha: 0.99,
        eps: 1e-8,
        momentum: 0.0,
    },
    OptimizerSpec::Adagrad { eps: 1e-10 },
];

const LOSSES: [LossKind; 5] = [
    LossKind::CrossEntropy,
    LossKind::BinaryCrossEntropy,
    LossKind::Mse,
    LossKind::Mae,
    LossKind::Huber { delta: 1.0 },
];

fn row(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui)) {
    ui.label(label);
    add(ui);
    ui.end_row();
}

/// Draws the settings of `t`.
pub fn ui(ui: &mut egui::Ui, t: &mut TrainConfig) {
    egui::Grid::new("training-form").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
        row(ui, "loss", |ui| {
            egui::ComboBox::from_id_salt("loss")
                .selected_text(t.loss.name())
                .show_ui(ui, |ui| {
                    for l in LOSSES {
                        if ui
                            .selectable_label(t.loss.name() == l.name(), l.name())
                            .on_hover_text(reference::loss(l).summary)
                            .clicked()
                        {
                            t.loss = l;
                        }
                    }
                })
                .response
                .on_hover_text(reference::loss(t.loss).formula);
        });
        ui.label("");
        loss_formula_ui(ui, t.loss);
        ui.end_row();
        if let LossKind::Huber { delta } = &mut t.loss {
            row(ui, "δ", |ui| {
                ui.add(egui::DragValue::new(delta).speed(0.05).range(0.01..=100.0));
            });
        }
        row(ui, "optimizer", |ui| {
            egui::ComboBox::from_id_salt("optimizer")
                .selected_text(t.optimizer.name())
                .show_ui(ui, |ui| {
                    for o in OPTIMIZERS {
                        if ui
                            .selectable_label(t.optimizer.name() == o.name(), o.name())
                            .on_hover_text(reference::optimizer(&o).summary)
                            .clicked()
                        {
                            t.optimizer = o;
                        }
                    }
                })
                .response
                .on_hover_text(reference::optimizer(&t.optimizer).formula);
        });
        optimizer_settings(ui, &mut t.optimizer);
        // The project's learning rate: the Run panel's live control edits
        // this same value.
        let label = ui.label("learning rate");
        ui.add(
            egui::DragValue::new(&mut t.learning_rate)
                .speed(0.0005)
                .range(super::train_panel::LR_RANGE)
                .max_decimals(6),
        )
        .labelled_by(label.id);
        ui.end_row();
        schedule_ui(ui, &mut t.schedule);
        row(ui, "batch size", |ui| {
            ui.add(egui::DragValue::new(&mut t.batch_size).range(1..=4096));
        });
        row(ui, "epochs", |ui| {
            ui.add(egui::DragValue::new(&mut t.epochs).range(1..=100_000));
        });
        row(ui, "L1", |ui| {
            ui.add(egui::DragValue::new(&mut t.l1).speed(1e-5).range(0.0..=1.0).max_decimals(6))
                .on_hover_text("adds λ·Σ|w| to the loss: pushes weights to exactly zero");
        });
        row(ui, "L2", |ui| {
            ui.add(egui::DragValue::new(&mut t.l2).speed(1e-5).range(0.0..=1.0).max_decimals(6))
                .on_hover_text("adds λ/2·Σw² to the loss: keeps weights small");
        });
        optional(ui, "clip gradient norm", &mut t.clip_grad_norm, 1.0, 0.001..=1e6);
        row(ui, "early stopping", |ui| {
            let mut on = t.early_stopping.is_some();
            ui.horizontal(|ui| {
                ui.checkbox(&mut on, "");
                match (&mut t.early_stopping, on) {
                    (Some(e), true) => {
                        ui.add(egui::DragValue::new(&mut e.patience).range(1..=10_000).prefix("patience "));
                    }
                    (slot @ None, true) => {
                        *slot = Some(EarlyStopping {
                            patience: 10,
                            restore_best: true,
                        });
                    }
                    (slot, false) => *slot = None,
                }
            })
            .response
            .on_hover_text("stop when the validation loss has not improved for `patience` epochs, and keep the best weights");
        });
        optional(ui, "stop at loss", &mut t.target_loss, 0.01, 0.0..=1e6);
        optional(ui, "stop at accuracy", &mut t.target_accuracy, 0.95, 0.0..=1.0);
        row(ui, "seed", |ui| {
            ui.add(egui::DragValue::new(&mut t.seed))
                .on_hover_text("the same seed gives the same numbers");
        });
    });
}

/// The loss written out over a batch of n samples, and how it relates to
/// maximum likelihood, in one sentence.
pub fn loss_formula(l: LossKind) -> (&'static str, &'static str) {
    match l {
        LossKind::Mse => (
            "L = (1/n) Σᵢ (ŷᵢ − yᵢ)²",
            "Minimising it is maximum likelihood when the errors are Gaussian with a fixed spread.",
        ),
        LossKind::Mae => (
            "L = (1/n) Σᵢ |ŷᵢ − yᵢ|",
            "Minimising it is maximum likelihood when the errors follow a Laplace distribution; it predicts the median.",
        ),
        LossKind::Huber { .. } => (
            "L = (1/n) Σᵢ h(ŷᵢ − yᵢ),  h(d) = ½d² if |d| ≤ δ, else δ(|d| − ½δ)",
            "Squared error near the answer and absolute error far from it, so outliers pull less.",
        ),
        LossKind::CrossEntropy => (
            "L = −(1/n) Σᵢ log pᵢ[yᵢ],  p = softmax(z)",
            "Minimising cross-entropy is maximum likelihood: the mean of −log p(yᵢ | xᵢ) is smallest exactly when the probability Πᵢ p(yᵢ | xᵢ) the network gives the observed labels is largest.",
        ),
        LossKind::BinaryCrossEntropy => (
            "L = −(1/n) Σᵢ [yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))]",
            "Minimising cross-entropy is maximum likelihood: the mean of −log p(yᵢ | xᵢ) is smallest exactly when the probability Πᵢ p(yᵢ | xᵢ) the network gives the observed labels is largest.",
        ),
    }
}

/// The chosen loss's formula and its sentence, under the loss choice.
fn loss_formula_ui(ui: &mut egui::Ui, l: LossKind) {
    let (formula, why) = loss_formula(l);
    ui.vertical(|ui| {
        ui.add(egui::Label::new(egui::RichText::new(formula).monospace()).wrap());
        ui.add(egui::Label::new(egui::RichText::new(why).weak()).wrap());
    });
}

fn optional(
    ui: &mut egui::Ui,
    label: &str,
    v: &mut Option<f32>,
    default: f32,
    range: std::ops::RangeInclusive<f32>,
) {
    row(ui, label, |ui| {
        ui.horizontal(|ui| {
            let mut on = v.is_some();
            ui.checkbox(&mut on, "");
            match (v.as_mut(), on) {
                (Some(x), true) => {
                    ui.add(egui::DragValue::new(x).speed(0.01).range(range));
                }
                (None, true) => *v = Some(default),
                (_, false) => *v = None,
            }
        });
    });
}

fn optimizer_settings(ui: &mut egui::Ui, o: &mut OptimizerSpec) {
    let beta = |ui: &mut egui::Ui, label: &str, b: &mut f32| {
        row(ui, label, |ui| {
            ui.add(
                egui::DragValue::new(b)
                    .speed(0.001)
                    .range(0.0..=0.9999)
                    .max_decimals(4),
            );
        });
    };
    match o {
        OptimizerSpec::Sgd { momentum, nesterov } => {
            row(ui, "momentum", |ui| {
                ui.add(
                    egui::DragValue::new(momentum)
                        .speed(0.01)
                        .range(0.0..=0.999),
                );
            });
            row(ui, "Nesterov", |ui| {
                ui.checkbox(nesterov, "");
            });
        }
        OptimizerSpec::Adam { beta1, beta2, .. } => {
            beta(ui, "β₁", beta1);
            beta(ui, "β₂", beta2);
        }
        OptimizerSpec::AdamW {
            beta1,
            beta2,
            weight_decay,
            ..
        } => {
            beta(ui, "β₁", beta1);
            beta(ui, "β₂", beta2);
            row(ui, "weight decay", |ui| {
                ui.add(
                    egui::DragValue::new(weight_decay)
                        .speed(0.001)
                        .range(0.0..=1.0),
                );
            });
        }
        OptimizerSpec::RmsProp {
            alpha, momentum, ..
        } => {
            beta(ui, "α", alpha);
            row(ui, "momentum", |ui| {
                ui.add(
                    egui::DragValue::new(momentum)
                        .speed(0.01)
                        .range(0.0..=0.999),
                );
            });
        }
        OptimizerSpec::Adagrad { .. } => {}
    }
}

fn schedule_ui(ui: &mut egui::Ui, s: &mut Schedule) {
    let name = |s: &Schedule| match s {
        Schedule::Constant => "constant",
        Schedule::Step { .. } => "step",
        Schedule::Exponential { .. } => "exponential",
        Schedule::Cosine { .. } => "cosine",
        Schedule::Warmup { .. } => "linear warm-up",
    };
    row(ui, "schedule", |ui| {
        egui::ComboBox::from_id_salt("schedule")
            .selected_text(name(s))
            .show_ui(ui, |ui| {
                for c in [
                    Schedule::Constant,
                    Schedule::Step {
                        every_epochs: 10,
                        gamma: 0.5,
                    },
                    Schedule::Exponential { gamma: 0.95 },
                    Schedule::Cosine { min_lr: 0.0 },
                    Schedule::Warmup { steps: 100 },
                ] {
                    if ui.selectable_label(name(s) == name(&c), name(&c)).clicked() {
                        *s = c;
                    }
                }
            });
    });
    match s {
        Schedule::Step {
            every_epochs,
            gamma,
        } => {
            row(ui, "every", |ui| {
                ui.add(
                    egui::DragValue::new(every_epochs)
                        .range(1..=10_000)
                        .suffix(" epochs"),
                );
            });
            row(ui, "× factor", |ui| {
                ui.add(egui::DragValue::new(gamma).speed(0.01).range(0.01..=1.0));
            });
        }
        Schedule::Exponential { gamma } => row(ui, "× per epoch", |ui| {
            ui.add(egui::DragValue::new(gamma).speed(0.001).range(0.5..=1.0));
        }),
        Schedule::Cosine { min_lr } => row(ui, "lowest rate", |ui| {
            ui.add(
                egui::DragValue::new(min_lr)
                    .speed(1e-5)
                    .range(0.0..=1.0)
                    .max_decimals(6),
            );
        }),
        Schedule::Warmup { steps } => row(ui, "warm-up", |ui| {
            ui.add(
                egui::DragValue::new(steps)
                    .range(1..=1_000_000)
                    .suffix(" steps"),
            );
        }),
        Schedule::Constant => {}
    }
}
