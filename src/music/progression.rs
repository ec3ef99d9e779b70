//! Chord progressions: bar-by-bar charts, text parsing (`| Dm7 G7 | Cmaj7 | % |`) and presets.

use super::chart_meta::ChartMeta;
use super::chord::Chord;
use super::chord_parse::parse_symbol;
use super::score::{ChordSpan, PPQ, Tick};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest form improv reads, from a chart or a file's changes: every reader cuts or
/// refuses at this many bars (real tunes are a few dozen; a whole performance a few hundred).
pub const MAX_FORM_BARS: usize = 1024;

/// One bar's chords; each takes an equal share of the bar (so `Dm7 G7` in 4/4 is 2 + 2 beats).
/// `None` is "no chord" (`NC`).
pub type Bar = Vec<Option<Chord>>;

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Progression {
    pub name: String,
    pub bars: Vec<Bar>,
    /// What a chart read from a file or link says besides its chords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ChartMeta>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProgressionError {
    #[error("bar {bar}: {reason}")]
    BadChord { bar: usize, reason: String },
    #[error("bar {bar}: '%' repeats the previous bar, but there is none")]
    NothingToRepeat { bar: usize },
    #[error("the chart has no bars")]
    Empty,
    #[error("the chart has more than {MAX_FORM_BARS} bars, the longest form improv reads")]
    TooLong,
    #[error("unknown progression {0:?}: use a preset ({presets}) or a chart like \"| Dm7 G7 | Cmaj7 |\"", presets = PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", "))]
    Unknown(String),
}

/// The presets: name, description, chart.
pub const PRESETS: &[(&str, &str, &str)] = &[
    (
        "blues-f",
        "12-bar jazz blues in F",
        "| F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | D7 | Gm7 | C7 | F7 D7 | Gm7 C7 |",
    ),
    (
        "blues-bb",
        "12-bar jazz blues in Bb",
        "| Bb7 | Eb7 | Bb7 | Fm7 Bb7 | Eb7 | Edim7 | Bb7 | G7 | Cm7 | F7 | Bb7 G7 | Cm7 F7 |",
    ),
    (
        "minor-blues",
        "12-bar minor blues in C",
        "| Cm7 | Cm7 | Cm7 | Cm7 | Fm7 | Fm7 | Cm7 | Cm7 | Ab7 | G7 | Cm7 | Dm7b5 G7 |",
    ),
    (
        "rhythm-changes",
        "32-bar rhythm changes in Bb (AABA)",
        "| Bb6 G7 | Cm7 F7 | Bb6 G7 | Cm7 F7 | Fm7 Bb7 | Eb6 Edim7 | Bb6 G7 | Cm7 F7 \
         | Bb6 G7 | Cm7 F7 | Bb6 G7 | Cm7 F7 | Fm7 Bb7 | Eb6 Edim7 | Cm7 F7 | Bb6 \
         | D7 | D7 | G7 | G7 | C7 | C7 | F7 | F7 \
         | Bb6 G7 | Cm7 F7 | Bb6 G7 | Cm7 F7 | Fm7 Bb7 | Eb6 Edim7 | Cm7 F7 | Bb6 |",
    ),
    ("ii-v-i", "ii-V-I in C", "| Dm7 | G7 | Cmaj7 | Cmaj7 |"),
    (
        "ii-v-i-cycle",
        "ii-V-I through six keys, down in whole steps",
        "| Dm7 | G7 | Cmaj7 | Cmaj7 | Cm7 | F7 | Bbmaj7 | Bbmaj7 | Bbm7 | Eb7 | Abmaj7 | Abmaj7 \
         | Abm7 | Db7 | Gbmaj7 | Gbmaj7 | F#m7 | B7 | Emaj7 | Emaj7 | Em7 | A7 | Dmaj7 | Dmaj7 |",
    ),
    (
        "autumn",
        "32-bar circle-of-fourths changes in G minor",
        "| Cm7 | F7 | Bbmaj7 | Ebmaj7 | Am7b5 | D7 | Gm6 | Gm6 \
         | Cm7 | F7 | Bbmaj7 | Ebmaj7 | Am7b5 | D7 | Gm6 | Gm6 \
         | Am7b5 | D7 | Gm6 | Gm6 | Cm7 | F7 | Bbmaj7 | Ebmaj7 \
         | Am7b5 | D7 | Gm7 C7 | Fm7 Bb7 | Am7b5 | D7 | Gm6 | Gm6 |",
    ),
    (
        "aaba-eb",
        "32-bar AABA song form in Eb",
        "| Ebmaj7 | Cm7 | Fm7 | Bb7 | Gm7 | C7 | Fm7 | Bb7 \
         | Ebmaj7 | Cm7 | Fm7 | Bb7 | Gm7 C7 | Fm7 Bb7 | Ebmaj7 | Ebmaj7 \
         | Abmaj7 | Abm6 | Ebmaj7 | Cm7 | F7 | F7 | Fm7 | Bb7 \
         | Ebmaj7 | Cm7 | Fm7 | Bb7 | Gm7 C7 | Fm7 Bb7 | Ebmaj7 | Ebmaj7 |",
    ),
    (
        "ballad",
        "8-bar ballad changes in F",
        "| Fmaj7 | Em7b5 A7 | Dm7 G7 | Gm7 C7 | Fmaj7 D7 | Gm7 C7 | Am7 D7 | Gm7 C7 |",
    ),
];

impl Progression {
    /// Parses a chart: bars between `|`, chords split by spaces, `%` repeats the previous
    /// bar, `/` holds the previous chord for one more share of the bar.
    pub fn parse(name: &str, chart: &str) -> Result<Self, ProgressionError> {
        let mut bars: Vec<Bar> = Vec::new();
        for (i, text) in chart
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .enumerate()
        {
            let bar_no = i + 1;
            if bar_no > MAX_FORM_BARS {
                return Err(ProgressionError::TooLong);
            }
            if text == "%" {
                let prev = bars
                    .last()
                    .cloned()
                    .ok_or(ProgressionError::NothingToRepeat { bar: bar_no })?;
                bars.push(prev);
                continue;
            }
            let mut bar = Vec::new();
            for tok in text.split_whitespace() {
                if tok == "/" {
                    match bar.last().copied() {
                        Some(c) => bar.push(c),
                        None => {
                            return Err(ProgressionError::BadChord {
                                bar: bar_no,
                                reason: "'/' before any chord".into(),
                            });
                        }
                    }
                } else {
                    let ch = parse_symbol(tok).map_err(|e| ProgressionError::BadChord {
                        bar: bar_no,
                        reason: e.to_string(),
                    })?;
                    bar.push(ch);
                }
            }
            bars.push(bar);
        }
        if bars.is_empty() {
            return Err(ProgressionError::Empty);
        }
        Ok(Progression {
            name: name.to_string(),
            bars,
            meta: None,
        })
    }

    pub fn preset(name: &str) -> Option<Self> {
        PRESETS
            .iter()
            .find(|p| p.0 == name)
            .map(|p| Progression::parse(p.0, p.2).expect("preset charts parse"))
    }

    /// A preset name or a chart.
    pub fn from_arg(arg: &str) -> Result<Self, ProgressionError> {
        if let Some(p) = Progression::preset(arg.trim()) {
            return Ok(p);
        }
        if arg.contains('|') || arg.contains(' ') {
            return Progression::parse("chart", arg);
        }
        // A single chord symbol is a one-bar vamp; anything else is an unknown name.
        match arg.parse::<Chord>() {
            Ok(c) => Ok(Progression {
                name: arg.to_string(),
                bars: vec![vec![Some(c)]],
                meta: None,
            }),
            Err(_) => Err(ProgressionError::Unknown(arg.to_string())),
        }
    }

    /// One bar's length: the chart's meter, or 4/4.
    pub fn bar_ticks(&self) -> Tick {
        self.meta.as_ref().map_or(PPQ * 4, ChartMeta::bar_ticks)
    }

    pub fn len_bars(&self) -> usize {
        self.bars.len()
    }

    /// The chord spans of `choruses` times through, each bar `bar_ticks` long.
    pub fn spans(&self, bar_ticks: Tick, choruses: usize) -> Vec<ChordSpan> {
        let mut out: Vec<ChordSpan> = Vec::new();
        let mut bar_start = 0;
        for _ in 0..choruses {
            for bar in &self.bars {
                let n = bar.len().max(1) as u32;
                for (i, c) in bar.iter().enumerate() {
                    let start = bar_start + bar_ticks * i as u32 / n;
                    let end = bar_start + bar_ticks * (i as u32 + 1) / n;
                    // No chord: a gap in the spans.
                    let Some(c) = c else { continue };
                    // Merge a held chord into the span before it.
                    match out.last_mut() {
                        Some(last) if last.chord == *c && last.end() == start => {
                            last.dur = end - last.start
                        }
                        _ => out.push(ChordSpan {
                            start,
                            dur: end - start,
                            chord: *c,
                        }),
                    }
                }
                bar_start += bar_ticks;
            }
        }
        out
    }
}

impl fmt::Display for Progression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("|")?;
        for bar in &self.bars {
            let names: Vec<String> = bar
                .iter()
                .map(|c| c.map_or("NC".to_string(), |c| c.to_string()))
                .collect();
            write!(f, " {} |", names.join(" "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::PPQ;

    #[test]
    fn every_preset_parses_and_prints_back() {
        for (name, _, _) in PRESETS {
            let p = Progression::preset(name).unwrap();
            assert!(p.len_bars() >= 4, "{name}");
            let again = Progression::parse(name, &p.to_string()).unwrap();
            assert_eq!(again, p);
        }
        assert_eq!(Progression::preset("blues-f").unwrap().len_bars(), 12);
        assert_eq!(
            Progression::preset("rhythm-changes").unwrap().len_bars(),
            32
        );
    }

    #[test]
    fn chart_with_repeats_and_splits() {
        let p = Progression::parse("x", "| Dm7 G7 | Cmaj7 | % |").unwrap();
        assert_eq!(p.len_bars(), 3);
        assert_eq!(p.bars[2], p.bars[1]);
        let spans = p.spans(PPQ * 4, 2);
        // Dm7, G7, Cmaj7 (two bars merged), then again.
        assert_eq!(spans.len(), 6);
        assert_eq!(spans[0].dur, PPQ * 2);
        assert_eq!(spans[2].dur, PPQ * 8);
        assert_eq!(spans[3].start, PPQ * 12);
        let held = Progression::parse("x", "| C7 / / F7 |")
            .unwrap()
            .spans(PPQ * 4, 1);
        assert_eq!(held.len(), 2);
        assert_eq!(held[0].dur, PPQ * 3);
    }

    #[test]
    fn bad_charts_say_where() {
        assert_eq!(
            Progression::parse("x", "| C7 | Qm7 |").unwrap_err(),
            ProgressionError::BadChord {
                bar: 2,
                reason: "not a chord symbol: \"Qm7\"".into()
            }
        );
        assert!(matches!(
            Progression::parse("x", "| % |"),
            Err(ProgressionError::NothingToRepeat { bar: 1 })
        ));
        assert_eq!(
            Progression::parse("x", " | | "),
            Err(ProgressionError::Empty)
        );
        assert!(matches!(
            Progression::from_arg("no-such-preset"),
            Err(ProgressionError::Unknown(_))
        ));
        assert_eq!(Progression::from_arg("G7").unwrap().len_bars(), 1);
    }
}
