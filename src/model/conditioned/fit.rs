//! Training steps for the conditioned network: a batch's gradients and an Adam step, and an
//! epoch over shuffled windows.

use crate::dataset::events::EventWindows;
use crate::model::conditioned::CondWeights;
use crate::model::conditioned::net::{Batch, BatchScratch, batch_grads, windows_nats};
use crate::model::cpu::parallel::Parallel;
use crate::model::fit::{BatchLoss, Step, Trainable, shuffled_pass};
use crate::model::grads::{Grads, Share, split};
use crate::model::net::{CondNet, Net};
use crate::model::optim::adam::AdamState;
use crate::model::{BackendKind, Engine, device};
use burn::tensor::Device;
use rand_chacha::ChaCha8Rng;

/// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the weights
/// untouched (and reports NaN).
pub fn train_batch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    step: &Step<'_>,
    windows: (&EventWindows, &[usize]),
    scratch: &mut BatchScratch,
    rng: &mut ChaCha8Rng,
) -> BatchLoss {
    let (batch, mask, host) = scratch.prepare(windows, w, rng);
    let (par, settings) = (step.parallel, step.settings);
    let (g, stepped) = if step.engine == Engine::Host {
        let g = host.run(w, &batch, mask, par);
        let stepped = g.loss.is_finite() && host.adam_step(w, opt, settings, par);
        (g, stepped)
    } else {
        let g = split_grads(par, w, &batch, step.dev, step.engine, mask);
        let stepped =
            g.loss.is_finite() && opt.step_if_finite(settings, &mut w.arrays_mut(), &g.grads);
        let (loss, total_nats, targets) = (g.loss, g.total_nats, g.targets);
        (
            BatchLoss {
                loss,
                total_nats,
                targets,
            },
            stepped,
        )
    };
    BatchLoss {
        loss: if stepped { g.loss } else { f64::NAN },
        ..g
    }
}

/// `batch_grads` with the batch's windows split over the threads of `par`.
pub(crate) fn split_grads(
    par: &Parallel,
    w: &CondWeights,
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> Grads<Vec<Vec<f32>>> {
    let (tx, a) = (batch.tx, w.spec.n_a);
    split(par, batch.b, Share::Targets, &|s, e| {
        let m = mask.map(|m| &m[s * tx * a..e * tx * a]);
        batch_grads(w, &batch.windows(s, e), dev, engine, m)
    })
}

/// Mean nats per event of one pass over shuffled windows (training as it goes), each batch
/// split over the threads of `step`.
pub fn epoch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    step: &Step<'_>,
    (win, batch): (&EventWindows, usize),
    rng: &mut ChaCha8Rng,
    scratch: &mut BatchScratch,
) -> f64 {
    let st = shuffled_pass(win.m, batch, rng, &mut |of, rng| {
        (
            train_batch(w, opt, step, (win, of.windows), scratch, rng),
            true,
        )
    });
    st.nats_per_token
}

impl Trainable for CondNet {
    type Windows = EventWindows;
    type Scratch = BatchScratch;

    fn windows(win: &EventWindows) -> usize {
        win.m
    }

    fn train_batch(
        &mut self,
        opt: &mut AdamState,
        step: &Step<'_>,
        batch: (&EventWindows, &[usize]),
        scratch: &mut BatchScratch,
        rng: &mut ChaCha8Rng,
    ) -> BatchLoss {
        train_batch(&mut self.weights, opt, step, batch, scratch, rng)
    }

    /// Mean nats per validation event (summed over the pitch and duration heads).
    fn validate(&self, val: &EventWindows, backend: BackendKind) -> Option<f64> {
        if val.m == 0 {
            return None;
        }
        let (nats, n) = windows_nats(&self.weights, val, 64, &device(backend, false));
        (n > 0).then(|| nats / n as f64)
    }

    fn arrays(&self) -> Vec<&Vec<f32>> {
        self.weights.arrays()
    }

    fn to_net(&self) -> Net {
        Net::Conditioned(self.clone())
    }
}
