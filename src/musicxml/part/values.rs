//! What single MusicXML elements say as numbers: pitches, meters, tempos, dynamics.

use crate::musicxml::xml::Node;

/// A MusicXML dynamics percentage (100 = forte-ish, MIDI velocity 90) as a velocity.
pub(super) fn velocity(percent: f64) -> u8 {
    (percent * 0.9).round().clamp(1.0, 127.0) as u8
}

/// The MIDI key of a written pitch.
pub(super) fn key(step: &str, alter: f64, octave: f64) -> Option<i32> {
    let pc = match step.to_ascii_uppercase().as_str() {
        "C" => 0,
        "D" => 2,
        "E" => 4,
        "F" => 5,
        "G" => 7,
        "A" => 9,
        "B" => 11,
        _ => return None,
    };
    if !(-1.0..=10.0).contains(&octave) {
        return None;
    }
    Some((octave as i32 + 1) * 12 + pc + alter.round().clamp(-3.0, 3.0) as i32)
}

/// `<time>` as (num, den); `3+2` beats add up; the denominator must be a power of two.
pub(super) fn meter(t: &Node) -> Option<(u8, u8)> {
    let beats: u32 = t
        .text_of("beats")?
        .split('+')
        .map(|b| b.trim().parse::<u32>().ok())
        .sum::<Option<u32>>()?;
    let den: u32 = t.text_of("beat-type")?.parse().ok()?;
    ((1..=255).contains(&beats) && den.is_power_of_two() && den <= 64)
        .then_some((beats as u8, den as u8))
}

/// `<sound tempo>` as written (the range is checked with every reader's, in `build`).
pub(super) fn sound_tempo(s: &Node) -> Option<f64> {
    s.attr("tempo")?.trim().parse::<f64>().ok()
}

/// A direction's tempo: `<sound tempo>` when it has one, else its metronome mark.
pub(super) fn direction_tempo(d: &Node) -> Option<f64> {
    if let Some(bpm) = d.child("sound").and_then(sound_tempo) {
        return Some(bpm);
    }
    let m = d
        .children_named("direction-type")
        .find_map(|dt| dt.child("metronome"))?;
    let unit = match m.text_of("beat-unit")? {
        "whole" => 4.0,
        "half" => 2.0,
        "quarter" => 1.0,
        "eighth" => 0.5,
        "16th" => 0.25,
        "32nd" => 0.125,
        _ => return None,
    };
    let dots = m.children_named("beat-unit-dot").count().min(2) as i32;
    let unit = unit * (2.0 - 0.5f64.powi(dots));
    // "c. 120" and "120-132" both read as 120.
    let text = m.text_of("per-minute")?;
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    // A minus sign is kept, so the range check sees the mark as written.
    let sign = if text.trim_start().starts_with('-') {
        -1.0
    } else {
        1.0
    };
    Some(sign * digits.parse::<f64>().ok()? * unit)
}
