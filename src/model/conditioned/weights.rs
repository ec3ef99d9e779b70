//! The conditioned network's shape and weights, and its plain-Rust step for decoding: the
//! previous event (pitch and duration rows) plus the chord/beat features in, one or two LSTM
//! layers, a pitch head and a duration head (or one joint head) out.

use crate::model::cpu::cell::lstm_cell;
use crate::model::cpu::fastmath::{MulAdd, with_simd};
use crate::model::init::{glorot, orthogonal};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How the next event is predicted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Heads {
    /// A pitch-or-rest softmax and a duration softmax, both from the last hidden state.
    #[default]
    Split,
    /// One softmax over every (pitch, duration) pair.
    Joint,
}

impl std::str::FromStr for Heads {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "split" => Ok(Heads::Split),
            "joint" => Ok(Heads::Joint),
            _ => Err(format!("unknown heads {s:?} (split or joint)")),
        }
    }
}

/// The network's shape.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CondSpec {
    pub n_a: usize,
    /// 1 or 2 LSTM layers.
    pub layers: usize,
    /// Dropout on the first layer's output, between the layers (training only).
    pub dropout: f32,
    pub heads: Heads,
    pub n_pitch: usize,
    pub n_dur: usize,
    pub n_feat: usize,
}

impl CondSpec {
    /// A network over the event vocabulary (`tokens::events`): its pitch, duration and
    /// feature sizes.
    pub fn events(n_a: usize, layers: usize, dropout: f32, heads: Heads) -> CondSpec {
        use crate::tokens::events::{N_DUR, N_FEAT, N_PITCH};
        CondSpec {
            n_a,
            layers,
            dropout,
            heads,
            n_pitch: N_PITCH,
            n_dur: N_DUR,
            n_feat: N_FEAT,
        }
    }

    /// The same network reading `layout`'s features.
    pub fn with_layout(self, layout: crate::tokens::events::FeatureLayout) -> CondSpec {
        CondSpec {
            n_feat: layout.len,
            ..self
        }
    }

    /// Output classes of each head.
    pub fn head_sizes(&self) -> Vec<usize> {
        match self.heads {
            Heads::Split => vec![self.n_pitch, self.n_dur],
            Heads::Joint => vec![self.n_pitch * self.n_dur],
        }
    }

    /// The shape [rows, cols] of every parameter array, in storage order: pitch rows,
    /// duration rows (each with a last "start" row), feature kernel, bias, recurrent kernel;
    /// with two layers its input kernel, recurrent kernel and bias; then per head its
    /// kernel and bias. Biases are one row.
    pub fn shapes(&self) -> Vec<[usize; 2]> {
        let g = 4 * self.n_a;
        let mut s = vec![
            [self.n_pitch + 1, g],
            [self.n_dur + 1, g],
            [self.n_feat, g],
            [1, g],
            [self.n_a, g],
        ];
        if self.layers > 1 {
            s.extend([[self.n_a, g], [self.n_a, g], [1, g]]);
        }
        for n in self.head_sizes() {
            s.extend([[self.n_a, n], [1, n]]);
        }
        s
    }

    /// Index of the first head's kernel in `shapes()`.
    pub fn first_head(&self) -> usize {
        if self.layers > 1 { 8 } else { 5 }
    }

    /// The length of one window's recurrent state [L, 2, A]: per layer its hidden state
    /// then its cell state.
    pub fn state_len(&self) -> usize {
        self.layers * 2 * self.n_a
    }
}

/// The parameters, each row-major with the shape `spec.shapes()` gives it; stored in the
/// order of `arrays()`.
#[derive(Clone, Debug, PartialEq)]
pub struct CondWeights {
    pub spec: CondSpec,
    /// The previous event's pitch rows [n_pitch + 1, 4A] (the last row: "start").
    pub pitch: Vec<f32>,
    /// The previous event's duration rows [n_dur + 1, 4A] (the last row: "start").
    pub dur: Vec<f32>,
    /// The chord/beat feature kernel [n_feat, 4A].
    pub feat: Vec<f32>,
    /// The first layer's bias [1, 4A].
    pub bias: Vec<f32>,
    /// The first layer's recurrent kernel [A, 4A].
    pub recurrent: Vec<f32>,
    /// The second LSTM layer, when there is one.
    pub second: Option<Layer>,
    /// The output heads: pitch then duration, or one joint head.
    pub heads: Vec<Head>,
}

/// An LSTM layer over the layer below's hidden states.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// [A, 4A]
    pub input: Vec<f32>,
    /// [A, 4A]
    pub recurrent: Vec<f32>,
    /// [1, 4A]
    pub bias: Vec<f32>,
}

/// A dense softmax head.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// [A, n]
    pub kernel: Vec<f32>,
    /// [1, n]
    pub bias: Vec<f32>,
}

impl CondWeights {
    /// Keras-like init: Glorot input and output kernels, orthogonal recurrent kernels,
    /// forget-gate biases 1.
    pub fn init(spec: CondSpec, seed: u64) -> CondWeights {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a = spec.n_a;
        let arrays = spec
            .shapes()
            .into_iter()
            .enumerate()
            .map(|(i, [r, c])| {
                let recurrent = i == 4 || (spec.layers > 1 && i == 6);
                if recurrent {
                    orthogonal(&mut rng, r, c)
                } else if r == 1 {
                    let mut b = vec![0.0; c];
                    if c == 4 * a && i < spec.first_head() {
                        b[a..2 * a].iter_mut().for_each(|v| *v = 1.0);
                    }
                    b
                } else {
                    glorot(&mut rng, r, c)
                }
            })
            .collect();
        CondWeights::from_arrays(spec, arrays)
    }

    /// The weights from arrays in storage order (`arrays()`); `check` says whether their
    /// sizes fit the spec.
    pub fn from_arrays(spec: CondSpec, arrays: Vec<Vec<f32>>) -> CondWeights {
        let mut it = arrays.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let (pitch, dur, feat, bias, recurrent) = (next(), next(), next(), next(), next());
        let second = (spec.layers > 1).then(|| Layer {
            input: next(),
            recurrent: next(),
            bias: next(),
        });
        let heads = (0..spec.head_sizes().len())
            .map(|_| Head {
                kernel: next(),
                bias: next(),
            })
            .collect();
        CondWeights {
            spec,
            pitch,
            dur,
            feat,
            bias,
            recurrent,
            second,
            heads,
        }
    }

    /// The parameter arrays in storage order: pitch rows, duration rows, feature kernel,
    /// bias, recurrent kernel; the second layer's input kernel, recurrent kernel and bias;
    /// each head's kernel and bias.
    pub fn arrays(&self) -> Vec<&Vec<f32>> {
        self.arrays_iter().collect()
    }

    /// `arrays()` without a fresh vector.
    pub fn arrays_iter(&self) -> impl Iterator<Item = &Vec<f32>> {
        let second = self
            .second
            .iter()
            .flat_map(|l| [&l.input, &l.recurrent, &l.bias]);
        let heads = self.heads.iter().flat_map(|h| [&h.kernel, &h.bias]);
        let first = [
            &self.pitch,
            &self.dur,
            &self.feat,
            &self.bias,
            &self.recurrent,
        ];
        first.into_iter().chain(second).chain(heads)
    }

    /// `arrays()`, to change in place.
    pub fn arrays_mut(&mut self) -> Vec<&mut Vec<f32>> {
        self.arrays_iter_mut().collect()
    }

    /// `arrays_mut()` without a fresh vector.
    pub fn arrays_iter_mut(&mut self) -> impl Iterator<Item = &mut Vec<f32>> {
        let second = self
            .second
            .iter_mut()
            .flat_map(|l| [&mut l.input, &mut l.recurrent, &mut l.bias]);
        let heads = self
            .heads
            .iter_mut()
            .flat_map(|h| [&mut h.kernel, &mut h.bias]);
        let first = [
            &mut self.pitch,
            &mut self.dur,
            &mut self.feat,
            &mut self.bias,
            &mut self.recurrent,
        ];
        first.into_iter().chain(second).chain(heads)
    }

    pub fn params(&self) -> usize {
        self.arrays().iter().map(|a| a.len()).sum()
    }

    /// Checks the arrays against the spec and for NaN.
    pub fn check(&self) -> Result<(), String> {
        let want: Vec<usize> = self.spec.shapes().iter().map(|[r, c]| r * c).collect();
        let got: Vec<usize> = self.arrays().iter().map(|a| a.len()).collect();
        if want != got {
            return Err(format!(
                "weight sizes {got:?} do not fit the network {want:?}"
            ));
        }
        if !(1..=2).contains(&self.spec.layers) {
            return Err(format!("{} layers (1 or 2 allowed)", self.spec.layers));
        }
        if self
            .arrays()
            .iter()
            .any(|a| a.iter().any(|v| !v.is_finite()))
        {
            return Err("weights contain NaN or infinity".into());
        }
        Ok(())
    }

    /// One step: the previous event's classes (`n_pitch`/`n_dur` = start) and the new
    /// onset's features in; the state moves on.
    pub fn step(&self, st: &mut CondState, prev_p: usize, prev_d: usize, feats: &[f32]) {
        with_simd!(fused step_generic(self, st, prev_p, prev_d, feats))
    }

    /// The logits of head `k` from the state's top layer.
    pub fn logits(&self, st: &CondState, k: usize, out: &mut Vec<f32>) {
        with_simd!(logits_generic(self, st, k, out))
    }
}

/// The recurrent state while decoding (one h and c per layer).
#[derive(Clone, Debug, PartialEq)]
pub struct CondState {
    pub h: Vec<Vec<f32>>,
    pub c: Vec<Vec<f32>>,
    z: Vec<f32>,
}

impl CondState {
    pub fn new(spec: &CondSpec) -> CondState {
        CondState {
            h: vec![vec![0.0; spec.n_a]; spec.layers],
            c: vec![vec![0.0; spec.n_a]; spec.layers],
            z: Vec::with_capacity(4 * spec.n_a),
        }
    }
}

#[inline(always)]
fn add_row(z: &mut [f32], row: &[f32], k: f32) {
    for (zj, w) in z.iter_mut().zip(row) {
        *zj += k * w;
    }
}

#[inline(always)]
fn step_generic<M: MulAdd>(
    _: M,
    w: &CondWeights,
    st: &mut CondState,
    p: usize,
    d: usize,
    feats: &[f32],
) {
    let s = &w.spec;
    let g4 = 4 * s.n_a;
    let mut z = std::mem::take(&mut st.z);
    z.clear();
    z.extend_from_slice(&w.bias);
    let p = p.min(s.n_pitch);
    let d = d.min(s.n_dur);
    add_row(&mut z, &w.pitch[p * g4..(p + 1) * g4], 1.0);
    add_row(&mut z, &w.dur[d * g4..(d + 1) * g4], 1.0);
    // The features are mostly one-hot: add only the rows of the non-zero ones.
    for (f, &v) in feats.iter().enumerate().take(s.n_feat) {
        if v != 0.0 {
            add_row(&mut z, &w.feat[f * g4..(f + 1) * g4], v);
        }
    }
    for (k, &hk) in st.h[0].iter().enumerate() {
        add_row(&mut z, &w.recurrent[k * g4..(k + 1) * g4], hk);
    }
    let (h0, rest) = st.h.split_at_mut(1);
    lstm_cell::<M>(&mut z, &mut h0[0], &mut st.c[0]);
    if let Some(l) = &w.second {
        z.clear();
        z.extend_from_slice(&l.bias);
        for (k, &hk) in h0[0].iter().enumerate() {
            add_row(&mut z, &l.input[k * g4..(k + 1) * g4], hk);
        }
        for (k, &hk) in rest[0].iter().enumerate() {
            add_row(&mut z, &l.recurrent[k * g4..(k + 1) * g4], hk);
        }
        lstm_cell::<M>(&mut z, &mut rest[0], &mut st.c[1]);
    }
    st.z = z;
}

#[inline(always)]
fn logits_generic(w: &CondWeights, st: &CondState, k: usize, out: &mut Vec<f32>) {
    let head = &w.heads[k];
    let n = head.bias.len();
    out.clear();
    out.extend_from_slice(&head.bias);
    let h = st.h.last().map_or(&[][..], Vec::as_slice);
    for (kk, &hk) in h.iter().enumerate() {
        add_row(out, &head.kernel[kk * n..(kk + 1) * n], hk);
    }
}

#[cfg(test)]
pub(crate) mod tests;
