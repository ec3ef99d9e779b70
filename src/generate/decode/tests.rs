//! Tests of conditioned decoding: seeds, beam width 1 against greedy, the register.

use super::*;
use crate::dataset::events::Register;
use crate::model::conditioned::{CondSpec, Heads};
use crate::music::{PPQ, Progression};
use crate::tokens::events::pitch_index;

fn model(heads: Heads, layers: usize) -> (CondWeights, CondMeta) {
    let spec = CondSpec::events(16, layers, 0.0, heads);
    let mut w = CondWeights::init(spec, 11);
    // Sharper outputs than a fresh init, so choices differ between seeds and steps.
    w.heads[0].kernel.iter_mut().for_each(|v| *v *= 6.0);
    let reg = Register {
        centre: 66,
        span: 24,
    };
    (w, CondMeta::new(spec, reg, false, false))
}

fn blues(choruses: usize) -> (Vec<ChordSpan>, Tick) {
    let spans = Progression::from_arg("blues-f")
        .unwrap()
        .spans(4 * PPQ, choruses);
    let end = spans.last().unwrap().end();
    (spans, end)
}

fn run(
    w: &CondWeights,
    m: &CondMeta,
    s: SampleOptions,
    d: Decoding,
    choruses: usize,
) -> Vec<Event> {
    let (spans, end) = blues(choruses);
    decode_events(w, m, &spans, 4 * PPQ, end, &s, &d)
}

fn sampling(temperature: f64, seed: u64) -> SampleOptions {
    SampleOptions {
        temperature,
        top_k: 0,
        seed,
    }
}

#[test]
fn a_seed_gives_the_same_solo_and_the_events_fill_the_form() {
    let (w, m) = model(Heads::Split, 2);
    let d = Decoding {
        top_p: 0.9,
        ..Default::default()
    };
    let a = run(&w, &m, sampling(1.0, 3), d, 1);
    assert_eq!(a, run(&w, &m, sampling(1.0, 3), d, 1));
    assert_ne!(a, run(&w, &m, sampling(1.0, 4), d, 1));
    let (_, end) = blues(1);
    let mut t = 0;
    for e in &a {
        assert_eq!(e.start, t, "events follow each other without gaps");
        t += e.units * UNIT;
    }
    assert!(t >= end && a.last().unwrap().start < end);
}

#[test]
fn beam_width_one_is_greedy() {
    for (heads, layers) in [(Heads::Split, 1), (Heads::Joint, 2)] {
        let (w, m) = model(heads, layers);
        let greedy = run(&w, &m, sampling(0.0, 0), Decoding::default(), 2);
        let beam = Decoding {
            beam: 1,
            branch: 3,
            ..Default::default()
        };
        assert_eq!(run(&w, &m, sampling(0.7, 9), beam, 2), greedy, "{heads:?}");
        // A wider beam searches: still reproducible and on the form.
        let wide = Decoding { beam: 4, ..beam };
        assert_eq!(
            run(&w, &m, sampling(0.0, 0), wide, 2),
            run(&w, &m, sampling(0.0, 0), wide, 2)
        );
    }
}

#[test]
fn the_register_holds_over_a_long_generation() {
    let (mut w, m) = model(Heads::Split, 1);
    // A model that wants to climb: every pitch head bias rises with the pitch.
    for (i, b) in w.heads[0].bias.iter_mut().enumerate() {
        *b = i as f32 * 0.2;
    }
    let reg = Register {
        centre: 60,
        span: 12,
    };
    let d = Decoding {
        register: Some(reg),
        ..Default::default()
    };
    let events = run(&w, &m, sampling(1.0, 1), d, 16);
    let keys: Vec<u8> = events.iter().filter_map(|e| e.pitch).collect();
    assert!(keys.len() > 100, "{} notes", keys.len());
    assert!(keys.iter().all(|&k| (54..=66).contains(&k)), "{keys:?}");
    // Without the setting the corpus register applies (centre 66, span 24).
    let free = run(&w, &m, sampling(1.0, 1), Decoding::default(), 4);
    assert!(
        free.iter()
            .filter_map(|e| e.pitch)
            .all(|k| (54..=78).contains(&k))
    );
    assert!(free.iter().filter_map(|e| e.pitch).any(|k| k > 66));
    assert_eq!(pitch_index(Some(54)), 19);
}

#[test]
fn every_note_begins_on_a_sixteenth_or_a_triplet() {
    // Between grid points only a rest that reaches the grid may follow.
    assert!(grid_allows(3, Some(5), Some(dur_index(1))));
    assert!(!grid_allows(5, Some(5), Some(dur_index(1))));
    assert!(grid_allows(5, Some(0), Some(dur_index(1))));
    assert!(!grid_allows(5, Some(0), Some(dur_index(2))));
    assert!(!grid_allows(7, Some(3), None));
    // A decoded line, hot enough to try every length, keeps every note on the grid, for
    // both kinds of heads, sampled and beam-searched; some pieces end between grid points.
    let mut between = 0;
    for (heads, beam) in [(Heads::Split, 0), (Heads::Joint, 0), (Heads::Split, 3)] {
        let (w, m) = model(heads, 1);
        let d = Decoding {
            beam,
            ..Default::default()
        };
        for seed in 1..=4 {
            for e in run(&w, &m, sampling(2.5, seed), d, 2) {
                let at = e.start / UNIT;
                if e.pitch.is_some() {
                    assert!(on_grid(at), "{heads:?} note at {} of a beat", at % 12);
                } else if !on_grid(at) {
                    between += 1;
                    assert!(
                        on_grid(at + e.units),
                        "a rest between grid points reaches it"
                    );
                }
            }
        }
    }
    assert!(between > 0, "no piece ever ended between grid points");
}

#[test]
fn a_v2_model_is_fed_the_features_it_was_trained_on() {
    // Training computes a piece's features in one pass (`piece_features`); decoding builds
    // them event by event, the phrase state with it. Over a sampled solo they must agree.
    use crate::tokens::events::FeatureLayout;
    let spec = CondSpec::events(16, 1, 0.0, Heads::Split).with_layout(FeatureLayout::V2);
    let mut w = CondWeights::init(spec, 5);
    w.heads[0].kernel.iter_mut().for_each(|v| *v *= 6.0);
    let reg = Register {
        centre: 66,
        span: 24,
    };
    let m = CondMeta::new(spec, reg, false, false);
    assert_eq!(m.layout, FeatureLayout::V2);
    let (spans, end) = blues(3);
    let clock = Clock::new(spans, 4 * PPQ);
    let mut dec = Decoder::new(&w, &m, clock.clone(), &Decoding::default());
    let start = Start {
        st: CondState::new(&w.spec),
        prev: (w.spec.n_pitch, w.spec.n_dur),
        t: 0,
        dev: Develop::new(0.0, 0.0),
        line: LineState::default(),
    };
    let events = sample(
        &mut dec,
        start,
        end,
        &sampling(1.0, 2),
        &Decoding::default(),
    );
    assert!(
        events.iter().any(|e| e.pitch.is_none()),
        "the line rests somewhere"
    );
    let trained = crate::tokens::form::piece_features(&FeatureLayout::V2, &clock, &events);
    assert_eq!(dec.fed.len(), trained.len());
    assert_eq!(dec.fed, trained);
}
