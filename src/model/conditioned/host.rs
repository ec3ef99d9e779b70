//! The conditioned network's whole training step on the host, with no graph: the previous
//! event's rows and the chord/beat features gathered into the first layer's gates, the
//! recurrence of one or two layers (dropout between them), each head's product with its
//! softmax cross-entropy fused, and the backward passes written straight into gradient
//! arrays, into buffers kept from batch to batch (a warm step allocates nothing). Each
//! thread takes a contiguous slice of the batch; the slices' gradients are added in slice
//! order, so results never depend on scheduling. The fused burn operations
//! (`net::batch_grads`) are the reference it is tested against.

mod features;
mod slice;

use crate::model::conditioned::CondWeights;
use crate::model::conditioned::net::Batch;
use crate::model::cpu::parallel::{Parallel, slice_iter};
use crate::model::cpu::pool::{self, Pool};
use crate::model::cpu::reduce::{adam_parts, sum_slices};
use crate::model::fit::BatchLoss;
use crate::model::optim::adam::{AdamSettings, AdamState};
use slice::{Shared, SliceGrads, slice_grads};

/// The buffers of host training steps: one slice's worth per thread.
#[derive(Default)]
pub struct HostStep {
    /// Each slice\'s scratch buffers.
    pools: Vec<Pool>,
    parts: Vec<SliceGrads>,
    bounds: Vec<(usize, usize)>,
    /// The norm of the last batch's gradient.
    norm: f64,
    /// Each window's state after the last batch [B, L, 2, A].
    last: Vec<f32>,
}

impl HostStep {
    /// Gradients of the loss of `batch` (mean nats per event, summed over the heads), with
    /// `mask` the dropout mask over the first layer's outputs [B·T·A], split over the
    /// threads of `par`. Read them with `grads`.
    pub fn run(
        &mut self,
        w: &CondWeights,
        batch: &Batch,
        mask: Option<&[f32]>,
        par: &Parallel,
    ) -> BatchLoss {
        let (a, tx) = (w.spec.n_a, batch.tx);
        let n = batch.b * tx;
        assert!(
            batch.prev_p.len() == n && batch.feats.len() == n * w.spec.n_feat,
            "a batch is [B·T] events with n_feat features each"
        );
        assert!(mask.is_none_or(|m| m.len() == n * a), "the mask is [B·T·A]");
        let state = batch.b * w.spec.state_len();
        assert!(
            batch.init.is_none_or(|s| s.len() == state),
            "the initial states are [B, L, 2, A]"
        );
        self.bounds.clear();
        self.bounds.extend(slice_iter(batch.b, par.threads()));
        let k = self.bounds.len();
        self.parts.resize_with(k.max(1), SliceGrads::default);
        let targets = batch.y_p.iter().filter(|&&t| t >= 0).count();
        let shared = Shared {
            w,
            scale: 1.0 / targets.max(1) as f32,
        };
        let bounds = &self.bounds[..];
        self.pools.resize_with(k, Pool::default);
        let pools = &self.pools[..];
        par.each(&mut self.parts[..k], &|i, part| {
            let (s, e) = bounds[i];
            let m = mask.map(|m| &m[s * tx * a..e * tx * a]);
            // The slice's buffers stay with it, whichever thread runs it.
            pool::scoped(&pools[i], || {
                slice_grads(&shared, &batch.windows(s, e), m, part)
            });
        });
        let total_nats: f64 = self.parts[..k].iter().map(|p| p.total_nats).sum();
        self.last.clear();
        for p in &self.parts[..k] {
            self.last.extend_from_slice(&p.last);
        }
        let (first, rest) = self.parts.split_at_mut(1);
        let rest = &rest[..k.saturating_sub(1)];
        self.norm = sum_slices(
            &mut first[0].grads,
            rest.len(),
            &|s| &rest[s].grads[..],
            par,
        );
        BatchLoss {
            loss: total_nats / targets.max(1) as f64,
            total_nats,
            targets,
        }
    }

    /// Adam's update from the gradients of the last `run`, each thread a part of every
    /// array; false (and nothing changed) when a gradient is NaN or infinite.
    pub fn adam_step(
        &mut self,
        w: &mut CondWeights,
        opt: &mut AdamState,
        settings: &AdamSettings,
        par: &Parallel,
    ) -> bool {
        let g = &self.parts[0].grads;
        adam_parts(w.arrays_iter_mut(), g, self.norm, (opt, settings), par)
    }

    /// Each window's state after its last step in the last `run` [B, L, 2, A] (per layer h
    /// then c), for the windows that carry on from them. No gradient flows back through
    /// it: the next window's loss does not reach this one's steps (truncated BPTT).
    pub fn last_state(&self) -> &[f32] {
        &self.last
    }

    /// The gradients of the last `run`, in `CondWeights::arrays` order.
    pub fn grads(&self) -> &[Vec<f32>] {
        &self.parts[0].grads
    }
}

#[cfg(test)]
mod tests;
