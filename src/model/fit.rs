//! One pass over training windows: shuffled mini-batches, gradients from burn, an Adam step each.

use super::adam::{AdamSettings, AdamState};
use super::net::batch_grads;
use super::weights::Weights;
use crate::dataset::Windows;
use burn::tensor::Device;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// What an epoch measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EpochStats {
    /// The exercise's loss: batch-size-weighted mean of the batch losses.
    pub loss: f64,
    /// Mean cross-entropy per target token, in nats.
    pub nats_per_token: f64,
    pub targets: usize,
    pub batches: usize,
    /// False when the callback asked to stop early.
    pub completed: bool,
}

/// Trains one epoch; `on_batch(batch, batches, nats_per_token)` returns false to stop.
#[allow(clippy::too_many_arguments)]
pub fn epoch(
    w: &mut Weights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    win: &Windows,
    batch: usize,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    on_batch: &mut dyn FnMut(usize, usize, f64) -> bool,
) -> EpochStats {
    let tx = win.tx;
    let mut order: Vec<usize> = (0..win.m).collect();
    order.shuffle(rng);
    let batch = batch.max(1);
    let batches = win.m.div_ceil(batch);
    let mut st = EpochStats {
        batches,
        completed: true,
        ..Default::default()
    };
    let (mut weighted, mut nats) = (0.0, 0.0);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (bi, chunk) in order.chunks(batch).enumerate() {
        x.clear();
        y.clear();
        for &i in chunk {
            x.extend_from_slice(&win.x[i * tx..(i + 1) * tx]);
            y.extend_from_slice(&win.y[i * tx..(i + 1) * tx]);
        }
        let mut g = batch_grads(w, &x, &y, chunk.len(), tx, dev);
        weighted += g.loss * chunk.len() as f64;
        nats += g.total_nats;
        st.targets += g.targets;
        let batch_nats = g.total_nats / g.targets.max(1) as f64;
        if g.loss.is_finite() {
            opt.step(settings, &mut w.arrays_mut(), &mut g.grads);
        }
        if !g.loss.is_finite() || !on_batch(bi + 1, batches, batch_nats) {
            st.completed = false;
            st.loss = if g.loss.is_finite() {
                weighted / win.m.max(1) as f64
            } else {
                g.loss
            };
            st.nats_per_token = nats / st.targets.max(1) as f64;
            return st;
        }
    }
    st.loss = weighted / win.m.max(1) as f64;
    st.nats_per_token = nats / st.targets.max(1) as f64;
    st
}
