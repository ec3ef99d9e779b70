//! The decoding options `generate` and `judge` share, so a setting judged is a setting played.

use anyhow::Result;
use clap::Args;
use improv::dataset::events::Register;
use improv::generate::decode::Decoding;
use improv::model::bundle::Bundle;

#[derive(Args, Debug, Clone)]
pub struct DecodingArgs {
    /// Conditioned models: sample from the smallest set of choices holding this much
    /// probability (1 = all).
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f64,
    /// Conditioned models: beam search with this many beams (0 = sample).
    #[arg(long, default_value_t = 0)]
    pub beam: usize,
    /// Conditioned models: pitches and durations each beam tries per step.
    #[arg(long, default_value_t = 4)]
    pub branch: usize,
    /// Conditioned models: weight of chord and scale tones on the beat in beam search.
    #[arg(long, default_value_t = 0.0)]
    pub harmony: f64,
    /// Conditioned models: restate the solo's own figures moved onto the chords (0 = off):
    /// in beam search a bonus in nats per step that follows a restatement, in sampling how
    /// hard each step leans toward it (and W/(1+W) the chance a phrase opens with one).
    #[arg(long, default_value_t = improv::generate::decode::DEVELOP)]
    pub develop: f64,
    /// Conditioned models: phrasing, the notes a phrase aims at (0 = off): past half of it
    /// a rest grows likelier, and a rest begun then is held to a beat or more.
    #[arg(long, default_value_t = improv::generate::decode::PHRASE)]
    pub phrase: f64,
    /// Conditioned models: the register's centre, a MIDI key (default: the corpus's).
    #[arg(long)]
    pub register_centre: Option<u8>,
    /// Conditioned models: the register's span in semitones (default: the corpus's).
    #[arg(long)]
    pub register_span: Option<u8>,
}

impl DecodingArgs {
    /// The checked settings for this bundle (the register defaults to the bundle's corpus's).
    pub fn decoding(&self, bundle: &Bundle) -> Result<Decoding> {
        anyhow::ensure!(
            self.top_p > 0.0 && self.top_p <= 1.0,
            "--top-p must be above 0 and at most 1"
        );
        anyhow::ensure!(self.beam <= 64, "--beam must be at most 64");
        anyhow::ensure!(
            self.harmony.is_finite() && self.harmony >= 0.0,
            "--harmony must be 0 or more"
        );
        anyhow::ensure!(
            self.develop.is_finite() && (0.0..=20.0).contains(&self.develop),
            "--develop must be between 0 and 20"
        );
        anyhow::ensure!(
            self.phrase.is_finite() && (0.0..=200.0).contains(&self.phrase),
            "--phrase must be between 0 and 200 notes"
        );
        let register = match (
            bundle.net.conditioned().map(|c| &c.meta),
            self.register_centre,
            self.register_span,
        ) {
            (_, None, None) | (None, _, _) => None,
            (Some(m), c, s) => Some(Register {
                centre: c.unwrap_or(m.register.centre).clamp(24, 108),
                span: s.unwrap_or(m.register.span).clamp(6, 60),
            }),
        };
        Ok(Decoding {
            top_p: self.top_p,
            beam: self.beam,
            branch: self.branch.max(1),
            harmony: self.harmony,
            register,
            develop: self.develop,
            phrase: self.phrase,
            ..Decoding::default()
        })
    }
}
