//! Allowlists of glob patterns (`stream.standard.*`, `arn:aws:iam::*:role/appstream-*`).

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A compiled list of glob patterns. `["*"]` matches everything without work.
#[derive(Clone)]
pub struct GlobList {
    sources: Vec<String>,
    patterns: Vec<glob::Pattern>,
    match_all: bool,
}

/// A pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob pattern {pattern:?}: {source}")]
pub struct GlobError {
    pub pattern: String,
    #[source]
    pub source: glob::PatternError,
}

impl GlobList {
    pub fn new<S: AsRef<str>>(sources: &[S]) -> Result<Self, GlobError> {
        let patterns = sources
            .iter()
            .map(|s| {
                glob::Pattern::new(s.as_ref()).map_err(|source| GlobError {
                    pattern: s.as_ref().to_owned(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GlobList {
            match_all: sources.iter().any(|s| s.as_ref() == "*"),
            sources: sources.iter().map(|s| s.as_ref().to_owned()).collect(),
            patterns,
        })
    }

    /// True when the list is `*`: every value matches.
    pub fn matches_all(&self) -> bool {
        self.match_all
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn matches(&self, value: &str) -> bool {
        self.match_all || self.patterns.iter().any(|p| p.matches(value))
    }

    /// The patterns as written, for messages.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

impl PartialEq for GlobList {
    fn eq(&self, other: &Self) -> bool {
        self.sources == other.sources
    }
}

impl fmt::Debug for GlobList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.sources).finish()
    }
}

impl fmt::Display for GlobList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.sources.join(", "))
    }
}

impl<'de> Deserialize<'de> for GlobList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let sources = Vec::<String>::deserialize(deserializer)?;
        GlobList::new(&sources).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_everything_and_family_globs_match_their_family() {
        let all = GlobList::new(&["*"]).unwrap();
        assert!(all.matches_all() && all.matches("anything"));
        let standard = GlobList::new(&["stream.standard.*", "stream.compute.large"]).unwrap();
        assert!(standard.matches("stream.standard.small"));
        assert!(standard.matches("stream.compute.large"));
        assert!(!standard.matches("stream.compute.xlarge"));
        assert!(!standard.matches("stream.graphics.g4dn.xlarge"));
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let none = GlobList::new::<&str>(&[]).unwrap();
        assert!(none.is_empty() && !none.matches("x"));
    }

    #[test]
    fn an_invalid_pattern_is_an_error_naming_it() {
        let err = GlobList::new(&["stream.[standard"]).unwrap_err();
        assert!(err.to_string().contains("stream.[standard"), "{err}");
    }
}
