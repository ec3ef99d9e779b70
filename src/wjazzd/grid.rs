//! Played seconds onto ticks through a solo's beat track: every annotated beat lands on its
//! place in the bar, and time between two beats is spread evenly between their ticks.

use super::Beat;
use crate::music::PPQ;

/// The ticks of the beats (possibly negative before shifting), and the meter changes.
pub struct Grid {
    times: Vec<f64>,
    pub ticks: Vec<i64>,
    /// (tick, beats per bar, note value) at every change, the first at the first bar.
    pub sigs: Vec<(i64, u8, u8)>,
}

fn unit(den: u8) -> i64 {
    i64::from(PPQ) * 4 / i64::from(den.max(1))
}

impl Grid {
    /// `beats` holds at least two beats with rising onsets.
    pub fn new(beats: &[Beat]) -> Grid {
        let first = &beats[0];
        let mut tick = (first.beat - 1).max(0) * unit(first.sig.1);
        let (mut ticks, mut sigs) = (Vec::with_capacity(beats.len()), Vec::new());
        for (i, b) in beats.iter().enumerate() {
            if i > 0 {
                let p = &beats[i - 1];
                let per_bar = i64::from(p.sig.0.max(1));
                let steps = if b.bar == p.bar && b.beat > p.beat {
                    b.beat - p.beat
                } else if b.bar > p.bar {
                    (per_bar - p.beat + 1) + (b.bar - p.bar - 1) * per_bar + b.beat - 1
                } else {
                    1
                };
                tick += steps.clamp(1, 64 * per_bar) * unit(p.sig.1);
            }
            let changed = sigs.last().is_none_or(|&(_, n, d)| (n, d) != b.sig);
            if (b.beat == 1 || sigs.is_empty()) && changed {
                sigs.push((tick, b.sig.0, b.sig.1));
            }
            ticks.push(tick);
        }
        Grid {
            times: beats.iter().map(|b| b.onset).collect(),
            ticks,
            sigs,
        }
    }

    /// Played time → tick, linear between the two beats around it (extrapolated outside).
    pub fn tick_at(&self, secs: f64) -> f64 {
        let n = self.times.len();
        let i = self
            .times
            .partition_point(|&t| t <= secs)
            .saturating_sub(1)
            .min(n - 2);
        let span = (self.times[i + 1] - self.times[i]).max(1e-3);
        let dt = (self.ticks[i + 1] - self.ticks[i]) as f64;
        self.ticks[i] as f64 + (secs - self.times[i]) / span * dt
    }

    /// Tempo of beat `i` in microseconds per quarter note, from the time to the next beat.
    pub fn us_per_quarter(&self, i: usize) -> u32 {
        let j = i.min(self.times.len() - 2);
        let secs = self.times[j + 1] - self.times[j];
        let dticks = (self.ticks[j + 1] - self.ticks[j]).max(1) as f64;
        (secs * 1e6 * f64::from(PPQ) / dticks)
            .round()
            .clamp(1.0, f64::from(0x00FF_FFFF)) as u32
    }

    /// Moves everything on by `by` ticks.
    pub fn shift(&mut self, by: i64) {
        self.ticks.iter_mut().for_each(|t| *t += by);
        for (i, s) in self.sigs.iter_mut().enumerate() {
            s.0 = if i == 0 { 0 } else { s.0 + by };
        }
    }

    /// Length in ticks of the first bar.
    pub fn first_bar(&self) -> i64 {
        self.sigs.first().map_or(i64::from(PPQ) * 4, |&(_, n, d)| {
            i64::from(n.max(1)) * unit(d)
        })
    }
}
