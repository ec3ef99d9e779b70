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
    let fail = |reason: String| SynthError::Write {
        path: path.to_path_buf(),
        reason,
    };
    if path.exists() && !overwrite {
        return Err(SynthError::Exists(path.to_path_buf()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = crate::atomic::temp_file_in(dir).map_err(|e| fail(e.to_string()))?;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    {
        let file = tmp.as_file().try_clone().map_err(|e| fail(e.to_string()))?;
        let mut w = hound::WavWriter::new(std::io::BufWriter::new(file), spec)
            .map_err(|e| fail(e.to_string()))?;
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            w.write_sample(v).map_err(|e| fail(e.to_string()))?;
        }
        w.finalize().map_err(|e| fail(e.to_string()))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
    let done = if overwrite {
        tmp.persist(path).map(|_| ())
    } else {
        tmp.persist_noclobber(path).map(|_| ())
    };
    done.map_err(|e| fail(e.error.to_string()))
}
