//! How the learning rate moves: the exercise's decay every update, or a rate per epoch cut
//! when validation stalls (reduce on plateau, with early stopping).

use serde::{Deserialize, Serialize};

/// How the learning rate moves during training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    /// The exercise's: lr / (1 + decay · updates), every update.
    #[default]
    PerUpdate,
    /// Constant per epoch, cut when validation stalls; stops early (the conditioned kind's).
    Plateau(Plateau),
}

/// How the learning rate moves from epoch to epoch, and when training stops early.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    /// Multiply the learning rate by this when validation has not improved for `patience`
    /// epochs.
    pub factor: f64,
    pub patience: usize,
    pub min_lr: f64,
    /// Stop when validation has not improved for this many epochs (0: never).
    pub stop_after: usize,
}

impl Default for Plateau {
    fn default() -> Self {
        Plateau {
            factor: 0.5,
            patience: 2,
            min_lr: 1e-5,
            stop_after: 8,
        }
    }
}

/// Reduce-on-plateau bookkeeping over validation losses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlateauState {
    pub best: Option<f64>,
    pub since_best: usize,
    pub since_cut: usize,
}

impl PlateauState {
    /// Takes an epoch's validation loss; returns the learning rate for the next epoch and
    /// whether to stop.
    pub fn after_epoch(&mut self, p: &Plateau, val: f64, lr: f64) -> (f64, bool) {
        if self.best.is_none_or(|b| val < b - 1e-4) {
            self.best = Some(val);
            self.since_best = 0;
            self.since_cut = 0;
            return (lr, false);
        }
        self.since_best += 1;
        self.since_cut += 1;
        let mut lr = lr;
        if self.since_cut >= p.patience {
            lr = (lr * p.factor).max(p.min_lr);
            self.since_cut = 0;
        }
        (lr, p.stop_after > 0 && self.since_best >= p.stop_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_halves_then_stops() {
        let p = Plateau {
            factor: 0.5,
            patience: 2,
            min_lr: 0.001,
            stop_after: 4,
        };
        let mut st = PlateauState::default();
        assert_eq!(st.after_epoch(&p, 1.0, 0.01), (0.01, false));
        assert_eq!(st.after_epoch(&p, 0.9, 0.01), (0.01, false));
        assert_eq!(st.after_epoch(&p, 0.95, 0.01), (0.01, false));
        assert_eq!(st.after_epoch(&p, 0.95, 0.01), (0.005, false));
        assert_eq!(st.after_epoch(&p, 0.95, 0.005), (0.005, false));
        assert_eq!(st.after_epoch(&p, 0.95, 0.005), (0.0025, true));
        assert_eq!(st.after_epoch(&p, 0.5, 0.0025), (0.0025, false));
    }
}
