//! Generation: step the LSTM token by token (argmax, temperature, top-k, primer) and decode
//! the tokens over chord changes into a Score with the solo, comping and bass; a conditioned
//! bundle decodes with the clock instead (`decode`).

use crate::corpus::{bass_track, comping_track};
use crate::model::bundle::Bundle;
use crate::model::conditioned::CondMeta;
use crate::model::conditioned::CondWeights;
use crate::model::exercise::weights::Weights;
use crate::model::net::Net;
use crate::music::{ChordSpan, PPQ, Role, Score, Tick, Track};
use crate::tokens::{self, DecodeOptions, NoteClass, TokenizerKind, classify, token_beats};
use decode::{Decoding, decode_events, to_notes};
use serde::Serialize;

mod changes;
mod choose;
pub mod decode;
pub mod develop;
pub mod motif;
mod sampler;

pub use changes::Changes;
pub use sampler::{SampleOptions, Sampler, TEMPERATURE, sample_until};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Progression(#[from] crate::music::ProgressionError),
    #[error(transparent)]
    Chart(#[from] crate::charts::ChartError),
    #[error(transparent)]
    Midi(#[from] crate::midi::MidiError),
    #[error("{0}: the file has no chord changes to improvise over")]
    NoChanges(std::path::PathBuf),
    #[error("primer token {0:?} is not in the model's vocabulary")]
    UnknownPrimer(String),
    #[error("a conditioned model starts from silence: it takes no primer")]
    PrimerUnsupported,
    #[error("the progression is empty")]
    Empty,
    #[error(transparent)]
    Decode(#[from] crate::tokens::TokenError),
}

#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub changes: Changes,
    pub choruses: usize,
    pub bpm: f64,
    pub sample: SampleOptions,
    /// Tokens to start from (they must be in the model's vocabulary).
    pub primer: Vec<String>,
}

/// What a solo did, for the user to judge.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SoloStats {
    pub bars: usize,
    pub notes: usize,
    pub tokens: usize,
    /// Share of notes that are chord tones, and that are in the chord's scale (chord tones
    /// included).
    pub chord_tones: f64,
    pub scale_tones: f64,
    pub lowest: Option<String>,
    pub highest: Option<String>,
    pub notes_per_bar: f64,
}

#[derive(Clone, Debug)]
pub struct Generated {
    pub score: Score,
    pub tokens: Vec<String>,
    pub stats: SoloStats,
}

/// Improvises over the changes with either kind of bundle, with default decoding settings.
pub fn generate(bundle: &Bundle, opts: &GenerateOptions) -> Result<Generated, GenerateError> {
    generate_with(bundle, opts, &Decoding::default())
}

/// Improvises over the changes with either kind of bundle: an exercise bundle samples
/// tokens until they fill the choruses and decodes them over the chords; a conditioned one
/// decodes events with the clock (`decoding` applies to it). Comping and bass are added.
pub fn generate_with(
    bundle: &Bundle,
    opts: &GenerateOptions,
    decoding: &Decoding,
) -> Result<Generated, GenerateError> {
    match &bundle.net {
        Net::Conditioned(c) => generate_conditioned(&c.weights, &c.meta, opts, decoding),
        Net::Exercise(w) => generate_exercise(bundle, w, opts),
    }
}

/// The conditioned kind: it hears the changes and the clock as it decodes.
fn generate_conditioned(
    w: &CondWeights,
    meta: &CondMeta,
    opts: &GenerateOptions,
    decoding: &Decoding,
) -> Result<Generated, GenerateError> {
    if !opts.primer.is_empty() {
        return Err(GenerateError::PrimerUnsupported);
    }
    let spans = opts.changes.repeat(opts.choruses.max(1));
    let end = spans.last().map_or(0, |s| s.end());
    if end == 0 {
        return Err(GenerateError::Empty);
    }
    let events = decode_events(
        w,
        meta,
        &spans,
        opts.changes.bar_ticks,
        end,
        &opts.sample,
        decoding,
    );
    let toks = events
        .iter()
        .map(|e| {
            let p = e.pitch.map_or("R".to_string(), |k| format!("P{k}"));
            format!("{p},{}", tokens::rhythm::format_units(e.units))
        })
        .collect();
    Ok(finish(to_notes(&events, end, 92), spans, opts, toks))
}

/// The exercise kind: tokens sampled until they fill the choruses, then decoded over the
/// changes.
fn generate_exercise(
    bundle: &Bundle,
    w: &Weights,
    opts: &GenerateOptions,
) -> Result<Generated, GenerateError> {
    let vocab = &bundle.meta.vocab;
    let spans = opts.changes.repeat(opts.choruses.max(1));
    let end = spans.last().map_or(0, |s| s.end());
    if end == 0 {
        return Err(GenerateError::Empty);
    }
    let primer = opts
        .primer
        .iter()
        .map(|t| {
            vocab
                .index_of(t)
                .ok_or_else(|| GenerateError::UnknownPrimer(t.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let beats_of: Vec<f64> = vocab
        .tokens()
        .iter()
        .map(|t| token_beats(t).unwrap_or(0.0))
        .collect();
    let total_beats = end as f64 / PPQ as f64;
    let max_tokens = (total_beats * 12.0) as usize + 16;
    let (mut beats, mut seen) = (0.0, 0);
    let idx = sample_until(
        w,
        &primer,
        &opts.sample,
        max_tokens,
        // A running sum (summing every token each step made long forms quadratic).
        &mut |s| {
            beats += s[seen..].iter().map(|&i| beats_of[i]).sum::<f64>();
            seen = s.len();
            beats >= total_beats
        },
    );
    let toks: Vec<String> = idx
        .iter()
        .filter_map(|&i| vocab.token(i).map(str::to_string))
        .collect();
    let decode = DecodeOptions {
        seed: opts.sample.seed,
        ..DecodeOptions::default()
    };
    let mut notes = tokens::decode(bundle.meta.tokenizer, &toks, &spans, &decode)?;
    notes.retain(|n| n.start < end);
    for n in &mut notes {
        n.dur = n.dur.min(end - n.start).max(1);
    }
    Ok(finish(notes, spans, opts, toks))
}

/// The solo with comping and bass over the spans, and its statistics.
fn finish(
    notes: Vec<crate::music::Note>,
    spans: Vec<ChordSpan>,
    opts: &GenerateOptions,
    toks: Vec<String>,
) -> Generated {
    let mut score = Score::new(format!("improv solo over {}", opts.changes.name), opts.bpm);
    score.chords = spans.clone();
    let mut solo = Track::new("Solo", Role::Melody, 0, 66);
    solo.notes = notes;
    score.tracks.push(solo);
    score.tracks.push(comping_track(&spans, opts.sample.seed));
    score.tracks.push(bass_track(&spans, opts.sample.seed));
    score.normalize();
    let stats = solo_stats(&score, toks.len(), opts.changes.bar_ticks);
    Generated {
        score,
        tokens: toks,
        stats,
    }
}

/// Statistics of a score's melody against its chords.
pub fn solo_stats(score: &Score, tokens: usize, bar_ticks: Tick) -> SoloStats {
    let bars = score.end().div_ceil(bar_ticks.max(1)) as usize;
    let Some(m) = score.melody() else {
        return SoloStats {
            bars,
            tokens,
            ..Default::default()
        };
    };
    let n = m.notes.len();
    let (mut chord, mut scale) = (0usize, 0usize);
    for note in &m.notes {
        match classify(note.pitch, score.chord_at(note.start).map(|c| &c.chord)) {
            NoteClass::Chord => {
                chord += 1;
                scale += 1;
            }
            NoteClass::Scale => scale += 1,
            _ => {}
        }
    }
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    SoloStats {
        bars,
        notes: n,
        tokens,
        chord_tones: share(chord),
        scale_tones: share(scale),
        lowest: m.notes.iter().map(|n| n.pitch).min().map(|p| p.to_string()),
        highest: m.notes.iter().map(|n| n.pitch).max().map(|p| p.to_string()),
        notes_per_bar: n as f64 / bars.max(1) as f64,
    }
}

/// Whether a tokenizer decodes over chords (the grammar) or ignores them (pitch).
pub fn uses_chords(kind: TokenizerKind) -> bool {
    matches!(kind, TokenizerKind::Grammar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Vocab;
    use crate::train::TrainConfig;

    fn toy_bundle() -> Bundle {
        let vocab = Vocab::from_ordered(&["C,6", "S,6", "A,3", "R,12", "C,12"]);
        let mut w = Weights::init(5, 8, 3);
        // Non-zero biases so the first step already has a preference (no ties).
        w.b_y = vec![0.1, 0.5, -0.2, 0.3, 0.0];
        w.b.iter_mut().for_each(|b| *b += 0.3);
        Bundle::new(
            w,
            TokenizerKind::Grammar,
            30,
            vocab,
            String::new(),
            TrainConfig::default(),
        )
    }

    fn opts(seed: u64, temperature: f64) -> GenerateOptions {
        GenerateOptions {
            changes: Changes::from_arg("blues-f").unwrap(),
            choruses: 1,
            bpm: 140.0,
            sample: SampleOptions {
                temperature,
                top_k: 0,
                seed,
            },
            primer: vec!["C,12".into()],
        }
    }

    #[test]
    fn same_seed_same_solo_and_fills_the_form() {
        let b = toy_bundle();
        let a = generate(&b, &opts(7, 1.0)).unwrap();
        let again = generate(&b, &opts(7, 1.0)).unwrap();
        assert_eq!(a.tokens, again.tokens);
        assert_eq!(a.score, again.score);
        assert_eq!(a.tokens[0], "C,12");
        assert!(a.tokens.iter().all(|t| b.meta.vocab.index_of(t).is_some()));
        let end = 12 * PPQ * 4;
        let melody = a.score.melody().unwrap();
        assert!(melody.notes.iter().all(|n| n.end() <= end));
        assert_eq!(a.stats.bars, 12);
        let other = generate(&b, &opts(8, 1.0)).unwrap();
        assert_ne!(a.tokens, other.tokens);
    }

    #[test]
    fn argmax_and_top_1_agree() {
        let b = toy_bundle();
        let Net::Exercise(w) = &b.net else {
            unreachable!("an exercise bundle")
        };
        let greedy = sample_until(
            w,
            &[],
            &SampleOptions {
                temperature: 0.0,
                top_k: 0,
                seed: 1,
            },
            20,
            &mut |_| false,
        );
        let top1 = sample_until(
            w,
            &[],
            &SampleOptions {
                temperature: 1.5,
                top_k: 1,
                seed: 2,
            },
            20,
            &mut |_| false,
        );
        assert_eq!(greedy, top1);
        assert_eq!(greedy.len(), 20);
    }

    #[test]
    fn unknown_primer_is_refused() {
        let mut o = opts(1, 1.0);
        o.primer = vec!["Q,99".into()];
        assert!(matches!(
            generate(&toy_bundle(), &o),
            Err(GenerateError::UnknownPrimer(_))
        ));
    }
}
