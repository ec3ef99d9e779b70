//! `improv render` and `improv play`: any MIDI file through improv's synth, to WAV or speakers.

use super::WriteArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use improv::audio::Player;
use improv::midi::import::ImportOptions;
use improv::music::Score;
use improv::scorefile::read_any;
use improv::synth::{SynthSettings, render, write_wav};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How the band sounds (shared by `render`, `play` and `generate --wav`).
#[derive(Args, Debug, Clone)]
pub struct SoundArgs {
    /// Where the second eighth of a beat falls: 0.5 straight, 0.66 swung.
    #[arg(long, default_value_t = 0.62)]
    pub swing: f64,
    /// Leave out the drum tracks and the ride cymbal.
    #[arg(long)]
    pub no_drums: bool,
    /// Sample rate of the audio (44100 or 48000).
    #[arg(long, default_value_t = 48_000)]
    pub rate: u32,
}

impl SoundArgs {
    pub fn settings(&self) -> Result<SynthSettings> {
        anyhow::ensure!(
            (0.5..=0.75).contains(&self.swing),
            "--swing must be between 0.5 (straight) and 0.75"
        );
        anyhow::ensure!(
            self.rate == 44_100 || self.rate == 48_000,
            "--rate must be 44100 or 48000"
        );
        Ok(SynthSettings {
            sample_rate: self.rate,
            swing: self.swing,
            ride: !self.no_drums,
            drums: !self.no_drums,
            ..SynthSettings::default()
        })
    }
}

impl Default for SoundArgs {
    fn default() -> Self {
        SoundArgs {
            swing: 0.62,
            no_drums: false,
            rate: 48_000,
        }
    }
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The MIDI file to render.
    pub input: PathBuf,
    /// The WAV file to write.
    #[arg(long)]
    pub wav: PathBuf,
    #[command(flatten)]
    pub sound: SoundArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Args, Debug)]
pub struct PlayArgs {
    /// The MIDI file to play.
    pub input: PathBuf,
    #[command(flatten)]
    pub sound: SoundArgs,
}

fn read_score(path: &Path) -> Result<Score> {
    Ok(read_any(path, &ImportOptions::default())?.score)
}

/// Renders `score` and writes it as WAV.
pub fn write_wav_for(score: &Score, wav: &Path, s: &SynthSettings, force: bool) -> Result<f64> {
    if wav.exists() && !force {
        bail!(
            "{} already exists (use --force to overwrite)",
            wav.display()
        );
    }
    let samples = render(score, s);
    write_wav(wav, &samples, s.sample_rate, force)?;
    Ok(samples.len() as f64 / 2.0 / s.sample_rate as f64)
}

pub fn render_cmd(a: RenderArgs) -> Result<()> {
    let settings = a.sound.settings()?;
    let score = read_score(&a.input)?;
    let t0 = std::time::Instant::now();
    let secs = write_wav_for(&score, &a.wav, &settings, a.write.force)
        .with_context(|| format!("rendering {}", a.input.display()))?;
    println!(
        "wrote {} ({secs:.1} s of audio, {} notes, rendered in {:.2} s)",
        a.wav.display(),
        score.note_count(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn play_cmd(a: PlayArgs) -> Result<()> {
    let settings = a.sound.settings()?;
    let score = read_score(&a.input)?;
    let samples = render(&score, &settings);
    let mut player = Player::open()?;
    player.play(samples, settings.sample_rate, 2)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let total = player.duration_secs();
    let tty = std::io::stderr().is_terminal();
    while !player.is_finished() && !stop.load(Ordering::SeqCst) {
        if tty {
            let pos = player.position_secs();
            let filled = ((pos / total.max(1e-9)) * 30.0) as usize;
            eprint!(
                "\rplaying {} [{}{}] {:>4.0}/{:.0} s",
                a.input.display(),
                "#".repeat(filled.min(30)),
                "-".repeat(30 - filled.min(30)),
                pos,
                total
            );
            let _ = std::io::stderr().flush();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    player.stop();
    if tty {
        eprintln!();
    }
    Ok(())
}
