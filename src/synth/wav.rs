//! WAV files: 16-bit PCM stereo, written to a temporary file and renamed into place.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0} already exists (use --force to overwrite)")]
    Exists(PathBuf),
    #[error("{path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// Writes interleaved stereo `samples` as 16-bit PCM; refuses to replace a file unless asked.
pub fn write_wav(
    path: &Path,
    samples: &[f32],
    sample_rate: u32,
    overwrite: bool,
) -> Result<(), SynthError> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let written = crate::atomic::write_with(path, overwrite, |file| {
        let mut w = hound::WavWriter::new(std::io::BufWriter::new(file), spec)
            .map_err(std::io::Error::other)?;
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            w.write_sample(v).map_err(std::io::Error::other)?;
        }
        w.finalize().map_err(std::io::Error::other)
    });
    written.map_err(|e| match e {
        crate::atomic::WriteError::Exists => SynthError::Exists(path.to_path_buf()),
        crate::atomic::WriteError::Io(e) => SynthError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    })
}
