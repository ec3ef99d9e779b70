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
        let register = match (
            &bundle.meta.conditioned,
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
            ..Decoding::default()
        })
    }
}
