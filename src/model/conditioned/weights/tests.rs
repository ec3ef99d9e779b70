//! Tests of the conditioned network's weights.

use super::*;

pub(crate) fn spec(layers: usize, heads: Heads) -> CondSpec {
    CondSpec {
        n_a: 6,
        layers,
        dropout: 0.0,
        heads,
        n_pitch: 5,
        n_dur: 3,
        n_feat: 4,
    }
}

#[test]
fn shapes_fit_and_init_is_seeded() {
    for layers in [1, 2] {
        for heads in [Heads::Split, Heads::Joint] {
            let w = CondWeights::init(spec(layers, heads), 3);
            assert!(w.check().is_ok());
            assert_eq!(w, CondWeights::init(spec(layers, heads), 3));
            assert_eq!(&w.bias[6..12], &[1.0; 6], "forget bias");
            let mut st = CondState::new(&w.spec);
            w.step(&mut st, 5, 3, &[1.0, 0.0, 0.5, 0.0]);
            let mut l = Vec::new();
            w.logits(&st, 0, &mut l);
            assert_eq!(l.len(), if heads == Heads::Split { 5 } else { 15 });
            assert!(st.h.iter().flatten().any(|&v| v != 0.0));
        }
    }
}
