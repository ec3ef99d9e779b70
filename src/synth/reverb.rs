//! A room on the mix: a Freeverb-style network (eight damped combs, four all-passes a side).
//!
//! After Jezar's public-domain Freeverb: the mono sum of the mix feeds parallel feedback
//! combs whose loops are low-passed (walls absorb highs), then series all-passes diffuse
//! the echoes.
//! Here one bank of combs feeds an all-pass chain per side (the right one's delays a little
//! longer, which makes the room wide). It works a block at a time: the eight combs run side
//! by side in lanes (their lines interleaved, one write a step for all eight), and each
//! all-pass runs over the block in stretches no longer than its delay, so the loop has no
//! dependence from one sample to the next and vectorizes.

/// Comb and all-pass delays at 44.1 kHz (Freeverb's tuning), scaled to the sample rate.
const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const SPREAD: usize = 23;
const INPUT_GAIN: f32 = 0.015;
/// Wet level at `room = 1.0`.
const WET_SCALE: f32 = 3.0;
/// Room size 0.5 in Freeverb's terms: each trip round a comb keeps 84 % of the sound.
const FEEDBACK: f32 = 0.84;
/// Damping 0.5 in Freeverb's terms.
const DAMP: f32 = 0.2;
/// Ring length: a power of two above the longest delay (at half of 96 kHz).
const RING: usize = 2048;
const MASK: usize = RING - 1;
/// Network steps per block at most (a block of 2 × this many frames).
pub const MAX_STEPS: usize = 512;

/// Seconds the room rings after the music stops (about 60 dB down by then).
pub const ROOM_TAIL_SECS: f64 = 1.5;

/// The room's delay lines: one bank of combs, then an all-pass chain for each side.
#[derive(Clone, Debug)]
struct Network {
    /// The eight combs' lines interleaved: `combs[t][k]` is comb k at step t.
    combs: Box<[[f32; 8]; RING]>,
    comb_delay: [usize; 8],
    store: [f32; 8],
    left: Box<[[f32; RING]; 4]>,
    right: Box<[[f32; RING]; 4]>,
    left_delay: [usize; 4],
    right_delay: [usize; 4],
    w: usize,
}

/// One all-pass over `v` in place, its line written from position `w`.
#[inline(always)]
fn allpass(line: &mut [f32; RING], w: usize, d: usize, v: &mut [f32]) {
    let mut j = 0;
    while j < v.len() {
        let wi = (w + j) & MASK;
        let ri = (w + j).wrapping_sub(d) & MASK;
        // A stretch that reads only what was written before it and wraps nowhere.
        let c = (v.len() - j).min(d).min(RING - wi).min(RING - ri);
        let (src, dst): (&[f32], &mut [f32]) = if ri < wi {
            let (a, b) = line.split_at_mut(wi);
            (&a[ri..ri + c], &mut b[..c])
        } else {
            let (a, b) = line.split_at_mut(ri);
            (&b[..c], &mut a[wi..wi + c])
        };
        for ((x, &b), out) in v[j..j + c].iter_mut().zip(src).zip(dst) {
            *out = *x + b * 0.5;
            *x = b - *x;
        }
        j += c;
    }
}

impl Network {
    /// Delay lines for a network running at `rate` Hz.
    fn new(rate: f32) -> Network {
        let scale = |extra: usize| {
            move |n: usize| {
                (((n + extra) as f32 * rate / 44_100.0).round() as usize).clamp(1, RING - 1)
            }
        };
        Network {
            combs: Box::new([[0.0; 8]; RING]),
            comb_delay: COMBS.map(scale(0)),
            store: [0.0; 8],
            left: Box::new([[0.0; RING]; 4]),
            right: Box::new([[0.0; RING]; 4]),
            left_delay: ALLPASSES.map(scale(0)),
            right_delay: ALLPASSES.map(scale(SPREAD)),
            w: 0,
        }
    }

    /// Runs `x` (mono inputs, at most `MAX_STEPS`) through the network: the left side's
    /// output into `l`, the right's into `r`.
    #[inline(always)]
    fn process(&mut self, x: &[f32], l: &mut [f32], r: &mut [f32]) {
        let w = self.w;
        let (d, mut store) = (self.comb_delay, self.store);
        for ((j, &x), y) in x.iter().enumerate().zip(l.iter_mut()) {
            let t = w + j;
            let out: [f32; 8] = std::array::from_fn(|k| self.combs[t.wrapping_sub(d[k]) & MASK][k]);
            for k in 0..8 {
                store[k] = out[k] * (1.0 - DAMP) + store[k] * DAMP;
            }
            self.combs[t & MASK] = std::array::from_fn(|k| x + store[k] * FEEDBACK);
            *y = out.iter().sum();
        }
        self.store = store;
        r.copy_from_slice(l);
        for (line, &d) in self.left.iter_mut().zip(&self.left_delay) {
            allpass(line, w, d, l);
        }
        for (line, &d) in self.right.iter_mut().zip(&self.right_delay) {
            allpass(line, w, d, r);
        }
        self.w = (w + x.len()) & MASK;
    }
}

/// A stereo room: `process` adds its reflections to a block of frames. The network runs at
/// half the sample rate (the walls absorb what lies above a quarter of it anyway): each
/// pair of frames feeds it once, and its output is interpolated back.
#[derive(Clone, Debug)]
pub struct Reverb {
    net: Network,
    wet: f32,
    /// The network's last outputs.
    last: (f32, f32),
    x: Vec<f32>,
    yl: Vec<f32>,
    yr: Vec<f32>,
}

impl Reverb {
    /// A room at `sr` Hz; `level` 0..1 sets how loud it is against the dry sound.
    pub fn new(sr: f32, level: f32) -> Reverb {
        Reverb {
            net: Network::new(sr / 2.0),
            wet: level.clamp(0.0, 1.0) * WET_SCALE,
            last: (0.0, 0.0),
            x: vec![0.0; MAX_STEPS],
            yl: vec![0.0; MAX_STEPS],
            yr: vec![0.0; MAX_STEPS],
        }
    }

    /// The level it was made with.
    pub fn level(&self) -> f32 {
        self.wet / WET_SCALE
    }

    /// Adds the room to a block of left and right samples (an even number of frames, at
    /// most `2 * MAX_STEPS`).
    #[inline(always)]
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let m = (left.len().min(right.len()) / 2).min(MAX_STEPS);
        debug_assert!(left.len().is_multiple_of(2) && left.len() <= 2 * MAX_STEPS);
        if m == 0 {
            return;
        }
        let g = 0.5 * INPUT_GAIN;
        for (k, x) in self.x[..m].iter_mut().enumerate() {
            let (a, b) = (2 * k, 2 * k + 1);
            // A constant far below hearing keeps the dying room out of slow denormal numbers.
            *x = (left[a] + right[a] + left[b] + right[b]) * g + 1e-20;
        }
        let (yl, yr) = (&mut self.yl[..m], &mut self.yr[..m]);
        self.net.process(&self.x[..m], yl, yr);
        let wet = self.wet;
        for (side, y, last) in [(left, &*yl, self.last.0), (right, &*yr, self.last.1)] {
            // The first frame of a pair holds the network's previous output; the second
            // is halfway to the new one.
            let mut prev = last;
            for (f, &y) in side.chunks_exact_mut(2).zip(y) {
                f[0] += wet * prev;
                f[1] += wet * 0.5 * (prev + y);
                prev = y;
            }
        }
        self.last = (yl[m - 1], yr[m - 1]);
    }
}
