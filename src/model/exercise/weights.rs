//! The jazz LSTM's weights as plain arrays: Keras-style init, and a plain-Rust forward pass.

use crate::model::init::{glorot, orthogonal};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One LSTM layer (gates fused in Keras order i, f, c, o) and a Dense softmax layer.
/// Matrices are row-major: `w_x` is [n_values, 4·n_a], `u` [n_a, 4·n_a], `w_y` [n_a, n_values].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub n_values: usize,
    pub n_a: usize,
    pub w_x: Vec<f32>,
    pub u: Vec<f32>,
    pub b: Vec<f32>,
    pub w_y: Vec<f32>,
    pub b_y: Vec<f32>,
}

use crate::model::cpu::cell::lstm_cell;
use crate::model::cpu::fastmath::{MulAdd, with_simd};

impl Weights {
    /// Keras defaults: Glorot-uniform input and output kernels, orthogonal recurrent kernel,
    /// zero biases except the forget gate's, which is 1.
    pub fn init(n_values: usize, n_a: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w_x = glorot(&mut rng, n_values, 4 * n_a);
        let u = orthogonal(&mut rng, n_a, 4 * n_a);
        let mut b = vec![0.0; 4 * n_a];
        for v in &mut b[n_a..2 * n_a] {
            *v = 1.0;
        }
        let w_y = glorot(&mut rng, n_a, n_values);
        Weights {
            n_values,
            n_a,
            w_x,
            u,
            b,
            w_y,
            b_y: vec![0.0; n_values],
        }
    }

    pub fn params(&self) -> usize {
        self.w_x.len() + self.u.len() + self.b.len() + self.w_y.len() + self.b_y.len()
    }

    /// The parameter arrays in a fixed order (for the optimiser and for saving).
    pub fn arrays_mut(&mut self) -> [&mut Vec<f32>; 5] {
        [
            &mut self.w_x,
            &mut self.u,
            &mut self.b,
            &mut self.w_y,
            &mut self.b_y,
        ]
    }

    /// Checks that every array has the size `n_values` and `n_a` call for.
    pub fn check(&self) -> Result<(), String> {
        let (v, a) = (self.n_values, self.n_a);
        let want = [v * 4 * a, a * 4 * a, 4 * a, a * v, v];
        let got = [
            self.w_x.len(),
            self.u.len(),
            self.b.len(),
            self.w_y.len(),
            self.b_y.len(),
        ];
        if want != got {
            return Err(format!(
                "weight shapes {got:?} do not fit n_values {v} and n_a {a}"
            ));
        }
        if [&self.w_x, &self.u, &self.b, &self.w_y, &self.b_y]
            .iter()
            .any(|w| w.iter().any(|x| !x.is_finite()))
        {
            return Err("weights contain NaN or infinity".into());
        }
        Ok(())
    }

    /// One LSTM step from input index `x` (`None` = the zero vector), updating `h` and `c`.
    pub fn step(&self, x: Option<usize>, h: &mut [f32], c: &mut [f32], z: &mut Vec<f32>) {
        with_simd!(fused step_generic(self, x, h, c, z))
    }

    /// Output logits for hidden state `h`.
    pub fn logits(&self, h: &[f32], out: &mut Vec<f32>) {
        with_simd!(logits_generic(self, h, out))
    }

    /// Summed cross-entropy (nats) and the number of targets over windows, in plain Rust.
    pub fn loss(&self, x: &[i32], y: &[i32], m: usize, tx: usize) -> (f64, usize) {
        let (mut total, mut n) = (0.0f64, 0usize);
        let mut z = Vec::new();
        let mut logits = Vec::new();
        for i in 0..m {
            let mut h = vec![0.0; self.n_a];
            let mut c = vec![0.0; self.n_a];
            for t in 0..tx {
                let xi = x[i * tx + t];
                self.step((xi >= 0).then_some(xi as usize), &mut h, &mut c, &mut z);
                let yi = y[i * tx + t];
                if yi < 0 || yi as usize >= self.n_values {
                    continue;
                }
                self.logits(&h, &mut logits);
                let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let lse = max as f64
                    + logits
                        .iter()
                        .map(|&l| ((l - max) as f64).exp())
                        .sum::<f64>()
                        .ln();
                total += lse - logits[yi as usize] as f64;
                n += 1;
            }
        }
        (total, n)
    }
}

#[inline(always)]
fn step_generic<M: MulAdd>(
    _: M,
    wt: &Weights,
    x: Option<usize>,
    h: &mut [f32],
    c: &mut [f32],
    z: &mut Vec<f32>,
) {
    let a = wt.n_a;
    z.clear();
    z.extend_from_slice(&wt.b);
    if let Some(x) = x.filter(|&x| x < wt.n_values) {
        for (zj, w) in z.iter_mut().zip(&wt.w_x[x * 4 * a..(x + 1) * 4 * a]) {
            *zj += w;
        }
    }
    for (&hk, row) in h.iter().zip(wt.u.chunks_exact(4 * a)) {
        for (zj, w) in z.iter_mut().zip(row) {
            *zj += hk * w;
        }
    }
    lstm_cell::<M>(z, h, c);
}

#[inline(always)]
fn logits_generic(wt: &Weights, h: &[f32], out: &mut Vec<f32>) {
    out.clear();
    out.extend_from_slice(&wt.b_y);
    for (&hk, row) in h.iter().zip(wt.w_y.chunks_exact(wt.n_values)) {
        for (o, w) in out.iter_mut().zip(row) {
            *o += hk * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_keras_like_and_seeded() {
        let w = Weights::init(10, 8, 1);
        assert_eq!(w, Weights::init(10, 8, 1));
        assert_ne!(w, Weights::init(10, 8, 2));
        assert!(w.check().is_ok());
        assert_eq!(&w.b[8..16], &[1.0; 8]);
        // Recurrent rows are orthonormal.
        for i in 0..8 {
            for j in 0..8 {
                let d: f32 = (0..32).map(|k| w.u[i * 32 + k] * w.u[j * 32 + k]).sum();
                assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-5);
            }
        }
        let limit = (6.0f32 / 42.0).sqrt();
        assert!(w.w_x.iter().all(|v| v.abs() <= limit));
    }

    #[test]
    fn uniform_output_costs_ln_v() {
        let mut w = Weights::init(5, 4, 0);
        w.w_y.iter_mut().for_each(|v| *v = 0.0);
        let (l, n) = w.loss(&[-1, 0], &[1, -1], 1, 2);
        assert_eq!(n, 1);
        assert!((l - 5f64.ln()).abs() < 1e-6);
    }
}
