//! The Jam engine driven by scripted calls: where answers fall, what they hear, and how
//! `echo` answers restate the call's rhythm.

use super::*;
use crate::music::{PPQ, Pitch, Progression};

fn bundle() -> Bundle {
    crate::fixtures::small_conditioned_bundle()
}

fn settings(mode: Mode, seed: u64) -> TradeSettings {
    TradeSettings {
        bars: 2,
        starts: Who::You,
        mode,
        sampling: SampleOptions {
            temperature: 0.9,
            top_k: 0,
            seed,
        },
        decoding: Decoding::default(),
    }
}

fn changes() -> Changes {
    Changes::from_progression(&Progression::from_arg("ii-v-i").unwrap())
}

/// A two-bar call: a dotted rhythm on chord tones, then a rest.
fn call() -> Vec<Note> {
    let rhythm = [(0, 3), (3, 1), (4, 2), (6, 2), (8, 3), (11, 1), (12, 4)];
    let keys = [62, 65, 69, 72, 71, 67, 65];
    rhythm
        .iter()
        .zip(keys)
        .map(|(&(at, len), k)| Note {
            start: at * PPQ / 2,
            dur: len * PPQ / 2,
            pitch: Pitch::new(k).unwrap(),
            velocity: 80,
        })
        .collect()
}

#[test]
fn turns_alternate_and_answers_stay_inside_their_turns() {
    let b = bundle();
    let e = Engine::new(&b, changes(), settings(Mode::Continue, 1)).unwrap();
    assert_eq!(e.turn(0).who, Who::You);
    assert_eq!(e.turn(1).who, Who::Improv);
    let t3 = e.turn(3);
    assert_eq!((t3.first_bar, t3.start, t3.end), (6, 24 * PPQ, 32 * PPQ));
    for mode in [Mode::Continue, Mode::Echo, Mode::Free] {
        let e = Engine::new(&b, changes(), settings(mode, 2)).unwrap();
        let calls = vec![call(), Vec::new(), call()];
        let s = Session::play(&e, &calls);
        assert_eq!(s.turns.len(), 6);
        for t in &s.turns {
            assert!(
                t.played
                    .iter()
                    .all(|n| n.start >= t.span.0 && n.end() <= t.span.1)
            );
            if t.who == Who::Improv {
                assert!(t.notes > 0, "{mode:?} answer {t:?}");
            }
        }
        // Same seed, same session.
        let again = Session::play(&e, &calls);
        let notes = |s: &Session| s.turns.iter().map(|t| t.played.clone()).collect::<Vec<_>>();
        assert_eq!(notes(&s), notes(&again));
    }
}

#[test]
fn the_answer_hears_the_call_and_the_answers_changes() {
    let b = bundle();
    let e = Engine::new(&b, changes(), settings(Mode::Continue, 3)).unwrap();
    let turn = e.turn(1);
    let with_call = e.answer(&call(), &turn);
    let free = Engine::new(&b, changes(), settings(Mode::Free, 3)).unwrap();
    // Primed and unprimed answers differ; an empty call is answered freely.
    assert_ne!(with_call, free.answer(&call(), &turn));
    assert_eq!(e.answer(&[], &turn), free.answer(&[], &turn));
    // The call is quantized into its own turn's bars.
    let heard = e.quantize_call(&call(), &e.turn(0));
    assert_eq!(heard.iter().filter(|x| x.pitch.is_some()).count(), 7);
    assert!(heard.iter().all(|x| x.start < e.turn(0).end));
}

#[test]
fn echo_answers_share_the_calls_rhythm_more_than_free_ones() {
    let b = bundle();
    let mean = |mode: Mode| {
        (1..=6u64)
            .map(|seed| {
                let e = Engine::new(&b, changes(), settings(mode, seed)).unwrap();
                let turn = e.turn(1);
                let c = call();
                let answer = e.answer(&c, &turn);
                call_relation(&c, &answer, e.bar_ticks()).onset_overlap
            })
            .sum::<f64>()
            / 6.0
    };
    let (echo, free) = (mean(Mode::Echo), mean(Mode::Free));
    assert!(echo > free + 0.15, "echo {echo} free {free}");
}

#[test]
fn settings_out_of_range_are_refused() {
    let b = bundle();
    let mut s = settings(Mode::Free, 1);
    s.bars = 3;
    assert!(matches!(
        Engine::new(&b, changes(), s),
        Err(TradeError::Bars(3))
    ));
    let empty = Changes {
        spans: Vec::new(),
        ..changes()
    };
    assert!(matches!(
        Engine::new(&b, empty, settings(Mode::Free, 1)),
        Err(TradeError::EmptyChart)
    ));
}
