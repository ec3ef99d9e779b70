//! The models: the exercise's LSTM and the conditioned one on burn, the host kernels and
//! fused operations they share, their optimiser and their bundles.

pub mod bundle;
pub mod conditioned;
pub mod cpu;
pub mod exercise;
pub mod fit;
pub mod grads;
pub mod init;
pub mod net;
pub mod ops;
pub mod optim;

/// The largest difference between two arrays, element by element (for tests).
#[cfg(test)]
pub(crate) fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "arrays of different lengths");
    a.iter()
        .zip(b)
        // A NaN on either side is as far off as can be (`f32::max` would skip it).
        .map(|(p, q)| (p - q).abs())
        .map(|d| if d.is_nan() { f32::INFINITY } else { d })
        .fold(0.0f32, f32::max)
}

/// Training frees and allocates buffers of a few megabytes every batch. glibc's defaults
/// hand such buffers back to the system and fault them in again the next batch (a fifth
/// of a conditioned epoch went to page faults); this keeps freed memory in the process.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes allocator thresholds; it is thread-safe in glibc.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        });
    }
}

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which network a bundle holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// The classic: grammar tokens, chords applied when decoding (every bundle before kinds).
    #[default]
    Exercise,
    /// Pitch and duration events, hearing the chord, the next chord and the beat each step.
    Conditioned,
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Exercise => "exercise",
            ModelKind::Conditioned => "conditioned",
        })
    }
}

impl std::str::FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exercise" => Ok(ModelKind::Exercise),
            "conditioned" => Ok(ModelKind::Conditioned),
            _ => Err(format!(
                "unknown model kind {s:?} (exercise or conditioned)"
            )),
        }
    }
}

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

/// The burn device for a backend, with or without autodiff.
pub fn device(kind: BackendKind, autodiff: bool) -> burn::tensor::Device {
    #[allow(deprecated)] // burn-ndarray is kept on purpose: both backends are offered
    let d = match kind {
        BackendKind::Flex => burn::tensor::Device::flex(),
        BackendKind::Ndarray => burn::tensor::Device::ndarray(),
    };
    if autodiff { d.autodiff() } else { d }
}

/// How the recurrence is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Each kind's whole step by hand on the host, no graph (`exercise::host`,
    /// `conditioned::host`).
    #[default]
    Host,
    /// The recurrence and the output layer as fused burn operations with hand-written
    /// backward passes (`ops::lstm`, `ops::conditioned`), under burn's autodiff.
    Fused,
    /// A graph of burn ops per step: the tested reference.
    Reference,
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "host" => Ok(Engine::Host),
            "fused" => Ok(Engine::Fused),
            "reference" => Ok(Engine::Reference),
            _ => Err(format!("unknown engine {s:?} (host, fused or reference)")),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::Host => "host",
            Engine::Fused => "fused",
            Engine::Reference => "reference",
        })
    }
}
