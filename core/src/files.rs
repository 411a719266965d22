//! Files unid keeps at rest — the SQLite database and its WAL, the generated secrets, stored
//! avatars — are private to the server: directories 0700, files 0600, whatever the umask, and
//! looser ones found at start are tightened (with a warning).

use std::path::Path;

/// Creates `dir` (and its parents) 0700; an existing `dir` readable by others is set to 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        tighten(dir, 0o700)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Opens `path` for writing, created 0600 when it does not exist (`truncate` empties it).
pub fn private_file(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    tighten(path, 0o600)?;
    Ok(file)
}

/// Sets `mode` on `path` when group or others have any access to it.
#[cfg(unix)]
pub fn tighten(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode();
    if current & 0o077 != 0 {
        tracing::warn!(path = %path.display(), from = format!("{:o}", current & 0o777), to = format!("{mode:o}"), "tightening permissions");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// The SQLite database at `path`: created 0600 before SQLite opens it (SQLite gives its WAL and
/// shared-memory files the database file's mode), and any of the three tightened.
pub fn private_sqlite(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    drop(private_file(path, false)?);
    #[cfg(unix)]
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = std::path::PathBuf::from(side);
        if side.exists() {
            tighten(&side, 0o600)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn private_whatever_was_there() {
        let root = std::env::temp_dir().join(format!("unid-files-{}", rand::random::<u64>()));
        let dir = root.join("data");
        private_dir(&dir).expect("dir");
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        private_dir(&dir).expect("dir again");
        assert_eq!(mode(&dir), 0o700, "a loose directory is tightened");
        let db = dir.join("unid.db");
        std::fs::write(&db, b"").expect("file");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        private_sqlite(&db).expect("db");
        assert_eq!(mode(&db), 0o600);
        let _ = std::fs::remove_dir_all(root);
    }
}
