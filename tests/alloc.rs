//! Training allocates nothing once its buffers are warm: the fused recurrence alone, and a
//! whole training step of each kind on the host (forward, BPTT, output layers, Adam) on one
//! thread and on two. Counted with a counting global allocator, on every thread.

use improv::dataset::events::EventWindows;
use improv::dataset::make_windows;
use improv::model::BackendKind;
use improv::model::conditioned::fit::train_batch as cond_train_batch;
use improv::model::conditioned::net::BatchScratch as CondScratch;
use improv::model::conditioned::{CondSpec, CondWeights, Heads};
use improv::model::cpu::parallel::Parallel;
use improv::model::cpu::pool;
use improv::model::exercise::fit::{BatchScratch, train_batch};
use improv::model::exercise::weights::Weights;
use improv::model::fit::Step;
use improv::model::ops::lstm::{backward, forward_owned};
use improv::model::optim::adam::{AdamSettings, AdamState};
use improv::model::{Engine, device};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// Rounds counted after the warm-up.
const ROUNDS: usize = 5;

/// The allocations of `ROUNDS` calls of `round`, after three to warm the buffers.
fn warm_then_count(mut round: impl FnMut()) -> usize {
    for _ in 0..3 {
        round();
    }
    let before = allocations();
    for _ in 0..ROUNDS {
        round();
    }
    allocations() - before
}

/// The count is the whole process's, so this binary holds one test (no other test thread
/// starts or reports while it counts), which runs the checks one after the other.
#[test]
fn warm_training_steps_allocate_nothing() {
    recurrence_alone();
    whole_step_on_one_thread_and_two();
    conditioned_step_on_one_thread_and_two();
}

fn recurrence_alone() {
    // The conditioned kind's shape at a smaller batch: B 8, T 16, n_a 128.
    let (b, t, a) = (8, 16, 128);
    let xp: Vec<f32> = (0..b * t * 4 * a)
        .map(|i| ((i % 97) as f32 - 48.0) * 0.01)
        .collect();
    let u: Vec<f32> = (0..a * 4 * a)
        .map(|i| ((i % 89) as f32 - 44.0) * 0.002)
        .collect();
    let dhs: Vec<f32> = (0..b * t * a)
        .map(|i| ((i % 13) as f32 - 6.0) * 0.1)
        .collect();
    let step = || {
        let cache = forward_owned(pool::copy_of(&xp), &u, b, t, a);
        let (dxp, du) = backward(&cache, &dhs);
        let out = (dxp[5], du[7]);
        cache.recycle();
        pool::give([dxp, du]);
        out
    };
    let first = step();
    step();
    let before = allocations();
    let again = step();
    assert_eq!(allocations() - before, 0, "allocations in a warm step");
    assert_eq!(first, again, "the same inputs give the same gradients");
}

/// Allocations per warm training step of the exercise kind on `threads` threads, and the
/// weights after the steps.
fn whole_steps(threads: usize) -> (usize, Weights) {
    // 40 windows of 24 steps over 90 values, n_a 48, batches of 16 and a ragged 8.
    let stream: Vec<u32> = (0..2000u32).map(|i| (i * 7 + i / 3) % 90).collect();
    let win = make_windows(&[stream], 24, 45, 90);
    assert!(win.m >= 40, "{} windows", win.m);
    let mut w = Weights::init(90, 48, 3);
    let (mut opt, settings) = (AdamState::default(), AdamSettings::default());
    let dev = device(BackendKind::Flex, true);
    let mut buf = BatchScratch::default();
    let parallel = Parallel::new(threads);
    let step = Step::new(&settings, &dev, Engine::Host, &parallel);
    let batches: [Vec<usize>; 3] = [(0..16).collect(), (16..32).collect(), (32..40).collect()];
    let mut run = |w: &mut Weights, opt: &mut AdamState| {
        for idx in &batches {
            let l = train_batch(w, opt, &step, (&win, idx), &mut buf);
            assert!(l.loss.is_finite());
        }
    };
    let n = warm_then_count(|| run(&mut w, &mut opt));
    (n / (ROUNDS * batches.len()), w)
}

fn whole_step_on_one_thread_and_two() {
    let (one, w1) = whole_steps(1);
    assert_eq!(one, 0, "allocations per warm step on one thread");
    let (two, w2) = whole_steps(2);
    assert_eq!(two, 0, "allocations per warm step on two threads");
    // Both trained: the same weights to float rounding (and no NaN, which the largest
    // difference would skip).
    assert!(w1.u.iter().chain(&w2.u).all(|v| v.is_finite()));
    let worst =
        w1.u.iter()
            .zip(&w2.u)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "one and two threads differ by {worst}");
}

/// 12 windows of 16 events with two of every 7 features on, batches of 5, 5 and a ragged 2.
fn event_windows(spec: &CondSpec) -> EventWindows {
    let (m, tx, nf) = (12, 16, spec.n_feat);
    let n = m * tx;
    let cycle = |i: usize, k: usize| (i * 7 + i / 5) % k;
    EventWindows {
        m,
        tx,
        prev_p: (0..n).map(|i| cycle(i, spec.n_pitch + 1) as i32).collect(),
        prev_d: (0..n)
            .map(|i| cycle(i + 3, spec.n_dur + 1) as i32)
            .collect(),
        feats: (0..n * nf)
            .map(|j| if (j / nf + j % nf) % 7 < 2 { 1.0 } else { 0.0 })
            .collect(),
        y_p: (0..n).map(|i| cycle(i + 1, spec.n_pitch) as i32).collect(),
        y_d: (0..n).map(|i| cycle(i + 4, spec.n_dur) as i32).collect(),
        starts: Vec::new(),
    }
}

/// Allocations in 15 warm host steps of the conditioned kind on `threads` threads; with
/// `carry`, the windows of the second and third batches carry on from the state the
/// batch before them ended in.
fn conditioned_steps(spec: CondSpec, threads: usize, carry: bool) -> usize {
    use rand::SeedableRng;
    let mut win = event_windows(&spec);
    if carry {
        win.starts = (0..win.m).map(|i| i < 5).collect();
    }
    let mut w = CondWeights::init(spec, 3);
    let (mut opt, settings) = (AdamState::default(), AdamSettings::default());
    let dev = device(BackendKind::Flex, true);
    let mut buf = CondScratch::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let parallel = Parallel::new(threads);
    let step = Step::new(&settings, &dev, Engine::Host, &parallel);
    let batches: [Vec<usize>; 3] = [(0..5).collect(), (5..10).collect(), (10..12).collect()];
    let mut run = |w: &mut CondWeights, opt: &mut AdamState| {
        for idx in &batches {
            let l = cond_train_batch(w, opt, &step, (&win, idx), &mut buf, &mut rng);
            assert!(l.loss.is_finite());
        }
    };
    warm_then_count(|| run(&mut w, &mut opt))
}

fn conditioned_step_on_one_thread_and_two() {
    let two_layers = CondSpec {
        n_a: 40,
        layers: 2,
        dropout: 0.2,
        heads: Heads::Split,
        n_pitch: 20,
        n_dur: 6,
        n_feat: 7,
    };
    let joint = CondSpec {
        layers: 1,
        heads: Heads::Joint,
        ..two_layers
    };
    // Two layers with dropout (its mask drawn into a kept buffer), and the joint head;
    // windows from a zero state, and windows carrying the state on.
    for spec in [two_layers, joint] {
        for (threads, carry) in [(1, false), (2, false), (1, true), (2, true)] {
            let n = conditioned_steps(spec, threads, carry);
            assert_eq!(
                n, 0,
                "{spec:?}: allocations in warm steps, {threads} threads, carry {carry}"
            );
        }
    }
}
