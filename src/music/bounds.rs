//! The limits every score reader applies the same way: a tempo range and a form length.
//! What falls outside is clamped or cut, with a warning for the file's list.

use super::progression::MAX_FORM_BARS;
use super::score::{Score, Tempo, Tick};

/// The slowest and fastest tempo improv reads or plays (as `--bpm` accepts).
pub const MIN_BPM: f64 = 20.0;
pub const MAX_BPM: f64 = 400.0;

/// A tempo mark read from a file, in range: `None` (mark ignored) when it is not a tempo at
/// all (not a number, zero or negative), else clamped into `MIN_BPM..=MAX_BPM`; the warning
/// says which.
pub fn checked_bpm(bpm: f64, bar: usize) -> (Option<f64>, Option<String>) {
    if !bpm.is_finite() || bpm <= 0.0 {
        let w = format!("a tempo of {bpm} bpm in bar {bar} is not a tempo: ignored");
        return (None, Some(w));
    }
    if (MIN_BPM..=MAX_BPM).contains(&bpm) {
        return (Some(bpm), None);
    }
    let kept = bpm.clamp(MIN_BPM, MAX_BPM);
    let w = format!(
        "a tempo of {} bpm in bar {bar} is outside {MIN_BPM}–{MAX_BPM} bpm: read as {kept}",
        (bpm * 100.0).round() / 100.0
    );
    (Some(kept), Some(w))
}

impl Score {
    /// The 1-based bar of `tick` at the first meter (for warnings).
    pub fn bar_of(&self, tick: Tick) -> usize {
        (tick / self.time_sig_at(0).bar_ticks().max(1)) as usize + 1
    }

    /// Brings the tempo map into range (see [`checked_bpm`]); the warnings say what changed.
    pub fn clamp_tempos(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut kept: Vec<Tempo> = Vec::with_capacity(self.tempos.len());
        for t in self.tempos.clone() {
            let bar = self.bar_of(t.tick);
            let (bpm, w) = match t.us_per_quarter {
                // 0 µs a beat would play every note at once.
                0 => (
                    None,
                    Some(format!("a tempo of 0 µs a beat in bar {bar}: ignored")),
                ),
                us => checked_bpm(60_000_000.0 / us as f64, bar),
            };
            warnings.extend(w);
            if let Some(bpm) = bpm {
                kept.push(Tempo::from_bpm(t.tick, bpm));
            }
        }
        // Where the first tempo was dropped, MIDI's default holds until the next.
        if kept.first().is_none_or(|t| t.tick != 0) {
            kept.insert(0, Tempo::from_bpm(0, 120.0));
        }
        self.tempos = kept;
        warnings
    }

    /// Cuts the score at [`MAX_FORM_BARS`] bars (of its first meter): notes held past the cut
    /// end there, later notes, chords and tempos go. A file that long is damaged or not a
    /// tune (one note held 2^28 ticks makes 140,000 bars); the warning says so.
    pub fn cap_length(&mut self) -> Option<String> {
        let bar = self.time_sig_at(0).bar_ticks().max(1) as u64;
        let cap = (MAX_FORM_BARS as u64 * bar).min(Tick::MAX as u64) as Tick;
        let end = self.end();
        if end <= cap {
            return None;
        }
        for t in &mut self.tracks {
            t.notes.retain(|n| n.start < cap);
            for n in &mut t.notes {
                n.dur = n.dur.min(cap - n.start);
            }
        }
        self.chords.retain(|c| c.start < cap);
        for c in &mut self.chords {
            c.dur = c.dur.min(cap - c.start);
        }
        self.tempos.retain(|t| t.tick < cap);
        self.time_sigs.retain(|t| t.tick < cap);
        Some(format!(
            "the file runs {} bars, more than the {MAX_FORM_BARS} a form may have (damage, or \
             a note held far too long): cut at bar {MAX_FORM_BARS}",
            (end as u64).div_ceil(bar)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::score::{Note, Role, Track};
    use crate::music::{PPQ, Pitch};

    #[test]
    fn file_tempos_outside_the_range_are_clamped_or_ignored_with_a_warning() {
        assert_eq!(checked_bpm(120.0, 1), (Some(120.0), None));
        let (bpm, w) = checked_bpm(1.0, 3);
        assert_eq!(bpm, Some(MIN_BPM));
        assert!(w.unwrap().contains("bar 3"));
        assert_eq!(checked_bpm(60_000_000.0, 1).0, Some(MAX_BPM));
        for bad in [-5.0, 0.0, f64::NAN, f64::INFINITY] {
            assert_eq!(checked_bpm(bad, 1).0, None, "{bad}");
        }
        let mut s = Score::new("t", 120.0);
        s.tempos[0].us_per_quarter = 0;
        s.tempos.push(Tempo::from_bpm(4 * PPQ, 1000.0));
        s.tempos.push(Tempo {
            tick: 8 * PPQ,
            us_per_quarter: (1 << 24) - 1,
        });
        let w = s.clamp_tempos();
        assert!(w[0].contains("0 µs a beat in bar 1: ignored"), "{w:?}");
        assert!(
            w[1].contains("bar 2") && w[1].contains("read as 400"),
            "{w:?}"
        );
        assert!(
            w[2].contains("bar 3") && w[2].contains("read as 20"),
            "{w:?}"
        );
        let bpms: Vec<f64> = s.tempos.iter().map(|t| t.bpm().round()).collect();
        assert_eq!(bpms, vec![120.0, MAX_BPM, MIN_BPM]);
        assert_eq!(s.tempos[0].tick, 0, "the default holds from the start");
    }

    #[test]
    fn a_note_held_for_two_to_the_28_ticks_is_cut_at_the_form_cap() {
        let mut s = Score::new("t", 120.0);
        let mut t = Track::new("solo", Role::Melody, 0, 0);
        t.notes.push(Note {
            start: 0,
            dur: 1 << 28,
            pitch: Pitch::MIDDLE_C,
            velocity: 90,
        });
        s.tracks.push(t);
        let w = s.cap_length().expect("a warning");
        assert!(w.contains("139811 bars") && w.contains("cut"), "{w}");
        assert_eq!(s.end(), MAX_FORM_BARS as Tick * 4 * PPQ);
        assert_eq!(s.cap_length(), None);
    }
}
