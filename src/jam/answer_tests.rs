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
                starts: Who::You,
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
