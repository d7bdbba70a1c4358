//! Reads DescribeSessions output.

use super::node::Node;
use super::time::timestamp;
use crate::error::InputError;
use crate::finding::Source;
use crate::model::Session;

pub fn read_session(node: &Node<'_>, source: Source) -> Result<Session, InputError> {
    if !node.value.is_object() {
        return Err(node.wrong_type("a session object"));
    }
    let required = |key: &'static str| -> Result<String, InputError> {
        node.get(key)
            .ok_or_else(|| InputError::Missing {
                location: node.location(),
                field: key,
            })?
            .string()
    };
    let optional = |key: &str| node.get(key).map(|n| n.string()).transpose();
    Ok(Session {
        id: required("Id")?,
        user_id: required("UserId")?,
        stack_name: required("StackName")?,
        fleet_name: required("FleetName")?,
        state: required("State")?,
        connection_state: optional("ConnectionState")?,
        start_time: node.get("StartTime").map(|n| timestamp(&n)).transpose()?,
        max_expiration_time: node
            .get("MaxExpirationTime")
            .map(|n| timestamp(&n))
            .transpose()?,
        authentication_type: optional("AuthenticationType")?,
        instance_id: optional("InstanceId")?,
        instance_drain_status: optional("InstanceDrainStatus")?,
        source,
    })
}
