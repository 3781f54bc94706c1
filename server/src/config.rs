//! Where things are: the database, the data directory, the app's static files.

use std::path::{Path, PathBuf};

/// `.data/` under the current directory: the default SQLite file and the dev token.
pub fn data_dir() -> PathBuf {
    std::env::var_os("STUDIO_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".data"))
}

pub fn default_database_url() -> String {
    format!("sqlite://{}", data_dir().join("studio.sqlite").display())
}

/// The repository root: where this crate was built from, else the current directory.
pub fn repo_root() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if built.join("www").is_dir() || built.join("server").is_dir() {
        built
    } else {
        PathBuf::from(".")
    }
}

pub fn runner_delay() -> std::time::Duration {
    let ms = std::env::var("STUDIO_RUNNER_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(300);
    std::time::Duration::from_millis(ms)
}
