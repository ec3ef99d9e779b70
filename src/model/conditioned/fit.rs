//! Training steps for the conditioned network: a batch's gradients and an Adam step, and an
//! epoch over shuffled windows, or lane by lane over windows that carry their state.

use crate::dataset::events::{EventWindows, lanes};
use crate::model::conditioned::CondWeights;
use crate::model::conditioned::long_pass::pieces_nats;
use crate::model::conditioned::net::{
    Batch, BatchScratch, FUSED_CANNOT_CARRY, batch_grads_carried, windows_nats,
};
use crate::model::cpu::parallel::Parallel;
use crate::model::fit::{BatchLoss, Step, Trainable, pass, shuffled_pass};
use crate::model::grads::{Grads, Share, split_with};
use crate::model::net::{CondNet, Net};
use crate::model::optim::adam::AdamState;
use crate::model::{BackendKind, Engine, device};
use burn::tensor::Device;
use rand_chacha::ChaCha8Rng;

/// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the weights
/// untouched (and reports NaN). A window that carries on its piece starts from the state
/// its lane's window of the last batch ended in (the scratch keeps it); the fused engine
/// cannot, and panics (`FUSED_CANNOT_CARRY`) rather than start it from zero.
pub fn train_batch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    step: &Step<'_>,
    windows: (&EventWindows, &[usize]),
    scratch: &mut BatchScratch,
    rng: &mut ChaCha8Rng,
) -> BatchLoss {
    let carried = windows.0.carried();
    let (batch, mask, host) = scratch.prepare(windows, w, rng);
    let (par, settings) = (step.parallel, step.settings);
    let (g, stepped) = if step.engine == Engine::Host {
        let g = host.run(w, &batch, mask, par);
        let stepped = g.loss.is_finite() && host.adam_step(w, opt, settings, par);
        if carried {
            scratch.keep_host_state();
        }
        (g, stepped)
    } else {
        assert!(
            !carried || step.engine != Engine::Fused,
            "{FUSED_CANNOT_CARRY}"
        );
        let (g, last) = split_grads(par, w, &batch, step.dev, step.engine, mask);
        if let Some(last) = last.filter(|_| carried) {
            scratch.keep_state(&last);
        }
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

/// `batch_grads_carried` with the batch's windows split over the threads of `par`: the
/// gradients, and each window's state after its last step where the engine gives it.
pub(crate) fn split_grads(
    par: &Parallel,
    w: &CondWeights,
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> (Grads<Vec<Vec<f32>>>, Option<Vec<f32>>) {
    let (tx, a) = (batch.tx, w.spec.n_a);
    let (g, lasts) = split_with(par, batch.b, Share::Targets, &|s, e| {
        let m = mask.map(|m| &m[s * tx * a..e * tx * a]);
        batch_grads_carried(w, &batch.windows(s, e), dev, engine, m)
    });
    let last: Option<Vec<Vec<f32>>> = lasts.into_iter().collect();
    (g, last.map(|l| l.concat()))
}

/// Mean nats per event of one pass (training as it goes) over shuffled windows, or lane by
/// lane (`batch` lanes) over windows that carry their state, each batch split over the
/// threads of `step`.
pub fn epoch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    step: &Step<'_>,
    (win, batch): (&EventWindows, usize),
    rng: &mut ChaCha8Rng,
    scratch: &mut BatchScratch,
) -> f64 {
    let mut train = |of: crate::model::fit::BatchOf<'_>, rng: &mut ChaCha8Rng| {
        let b = train_batch(w, opt, step, (win, of.windows), scratch, rng);
        (b, true)
    };
    let st = match CondNet::lanes(win, batch, rng) {
        Some(l) => pass(l.iter().map(Vec::as_slice), win.m, rng, &mut train),
        None => shuffled_pass(win.m, batch, rng, &mut train),
    };
    st.nats_per_token
}

impl Trainable for CondNet {
    type Windows = EventWindows;
    type Scratch = BatchScratch;

    fn windows(win: &EventWindows) -> usize {
        win.m
    }

    fn lanes(win: &EventWindows, batch: usize, rng: &mut ChaCha8Rng) -> Option<Vec<Vec<usize>>> {
        win.carried().then(|| lanes::batches(win, batch, rng))
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

    /// Mean nats per validation event (summed over the pitch and duration heads): each
    /// window from a zero state, or with windows that carry their state each piece in one
    /// long pass.
    fn validate(&self, val: &EventWindows, backend: BackendKind) -> Option<f64> {
        if val.m == 0 {
            return None;
        }
        let (nats, n) = if val.carried() {
            pieces_nats(&self.weights, val)
        } else {
            windows_nats(&self.weights, val, 64, &device(backend, false))
        };
        (n > 0).then(|| nats / n as f64)
    }

    fn arrays(&self) -> Vec<&Vec<f32>> {
        self.weights.arrays()
    }

    fn to_net(&self) -> Net {
        Net::Conditioned(self.clone())
    }
}
