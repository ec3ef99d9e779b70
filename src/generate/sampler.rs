//! The exercise network's sampler: the LSTM fed token by token, each token chosen by
//! `choose` (argmax, temperature, top-k).

use super::choose::{argmax, draw, scaled, weights};
use crate::model::exercise::weights::Weights;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The default temperature of `generate`, `judge`, `trade` and the studio: a little below
/// the model's own distribution, which with the default phrasing and development
/// (`decode::PHRASE`, `decode::DEVELOP`) is the setting the judge finds closest to the
/// players (BENCHMARKS.md).
pub const TEMPERATURE: f64 = 0.95;

/// How each next token is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleOptions {
    /// 0 picks the most likely token (the exercise's argmax); otherwise logits are divided
    /// by it before sampling.
    pub temperature: f64,
    /// Sample only among the k most likely tokens (0: all).
    pub top_k: usize,
    pub seed: u64,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            temperature: TEMPERATURE,
            top_k: 0,
            seed: 0,
        }
    }
}

/// The LSTM state while generating: fed one token at a time, it gives the next logits.
pub struct Sampler<'a> {
    w: &'a Weights,
    h: Vec<f32>,
    c: Vec<f32>,
    z: Vec<f32>,
    logits: Vec<f32>,
    probs: Vec<(f32, usize)>,
}

impl<'a> Sampler<'a> {
    pub fn new(w: &'a Weights) -> Self {
        Sampler {
            w,
            h: vec![0.0; w.n_a],
            c: vec![0.0; w.n_a],
            z: Vec::with_capacity(4 * w.n_a),
            logits: Vec::with_capacity(w.n_values),
            probs: Vec::with_capacity(w.n_values),
        }
    }

    /// Feeds a token (`None`: the zero input that starts a sequence) and returns the logits.
    pub fn feed(&mut self, x: Option<usize>) -> &[f32] {
        self.w.step(x, &mut self.h, &mut self.c, &mut self.z);
        self.w.logits(&self.h, &mut self.logits);
        &self.logits
    }

    /// Chooses from the last logits.
    pub fn choose(&mut self, opts: &SampleOptions, rng: &mut ChaCha8Rng) -> usize {
        let l = &self.logits;
        let best = argmax(l);
        if opts.temperature <= 0.0 || l.len() < 2 {
            return best;
        }
        scaled(l, opts.temperature as f32, &mut self.probs);
        if opts.top_k > 0 && opts.top_k < self.probs.len() {
            self.probs
                .select_nth_unstable_by(opts.top_k - 1, |a, b| b.0.total_cmp(&a.0));
            self.probs.truncate(opts.top_k);
        }
        let max = self
            .probs
            .iter()
            .map(|p| p.0)
            .fold(f32::NEG_INFINITY, f32::max);
        weights(&mut self.probs, max);
        draw(&self.probs, rng).unwrap_or(best)
    }
}

/// Samples after `primer` (which is kept at the start of the result) until `done` says so
/// or `max` tokens. Every index is one of the model's outputs.
pub fn sample_until(
    w: &Weights,
    primer: &[usize],
    opts: &SampleOptions,
    max: usize,
    done: &mut dyn FnMut(&[usize]) -> bool,
) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut s = Sampler::new(w);
    let mut out: Vec<usize> = primer.iter().copied().filter(|&i| i < w.n_values).collect();
    s.feed(None);
    for &p in &out {
        s.feed(Some(p));
    }
    while out.len() < max && !done(&out) {
        let next = s.choose(opts, &mut rng);
        out.push(next);
        s.feed(Some(next));
    }
    out
}
