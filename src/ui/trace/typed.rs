//! "Type an input" in the Trace window: raw feature values (as the data
//! file or generator gives them; crosses and normalisation are applied as
//! for the data) and a target, traced like any sample. Offered when the
//! data's samples have at most [`MAX_TYPED`] raw values; prefilled from the
//! sample traced last (its raw values when they can be recovered, and its
//! target).

use egui::RichText;

use crate::data::Target;
use crate::trace::SampleTarget;
use crate::ui::theme;

use super::TraceState;
use super::pick::{MAX_TYPED, raw_len, raw_of};

/// Parses numbers separated by commas, semicolons or spaces.
///
/// # Errors
/// The first word that is not a finite number.
pub fn parse_values(text: &str) -> Result<Vec<f32>, String> {
    text.split([',', ';', ' ', '\t'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.replace('−', "-")
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{w}` is not a number"))
        })
        .collect()
}

/// The target typed for data with `target`'s kind.
///
/// # Errors
/// Not a class number from 0, or not the right count of values.
pub fn parse_target(text: &str, target: &Target) -> Result<SampleTarget, String> {
    match target {
        Target::Classes { names, .. } => {
            let c: u32 = text.trim().parse().map_err(|_| {
                format!(
                    "the target is a class: a whole number from 0 to {}",
                    names.len().saturating_sub(1)
                )
            })?;
            if c as usize >= names.len() {
                return Err(format!(
                    "class {c} does not exist; the classes are 0 to {}",
                    names.len().saturating_sub(1)
                ));
            }
            Ok(SampleTarget::Class(c))
        }
        Target::Values { y, .. } => {
            let v = parse_values(text)?;
            if v.len() != y.ncols() {
                return Err(format!(
                    "the target has {} value{}; this data has {}",
                    v.len(),
                    if v.len() == 1 { "" } else { "s" },
                    y.ncols()
                ));
            }
            Ok(SampleTarget::Values(v.into_iter().map(f64::from).collect()))
        }
    }
}

/// The collapsible form.
pub fn typed_ui(ui: &mut egui::Ui, state: &mut TraceState) {
    egui::CollapsingHeader::new("Type an input")
        .id_salt("trace-typed-input")
        .show(ui, |ui| {
            let Some(prepared) = state.prepared() else {
                ui.label("Trace a sample first: the form takes that data's shape.");
                return;
            };
            let p = prepared.as_ref();
            let Some(n) = raw_len(p) else {
                ui.label(format!(
                    "This data's samples have more than {MAX_TYPED} values; pick one in the views or the data preview instead."
                ));
                return;
            };
            let names: Vec<String> = if p.crosses.is_empty() && p.train.feature_names.len() == n {
                p.train.feature_names.clone()
            } else if n == 2 {
                vec!["x₁".into(), "x₂".into()]
            } else {
                (1..=n).map(|k| format!("x{k}")).collect()
            };
            let target = p.train.target.clone();
            if state.input_text.is_empty()
                && let Some(raw) = state
                    .shown
                    .as_ref()
                    .and_then(|t| t.trace.nodes.first())
                    .map(|n| n.output.iter().map(|v| *v as f32).collect::<Vec<_>>())
                    .and_then(|x| raw_of(p, &x))
            {
                let words: Vec<String> = raw.iter().map(|v| format!("{v}")).collect();
                state.input_text = words.join(", ");
            }
            if state.target_text.is_empty()
                && let Some(t) = state.shown.as_ref()
            {
                state.target_text = match &t.trace.target {
                    SampleTarget::Class(c) => c.to_string(),
                    SampleTarget::Values(v) => {
                        let words: Vec<String> = v.iter().map(|v| format!("{v}")).collect();
                        words.join(", ")
                    }
                };
            }
            ui.label(
                RichText::new(format!(
                    "{n} value{} ({}), as in the data before normalisation",
                    if n == 1 { "" } else { "s" },
                    names.join(", ")
                ))
                .weak(),
            );
            ui.add(
                egui::TextEdit::singleline(&mut state.input_text)
                    .hint_text("e.g. 0.5, -1.2")
                    .desired_width(f32::INFINITY),
            )
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::TextEdit, true, "typed input values")
            });
            ui.horizontal(|ui| {
                ui.label(match &target {
                    Target::Classes { .. } => "target class",
                    Target::Values { .. } => "target values",
                });
                ui.add(egui::TextEdit::singleline(&mut state.target_text).desired_width(80.0))
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(egui::WidgetType::TextEdit, true, "typed input target")
                    });
            });
            if ui.button("Trace this input").clicked() {
                let parsed = parse_values(&state.input_text).and_then(|raw| {
                    if raw.len() == n {
                        Ok(raw)
                    } else {
                        Err(format!("{} values typed; the input has {n}", raw.len()))
                    }
                });
                match parsed.and_then(|raw| Ok((raw, parse_target(&state.target_text, &target)?))) {
                    Ok((raw, t)) => {
                        state.input_error = None;
                        state.choose_typed(raw, t);
                    }
                    Err(e) => state.input_error = Some(e),
                }
            }
            if let Some(e) = &state.input_error {
                ui.colored_label(theme::ERROR, e);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_targets_parse_or_say_why_not() {
        assert_eq!(
            parse_values("0.5, −1.25  2").unwrap(),
            vec![0.5, -1.25, 2.0]
        );
        assert!(parse_values("1, x").unwrap_err().contains("`x`"));
        assert!(parse_values("1, inf").is_err());
        let classes = Target::Classes {
            labels: vec![0, 1],
            names: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            parse_target(" 1 ", &classes).unwrap(),
            SampleTarget::Class(1)
        );
        assert!(parse_target("2", &classes).unwrap_err().contains("0 to 1"));
        let values = Target::Values {
            y: ndarray::Array2::zeros((3, 2)),
            names: vec!["y0".into(), "y1".into()],
        };
        assert_eq!(
            parse_target("1, 2", &values).unwrap(),
            SampleTarget::Values(vec![1.0, 2.0])
        );
        assert!(parse_target("1", &values).is_err());
    }
}
