//! WAV files: 16-bit PCM stereo, written as the audio is rendered, to a temporary file that
//! is renamed into place at the end (so memory stays small and no half file is left behind).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0} already exists (use --force to overwrite)")]
    Exists(PathBuf),
    #[error(
        "the render would last {minutes:.1} minutes, more than the limit of {limit} \
         (raise it with --max-minutes)"
    )]
    TooLong { minutes: f64, limit: f64 },
    #[error("{path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// Frames asked of the renderer per write.
const CHUNK: usize = 4096;

/// Writes interleaved stereo `samples` as 16-bit PCM; refuses to replace a file unless asked.
pub fn write_wav(
    path: &Path,
    samples: &[f32],
    sample_rate: u32,
    overwrite: bool,
) -> Result<(), SynthError> {
    let mut rest = samples;
    write_wav_with(path, sample_rate, overwrite, &mut |out: &mut [f32]| {
        let n = out.len().min(rest.len()) / 2;
        out[..2 * n].copy_from_slice(&rest[..2 * n]);
        rest = &rest[2 * n..];
        n
    })
    .map(|_| ())
}

/// Writes what `fill` renders (interleaved stereo frames into the buffer it is given; the
/// number of frames written, 0 at the end) as 16-bit PCM, block by block. Returns the frames
/// written. Refuses to replace a file unless asked.
pub fn write_wav_with(
    path: &Path,
    sample_rate: u32,
    overwrite: bool,
    fill: &mut dyn FnMut(&mut [f32]) -> usize,
) -> Result<u64, SynthError> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut frames = 0u64;
    let written = crate::atomic::write_with(path, overwrite, |file| {
        let mut w = hound::WavWriter::new(std::io::BufWriter::new(file), spec)
            .map_err(std::io::Error::other)?;
        let mut buf = vec![0.0f32; 2 * CHUNK];
        loop {
            let n = fill(&mut buf);
            if n == 0 {
                break;
            }
            frames += n as u64;
            let mut i16s = w.get_i16_writer(2 * n as u32);
            for &s in &buf[..2 * n] {
                // Rounded half away from zero, without a library call per sample.
                let v = s.clamp(-1.0, 1.0) * 32767.0;
                i16s.write_sample((v + 0.5f32.copysign(v)) as i16);
            }
            i16s.flush().map_err(std::io::Error::other)?;
        }
        w.finalize().map_err(std::io::Error::other)
    });
    written.map_err(|e| match e {
        crate::atomic::WriteError::Exists => SynthError::Exists(path.to_path_buf()),
        crate::atomic::WriteError::Io(e) => SynthError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    })?;
    Ok(frames)
}
