//! Tests of the motif memory: what it keeps, and a figure moved onto other chords.

use super::*;
use crate::music::{ChordSpan, PPQ};

fn clock(chords: &[(&str, u32)]) -> Clock {
    let mut t = 0;
    let spans = chords
        .iter()
        .map(|&(sym, beats)| {
            let s = ChordSpan {
                start: t,
                dur: beats * PPQ,
                chord: sym.parse().unwrap(),
            };
            t += beats * PPQ;
            s
        })
        .collect();
    Clock::new(spans, 4 * PPQ)
}

/// Events from (key or 0 for a rest, units) in order from tick 0.
fn line(steps: &[(u8, u32)]) -> Vec<Event> {
    let mut t = 0;
    steps
        .iter()
        .map(|&(k, units)| {
            let e = Event {
                pitch: (k > 0).then_some(k),
                start: t,
                units,
            };
            t += units * UNIT;
            e
        })
        .collect()
}

#[test]
fn keeps_each_phrase_opening_as_a_figure() {
    // Two phrases of eighths, each closed by a two-beat rest: each is kept whole.
    let mut steps = vec![(60, 6), (62, 6), (64, 6), (67, 6), (65, 6), (64, 6)];
    steps.push((0, 24));
    steps.extend([(67, 6), (69, 6), (71, 6), (74, 6), (72, 6), (0, 24)]);
    let m = MotifMemory::of_line(&line(&steps));
    assert_eq!(m.figures().len(), 2);
    let keys: Vec<u8> = m.figures()[0]
        .events
        .iter()
        .filter_map(|e| e.pitch)
        .collect();
    assert_eq!(keys, [60, 62, 64, 67, 65, 64]);
    assert_eq!(m.figures()[1].start(), 5 * PPQ);
    // A short rest inside a phrase stays in the figure.
    let short = [
        (60, 6),
        (0, 6),
        (62, 6),
        (64, 6),
        (65, 6),
        (67, 6),
        (69, 6),
        (0, 12),
    ];
    let m = MotifMemory::of_line(&line(&short));
    assert_eq!(m.figures()[0].events.len(), 7, "{:?}", m.figures());
    assert!(m.at_phrase_start());
    // Only figures starting at the same place in the beat fit.
    assert_eq!(m.fitting(4 * PPQ).len(), 1);
    assert!(m.fitting(4 * PPQ + PPQ / 2).is_empty());
}

#[test]
fn a_figure_restated_a_fourth_up_keeps_its_rhythm_and_lands_on_chord_tones() {
    // C E G E D over C7 on beats and eighths, restated over F7 a bar later.
    let fig = Figure {
        events: line(&[(60, 12), (64, 6), (67, 6), (64, 12), (62, 12)]),
    };
    let c = clock(&[("C7", 4), ("F7", 4)]);
    let out = restate(&fig, &c, 4 * PPQ, &c, None).events;
    let starts: Vec<Tick> = out.iter().map(|e| e.start - 4 * PPQ).collect();
    let orig: Vec<Tick> = fig.events.iter().map(|e| e.start).collect();
    assert_eq!(starts, orig);
    let keys: Vec<u8> = out.iter().filter_map(|e| e.pitch).collect();
    // F A C A G: every note in the F7 scale, so nothing is bent.
    assert_eq!(keys, [65, 69, 72, 69, 67]);
    let f7 = c.chord_at(4 * PPQ).unwrap();
    for e in &out {
        let pc = PitchClass::new(i32::from(e.pitch.unwrap()));
        assert!(f7.scale().contains(pc), "{e:?}");
    }
    // A tritone away the sequence fits and the repeat would not: the sequence is chosen.
    let alt = clock(&[("C7", 4), ("F#7", 4)]);
    let seq = restate(&fig, &alt, 4 * PPQ, &alt, None);
    assert_eq!((seq.bent, seq.events[0].pitch), (0, Some(54)));
    // Near a high note, the same figure an octave up.
    let high = restate(&fig, &c, 4 * PPQ, &c, Some(80)).events;
    assert_eq!(high[0].pitch, Some(77));
}

#[test]
fn a_plan_offers_its_steps_until_the_decoder_goes_elsewhere() {
    let ev = line(&[(60, 6), (62, 6), (0, 6), (64, 12)]);
    let mut p = Plan::of(&ev);
    let first = p.peek().unwrap();
    assert_eq!(first, (pitch_index(Some(60)), dur_index(6)));
    assert!(p.follow(first));
    assert!(!p.follow((0, 0)));
    assert!(p.is_done());
    assert_eq!(p.peek(), None);
}
