//! `improv trade`: trading with scripted calls, headless: the calls (a file's melody cut into
//! turns) on the user's turns, the Jam engine's answers between, the session written out.

use anyhow::{Context, Result, bail};
use clap::Args;
use improv::generate::Changes;
use improv::generate::SampleOptions;
use improv::midi::export::write_file;
use improv::midi::import::ImportOptions;
use improv::model::bundle::Bundle;
use improv::trade::{Engine, Mode, Session, TradeSettings, TurnReport, Who, cut_calls};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TradeArgs {
    /// The changes: a preset, a chart like "| Dm7 G7 | Cmaj7 |", or a MIDI/MusicXML file.
    #[arg(long, default_value = "blues-f")]
    pub progression: String,
    /// The calls: this file's melody cut into turn-sized pieces, in order.
    #[arg(long)]
    pub calls: PathBuf,
    /// Bars per turn (1, 2, 4 or 8).
    #[arg(long, default_value_t = 4)]
    pub bars: u32,
    /// continue (the call primes the answer), echo (the answer opens by restating the
    /// call on the new chords) or free (not primed).
    #[arg(long, default_value = "continue")]
    pub mode: Mode,
    /// A conditioned model bundle.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Tempo (default: the changes' file's, or 140).
    #[arg(long)]
    pub tempo: Option<f64>,
    /// Sampling temperature (0 = argmax).
    #[arg(long, default_value_t = improv::generate::TEMPERATURE)]
    pub temperature: f64,
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[command(flatten)]
    pub decoding: super::decoding::DecodingArgs,
    /// The session as MIDI: conductor (tempo, chords), You, improv, the band.
    #[arg(long)]
    pub out: PathBuf,
    /// Also render the session to this WAV file.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// Print every turn's figures as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sound: super::sound::SoundArgs,
    #[command(flatten)]
    pub write: super::WriteArgs,
}

/// The most calls a session takes from a file.
const MAX_CALLS: usize = 256;

/// What can be refused before anything is read: the tempo, the temperature, the outputs.
fn check(a: &TradeArgs) -> Result<()> {
    let range = improv::jam::TEMPO_RANGE;
    if let Some(t) = a.tempo.filter(|t| !range.contains(t)) {
        let (lo, hi) = (range.start(), range.end());
        bail!("--tempo {t} is out of range ({lo} to {hi} bpm)");
    }
    anyhow::ensure!(
        a.temperature.is_finite() && a.temperature >= 0.0,
        "--temperature must be 0 or more"
    );
    for p in std::iter::once(&a.out).chain(a.wav.as_ref()) {
        if p.exists() && !a.write.force {
            bail!("{} already exists (use --force to overwrite)", p.display());
        }
    }
    Ok(())
}

/// The session as MIDI, and as WAV when asked; a WAV that fails takes the MIDI with it
/// (half a session is no session).
fn write_session(score: &improv::music::Score, a: &TradeArgs) -> Result<()> {
    write_file(score, &a.out, a.write.force)?;
    let Some(wav) = &a.wav else { return Ok(()) };
    let written = super::sound::write_wav_for(score, wav, &a.sound, a.write.force)
        .with_context(|| format!("rendering {}", wav.display()));
    if written.is_err() {
        let _ = std::fs::remove_file(&a.out);
    }
    written.map(|_| ())
}

pub fn trade(a: TradeArgs) -> Result<()> {
    check(&a)?;
    // The flag, and what it says unless the message names it already (a file does).
    let progression = |e: anyhow::Error| match e.to_string().contains(&a.progression) {
        true => e.context("--progression"),
        false => e.context(format!("--progression {:?}", a.progression)),
    };
    let changes = Changes::from_arg(&a.progression).map_err(|e| progression(e.into()))?;
    let imp = improv::scorefile::read_any(&a.calls, &ImportOptions::default())
        .with_context(|| format!("reading {}", a.calls.display()))?;
    let melody = imp
        .score
        .melody()
        .map(|m| m.notes.clone())
        .unwrap_or_default();
    if melody.is_empty() {
        bail!("{}: no melody to cut into calls", a.calls.display());
    }
    let bundle = Bundle::load(&a.model)?;
    let settings = TradeSettings {
        bars: a.bars,
        starts: Who::You,
        mode: a.mode,
        sampling: SampleOptions {
            temperature: a.temperature,
            top_k: a.top_k,
            seed: a.seed,
        },
        decoding: a.decoding.decoding(&bundle)?,
    };
    let engine =
        Engine::new(&bundle, changes.clone(), settings).map_err(|e| progression(e.into()))?;
    let calls = cut_calls(
        &melody,
        imp.score.time_sig_at(0).bar_ticks(),
        a.bars,
        MAX_CALLS,
    );
    let session = Session::play(&engine, &calls);
    let bpm = a.tempo.or(changes.bpm).unwrap_or(140.0);
    let score = improv::trade::session_score(&engine, &session, bpm, a.seed);
    write_session(&score, &a)?;
    if a.json {
        let out = serde_json::json!({ "turns": session.turns, "overall": overall(&session.turns) });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for t in &session.turns {
            println!("{}", line(t));
        }
        println!("wrote {}", a.out.display());
    }
    Ok(())
}

fn line(t: &TurnReport) -> String {
    let who = match t.who {
        Who::You => "you   ",
        Who::Improv => "improv",
    };
    let rel = t.call_relation.map_or(String::new(), |r| {
        format!(
            ", intervals {:.2}, onsets {:.2}, shared run {}, {:.1} ms",
            r.interval_overlap, r.onset_overlap, r.longest_shared_run, t.compute_ms
        )
    });
    format!(
        "turn {:>3} {who} bars {:>3}-{:<3} {:>3} notes, {:.0}% chord tones{rel}",
        t.turn,
        t.first_bar,
        t.first_bar + t.bars - 1,
        t.notes,
        t.chord_tone_rate * 100.0
    )
}

/// The answers' figures together: means, and compute time at p50 and p99.
fn overall(turns: &[TurnReport]) -> serde_json::Value {
    let answers: Vec<&TurnReport> = turns.iter().filter(|t| t.who == Who::Improv).collect();
    let calls: Vec<&TurnReport> = turns.iter().filter(|t| t.who == Who::You).collect();
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let rel: Vec<_> = answers.iter().filter_map(|t| t.call_relation).collect();
    let mut ms: Vec<f64> = answers.iter().map(|t| t.compute_ms).collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| {
        ms.get(((ms.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    serde_json::json!({
        "answers": answers.len(),
        "calls": calls.len(),
        "answer_notes": answers.iter().map(|t| t.notes).sum::<usize>(),
        "chord_tone_rate": mean(&answers.iter().map(|t| t.chord_tone_rate).collect::<Vec<_>>()),
        "calls_chord_tone_rate": mean(&calls.iter().map(|t| t.chord_tone_rate).collect::<Vec<_>>()),
        "interval_overlap": mean(&rel.iter().map(|r| r.interval_overlap).collect::<Vec<_>>()),
        "onset_overlap": mean(&rel.iter().map(|r| r.onset_overlap).collect::<Vec<_>>()),
        "longest_shared_run": rel.iter().map(|r| r.longest_shared_run).max().unwrap_or(0),
        "compute_ms_p50": q(0.5),
        "compute_ms_p99": q(0.99),
    })
}
