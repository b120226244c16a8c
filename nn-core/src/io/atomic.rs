//! Replacing a file atomically: the new contents go to a temporary file beside
//! it, which is renamed over it only once fully written and flushed to disk.
//! Readers see the old file or the new one, never a mix; on any error the
//! temporary file is removed and the old file is left as it was.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replace the file at `path` with `bytes` (or create it).
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_with(path, |file| file.write_all(bytes))
}

/// Replace the file at `path` with what `fill` writes into a temporary file.
///
/// An error from `fill`, from flushing, or from the rename is returned as an
/// [`Error::Io`] naming `path`, after the temporary file is removed.
pub(crate) fn replace_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let (temp, mut file) = create_temp(path).map_err(|e| Error::io(path, e))?;
    let written = fill(&mut file).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&temp, path)) {
        // Best effort: the error worth reporting is the one that stopped the save.
        let _ = fs::remove_file(&temp);
        return Err(Error::io(path, e));
    }
    sync_directory(path);
    Ok(())
}

/// A new, empty file beside `path`, named `.NAME.PID.N.tmp` (hidden, and unlike
/// any name the program would save to).
fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path does not end in a file name"))?;
    // A file name may be up to 255 bytes: keep at most 160 of them, for the suffix.
    let mut stem = String::new();
    for c in name.to_string_lossy().chars() {
        if stem.len() + c.len_utf8() > 160 {
            break;
        }
        stem.push(c);
    }
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp_name = OsString::from(format!(".{stem}.{}.{n}.tmp", std::process::id()));
        let temp = directory.join(temp_name);
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            // Left behind by a process that had this id before; try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Flush the directory entry of the rename to disk where the system allows it;
/// the new file is complete either way, so failure here is not an error.
fn sync_directory(path: &Path) {
    #[cfg(unix)]
    if let Some(directory) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = File::open(directory).and_then(|d| d.sync_all());
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nn-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn creates_then_replaces_a_file_leaving_nothing_else() {
        let dir = scratch("replace");
        let path = dir.join("w.safetensors");
        write(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        write(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        assert_eq!(entries(&dir), ["w.safetensors"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary_one() {
        let dir = scratch("fail-write");
        let path = dir.join("w.safetensors");
        fs::write(&path, b"the earlier weights").unwrap();
        let error = replace_with(&path, |file| {
            file.write_all(b"half of the new")?;
            Err(io::Error::other("the disk is full"))
        })
        .unwrap_err();
        assert_eq!(error.to_string(), format!("{}: the disk is full", path.display()));
        assert_eq!(fs::read(&path).unwrap(), b"the earlier weights");
        assert_eq!(entries(&dir), ["w.safetensors"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        // Renaming a file over a non-empty directory fails.
        let dir = scratch("fail-rename");
        let path = dir.join("taken");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"kept").unwrap();
        let error = write(&path, b"new").unwrap_err();
        assert!(matches!(&error, Error::Io { path: p, .. } if *p == path), "{error}");
        assert_eq!(entries(&dir), ["taken"]);
        assert_eq!(fs::read(path.join("inside")).unwrap(), b"kept");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_directory_or_file_name_is_an_error_naming_the_path() {
        let dir = scratch("missing");
        let path = dir.join("no/such/dir/w.safetensors");
        let error = write(&path, b"x").unwrap_err();
        assert!(error.to_string().starts_with(&format!("{}: ", path.display())), "{error}");
        assert!(!path.exists());
        let error = write(Path::new("/"), b"x").unwrap_err();
        assert_eq!(error.to_string(), "/: the path does not end in a file name");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_long_file_name_still_fits_its_temporary_name() {
        let dir = scratch("long");
        for name in ["w".repeat(250), "é".repeat(125)] {
            write(&dir.join(&name), b"x").unwrap();
            assert_eq!(fs::read(dir.join(&name)).unwrap(), b"x");
        }
        assert_eq!(entries(&dir).len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }
}
