//! The conditioned network on burn: row lookups for the previous event, one dense product
//! for the chord/beat features, the fused recurrence of `lstm` per layer, fused softmax
//! cross-entropy per head, and the same model from plain burn ops as the tested reference.

use crate::dataset::events::EventWindows;
use crate::model::Engine;
use crate::model::conditioned::host::HostStep;
use crate::model::conditioned::{CondWeights, Heads};
use crate::model::grads::Grads;
use crate::model::ops::conditioned::CondBackend;
use crate::model::ops::nll::NllBackend;
use crate::model::ops::xent::XentBackend;
use crate::model::ops::{int_tensor as ints, recurrence, scalar};
use burn::backend::Dispatch;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
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
        }
    }
}

/// Reusable buffers gathering windows into a batch, its dropout mask, and the host step's.
#[derive(Default)]
pub struct BatchScratch {
    prev_p: Vec<i32>,
    prev_d: Vec<i32>,
    feats: Vec<f32>,
    y_p: Vec<i32>,
    y_d: Vec<i32>,
    mask: Vec<f32>,
    host: HostStep,
}

impl BatchScratch {
    /// The windows `idx` of `w` as one batch.
    pub fn gather<'a>(&'a mut self, w: &EventWindows, idx: &[usize]) -> Batch<'a> {
        self.fill(w, idx);
        self.batch(idx.len(), w.tx)
    }

    /// The windows `idx` of `win` as one batch, its dropout mask for `weights` (drawn from
    /// `rng`; None without dropout) and the host step's buffers.
    pub(crate) fn prepare<'a>(
        &'a mut self,
        (win, idx): (&EventWindows, &[usize]),
        weights: &CondWeights,
        rng: &mut impl Rng,
    ) -> (Batch<'a>, Option<&'a [f32]>, &'a mut HostStep) {
        self.fill(win, idx);
        let masked = fill_dropout_mask(weights, idx.len() * win.tx, rng, &mut self.mask);
        let batch = Batch {
            b: idx.len(),
            tx: win.tx,
            prev_p: &self.prev_p,
            prev_d: &self.prev_d,
            feats: &self.feats,
            y_p: &self.y_p,
            y_d: &self.y_d,
        };
        (batch, masked.then_some(&self.mask[..]), &mut self.host)
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
        }
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

/// Targets of each head (`-1`: no loss).
fn head_targets(w: &CondWeights, batch: &Batch) -> Vec<Vec<i64>> {
    let n_dur = w.spec.n_dur as i64;
    match w.spec.heads {
        Heads::Split => vec![
            batch.y_p.iter().map(|&t| i64::from(t)).collect(),
            batch.y_d.iter().map(|&t| i64::from(t)).collect(),
        ],
        Heads::Joint => vec![
            batch
                .y_p
                .iter()
                .zip(batch.y_d)
                .map(|(&p, &d)| {
                    if p < 0 || d < 0 {
                        -1
                    } else {
                        i64::from(p) * n_dur + i64::from(d)
                    }
                })
                .collect(),
        ],
    }
}

/// A dropout mask over the first layer's outputs ([B·T·A], 0 or 1/(1−p)), or None.
pub fn dropout_mask(w: &CondWeights, n: usize, rng: &mut impl Rng) -> Option<Vec<f32>> {
    let mut mask = Vec::new();
    fill_dropout_mask(w, n, rng, &mut mask).then_some(mask)
}

/// `dropout_mask` written into `out`, kept from batch to batch: false (and `out` and `rng`
/// untouched) when there is none.
pub fn fill_dropout_mask(
    w: &CondWeights,
    n: usize,
    rng: &mut impl Rng,
    out: &mut Vec<f32>,
) -> bool {
    let p = w.spec.dropout;
    let masked = w.spec.layers > 1 && p > 0.0 && p < 1.0;
    if masked {
        let keep = 1.0 / (1.0 - p);
        out.clear();
        out.extend((0..n * w.spec.n_a).map(|_| if rng.random::<f32>() < p { 0.0 } else { keep }));
    }
    masked
}

fn nll(logits: Tensor<2>, targets: &[i64], engine: Engine) -> Tensor<1> {
    let dev = logits.device();
    let [n, v] = logits.dims();
    match engine {
        Engine::Host | Engine::Fused => {
            Tensor::<1>::from_dispatch(<Dispatch as XentBackend>::softmax_nll(
                logits.into_dispatch(),
                ints(targets.iter().copied(), n, &dev).into_dispatch(),
            ))
        }
        Engine::Reference => {
            let mut oh = vec![0.0f32; n * v];
            for (r, &t) in targets.iter().enumerate() {
                if t >= 0 && (t as usize) < v {
                    oh[r * v + t as usize] = 1.0;
                }
            }
            let oh = Tensor::<2>::from_data(TensorData::new(oh, [n, v]), &dev);
            (log_softmax(logits, 1) * oh).sum().neg()
        }
    }
}

/// The first layer's hidden states [B, T, A]: row lookups of the previous event, the
/// chord/beat feature product and the bias, then the recurrence; one fused operation, or
/// burn ops around the reference recurrence.
fn first_layer(
    p: &[Tensor<2>],
    batch: &Batch,
    n_feat: usize,
    dev: &Device,
    engine: Engine,
    clamp: impl Fn(&[i32], usize) -> Tensor<1, Int>,
) -> Tensor<3> {
    let (b, tx) = (batch.b, batch.tx);
    let n = b * tx;
    let (n_pitch, n_dur) = (p[0].dims()[0] - 1, p[1].dims()[0] - 1);
    let g4 = p[3].dims()[1];
    match engine {
        Engine::Host | Engine::Fused => {
            let feats =
                Tensor::<3>::from_data(TensorData::new(batch.feats.to_vec(), [b, tx, n_feat]), dev);
            let hs = <Dispatch as CondBackend>::cond_lstm(
                p[0].clone().into_dispatch(),
                p[1].clone().into_dispatch(),
                p[2].clone().into_dispatch(),
                p[3].clone().into_dispatch(),
                p[4].clone().into_dispatch(),
                clamp(batch.prev_p, n_pitch)
                    .reshape([b, tx])
                    .into_dispatch(),
                clamp(batch.prev_d, n_dur).reshape([b, tx]).into_dispatch(),
                feats.into_dispatch(),
            );
            Tensor::<3>::from_dispatch(hs)
        }
        Engine::Reference => {
            let feats =
                Tensor::<2>::from_data(TensorData::new(batch.feats.to_vec(), [n, n_feat]), dev);
            let xp = p[0].clone().select(0, clamp(batch.prev_p, n_pitch))
                + p[1].clone().select(0, clamp(batch.prev_d, n_dur))
                + feats.matmul(p[2].clone())
                + p[3].clone();
            recurrence(xp.reshape([b, tx, g4]), p[4].clone(), engine)
        }
    }
}

/// Summed nats of one head over `h` [N, A] with its kernel and bias `wb`.
fn head_nll(h: Tensor<2>, wb: &[Tensor<2>], targets: &[i64], engine: Engine) -> Tensor<1> {
    match engine {
        Engine::Host | Engine::Fused => {
            let dev = h.device();
            let n = h.dims()[0];
            Tensor::<1>::from_dispatch(<Dispatch as NllBackend>::dense_nll(
                h.into_dispatch(),
                wb[0].clone().into_dispatch(),
                wb[1].clone().into_dispatch(),
                ints(targets.iter().copied(), n, &dev).into_dispatch(),
            ))
        }
        Engine::Reference => nll(h.matmul(wb[0].clone()) + wb[1].clone(), targets, engine),
    }
}

/// The parameters as tensors (gradients tracked on an autodiff device).
fn params(w: &CondWeights, dev: &Device, track: bool) -> Vec<Tensor<2>> {
    w.spec
        .shapes()
        .iter()
        .zip(w.arrays())
        .map(|(&s, a)| {
            let t = Tensor::<2>::from_data(TensorData::new(a.clone(), s), dev);
            if track { t.require_grad() } else { t }
        })
        .collect()
}

/// Summed nats over every head and target of the batch.
fn forward(
    w: &CondWeights,
    p: &[Tensor<2>],
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> Tensor<1> {
    let s = &w.spec;
    let (b, tx, a) = (batch.b, batch.tx, s.n_a);
    let n = b * tx;
    let g4 = 4 * a;
    let clamp = |v: &[i32], hi: usize| {
        ints(
            v.iter().map(move |&i| (i.max(0) as usize).min(hi) as i64),
            n,
            dev,
        )
    };
    let mut h = first_layer(p, batch, s.n_feat, dev, engine, clamp);
    if s.layers > 1 {
        let mut x = h.reshape([n, a]);
        if let Some(m) = mask {
            x = x * Tensor::<2>::from_data(TensorData::new(m.to_vec(), [n, a]), dev);
        }
        let xp = x.matmul(p[5].clone()) + p[7].clone();
        h = recurrence(xp.reshape([b, tx, g4]), p[6].clone(), engine);
    }
    let h = h.reshape([n, a]);
    let first = s.first_head();
    let mut total: Option<Tensor<1>> = None;
    for (k, t) in head_targets(w, batch).iter().enumerate() {
        let nats = head_nll(h.clone(), &p[first + 2 * k..first + 2 * k + 2], t, engine);
        total = Some(match total {
            Some(acc) => acc + nats,
            None => nats,
        });
    }
    total.unwrap_or_else(|| Tensor::zeros([1], dev))
}

/// Forward and backward over a batch on an autodiff device; `mask` is the dropout mask.
pub fn batch_grads(
    w: &CondWeights,
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> Grads<Vec<Vec<f32>>> {
    let p = params(w, dev, true);
    let nats = forward(w, &p, batch, dev, engine, mask);
    let targets = batch.y_p.iter().filter(|&&t| t >= 0).count();
    let loss = nats.clone().div_scalar(targets.max(1) as f64);
    let total_nats = scalar(nats);
    let grads = loss.backward();
    let grads = p
        .iter()
        .map(|t| {
            t.grad(&grads)
                .and_then(|g| g.into_data().try_to_vec::<f32>().ok())
                .unwrap_or_else(|| vec![0.0; t.dims()[0] * t.dims()[1]])
        })
        .collect();
    Grads {
        loss: scalar(loss),
        total_nats,
        targets,
        grads,
    }
}

/// Summed nats and the number of events over windows, forward only (no dropout), in
/// batches of `batch` on a plain (non-autodiff) device.
pub fn windows_nats(
    w: &CondWeights,
    win: &EventWindows,
    batch: usize,
    dev: &Device,
) -> (f64, usize) {
    let p = params(w, dev, false);
    let mut buf = BatchScratch::default();
    let (mut nats, mut n) = (0.0, 0);
    let idx: Vec<usize> = (0..win.m).collect();
    for chunk in idx.chunks(batch.max(1)) {
        let b = buf.gather(win, chunk);
        n += b.y_p.iter().filter(|&&t| t >= 0).count();
        nats += scalar(forward(w, &p, &b, dev, Engine::Fused, None));
    }
    (nats, n)
}
