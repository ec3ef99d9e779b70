//! State carried across windows matches one long pass: per event, on the host step and on
//! the reference graph, with one layer and two, and against the step-by-step pass of
//! validation and generation.

use super::*;
use crate::model::conditioned::host::HostStep;
use crate::model::conditioned::net::{Batch, BatchScratch, batch_grads_carried};
use crate::model::conditioned::{CondSpec, CondWeights};
use crate::model::cpu::parallel::Parallel;
use crate::model::{BackendKind, Engine, device};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The weights tests' small network, one unit wider.
fn spec(layers: usize, heads: Heads) -> CondSpec {
    CondSpec {
        n_a: 7,
        ..crate::model::conditioned::weights::tests::spec(layers, heads)
    }
}

/// A made-up piece of `n` events: each step hears the event before it (the start row
/// first), sparse features, and targets the next event.
struct Piece {
    prev_p: Vec<i32>,
    prev_d: Vec<i32>,
    feats: Vec<f32>,
    y_p: Vec<i32>,
    y_d: Vec<i32>,
}

fn made_up(rng: &mut ChaCha8Rng, s: &CondSpec, n: usize) -> Piece {
    let y_p: Vec<i32> = (0..n)
        .map(|_| rng.random_range(0..s.n_pitch as i32))
        .collect();
    let y_d: Vec<i32> = (0..n)
        .map(|_| rng.random_range(0..s.n_dur as i32))
        .collect();
    let before = |y: &[i32], start: usize| {
        std::iter::once(start as i32)
            .chain(y[..n - 1].iter().copied())
            .collect()
    };
    Piece {
        prev_p: before(&y_p, s.n_pitch),
        prev_d: before(&y_d, s.n_dur),
        feats: (0..n * s.n_feat)
            .map(|_| if rng.random_bool(0.35) { 1.0 } else { 0.0 })
            .collect(),
        y_p,
        y_d,
    }
}

/// The piece cut into consecutive windows of `tx` (the last padded), flagged as carried,
/// with only the targets `keep` says.
fn cut(p: &Piece, tx: usize, keep: impl Fn(usize) -> bool) -> EventWindows {
    let n = p.y_p.len();
    let m = n.div_ceil(tx);
    let nf = p.feats.len() / n;
    let mut w = EventWindows {
        m,
        tx,
        starts: (0..m).map(|i| i == 0).collect(),
        ..Default::default()
    };
    for t in 0..m * tx {
        let real = t < n;
        let target = |y: &[i32]| if real && keep(t) { y[t] } else { -1 };
        w.prev_p.push(if real { p.prev_p[t] } else { 0 });
        w.prev_d.push(if real { p.prev_d[t] } else { 0 });
        w.y_p.push(target(&p.y_p));
        w.y_d.push(target(&p.y_d));
        match real {
            true => w.feats.extend_from_slice(&p.feats[t * nf..(t + 1) * nf]),
            false => w.feats.extend(std::iter::repeat_n(0.0, nf)),
        }
    }
    w
}

/// Summed nats of the windows in order, each carrying on from the state the one before it
/// ended in (`carry`) or each from a zero state: the host step, or the reference graph.
fn windows_in_order(w: &CondWeights, win: &EventWindows, engine: Engine, carry: bool) -> f64 {
    let (dev, par) = (device(BackendKind::Flex, true), Parallel::new(1));
    let (mut step, mut buf) = (HostStep::default(), BatchScratch::default());
    let mut state: Option<Vec<f32>> = None;
    let mut total = 0.0;
    for i in 0..win.m {
        let b = buf.gather(win, &[i]);
        let init = state.as_deref().filter(|_| carry && win.continues(i));
        let b = Batch { init, ..b };
        let (nats, last) = match engine {
            Engine::Host => {
                let g = step.run(w, &b, None, &par);
                (g.total_nats, step.last_state().to_vec())
            }
            _ => {
                let (g, last) = batch_grads_carried(w, &b, &dev, engine, None);
                (
                    g.total_nats,
                    last.expect("the reference graph gives its states"),
                )
            }
        };
        assert_eq!(last.len(), w.spec.state_len());
        total += nats;
        state = Some(last);
    }
    total
}

#[test]
fn state_carried_across_windows_matches_one_long_pass() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let (tx, n) = (6, 3 * 6 + 4);
    for (layers, heads) in [(1, Heads::Split), (2, Heads::Joint)] {
        let s = spec(layers, heads);
        let mut w = CondWeights::init(s, 4);
        for a in w.arrays_mut() {
            a.iter_mut().for_each(|x| *x += rng.random_range(-0.4..0.4));
        }
        let piece = made_up(&mut rng, &s, n);
        for engine in [Engine::Host, Engine::Reference] {
            let at = format!("{layers} layers, {heads:?}, {engine}");
            let mut apart = 0.0f64;
            for e in 0..n {
                let only = |t: usize| t == e;
                let long = windows_in_order(&w, &cut(&piece, n, only), engine, true);
                let carried = windows_in_order(&w, &cut(&piece, tx, only), engine, true);
                let zeroed = windows_in_order(&w, &cut(&piece, tx, only), engine, false);
                assert!(long > 0.0, "{at}: event {e} has nats");
                let off = (carried - long).abs();
                assert!(
                    off < 1e-5 * long.max(1.0),
                    "{at}: event {e}: {carried} vs {long}"
                );
                apart = apart.max((zeroed - long).abs());
            }
            // Starting each window from zero instead is told apart.
            assert!(apart > 1e-3, "{at}: the state made no difference ({apart})");
        }
        // Validation's and generation's step-by-step pass over the whole piece agrees.
        let (long, events) = pieces_nats(&w, &cut(&piece, tx, |_| true));
        let whole = windows_in_order(&w, &cut(&piece, n, |_| true), Engine::Host, true);
        assert_eq!(events, n);
        assert!((long - whole).abs() < 1e-5 * whole, "{long} vs {whole}");
    }
}
