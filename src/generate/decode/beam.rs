//! Beam search for the conditioned decoder: beams share their history in an arena, score
//! likelihood plus the harmony and development bonuses, and finish by mean score per event.

use super::{Decoder, Decoding, Start, event};
use crate::generate::choose::{rank, scaled};
use crate::generate::develop::Develop;
use crate::model::conditioned::{CondState, Heads};
use crate::music::Tick;
use crate::tokens::events::{Clock, Event};
use crate::tokens::form::LineState;
use crate::tokens::rhythm::UNIT;

#[derive(Clone)]
struct Beam {
    st: CondState,
    logp: Vec<Vec<f32>>,
    /// The beam's last event in the arena of every event chosen (None: none yet).
    last: Option<usize>,
    len: usize,
    t: Tick,
    score: f64,
    dev: Develop,
    line: LineState,
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
    let mut c = Vec::new();
    scaled(l, 1.0, &mut c);
    rank(&mut c);
    c.truncate(n.max(1));
    c.into_iter().map(|x| x.1).collect()
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

/// The one beam a search starts from: the start fed and its next step's choices weighed.
fn first_beam(dec: &mut Decoder, start: Start) -> Beam {
    let Start {
        mut st,
        prev,
        t,
        mut dev,
        line,
    } = start;
    dec.feed(&mut st, prev, t, &line);
    let mut logp = dec.log_probs(&st, t);
    dev.phrase_lean(&mut logp, dec.w.spec.heads, dec.w.spec.n_dur);
    dev.prepare(t, &dec.clock, None);
    Beam {
        st,
        logp,
        last: None,
        len: 0,
        t,
        score: 0.0,
        dev,
        line,
    }
}

/// Beam search: every step each beam tries its `branch` best pitches × durations; the
/// `width` best by log-likelihood (plus the harmony score) go on. Finished lines compete
/// by mean score per event.
pub(super) fn beam_search(dec: &mut Decoder, start: Start, end: Tick, d: &Decoding) -> Vec<Event> {
    let width = d.beam.max(1);
    let mut beams = vec![first_beam(dec, start)];
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
            b.dev.played(e, (p, du));
            b.line.push(&e);
            if b.t >= end {
                done.push(b);
                continue;
            }
            dec.feed(&mut b.st, (p, du), b.t, &b.line);
            b.logp = dec.log_probs(&b.st, b.t);
            b.dev
                .phrase_lean(&mut b.logp, dec.w.spec.heads, dec.w.spec.n_dur);
            b.dev.prepare(b.t, &dec.clock, None);
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
/// a duration) and by the step its restatement plan offers, scored: (the beam's score +
/// their log-probability + the harmony and development bonuses, the beam's index, the
/// choice).
fn candidates(dec: &Decoder, beams: &[Beam], d: &Decoding) -> Vec<(f64, usize, Vec<usize>)> {
    let mut cand = Vec::new();
    for (bi, b) in beams.iter().enumerate() {
        let firsts = best(&b.logp[0], d.branch);
        let seconds = b.logp.get(1).map(|l| best(l, d.branch));
        let mut choices: Vec<Vec<usize>> = Vec::new();
        for &x in &firsts {
            match &seconds {
                Some(s) => choices.extend(s.iter().map(|&y| vec![x, y])),
                None => choices.push(vec![x]),
            }
        }
        let offer = b.dev.plan.peek().map(|(p, du)| match dec.w.spec.heads {
            Heads::Split => vec![p, du],
            Heads::Joint => vec![p * dec.w.spec.n_dur + du],
        });
        if let Some(o) = offer.as_ref().filter(|o| !choices.contains(o)) {
            choices.push(o.clone());
        }
        for ch in choices {
            let lp: f64 = ch
                .iter()
                .enumerate()
                .map(|(k, &i)| f64::from(b.logp[k][i]))
                .sum();
            if !lp.is_finite() {
                continue;
            }
            let (p, du) = dec.classes(&ch);
            let mut bonus = d.harmony * harmony(&dec.clock, &event(p, du, b.t));
            if offer.as_ref() == Some(&ch) {
                bonus += d.develop;
            }
            cand.push((b.score + lp + bonus, bi, ch));
        }
    }
    cand
}
