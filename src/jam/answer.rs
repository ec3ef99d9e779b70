//! improv's answer to a call, computed off the UI thread: the one call the Jam tab makes to
//! the generator, so the tab does not care how the answer is built.

use super::{Plan, TurnSpan, Who};
use crate::generate::decode::Decoding;
use crate::generate::{Changes, GenerateOptions, SampleOptions, generate_with};
use crate::model::bundle::Bundle;
use crate::music::Note;
use crate::trade::{Engine, TradeSettings, Turn};

/// How improv answers a call (the trade engine's modes).
pub use crate::trade::Mode;

/// What an answer is asked with: the model's sampling and decoding, and the mode.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerSettings {
    pub mode: Mode,
    pub sample: SampleOptions,
    pub decoding: Decoding,
}

/// improv's notes in `turn` (session ticks, on the grid) answering `call`: a conditioned
/// model answers through the trade engine (primed by the call, per the mode); an exercise
/// model, which the engine refuses, improvises over the turn's chords unprimed.
pub fn answer(
    bundle: &Bundle,
    plan: &Plan,
    s: &AnswerSettings,
    call: &[Note],
    turn: &TurnSpan,
) -> Result<Vec<Note>, String> {
    if bundle.net.conditioned().is_none() {
        return unprimed(bundle, plan, s, turn);
    }
    let settings = TradeSettings {
        bars: plan.bars,
        starts: plan.starts,
        mode: s.mode,
        sampling: s.sample,
        decoding: s.decoding,
    };
    let engine = Engine::new(bundle, plan.changes.clone(), settings).map_err(|e| e.to_string())?;
    let bar = plan.bar_ticks().max(1);
    let t = Turn {
        index: turn.index,
        who: Who::Improv,
        first_bar: turn.start / bar,
        bars: plan.bars,
        start: turn.start,
        end: turn.end,
    };
    Ok(engine.answer(call, &t))
}

/// An exercise model's answer: a solo over the turn's chords alone, not hearing the call.
fn unprimed(
    bundle: &Bundle,
    plan: &Plan,
    s: &AnswerSettings,
    turn: &TurnSpan,
) -> Result<Vec<Note>, String> {
    let spans = plan
        .chords_between(turn.start, turn.end)
        .into_iter()
        .map(|mut c| {
            let start = c.start.max(turn.start);
            c.dur = c.end().min(turn.end) - start;
            c.start = start - turn.start;
            c
        })
        .collect();
    let opts = GenerateOptions {
        changes: Changes {
            name: plan.changes.name.clone(),
            spans,
            bar_ticks: plan.bar_ticks(),
            bpm: None,
        },
        choruses: 1,
        bpm: plan.bpm,
        sample: SampleOptions {
            seed: s.sample.seed.wrapping_add(turn.index as u64),
            ..s.sample
        },
        primer: Vec::new(),
    };
    let g = generate_with(bundle, &opts, &s.decoding).map_err(|e| e.to_string())?;
    let notes = g
        .score
        .melody()
        .map(|m| m.notes.clone())
        .unwrap_or_default();
    Ok(notes
        .into_iter()
        .map(|n| Note {
            start: n.start + turn.start,
            ..n
        })
        .filter(|n| n.start < turn.end)
        .collect())
}

#[cfg(test)]
mod tests {
    //! The Jam tab's answers: a conditioned model answers through the trade engine (primed by
    //! the call), an exercise model unprimed; both inside the turn.

    use super::*;
    use crate::jam::BandMutes;
    use crate::music::{Pitch, Progression};

    fn conditioned() -> Bundle {
        crate::fixtures::small_conditioned_bundle()
    }

    fn plan() -> Plan {
        Plan {
            changes: Changes::from_progression(&Progression::from_arg("blues-f").unwrap()),
            bpm: 120.0,
            sample_rate: 48_000,
            bars: 2,
            starts: Who::You,
            count_in: true,
            metronome: false,
            swing: 0.5,
            mutes: BandMutes::default(),
            seed: 3,
        }
    }

    fn settings(mode: Mode) -> AnswerSettings {
        AnswerSettings {
            mode,
            sample: SampleOptions {
                temperature: 0.9,
                top_k: 0,
                seed: 7,
            },
            decoding: Decoding::default(),
        }
    }

    /// A call of quarter notes in turn 0.
    fn call(p: &Plan) -> Vec<Note> {
        let t = p.turn(0);
        let q = p.bar_ticks() / 4;
        (0..(t.end - t.start) / q)
            .map(|i| Note {
                start: t.start + i * q,
                dur: q,
                pitch: Pitch::new(60 + (i % 5) as u8 * 2).unwrap(),
                velocity: 90,
            })
            .collect()
    }

    #[test]
    fn a_conditioned_model_answers_through_the_trade_engine_inside_its_turn() {
        let (b, p) = (conditioned(), plan());
        let turn = p.turn(1);
        let c = call(&p);
        for mode in Mode::ALL {
            let notes = answer(&b, &p, &settings(mode), &c, &turn).unwrap();
            assert!(!notes.is_empty(), "{}", mode.name());
            assert!(
                notes
                    .iter()
                    .all(|n| n.start >= turn.start && n.start < turn.end)
            );
            let s = settings(mode);
            let engine = Engine::new(
                &b,
                p.changes.clone(),
                TradeSettings {
                    bars: 2,
                    starts: crate::trade::Who::You,
                    mode,
                    sampling: s.sample,
                    decoding: s.decoding,
                },
            )
            .unwrap();
            assert_eq!(notes, engine.answer(&c, &engine.turn(1)), "{}", mode.name());
        }
    }

    #[test]
    fn an_exercise_model_still_answers_unprimed() {
        let b = Bundle::load(std::path::Path::new("models/exercise")).unwrap();
        let p = plan();
        let turn = p.turn(1);
        let notes = answer(&b, &p, &settings(Mode::Continue), &call(&p), &turn).unwrap();
        assert!(!notes.is_empty());
        assert!(
            notes
                .iter()
                .all(|n| n.start >= turn.start && n.start < turn.end)
        );
    }
}
