//! A trade played through from scripted calls (what `improv trade` runs): the calls placed
//! on the user's turns, the engine's answers on the turns between, and the session as a
//! score (conductor, `You`, `improv`, the band).

use super::relation::{CallRelation, call_relation, chord_tone_rate};
use super::{Engine, Turn, Who};
use crate::corpus::{bass_track, comping_track};
use crate::music::{Note, Role, Score, Tick, Track};
use serde::Serialize;
use std::time::Instant;

/// A melody cut into pieces of `bars` bars of `bar_ticks`, in order, each from its own
/// first bar (tick 0); notes are cut at their piece's end. At most `max` pieces.
pub fn cut_calls(melody: &[Note], bar_ticks: Tick, bars: u32, max: usize) -> Vec<Vec<Note>> {
    let len = bar_ticks.max(1) * bars;
    let end = melody.iter().map(Note::end).max().unwrap_or(0);
    let pieces = (end.div_ceil(len) as usize).min(max);
    (0..pieces as Tick)
        .map(|k| {
            melody
                .iter()
                .filter(|n| n.start >= k * len && n.start < (k + 1) * len)
                .map(|n| Note {
                    start: n.start - k * len,
                    dur: n.dur.min((k + 1) * len - n.start).max(1),
                    ..*n
                })
                .collect()
        })
        .collect()
}

/// One turn as played, with its figures.
#[derive(Clone, Debug, Serialize)]
pub struct TurnReport {
    pub turn: usize,
    pub who: Who,
    /// From 1, as a musician counts.
    pub first_bar: u32,
    pub bars: u32,
    pub notes: usize,
    /// Time to compute the answer (0 for the user's turns).
    pub compute_ms: f64,
    pub chord_tone_rate: f64,
    /// How an answer relates to the call before it (None for the user's turns).
    pub call_relation: Option<CallRelation>,
    #[serde(skip)]
    pub played: Vec<Note>,
    #[serde(skip)]
    pub span: (Tick, Tick),
}

/// The session: every turn in order.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub turns: Vec<TurnReport>,
}

impl Session {
    /// Plays the calls (each from its turn's first bar) on the user's turns and answers
    /// each; when improv starts, it opens with a free turn.
    pub fn play(engine: &Engine, calls: &[Vec<Note>]) -> Session {
        let mut turns = Vec::new();
        let mut calls = calls.iter();
        let mut last_call: Vec<Note> = Vec::new();
        for index in 0.. {
            let turn = engine.turn(index);
            let clock = engine.clock_until(turn.end);
            let (played, ms, relation) = match turn.who {
                Who::You => {
                    let Some(call) = calls.next() else { break };
                    let len = turn.end - turn.start;
                    last_call = call
                        .iter()
                        .filter(|n| n.start < len)
                        .map(|n| Note {
                            start: n.start + turn.start,
                            dur: n.dur.min(len - n.start).max(1),
                            ..*n
                        })
                        .collect();
                    (last_call.clone(), 0.0, None)
                }
                Who::Improv => {
                    let t0 = Instant::now();
                    let answer = engine.answer(&last_call, &turn);
                    let ms = t0.elapsed().as_secs_f64() * 1000.0;
                    let rel = call_relation(&last_call, &answer, engine.bar_ticks());
                    last_call.clear();
                    (answer, ms, Some(rel))
                }
            };
            turns.push(report(&turn, played, ms, relation, &clock));
        }
        Session { turns }
    }

    /// The end of the last turn.
    pub fn end(&self) -> Tick {
        self.turns.last().map_or(0, |t| t.span.1)
    }
}

fn report(
    turn: &Turn,
    played: Vec<Note>,
    compute_ms: f64,
    call_relation: Option<CallRelation>,
    clock: &crate::tokens::events::Clock,
) -> TurnReport {
    TurnReport {
        turn: turn.index + 1,
        who: turn.who,
        first_bar: turn.first_bar + 1,
        bars: turn.bars,
        notes: played.len(),
        compute_ms,
        chord_tone_rate: chord_tone_rate(&played, clock),
        call_relation,
        played,
        span: (turn.start, turn.end),
    }
}

/// The session as the Jam tab exports it: chords and tempo in the conductor, the user's
/// turns on `You`, the answers on `improv`, comping and bass under the whole session.
pub fn session_score(engine: &Engine, session: &Session, bpm: f64, seed: u64) -> Score {
    let end = session.end();
    let mut score = Score::new("improv trade", bpm);
    score.chords = engine
        .spans_until(end)
        .into_iter()
        .filter(|s| s.start < end)
        .map(|mut s| {
            s.dur = s.dur.min(end - s.start);
            s
        })
        .collect();
    let mut you = Track::new("You", Role::Other, 3, 66);
    let mut improv = Track::new("improv", Role::Melody, 0, 66);
    for t in &session.turns {
        match t.who {
            Who::You => you.notes.extend(&t.played),
            Who::Improv => improv.notes.extend(&t.played),
        }
    }
    let mut comping = comping_track(&score.chords, seed);
    comping.name = "band comping".into();
    let mut bass = bass_track(&score.chords, seed);
    bass.name = "band bass".into();
    score.tracks = vec![you, improv, comping, bass];
    score.normalize();
    score
}
