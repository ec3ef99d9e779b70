//! Standard MIDI Files in and out: import any file into a Score, export a Score atomically.

pub mod export;
pub(crate) mod group;
pub mod import;
pub(crate) mod roles;

use std::path::PathBuf;

/// Everything that can go wrong reading or writing MIDI; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} already exists (use --force to overwrite)")]
    Exists { path: PathBuf },
}

impl MidiError {
    /// What is wrong, without the file name.
    pub fn reason(&self) -> String {
        match self {
            MidiError::Invalid { reason, .. } => reason.clone(),
            MidiError::Io { source, .. } => source.to_string(),
            MidiError::Exists { .. } => "already exists".into(),
        }
    }
}
