//! One pass over training windows: shuffled mini-batches, gradients from burn, an Adam step each.

use crate::dataset::Windows;
use crate::model::cpu::parallel::Parallel;
use crate::model::exercise::host::HostStep;
use crate::model::exercise::net::{Engine, batch_grads};
use crate::model::exercise::weights::Weights;
use crate::model::optim::adam::{AdamSettings, AdamState};
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
    /// The batch whose loss was NaN or infinite, when one was.
    pub nonfinite_at: Option<usize>,
}

/// One batch of a pass: its number (from 1), how many the pass has, and its windows.
pub struct BatchOf<'a> {
    pub number: usize,
    pub batches: usize,
    pub windows: &'a [usize],
}

/// The one training loop every model kind and front end shares: `m` windows in a shuffled
/// order, `batch` at a time. `step` trains on one batch and returns its loss and whether to
/// go on (the loss counts either way); a non-finite loss stops the pass
/// (`EpochStats::nonfinite_at` names the batch).
pub fn shuffled_pass(
    m: usize,
    batch: usize,
    rng: &mut ChaCha8Rng,
    step: &mut dyn FnMut(BatchOf<'_>, &mut ChaCha8Rng) -> (BatchLoss, bool),
) -> EpochStats {
    crate::model::keep_freed_memory();
    let mut order: Vec<usize> = (0..m).collect();
    order.shuffle(rng);
    let batch = batch.max(1);
    let batches = m.div_ceil(batch);
    let mut st = EpochStats {
        batches,
        completed: true,
        ..Default::default()
    };
    let (mut weighted, mut nats) = (0.0, 0.0);
    for (bi, chunk) in order.chunks(batch).enumerate() {
        let of = BatchOf {
            number: bi + 1,
            batches,
            windows: chunk,
        };
        let (b, go) = step(of, rng);
        if !b.loss.is_finite() {
            st.completed = false;
            st.nonfinite_at = Some(bi + 1);
            st.loss = b.loss;
            st.nats_per_token = nats / st.targets.max(1) as f64;
            return st;
        }
        weighted += b.loss * chunk.len() as f64;
        nats += b.total_nats;
        st.targets += b.targets;
        if !go {
            st.completed = false;
            break;
        }
    }
    st.loss = weighted / m.max(1) as f64;
    st.nats_per_token = nats / st.targets.max(1) as f64;
    st
}

/// Trains the exercise network one epoch on one thread; `on_batch(batch, batches,
/// nats_per_token)` returns false to stop.
#[allow(clippy::too_many_arguments)]
pub fn epoch(
    w: &mut Weights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    win: &Windows,
    batch: usize,
    rng: &mut ChaCha8Rng,
    dev: &Device,
    engine: Engine,
    on_batch: &mut dyn FnMut(usize, usize, f64) -> bool,
) -> EpochStats {
    let mut buf = BatchBuffers::default();
    let args = (win, batch, dev, engine);
    epoch_with(w, opt, settings, args, rng, &mut buf, on_batch)
}

/// `epoch` with the caller's buffers and threads (`BatchBuffers::with_threads`).
pub fn epoch_with(
    w: &mut Weights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    (win, batch, dev, engine): (&Windows, usize, &Device, Engine),
    rng: &mut ChaCha8Rng,
    buf: &mut BatchBuffers,
    on_batch: &mut dyn FnMut(usize, usize, f64) -> bool,
) -> EpochStats {
    shuffled_pass(win.m, batch, rng, &mut |of, _| {
        let b = train_batch(w, opt, settings, win, of.windows, dev, engine, buf);
        let go = b.loss.is_finite() && on_batch(of.number, of.batches, b.nats_per_token());
        (b, go)
    })
}

/// Reusable input/target buffers for `train_batch`, and the threads it splits batches over.
#[derive(Default)]
pub struct BatchBuffers {
    x: Vec<i32>,
    y: Vec<i32>,
    pub parallel: Parallel,
    host: HostStep,
}

impl BatchBuffers {
    /// Buffers for training on `threads` threads (0: one per core).
    pub fn with_threads(threads: usize) -> BatchBuffers {
        BatchBuffers {
            parallel: Parallel::new(threads),
            ..Default::default()
        }
    }
}

/// What one batch measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchLoss {
    /// The exercise's loss for the batch (summed over steps).
    pub loss: f64,
    pub total_nats: f64,
    pub targets: usize,
}

impl BatchLoss {
    pub fn nats_per_token(&self) -> f64 {
        self.total_nats / self.targets.max(1) as f64
    }
}

/// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the weights
/// untouched.
#[allow(clippy::too_many_arguments)]
pub fn train_batch(
    w: &mut Weights,
    opt: &mut AdamState,
    settings: &AdamSettings,
    win: &Windows,
    idx: &[usize],
    dev: &Device,
    engine: Engine,
    buf: &mut BatchBuffers,
) -> BatchLoss {
    let tx = win.tx;
    buf.x.clear();
    buf.y.clear();
    for &i in idx {
        buf.x.extend_from_slice(&win.x[i * tx..(i + 1) * tx]);
        buf.y.extend_from_slice(&win.y[i * tx..(i + 1) * tx]);
    }
    // The loss, summed nats and targets, and whether Adam stepped (not for a non-finite
    // loss or gradient: then the weights stay as they were and the loss reads NaN).
    let (loss, total_nats, targets, stepped) = if engine == Engine::Host {
        let st = buf
            .host
            .run(w, &buf.x, &buf.y, idx.len(), tx, &buf.parallel);
        let stepped = st.loss.is_finite() && buf.host.adam_step(w, opt, settings, &buf.parallel);
        (st.loss, st.total_nats, st.targets, stepped)
    } else {
        let (x, y, weights) = (&buf.x, &buf.y, &*w);
        let g = buf.parallel.batch_grads(idx.len(), &|s, e| {
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
