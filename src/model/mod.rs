//! The model: the exercise's LSTM on burn, its optimiser, bundles, sampling and the exercise run.

pub mod adam;
pub mod bundle;
pub mod exercise;
pub mod fastmath;
pub mod fit;
pub mod lstm;
pub mod net;
pub mod weights;
pub mod xent;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which burn CPU backend trains the model.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// burn-flex: the faster pure-Rust CPU backend (default).
    #[default]
    Flex,
    /// burn-ndarray.
    Ndarray,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Flex => "flex",
            BackendKind::Ndarray => "ndarray",
        })
    }
}

impl std::str::FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "flex" => Ok(BackendKind::Flex),
            "ndarray" => Ok(BackendKind::Ndarray),
            _ => Err(format!("unknown backend {s:?} (flex or ndarray)")),
        }
    }
}
