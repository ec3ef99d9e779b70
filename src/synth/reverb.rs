//! A room on the mix: a Freeverb-style network (eight damped combs, four all-passes a side).
//!
//! After Jezar's public-domain Freeverb: the mono sum of the mix feeds parallel feedback
//! combs whose loops are low-passed (walls absorb highs), then series all-passes diffuse
//! the echoes.
//! Here one bank of combs feeds an all-pass chain per side (the right one's delays a little
//! longer, which makes the room wide). Every delay line is a ring of the same power-of-two
//! size read behind one shared write position, so a step costs no branches.

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

/// Seconds the room rings after the music stops (about 60 dB down by then).
pub const ROOM_TAIL_SECS: f64 = 1.5;

/// The room's delay lines: one bank of combs, then an all-pass chain for each side.
#[derive(Clone, Debug)]
struct Network {
    combs: Vec<[f32; RING]>,
    comb_delay: [usize; 8],
    store: [f32; 8],
    left: Vec<[f32; RING]>,
    right: Vec<[f32; RING]>,
    left_delay: [usize; 4],
    right_delay: [usize; 4],
    w: usize,
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
            combs: vec![[0.0; RING]; 8],
            comb_delay: COMBS.map(scale(0)),
            store: [0.0; 8],
            left: vec![[0.0; RING]; 4],
            right: vec![[0.0; RING]; 4],
            left_delay: ALLPASSES.map(scale(0)),
            right_delay: ALLPASSES.map(scale(SPREAD)),
            w: 0,
        }
    }

    /// One step: the mono input in, the two sides out.
    #[inline]
    fn process(&mut self, x: f32) -> (f32, f32) {
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
            buf[w & MASK] = x + *store * FEEDBACK;
            y += out;
        }
        let diffuse = |lines: &mut [[f32; RING]], delays: &[usize; 4]| {
            let mut v = y;
            for (buf, &d) in lines.iter_mut().zip(delays) {
                let b = buf[w.wrapping_sub(d) & MASK];
                buf[w & MASK] = v + b * 0.5;
                v = b - v;
            }
            v
        };
        let l = diffuse(&mut self.left, &self.left_delay);
        let r = diffuse(&mut self.right, &self.right_delay);
        self.w = (w + 1) & MASK;
        (l, r)
    }
}

/// A stereo room: `process` adds its reflections to interleaved stereo frames. The network
/// runs at half the sample rate (the walls absorb what lies above a quarter of it anyway):
/// each pair of frames feeds it once, and its output is interpolated back. The pairing
/// carries over between calls, so the sound does not depend on the block sizes.
#[derive(Clone, Debug)]
pub struct Reverb {
    net: Network,
    wet: f32,
    /// The input of the first frame of a pair, while waiting for the second.
    half: Option<f32>,
    /// The network's last two outputs (the latest last).
    prev: (f32, f32),
    last: (f32, f32),
}

impl Reverb {
    /// A room at `sr` Hz; `level` 0..1 sets how loud it is against the dry sound.
    pub fn new(sr: f32, level: f32) -> Reverb {
        Reverb {
            net: Network::new(sr / 2.0),
            wet: level.clamp(0.0, 1.0) * WET_SCALE,
            half: None,
            prev: (0.0, 0.0),
            last: (0.0, 0.0),
        }
    }

    /// The level it was made with.
    pub fn level(&self) -> f32 {
        self.wet / WET_SCALE
    }

    /// Adds the room to interleaved stereo frames.
    pub fn process(&mut self, frames: &mut [f32]) {
        let g = 0.5 * INPUT_GAIN;
        for f in frames.chunks_exact_mut(2) {
            let x = f[0] + f[1];
            match self.half.take() {
                None => {
                    // The first of a pair: the latest output, held.
                    self.half = Some(x);
                    f[0] += self.wet * self.last.0;
                    f[1] += self.wet * self.last.1;
                }
                Some(first) => {
                    // A constant far below hearing keeps the dying room out of slow
                    // denormal numbers.
                    let y = self.net.process((first + x) * g + 1e-20);
                    self.prev = self.last;
                    self.last = y;
                    f[0] += self.wet * 0.5 * (self.prev.0 + y.0);
                    f[1] += self.wet * 0.5 * (self.prev.1 + y.1);
                }
            }
        }
    }
}
