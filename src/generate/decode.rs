//! Decoding the conditioned model with the clock: at each step it hears the chord, the next
//! chord and the beat of the changes being played, and picks the next pitch and duration by
//! argmax, temperature, top-k, top-p or beam search, inside a register.

use crate::dataset::events::Register;
use crate::model::bundle::conditioned::CondMeta;
use crate::model::conditioned::{CondState, CondWeights, Heads};
use crate::model::cpu::fastmath::exp_fast;
use crate::music::{ChordSpan, Note, Pitch, Tick};
use crate::tokens::events::{Clock, Event, N_FEAT, pitch_of, units_of};
use crate::tokens::rhythm::UNIT;
use rand::{Rng, SeedableRng};
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
}

impl Default for Decoding {
    fn default() -> Self {
        Decoding {
            top_p: 1.0,
            beam: 0,
            branch: 4,
            harmony: 0.0,
            register: None,
            edge_push: 2.0,
        }
    }
}

/// Temperature, top-k and seed (as `generate::SampleOptions` holds them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    pub temperature: f64,
    pub top_k: usize,
    pub seed: u64,
}

/// The model, its clock and the decoding rules, stepping one event at a time.
struct Decoder<'a> {
    w: &'a CondWeights,
    clock: Clock,
    blind: bool,
    /// Added to each pitch class's logit: -inf outside the register, a push near its edges.
    pitch_bias: Vec<f32>,
    feats: Vec<f32>,
    logits: Vec<f32>,
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
            clock,
            blind: meta.blind,
            pitch_bias,
            feats: vec![0.0; N_FEAT],
            logits: Vec::new(),
        }
    }

    /// Feeds the previous event's classes and the features at `t`.
    fn feed(&mut self, st: &mut CondState, prev: (usize, usize), t: Tick) {
        if self.blind {
            self.feats.iter_mut().for_each(|v| *v = 0.0);
        } else {
            self.clock.features(t, &mut self.feats);
        }
        self.w.step(st, prev.0, prev.1, &self.feats);
    }

    /// Log-probabilities of each head for an event at `t`: the register's bias applied to
    /// pitches, and only durations that end on the sixteenth/triplet grid of a beat.
    fn log_probs(&mut self, st: &CondState, t: Tick) -> Vec<Vec<f32>> {
        let heads = self.w.spec.head_sizes().len();
        let n_dur = self.w.spec.n_dur;
        let off_grid = |d: usize| {
            let at = (t / UNIT + units_of(d)) % 12;
            !matches!(at, 0 | 3 | 4 | 6 | 8 | 9)
        };
        (0..heads)
            .map(|k| {
                self.w.logits(st, k, &mut self.logits);
                let mut l = self.logits.clone();
                match (self.w.spec.heads, k) {
                    (Heads::Split, 0) => l
                        .iter_mut()
                        .zip(&self.pitch_bias)
                        .for_each(|(v, b)| *v += b),
                    (Heads::Joint, _) => l.iter_mut().enumerate().for_each(|(i, v)| {
                        *v += self.pitch_bias[i / n_dur];
                        if off_grid(i % n_dur) {
                            *v = f32::NEG_INFINITY;
                        }
                    }),
                    _ => l.iter_mut().enumerate().for_each(|(d, v)| {
                        if off_grid(d) {
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

fn log_softmax(l: &mut [f32]) {
    let m = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let s: f32 = l.iter().map(|&v| exp_fast(v - m)).sum();
    let lse = m + s.ln();
    l.iter_mut().for_each(|v| *v -= lse);
}

/// The index to play from log-probabilities: argmax at temperature 0, else a sample after
/// temperature, top-k and top-p.
pub fn pick(logp: &[f32], s: &Sampling, top_p: f64, rng: &mut ChaCha8Rng) -> usize {
    let argmax = (0..logp.len())
        .max_by(|&a, &b| logp[a].total_cmp(&logp[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    if s.temperature <= 0.0 {
        return argmax;
    }
    let t = s.temperature as f32;
    let mut c: Vec<(f32, usize)> = logp
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (v / t, i))
        .collect();
    c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    if s.top_k > 0 {
        c.truncate(s.top_k);
    }
    let m = c.first().map_or(0.0, |x| x.0);
    c.iter_mut().for_each(|x| x.0 = exp_fast(x.0 - m));
    let total: f32 = c.iter().map(|x| x.0).sum();
    if top_p < 1.0 {
        let mut acc = 0.0;
        let keep = c
            .iter()
            .position(|x| {
                acc += x.0 / total;
                f64::from(acc) >= top_p
            })
            .map_or(c.len(), |i| i + 1);
        c.truncate(keep);
    }
    let total: f32 = c.iter().map(|x| x.0).sum();
    if !(total.is_finite() && total > 0.0) {
        return argmax;
    }
    let mut r = rng.random_range(0.0..total);
    for x in &c {
        if r < x.0 {
            return x.1;
        }
        r -= x.0;
    }
    c.last().map_or(argmax, |x| x.1)
}

fn event(p: usize, d: usize, t: Tick) -> Event {
    Event {
        pitch: pitch_of(p),
        start: t,
        units: units_of(d),
    }
}

/// Events over `spans` until `end`, sampled (or argmax) one at a time.
fn sample(dec: &mut Decoder, end: Tick, s: &Sampling, top_p: f64) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    let mut st = CondState::new(&dec.w.spec);
    let mut prev = (dec.w.spec.n_pitch, dec.w.spec.n_dur);
    let (mut t, mut out) = (0, Vec::new());
    while t < end {
        dec.feed(&mut st, prev, t);
        let choice: Vec<usize> = dec
            .log_probs(&st, t)
            .iter()
            .map(|l| pick(l, s, top_p, &mut rng))
            .collect();
        prev = dec.classes(&choice);
        let e = event(prev.0, prev.1, t);
        t += e.units * UNIT;
        out.push(e);
    }
    out
}

#[derive(Clone)]
struct Beam {
    st: CondState,
    logp: Vec<Vec<f32>>,
    /// The beam's last event in the arena of every event chosen (None: none yet).
    last: Option<usize>,
    len: usize,
    t: Tick,
    score: f64,
}

/// Events chosen by any beam, each with its predecessor, so beams share their history.
#[derive(Default)]
struct Arena(Vec<(Event, Option<usize>)>);

impl Arena {
    fn line(&self, mut at: Option<usize>) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(i) = at {
            out.push(self.0[i].0);
            at = self.0[i].1;
        }
        out.reverse();
        out
    }
}

/// The `n` best indices of a log-probability row.
fn best(l: &[f32], n: usize) -> Vec<usize> {
    let mut i: Vec<usize> = (0..l.len()).filter(|&i| l[i].is_finite()).collect();
    i.sort_by(|&a, &b| l[b].total_cmp(&l[a]).then(a.cmp(&b)));
    i.truncate(n.max(1));
    i
}

/// The harmony score of a note at `t`: chord tone 1, scale tone 0.5, on the beat only.
fn harmony(clock: &Clock, e: &Event) -> f64 {
    let (Some(k), Some(c)) = (e.pitch, clock.chord_at(e.start)) else {
        return 0.0;
    };
    if !clock.on_beat(e.start) {
        return 0.0;
    }
    let pc = crate::music::PitchClass::new(k as i32);
    if c.tones().contains(pc) {
        1.0
    } else if c.scale().contains(pc) {
        0.5
    } else {
        0.0
    }
}

/// Beam search: every step each beam tries its `branch` best pitches × durations; the
/// `width` best by log-likelihood (plus the harmony score) go on. Finished lines compete
/// by mean score per event.
fn beam_search(dec: &mut Decoder, end: Tick, d: &Decoding) -> Vec<Event> {
    let width = d.beam.max(1);
    let mut st = CondState::new(&dec.w.spec);
    dec.feed(&mut st, (dec.w.spec.n_pitch, dec.w.spec.n_dur), 0);
    let logp = dec.log_probs(&st, 0);
    let mut beams = vec![Beam {
        st,
        logp,
        last: None,
        len: 0,
        t: 0,
        score: 0.0,
    }];
    let mut arena = Arena::default();
    let mut done: Vec<Beam> = Vec::new();
    while !beams.is_empty() && done.len() < width {
        let mut cand = candidates(dec, &beams, d);
        cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        cand.truncate(width - done.len());
        let mut next = Vec::with_capacity(cand.len());
        for (score, bi, ch) in cand {
            let mut b = beams[bi].clone();
            let (p, du) = dec.classes(&ch);
            let e = event(p, du, b.t);
            b.t += e.units * UNIT;
            arena.0.push((e, b.last));
            b.last = Some(arena.0.len() - 1);
            b.len += 1;
            b.score = score;
            if b.t >= end {
                done.push(b);
                continue;
            }
            dec.feed(&mut b.st, (p, du), b.t);
            b.logp = dec.log_probs(&b.st, b.t);
            next.push(b);
        }
        beams = next;
    }
    done.extend(beams);
    done.into_iter()
        .max_by(|a, b| {
            let m = |x: &Beam| x.score / x.len.max(1) as f64;
            m(a).total_cmp(&m(b))
        })
        .map(|b| arena.line(b.last))
        .unwrap_or_default()
}

/// Every beam extended by each of its `branch` best choices (a pitch and, with split heads,
/// a duration), scored: (the beam's score + their log-probability + the harmony bonus, the
/// beam's index, the choice).
fn candidates(dec: &Decoder, beams: &[Beam], d: &Decoding) -> Vec<(f64, usize, Vec<usize>)> {
    let mut cand = Vec::new();
    for (bi, b) in beams.iter().enumerate() {
        let firsts = best(&b.logp[0], d.branch);
        let seconds = b.logp.get(1).map(|l| best(l, d.branch));
        for &x in &firsts {
            let choices: Vec<Vec<usize>> = match &seconds {
                Some(s) => s.iter().map(|&y| vec![x, y]).collect(),
                None => vec![vec![x]],
            };
            for ch in choices {
                let lp: f64 = ch
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| f64::from(b.logp[k][i]))
                    .sum();
                let (p, du) = dec.classes(&ch);
                let bonus = d.harmony * harmony(&dec.clock, &event(p, du, b.t));
                cand.push((b.score + lp + bonus, bi, ch));
            }
        }
    }
    cand
}

/// A solo's events over the chord spans, up to `end`, by the conditioned model.
pub fn decode_events(
    w: &CondWeights,
    meta: &CondMeta,
    spans: &[ChordSpan],
    bar_ticks: Tick,
    end: Tick,
    s: &Sampling,
    d: &Decoding,
) -> Vec<Event> {
    let mut dec = Decoder::new(w, meta, Clock::new(spans.to_vec(), bar_ticks), d);
    if d.beam > 0 {
        beam_search(&mut dec, end, d)
    } else {
        sample(&mut dec, end, s, d.top_p)
    }
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

#[cfg(test)]
mod tests;
