//! The LSTM cell on the host: a step's gate pre-activations in, the new hidden and cell
//! state out (gates in Keras order i, f, c, o). Both kinds' decoders step with it.

use crate::model::cpu::fastmath::{MulAdd, sigmoid_with, tanh_with};

/// The gates `z` [4A] of `a` units activated in place: sigmoid for i, f and o, tanh for
/// the candidate c. Training's recurrence and both decoders share it; `M` is their
/// multiply-adds' rounding (`fastmath::MulAdd`).
#[inline(always)]
pub fn activate<M: MulAdd>(z: &mut [f32], a: usize) {
    let (ifg, o) = z[..4 * a].split_at_mut(3 * a);
    let (if_, g) = ifg.split_at_mut(2 * a);
    if_.iter_mut().for_each(|v| *v = sigmoid_with::<M>(*v));
    g.iter_mut().for_each(|v| *v = tanh_with::<M>(*v));
    o.iter_mut().for_each(|v| *v = sigmoid_with::<M>(*v));
}

/// Applies the gates `z` [4A] to the cell state `c` [A] and writes the hidden state `h`
/// [A]; `z` is overwritten with the activations. Whole-slice passes, so they vectorize.
#[inline(always)]
pub fn lstm_cell<M: MulAdd>(z: &mut [f32], h: &mut [f32], c: &mut [f32]) {
    let a = h.len();
    activate::<M>(z, a);
    let (i, rest) = z.split_at(a);
    let (f, rest) = rest.split_at(a);
    let (g, o) = rest.split_at(a);
    for j in 0..a {
        c[j] = f[j] * c[j] + i[j] * g[j];
    }
    for j in 0..a {
        h[j] = o[j] * tanh_with::<M>(c[j]);
    }
}
