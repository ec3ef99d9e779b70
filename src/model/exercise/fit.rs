//! Training the exercise network: a batch's gradients (the whole step by hand on the host, or
//! from burn) and an Adam step, and an epoch over shuffled windows.

use crate::dataset::Windows;
use crate::model::exercise::host::HostStep;
use crate::model::exercise::net::batch_grads;
use crate::model::exercise::weights::Weights;
use crate::model::fit::{BatchLoss, EpochStats, Step, Trainable, shuffled_pass};
use crate::model::grads::{Share, split};
use crate::model::net::Net;
use crate::model::optim::adam::AdamState;
use crate::model::{BackendKind, Engine};
use rand_chacha::ChaCha8Rng;

/// Reusable input/target buffers for `train_batch`, and the host step's buffers.
#[derive(Default)]
pub struct BatchScratch {
    x: Vec<i32>,
    y: Vec<i32>,
    host: HostStep,
}

/// Trains the exercise network one epoch; `on_batch(batch, batches, nats_per_token)`
/// returns false to stop.
pub fn epoch(
    w: &mut Weights,
    opt: &mut AdamState,
    step: &Step<'_>,
    (win, batch): (&Windows, usize),
    rng: &mut ChaCha8Rng,
    scratch: &mut BatchScratch,
    on_batch: &mut dyn FnMut(usize, usize, f64) -> bool,
) -> EpochStats {
    shuffled_pass(win.m, batch, rng, &mut |of, _| {
        let b = train_batch(w, opt, step, (win, of.windows), scratch);
        let go = b.loss.is_finite() && on_batch(of.number, of.batches, b.nats_per_token());
        (b, go)
    })
}

/// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the weights
/// untouched.
pub fn train_batch(
    w: &mut Weights,
    opt: &mut AdamState,
    step: &Step<'_>,
    (win, idx): (&Windows, &[usize]),
    buf: &mut BatchScratch,
) -> BatchLoss {
    let tx = win.tx;
    buf.x.clear();
    buf.y.clear();
    for &i in idx {
        buf.x.extend_from_slice(&win.x[i * tx..(i + 1) * tx]);
        buf.y.extend_from_slice(&win.y[i * tx..(i + 1) * tx]);
    }
    let (par, settings) = (step.parallel, step.settings);
    // The loss, summed nats and targets, and whether Adam stepped (not for a non-finite
    // loss or gradient: then the weights stay as they were and the loss reads NaN).
    let (loss, total_nats, targets, stepped) = if step.engine == Engine::Host {
        let st = buf.host.run(w, &buf.x, &buf.y, idx.len(), tx, par);
        let stepped = st.loss.is_finite() && buf.host.adam_step(w, opt, settings, par);
        (st.loss, st.total_nats, st.targets, stepped)
    } else {
        let (x, y, weights) = (&buf.x, &buf.y, &*w);
        let (n, dev, engine) = (idx.len(), step.dev, step.engine);
        let g = split(par, n, Share::Windows, &|s, e| {
            let rows = s * tx..e * tx;
            batch_grads(weights, &x[rows.clone()], &y[rows], e - s, tx, dev, engine)
        });
        let stepped =
            g.loss.is_finite() && opt.step_if_finite(settings, &mut w.arrays_mut(), &g.grads);
        (g.loss, g.total_nats, g.targets, stepped)
    };
    BatchLoss {
        loss: if stepped { loss } else { f64::NAN },
        total_nats,
        targets,
    }
}

impl Trainable for Weights {
    type Windows = Windows;
    type Scratch = BatchScratch;

    fn windows(win: &Windows) -> usize {
        win.m
    }

    fn train_batch(
        &mut self,
        opt: &mut AdamState,
        step: &Step<'_>,
        batch: (&Windows, &[usize]),
        scratch: &mut BatchScratch,
        _rng: &mut ChaCha8Rng,
    ) -> BatchLoss {
        train_batch(self, opt, step, batch, scratch)
    }

    /// Mean nats per validation token, in plain Rust (no graph needed).
    fn validate(&self, val: &Windows, _backend: BackendKind) -> Option<f64> {
        if val.m == 0 {
            return None;
        }
        let (nats, n) = crate::model::exercise::host::loss(self, &val.x, &val.y, val.m, val.tx);
        (n > 0).then(|| nats / n as f64)
    }

    fn arrays(&self) -> Vec<&Vec<f32>> {
        vec![&self.w_x, &self.u, &self.b, &self.w_y, &self.b_y]
    }

    fn to_net(&self) -> Net {
        Net::Exercise(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cpu::parallel::Parallel;
    use crate::model::device;
    use crate::model::grads::Grads;

    /// Gradients of one batch of 12 windows, on `threads` threads.
    fn grads_on(threads: usize) -> Grads<[Vec<f32>; 5]> {
        let (v, tx, b) = (9usize, 7usize, 12usize);
        let w = Weights::init(v, 16, 3);
        let x: Vec<i32> = (0..b * tx).map(|i| ((i * 5 + i / 3) % v) as i32).collect();
        let y: Vec<i32> = (0..b * tx).map(|i| ((i * 7 + 2) % v) as i32).collect();
        let dev = device(BackendKind::Flex, true);
        split(&Parallel::new(threads), b, Share::Windows, &|s, e| {
            batch_grads(
                &w,
                &x[s * tx..e * tx],
                &y[s * tx..e * tx],
                e - s,
                tx,
                &dev,
                Engine::Fused,
            )
        })
    }

    #[test]
    fn two_threads_give_one_thread_s_gradients_and_the_same_ones_every_run() {
        let one = grads_on(1);
        let two = grads_on(2);
        let three = grads_on(3);
        assert!((one.loss - two.loss).abs() < 1e-5 * one.loss.abs().max(1.0));
        assert_eq!(one.targets, two.targets);
        for other in [&two, &three] {
            for (a, b) in one.grads.iter().zip(&other.grads) {
                for (p, q) in a.iter().zip(b) {
                    assert!((p - q).abs() <= 1e-5 * p.abs().max(1e-2), "{p} vs {q}");
                }
            }
        }
        // Summed in slice order: bit for bit the same on every run.
        let again = grads_on(2);
        assert_eq!(two.loss.to_bits(), again.loss.to_bits());
        assert!(two.grads.iter().zip(&again.grads).all(|(a, b)| a == b));
    }
}
