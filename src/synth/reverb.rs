//! A room on the mix: a Freeverb network (eight damped combs and four all-passes per side).
//!
//! After Jezar's public-domain Freeverb: the mono sum of the mix feeds parallel feedback
//! combs whose loops are low-passed (walls absorb highs), then series all-passes diffuse
//! the echoes; the right side's delays are a little longer, which makes the room wide.
//! Every delay line is a ring of the same power-of-two size read behind one shared write
//! position, so a frame costs no branches and no bounds checks.

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
/// Ring length: a power of two above the longest delay at 96 kHz.
const RING: usize = 4096;
const MASK: usize = RING - 1;

/// Seconds the room rings after the music stops (about 60 dB down by then).
pub const ROOM_TAIL_SECS: f64 = 1.5;

/// One side of the room.
#[derive(Clone, Debug)]
struct Side {
    combs: Vec<[f32; RING]>,
    comb_delay: [usize; 8],
    store: [f32; 8],
    allpasses: Vec<[f32; RING]>,
    allpass_delay: [usize; 4],
    w: usize,
}

impl Side {
    fn new(sr: f32, extra: usize) -> Side {
        let scale =
            |n: usize| (((n + extra) as f32 * sr / 44_100.0).round() as usize).clamp(1, RING - 1);
        Side {
            combs: vec![[0.0; RING]; 8],
            comb_delay: COMBS.map(scale),
            store: [0.0; 8],
            allpasses: vec![[0.0; RING]; 4],
            allpass_delay: ALLPASSES.map(scale),
            w: 0,
        }
    }

    #[inline]
    fn process(&mut self, x: f32) -> f32 {
        let w = self.w;
        let mut y = 0.0;
        for ((buf, &d), store) in self
            .combs
            .iter_mut()
            .zip(&self.comb_delay)
            .zip(&mut self.store)
        {
            let out = buf[w.wrapping_sub(d) & MASK];
            *store = out * (1.0 - DAMP) + *store * DAMP;
            buf[w] = x + *store * FEEDBACK;
            y += out;
        }
        for (buf, &d) in self.allpasses.iter_mut().zip(&self.allpass_delay) {
            let b = buf[w.wrapping_sub(d) & MASK];
            buf[w] = y + b * 0.5;
            y = b - y;
        }
        self.w = (w + 1) & MASK;
        y
    }
}

/// A stereo room: `process` adds its reflections to interleaved stereo frames.
#[derive(Clone, Debug)]
pub struct Reverb {
    left: Side,
    right: Side,
    wet: f32,
}

impl Reverb {
    /// A room at `sr` Hz; `level` 0..1 sets how loud it is against the dry sound.
    pub fn new(sr: f32, level: f32) -> Reverb {
        Reverb {
            left: Side::new(sr, 0),
            right: Side::new(sr, SPREAD),
            wet: level.clamp(0.0, 1.0) * WET_SCALE,
        }
    }

    /// The level it was made with.
    pub fn level(&self) -> f32 {
        self.wet / WET_SCALE
    }

    pub fn process(&mut self, frames: &mut [f32]) {
        for f in frames.chunks_exact_mut(2) {
            // A constant far below hearing keeps the dying room out of slow denormal numbers.
            let x = (f[0] + f[1]) * INPUT_GAIN + 1e-20;
            let (l, r) = (self.left.process(x), self.right.process(x));
            f[0] += self.wet * l;
            f[1] += self.wet * r;
        }
    }
}
