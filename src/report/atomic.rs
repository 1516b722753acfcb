//! Atomic file writes: write a hidden temporary file beside the target, sync, then rename over it; several files committed together, all or none.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; it appears under its real name only on `commit`.
/// Dropped without a successful `commit` (or [`commit_all`]), the
/// temporary file is removed.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    /// The temporary has been renamed over the target.
    landed: bool,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let temp = hidden(target, &name.to_string_lossy(), "tmp");
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::new(file)),
            landed: false,
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer present until commit")
    }

    /// Flushes, syncs and renames into place. On failure the temporary
    /// file is removed (when `self` drops) and the target is untouched.
    pub fn commit(mut self) -> io::Result<()> {
        self.finish()?;
        self.land()
    }

    /// Flushes, syncs and closes the temporary file.
    fn finish(&mut self) -> io::Result<()> {
        let Some(mut w) = self.writer.take() else {
            return Ok(());
        };
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }

    /// Renames the finished temporary over the target.
    fn land(&mut self) -> io::Result<()> {
        fs::rename(&self.temp, &self.target)?;
        self.landed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.landed {
            self.writer = None;
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// `.NAME.SUFFIX` beside `target`.
fn hidden(target: &Path, name: &str, suffix: &str) -> PathBuf {
    target.with_file_name(format!(".{name}.{suffix}"))
}

/// Writes `contents` to `target` atomically.
pub fn write_atomic(target: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.writer().write_all(contents)?;
    f.commit()
}

/// Commits `files` together: all are flushed and synced first, then each
/// replaces its target in order, the target's old contents kept aside (a
/// hard link, or a copy) until every file has landed. If any step fails,
/// the targets already replaced get their old contents back (or are
/// removed if they did not exist), every temporary and kept-aside file is
/// removed, and the error comes back with the target it concerns.
pub fn commit_all(mut files: Vec<AtomicFile>) -> Result<(), (PathBuf, io::Error)> {
    for f in &mut files {
        f.finish().map_err(|e| (f.target.clone(), e))?;
    }
    let mut kept = Vec::with_capacity(files.len());
    for i in 0..files.len() {
        if let Err(e) = replace(&mut files[i], &mut kept) {
            let target = files[i].target.clone();
            undo(&files[..i], &kept);
            remove_kept(&kept[i..]);
            return Err((target, e));
        }
    }
    remove_kept(&kept);
    Ok(())
}

/// Keeps `f`'s target aside (into `kept`), then renames `f` over it.
fn replace(f: &mut AtomicFile, kept: &mut Vec<Option<PathBuf>>) -> io::Result<()> {
    kept.push(keep_old(&f.target)?);
    f.land()
}

fn remove_kept(kept: &[Option<PathBuf>]) {
    for old in kept.iter().flatten() {
        let _ = fs::remove_file(old);
    }
}

/// Keeps `target`'s current contents as `.NAME.old` beside it (a hard
/// link where the file system allows, else a copy); `None` when there is
/// no target yet, or a folder (which the rename will then refuse).
fn keep_old(target: &Path) -> io::Result<Option<PathBuf>> {
    match fs::symlink_metadata(target) {
        Ok(m) if !m.is_dir() => {}
        _ => return Ok(None),
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
    let old = hidden(target, &name.unwrap_or_default(), "old");
    let _ = fs::remove_file(&old);
    if fs::hard_link(target, &old).is_err() {
        fs::copy(target, &old)?;
    }
    Ok(Some(old))
}

/// Puts back what `landed` replaced: each target's kept-aside old file,
/// or no file where there was none.
fn undo(landed: &[AtomicFile], kept: &[Option<PathBuf>]) {
    for (f, old) in landed.iter().zip(kept) {
        match old {
            Some(old) => {
                let _ = fs::rename(old, &f.target);
            }
            None => {
                let _ = fs::remove_file(&f.target);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_committed_files_appear() {
        let dir = std::env::temp_dir().join(format!("loadlab-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.txt");
        {
            let mut f = AtomicFile::create(&a).unwrap();
            f.writer().write_all(b"half").unwrap();
        }
        assert!(!a.exists());
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            0,
            "temp file left behind"
        );
        write_atomic(&a, b"whole").unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"whole");
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Names in `dir`, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn file(target: &Path, text: &str) -> AtomicFile {
        let mut f = AtomicFile::create(target).unwrap();
        f.writer().write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir =
            std::env::temp_dir().join(format!("loadlab-atomic-rename-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("b.txt")).unwrap();
        assert!(file(&dir.join("b.txt"), "new").commit().is_err());
        assert_eq!(listing(&dir), ["b.txt"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_committed_together_land_together_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("loadlab-atomic-all-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("a.txt"), dir.join("b.txt"), dir.join("c.txt"));
        fs::write(&a, "old a").unwrap();
        // `c.txt` is a folder: its rename fails after `a` and `b` landed.
        fs::create_dir(&c).unwrap();
        let all = vec![file(&a, "new a"), file(&b, "new b"), file(&c, "new c")];
        let (failed, _) = commit_all(all).unwrap_err();
        assert_eq!(failed, c);
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(listing(&dir), ["a.txt", "c.txt"]);

        fs::remove_dir(&c).unwrap();
        commit_all(vec![
            file(&a, "new a"),
            file(&b, "new b"),
            file(&c, "new c"),
        ])
        .unwrap();
        for (p, want) in [(&a, "new a"), (&b, "new b"), (&c, "new c")] {
            assert_eq!(fs::read_to_string(p).unwrap(), want);
        }
        assert_eq!(listing(&dir), ["a.txt", "b.txt", "c.txt"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
