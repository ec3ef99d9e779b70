//! Adam as Keras applies it (bias correction folded into the step size, epsilon outside the
//! root), with per-update learning-rate decay and optional gradient-norm clipping.

use crate::model::cpu::fastmath::with_simd;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdamSettings {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    /// lr_t = lr / (1 + decay · updates)
    pub decay: f64,
    /// Rescale the whole gradient to at most this norm.
    pub clip: Option<f32>,
}

impl Default for AdamSettings {
    fn default() -> Self {
        AdamSettings {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            decay: 0.01,
            clip: None,
        }
    }
}

/// The moments and update count: everything a resumed run needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdamState {
    pub updates: u64,
    pub m: Vec<Vec<f32>>,
    pub v: Vec<Vec<f32>>,
}

impl AdamState {
    /// The learning rate the next update will use.
    pub fn lr(&self, s: &AdamSettings) -> f64 {
        s.lr / (1.0 + s.decay * self.updates as f64)
    }

    /// Applies one update to `params` from `grads` (same shapes, same order).
    pub fn step(&mut self, s: &AdamSettings, params: &mut [&mut Vec<f32>], grads: &[Vec<f32>]) {
        let norm = if s.clip.is_some() {
            grad_norm(grads)
        } else {
            0.0
        };
        self.step_with_norm(s, params, grads, norm);
    }

    /// `step`, unless a gradient is NaN or infinite: then nothing changes and it returns
    /// false. One pass over the gradients finds both that and the norm clipping needs.
    pub fn step_if_finite(
        &mut self,
        s: &AdamSettings,
        params: &mut [&mut Vec<f32>],
        grads: &[Vec<f32>],
    ) -> bool {
        let norm = grad_norm(grads);
        if !norm.is_finite() {
            return false;
        }
        self.step_with_norm(s, params, grads, norm);
        true
    }

    fn step_with_norm(
        &mut self,
        s: &AdamSettings,
        params: &mut [&mut Vec<f32>],
        grads: &[Vec<f32>],
        norm: f64,
    ) {
        let c = self.begin(s, params.iter().map(|p| p.len()), norm);
        for (k, p) in params.iter_mut().enumerate() {
            update(c, p, &mut self.m[k], &mut self.v[k], &grads[k]);
        }
    }

    /// Starts an update of arrays of these lengths whose gradients have norm `norm`: makes
    /// the moments on first use, counts the update, and returns what `update` applies to
    /// each array (or each part of one: element by element, parts can go to threads).
    pub fn begin(
        &mut self,
        s: &AdamSettings,
        lens: impl ExactSizeIterator<Item = usize> + Clone,
        norm: f64,
    ) -> Coeffs {
        if self.m.len() != lens.len() || self.m.iter().zip(lens.clone()).any(|(m, n)| m.len() != n)
        {
            self.m = lens.map(|n| vec![0.0; n]).collect();
            self.v = self.m.clone();
        }
        let scale = match s.clip {
            Some(clip) if norm > clip as f64 => (clip as f64 / norm) as f32,
            _ => 1.0,
        };
        let lr = self.lr(s);
        self.updates += 1;
        let t = self.updates as f64;
        let lr_t = (lr * (1.0 - s.beta2.powf(t)).sqrt() / (1.0 - s.beta1.powf(t))) as f32;
        let (b1, b2, eps) = (s.beta1 as f32, s.beta2 as f32, s.epsilon as f32);
        Coeffs {
            b1,
            b2,
            eps,
            lr_t,
            scale,
        }
    }
}

/// The Euclidean norm of all gradients together, summed in f64 (NaN or infinite when a
/// gradient is).
pub fn grad_norm(grads: &[Vec<f32>]) -> f64 {
    grads.iter().map(|g| sum_squares(g)).sum::<f64>().sqrt()
}

pub fn sum_squares(g: &[f32]) -> f64 {
    with_simd!(sum_squares_generic(g))
}

/// Eight lanes, so the loop vectorizes.
#[inline(always)]
fn sum_squares_generic(g: &[f32]) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = g.chunks_exact(8);
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum();
    for c in chunks {
        for k in 0..8 {
            acc[k] += f64::from(c[k]) * f64::from(c[k]);
        }
    }
    acc.iter().sum::<f64>() + rest
}

/// One update's coefficients; `scale` is the clipping factor for the gradients.
#[derive(Clone, Copy, Debug)]
pub struct Coeffs {
    b1: f32,
    b2: f32,
    eps: f32,
    lr_t: f32,
    scale: f32,
}

/// One array's update (or a part of one) in a single pass over parameters, moments and
/// gradients.
pub fn update(c: Coeffs, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
    with_simd!(update_generic(c, p, m, v, g))
}

#[inline(always)]
fn update_generic(c: Coeffs, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
    let n = p.len();
    let (m, v, g) = (&mut m[..n], &mut v[..n], &g[..n]);
    for j in 0..n {
        let g = g[j] * c.scale;
        m[j] = c.b1 * m[j] + (1.0 - c.b1) * g;
        v[j] = c.b2 * v[j] + (1.0 - c.b2) * g * g;
        p[j] -= c.lr_t * m[j] / (v[j].sqrt() + c.eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_weight_by_about_lr_against_its_gradient() {
        let s = AdamSettings::default();
        let mut st = AdamState::default();
        let mut p = vec![1.0f32, -1.0];
        st.step(&s, &mut [&mut p], &[vec![0.5, -2.0]]);
        assert!((p[0] - (1.0 - 0.01)).abs() < 1e-5, "{p:?}");
        assert!((p[1] - (-1.0 + 0.01)).abs() < 1e-5, "{p:?}");
        assert_eq!(st.updates, 1);
        assert!((st.lr(&s) - 0.01 / 1.01).abs() < 1e-12);
    }

    #[test]
    fn clipping_bounds_the_gradient_norm() {
        let s = AdamSettings {
            clip: Some(1.0),
            ..Default::default()
        };
        let g = vec![vec![30.0f32, 40.0]];
        let mut p = vec![0.0f32, 0.0];
        let mut st = AdamState::default();
        st.step(&s, &mut [&mut p], &g);
        // The first moment is (1 − β1) times the clipped gradient (0.6, 0.8).
        let m = &st.m[0];
        assert!(
            (m[0] - 0.06).abs() < 1e-6 && (m[1] - 0.08).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn a_nan_or_infinite_gradient_changes_nothing() {
        let s = AdamSettings::default();
        for bad in [f32::NAN, f32::INFINITY] {
            let mut st = AdamState::default();
            let mut p = vec![1.0f32; 20];
            let mut g = vec![vec![0.1f32; 20]];
            g[0][13] = bad;
            assert!(!st.step_if_finite(&s, &mut [&mut p], &g));
            assert!(p.iter().all(|&x| x == 1.0) && st.updates == 0);
        }
        let mut st = AdamState::default();
        let mut p = vec![1.0f32; 20];
        assert!(st.step_if_finite(&s, &mut [&mut p], &[vec![0.1f32; 20]]));
        assert!(p.iter().all(|&x| x < 1.0) && st.updates == 1);
        // Nineteen lanes: the remainder counts too.
        assert!((grad_norm(&[vec![2.0f32; 19]]) - (4.0f64 * 19.0).sqrt()).abs() < 1e-12);
    }
}
