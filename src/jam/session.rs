//! One running session on the mixer's clock: the band scheduled a chorus ahead, the user's
//! keys sounded at once and kept as played, answers asked for during the call's last beat
//! and placed in their turn (a late one moves to the next bar; the band never waits).

use super::band::{self, BandNote};
use super::{Plan, PlanError, TurnSpan, Who};
use crate::music::{Note, PPQ, Pitch, Tick};
use crate::synth::live::LiveCmd;
use crate::synth::render::BLOCK;
use crate::synth::voice::Voice;
use crate::synth::{Part, swing_tick};

/// What the session asks of the world after being told the time or a key.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// Send this to the mixer.
    Mixer(LiveCmd),
    /// Compute improv's answer in `turn` to `call` (the user's notes of the turn before).
    Ask { turn: TurnSpan, call: Vec<Note> },
}

/// How long a key's note lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Until the key is released (the terminal reports releases, or a MIDI keyboard).
    WhileHeld,
    /// Until the next key or this many frames, whichever comes first.
    Until(u64),
}

/// A key that sounds now.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Open {
    id: u32,
    key: u8,
    velocity: u8,
    start: i64,
    on: u64,
}

/// An answer placed in its turn.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub turn: TurnSpan,
    pub notes: Vec<Note>,
    pub compute_ms: f64,
    /// Bars it was moved because it came late.
    pub moved_bars: u32,
}

/// Where the session is, for the status bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Now {
    /// Beats of count-in left.
    CountIn(u32),
    Turn {
        turn: TurnSpan,
        beats_left: u32,
    },
}

pub struct Session {
    pub plan: Plan,
    /// The frame of the first count-in click (of the form's first beat without one).
    pub start: u64,
    zero: u64,
    hold: Hold,
    next_chorus: u32,
    next_ask: usize,
    open: Vec<Open>,
    next_id: u32,
    /// The user's notes as played, in session ticks.
    pub played: Vec<Note>,
    pub answers: Vec<Placed>,
    /// The last late answer, said on the status bar.
    pub late: Option<String>,
}

impl Session {
    /// Starts a session at the clock's frame `now` (a few milliseconds later, so the first
    /// click is not late).
    pub fn new(plan: Plan, now: u64, hold: Hold) -> Result<(Session, Vec<Out>), PlanError> {
        plan.check()?;
        let start = now + u64::from(plan.sample_rate) / 10;
        let zero = start + plan.lead_in_frames();
        let mut s = Session {
            plan,
            start,
            zero,
            hold,
            next_chorus: 0,
            next_ask: 0,
            open: Vec::new(),
            next_id: 0,
            played: Vec::new(),
            answers: Vec::new(),
            late: None,
        };
        let clicks = band::count_in(&s.plan);
        let mut out: Vec<Out> = clicks.iter().map(|n| s.band_cmd(n)).collect();
        out.extend(s.update(now));
        Ok((s, out))
    }

    pub fn frame_of(&self, tick: i64) -> u64 {
        let off = (tick as f64 * self.plan.frames_per_tick()).round() as i64;
        (self.zero as i64 + off).max(0) as u64
    }

    /// The session tick at `frame` (negative in the count-in).
    pub fn tick_at(&self, frame: u64) -> i64 {
        ((frame as f64 - self.zero as f64) / self.plan.frames_per_tick()).floor() as i64
    }

    fn band_cmd(&self, n: &BandNote) -> Out {
        Out::Mixer(LiveCmd::At {
            frame: self.frame_of(n.tick),
            held: (f64::from(n.dur) * self.plan.frames_per_tick()) as u64,
            voice: n.voice,
            part: n.part,
            key: n.key,
            velocity: n.velocity,
        })
    }

    /// Told the time: schedules the band a chorus ahead, lets go of keys held too long
    /// (when releases are not reported) and asks for the answers due.
    pub fn update(&mut self, now: u64) -> Vec<Out> {
        let mut out = Vec::new();
        let tick = self.tick_at(now).max(0) as Tick;
        let form = self.plan.form_ticks();
        while tick / form + 1 >= self.next_chorus {
            let k = self.next_chorus;
            out.extend(band::chorus(&self.plan, k).iter().map(|n| self.band_cmd(n)));
            self.next_chorus += 1;
        }
        if let Hold::Until(frames) = self.hold {
            let due: Vec<u8> = self
                .open
                .iter()
                .filter(|o| now >= o.on + frames)
                .map(|o| o.key)
                .collect();
            for key in due {
                out.extend(self.release(key, now));
            }
        }
        loop {
            let turn = self.plan.turn(self.next_ask);
            if turn.who == Who::You {
                self.next_ask += 1;
                continue;
            }
            if self.tick_at(now) < i64::from(turn.start) - i64::from(PPQ) {
                break;
            }
            out.push(Out::Ask {
                turn,
                call: self.call_before(&turn, now),
            });
            self.next_ask += 1;
        }
        out
    }

    /// The user's notes of the turn before `turn` (those still held end now).
    fn call_before(&self, turn: &TurnSpan, now: u64) -> Vec<Note> {
        let from = turn.start.saturating_sub(turn.end - turn.start);
        let tick = self.tick_at(now);
        let held = self.open.iter().filter_map(|o| self.as_note(o, tick));
        let mut call: Vec<Note> = self
            .played
            .iter()
            .copied()
            .chain(held)
            .filter(|n| n.start >= from && n.start < turn.start)
            .collect();
        call.sort_by_key(|n| (n.start, n.pitch));
        call
    }

    fn as_note(&self, o: &Open, tick: i64) -> Option<Note> {
        let start = Tick::try_from(o.start).ok()?;
        Some(Note {
            start,
            dur: (tick - o.start).max(1) as Tick,
            pitch: Pitch::new(o.key)?,
            velocity: o.velocity,
        })
    }

    /// A key pressed at `now`: it sounds at once (in no-release mode the last key stops).
    pub fn press(&mut self, key: u8, velocity: u8, now: u64) -> Vec<Out> {
        let mut out = Vec::new();
        if matches!(self.hold, Hold::Until(_)) || self.open.iter().any(|o| o.key == key) {
            let keys: Vec<u8> = match self.hold {
                Hold::Until(_) => self.open.iter().map(|o| o.key).collect(),
                Hold::WhileHeld => vec![key],
            };
            for k in keys {
                out.extend(self.release(k, now));
            }
        }
        self.next_id += 1;
        let id = self.next_id;
        self.open.push(Open {
            id,
            key,
            velocity,
            start: self.tick_at(now),
            on: now,
        });
        out.push(Out::Mixer(LiveCmd::Press {
            id,
            voice: Voice::Lead,
            key,
            velocity,
        }));
        out
    }

    /// A key let go at `now`: its note stops and is kept (notes of the count-in are not).
    pub fn release(&mut self, key: u8, now: u64) -> Vec<Out> {
        let Some(i) = self.open.iter().position(|o| o.key == key) else {
            return Vec::new();
        };
        let o = self.open.remove(i);
        if let Some(n) = self.as_note(&o, self.tick_at(now)) {
            self.played.push(n);
        }
        vec![Out::Mixer(LiveCmd::Release(o.id))]
    }

    /// Stops: every key let go, nothing more scheduled.
    pub fn stop(&mut self, now: u64) -> Vec<Out> {
        let keys: Vec<u8> = self.open.iter().map(|o| o.key).collect();
        let mut out: Vec<Out> = keys
            .into_iter()
            .flat_map(|k| self.release(k, now))
            .collect();
        out.push(Out::Mixer(LiveCmd::Clear));
        out
    }

    /// The user's notes so far, those held drawn up to `now`.
    pub fn your_notes(&self, now: u64) -> Vec<Note> {
        let tick = self.tick_at(now);
        let mut all = self.played.clone();
        all.extend(self.open.iter().filter_map(|o| self.as_note(o, tick)));
        all
    }

    /// Where the session is at `now`.
    pub fn now(&self, now: u64) -> Now {
        let tick = self.tick_at(now);
        if tick < 0 {
            return Now::CountIn((tick.unsigned_abs()).div_ceil(u64::from(PPQ)) as u32);
        }
        let turn = self.plan.turn_at(tick as Tick);
        let left = i64::from(turn.end) - tick;
        Now::Turn {
            turn,
            beats_left: (left.max(0) as u64).div_ceil(u64::from(PPQ)) as u32,
        }
    }

    /// Places improv's answer for `turn` (its notes on the grid, in session ticks), computed
    /// in `compute_ms`, as it arrives at `now`: in its turn when there is time, otherwise
    /// from the next bar that can still be reached, cut to its turn.
    pub fn answer(
        &mut self,
        turn: TurnSpan,
        notes: &[Note],
        compute_ms: f64,
        now: u64,
    ) -> Vec<Out> {
        let margin = u64::from(self.plan.sample_rate) / 100 + BLOCK as u64;
        let bar = self.plan.bar_ticks();
        let mut from = turn.start;
        while self.frame_of(i64::from(from)) < now + margin {
            from += bar;
        }
        let moved_bars = (from - turn.start) / bar;
        self.late = match moved_bars {
            0 => None,
            _ if from >= turn.end => Some(format!(
                "improv's answer for turn {} came too late ({compute_ms:.0} ms): skipped",
                turn.index + 1
            )),
            _ => Some(format!(
                "improv's answer was late ({compute_ms:.0} ms): moved to bar {}",
                from / bar + 1
            )),
        };
        let shift = from - turn.start;
        let placed: Vec<Note> = notes
            .iter()
            .filter(|n| n.start >= turn.start && n.start + shift < turn.end)
            .map(|n| {
                let start = swing_tick(n.start + shift, self.plan.swing).min(turn.end - 1);
                Note {
                    start,
                    dur: n.dur.min(turn.end - start).max(1),
                    ..*n
                }
            })
            .collect();
        let fpt = self.plan.frames_per_tick();
        let out = placed
            .iter()
            .map(|n| {
                Out::Mixer(LiveCmd::At {
                    frame: self.frame_of(i64::from(n.start)),
                    held: (f64::from(n.dur) * fpt) as u64,
                    voice: Voice::Lead,
                    part: Part::Lead,
                    key: n.pitch.key(),
                    velocity: n.velocity,
                })
            })
            .collect();
        self.answers.push(Placed {
            turn,
            notes: placed,
            compute_ms,
            moved_bars,
        });
        out
    }

    /// The last tick anything was played or scheduled to be (the end of the current turn).
    pub fn end_tick(&self, now: u64) -> Tick {
        let tick = self.tick_at(now).max(0) as Tick;
        self.plan.turn_at(tick).end
    }
}
