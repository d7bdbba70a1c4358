//! Errors at the core's boundaries: reading an input document and loading a policy, and
//! the boxed source every adapter error keeps.

use std::fmt;

/// The source of an error raised at an edge (an SDK call, a codec), kept for its chain
/// without tying the core to the type that raised it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where in an input a problem sits: the file and, where known, a JSON pointer and line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    pub pointer: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(pointer) = &self.pointer {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

/// An input document (describe output, API request, CloudTrail record, template) that
/// cannot be read. Each variant says where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}: the file is empty; expected a JSON or YAML document")]
    Empty(Location),

    #[error("{location}: not valid JSON: {source}")]
    Json {
        location: Location,
        #[source]
        source: serde_json::Error,
    },

    #[error("{location}: not valid YAML: {source}")]
    Yaml {
        location: Location,
        #[source]
        source: serde_norway::Error,
    },

    #[error(
        "{location}: CloudFormation does not support YAML aliases or merge keys; write the \
         value out in full"
    )]
    YamlAlias { location: Location },

    #[error("{location}: nested more than {limit} levels deep; no AppStream document is")]
    TooDeep { location: Location, limit: usize },

    #[error(
        "{location}: the document mixes {kinds}; check them as separate files, so nothing \
         is left unread"
    )]
    MixedKinds { location: Location, kinds: String },

    #[error("{location}: expected {expected}, found {found}")]
    WrongType {
        location: Location,
        expected: &'static str,
        found: String,
    },

    #[error("{location}: missing required field `{field}`")]
    Missing {
        location: Location,
        field: &'static str,
    },

    #[error("{location}: unknown {what} {value:?} (expected one of: {expected})")]
    UnknownValue {
        location: Location,
        what: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error(
        "{location}: unrecognised document (top-level keys: {keys}); expected describe-fleets, \
         describe-stacks, describe-sessions, describe-image-builders, describe-images, \
         describe-image-permissions or describe-usage-report-subscriptions output, a \
         CreateFleet/UpdateFleet/CreateImageBuilder/CreateStack/UpdateStack request, a \
         CloudTrail record or event, or a CloudFormation/SAM template"
    )]
    Unrecognised { location: Location, keys: String },

    #[error(
        "{location}: larger than {limit_mib} MiB, the most one input may be; split it (one \
         region or account per file)"
    )]
    TooLarge { location: Location, limit_mib: u64 },

    #[error("{location}: {what}, not a file to read")]
    NotAFile {
        location: Location,
        what: &'static str,
    },

    #[error("{location}: cannot read: {source}")]
    Io {
        location: Location,
        #[source]
        source: std::io::Error,
    },
}

/// The location of any [`InputError`], shared or mutable by the binding mode of `$e`.
macro_rules! location_of {
    ($e:expr) => {
        match $e {
            InputError::Empty(location) => location,
            InputError::Json { location, .. }
            | InputError::Yaml { location, .. }
            | InputError::WrongType { location, .. }
            | InputError::Missing { location, .. }
            | InputError::UnknownValue { location, .. }
            | InputError::Unrecognised { location, .. }
            | InputError::TooLarge { location, .. }
            | InputError::YamlAlias { location }
            | InputError::MixedKinds { location, .. }
            | InputError::TooDeep { location, .. }
            | InputError::NotAFile { location, .. }
            | InputError::Io { location, .. } => location,
        }
    };
}

impl InputError {
    /// Where the problem is.
    pub fn location(&self) -> &Location {
        location_of!(self)
    }

    /// Where the problem is, to add a position found later.
    pub fn location_mut(&mut self) -> &mut Location {
        location_of!(self)
    }
}

/// A policy file that cannot be used. The message carries the file and line.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read the policy file: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Syntax errors, unknown keys, wrong types and negative limits: toml's message
    /// already shows the line, the column and the offending text.
    #[error("{path}: invalid policy: {source}")]
    Toml {
        path: String,
        #[source]
        source: toml::de::Error,
    },

    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

/// An error and its causes, `: `-separated, each said once (a cause whose text the
/// message already holds is not repeated).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        next = cause.source();
    }
    message
}

#[cfg(test)]
mod chain_tests {
    use super::error_chain;

    #[derive(Debug, thiserror::Error)]
    #[error("unhandled error")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn an_error_without_a_service_answer_names_its_cause() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let text = error_chain(&Outer(std::io::Error::other(refused)));
        assert_eq!(text, "unhandled error: connection refused");
    }
}
