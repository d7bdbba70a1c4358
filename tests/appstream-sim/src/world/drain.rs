//! Drain mode (2026-04): DrainSessionInstance and the capacity counters it moves.
//!
//! The model, chosen to keep the documented identity whole (the API reference is silent
//! on which counters include drain capacity): a draining instance's slots leave
//! `ActiveUserSessions` and `AvailableUserSessions` and are counted in
//! `DrainModeActiveUserSessions` (its sessions) and `DrainModeUnusedUserSessions` (its
//! free slots, which take no new session), so that
//! `ActualUserSessions = AvailableUserSessions + ActiveUserSessions +
//! DrainModeActiveUserSessions + DrainModeUnusedUserSessions` always holds.
//! `Draining` counts draining instances. Sessions on a draining instance report
//! `InstanceDrainStatus` `DRAINING`, others on multi-session fleets `ACTIVE`. When the
//! last session of a draining instance ends, the instance is reclaimed and replaced at
//! once: its slots return to `AvailableUserSessions` and it leaves `InUse`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::required_string;
use super::{Kind, Object, World, bump, capacity_status, max_sessions, multi_session, str_of};
use crate::error::SimError;

/// `InstanceDrainStatus` of a session on a draining instance.
pub(super) const DRAINING: &str = "DRAINING";
/// `InstanceDrainStatus` of a session on an instance that takes new sessions.
pub(super) const ACTIVE: &str = "ACTIVE";

/// Counts a session on a draining instance starting (`sign` 1) or ending (-1);
/// `shares_instance` says whether other sessions are on its instance.
pub(super) fn count_draining_session(
    status: &mut Object,
    per_instance: i64,
    shares_instance: bool,
    sign: i64,
) {
    bump(status, "DrainModeActiveUserSessions", sign);
    if shares_instance {
        bump(status, "DrainModeUnusedUserSessions", -sign);
    } else {
        // The instance's first session (or its last: the instance is reclaimed).
        bump(
            status,
            "DrainModeUnusedUserSessions",
            sign * (per_instance - 1),
        );
        bump(status, "Draining", sign);
        bump(status, "AvailableUserSessions", -sign * per_instance);
        bump(status, "InUse", sign);
        bump(status, "Available", -sign);
    }
}

impl World {
    /// Instances of the fleet in drain mode.
    pub(super) fn draining_instances(&self, fleet: &str) -> BTreeSet<String> {
        self.sessions
            .iter()
            .filter(|s| {
                str_of(s, "FleetName") == Some(fleet)
                    && str_of(s, "InstanceDrainStatus") == Some(DRAINING)
            })
            .filter_map(|s| str_of(s, "InstanceId").map(str::to_owned))
            .collect()
    }

    /// DrainSessionInstance: the instance hosting the session takes no new sessions; its
    /// sessions go on. Only multi-session fleets (OperationNotPermittedException
    /// otherwise); draining a draining instance again changes nothing.
    pub(super) fn drain_session_instance(&mut self, params: &Value) -> Result<Value, SimError> {
        let id = required_string(params, "SessionId")?;
        let session = self
            .session_index(&id)
            .map(|i| self.sessions[i].clone())
            .ok_or_else(|| SimError::not_found(format!("The session {id} does not exist.")))?;
        let fleet_name = str_of(&session, "FleetName").unwrap_or_default().to_owned();
        let fleet = self
            .resource(Kind::Fleet, &fleet_name)
            .ok_or_else(|| Kind::Fleet.not_found(&fleet_name))?;
        let per_instance = max_sessions(fleet);
        let instance = match str_of(&session, "InstanceId") {
            Some(i) if multi_session(fleet) => i.to_owned(),
            _ => {
                return Err(SimError::not_permitted(
                    "DrainSessionInstance only applies to multi-session fleets.",
                ));
            }
        };
        if str_of(&session, "InstanceDrainStatus") == Some(DRAINING) {
            return Ok(json!({}));
        }
        let mut hosted = 0;
        for s in self.sessions.iter_mut().filter(|s| {
            str_of(s, "FleetName") == Some(fleet_name.as_str())
                && str_of(s, "InstanceId") == Some(instance.as_str())
        }) {
            s.insert("InstanceDrainStatus".to_owned(), json!(DRAINING));
            hosted += 1;
        }
        if let Some(status) = self
            .resource_mut(Kind::Fleet, &fleet_name)
            .and_then(capacity_status)
        {
            bump(status, "Draining", 1);
            bump(status, "DrainModeActiveUserSessions", hosted);
            bump(status, "DrainModeUnusedUserSessions", per_instance - hosted);
            bump(status, "ActiveUserSessions", -hosted);
            bump(status, "AvailableUserSessions", -(per_instance - hosted));
        }
        Ok(json!({}))
    }
}
