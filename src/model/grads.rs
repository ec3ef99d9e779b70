//! A batch's loss and gradients, for either kind, and the one way a batch split over threads
//! is summed back into the whole batch's (slice after slice, so the sums never depend on
//! scheduling).

use crate::model::cpu::parallel::Parallel;

/// The loss of a batch (or of a slice of one) and the gradient of every parameter array, in
/// the network's storage order: `[Vec<f32>; 5]` for the exercise, `Vec<Vec<f32>>` for the
/// conditioned network.
pub struct Grads<A> {
    /// What is minimised: the exercise's per-step batch-mean cross-entropy summed over
    /// steps, or the conditioned network's mean nats per event.
    pub loss: f64,
    /// Summed cross-entropy over all targets, and their number.
    pub total_nats: f64,
    pub targets: usize,
    pub grads: A,
}

/// What each slice's loss is a mean over, and so how much it counts in the batch's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// Its windows: a slice counts by its share of the batch's windows.
    Windows,
    /// Its targets: a slice counts by its share of the batch's targets, and the batch's loss
    /// is its nats per target.
    Targets,
}

/// `grads(start, end)` for each slice of `0..n` windows on the threads of `par`, summed into
/// the gradients of the whole batch's loss.
pub fn split<A>(
    par: &Parallel,
    n: usize,
    share: Share,
    grads: &(dyn Fn(usize, usize) -> Grads<A> + Sync),
) -> Grads<A>
where
    A: AsRef<[Vec<f32>]> + AsMut<[Vec<f32>]> + Send,
{
    combine(par.map_slices(n, grads), share)
}

/// `split` where each slice also gives something else (the states its windows ended in),
/// handed back in slice order.
pub fn split_with<A, X: Send>(
    par: &Parallel,
    n: usize,
    share: Share,
    grads: &(dyn Fn(usize, usize) -> (Grads<A>, X) + Sync),
) -> (Grads<A>, Vec<X>)
where
    A: AsRef<[Vec<f32>]> + AsMut<[Vec<f32>]> + Send,
{
    let (each, extra) = par
        .map_slices(n, grads)
        .into_iter()
        .map(|(part, (g, x))| ((part, g), x))
        .unzip();
    (combine(each, share), extra)
}

/// The slices' gradients (in slice order) as the whole batch's, each slice counting by its
/// `share`.
fn combine<A>(each: Vec<((usize, usize), Grads<A>)>, share: Share) -> Grads<A>
where
    A: AsRef<[Vec<f32>]> + AsMut<[Vec<f32>]>,
{
    let windows: usize = each.iter().map(|((s, e), _)| e - s).sum();
    let targets: usize = each.iter().map(|(_, g)| g.targets).sum();
    let weight = |(s, e): (usize, usize), g: &Grads<A>| match share {
        Share::Windows => (e - s) as f32 / windows as f32,
        Share::Targets => g.targets as f32 / targets.max(1) as f32,
    };
    let mut it = each.into_iter();
    let Some((first, mut acc)) = it.next() else {
        unreachable!("map_slices gives at least one slice")
    };
    let rest: Vec<_> = it.collect();
    if rest.is_empty() {
        return acc;
    }
    let w0 = weight(first, &acc);
    let others = rest
        .iter()
        .map(|(part, g)| (weight(*part, g), g.grads.as_ref()));
    weighted_sum(acc.grads.as_mut(), w0, others);
    acc.loss *= f64::from(w0);
    for (part, g) in &rest {
        acc.loss += g.loss * f64::from(weight(*part, g));
        acc.total_nats += g.total_nats;
        acc.targets += g.targets;
    }
    if share == Share::Targets {
        acc.loss = acc.total_nats / acc.targets.max(1) as f64;
    }
    acc
}

/// The weighted sum w₀·g₀ + Σ wᵢ·gᵢ of the slices' gradient arrays, written over the first
/// slice's, slice after slice in order.
fn weighted_sum<'a>(
    acc: &mut [Vec<f32>],
    w0: f32,
    rest: impl IntoIterator<Item = (f32, &'a [Vec<f32>])>,
) {
    acc.iter_mut().flatten().for_each(|g| *g *= w0);
    for (w, g) in rest {
        for (a, b) in acc.iter_mut().zip(g) {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += w * b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(loss: f64, total_nats: f64, targets: usize, g: f32) -> Grads<Vec<Vec<f32>>> {
        Grads {
            loss,
            total_nats,
            targets,
            grads: vec![vec![g, 2.0 * g]],
        }
    }

    #[test]
    fn slices_count_by_their_windows_or_by_their_targets() {
        // Three windows then one: the first slice counts three quarters.
        let each = || {
            vec![
                ((0, 3), slice(2.0, 6.0, 6, 1.0)),
                ((3, 4), slice(4.0, 2.0, 2, 5.0)),
            ]
        };
        let w = combine(each(), Share::Windows);
        assert_eq!((w.loss, w.total_nats, w.targets), (2.5, 8.0, 8));
        assert_eq!(w.grads, vec![vec![2.0, 4.0]]);
        // Six targets then two: the same weights here, but the loss is nats per target.
        let t = combine(each(), Share::Targets);
        assert_eq!((t.loss, t.total_nats, t.targets), (1.0, 8.0, 8));
        assert_eq!(t.grads, vec![vec![2.0, 4.0]]);
        // Two windows and six targets against two windows and two targets.
        let uneven = vec![
            ((0, 2), slice(1.0, 6.0, 6, 1.0)),
            ((2, 4), slice(1.0, 2.0, 2, 5.0)),
        ];
        let t = combine(uneven, Share::Targets);
        assert_eq!(t.grads, vec![vec![2.0, 4.0]]);
    }

    #[test]
    fn one_slice_is_the_batch_as_it_is() {
        let g = combine(vec![((0, 5), slice(0.7, 3.0, 4, 1.5))], Share::Targets);
        assert_eq!((g.loss, g.total_nats, g.targets), (0.7, 3.0, 4));
        assert_eq!(g.grads, vec![vec![1.5, 3.0]]);
    }
}
