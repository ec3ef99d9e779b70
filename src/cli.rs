//! The headless front end: clap commands that call the same library as the studio.

mod bench;
mod charts;
mod data;
mod decoding;
mod interrupt;
mod judge;
mod model;
mod progress;
mod sound;
mod trade;
mod wjazzd;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "improv",
    version,
    about = "A terminal jazz studio that learns to improvise.",
    long_about = "A terminal jazz studio that learns to improvise. With no command it opens \
                  the studio on the bundled corpus and model; the commands below do the same \
                  work headless."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The folder of MIDI files the studio opens on [default: the config file's, or assets].
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// The model bundle the studio opens with [default: the config file's, or models/default].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The studio's config file [default: config.toml in the platform's config folder,
    /// e.g. ~/.config/improv/config.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The MIDI input port the Jam tab plays from (its number in `improv ports` or part of
    /// its name); the computer keyboard plays either way.
    #[arg(long, value_name = "PORT")]
    pub midi_in: Option<String>,
    /// The Jam tab's output buffer in milliseconds, 5 to 100 [default: the config file's
    /// jam.buffer_ms, or 20].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(5..=100))]
    pub buffer_ms: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read MIDI or MusicXML files or directories and summarise them as training data.
    Dataset(data::DatasetArgs),
    /// Write the bundled starter corpus (made by improv's rule-based improviser), or
    /// convert the Weimar Jazz Database into MIDI solos (--wjazzd).
    Corpus(data::CorpusArgs),
    /// Train a model bundle on MIDI or MusicXML files (a line per epoch; Ctrl-C stops and saves).
    Train(model::TrainArgs),
    /// Improvise a solo over chord changes with a model bundle and write it as MIDI.
    Generate(model::GenerateArgs),
    /// Render a MIDI file through improv's synth (or a SoundFont) to a WAV file.
    Render(sound::RenderArgs),
    /// Play a MIDI file through improv's synth, a SoundFont or a MIDI port (Ctrl-C stops).
    Play(sound::PlayArgs),
    /// List the MIDI output ports (`play --midi-out`) and input ports (`--midi-in`).
    Ports,
    /// List the SoundFonts installed where improv looks for them.
    Soundfonts,
    /// Measure training, generation, synth and import speed, or the exercise's fidelity.
    Bench(bench::BenchArgs),
    /// Improvise over the changes of real solos and compare the model's lines with the
    /// players' (chord tones, density, register, intervals, rhythm, copied phrases).
    Judge(judge::JudgeArgs),
    /// Trade with scripted calls: a file's melody cut into turns, improv answering each
    /// over the next turn's changes; writes the session as MIDI (and WAV).
    Trade(trade::TradeArgs),
    /// The chart library: iReal Pro songs kept in the config folder (list, import, show);
    /// `--progression "Title"` plays one.
    Charts(charts::ChartsArgs),
}

/// Options every file-writing command shares.
#[derive(Args, Debug, Clone, Default)]
pub struct WriteArgs {
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

/// Prints a reader's warnings about `path`, one line each, as every command does.
pub fn warn(path: &std::path::Path, warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// Whether two output paths name one file (the same folder and name, or one file through a
/// link), so a command never writes one of its outputs over another.
pub fn same_output(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::path::Path;
    let key = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = parent
            .canonicalize()
            .unwrap_or_else(|_| parent.to_path_buf());
        dir.join(p.file_name().unwrap_or_default())
    };
    key(a) == key(b) || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

pub fn run(command: Command) -> Result<()> {
    interrupt::install();
    match command {
        Command::Dataset(a) => data::dataset(a),
        Command::Corpus(a) => data::corpus(a),
        Command::Train(a) => model::train(a),
        Command::Generate(a) => model::generate(a),
        Command::Render(a) => sound::render_cmd(a),
        #[cfg(feature = "audio")]
        Command::Play(a) => sound::play_cmd(a),
        #[cfg(not(feature = "audio"))]
        Command::Play(_) => anyhow::bail!("this improv was built without audio playback"),
        Command::Ports => sound::ports_cmd(),
        Command::Soundfonts => sound::soundfonts_cmd(),
        Command::Bench(a) => bench::bench(a),
        Command::Judge(a) => judge::judge(a),
        Command::Trade(a) => trade::trade(a),
        Command::Charts(a) => charts::charts_cmd(a),
    }
}

/// Parses `--melody-track` values: a number is a track index, anything else a name.
pub fn track_selector(s: &str) -> improv::midi::import::TrackSelector {
    use improv::midi::import::TrackSelector;
    match s.parse::<usize>() {
        Ok(i) => TrackSelector::Index(i),
        Err(_) => TrackSelector::Name(s.to_string()),
    }
}
