//! The conditioned network on burn: row lookups for the previous event, one dense product
//! for the chord/beat features, the fused recurrence of `lstm` per layer, fused softmax
//! cross-entropy per head, and the same model from plain burn ops as the tested reference.

use crate::dataset::events::EventWindows;
use crate::model::Engine;
use crate::model::conditioned::{CondWeights, Heads};
use crate::model::grads::Grads;
use crate::model::ops::conditioned::CondBackend;
use crate::model::ops::nll::NllBackend;
use crate::model::ops::xent::XentBackend;
use crate::model::ops::{int_tensor as ints, recurrence, reference_recurrence, scalar};
use burn::backend::Dispatch;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::Rng;

pub use super::batch::{Batch, BatchScratch};

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

/// What the fused engine says when asked to carry state across windows.
pub const FUSED_CANNOT_CARRY: &str = "the fused engine starts every window from a zero \
    state and cannot carry it across windows: train with --carry on the host (default) or \
    reference engine";

/// Layer `layer`'s initial hidden and cell states [B, A] each from the batch's, as
/// constant tensors (None: zero).
fn start_of(batch: &Batch, layer: usize, layers: usize, dev: &Device) -> Option<[Tensor<2>; 2]> {
    let init = batch.init?;
    let per = init.len() / batch.b.max(1);
    let a = per / (2 * layers);
    let part = |k: usize| -> Tensor<2> {
        let rows = init.chunks_exact(per.max(1));
        let v: Vec<f32> = rows
            .flat_map(|st| &st[(2 * layer + k) * a..(2 * layer + k + 1) * a])
            .copied()
            .collect();
        Tensor::from_data(TensorData::new(v, [batch.b, a]), dev)
    };
    Some([part(0), part(1)])
}

/// The first layer's hidden states [B, T, A] (and, on the reference graph, its states
/// after the last step): row lookups of the previous event, the chord/beat feature product
/// and the bias, then the recurrence; one fused operation, or burn ops around the
/// reference recurrence.
fn first_layer(
    p: &[Tensor<2>],
    (batch, layers): (&Batch, usize),
    n_feat: usize,
    dev: &Device,
    engine: Engine,
    clamp: impl Fn(&[i32], usize) -> Tensor<1, Int>,
) -> (Tensor<3>, Option<[Tensor<2>; 2]>) {
    let (b, tx) = (batch.b, batch.tx);
    let n = b * tx;
    let (n_pitch, n_dur) = (p[0].dims()[0] - 1, p[1].dims()[0] - 1);
    let g4 = p[3].dims()[1];
    match engine {
        Engine::Host | Engine::Fused => {
            assert!(batch.init.is_none(), "{FUSED_CANNOT_CARRY}");
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
            (Tensor::<3>::from_dispatch(hs), None)
        }
        Engine::Reference => {
            let feats =
                Tensor::<2>::from_data(TensorData::new(batch.feats.to_vec(), [n, n_feat]), dev);
            let xp = p[0].clone().select(0, clamp(batch.prev_p, n_pitch))
                + p[1].clone().select(0, clamp(batch.prev_d, n_dur))
                + feats.matmul(p[2].clone())
                + p[3].clone();
            let start = start_of(batch, 0, layers, dev);
            let (hs, last) = reference_recurrence(xp.reshape([b, tx, g4]), p[4].clone(), start);
            (hs, Some(last))
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

/// Summed nats over every head and target of the batch, and on the reference graph each
/// layer's states after the last step.
fn forward(
    w: &CondWeights,
    p: &[Tensor<2>],
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> (Tensor<1>, Vec<[Tensor<2>; 2]>) {
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
    let (mut h, last) = first_layer(p, (batch, s.layers), s.n_feat, dev, engine, clamp);
    let mut lasts: Vec<_> = last.into_iter().collect();
    if s.layers > 1 {
        let mut x = h.reshape([n, a]);
        if let Some(m) = mask {
            x = x * Tensor::<2>::from_data(TensorData::new(m.to_vec(), [n, a]), dev);
        }
        let xp = (x.matmul(p[5].clone()) + p[7].clone()).reshape([b, tx, g4]);
        h = if engine == Engine::Reference {
            let start = start_of(batch, 1, s.layers, dev);
            let (hs, last) = reference_recurrence(xp, p[6].clone(), start);
            lasts.push(last);
            hs
        } else {
            recurrence(xp, p[6].clone(), engine)
        };
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
    (total.unwrap_or_else(|| Tensor::zeros([1], dev)), lasts)
}

/// Each window's state after its last step [B, L, 2, A] from each layer's [B, A] tensors.
fn interleave(lasts: Vec<[Tensor<2>; 2]>, b: usize) -> Vec<f32> {
    let parts: Vec<Vec<f32>> = lasts
        .into_iter()
        .flatten()
        .map(|t| t.into_data().try_to_vec::<f32>().unwrap_or_default())
        .collect();
    let a = parts.first().map_or(0, |v| v.len() / b.max(1));
    let mut out = Vec::with_capacity(b * parts.len() * a);
    for r in 0..b {
        for part in &parts {
            out.extend_from_slice(&part[r * a..(r + 1) * a]);
        }
    }
    out
}

/// Forward and backward over a batch on an autodiff device; `mask` is the dropout mask.
pub fn batch_grads(
    w: &CondWeights,
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> Grads<Vec<Vec<f32>>> {
    batch_grads_carried(w, batch, dev, engine, mask).0
}

/// `batch_grads`, and on the reference engine each window's state after its last step
/// [B, L, 2, A] (detached: no gradient flows back through it), for the windows that carry
/// on from them; the fused engine, which cannot carry state, gives none.
pub fn batch_grads_carried(
    w: &CondWeights,
    batch: &Batch,
    dev: &Device,
    engine: Engine,
    mask: Option<&[f32]>,
) -> (Grads<Vec<Vec<f32>>>, Option<Vec<f32>>) {
    let p = params(w, dev, true);
    let (nats, lasts) = forward(w, &p, batch, dev, engine, mask);
    let last = (!lasts.is_empty()).then(|| interleave(lasts, batch.b));
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
    let g = Grads {
        loss: scalar(loss),
        total_nats,
        targets,
        grads,
    };
    (g, last)
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
        nats += scalar(forward(w, &p, &b, dev, Engine::Fused, None).0);
    }
    (nats, n)
}
