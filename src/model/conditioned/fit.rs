//! Training steps for the conditioned network: a batch's gradients and an Adam step, and an
//! epoch over shuffled windows.

use crate::dataset::events::EventWindows;
use crate::model::conditioned::CondWeights;
use crate::model::conditioned::net::{Batch, BatchBuf, CondGrads, batch_grads, dropout_mask};
use crate::model::cpu::parallel::{Parallel, weighted_sum};
use crate::model::exercise::fit::{BatchLoss, shuffled_pass};
use crate::model::exercise::net::Engine;
use crate::model::optim::adam::{AdamSettings, AdamState};
use burn::tensor::Device;
use rand_chacha::ChaCha8Rng;

/// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the weights
/// untouched (and reports NaN).
#[allow(clippy::too_many_arguments)]
pub fn train_batch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    win: &EventWindows,
    idx: &[usize],
    dev: &Device,
    engine: Engine,
    buf: &mut BatchBuf,
    rng: &mut ChaCha8Rng,
) -> BatchLoss {
    let par = std::mem::take(&mut buf.parallel);
    let batch = buf.gather(win, idx);
    let mask = dropout_mask(w, batch.b * batch.tx, rng);
    let g = split_grads(&par, w, &batch, dev, engine, mask.as_deref());
    buf.parallel = par;
    let mut params: Vec<&mut Vec<f32>> = w.arrays.iter_mut().collect();
    let finite = g.loss.is_finite() && opt.step_if_finite(settings, &mut params, &g.grads);
    BatchLoss {
        loss: if finite { g.loss } else { f64::NAN },
        total_nats: g.total_nats,
        targets: g.targets,
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
) -> CondGrads {
    let (tx, a) = (batch.tx, w.spec.n_a);
    combine(par.map_slices(batch.b, &|s, e| {
        let m = mask.map(|m| &m[s * tx * a..e * tx * a]);
        batch_grads(w, &batch.windows(s, e), dev, engine, m)
    }))
}

/// The slices' gradients as the whole batch's: each slice's loss is a mean over its own
/// events, so each counts by its share of the batch's events (slices in order).
fn combine(each: Vec<((usize, usize), CondGrads)>) -> CondGrads {
    let targets: usize = each.iter().map(|(_, g)| g.targets).sum();
    let mut it = each.into_iter().map(|(_, g)| g);
    let Some(mut acc) = it.next() else {
        unreachable!("map_slices gives at least one slice")
    };
    let share = |t: usize| t as f32 / targets.max(1) as f32;
    let rest: Vec<CondGrads> = it.collect();
    if rest.is_empty() {
        return acc;
    }
    let others = rest.iter().map(|g| (share(g.targets), &g.grads[..]));
    weighted_sum(&mut acc.grads, share(acc.targets), others);
    for g in &rest {
        acc.total_nats += g.total_nats;
        acc.targets += g.targets;
    }
    acc.loss = acc.total_nats / acc.targets.max(1) as f64;
    acc
}

/// Mean nats per event of one pass over shuffled windows (training as it goes), each batch
/// split over `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn epoch(
    w: &mut CondWeights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    win: &EventWindows,
    batch: usize,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    (engine, threads): (Engine, usize),
) -> f64 {
    let mut buf = BatchBuf::with_threads(threads);
    let st = shuffled_pass(win.m, batch, rng, &mut |of, rng| {
        let b = train_batch(
            w, opt, settings, win, of.windows, dev, engine, &mut buf, rng,
        );
        (b, true)
    });
    st.nats_per_token
}
