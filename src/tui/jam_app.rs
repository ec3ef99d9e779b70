//! The studio's side of a Jam session: starting it (the changes, the plan, the mixer on the
//! audio thread), the piano keys while it runs, and its news at every tick.

use super::app::App;
use super::effect::Effect;
use super::jobs::Job;
use super::keymap::Tab;
use super::player::AudioCmd;
use super::tabs::jam::Running;
use crate::generate::Changes;
use crossterm::event::KeyEvent;
use std::path::PathBuf;

/// The velocity of a computer-keyboard note.
const KEY_VELOCITY: u8 = 96;

impl App {
    /// Space on the Jam tab: reads a file's changes first (on the jobs thread), otherwise
    /// starts at once.
    pub(super) fn start_jam(&mut self) {
        let g = &self.generate.settings;
        if let Some(f) = &g.file {
            let job = Job::JamChanges(f.clone());
            self.send(job);
            return;
        }
        match g.options() {
            Ok((opts, _)) => self.start_jam_over(Ok(opts.changes)),
            Err(e) => self.message = e,
        }
    }

    /// Starts the session over `changes`; a bad plan is one line and nothing starts.
    pub(super) fn start_jam_over(&mut self, changes: Result<Changes, String>) {
        let changes = match changes {
            Ok(c) => c,
            Err(e) => {
                self.message = e;
                return;
            }
        };
        let g = &self.generate.settings;
        self.jam.swing = self.play.settings.swing;
        let plan = self.jam.plan(g, changes);
        let with = self.generate.bundle.clone().map(|b| {
            let s = self.jam.answer_settings(g, self.generate.loaded());
            (b, s)
        });
        match Running::start(plan, self.jam.releases, with) {
            Ok((mut run, mixer)) => {
                self.jam.problem = self
                    .jam
                    .settings
                    .midi_in
                    .as_deref()
                    .and_then(|port| run.connect_midi(port));
                self.jam.run = Some(run);
                self.jam.last = None;
                self.message = "jamming: Space stops".into();
                let buffer_ms = self.jam.settings.buffer_ms;
                self.apply(Effect::Audio(AudioCmd::Live {
                    mixer: Box::new(mixer),
                    buffer_ms,
                    source: self.play.sound.clone(),
                }));
            }
            Err(e) => self.message = e.to_string(),
        }
    }

    /// A key pressed while a session runs: the piano keys play (true: it was one).
    pub(super) fn jam_key(&mut self, key: KeyEvent) -> bool {
        if self.tab != Tab::Jam || !self.jam.running() {
            return false;
        }
        let Some(semi) = self.keymap.piano(key.code) else {
            return false;
        };
        if let (Some(k), Some(r)) = (self.jam.key_of(semi), self.jam.run.as_mut()) {
            r.press(k, KEY_VELOCITY);
        }
        true
    }

    /// True when `key` plays the piano now (a session runs on the Jam tab).
    pub fn piano_key(&self, key: KeyEvent) -> bool {
        self.tab == Tab::Jam && self.jam.running() && self.keymap.piano(key.code).is_some()
    }

    /// ←→ on the MIDI-in row: the next input port (or none), or why there is none.
    pub(super) fn next_midi_in(&mut self, d: i64) {
        let st = &self.play.status;
        if let Some(why) = &st.no_midi {
            self.message = format!("{why}; the computer keyboard plays");
            return;
        }
        if st.midi_inputs.is_empty() {
            self.message = "no MIDI input ports; the computer keyboard plays".into();
            return;
        }
        let mut all: Vec<Option<String>> = vec![None];
        all.extend(st.midi_inputs.iter().cloned().map(Some));
        let cur = &self.jam.settings.midi_in;
        let at = all.iter().position(|n| n == cur).unwrap_or(0) as i64;
        let next = (at + d).rem_euclid(all.len() as i64) as usize;
        self.jam.settings.midi_in = all.swap_remove(next);
    }

    /// A key let go (where the terminal says so).
    pub fn on_key_release(&mut self, key: KeyEvent) {
        if self.tab != Tab::Jam {
            return;
        }
        let Some(semi) = self.keymap.piano(key.code) else {
            return;
        };
        if let (Some(k), Some(r)) = (self.jam.key_of(semi), self.jam.run.as_mut()) {
            r.release(k);
        }
    }

    /// The session brought up to the clock; true while one runs (the playhead moves).
    pub(super) fn jam_tick(&mut self) -> bool {
        self.jam.output = self.play.status.live.clone();
        let Some(r) = self.jam.run.as_mut() else {
            return false;
        };
        let (times, problem) = r.tick();
        self.jam.compute_ms.extend(times);
        if problem.is_some() {
            self.jam.problem = problem;
        }
        true
    }

    /// `f` on the Jam tab: the user's turns of the session as solo files.
    pub(super) fn save_solos(&mut self) {
        let (plan, played, end) = match (&self.jam.run, &self.jam.last) {
            (Some(r), _) => {
                let now = r.clock.now();
                let s = &r.session;
                (s.plan.clone(), s.your_notes(now), s.end_tick(now))
            }
            (None, Some((s, end))) => (s.plan.clone(), s.played.clone(), *end),
            _ => {
                self.message = "nothing played yet: Space starts a session".into();
                return;
            }
        };
        self.send(Job::SaveSolos {
            plan: Box::new(plan),
            played,
            end,
            dir: PathBuf::from("jam-solos"),
        });
    }
}
