//! One handler for Ctrl-C and SIGTERM: temporary files are removed first, then the running
//! command's own stop runs (training saves, playing stops), or improv ends at once.

use std::sync::Mutex;

type Stop = Box<dyn Fn() + Send>;

static ON_STOP: Mutex<Option<Stop>> = Mutex::new(None);

/// Installs the handler once, before any command runs.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        improv::atomic::remove_in_flight();
        match ON_STOP
            .try_lock()
            .ok()
            .and_then(|s| s.as_ref().map(|f| f()))
        {
            Some(()) => {}
            // 128 + SIGINT, as a shell reports an interrupted command.
            None => std::process::exit(130),
        }
    });
}

/// What a signal does while this command runs, instead of ending improv.
pub fn on_stop(f: impl Fn() + Send + 'static) {
    if let Ok(mut s) = ON_STOP.lock() {
        *s = Some(Box::new(f));
    }
}
