//! Decoding the conditioned model with the clock: at each step it hears the chord, the next
//! chord and the beat of the changes being played, and picks the next pitch and duration by
//! argmax, temperature, top-k, top-p or beam search, inside a register.

use super::SampleOptions;
use super::choose::{argmax, draw, nucleus, rank, scaled, weights};
use crate::dataset::events::Register;
use crate::generate::develop::Develop;
use crate::model::conditioned::CondMeta;
use crate::model::conditioned::{CondState, CondWeights, Heads};
use crate::model::cpu::fastmath::exp_fast;
use crate::music::{ChordSpan, Note, Pitch, Tick};
use crate::tokens::events::{
    Clock, Event, FeatureLayout, dur_index, pitch_index, pitch_of, units_of,
};
use crate::tokens::form::{self, Form, LineState};
use crate::tokens::rhythm::{UNIT, split_units};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How the conditioned model's events are chosen (beyond temperature, top-k and seed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decoding {
    /// Sample only from the smallest set of classes holding this much probability (1: all).
    pub top_p: f64,
    /// Beam search with this many beams (0: sample, or argmax at temperature 0).
    pub beam: usize,
    /// Pitches and durations each beam tries per step.
    pub branch: usize,
    /// Weight of the harmony score in beam search: chord tones (1) and scale tones (0.5)
    /// on the beat earn it; 0 scores by likelihood alone.
    pub harmony: f64,
    /// Centre and span to keep the line in (None: the training corpus's).
    pub register: Option<Register>,
    /// How strongly the line is pushed back from the register's edges, in nats at the edge.
    pub edge_push: f32,
    /// Weight of restating the solo's own figures (`generate::develop`); 0: off.
    pub develop: f64,
    /// Target notes per phrase for the phrasing rule (`generate::develop`); 0: off.
    pub phrase: f64,
}

/// The default phrasing target, in notes per phrase, and weight of restating the solo's own
/// figures: with them a model trained on players restates its figures and rests about as
/// often as the players do (BENCHMARKS.md, "Solos that develop ideas").
pub const PHRASE: f64 = 20.0;
pub const DEVELOP: f64 = 6.0;

impl Default for Decoding {
    fn default() -> Self {
        Decoding {
            top_p: 1.0,
            beam: 0,
            branch: 4,
            harmony: 0.0,
            register: None,
            edge_push: 2.0,
            develop: DEVELOP,
            phrase: PHRASE,
        }
    }
}

/// The model, its clock and the decoding rules, stepping one event at a time.
struct Decoder<'a> {
    w: &'a CondWeights,
    clock: Clock,
    /// The features the model reads, and the form its V2 inputs place the line in.
    layout: FeatureLayout,
    form: Option<Form>,
    blind: bool,
    /// Added to each pitch class's logit: -inf outside the register, a push near its edges.
    pitch_bias: Vec<f32>,
    feats: Vec<f32>,
    logits: Vec<f32>,
    /// Every feature row fed, in order (tests compare them with training's).
    #[cfg(test)]
    fed: Vec<f32>,
}

impl<'a> Decoder<'a> {
    fn new(w: &'a CondWeights, meta: &CondMeta, clock: Clock, d: &Decoding) -> Self {
        let reg = d.register.unwrap_or(meta.register);
        let (low, high) = (reg.low() as f32, reg.high().max(reg.low() + 1) as f32);
        let (mid, half) = ((low + high) / 2.0, (high - low) / 2.0);
        let pitch_bias = (0..w.spec.n_pitch)
            .map(|i| match pitch_of(i) {
                None => 0.0,
                Some(k) if (k as f32) < low || (k as f32) > high => f32::NEG_INFINITY,
                Some(k) => -d.edge_push * ((k as f32 - mid) / half).powi(4),
            })
            .collect();
        Decoder {
            w,
            form: Form::of(&clock),
            clock,
            layout: meta.layout,
            blind: meta.blind,
            pitch_bias,
            feats: vec![0.0; w.spec.n_feat],
            logits: Vec::new(),
            #[cfg(test)]
            fed: Vec::new(),
        }
    }

    /// Feeds the previous event's classes and the features at `t` (with `line` the phrase
    /// the line so far is in).
    fn feed(&mut self, st: &mut CondState, prev: (usize, usize), t: Tick, line: &LineState) {
        if self.blind {
            self.feats.iter_mut().for_each(|v| *v = 0.0);
        } else {
            self.clock.features(t, &mut self.feats);
            form::write(&self.layout, self.form.as_ref(), line, t, &mut self.feats);
        }
        #[cfg(test)]
        self.fed.extend_from_slice(&self.feats);
        self.w.step(st, prev.0, prev.1, &self.feats);
    }

    /// Log-probabilities of each head for an event at `t`: the register's bias applied to
    /// pitches, and the grid's rule (`grid_allows`) applied to both heads.
    fn log_probs(&mut self, st: &CondState, t: Tick) -> Vec<Vec<f32>> {
        let heads = self.w.spec.head_sizes().len();
        let n_dur = self.w.spec.n_dur;
        let at = t / UNIT;
        (0..heads)
            .map(|k| {
                self.w.logits(st, k, &mut self.logits);
                let mut l = self.logits.clone();
                match (self.w.spec.heads, k) {
                    (Heads::Split, 0) => l.iter_mut().enumerate().for_each(|(p, v)| {
                        *v = if grid_allows(at, Some(p), None) {
                            *v + self.pitch_bias[p]
                        } else {
                            f32::NEG_INFINITY
                        }
                    }),
                    (Heads::Joint, _) => l.iter_mut().enumerate().for_each(|(i, v)| {
                        let (p, d) = (i / n_dur, i % n_dur);
                        *v = if grid_allows(at, Some(p), Some(d)) {
                            *v + self.pitch_bias[p]
                        } else {
                            f32::NEG_INFINITY
                        }
                    }),
                    _ => l.iter_mut().enumerate().for_each(|(d, v)| {
                        if !grid_allows(at, None, Some(d)) {
                            *v = f32::NEG_INFINITY;
                        }
                    }),
                }
                log_softmax(&mut l);
                l
            })
            .collect()
    }

    /// Splits a head choice into (pitch class, duration class).
    fn classes(&self, choice: &[usize]) -> (usize, usize) {
        match self.w.spec.heads {
            Heads::Split => (choice[0], choice[1]),
            Heads::Joint => (choice[0] / self.w.spec.n_dur, choice[0] % self.w.spec.n_dur),
        }
    }
}

/// Where in a beat (grid units, 0..12) a note may begin: on a sixteenth or a triplet, as
/// every onset of the training lines does.
fn on_grid(units: Tick) -> bool {
    matches!(units % 12, 0 | 3 | 4 | 6 | 8 | 9)
}

/// Whether an event starting `at` grid units may have this pitch class and duration class
/// (`None`: either). On the grid anything may follow, as in the training lines, where a
/// note's first piece may end between grid points (a note 7 units long is a 4 and a rest
/// of 3). Between grid points only a rest may follow, and it must reach the grid: so every
/// note begins on a sixteenth or a triplet, and the lengths keep the mix the players have.
fn grid_allows(at: Tick, pitch: Option<usize>, dur: Option<usize>) -> bool {
    on_grid(at)
        || (pitch.is_none_or(|p| p == 0) && dur.is_none_or(|d| on_grid(at + units_of(d) as Tick)))
}

fn log_softmax(l: &mut [f32]) {
    let m = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s: f32 = l.iter().map(|&v| exp_fast(v - m)).sum();
    let lse = m + s.ln();
    l.iter_mut().for_each(|v| *v -= lse);
}

/// The index to play from log-probabilities: argmax at temperature 0, else a sample after
/// temperature, top-k and top-p (the candidates sorted, most likely first).
pub fn pick(logp: &[f32], s: &SampleOptions, top_p: f64, rng: &mut ChaCha8Rng) -> usize {
    let best = argmax(logp);
    if s.temperature <= 0.0 {
        return best;
    }
    let mut c = Vec::new();
    scaled(logp, s.temperature as f32, &mut c);
    rank(&mut c);
    if s.top_k > 0 {
        c.truncate(s.top_k);
    }
    let m = c.first().map_or(0.0, |x| x.0);
    weights(&mut c, m);
    nucleus(&mut c, top_p);
    draw(&c, rng).unwrap_or(best)
}

fn event(p: usize, d: usize, t: Tick) -> Event {
    Event {
        pitch: pitch_of(p),
        start: t,
        units: units_of(d),
    }
}

/// Events from the start's `t` until `end`, sampled (or argmax) one at a time.
fn sample(
    dec: &mut Decoder,
    start: Start,
    end: Tick,
    s: &SampleOptions,
    d: &Decoding,
) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let Start {
        mut st,
        mut prev,
        mut t,
        mut dev,
        mut line,
    } = start;
    let mut out = Vec::new();
    while t < end {
        dec.feed(&mut st, prev, t, &line);
        let mut logp = dec.log_probs(&st, t);
        if dev.active() {
            let (heads, n_dur) = (dec.w.spec.heads, dec.w.spec.n_dur);
            dev.phrase_lean(&mut logp, heads, n_dur);
            dev.prepare(t, &dec.clock, Some(&mut rng));
            dev.lean(&mut logp, heads, n_dur);
        }
        let choice: Vec<usize> = logp.iter().map(|l| pick(l, s, d.top_p, &mut rng)).collect();
        prev = dec.classes(&choice);
        let e = event(prev.0, prev.1, t);
        dev.played(e, prev);
        line.push(&e);
        t += e.units * UNIT;
        out.push(e);
    }
    out
}

/// A solo's events over the chord spans, up to `end`, by the conditioned model.
pub fn decode_events(
    w: &CondWeights,
    meta: &CondMeta,
    spans: &[ChordSpan],
    bar_ticks: Tick,
    end: Tick,
    s: &SampleOptions,
    d: &Decoding,
) -> Vec<Event> {
    let clock = Clock::new(spans.to_vec(), bar_ticks);
    decode_turn(w, meta, clock, &Lead::default(), end, s, d)
}

/// What comes before a decoded stretch: the line heard (it primes the network and the
/// motif memory), and an opening played as given before the model goes on; the model's
/// part starts at `start`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lead {
    pub start: Tick,
    pub primer: Vec<Event>,
    pub opening: Vec<Event>,
}

/// The network's state and clock position where decoding begins.
struct Start {
    st: CondState,
    prev: (usize, usize),
    t: Tick,
    dev: Develop,
    line: LineState,
}

/// Events from `lead.start` to `end` over `clock`: the primer fed first (rests fill any gap
/// before the start), then the opening, then the model's choices. The result holds the
/// opening and what follows it, not the primer.
pub fn decode_turn(
    w: &CondWeights,
    meta: &CondMeta,
    clock: Clock,
    lead: &Lead,
    end: Tick,
    s: &SampleOptions,
    d: &Decoding,
) -> Vec<Event> {
    let mut dec = Decoder::new(w, meta, clock, d);
    let mut start = Start {
        st: CondState::new(&w.spec),
        prev: (w.spec.n_pitch, w.spec.n_dur),
        t: 0,
        dev: Develop::new(d.develop, d.phrase),
        line: LineState::default(),
    };
    let mut heard: Vec<Event> = lead.primer.clone();
    let until = heard.last().map_or(0, |e| e.start + e.units * UNIT);
    heard.extend(rests(until, lead.start));
    let opening: Vec<Event> = lead
        .opening
        .iter()
        .copied()
        .filter(|e| e.start < end)
        .collect();
    for e in heard.iter().chain(&opening) {
        dec.feed(&mut start.st, start.prev, e.start, &start.line);
        start.prev = (pitch_index(e.pitch), dur_index(e.units));
        start.dev.played(*e, start.prev);
        start.line.push(e);
        start.t = e.start + e.units * UNIT;
    }
    start.t = start.t.max(lead.start);
    let rest = if d.beam > 0 {
        beam_search(&mut dec, start, end, d)
    } else {
        sample(&mut dec, start, end, s, d)
    };
    opening.into_iter().chain(rest).collect()
}

/// Rest events from `from` to `to`, in token-sized pieces.
fn rests(from: Tick, to: Tick) -> Vec<Event> {
    let mut at = from;
    split_units(to.saturating_sub(from) / UNIT)
        .into_iter()
        .map(|u| {
            let e = Event {
                pitch: None,
                start: at,
                units: u,
            };
            at += u * UNIT;
            e
        })
        .collect()
}

/// Events as notes (rests dropped), cut at `end`.
pub fn to_notes(events: &[Event], end: Tick, velocity: u8) -> Vec<Note> {
    events
        .iter()
        .filter(|e| e.start < end)
        .filter_map(|e| {
            Some(Note {
                start: e.start,
                dur: (e.units * UNIT).min(end - e.start).max(1),
                pitch: Pitch::new(e.pitch?)?,
                velocity,
            })
        })
        .collect()
}

mod beam;
use beam::beam_search;

#[cfg(test)]
mod tests;
