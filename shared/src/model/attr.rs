//! A value read from an input: absent, known, or not knowable offline.

use std::fmt;

/// A field of a resource as an input gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Attr<T> {
    /// The input does not set the field.
    #[default]
    Absent,
    /// The input sets the field to this value.
    Set(T),
    /// The field has a value we cannot know here (see [`UnreadReason`]).
    Unread(Box<Unread>),
}

/// Why a field could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The field, as AppStream names it (`VpcConfig.SubnetIds`).
    pub field: &'static str,
    pub reason: UnreadReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreadReason {
    /// A CloudFormation intrinsic function (`!Ref Subnets`, `Fn::If`): resolved only at deploy time.
    Intrinsic(String),
    /// An UpdateFleet/UpdateStack request that leaves the field unchanged.
    NotInRequest,
    /// The kind of input never carries the field (tags are not part of DescribeFleets).
    NotInInput(&'static str),
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            UnreadReason::Intrinsic(expr) => {
                write!(f, "{} is unresolved ({expr})", self.field)
            }
            UnreadReason::NotInRequest => {
                write!(f, "{} is not changed by this request", self.field)
            }
            UnreadReason::NotInInput(kind) => write!(f, "{} is not part of {kind}", self.field),
        }
    }
}

impl<T> Attr<T> {
    /// An unread field.
    pub fn unread(field: &'static str, reason: UnreadReason) -> Self {
        Attr::Unread(Box::new(Unread { field, reason }))
    }

    /// The value for a rule: `Ok(None)` when absent, `Err` when it cannot be known, so a
    /// rule reads `let v = fleet.field.get()?;` and an unknown value stops it honestly.
    pub fn get(&self) -> Result<Option<&T>, Unread> {
        match self {
            Attr::Absent => Ok(None),
            Attr::Set(value) => Ok(Some(value)),
            Attr::Unread(unread) => Err((**unread).clone()),
        }
    }

    /// The value if it is known, ignoring why it might not be.
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Set(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Attr::Absent)
    }

    /// Maps a known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Absent => Attr::Absent,
            Attr::Set(value) => Attr::Set(f(value)),
            Attr::Unread(unread) => Attr::Unread(unread),
        }
    }
}

impl<T> From<Option<T>> for Attr<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Attr::Absent, Attr::Set)
    }
}
