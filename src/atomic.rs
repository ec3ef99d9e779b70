//! Files and folders written beside their destination, then renamed into place, so a
//! crash never leaves half a file. They get the permissions a plain create would give
//! (the umask applies); tempfile's own default is owner-only, which would make every
//! export and model unreadable to anyone else. `write_with` is the one way files are written.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tempfile::{Builder, NamedTempFile, TempDir};

/// The temporary files being written now, so a signal handler can remove them.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Keeps a temporary file's path in `IN_FLIGHT` while it lives.
struct InFlight(PathBuf);

impl InFlight {
    fn new(path: &Path) -> InFlight {
        if let Ok(mut v) = IN_FLIGHT.lock() {
            v.push(path.to_path_buf());
        }
        InFlight(path.to_path_buf())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut v) = IN_FLIGHT.lock() {
            v.retain(|p| *p != self.0);
        }
    }
}

/// Removes every temporary file being written now (for a Ctrl-C or SIGTERM handler, which
/// then ends the process: the writes in flight are abandoned).
pub fn remove_in_flight() {
    let paths = match IN_FLIGHT.try_lock() {
        Ok(mut v) => std::mem::take(&mut *v),
        Err(_) => return,
    };
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// Refuses to replace anything but a regular file: a device, a FIFO, a folder or a link
/// would be swapped for a plain file by the rename (or written into, for a link).
fn check_replaceable(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a device, FIFO, folder or link): improv replaces only \
             regular files",
        )),
        _ => Ok(()),
    }
}

fn builder<'a>(prefix: &'a str, mode: u32) -> Builder<'a, 'a> {
    let mut b = Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    b
}

/// A temporary file in `dir`, to be persisted over its destination.
pub fn temp_file_in(dir: &Path) -> io::Result<NamedTempFile> {
    builder(".improv-", 0o666).tempfile_in(dir)
}

/// Why `write_with` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("already exists")]
    Exists,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Writes a file the one safe way: `fill` writes a temporary file beside `path`, which is
/// synced and renamed into place. An existing `path` is replaced only when `overwrite`.
pub fn write_with(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> Result<(), WriteError> {
    if path.exists() && !overwrite {
        return Err(WriteError::Exists);
    }
    check_replaceable(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = temp_file_in(dir)?;
    let _in_flight = InFlight::new(tmp.path());
    fill(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    if overwrite {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| match e.error.kind() {
                io::ErrorKind::AlreadyExists => WriteError::Exists,
                _ => WriteError::Io(e.error),
            })?;
    }
    Ok(())
}

/// A temporary folder in `dir`, to be renamed to its destination.
pub fn temp_dir_in(dir: &Path, prefix: &str) -> io::Result<TempDir> {
    builder(prefix, 0o777).tempdir_in(dir)
}

#[cfg(test)]
mod write_tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn writes_whole_files_and_replaces_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bin");
        write_with(&p, false, |f| f.write_all(b"one")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        let again = write_with(&p, false, |f| f.write_all(b"two"));
        assert!(matches!(again, Err(WriteError::Exists)));
        write_with(&p, true, |f| f.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // A failing writer leaves the old file and no temporary behind.
        let failed = write_with(&p, true, |_| Err(io::Error::other("disk full")));
        assert!(matches!(failed, Err(WriteError::Io(_))));
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn temporaries_get_the_permissions_of_a_plain_create() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        std::fs::create_dir(dir.path().join("plain-dir")).unwrap();
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        let f = temp_file_in(dir.path()).unwrap();
        assert_eq!(mode(f.path()), mode(&plain));
        let d = temp_dir_in(dir.path(), ".t").unwrap();
        assert_eq!(mode(d.path()), mode(&dir.path().join("plain-dir")));
    }

    #[test]
    fn force_never_replaces_a_fifo_a_link_or_a_device() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("link.wav");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let fifo = dir.path().join("fifo.wav");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        for p in [&link, &fifo, Path::new("/dev/null")] {
            let e = write_with(p, true, |f| f.write_all(b"x")).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert!(!fifo.symlink_metadata().unwrap().file_type().is_file());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }
}
