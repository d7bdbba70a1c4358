//! The files `check` reads: paths named on the command line, directories walked, each
//! file read whole but never past [`MAX_INPUT_BYTES`].

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use streamwarden::InputError;
use streamwarden::error::Location;
use streamwarden::inputs::Note;

/// The largest input `check` reads, per file or from standard input: 256 MiB, about
/// 350,000 fleets of describe-fleets output.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];

fn location(file: &Path) -> Location {
    Location {
        file: file.display().to_string(),
        ..Location::default()
    }
}

fn io_error(file: &Path, source: std::io::Error) -> InputError {
    InputError::Io {
        location: location(file),
        source,
    }
}

/// What a directory walk found: the files to read, in path order, and what it skipped
/// or could not read. The walk follows symbolic links but enters each directory and
/// lists each file once (by device and inode), so a link loop ends the first time round.
#[derive(Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    pub notes: Vec<Note>,
    pub errors: Vec<InputError>,
    seen: HashMap<(u64, u64), PathBuf>,
}

impl Walk {
    /// Walks `root`, a directory; an entry that cannot be read is reported as that entry
    /// and the walk goes on.
    pub fn walk(&mut self, root: &Path) {
        match fs::metadata(root) {
            Ok(meta) => {
                self.seen.insert((meta.dev(), meta.ino()), root.to_owned());
            }
            Err(e) => return self.errors.push(io_error(root, e)),
        }
        let mut pending = vec![root.to_owned()];
        while let Some(dir) = pending.pop() {
            let mut subdirs = Vec::new();
            for path in self.entries(&dir) {
                let meta = match fs::metadata(&path) {
                    Ok(meta) => meta,
                    Err(e) => {
                        self.errors.push(io_error(&path, e));
                        continue;
                    }
                };
                let kind = meta.file_type();
                if !(kind.is_dir() || kind.is_file() && has_extension(&path)) {
                    if let Some(what) = special(&meta) {
                        self.note(&path, format!("skipped: {what}, not a regular file"));
                    }
                    continue;
                }
                if let Some(first) = self.seen.get(&(meta.dev(), meta.ino())) {
                    let message = format!(
                        "skipped: the same {} as {} (a link)",
                        if kind.is_dir() { "directory" } else { "file" },
                        first.display()
                    );
                    self.note(&path, message);
                    continue;
                }
                self.seen.insert((meta.dev(), meta.ino()), path.clone());
                if kind.is_dir() {
                    subdirs.push(path);
                } else {
                    self.files.push(path);
                }
            }
            // Depth first, in name order, so the first of two paths to one file is the
            // one a reader would expect.
            pending.extend(subdirs.into_iter().rev());
        }
        self.files.sort();
    }

    /// The visible entries of `dir`, sorted; an unreadable directory is an error.
    fn entries(&mut self, dir: &Path) -> Vec<PathBuf> {
        let listing = match fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(e) => {
                self.errors.push(io_error(dir, e));
                return Vec::new();
            }
        };
        let mut paths = Vec::new();
        for entry in listing {
            match entry {
                Ok(entry) if !entry.file_name().as_encoded_bytes().starts_with(b".") => {
                    paths.push(entry.path());
                }
                Ok(_) => {}
                Err(e) => {
                    self.errors.push(io_error(dir, e));
                    break;
                }
            }
        }
        paths.sort();
        paths
    }

    fn note(&mut self, path: &Path, message: String) {
        self.notes.push(Note {
            location: location(path),
            message,
        });
    }
}

fn has_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// What a file that is neither a regular file nor a directory is, if it is one.
fn special(meta: &fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else {
        None
    }
}

/// Reads a file named on the command line: a regular file or a pipe (`<(...)`), at most
/// [`MAX_INPUT_BYTES`]. A device or a socket is refused unread.
pub fn read_file(path: &Path) -> Result<String, InputError> {
    let meta = fs::metadata(path).map_err(|e| io_error(path, e))?;
    if let Some(what) = special(&meta)
        && !meta.file_type().is_fifo()
    {
        return Err(InputError::NotAFile {
            location: location(path),
            what,
        });
    }
    if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
        return Err(too_large(location(path)));
    }
    let file = fs::File::open(path).map_err(|e| io_error(path, e))?;
    read_bounded(file, location(path))
}

/// Reads standard input, at most [`MAX_INPUT_BYTES`].
pub fn read_stdin() -> Result<String, InputError> {
    read_bounded(
        std::io::stdin().lock(),
        Location {
            file: "<stdin>".to_owned(),
            ..Location::default()
        },
    )
}

fn too_large(location: Location) -> InputError {
    InputError::TooLarge {
        location,
        limit_mib: MAX_INPUT_BYTES / (1024 * 1024),
    }
}

/// Reads UTF-8 text, stopping one byte past the limit: a file that grows, a pipe or
/// `/dev/zero` costs at most the limit, never all memory.
fn read_bounded(reader: impl Read, location: Location) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    if let Err(source) = reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes) {
        return Err(InputError::Io { location, source });
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large(location));
    }
    String::from_utf8(bytes).map_err(|e| InputError::Io {
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ),
        location,
    })
}
