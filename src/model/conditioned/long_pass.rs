//! Whole pieces in one long pass, event by event as decoding runs them: the validation of
//! a network trained with its state carried across windows.

use crate::dataset::events::EventWindows;
use crate::model::conditioned::{CondState, CondWeights, Heads};

/// Summed nats (over every head) and the number of events of the pieces of carried windows
/// `win`, each piece from a zero state through all of its windows with no break: what
/// carrying the state across windows computes, and what generation runs.
pub fn pieces_nats(w: &CondWeights, win: &EventWindows) -> (f64, usize) {
    let (s, tx) = (&w.spec, win.tx);
    let nf = win.feats.len() / (win.m * tx).max(1);
    let mut st = CondState::new(s);
    let mut logits = Vec::new();
    let (mut nats, mut n) = (0.0, 0);
    for i in 0..win.m {
        if !win.continues(i) {
            st = CondState::new(s);
        }
        for r in i * tx..(i + 1) * tx {
            let class = |v: i32| v.max(0) as usize;
            let (pp, pd) = (class(win.prev_p[r]), class(win.prev_d[r]));
            w.step(&mut st, pp, pd, &win.feats[r * nf..(r + 1) * nf]);
            let (yp, yd) = (win.y_p[r], win.y_d[r]);
            if yp < 0 {
                continue;
            }
            n += 1;
            let targets = match s.heads {
                Heads::Split => [Some(yp), (yd >= 0).then_some(yd)],
                Heads::Joint => [(yd >= 0).then(|| yp * s.n_dur as i32 + yd), None],
            };
            for (k, t) in targets.into_iter().enumerate() {
                if let Some(t) = t {
                    w.logits(&st, k, &mut logits);
                    nats += nll(&logits, t as usize);
                }
            }
        }
    }
    (nats, n)
}

/// −log softmax(logits)[t].
fn nll(logits: &[f32], t: usize) -> f64 {
    let max = logits.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let sum: f64 = logits.iter().map(|&v| f64::from(v - max).exp()).sum();
    sum.ln() - f64::from(logits[t] - max)
}

#[cfg(test)]
mod tests;
