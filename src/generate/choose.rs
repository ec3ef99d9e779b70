//! Choosing from a network's scores, for both kinds: one argmax rule, temperature with
//! non-finite values left out, the weights relative to the best, and the seeded draw.

use crate::model::cpu::fastmath::exp_fast;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The index of the largest finite value, the first of equals (0 when there is none).
pub fn argmax(l: &[f32]) -> usize {
    (0..l.len())
        .filter(|&i| l[i].is_finite())
        .max_by(|&a, &b| l[a].total_cmp(&l[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// `(value / t, index)` for every finite value, in index order, into `out`.
pub fn scaled(l: &[f32], t: f32, out: &mut Vec<(f32, usize)>) {
    out.clear();
    out.extend(
        l.iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| (v / t, i)),
    );
}

/// Sorts candidates most likely first, the lower index first among equals: the order the
/// conditioned sampler truncates and draws in, and the beam search expands in.
pub fn rank(c: &mut [(f32, usize)]) {
    c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}

/// Turns the scaled values into weights relative to the largest, `max`.
pub fn weights(c: &mut [(f32, usize)], max: f32) {
    c.iter_mut().for_each(|x| x.0 = exp_fast(x.0 - max));
}

/// Keeps the fewest leading weights (sorted, largest first) that hold `top_p` of the total.
pub fn nucleus(c: &mut Vec<(f32, usize)>, top_p: f64) {
    if top_p >= 1.0 {
        return;
    }
    let total: f32 = c.iter().map(|x| x.0).sum();
    let mut acc = 0.0;
    let keep = c
        .iter()
        .position(|x| {
            acc += x.0 / total;
            f64::from(acc) >= top_p
        })
        .map_or(c.len(), |i| i + 1);
    c.truncate(keep);
}

/// An index drawn from the weights in their order, or None when they do not add up to a
/// positive finite total.
pub fn draw(c: &[(f32, usize)], rng: &mut ChaCha8Rng) -> Option<usize> {
    let total: f32 = c.iter().map(|x| x.0).sum();
    if !(total.is_finite() && total > 0.0) {
        return None;
    }
    let mut r = rng.random_range(0.0..total);
    for x in c {
        if r < x.0 {
            return Some(x.1);
        }
        r -= x.0;
    }
    c.last().map(|x| x.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn argmax_takes_the_first_of_equals_and_skips_non_finite_values() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.5, f32::INFINITY, 0.7]), 3);
        assert_eq!(argmax(&[]), 0);
    }

    #[test]
    fn draws_follow_the_weights_and_refuse_an_empty_total() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let c = [(0.0, 4), (1.0, 7), (0.0, 9)];
        assert!((0..50).all(|_| draw(&c, &mut rng) == Some(7)));
        assert_eq!(draw(&[(0.0, 1)], &mut rng), None);
        let mut s = Vec::new();
        scaled(&[2.0, f32::NEG_INFINITY, 4.0], 2.0, &mut s);
        assert_eq!(s, vec![(1.0, 0), (2.0, 2)]);
        let mut c = vec![(0.5, 3), (2.0, 5), (0.5, 1), (2.0, 2)];
        rank(&mut c);
        assert_eq!(c, vec![(2.0, 2), (2.0, 5), (0.5, 1), (0.5, 3)]);
    }
}
