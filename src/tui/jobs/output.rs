//! The jobs whose work goes out: MIDI and WAV files (the WAV with the sound the Play tab
//! plays with), the Jam session's solos, and a score sent to the audio thread to play.

use super::{Done, Job};
use crate::midi::export::write_file;
use crate::music::Score;
use crate::synth::{SynthSettings, write_wav_with};
use crate::tui::player::AudioCmd;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

/// Does an output job (`jobs::run` sends no other here).
pub(super) fn run(job: Job, audio: &Sender<AudioCmd>) -> Done {
    match job {
        Job::ExportMidi {
            score,
            path,
            overwrite,
        } => Done::Exported(export_midi(&score, path, overwrite)),
        Job::ExportWav {
            score,
            settings,
            font,
            path,
            overwrite,
        } => Done::Exported(export_wav(
            &score,
            &settings,
            font.as_deref(),
            path,
            overwrite,
        )),
        Job::SaveSolos {
            plan,
            played,
            end,
            dir,
        } => save_solos(&plan, &played, end, &dir),
        Job::Play {
            score,
            settings,
            source,
            from_secs,
        } => {
            let duration = crate::synth::plan::render_secs(&score, &settings);
            let _ = audio.send(AudioCmd::Play {
                score,
                settings,
                source,
                from: from_secs,
            });
            Done::Playing { duration }
        }
        _ => unreachable!("jobs::run sends only the output jobs here"),
    }
}

fn export_midi(score: &Score, path: PathBuf, overwrite: bool) -> Result<PathBuf, String> {
    write_file(score, &path, overwrite)
        .map(|_| path)
        .map_err(|e| e.to_string())
}

/// Saves the user's turns of a Jam session as solo files in `dir`, and says so.
fn save_solos(
    plan: &crate::jam::Plan,
    played: &[crate::music::Note],
    end: crate::music::Tick,
    dir: &Path,
) -> Done {
    match crate::jam::record::save_solos(plan, played, end, dir, false) {
        Ok(files) if files.is_empty() => Done::Message("no turn of yours has notes yet".into()),
        Ok(files) => Done::Message(format!(
            "wrote {} solo files to {} (the Dataset tab loads the folder)",
            files.len(),
            dir.display()
        )),
        Err(e) => Done::Message(e),
    }
}

fn export_wav(
    score: &Score,
    settings: &SynthSettings,
    font: Option<&Path>,
    path: PathBuf,
    overwrite: bool,
) -> Result<PathBuf, String> {
    // The sound the Play tab plays with; a font that cannot be read exports nothing, so
    // the file never holds a sound the user did not choose.
    let font = font
        .map(crate::synth::soundfont::Font::load)
        .transpose()
        .map_err(|e| format!("{e}; not exported (choose the built-in synth to export)"))?;
    // Written as it is synthesized: memory stays small whatever the length.
    let (mut r, fallback) = crate::synth::Stream::new(score, settings, font.as_ref());
    if let Some(why) = fallback {
        return Err(format!("{why}; not exported"));
    }
    write_wav_with(&path, r.sample_rate(), overwrite, &mut |out| r.fill(out))
        .map(|_| path)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wav_export_with_an_unreadable_soundfont_names_it_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let score = crate::fixtures::combo_score(1);
        let bad = dir.path().join("broken.sf2");
        std::fs::write(&bad, b"not a soundfont").unwrap();
        let out = dir.path().join("solo.wav");
        let err = export_wav(
            &score,
            &SynthSettings::default(),
            Some(&bad),
            out.clone(),
            false,
        )
        .unwrap_err();
        assert!(
            err.contains("broken.sf2") && err.contains("not exported"),
            "{err}"
        );
        assert!(!out.exists());
        // The built-in synth exports the same score.
        let done = export_wav(&score, &SynthSettings::default(), None, out.clone(), false);
        assert_eq!(done.as_deref(), Ok(out.as_path()));
        assert!(std::fs::metadata(&out).unwrap().len() > 44);
    }
}
