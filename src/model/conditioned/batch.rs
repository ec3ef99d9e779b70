//! A batch of the conditioned network's windows: the events, each window's initial state
//! when it carries on from its lane's last window, and the buffers that gather them (and
//! keep the state the last batch ended in) from batch to batch.

use crate::dataset::events::EventWindows;
use crate::model::conditioned::CondWeights;
use crate::model::conditioned::host::HostStep;
use crate::model::conditioned::net::fill_dropout_mask;
use rand::Rng;

/// A batch of `b` windows of `tx` steps, laid out like `EventWindows`.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub b: usize,
    pub tx: usize,
    pub prev_p: &'a [i32],
    pub prev_d: &'a [i32],
    pub feats: &'a [f32],
    pub y_p: &'a [i32],
    pub y_d: &'a [i32],
    /// Each window's initial state [B, L, 2, A] (per layer its hidden state then its cell
    /// state; `CondSpec::state_len` per window), constant (no gradient reaches it); None:
    /// every window starts from zero.
    pub init: Option<&'a [f32]>,
}

impl Batch<'_> {
    /// Windows `s..e` of the batch.
    pub fn windows(&self, s: usize, e: usize) -> Batch<'_> {
        let (tx, f) = (self.tx, self.feats.len() / (self.b * self.tx).max(1));
        let r = s * tx..e * tx;
        Batch {
            b: e - s,
            tx,
            prev_p: &self.prev_p[r.clone()],
            prev_d: &self.prev_d[r.clone()],
            feats: &self.feats[s * tx * f..e * tx * f],
            y_p: &self.y_p[r.clone()],
            y_d: &self.y_d[r],
            init: self.init.map(|st| {
                let per = st.len() / self.b.max(1);
                &st[s * per..e * per]
            }),
        }
    }
}

/// Reusable buffers gathering windows into a batch, its dropout mask, its initial states,
/// the state the last batch's windows ended in, and the host step's.
#[derive(Default)]
pub struct BatchScratch {
    prev_p: Vec<i32>,
    prev_d: Vec<i32>,
    feats: Vec<f32>,
    y_p: Vec<i32>,
    y_d: Vec<i32>,
    mask: Vec<f32>,
    init: Vec<f32>,
    /// The state each window of the last batch ended in [B, L, 2, A]: window `j` of the
    /// next batch carries on from row `j` (its lane's).
    carried: Vec<f32>,
    pub(crate) host: HostStep,
}

impl BatchScratch {
    /// The windows `idx` of `w` as one batch, every window from a zero state.
    pub fn gather<'a>(&'a mut self, w: &EventWindows, idx: &[usize]) -> Batch<'a> {
        self.fill(w, idx);
        self.batch(idx.len(), w.tx)
    }

    /// The windows `idx` of `win` as one batch (a window that carries on from its lane's
    /// last one starts from the state that one ended in: `keep_state`), its dropout mask
    /// for `weights` (drawn from `rng`; None without dropout) and the host step's buffers.
    pub(crate) fn prepare<'a>(
        &'a mut self,
        (win, idx): (&EventWindows, &[usize]),
        weights: &CondWeights,
        rng: &mut impl Rng,
    ) -> (Batch<'a>, Option<&'a [f32]>, &'a mut HostStep) {
        self.fill(win, idx);
        let carried = self.fill_init(win, idx, weights.spec.state_len());
        let masked = fill_dropout_mask(weights, idx.len() * win.tx, rng, &mut self.mask);
        let batch = Batch {
            b: idx.len(),
            tx: win.tx,
            prev_p: &self.prev_p,
            prev_d: &self.prev_d,
            feats: &self.feats,
            y_p: &self.y_p,
            y_d: &self.y_d,
            init: carried.then_some(&self.init[..]),
        };
        (batch, masked.then_some(&self.mask[..]), &mut self.host)
    }

    /// Keeps the state each window of the batch ended in [B, L, 2, A], for the windows of
    /// the next batch that carry on from them.
    pub(crate) fn keep_state(&mut self, last: &[f32]) {
        self.carried.clear();
        self.carried.extend_from_slice(last);
    }

    /// `keep_state` of the host step's last batch.
    pub(crate) fn keep_host_state(&mut self) {
        self.carried.clear();
        self.carried.extend_from_slice(self.host.last_state());
    }

    fn batch(&self, b: usize, tx: usize) -> Batch<'_> {
        Batch {
            b,
            tx,
            prev_p: &self.prev_p,
            prev_d: &self.prev_d,
            feats: &self.feats,
            y_p: &self.y_p,
            y_d: &self.y_d,
            init: None,
        }
    }

    /// Each window's initial state into `init`: the state row `j` of the last batch ended
    /// in for window `j` when it carries on, zero when it starts its piece. False (and
    /// `init` untouched) when every window starts one.
    fn fill_init(&mut self, w: &EventWindows, idx: &[usize], per: usize) -> bool {
        if !idx.iter().any(|&i| w.continues(i)) {
            return false;
        }
        self.init.clear();
        for (j, &i) in idx.iter().enumerate() {
            if w.continues(i) {
                let Some(row) = self.carried.get(j * per..(j + 1) * per) else {
                    panic!("window {i} carries on a piece, but no window ended before it")
                };
                self.init.extend_from_slice(row);
            } else {
                self.init.extend(std::iter::repeat_n(0.0, per));
            }
        }
        true
    }

    fn fill(&mut self, w: &EventWindows, idx: &[usize]) {
        let (tx, f) = (w.tx, w.feats.len() / (w.m * w.tx).max(1));
        self.prev_p.clear();
        self.prev_d.clear();
        self.feats.clear();
        self.y_p.clear();
        self.y_d.clear();
        for &i in idx {
            let r = i * tx..(i + 1) * tx;
            self.prev_p.extend_from_slice(&w.prev_p[r.clone()]);
            self.prev_d.extend_from_slice(&w.prev_d[r.clone()]);
            self.y_p.extend_from_slice(&w.y_p[r.clone()]);
            self.y_d.extend_from_slice(&w.y_d[r]);
            self.feats
                .extend_from_slice(&w.feats[i * tx * f..(i + 1) * tx * f]);
        }
    }
}
