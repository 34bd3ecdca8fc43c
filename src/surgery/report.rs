//! What a transfer did to each layer, in words.

use crate::model::NodeId;

/// What became of one layer of the new network.
#[derive(Clone, Debug, PartialEq)]
pub enum Fate {
    /// Same weights as before (and the same optimizer state).
    Kept,
    /// Same weights; inputs that are new start with zero weights.
    InputsChanged,
    /// More units: the old ones keep their weights, the new ones get fresh
    /// incoming weights and zero outgoing weights.
    Grown {
        /// Units before.
        from: usize,
        /// Units now.
        to: usize,
    },
    /// Fewer units: those with the smallest weight norm were dropped.
    Narrowed {
        /// Units before.
        from: usize,
        /// Units now.
        to: usize,
        /// The old indices of the dropped units.
        dropped: Vec<usize>,
        /// Which norm chose them: `"outgoing"` (the next layers' weights
        /// for the unit) or `"incoming"` (when no next layer has weights).
        by: &'static str,
    },
    /// A new layer set up to pass its input through unchanged.
    Identity,
    /// A new layer with fresh weights (it changes the function).
    Fresh,
    /// A layer that existed but whose weights could not be carried over.
    Reset(String),
}

impl Fate {
    /// Whether this layer keeps the network's function as it was.
    pub fn preserves(&self) -> bool {
        matches!(
            self,
            Self::Kept | Self::InputsChanged | Self::Grown { .. } | Self::Identity
        )
    }
}

impl std::fmt::Display for Fate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Kept => write!(f, "kept"),
            Self::InputsChanged => write!(f, "kept (its new inputs start with zero weights)"),
            Self::Grown { from, to } => write!(
                f,
                "grown {from} → {to} (new units: fresh incoming weights, zero outgoing weights)"
            ),
            Self::Narrowed {
                from,
                to,
                dropped,
                by,
            } => {
                let list: Vec<String> = dropped.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "narrowed {from} → {to}: dropped unit{} {} (smallest {by} weight norm)",
                    if dropped.len() == 1 { "" } else { "s" },
                    list.join(", ")
                )
            }
            Self::Identity => write!(f, "new, set up as the identity"),
            Self::Fresh => write!(f, "new, fresh weights (changes what the network computes)"),
            Self::Reset(why) => write!(f, "fresh weights: {why}"),
        }
    }
}

/// Layers with parameters by what became of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Same weights (new inputs, if any, at zero).
    pub kept: usize,
    /// More units.
    pub grown: usize,
    /// Fewer units.
    pub narrowed: usize,
    /// New, or reset to fresh weights.
    pub new: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} layer{} kept, {} grown",
            self.kept,
            if self.kept == 1 { "" } else { "s" },
            self.grown
        )?;
        if self.narrowed > 0 {
            write!(f, ", {} narrowed", self.narrowed)?;
        }
        write!(f, ", {} new", self.new)
    }
}

/// One layer's line in a [`Report`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayerReport {
    /// The graph node.
    pub id: NodeId,
    /// Its name.
    pub name: String,
    /// Its kind ("Dense", "ReLU", …).
    pub kind: &'static str,
    /// What happened to it.
    pub fate: Fate,
    /// Whether it has parameters.
    pub has_params: bool,
}

/// What a transfer did, layer by layer (the new network's order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Every node of the new network.
    pub layers: Vec<LayerReport>,
}

impl Report {
    /// Whether every layer keeps the function (no fresh, reset or narrowed
    /// layer). The measured output change is the final word.
    pub fn preserves(&self) -> bool {
        self.layers.iter().all(|l| l.fate.preserves())
    }

    /// How many layers with parameters were kept, grown, narrowed, and
    /// new (or reset).
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for l in self.layers.iter().filter(|l| l.has_params) {
            match l.fate {
                Fate::Kept | Fate::InputsChanged => c.kept += 1,
                Fate::Grown { .. } => c.grown += 1,
                Fate::Narrowed { .. } => c.narrowed += 1,
                Fate::Identity | Fate::Fresh | Fate::Reset(_) => c.new += 1,
            }
        }
        c
    }

    /// The layers whose fate is worth saying: all but those kept as they
    /// were.
    pub fn changes(&self) -> impl Iterator<Item = &LayerReport> {
        self.layers.iter().filter(|l| l.fate != Fate::Kept)
    }
}

impl Report {
    /// One line per layer whose fate is worth saying.
    pub fn lines(&self) -> Vec<String> {
        self.changes().map(ToString::to_string).collect()
    }
}

impl std::fmt::Display for LayerReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} `{}` ({}): {}",
            self.id, self.name, self.kind, self.fate
        )
    }
}
