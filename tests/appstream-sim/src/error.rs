//! Errors the simulated service returns, and errors of the simulator itself.

use std::fmt;

/// An AppStream service error: HTTP status, error code (the shape name put in `__type`)
/// and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// HTTP status code.
    pub status: u16,
    /// Error code, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

impl SimError {
    /// An error with the given status, code and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 `ValidationException`: a request parameter is missing or out of range.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    /// 400 `SerializationException`: the request body could not be decoded.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(400, "SerializationException", message)
    }

    /// 400 `ResourceNotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceNotFoundException", message)
    }

    /// 400 `InvalidParameterCombinationException`.
    pub fn invalid_combination(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterCombinationException", message)
    }

    /// 400 `ConcurrentModificationException`.
    pub fn concurrent_modification(message: impl Into<String>) -> Self {
        Self::new(400, "ConcurrentModificationException", message)
    }

    /// 400 `ResourceAlreadyExistsException`.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceAlreadyExistsException", message)
    }

    /// 400 `OperationNotPermittedException`.
    pub fn not_permitted(message: impl Into<String>) -> Self {
        Self::new(400, "OperationNotPermittedException", message)
    }

    /// 400 `ResourceInUseException`.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceInUseException", message)
    }

    /// 400 `ThrottlingException` ("Rate exceeded"), which the SDK classifies as throttling.
    pub fn throttling() -> Self {
        Self::new(400, "ThrottlingException", "Rate exceeded")
    }

    /// A server-side failure with the given 5xx status.
    pub fn server(status: u16) -> Self {
        let code = if status == 503 {
            "ServiceUnavailableException"
        } else {
            "InternalServiceError"
        };
        Self::new(status, code, "Simulated internal service error")
    }

    /// 404/400 `UnknownOperationException`.
    pub fn unknown_operation(status: u16, operation: &str) -> Self {
        Self::new(
            status,
            "UnknownOperationException",
            format!("Operation {operation} is not supported by appstream-sim"),
        )
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for SimError {}

/// A failure of the simulator itself: a bad scenario, a bad flag, an I/O error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario document is not valid.
    #[error("invalid scenario: {0}")]
    Scenario(String),
    /// A configuration value is not valid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Reading a file or binding a socket failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
