//! Keras' initialisers for both kinds' kernels: Glorot-uniform and orthogonal.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub fn glorot(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Vec<f32> {
    let limit = (6.0 / (rows + cols) as f64).sqrt();
    (0..rows * cols)
        .map(|_| rng.random_range(-limit..limit) as f32)
        .collect()
}

/// Rows of length `cols` that are orthonormal (`rows <= cols`), like Keras' orthogonal init.
pub fn orthogonal(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Vec<f32> {
    let mut m: Vec<Vec<f64>> = (0..rows)
        .map(|_| {
            (0..cols)
                .map(|_| {
                    // Box-Muller normal.
                    let u1: f64 = rng.random_range(1e-12..1.0);
                    let u2: f64 = rng.random_range(0.0..1.0);
                    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
                })
                .collect()
        })
        .collect();
    for i in 0..rows {
        for j in 0..i {
            let (done, rest) = m.split_at_mut(i);
            let (row, prev) = (&mut rest[0], &done[j]);
            let d: f64 = row.iter().zip(prev).map(|(a, b)| a * b).sum();
            for (a, b) in row.iter_mut().zip(prev) {
                *a -= d * b;
            }
        }
        let n = m[i].iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        for v in &mut m[i] {
            *v /= n;
        }
    }
    m.into_iter().flatten().map(|v| v as f32).collect()
}
