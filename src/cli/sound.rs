//! `improv render`, `play`, `ports` and `soundfonts`: any MIDI file through improv's synth or
//! a SoundFont, to WAV, speakers or a MIDI port.

#![cfg_attr(not(feature = "audio"), allow(unused_imports, dead_code))]

use super::WriteArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
#[cfg(feature = "audio")]
use improv::audio::Player;
use improv::midi::import::ImportOptions;
use improv::music::Score;
use improv::scorefile::read_any;
use improv::synth::plan::{DEFAULT_MAX_MINUTES, check};
use improv::synth::soundfont::{Font, find, search_dirs};
use improv::synth::{ROOM, Stream, SynthSettings, write_wav_with};
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
    /// Play through this General MIDI SoundFont (.sf2) instead of improv's own synth
    /// (`improv soundfonts` lists the ones installed).
    #[arg(long, value_name = "FILE.sf2")]
    pub soundfont: Option<PathBuf>,
    /// How much room the band plays in, from 0 (none) to 1 (a wet hall).
    #[arg(long, default_value_t = ROOM)]
    pub room: f32,
    /// No room at all (the same as --room 0).
    #[arg(long)]
    pub dry: bool,
    /// Refuse to render more than this many minutes of audio (damaged files can ask for hours).
    #[arg(long, default_value_t = DEFAULT_MAX_MINUTES)]
    pub max_minutes: f64,
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
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.room),
            "--room must be between 0 and 1"
        );
        anyhow::ensure!(self.max_minutes > 0.0, "--max-minutes must be above 0");
        Ok(SynthSettings {
            sample_rate: self.rate,
            swing: self.swing,
            ride: !self.no_drums,
            drums: !self.no_drums,
            room: if self.dry { 0.0 } else { self.room },
            ..SynthSettings::default()
        })
    }

    /// The SoundFont asked for, loaded; one line on stderr and `None` (the built-in synth)
    /// when it cannot be used.
    pub fn font(&self) -> Option<Font> {
        let path = self.soundfont.as_ref()?;
        match Font::load(path) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("improv: {e}; using the built-in synth");
                None
            }
        }
    }

    /// The stream for `score`, after the checks: warnings printed, too long refused.
    pub fn stream(&self, score: &Score) -> Result<Stream> {
        let settings = self.settings()?;
        let plan = check(score, &settings, self.max_minutes)?;
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
        let font = self.font();
        let (stream, fallback) = Stream::new(score, &settings, font.as_ref());
        if let Some(why) = fallback {
            eprintln!("improv: {why}");
        }
        Ok(stream)
    }
}

impl Default for SoundArgs {
    fn default() -> Self {
        SoundArgs {
            swing: 0.62,
            no_drums: false,
            rate: 48_000,
            soundfont: None,
            room: ROOM,
            dry: false,
            max_minutes: DEFAULT_MAX_MINUTES,
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
    /// Send the band to this MIDI output port (a number or part of a name from `improv
    /// ports`) instead of playing it here.
    #[arg(long, value_name = "PORT")]
    pub midi_out: Option<String>,
    #[command(flatten)]
    pub sound: SoundArgs,
}

/// The score of a file, after printing what its reader warned of.
fn read_score(path: &Path) -> Result<Score> {
    let imp = read_any(path, &ImportOptions::default())?;
    super::warn(path, &imp.warnings);
    Ok(imp.score)
}

/// Renders `score` straight into a WAV file, block by block; returns the seconds written.
pub fn write_wav_for(score: &Score, wav: &Path, sound: &SoundArgs, force: bool) -> Result<f64> {
    if wav.exists() && !force {
        bail!(
            "{} already exists (use --force to overwrite)",
            wav.display()
        );
    }
    let mut stream = sound.stream(score)?;
    let rate = stream.sample_rate();
    let frames = write_wav_with(wav, rate, force, &mut |out| stream.fill(out))?;
    Ok(frames as f64 / f64::from(rate))
}

pub fn render_cmd(a: RenderArgs) -> Result<()> {
    let score = read_score(&a.input)?;
    let t0 = std::time::Instant::now();
    let secs = write_wav_for(&score, &a.wav, &a.sound, a.write.force)
        .with_context(|| format!("rendering {}", a.input.display()))?;
    println!(
        "wrote {} ({secs:.1} s of audio, {} notes, rendered in {:.2} s)",
        a.wav.display(),
        score.note_count(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    super::interrupt::on_stop(move || flag.store(true, Ordering::SeqCst));
    stop
}

/// A bar of the seconds played of `name` (hidden when stderr is not a terminal).
fn seconds_bar(name: &Path, total: f64) -> indicatif::ProgressBar {
    let bar = super::progress::bar(&format!("playing {}", name.display()), false);
    bar.set_length(total.round() as u64);
    bar.set_message("s");
    bar
}

#[cfg(feature = "audio")]
pub fn play_cmd(a: PlayArgs) -> Result<()> {
    let score = read_score(&a.input)?;
    if let Some(port) = &a.midi_out {
        return play_midi_out(&a, &score, port);
    }
    let stream = a.sound.stream(&score)?;
    let mut player = Player::open()?;
    player.play_stream(stream)?;
    let stop = stop_flag();
    let total = player.duration_secs();
    let bar = seconds_bar(&a.input, total);
    while !player.is_finished() && !stop.load(Ordering::SeqCst) {
        bar.set_position(player.position_secs() as u64);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bar.finish_and_clear();
    player.stop();
    Ok(())
}

#[cfg(feature = "audio")]
fn play_midi_out(a: &PlayArgs, score: &Score, port: &str) -> Result<()> {
    use improv::midi_out::{MidiOut, perform};
    use improv::synth::schedule::schedule;
    let settings = a.sound.settings()?;
    check(score, &settings, a.sound.max_minutes)?;
    let mut out = MidiOut::connect(port)?;
    let msgs = schedule(score, &settings);
    let total = score.duration_secs();
    let stop = stop_flag();
    eprintln!("sending {} to {}", a.input.display(), out.name);
    let bar = seconds_bar(&a.input, total);
    perform(&msgs, 0.0, &mut |m| out.send(m), &stop, &mut |pos| {
        bar.set_position(pos as u64)
    });
    bar.finish_and_clear();
    Ok(())
}

/// `improv ports` in a build without MIDI out.
#[cfg(not(feature = "audio"))]
pub fn ports_cmd() -> Result<()> {
    println!("this improv was built without MIDI out (the `audio` feature)");
    Ok(())
}

/// `improv ports`: the MIDI output and input ports, or one line saying there is no MIDI
/// system.
#[cfg(feature = "audio")]
pub fn ports_cmd() -> Result<()> {
    let outputs = match improv::midi_out::ports() {
        Ok(names) => names,
        Err(e) => {
            println!("{e}");
            return Ok(());
        }
    };
    let inputs = improv::midi_in::ports().unwrap_or_default();
    for (what, names) in [("output", outputs), ("input", inputs)] {
        if names.is_empty() {
            println!("no MIDI {what} ports");
            continue;
        }
        println!("MIDI {what} ports:");
        for (i, n) in names.iter().enumerate() {
            println!("  {i}: {n}");
        }
    }
    Ok(())
}

/// `improv soundfonts`: the SoundFonts found where they are usually installed.
pub fn soundfonts_cmd() -> Result<()> {
    let dirs = search_dirs();
    let found = find(&dirs);
    if found.is_empty() {
        let places: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        println!("no SoundFonts (.sf2) in {}", places.join(", "));
    }
    for f in found {
        println!("{}", f.display());
    }
    Ok(())
}
