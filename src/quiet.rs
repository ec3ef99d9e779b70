//! Silences this process's stderr while a device opens: ALSA and JACK print there when there
//! is no audio device or MIDI sequencer, which would scribble over the studio's screen.
//!
//! Descriptor 2 is process-wide, so for the moment the guard lives every thread's stderr goes
//! to /dev/null; the guard is held only around the open call. Every descriptor it makes is
//! closed again, whichever step fails, and the saved copy is not inherited by children.

/// Runs `f` with stderr sent to /dev/null; stderr comes back even if `f` panics.
pub fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let _quiet = Silenced::stderr();
    f()
}

/// While alive, descriptor 2 points at /dev/null; dropping it puts the old stderr back.
pub struct Silenced {
    #[cfg(unix)]
    saved: Option<libc::c_int>,
}

impl Silenced {
    /// Redirects stderr, or leaves it alone when a step fails (nothing leaks either way).
    pub fn stderr() -> Silenced {
        #[cfg(unix)]
        {
            Silenced {
                saved: redirect_to(c"/dev/null"),
            }
        }
        #[cfg(not(unix))]
        {
            Silenced {}
        }
    }

    /// True when stderr is redirected now.
    pub fn active(&self) -> bool {
        #[cfg(unix)]
        {
            self.saved.is_some()
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}

/// Saves descriptor 2, points it at `path` and returns the saved copy.
#[cfg(unix)]
fn redirect_to(path: &std::ffi::CStr) -> Option<libc::c_int> {
    // SAFETY: dup/open/dup2/close on descriptors this function owns or on fd 2; each
    // descriptor made here is either returned (and closed by Drop) or closed before returning.
    unsafe {
        let saved = libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 0);
        if saved < 0 {
            return None;
        }
        let null = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if null < 0 {
            libc::close(saved);
            return None;
        }
        let ok = libc::dup2(null, 2) >= 0;
        libc::close(null);
        if ok {
            Some(saved)
        } else {
            libc::close(saved);
            None
        }
    }
}

impl Drop for Silenced {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: `saved` is the descriptor dup'ed in `redirect_to`, owned by us.
            unsafe {
                libc::dup2(saved, 2);
                libc::close(saved);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The checks count this process's descriptors, so they run in a child process of
    /// their own where no other test opens files meanwhile.
    const CHILD: &str = "IMPROV_QUIET_CHILD";

    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
    }

    fn stderr_id() -> (u64, u64) {
        let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: fstat on fd 2 into a zeroed struct we own.
        let st = unsafe {
            assert_eq!(libc::fstat(2, st.as_mut_ptr()), 0);
            st.assume_init()
        };
        (st.st_dev, st.st_ino)
    }

    fn null_id() -> (u64, u64) {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata("/dev/null").unwrap();
        (m.dev(), m.ino())
    }

    #[test]
    fn silencing_is_exact_in_a_child_process() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "quiet::tests::child_checks", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    #[test]
    fn child_checks() {
        if std::env::var_os(CHILD).is_none() {
            return;
        }
        let before = stderr_id();
        let fds = open_fds();
        {
            let g = Silenced::stderr();
            assert!(g.active());
            assert_eq!(stderr_id(), null_id());
            assert_eq!(open_fds(), fds + 1, "only the saved stderr is held");
            let saved = g.saved.expect("active");
            // SAFETY: F_GETFD on a descriptor the guard owns.
            let flags = unsafe { libc::fcntl(saved, libc::F_GETFD) };
            assert_ne!(flags & libc::FD_CLOEXEC, 0, "children do not inherit it");
        }
        assert_eq!(stderr_id(), before, "the old stderr is back");
        assert_eq!(open_fds(), fds, "nothing leaks");
        // A panic inside: stderr is back and nothing leaks.
        let caught = std::panic::catch_unwind(|| quietly(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(stderr_id(), before, "the old stderr is back after a panic");
        assert_eq!(open_fds(), fds, "nothing leaks after a panic");
        // A target that cannot be opened: stderr untouched, the saved copy closed.
        assert_eq!(redirect_to(c"/nonexistent/improv/null"), None);
        assert_eq!(stderr_id(), before);
        assert_eq!(open_fds(), fds);
    }
}
