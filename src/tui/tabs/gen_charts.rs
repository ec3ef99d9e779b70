//! Which changes the Generate tab improvises over: a preset, a chart from the library (or
//! a link), a typed chart, or the Dataset tab's file; stepping through them in that order.

use super::file_name;
use super::gen_settings::GenSettings;
use crate::generate::Changes;
use crate::music::{PRESETS, Progression};
use std::path::Path;

impl GenSettings {
    pub fn progression_name(&self) -> String {
        if let Some(f) = &self.file {
            return format!("changes of {}", file_name(f));
        }
        if let Some(p) = &self.library {
            return p.name.clone();
        }
        match &self.chart {
            Some(c) => c.clone(),
            None => PRESETS.get(self.preset).map_or("-", |p| p.0).to_string(),
        }
    }

    /// The changes of a preset, a library chart or a typed chart (not a file's).
    pub fn changes(&self) -> Result<Changes, String> {
        if let Some(p) = &self.library {
            return Ok(Changes::from_progression(p));
        }
        let p = Progression::from_arg(&self.progression_name());
        Ok(Changes::from_progression(&p.map_err(|e| e.to_string())?))
    }

    /// Steps through the presets, then the library's `charts`, then, when given, the
    /// changes of `file`. A typed chart is left for the first of them in the direction of
    /// travel.
    pub fn cycle_progression(&mut self, d: i64, file: Option<&Path>, charts: &[Progression]) {
        let presets = PRESETS.len() as i64;
        let file_at = presets + charts.len() as i64;
        let n = file_at + i64::from(file.is_some());
        let at = if self.file.is_some() && file.is_some() {
            file_at
        } else if let Some(p) = &self.library {
            charts
                .iter()
                .position(|c| c.name == p.name)
                .map_or(presets - i64::from(d > 0), |i| presets + i as i64)
        } else if self.chart.is_some() && d > 0 {
            -1
        } else if self.chart.is_some() {
            n
        } else {
            self.preset as i64
        };
        let next = (at + d).rem_euclid(n);
        self.chart = None;
        self.library = None;
        self.file = None;
        if next == file_at {
            self.file = file.map(Path::to_path_buf);
        } else if next >= presets {
            self.library = charts.get((next - presets) as usize).cloned();
        } else {
            self.preset = next as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(name: &str) -> Progression {
        let mut p = Progression::parse(name, "| C7 | F7 |").unwrap();
        p.meta = Some(crate::music::ChartMeta::default());
        p
    }

    #[test]
    fn library_charts_come_after_the_presets_and_before_the_file() {
        let charts = [chart("Solar"), chart("Blue Monk")];
        let file = Path::new("solo.mid");
        let mut s = GenSettings {
            preset: PRESETS.len() - 1,
            ..GenSettings::default()
        };
        s.cycle_progression(1, Some(file), &charts);
        assert_eq!(s.progression_name(), "Solar");
        assert_eq!(s.changes().unwrap().name, "Solar");
        s.cycle_progression(1, Some(file), &charts);
        assert_eq!(s.progression_name(), "Blue Monk");
        s.cycle_progression(1, Some(file), &charts);
        assert_eq!(s.progression_name(), "changes of solo.mid");
        s.cycle_progression(-1, Some(file), &charts);
        assert_eq!(s.progression_name(), "Blue Monk");
        s.cycle_progression(1, None, &charts);
        assert_eq!(s.progression_name(), PRESETS[0].0);
        s.cycle_progression(-1, None, &charts);
        assert_eq!(s.library, Some(charts[1].clone()));
    }
}
