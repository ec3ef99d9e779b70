//! What training any network takes: the shuffled pass over windows every kind and front end
//! shares, what a batch and an epoch measured, the step context and the `Trainable` trait
//! the trainer is generic over.

use crate::model::cpu::parallel::Parallel;
use crate::model::net::Net;
use crate::model::optim::adam::{AdamSettings, AdamState};
use crate::model::{BackendKind, Engine};
use burn::tensor::Device;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// What every training step is given besides the network, its optimiser and its windows.
#[derive(Clone, Copy)]
pub struct Step<'a> {
    pub settings: &'a AdamSettings,
    pub dev: &'a Device,
    pub engine: Engine,
    /// The threads a batch is split over.
    pub parallel: &'a Parallel,
}

impl<'a> Step<'a> {
    pub fn new(
        settings: &'a AdamSettings,
        dev: &'a Device,
        engine: Engine,
        parallel: &'a Parallel,
    ) -> Step<'a> {
        Step {
            settings,
            dev,
            engine,
            parallel,
        }
    }
}

/// A network the trainer can train without knowing its kind.
pub trait Trainable: Clone {
    /// The training or validation windows of this kind.
    type Windows;
    /// Buffers kept from batch to batch.
    type Scratch: Default;

    /// How many windows `win` holds.
    fn windows(win: &Self::Windows) -> usize;

    /// One epoch's batches in order when they are not `batch` shuffled windows at a time:
    /// windows that carry their state go lane by lane (`dataset::events::lanes`).
    fn lanes(
        _win: &Self::Windows,
        _batch: usize,
        _rng: &mut ChaCha8Rng,
    ) -> Option<Vec<Vec<usize>>> {
        None
    }

    /// Gradients for the windows `idx` and one Adam step; a non-finite loss leaves the
    /// weights untouched and reads NaN.
    fn train_batch(
        &mut self,
        opt: &mut AdamState,
        step: &Step<'_>,
        batch: (&Self::Windows, &[usize]),
        scratch: &mut Self::Scratch,
        rng: &mut ChaCha8Rng,
    ) -> BatchLoss;

    /// Mean nats per validation target (None without validation windows).
    fn validate(&self, val: &Self::Windows, backend: BackendKind) -> Option<f64>;

    /// The parameter arrays in storage order.
    fn arrays(&self) -> Vec<&Vec<f32>>;

    /// The network as a bundle holds it.
    fn to_net(&self) -> Net;

    fn params(&self) -> usize {
        self.arrays().iter().map(|a| a.len()).sum()
    }
}

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
    let mut order: Vec<usize> = (0..m).collect();
    order.shuffle(rng);
    pass(order.chunks(batch.max(1)), m, rng, step)
}

/// `shuffled_pass` over given batches in their order (`m` windows in all).
pub fn pass<'a>(
    batches: impl ExactSizeIterator<Item = &'a [usize]>,
    m: usize,
    rng: &mut ChaCha8Rng,
    step: &mut dyn FnMut(BatchOf<'_>, &mut ChaCha8Rng) -> (BatchLoss, bool),
) -> EpochStats {
    crate::model::keep_freed_memory();
    let mut st = EpochStats {
        batches: batches.len(),
        completed: true,
        ..Default::default()
    };
    let (mut weighted, mut nats) = (0.0, 0.0);
    for (bi, chunk) in batches.enumerate() {
        let of = BatchOf {
            number: bi + 1,
            batches: st.batches,
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
