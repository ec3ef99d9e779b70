//! Files and folders written beside their destination, then renamed into place, so a
//! crash never leaves half a file. They get the permissions a plain create would give
//! (the umask applies); tempfile's own default is owner-only, which would make every
//! export and model unreadable to anyone else.

use std::io;
use std::path::Path;
use tempfile::{Builder, NamedTempFile, TempDir};

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

/// A temporary folder in `dir`, to be renamed to its destination.
pub fn temp_dir_in(dir: &Path, prefix: &str) -> io::Result<TempDir> {
    builder(prefix, 0o777).tempdir_in(dir)
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
}
