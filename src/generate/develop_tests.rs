//! `--develop` on a model that has just stated a figure: beam search and sampling restate it.

use crate::dataset::events::Register;
use crate::generate::SampleOptions;
use crate::generate::decode::{Decoding, Lead, decode_turn};
use crate::model::conditioned::CondMeta;
use crate::model::conditioned::{CondSpec, CondWeights, Heads};
use crate::music::{PPQ, Progression};
use crate::tokens::events::{Clock, Event};
use crate::tokens::rhythm::UNIT;

fn model() -> (CondWeights, CondMeta) {
    let spec = CondSpec::events(16, 1, 0.0, Heads::Split);
    let mut w = CondWeights::init(spec, 21);
    // The first head's kernel (storage index `spec.first_head()`), sharpened.
    w.heads[0].kernel.iter_mut().for_each(|v| *v *= 4.0);
    let reg = Register {
        centre: 66,
        span: 24,
    };
    (w, CondMeta::new(spec, reg, false, false))
}

/// C E G E C on a C7 vamp (quarter, two eighths, two quarters), then a bar's rest.
fn figure() -> Vec<Event> {
    let mut t = 0;
    [(Some(60), 12), (Some(64), 6), (Some(67), 6), (Some(64), 12)]
        .into_iter()
        .chain([(Some(60), 12), (None, 48)])
        .map(|(pitch, units)| {
            let e = Event {
                pitch,
                start: t,
                units,
            };
            t += units * UNIT;
            e
        })
        .collect()
}

/// The first five notes the model plays after the figure.
fn answer(develop: f64, beam: usize, seed: u64) -> Vec<(u8, u32)> {
    let (w, meta) = model();
    let spans = Progression::from_arg("| C7 | C7 | C7 | C7 |")
        .unwrap()
        .spans(4 * PPQ, 1);
    let lead = Lead {
        start: 2 * 4 * PPQ,
        primer: figure(),
        opening: Vec::new(),
    };
    let d = Decoding {
        beam,
        develop,
        ..Decoding::default()
    };
    let s = SampleOptions {
        temperature: 1.0,
        top_k: 0,
        seed,
    };
    let clock = Clock::new(spans, 4 * PPQ);
    let events = decode_turn(&w, &meta, clock, &lead, 4 * 4 * PPQ, &s, &d);
    assert!(events.first().is_some_and(|e| e.start == lead.start));
    events
        .iter()
        .filter_map(|e| Some((e.pitch?, e.units)))
        .take(5)
        .collect()
}

fn stated() -> Vec<(u8, u32)> {
    figure()
        .iter()
        .filter_map(|e| Some((e.pitch?, e.units)))
        .collect()
}

#[test]
fn beam_search_restates_the_figure_under_develop() {
    assert_eq!(answer(8.0, 4, 1), stated());
    assert_ne!(answer(0.0, 4, 1), stated());
}

#[test]
fn sampling_restates_the_figure_under_develop() {
    let hits = |w: f64| (1..=8).filter(|&s| answer(w, 0, s) == stated()).count();
    assert!(hits(8.0) >= 6, "{}", hits(8.0));
    assert_eq!(hits(0.0), 0);
}
