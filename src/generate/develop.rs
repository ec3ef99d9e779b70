//! `--develop`: the decoder restates the solo's own figures. At each phrase start a stored
//! figure is moved onto the chord of the moment (the motif memory) and offered step by
//! step; beam search scores following it, sampling leans the logits toward it, and the
//! model's own probabilities accept or reject each step.

use super::motif::{MotifMemory, Plan, restate};
use crate::model::conditioned::Heads;
use crate::music::Tick;
use crate::tokens::events::{Clock, Event};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Figures a phrase start chooses among (the most recent that fit).
const CHOICES: usize = 4;

/// The memory, the restatement under way and the weight of following it.
#[derive(Clone, Debug, Default)]
pub struct Develop {
    /// Nats: a beam's bonus for each step that follows the plan; in sampling, the lean of
    /// each head toward it (and W / (1 + W) the chance a phrase opens with a restatement).
    pub weight: f64,
    /// Target notes per phrase (0: off): past half of it, a rest grows likelier, and a rest
    /// begun late in a phrase is held to a phrase break.
    pub phrase: f64,
    /// Notes since the last phrase break.
    in_phrase: usize,
    pub mem: MotifMemory,
    pub plan: Plan,
    /// Whether this phrase break will offer a restatement (drawn once per break).
    armed: bool,
    drawn: bool,
    last_key: Option<u8>,
}

impl Develop {
    pub fn new(weight: f64, phrase: f64) -> Develop {
        Develop {
            weight,
            phrase,
            ..Develop::default()
        }
    }

    pub fn active(&self) -> bool {
        self.weight > 0.0 || self.phrase > 0.0
    }

    /// Before choosing the event at `t`: at a phrase break, offer the most recent fitting
    /// figure moved onto the chord at `t` (in sampling, `rng` draws whether this break
    /// offers one and which of the last three figures).
    pub fn prepare(&mut self, t: Tick, clock: &Clock, rng: Option<&mut ChaCha8Rng>) {
        if self.weight <= 0.0 || !self.mem.at_phrase_start() {
            return;
        }
        match rng {
            Some(rng) => {
                if !self.drawn {
                    self.drawn = true;
                    let p = self.weight / (1.0 + self.weight);
                    self.armed = rng.random::<f64>() < p;
                }
            }
            None => self.armed = true,
        }
        self.plan = if self.armed {
            self.best_restatement(t, clock)
        } else {
            Plan::default()
        };
    }

    /// Of the last few figures that fit at `t`, the restatement that bends fewest notes
    /// (the most recent among equals).
    fn best_restatement(&self, t: Tick, clock: &Clock) -> Plan {
        self.mem
            .fitting(t)
            .into_iter()
            .take(CHOICES)
            .map(|f| restate(f, clock, t, clock, self.last_key))
            .filter(|r| !r.events.is_empty())
            .min_by_key(|r| r.bent)
            .map_or_else(Plan::default, |r| Plan::of(&r.events))
    }

    /// The event chosen (as output classes too): the memory keeps it, the plan goes on or
    /// ends. Returns whether it followed the plan.
    pub fn played(&mut self, e: Event, classes: (usize, usize)) -> bool {
        if !self.active() {
            return false;
        }
        let offered = !self.plan.is_done();
        let followed = offered && self.plan.follow(classes);
        if e.pitch.is_some() {
            self.in_phrase = if self.mem.at_phrase_start() {
                1
            } else {
                self.in_phrase + 1
            };
            self.drawn = false;
            self.last_key = e.pitch;
        }
        self.mem.push(e);
        followed
    }

    /// The phrasing rule's lean toward a rest, in nats: none in the first half of a phrase,
    /// then growing with its length; a rest begun past half a phrase is held until it
    /// makes a phrase break.
    pub fn rest_lean(&self) -> f32 {
        if self.phrase <= 0.0 || self.mem.at_phrase_start() {
            return 0.0;
        }
        let n = self.in_phrase as f64 / self.phrase;
        let resting = self.mem.silence() > 0;
        let lean = if resting && n >= 0.5 {
            3.0
        } else {
            6.0 * (n - 0.5).max(0.0)
        };
        lean as f32
    }

    /// Leans the log-probabilities toward a rest by the phrasing rule.
    pub fn phrase_lean(&self, logp: &mut [Vec<f32>], heads: Heads, n_dur: usize) {
        let r = self.rest_lean();
        if r == 0.0 {
            return;
        }
        match heads {
            Heads::Split => logp[0][0] += r,
            Heads::Joint => logp[0][..n_dur].iter_mut().for_each(|v| *v += r),
        }
    }

    /// Leans sampling's log-probabilities toward the plan's next step.
    pub fn lean(&self, logp: &mut [Vec<f32>], heads: Heads, n_dur: usize) {
        let Some((p, d)) = self.plan.peek() else {
            return;
        };
        let w = self.weight as f32;
        match heads {
            Heads::Split => {
                logp[0][p] += w;
                logp[1][d] += w;
            }
            Heads::Joint => logp[0][p * n_dur + d] += 2.0 * w,
        }
    }
}

#[cfg(test)]
mod tests {
    //! `--develop` on a model that has just stated a figure: beam search and sampling restate it.

    use crate::dataset::events::Register;
    use crate::generate::SampleOptions;
    use crate::generate::decode::{Decoding, Lead, decode_turn};
    use crate::model::conditioned::CondMeta;
    use crate::model::conditioned::{CondSpec, CondWeights, Heads};
    use crate::music::{PPQ, Progression};
    use crate::tokens::events::{Clock, Event};
    use crate::tokens::rhythm::UNIT;

    fn model() -> (CondWeights, CondMeta) {
        let spec = CondSpec::events(16, 1, 0.0, Heads::Split);
        let mut w = CondWeights::init(spec, 21);
        // The first head's kernel (storage index `spec.first_head()`), sharpened.
        w.heads[0].kernel.iter_mut().for_each(|v| *v *= 4.0);
        let reg = Register {
            centre: 66,
            span: 24,
        };
        (w, CondMeta::new(spec, reg, false, false))
    }

    /// C E G E C on a C7 vamp (quarter, two eighths, two quarters), then a bar's rest.
    fn figure() -> Vec<Event> {
        let mut t = 0;
        [(Some(60), 12), (Some(64), 6), (Some(67), 6), (Some(64), 12)]
            .into_iter()
            .chain([(Some(60), 12), (None, 48)])
            .map(|(pitch, units)| {
                let e = Event {
                    pitch,
                    start: t,
                    units,
                };
                t += units * UNIT;
                e
            })
            .collect()
    }

    /// The first five notes the model plays after the figure.
    fn answer(develop: f64, beam: usize, seed: u64) -> Vec<(u8, u32)> {
        let (w, meta) = model();
        let spans = Progression::from_arg("| C7 | C7 | C7 | C7 |")
            .unwrap()
            .spans(4 * PPQ, 1);
        let lead = Lead {
            start: 2 * 4 * PPQ,
            primer: figure(),
            opening: Vec::new(),
        };
        let d = Decoding {
            beam,
            develop,
            ..Decoding::default()
        };
        let s = SampleOptions {
            temperature: 1.0,
            top_k: 0,
            seed,
        };
        let clock = Clock::new(spans, 4 * PPQ);
        let events = decode_turn(&w, &meta, clock, &lead, 4 * 4 * PPQ, &s, &d);
        assert!(events.first().is_some_and(|e| e.start == lead.start));
        events
            .iter()
            .filter_map(|e| Some((e.pitch?, e.units)))
            .take(5)
            .collect()
    }

    fn stated() -> Vec<(u8, u32)> {
        figure()
            .iter()
            .filter_map(|e| Some((e.pitch?, e.units)))
            .collect()
    }

    #[test]
    fn beam_search_restates_the_figure_under_develop() {
        assert_eq!(answer(8.0, 4, 1), stated());
        assert_ne!(answer(0.0, 4, 1), stated());
    }

    #[test]
    fn sampling_restates_the_figure_under_develop() {
        let hits = |w: f64| (1..=8).filter(|&s| answer(w, 0, s) == stated()).count();
        assert!(hits(8.0) >= 6, "{}", hits(8.0));
        assert_eq!(hits(0.0), 0);
    }
}
