//! An export as a set of files by relative path, whether it is a folder or a .zip archive.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

/// The largest file read from an export (a class's records, or one stored file).
const MAX_ENTRY: u64 = 1 << 30;

pub enum ExportSource {
    Dir {
        root: PathBuf,
        paths: Vec<String>,
    },
    Zip {
        archive: Mutex<zip::ZipArchive<std::fs::File>>,
        /// Relative path (without a common top folder) -> name in the archive.
        names: BTreeMap<String, String>,
    },
}

impl ExportSource {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if meta.is_dir() {
            let mut paths = Vec::new();
            walk(path, path, &mut paths)?;
            paths.sort();
            return Ok(Self::Dir {
                root: path.to_path_buf(),
                paths,
            });
        }
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let archive = zip::ZipArchive::new(file).with_context(|| {
            format!("{} is neither a folder nor a .zip archive", path.display())
        })?;
        let raw: Vec<String> = archive
            .file_names()
            .filter(|n| !n.ends_with('/'))
            .map(str::to_string)
            .collect();
        // Archives often hold one top folder; paths are taken below it.
        let top = raw
            .first()
            .and_then(|n| n.split_once('/').map(|(top, _)| format!("{top}/")))
            .filter(|top| raw.iter().all(|n| n.starts_with(top.as_str())));
        let names = raw
            .into_iter()
            .filter(|n| !n.contains("..") && !n.starts_with("__MACOSX"))
            .map(|n| {
                let relative = match &top {
                    Some(top) => n[top.len()..].to_string(),
                    None => n.clone(),
                };
                (relative, n)
            })
            .collect();
        Ok(Self::Zip {
            archive: Mutex::new(archive),
            names,
        })
    }

    /// Every file's relative path (`/`-separated), sorted.
    pub fn paths(&self) -> Vec<String> {
        match self {
            Self::Dir { paths, .. } => paths.clone(),
            Self::Zip { names, .. } => names.keys().cloned().collect(),
        }
    }

    pub fn exists(&self, relative: &str) -> bool {
        match self {
            Self::Dir { paths, .. } => paths.iter().any(|p| p == relative),
            Self::Zip { names, .. } => names.contains_key(relative),
        }
    }

    pub fn read(&self, relative: &str) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Dir { root, .. } => {
                if relative.split('/').any(|part| part == "..") {
                    anyhow::bail!("{relative}: outside the export");
                }
                let path = root.join(relative);
                let size = std::fs::metadata(&path)?.len();
                anyhow::ensure!(size <= MAX_ENTRY, "{relative} is larger than 1 GiB");
                std::fs::read(&path).with_context(|| format!("reading {relative}"))
            }
            Self::Zip { archive, names } => {
                let name = names
                    .get(relative)
                    .with_context(|| format!("{relative} is not in the archive"))?;
                let mut archive = archive
                    .lock()
                    .map_err(|_| anyhow::anyhow!("archive lock poisoned"))?;
                let entry = archive.by_name(name)?;
                anyhow::ensure!(entry.size() <= MAX_ENTRY, "{relative} is larger than 1 GiB");
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry.take(MAX_ENTRY).read_to_end(&mut bytes)?;
                Ok(bytes)
            }
        }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            if let Ok(relative) = path.strip_prefix(root) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    Ok(())
}

/// The JSON objects of a data file: JSON lines, a JSON array, or `{"results": [...]}`.
pub fn json_objects(bytes: &[u8], path: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let text = std::str::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.starts_with('[') {
        return serde_json::from_str(text).with_context(|| format!("{path}: not a JSON array"));
    }
    if text.starts_with('{') && !text.contains('\n') || text.starts_with("{\"results\"") {
        let value: serde_json::Value =
            serde_json::from_str(text).with_context(|| format!("{path}: not JSON"))?;
        if let Some(results) = value.get("results").and_then(|r| r.as_array()) {
            return Ok(results.clone());
        }
        return Ok(vec![value]);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(line)
                .with_context(|| format!("{path}, line {}: not JSON", i + 1))?,
        );
    }
    Ok(out)
}
