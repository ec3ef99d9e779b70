//! What an improvisation is asked for: the Generate tab's settings rows (progression,
//! sampling, the conditioned model's decoding and register), which of them apply to the
//! loaded model, and the options and `Decoding` a run is given.

use super::super::widgets::settings::Field;
use super::file_name;
use crate::dataset::events::Register;
use crate::generate::decode::Decoding;
use crate::generate::{Changes, GenerateOptions, SampleOptions};
use crate::model::ModelKind;
use crate::model::bundle::Bundle;
use crate::music::{PPQ, Pitch, Progression};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenField {
    Progression,
    Choruses,
    Tempo,
    Temperature,
    TopK,
    TopP,
    Beam,
    Branch,
    Harmony,
    RegisterCentre,
    RegisterSpan,
    Seed,
    Model,
    Roll,
}

impl Field for GenField {
    const ALL: &'static [Self] = &[
        GenField::Progression,
        GenField::Choruses,
        GenField::Tempo,
        GenField::Temperature,
        GenField::TopK,
        GenField::TopP,
        GenField::Beam,
        GenField::Branch,
        GenField::Harmony,
        GenField::RegisterCentre,
        GenField::RegisterSpan,
        GenField::Seed,
        GenField::Model,
        GenField::Roll,
    ];

    fn label(self) -> String {
        match self {
            GenField::Progression => "progression",
            GenField::Choruses => "choruses",
            GenField::Tempo => "tempo",
            GenField::Temperature => "temperature",
            GenField::TopK => "top-k",
            GenField::TopP => "top-p",
            GenField::Beam => "beam width",
            GenField::Branch => "branch",
            GenField::Harmony => "harmony",
            GenField::RegisterCentre => "reg. centre",
            GenField::RegisterSpan => "reg. span",
            GenField::Seed => "seed",
            GenField::Model => "model ←→",
            GenField::Roll => "roll",
        }
        .into()
    }
}

impl GenField {
    /// The values a numeric row may take (inclusive), for the keys and the config file.
    pub fn range(self) -> Option<(f64, f64)> {
        Some(match self {
            GenField::Choruses => (1.0, 16.0),
            GenField::Tempo => (40.0, 320.0),
            GenField::Temperature => (0.0, 3.0),
            GenField::TopK => (0.0, 64.0),
            GenField::TopP => (0.05, 1.0),
            GenField::Beam => (0.0, 16.0),
            GenField::Branch => (1.0, 16.0),
            GenField::Harmony => (0.0, 5.0),
            _ => return None,
        })
    }
}

/// What an improvisation is asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct GenSettings {
    pub preset: usize,
    /// A typed chord chart (wins over the preset).
    pub chart: Option<String>,
    /// A chart from the library or a link (wins over the preset and a typed chart).
    pub library: Option<Progression>,
    /// Improvise over the changes of this MIDI file (the Dataset tab's selected file).
    pub file: Option<PathBuf>,
    pub choruses: usize,
    pub bpm: f64,
    pub temperature: f64,
    pub top_k: usize,
    /// Conditioned models: nucleus sampling (1: all).
    pub top_p: f64,
    /// Conditioned models: beams (0: sample).
    pub beam: usize,
    pub branch: usize,
    pub harmony: f64,
    /// Conditioned models: the register (None: the training corpus's).
    pub register_centre: Option<u8>,
    pub register_span: Option<u8>,
    pub seed: u64,
}

impl Default for GenSettings {
    fn default() -> Self {
        let d = Decoding::default();
        GenSettings {
            preset: 0,
            chart: None,
            library: None,
            file: None,
            choruses: 2,
            bpm: 140.0,
            temperature: crate::generate::TEMPERATURE,
            top_k: 0,
            top_p: d.top_p,
            beam: d.beam,
            branch: d.branch,
            harmony: d.harmony,
            register_centre: None,
            register_span: None,
            seed: 1,
        }
    }
}

/// What the settings need to know of the loaded model: its kind and its corpus's register.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Loaded {
    pub kind: ModelKind,
    pub register: Option<Register>,
}

impl Loaded {
    pub fn of(b: &Bundle) -> Loaded {
        Loaded {
            kind: b.kind(),
            register: b.net.conditioned().map(|c| c.meta.register),
        }
    }
}

impl GenSettings {
    /// Why `f` does nothing for the loaded model with these settings (None: it applies).
    pub fn not_applying(&self, f: GenField, m: Loaded) -> Option<&'static str> {
        let cond = m.kind == ModelKind::Conditioned;
        let beam = cond && self.beam > 0;
        match f {
            GenField::TopP | GenField::Beam | GenField::RegisterCentre | GenField::RegisterSpan
                if !cond =>
            {
                Some("applies to conditioned models (the loaded one is exercise)")
            }
            GenField::Branch | GenField::Harmony if !cond => {
                Some("applies to a conditioned model's beam search (the loaded one is exercise)")
            }
            GenField::Temperature | GenField::TopK | GenField::TopP if beam => {
                Some("is for sampling: beam search ignores it (beam width 0 samples)")
            }
            GenField::Branch | GenField::Harmony if !beam => {
                Some("applies to beam search (set the beam width above 0)")
            }
            _ => None,
        }
    }

    /// The value shown for `f` (`model` is the loaded bundle's path).
    pub fn value(&self, f: GenField, model: &Path, m: Loaded) -> String {
        let reg = self.register(m);
        let corpus = |custom: bool| if custom { "" } else { " (corpus)" };
        match f {
            GenField::Progression => self.progression_name(),
            GenField::Choruses => self.choruses.to_string(),
            GenField::Tempo => format!("{:.0} bpm", self.bpm),
            GenField::Temperature => format!("{:.2}", self.temperature),
            GenField::TopK if self.top_k == 0 => "all".into(),
            GenField::TopK => self.top_k.to_string(),
            GenField::TopP if self.top_p >= 1.0 => "1.00 (all)".into(),
            GenField::TopP => format!("{:.2}", self.top_p),
            GenField::Beam if self.beam == 0 => "0 (sample)".into(),
            GenField::Beam => self.beam.to_string(),
            GenField::Branch => self.branch.to_string(),
            GenField::Harmony => format!("{:.2}", self.harmony),
            GenField::RegisterCentre => match reg {
                Some(r) => {
                    let name = Pitch::new(r.centre).map_or(r.centre.to_string(), |p| p.name());
                    format!("{name}{}", corpus(self.register_centre.is_some()))
                }
                None => "corpus".into(),
            },
            GenField::RegisterSpan => match reg {
                Some(r) => format!("{} st{}", r.span, corpus(self.register_span.is_some())),
                None => "corpus".into(),
            },
            GenField::Seed => self.seed.to_string(),
            // The bundle's folder name (the models folder is the Train tab's).
            GenField::Model => file_name(model),
            GenField::Roll => "←→ scroll bars".into(),
        }
    }

    /// Changes a value by `d` steps (progression, model and roll are the tab's business).
    pub fn adjust(&mut self, f: GenField, d: i64, m: Loaded) {
        let (lo, hi) = f.range().unwrap_or((0.0, 0.0));
        let step = |v: usize| (v as i64 + d).clamp(lo as i64, hi as i64) as usize;
        let hundredths = |v: f64, per: f64| {
            ((v + per * d as f64) * 100.0)
                .round()
                .clamp(lo * 100.0, hi * 100.0)
                / 100.0
        };
        match f {
            GenField::Choruses => self.choruses = step(self.choruses),
            GenField::Tempo => self.bpm = (self.bpm + 10.0 * d as f64).clamp(lo, hi),
            GenField::Temperature => self.temperature = hundredths(self.temperature, 0.1),
            GenField::TopK => self.top_k = step(self.top_k),
            GenField::TopP => self.top_p = hundredths(self.top_p, 0.05),
            GenField::Beam => self.beam = step(self.beam),
            GenField::Branch => self.branch = step(self.branch),
            GenField::Harmony => self.harmony = hundredths(self.harmony, 0.25),
            GenField::RegisterCentre | GenField::RegisterSpan => self.adjust_register(f, d, m),
            GenField::Seed => self.seed = (self.seed as i64 + d).max(0) as u64,
            GenField::Progression | GenField::Model | GenField::Roll => {}
        }
    }

    /// Moves the register's centre by a semitone or its span by two, from the corpus's
    /// when unset; back on the corpus's value it is unset again.
    fn adjust_register(&mut self, f: GenField, d: i64, m: Loaded) {
        let Some(corpus) = m.register else {
            return;
        };
        let r = self.register(m).unwrap_or(corpus);
        if f == GenField::RegisterCentre {
            let c = (i64::from(r.centre) + d).clamp(24, 108) as u8;
            self.register_centre = (c != corpus.centre).then_some(c);
        } else {
            let s = (i64::from(r.span) + 2 * d).clamp(6, 60) as u8;
            self.register_span = (s != corpus.span).then_some(s);
        }
    }

    /// The register decoding keeps to: the corpus's with the user's changes (None for a
    /// model without one).
    pub fn register(&self, m: Loaded) -> Option<Register> {
        let corpus = m.register?;
        Some(Register {
            centre: self.register_centre.unwrap_or(corpus.centre),
            span: self.register_span.unwrap_or(corpus.span),
        })
    }

    /// The decoding rules of a run (used by conditioned models).
    pub fn decoding(&self, m: Loaded) -> Decoding {
        let custom = self.register_centre.is_some() || self.register_span.is_some();
        Decoding {
            top_p: self.top_p,
            beam: self.beam,
            branch: self.branch.max(1),
            harmony: self.harmony,
            register: self.register(m).filter(|_| custom),
            ..Decoding::default()
        }
    }

    /// The options of a run, and the file to read the changes from (on the jobs thread)
    /// when improvising over a file's changes.
    pub fn options(&self) -> Result<(GenerateOptions, Option<PathBuf>), String> {
        let changes = match &self.file {
            Some(_) => Changes {
                name: String::new(),
                spans: Vec::new(),
                bar_ticks: PPQ * 4,
                bpm: None,
            },
            None => self.changes()?,
        };
        let sample = SampleOptions {
            temperature: self.temperature,
            top_k: self.top_k,
            seed: self.seed,
        };
        let opts = GenerateOptions {
            changes,
            choruses: self.choruses,
            bpm: self.bpm,
            sample,
            primer: Vec::new(),
        };
        Ok((opts, self.file.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COND: Loaded = Loaded {
        kind: ModelKind::Conditioned,
        register: Some(Register {
            centre: 67,
            span: 28,
        }),
    };

    #[test]
    fn the_decoding_rows_make_the_decoding() {
        let mut s = GenSettings::default();
        assert_eq!(s.decoding(COND), Decoding::default());
        for _ in 0..4 {
            s.adjust(GenField::Beam, 1, COND);
        }
        s.adjust(GenField::Branch, 2, COND);
        s.adjust(GenField::Harmony, 2, COND);
        s.adjust(GenField::TopP, -2, COND);
        s.adjust(GenField::RegisterCentre, -5, COND);
        let d = s.decoding(COND);
        assert_eq!((d.beam, d.branch, d.harmony, d.top_p), (4, 6, 0.5, 0.9));
        assert_eq!(
            d.register,
            Some(Register {
                centre: 62,
                span: 28
            })
        );
        // Back on the corpus's centre, the register is the corpus's again.
        s.adjust(GenField::RegisterCentre, 5, COND);
        assert_eq!(s.decoding(COND).register, None);
        assert_eq!(
            s.value(GenField::RegisterCentre, Path::new("m"), COND),
            "G4 (corpus)"
        );
        s.adjust(GenField::RegisterSpan, 1, COND);
        assert_eq!(
            s.value(GenField::RegisterSpan, Path::new("m"), COND),
            "30 st"
        );
    }

    #[test]
    fn rows_that_do_not_apply_say_why() {
        let mut s = GenSettings::default();
        let ex = Loaded::default();
        assert!(s.not_applying(GenField::Beam, ex).is_some());
        assert!(s.not_applying(GenField::RegisterSpan, ex).is_some());
        assert!(s.not_applying(GenField::Temperature, ex).is_none());
        assert!(s.not_applying(GenField::TopP, COND).is_none());
        assert!(s.not_applying(GenField::Branch, COND).is_some());
        s.beam = 2;
        assert!(s.not_applying(GenField::Branch, COND).is_none());
        assert!(s.not_applying(GenField::Temperature, COND).is_some());
        // An exercise model samples whatever the beam row says.
        assert!(s.not_applying(GenField::Temperature, ex).is_none());
    }
}
