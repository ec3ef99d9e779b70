//! `improv generate`: improvise over changes with a model bundle, write MIDI (and WAV).

use crate::cli::WriteArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use improv::generate::{
    Changes, GenerateOptions, SampleOptions, SoloStats, generate_with as improvise,
};
use improv::midi::export::write_file;
use improv::model::bundle::Bundle;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The model bundle.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// A preset (blues-f, blues-bb, minor-blues, rhythm-changes, ii-v-i, ii-v-i-cycle,
    /// autumn, aaba-eb, ballad), a chart like "| Dm7 G7 | Cmaj7 | % |", a MIDI or MusicXML
    /// file, an iReal Pro link (or an .html/.txt file with one), or a title in the chart
    /// library (`improv charts`).
    #[arg(long, default_value = "blues-f")]
    pub progression: String,
    #[arg(long, default_value_t = 2)]
    pub choruses: usize,
    /// Tempo (default: the file's, or 140).
    #[arg(long)]
    pub bpm: Option<f64>,
    /// 0 = always the most likely token (argmax).
    #[arg(long, default_value_t = improv::generate::TEMPERATURE)]
    pub temperature: f64,
    /// Sample among the k most likely tokens only (0 = all).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[command(flatten)]
    pub decoding: crate::cli::decoding::DecodingArgs,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Tokens to start the solo with, space-separated (e.g. "C,6 S,3").
    #[arg(long, conflicts_with = "primer_from")]
    pub primer: Option<String>,
    /// Start the solo with the first tokens of this MIDI or MusicXML file's melody.
    #[arg(long)]
    pub primer_from: Option<PathBuf>,
    /// How many tokens --primer-from takes.
    #[arg(long, default_value_t = 8)]
    pub primer_len: usize,
    /// The MIDI file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Also render the audio to this WAV file.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// Print what was made as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sound: crate::cli::sound::SoundArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// The first `n` tokens of a file's melody that the model knows.
fn primer_from(bundle: &Bundle, path: &std::path::Path, n: usize) -> Result<Vec<String>> {
    let imp = improv::scorefile::read_any(path, &Default::default())?;
    crate::cli::warn(path, &imp.warnings);
    let toks: Vec<String> = improv::tokens::encode(bundle.meta.tokenizer, &imp.score)
        .into_iter()
        .filter(|t| bundle.meta.vocab.index_of(t).is_some())
        .take(n)
        .collect();
    anyhow::ensure!(
        !toks.is_empty(),
        "{}: no melody tokens the model knows to start from",
        path.display()
    );
    Ok(toks)
}

pub fn generate(a: GenerateArgs) -> Result<()> {
    check(&a)?;
    let bundle = Bundle::load(&a.model)?;
    let (changes, warnings) = Changes::from_arg_noted(&a.progression)?;
    // A file's warnings name the file; a chart's, the chart.
    let source = std::path::Path::new(&a.progression);
    if source.is_file() {
        crate::cli::warn(source, &warnings);
    } else {
        crate::cli::warn(std::path::Path::new(&changes.name), &warnings);
    }
    let opts = GenerateOptions {
        bpm: a.bpm.or(changes.bpm).unwrap_or(140.0),
        changes,
        choruses: a.choruses,
        sample: SampleOptions {
            temperature: a.temperature,
            top_k: a.top_k,
            seed: a.seed,
        },
        primer: match (&a.primer, &a.primer_from) {
            (Some(p), _) => p.split_whitespace().map(str::to_string).collect(),
            (None, Some(path)) => primer_from(&bundle, path, a.primer_len)?,
            (None, None) => Vec::new(),
        },
    };
    let decoding = a.decoding.decoding(&bundle)?;
    let g = improvise(&bundle, &opts, &decoding)?;
    write_file(&g.score, &a.out, a.write.force)?;
    if let Some(wav) = &a.wav {
        crate::cli::sound::write_wav_for(&g.score, wav, &a.sound, a.write.force)
            .with_context(|| format!("rendering {}", wav.display()))?;
    }
    if a.json {
        let out = serde_json::json!({
            "midi": a.out,
            "wav": a.wav,
            "progression": opts.changes.name,
            "bpm": opts.bpm,
            "stats": g.stats,
            "tokens": g.tokens,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        report(&a, &opts, &g.stats);
    }
    Ok(())
}

/// The settings in range, and no file overwritten without --force.
fn check(a: &GenerateArgs) -> Result<()> {
    anyhow::ensure!(
        (1..=64).contains(&a.choruses),
        "--choruses must be between 1 and 64"
    );
    anyhow::ensure!(
        a.temperature.is_finite() && a.temperature >= 0.0,
        "--temperature must be 0 or more"
    );
    let bpm = a.bpm.unwrap_or(0.0);
    anyhow::ensure!(
        a.bpm.is_none() || (20.0..=400.0).contains(&bpm),
        "--bpm must be between 20 and 400"
    );
    if let Some(wav) = a
        .wav
        .as_ref()
        .filter(|w| crate::cli::same_output(&a.out, w))
    {
        bail!(
            "--out and --wav both name {}: give each its own file",
            wav.display()
        );
    }
    for p in std::iter::once(&a.out).chain(a.wav.as_ref()) {
        if p.exists() && !a.write.force {
            bail!("{} already exists (use --force to overwrite)", p.display());
        }
    }
    Ok(())
}

/// What was made, in a line, and the files written.
fn report(a: &GenerateArgs, opts: &GenerateOptions, s: &SoloStats) {
    println!(
        "{} bars over {} at {} bpm: {} notes ({:.1} per bar), {:.0}% chord tones, {:.0}% scale tones, range {}–{}",
        s.bars,
        opts.changes.name,
        // A file's tempo comes in microseconds per beat: 112.00006 reads as 112.
        (opts.bpm * 10.0).round() / 10.0,
        s.notes,
        s.notes_per_bar,
        s.chord_tones * 100.0,
        s.scale_tones * 100.0,
        s.lowest.as_deref().unwrap_or("-"),
        s.highest.as_deref().unwrap_or("-"),
    );
    println!("wrote {}", a.out.display());
    if let Some(w) = &a.wav {
        println!("wrote {}", w.display());
    }
}
