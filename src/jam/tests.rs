//! The live session driven by scripted keys on a fake clock, and through the mixer.

use super::session::{Hold, Now};
use super::*;
use crate::music::{Note, Pitch, Progression};
use crate::synth::live::{LiveCmd, live};

const SR: u32 = 48_000;

fn plan(bars: u32, starts: Who) -> Plan {
    Plan {
        changes: Changes::from_progression(&Progression::from_arg("blues-f").unwrap()),
        bpm: 120.0,
        sample_rate: SR,
        bars,
        starts,
        count_in: true,
        metronome: false,
        swing: 0.5,
        mutes: BandMutes::default(),
        seed: 3,
    }
}

fn asks(out: &[Out]) -> Vec<(TurnSpan, Vec<Note>)> {
    out.iter()
        .filter_map(|o| match o {
            Out::Ask { turn, call } => Some((*turn, call.clone())),
            _ => None,
        })
        .collect()
}

/// Frames per beat at 120 bpm.
const BEAT: u64 = SR as u64 / 2;

#[test]
fn the_form_starts_after_a_bar_of_count_in_and_the_band_plays_ahead() {
    let p = plan(2, Who::You);
    let (s, out) = Session::new(p.clone(), 1000, Hold::WhileHeld).unwrap();
    assert_eq!(s.start, 1000 + u64::from(SR) / 10);
    assert_eq!(s.frame_of(0), s.start + 4 * BEAT);
    assert_eq!(s.now(s.start), Now::CountIn(4));
    let frames: Vec<u64> = out
        .iter()
        .filter_map(|o| match o {
            Out::Mixer(LiveCmd::At { frame, .. }) => Some(*frame),
            _ => None,
        })
        .collect();
    assert!(
        frames.contains(&s.start),
        "the first click on the first frame"
    );
    let form = s.frame_of(i64::from(p.form_ticks()));
    assert!(
        frames.iter().any(|&f| f > form),
        "the second chorus is scheduled too"
    );
    assert!(asks(&out).is_empty());
}

#[test]
fn keys_sound_at_once_and_the_call_is_asked_for_in_its_last_beat() {
    let (mut s, _) = Session::new(plan(1, Who::You), 0, Hold::WhileHeld).unwrap();
    let t0 = s.frame_of(0);
    let out = s.press(60, 100, t0 + 10);
    assert!(matches!(
        out[..],
        [Out::Mixer(LiveCmd::Press { key: 60, .. })]
    ));
    assert!(
        s.update(t0 + BEAT)
            .iter()
            .all(|o| !matches!(o, Out::Ask { .. }))
    );
    s.release(60, t0 + BEAT);
    s.press(64, 100, t0 + 2 * BEAT);
    // The last beat of the call: improv is asked, with the note still held.
    let a = asks(&s.update(t0 + 3 * BEAT + 5));
    assert_eq!(a.len(), 1);
    let (turn, call) = &a[0];
    assert_eq!((turn.index, turn.who), (1, Who::Improv));
    assert_eq!(
        call.iter().map(|n| n.pitch.key()).collect::<Vec<_>>(),
        [60, 64]
    );
    assert_eq!(call[0].start, 0);
    assert!(call[0].dur >= PPQ - 1 && call[0].dur <= PPQ);
    // Asked once only.
    assert!(asks(&s.update(t0 + 3 * BEAT + 500)).is_empty());
    assert_eq!(
        s.now(t0 + 3 * BEAT),
        Now::Turn {
            turn: s.plan.turn(0),
            beats_left: 1
        }
    );
}

fn answer_notes(turn: &TurnSpan) -> Vec<Note> {
    (0..(turn.end - turn.start) / PPQ)
        .map(|b| Note {
            start: turn.start + b * PPQ,
            dur: PPQ,
            pitch: Pitch::new(67).unwrap(),
            velocity: 90,
        })
        .collect()
}

#[test]
fn an_answer_in_time_plays_inside_its_turn() {
    let (mut s, _) = Session::new(plan(2, Who::You), 0, Hold::WhileHeld).unwrap();
    let turn = s.plan.turn(1);
    let now = s.frame_of(i64::from(turn.start) - i64::from(PPQ) / 2);
    let out = s.answer(turn, &answer_notes(&turn), 4.0, now);
    assert_eq!(out.len(), 8);
    assert!(s.late.is_none());
    let (a, b) = (
        s.frame_of(i64::from(turn.start)),
        s.frame_of(i64::from(turn.end)),
    );
    for o in &out {
        let Out::Mixer(LiveCmd::At { frame, held, .. }) = o else {
            panic!("{o:?}")
        };
        assert!(
            *frame >= a && frame + held <= b,
            "{frame} {held} outside {a}..{b}"
        );
    }
    assert_eq!(s.answers[0].moved_bars, 0);
}

#[test]
fn a_late_answer_moves_to_the_next_bar_and_one_too_late_is_skipped() {
    let (mut s, _) = Session::new(plan(2, Who::You), 0, Hold::WhileHeld).unwrap();
    let turn = s.plan.turn(1);
    let late = s.frame_of(i64::from(turn.start) + 10);
    let out = s.answer(turn, &answer_notes(&turn), 900.0, late);
    let bar2 = s.frame_of(i64::from(turn.start + s.plan.bar_ticks()));
    assert_eq!(
        out.len(),
        4,
        "the second bar's notes are cut off at the turn's end"
    );
    for o in &out {
        let Out::Mixer(LiveCmd::At { frame, .. }) = o else {
            panic!()
        };
        assert!(*frame >= bar2);
    }
    assert_eq!(s.answers[0].moved_bars, 1);
    assert!(
        s.late.as_deref().unwrap().contains("moved to bar"),
        "{:?}",
        s.late
    );
    // Past the turn's last bar line: nothing is placed.
    let turn3 = s.plan.turn(3);
    let too_late = s.frame_of(i64::from(turn3.start + s.plan.bar_ticks()) + 10);
    assert!(
        s.answer(turn3, &answer_notes(&turn3), 2000.0, too_late)
            .is_empty()
    );
    assert!(s.late.as_deref().unwrap().contains("skipped"));
}

#[test]
fn improv_starting_is_asked_in_the_count_in_with_an_empty_call() {
    let (mut s, out) = Session::new(plan(4, Who::Improv), 0, Hold::WhileHeld).unwrap();
    assert!(asks(&out).is_empty());
    let a = asks(&s.update(s.frame_of(-i64::from(PPQ) + 1)));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0.index, 0);
    assert!(a[0].1.is_empty());
}

#[test]
fn without_key_releases_a_note_lasts_until_the_next_key_or_its_length() {
    let (mut s, _) = Session::new(plan(4, Who::You), 0, Hold::Until(BEAT)).unwrap();
    let t0 = s.frame_of(0);
    s.press(60, 96, t0);
    let out = s.press(62, 96, t0 + BEAT / 2);
    assert!(matches!(out[0], Out::Mixer(LiveCmd::Release(1))), "{out:?}");
    assert_eq!(s.played.len(), 1);
    assert_eq!(s.played[0].dur, PPQ / 2);
    // Nothing pressed for a beat: the note stops by itself.
    let out = s.update(t0 + BEAT / 2 + BEAT);
    assert!(out.contains(&Out::Mixer(LiveCmd::Release(2))));
    assert_eq!(s.played[1].dur, PPQ);
    // With releases reported, a held key lasts however long it is held.
    let (mut s, _) = Session::new(plan(4, Who::You), 0, Hold::WhileHeld).unwrap();
    let t0 = s.frame_of(0);
    s.press(60, 96, t0);
    s.press(64, 96, t0 + 10);
    assert!(
        s.update(t0 + 8 * BEAT)
            .iter()
            .all(|o| !matches!(o, Out::Mixer(LiveCmd::Release(_))))
    );
    s.release(60, t0 + 8 * BEAT);
    assert_eq!(s.played[0].dur, 8 * PPQ);
    assert_eq!(
        s.your_notes(t0 + 8 * BEAT).len(),
        2,
        "the held one drawn live"
    );
}

#[test]
fn bad_plans_say_what_is_wrong() {
    let mut p = plan(4, Who::You);
    p.bpm = 500.0;
    assert_eq!(p.check(), Err(PlanError::Tempo(500.0)));
    p.bpm = 120.0;
    p.bars = 3;
    assert_eq!(p.check(), Err(PlanError::Bars(3)));
    p.bars = 4;
    p.changes.spans.clear();
    assert!(Session::new(p, 0, Hold::WhileHeld).is_err());
}

#[test]
fn the_mixer_plays_a_key_when_pressed_and_keeps_the_clock() {
    let (mut mixer, tx, clock) = live(SR, 0.0);
    let (mut s, out) = Session::new(plan(2, Who::You), clock.now(), Hold::WhileHeld).unwrap();
    let mut p = plan(2, Who::You);
    p.mutes = BandMutes {
        comping: true,
        bass: true,
        drums: true,
    };
    p.count_in = false;
    let (mut quiet, _) = Session::new(p, 0, Hold::WhileHeld).unwrap();
    drop(out);
    let mut buf = vec![0.0f32; 2 * 4800];
    mixer.fill(&mut buf);
    for o in quiet.press(72, 110, clock.now()) {
        if let Out::Mixer(c) = o {
            tx.send(c).unwrap();
        }
    }
    mixer.fill(&mut buf);
    assert_eq!(clock.now(), 9600);
    assert!(
        buf.iter().any(|x| x.abs() > 1e-3),
        "the key sounds in the next buffer"
    );
    assert_eq!(
        s.stop(clock.now()).last(),
        Some(&Out::Mixer(LiveCmd::Clear))
    );
}
