use super::*;
use rand::{Rng, SeedableRng};

/// The product by the definition, in f64.
#[allow(clippy::too_many_arguments)]
fn naive(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    c: &mut [f32],
    rsc: usize,
    beta: f32,
) {
    for i in 0..m {
        for j in 0..n {
            let mut s = f64::from(beta * c[i * rsc + j]);
            for p in 0..k {
                s += f64::from(a[i * rsa + p * csa]) * f64::from(b[p * rsb + j * csb]);
            }
            c[i * rsc + j] = s as f32;
        }
    }
}

fn random(rng: &mut impl Rng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

#[test]
fn every_kernel_matches_the_definition_on_edges_strides_and_depths() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    // The recurrence's, BPTT's and the heads' shapes, ragged edges and depths, more rows
    // than a packed block of A holds, and a head narrow enough for the taller tiles.
    let shapes = [
        (32, 128, 512),
        (32, 512, 128),
        (7, 64, 256),
        (1, 3, 13),
        (13, 300, 78),
        (128, 130, 47),
        (200, 62, 150),
        (50, 70, 13),
        (5, 0, 20),
    ];
    for kernel in runnable() {
        for &(m, k, n) in &shapes {
            for case in 0..4 {
                let (transposed_a, transposed_b) = (case & 1 == 1, case & 2 == 2);
                let beta = if case % 3 == 0 { 0.0 } else { 1.0 };
                let a = random(&mut rng, m * k);
                let b = random(&mut rng, k * n + 5);
                let sa = if transposed_a { (1, m) } else { (k, 1) };
                let sb = if transposed_b { (1, k) } else { (n, 1) };
                let rsc = n + 3;
                let c0 = random(&mut rng, m * rsc);
                let mut want = c0.clone();
                naive(m, k, n, &a, sa, &b, sb, &mut want, rsc, beta);
                let mut got = c0.clone();
                gemm_with(kernel, m, k, n, &a, sa, &b, sb, beta, &mut got, rsc);
                let mut packed = c0;
                with(kernel, || {
                    let pb = PackedB::new(k, n, &b, sb);
                    gemm_packed(m, &a, sa, &pb, beta, &mut packed, rsc);
                });
                let tol = 1e-5 * (k as f32).max(1.0).sqrt();
                for (how, got) in [("strided", got), ("packed", packed)] {
                    // A NaN would slip past the difference, which ignores it.
                    assert!(
                        got.iter().all(|v| v.is_finite()),
                        "{kernel} {how}: not finite"
                    );
                    let worst = crate::model::max_diff(&got, &want);
                    let what = format!("{kernel} {how} {m}x{k}x{n} case {case}");
                    assert!(worst < tol, "{what}: off by {worst}");
                }
            }
        }
    }
}

#[test]
fn every_kernel_sums_gathered_row_pairs_as_the_product_of_their_matrices() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    // The recurrent weights' gradient (hidden states against gates, in passes of 128
    // pairs and a ragged last pass), a narrow last panel, no pairs at all.
    for kernel in runnable() {
        for &(m, k, n) in &[(64, 300, 256), (7, 129, 13), (128, 128, 512), (5, 0, 20)] {
            // Rows longer than m and n, read from their starts, scattered through memory.
            let a = random(&mut rng, k * (m + 2));
            let b = random(&mut rng, k * (n + 1));
            let order: Vec<usize> = (0..k).map(|i| (i * 7 + 3) % k.max(1)).collect();
            let a_rows: Vec<&[f32]> = order.iter().map(|&i| &a[i * (m + 2)..]).collect();
            let b_rows: Vec<&[f32]> = order.iter().map(|&i| &b[i * (n + 1)..]).collect();
            for beta in [0.0, 1.0] {
                let rsc = n + 3;
                let c0 = random(&mut rng, m * rsc);
                let mut want = c0.clone();
                // The same sum as a product: A read transposed, k×m at row stride m + 2.
                naive(
                    m,
                    k,
                    n,
                    &a,
                    (1, m + 2),
                    &b,
                    (n + 1, 1),
                    &mut want,
                    rsc,
                    beta,
                );
                let mut got = c0;
                with(kernel, || {
                    gemm_rows((m, n), &a_rows, &b_rows, beta, &mut got, rsc)
                });
                assert!(got.iter().all(|v| v.is_finite()), "{kernel}: not finite");
                let worst = crate::model::max_diff(&got, &want);
                let tol = 1e-5 * (k as f32).max(1.0).sqrt();
                assert!(
                    worst < tol,
                    "{kernel} {m}x{k}x{n} beta {beta}: off by {worst}"
                );
            }
        }
    }
}

#[test]
fn transpose_turns_rows_into_columns() {
    // [2, 3] into [3, 2].
    let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut out = [0.0; 6];
    transpose(&t, 3, &mut out);
    assert_eq!(out, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    // Twice is the identity, for a shape with a narrow edge.
    let (r, c) = (78, 64);
    let m: Vec<f32> = (0..r * c).map(|i| i as f32).collect();
    let (mut once, mut twice) = (vec![0.0; r * c], vec![0.0; r * c]);
    transpose(&m, c, &mut once);
    transpose(&once, r, &mut twice);
    assert_eq!(twice, m);
    assert_eq!(once[5 * r + 7], m[7 * c + 5]);
}
