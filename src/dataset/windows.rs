//! Training windows and the baselines they are judged against: the arrays the trainer reads.

use crate::tokens::Vocab;
use serde::Serialize;

/// Training windows as token indices. `x[i * tx + t]` is the input at step t of window i and
/// `y[i * tx + t]` its target; `-1` means "no token": an all-zero input vector (the
/// exercise's first step) or a target that adds no loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    pub m: usize,
    pub tx: usize,
    pub n_values: usize,
    pub x: Vec<i32>,
    pub y: Vec<i32>,
}

impl Windows {
    /// Targets that count (not -1).
    pub fn targets(&self) -> usize {
        self.y.iter().filter(|&&v| v >= 0).count()
    }
}

/// Validation cross-entropy of simple predictors, nats per token.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Baselines {
    pub uniform: f64,
    pub unigram: f64,
    pub bigram: f64,
}

pub fn make_windows(streams: &[Vec<u32>], tx: usize, stride: usize, n_values: usize) -> Windows {
    let mut w = Windows {
        m: 0,
        tx,
        n_values,
        x: Vec::new(),
        y: Vec::new(),
    };
    for s in streams.iter().filter(|s| !s.is_empty()) {
        let last = s.len().saturating_sub(tx);
        let mut start = 0;
        loop {
            for t in 0..tx {
                let x = if t == 0 { None } else { s.get(start + t - 1) };
                w.x.push(x.map_or(-1, |&v| v as i32));
                w.y.push(s.get(start + t).map_or(-1, |&v| v as i32));
            }
            w.m += 1;
            if start >= last {
                break;
            }
            start = (start + stride).min(last);
        }
    }
    w
}

/// Uniform, add-k unigram and add-k bigram cross-entropy on the validation tokens (on the
/// training tokens when there is no validation split).
pub fn baselines(train: &[Vec<u32>], val: &[Vec<u32>], v: usize) -> Baselines {
    let v = v.max(1);
    let k = 0.5;
    let mut uni = vec![0f64; v];
    let mut bi = std::collections::HashMap::<(u32, u32), f64>::new();
    for s in train {
        for (i, &t) in s.iter().enumerate() {
            uni[t as usize] += 1.0;
            if i > 0 {
                *bi.entry((s[i - 1], t)).or_default() += 1.0;
            }
        }
    }
    let total: f64 = uni.iter().sum();
    let p_uni = |t: u32| (uni[t as usize] + k) / (total + k * v as f64);
    let eval = if val.iter().any(|s| !s.is_empty()) {
        val
    } else {
        train
    };
    let (mut n, mut h_uni, mut h_bi) = (0f64, 0f64, 0f64);
    for s in eval {
        for (i, &t) in s.iter().enumerate() {
            n += 1.0;
            h_uni -= p_uni(t).ln();
            let p = if i == 0 {
                p_uni(t)
            } else {
                let prev = s[i - 1];
                (bi.get(&(prev, t)).copied().unwrap_or(0.0) + k)
                    / (uni[prev as usize] + k * v as f64)
            };
            h_bi -= p.ln();
        }
    }
    let n = n.max(1.0);
    Baselines {
        uniform: (v as f64).ln(),
        unigram: h_uni / n,
        bigram: h_bi / n,
    }
}

/// The exercise's own windows, quirks included: X[:,0] is the zero vector and the last
/// target is never set, so 29 inputs predict 29 targets.
pub fn exercise_windows(
    corpus: &[String],
    values: &[String],
    starts: &[usize],
    tx: usize,
) -> Windows {
    let vocab = Vocab::from_ordered(values);
    let idx = |t: &String| vocab.index_of(t).map_or(-1, |i| i as i32);
    let mut w = Windows {
        m: starts.len(),
        tx,
        n_values: values.len(),
        x: vec![-1; starts.len() * tx],
        y: vec![-1; starts.len() * tx],
    };
    for (i, &s) in starts.iter().enumerate() {
        for j in 1..tx {
            if let Some(tok) = corpus.get(s + j) {
                w.x[i * tx + j] = idx(tok);
                w.y[i * tx + j - 1] = idx(tok);
            }
        }
    }
    w
}
