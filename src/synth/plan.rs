//! Before a render starts: how long it will be, whether that is too long, and what looks damaged.
//!
//! A damaged file can hold one note lasting 39 minutes or minutes of silence between two
//! notes; rendering it would make a huge file of almost nothing. `check` names the bar where
//! such a thing happens, and refuses a render longer than the limit before it begins.

use super::{SynthError, SynthSettings, TAIL_SECS, reverb::ROOM_TAIL_SECS};
use crate::music::{Score, Tick};

/// A note longer than this many bars is worth a warning.
pub const LONG_NOTE_BARS: f64 = 4.0;
/// Silence longer than this (seconds) is worth a warning.
pub const LONG_SILENCE_SECS: f64 = 60.0;
/// The default limit on a render's length, in minutes.
pub const DEFAULT_MAX_MINUTES: f64 = 30.0;

/// What a render of a score will be.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderPlan {
    /// Seconds of audio, tails included.
    pub secs: f64,
    /// One line per oddity, each naming its bar.
    pub warnings: Vec<String>,
}

/// Seconds the render of `score` lasts with these settings: the music, the notes' tail
/// and, when the room is on, the room's.
pub fn render_secs(score: &Score, settings: &SynthSettings) -> f64 {
    let room = if settings.room > 0.0 {
        ROOM_TAIL_SECS
    } else {
        0.0
    };
    score.seconds_at(score.end()) + TAIL_SECS + room
}

/// The bar (counting from 1) that holds `tick`, following meter changes.
pub fn bar_of(score: &Score, tick: Tick) -> u64 {
    let sigs = &score.time_sigs;
    let mut bar = 1u64;
    for (i, sig) in sigs.iter().enumerate() {
        let len = sig.bar_ticks().max(1);
        match sigs.get(i + 1) {
            Some(next) if next.tick <= tick => {
                bar += u64::from((next.tick - sig.tick).div_ceil(len));
            }
            _ => return bar + u64::from(tick.saturating_sub(sig.tick) / len),
        }
    }
    bar + u64::from(tick / (crate::music::PPQ * 4))
}

/// Checks a score before rendering: warnings for absurd notes and silences, and an error
/// when the render would last longer than `max_minutes`.
pub fn check(
    score: &Score,
    settings: &SynthSettings,
    max_minutes: f64,
) -> Result<RenderPlan, SynthError> {
    let secs = render_secs(score, settings);
    if secs > max_minutes * 60.0 {
        return Err(SynthError::TooLong {
            minutes: secs / 60.0,
            limit: max_minutes,
        });
    }
    Ok(RenderPlan {
        secs,
        warnings: warnings(score),
    })
}

fn warnings(score: &Score) -> Vec<String> {
    let mut out = Vec::new();
    let mut spans: Vec<(Tick, Tick)> = Vec::new();
    for track in &score.tracks {
        for n in &track.notes {
            spans.push((n.start, n.end()));
            let bar_len = score.time_sig_at(n.start).bar_ticks().max(1);
            let bars = f64::from(n.dur) / f64::from(bar_len);
            if bars > LONG_NOTE_BARS && out.len() < 10 {
                let mins = (score.seconds_at(n.end()) - score.seconds_at(n.start)) / 60.0;
                out.push(format!(
                    "bar {}: a {} note in {} lasts {bars:.0} bars ({mins:.1} min); the file may be damaged",
                    bar_of(score, n.start),
                    n.pitch,
                    track.name
                ));
            }
        }
    }
    spans.sort_unstable();
    let mut covered = 0;
    for &(start, end) in &spans {
        if start > covered {
            silence(score, covered, start, &mut out);
        }
        covered = covered.max(end);
    }
    silence(score, covered, score.end(), &mut out);
    out
}

fn silence(score: &Score, from: Tick, to: Tick, out: &mut Vec<String>) {
    let secs = score.seconds_at(to) - score.seconds_at(from);
    if secs > LONG_SILENCE_SECS && out.len() < 10 {
        out.push(format!(
            "bars {}-{}: {:.1} minutes of silence; the file may be damaged",
            bar_of(score, from),
            bar_of(score, to),
            secs / 60.0
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Note, PPQ, Pitch, Role, TimeSig, Track};

    fn score(notes: &[(u32, u32)]) -> Score {
        let mut s = Score::new("t", 120.0);
        let mut t = Track::new("Solo", Role::Melody, 0, 0);
        for &(start, dur) in notes {
            t.notes.push(Note {
                start,
                dur,
                pitch: Pitch::new(60).unwrap(),
                velocity: 90,
            });
        }
        s.tracks.push(t);
        s
    }

    #[test]
    fn bars_follow_the_meter() {
        let mut s = score(&[]);
        assert_eq!(bar_of(&s, 0), 1);
        assert_eq!(bar_of(&s, PPQ * 4 - 1), 1);
        assert_eq!(bar_of(&s, PPQ * 4), 2);
        // Two bars of 4/4, then 3/4.
        s.time_sigs.push(TimeSig {
            tick: PPQ * 8,
            num: 3,
            den: 4,
        });
        assert_eq!(bar_of(&s, PPQ * 8), 3);
        assert_eq!(bar_of(&s, PPQ * 11), 4);
    }

    #[test]
    fn a_plain_score_has_no_warnings() {
        let s = score(&[(0, PPQ), (PPQ, PPQ * 8), (PPQ * 20, PPQ)]);
        let plan = check(&s, &SynthSettings::default(), 30.0).unwrap();
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        assert!((plan.secs - (10.5 + TAIL_SECS + ROOM_TAIL_SECS)).abs() < 1e-9);
    }

    #[test]
    fn an_absurd_note_and_minutes_of_silence_name_their_bars() {
        // A note from bar 3 lasting 39 minutes at 120 bpm; then a note after 2 minutes' rest.
        let long = 39 * 60 * 2 * PPQ;
        let rest = long + PPQ * 8 + 2 * 60 * 2 * PPQ;
        let s = score(&[(0, PPQ), (PPQ * 8, long), (rest, PPQ)]);
        let w = warnings(&s);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("bar 3: a C4 note in Solo lasts 1170 bars"),
            "{}",
            w[0]
        );
        assert!(w[1].contains("2.0 minutes of silence"), "{}", w[1]);
        assert!(w[1].starts_with(&format!("bars {}-", 3 + 1170)), "{}", w[1]);
    }

    #[test]
    fn a_render_over_the_limit_stops_before_it_starts() {
        let s = score(&[(0, 40 * 60 * 2 * PPQ)]);
        let err = check(&s, &SynthSettings::default(), 30.0).unwrap_err();
        assert!(err.to_string().contains("40.0 minutes"), "{err}");
        assert!(err.to_string().contains("--max-minutes"), "{err}");
        assert!(check(&s, &SynthSettings::default(), 45.0).is_ok());
    }
}
