//! The simulated account state and the AppStream operations performed on it.
//!
//! Fleets, stacks, associations and sessions live here; image builders and images in
//! [`images`], usage report subscriptions in [`usage`].

mod builders;
mod drain;
mod fleets;
mod images;
mod stacks;
mod usage;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::SimError;
use crate::scenario::{Scenario, Timings};
use crate::time::{epoch_value, format_iso};
use crate::wire::{hex, normalize_timestamps, unhex};

/// Operations the simulator implements.
pub const OPERATIONS: &[&str] = &[
    "DescribeFleets",
    "DescribeStacks",
    "ListAssociatedStacks",
    "ListAssociatedFleets",
    "DescribeSessions",
    "ListTagsForResource",
    "StartFleet",
    "StopFleet",
    "UpdateFleet",
    "DescribeImageBuilders",
    "DescribeImages",
    "DescribeImagePermissions",
    "DescribeUsageReportSubscriptions",
    "CreateImageBuilder",
    "StartImageBuilder",
    "StopImageBuilder",
    "DeleteImageBuilder",
    "DeleteImage",
    "UpdateImagePermissions",
    "DeleteImagePermissions",
    "CreateUsageReportSubscription",
    "DeleteUsageReportSubscription",
    "TagResource",
    "UntagResource",
    "DrainSessionInstance",
    "CreateStack",
    "UpdateStack",
    "CreateFleet",
];

/// Page size used for an operation when neither the scenario nor a flag sets one.
pub fn default_page_size(operation: &str) -> usize {
    match operation {
        "DescribeSessions" => 20,
        "DescribeImages" => images::MAX_IMAGES_PER_PAGE,
        _ => 50,
    }
}

const MAX_SESSIONS_LIMIT: i64 = 50;
/// Tags per resource (AppStream's limit).
const MAX_TAGS: usize = 50;
const DEFAULT_MAX_USER_DURATION: f64 = 57_600.0;

type Object = Map<String, Value>;

#[derive(Debug, Clone, PartialEq)]
struct Transition {
    to: &'static str,
    at: f64,
}

/// The simulated account.
#[derive(Debug, Clone)]
pub struct World {
    region: String,
    account_id: String,
    fleets: Vec<Object>,
    stacks: Vec<Object>,
    associations: Vec<(String, String)>,
    sessions: Vec<Object>,
    image_builders: Vec<Object>,
    images: Vec<Object>,
    /// SharedImagePermissions objects (wire form) per private image name.
    image_permissions: BTreeMap<String, Vec<Object>>,
    /// The account's usage report subscription in this region, if any (at most one).
    usage_reports: Vec<Object>,
    tags: BTreeMap<String, Object>,
    transitions: BTreeMap<(Kind, String), Transition>,
    timings: Timings,
    expire_sessions: bool,
    session_seq: u64,
}

impl World {
    /// Builds the account from a scenario, filling in missing ARNs.
    pub fn from_scenario(scenario: &Scenario) -> Result<Self, SimError> {
        let mut world = Self {
            region: scenario.region.clone(),
            account_id: scenario.account_id.clone(),
            fleets: Vec::new(),
            stacks: Vec::new(),
            associations: Vec::new(),
            sessions: Vec::new(),
            image_builders: Vec::new(),
            images: Vec::new(),
            image_permissions: BTreeMap::new(),
            usage_reports: scenario.usage_report_subscriptions.clone(),
            tags: BTreeMap::new(),
            transitions: BTreeMap::new(),
            timings: scenario.timings,
            expire_sessions: scenario.expire_sessions,
            session_seq: 0,
        };
        for fleet in &scenario.fleets {
            world.insert_resource(Kind::Fleet, fleet.clone())?;
        }
        for stack in &scenario.stacks {
            world.insert_resource(Kind::Stack, stack.clone())?;
        }
        for builder in &scenario.image_builders {
            world.insert_resource(Kind::ImageBuilder, builder.clone())?;
        }
        for image in &scenario.images {
            world.insert_resource(Kind::Image, image.clone())?;
        }
        for (image, permissions) in &scenario.image_permissions {
            world.load_permissions(image, permissions)?;
        }
        for (fleet, stack) in &scenario.associations {
            world.associate(fleet, stack)?;
        }
        for session in &scenario.sessions {
            let id = session
                .get("Id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !id.is_empty() && world.session_index(id).is_some() {
                return Err(SimError::new(
                    409,
                    "Conflict",
                    format!("duplicate session {id}"),
                ));
            }
            world.sessions.push(session.clone());
        }
        for (resource, set) in &scenario.tags {
            let arn = world.resolve_resource(resource);
            world.tags.insert(arn, set.clone());
        }
        Ok(world)
    }

    /// The account this world belongs to.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The region this world is in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account as a scenario document (timestamps as epoch seconds).
    pub fn to_scenario_json(&self, now: f64, page_sizes: &BTreeMap<String, usize>) -> Value {
        json!({
            "Now": format_iso(now),
            "Region": self.region,
            "AccountId": self.account_id,
            "Fleets": self.fleets,
            "Stacks": self.stacks,
            "Associations": self.associations.iter()
                .map(|(f, s)| json!({"FleetName": f, "StackName": s}))
                .collect::<Vec<_>>(),
            "Sessions": self.sessions,
            "ImageBuilders": self.image_builders,
            "Images": self.images,
            "ImagePermissions": self.image_permissions.iter()
                .map(|(name, list)| json!({"Name": name, "SharedImagePermissionsList": list}))
                .collect::<Vec<_>>(),
            "UsageReportSubscriptions": self.usage_reports,
            "Tags": self.tags,
            "PageSizes": page_sizes,
            "Timings": {
                "FleetStartSeconds": self.timings.fleet_start_seconds,
                "FleetStopSeconds": self.timings.fleet_stop_seconds,
            },
            "ExpireSessions": self.expire_sessions,
        })
    }

    /// Counts of fleets, stacks, associations, sessions, image builders and images.
    pub fn counts(&self) -> Value {
        json!({
            "fleets": self.fleets.len(),
            "stacks": self.stacks.len(),
            "associations": self.associations.len(),
            "sessions": self.sessions.len(),
            "image_builders": self.image_builders.len(),
            "images": self.images.len(),
        })
    }

    /// Applies whatever the clock passing `now` brings: finished fleet and image builder
    /// transitions and, when enabled, expired sessions.
    pub fn tick(&mut self, now: f64) {
        let due: Vec<((Kind, String), &'static str)> = self
            .transitions
            .iter()
            .filter(|(_, t)| t.at <= now)
            .map(|(key, t)| (key.clone(), t.to))
            .collect();
        for (key, to) in due {
            self.transitions.remove(&key);
            let (kind, name) = key;
            match kind {
                Kind::Fleet => self.set_fleet_state(&name, to),
                _ => self.set_state(kind, &name, to),
            }
        }
        if self.expire_sessions {
            let expired: Vec<String> = self
                .sessions
                .iter()
                .filter(|s| {
                    s.get("MaxExpirationTime")
                        .and_then(Value::as_f64)
                        .is_some_and(|t| t <= now)
                })
                .filter_map(|s| s.get("Id").and_then(Value::as_str).map(str::to_owned))
                .collect();
            for id in expired {
                let _ended = self.end_session(&id);
            }
        }
    }

    /// Performs one AppStream operation.
    pub fn call(
        &mut self,
        operation: &str,
        params: &Value,
        now: f64,
        page_sizes: &BTreeMap<String, usize>,
    ) -> Result<Value, SimError> {
        if !params.is_object() {
            return Err(SimError::serialization("the request must be a structure"));
        }
        let page_size = page_sizes
            .get(operation)
            .copied()
            .unwrap_or_else(|| default_page_size(operation));
        match operation {
            "DescribeFleets" => self.describe(Kind::Fleet, params, page_size),
            "DescribeStacks" => self.describe(Kind::Stack, params, page_size),
            "ListAssociatedStacks" => self.list_associated(Kind::Fleet, params, page_size),
            "ListAssociatedFleets" => self.list_associated(Kind::Stack, params, page_size),
            "DescribeSessions" => self.describe_sessions(params, page_size),
            "ListTagsForResource" => self.list_tags(params),
            "StartFleet" => self.start_fleet(params, now),
            "StopFleet" => self.stop_fleet(params, now),
            "UpdateFleet" => self.update_fleet(params),
            "DescribeImageBuilders" => self.describe(Kind::ImageBuilder, params, page_size),
            "DescribeImages" => self.describe_images(params, page_size),
            "DescribeImagePermissions" => self.describe_image_permissions(params, page_size),
            "DescribeUsageReportSubscriptions" => self.describe_usage_reports(params, page_size),
            "CreateImageBuilder" => self.create_image_builder(params, now),
            "StartImageBuilder" => self.start_image_builder(params, now),
            "StopImageBuilder" => self.stop_image_builder(params, now),
            "DeleteImageBuilder" => self.delete_image_builder(params),
            "DeleteImage" => self.delete_image(params),
            "UpdateImagePermissions" => self.update_image_permissions(params),
            "DeleteImagePermissions" => self.delete_image_permissions(params),
            "CreateUsageReportSubscription" => Ok(self.create_usage_report()),
            "DeleteUsageReportSubscription" => self.delete_usage_report(),
            "TagResource" => self.tag_resource(params),
            "UntagResource" => self.untag_resource(params),
            "DrainSessionInstance" => self.drain_session_instance(params),
            "CreateStack" => self.create_stack(params, now),
            "CreateFleet" => self.create_fleet(params, now),
            "UpdateStack" => self.update_stack(params),
            "GetResources" => crate::tagging::get_resources(
                &self.tags,
                params,
                page_sizes.get(operation).copied(),
            ),
            other => Err(SimError::unknown_operation(404, other)),
        }
    }

    fn describe(&self, kind: Kind, params: &Value, page_size: usize) -> Result<Value, SimError> {
        let page_size = max_results(params, None)?.unwrap_or(page_size);
        let items: Vec<Value> = match string_list(params, "Names")? {
            Some(names) if !names.is_empty() => names
                .iter()
                .map(|name| {
                    self.resource(kind, name)
                        .map(|r| Value::Object(r.clone()))
                        .ok_or_else(|| kind.not_found(name))
                })
                .collect::<Result<_, _>>()?,
            _ => {
                // Only the page is copied: a paged read of N resources stays O(N) overall.
                let all = self.list(kind);
                let (range, token) =
                    page_bounds(kind.describe_operation(), all.len(), page_size, params)?;
                let page: Vec<Value> = all[range].iter().cloned().map(Value::Object).collect();
                return Ok(with_token(json!({ kind.plural(): page }), token));
            }
        };
        let op = kind.describe_operation();
        let (page, token) = paginate(op, items, page_size, params)?;
        Ok(with_token(json!({ kind.plural(): page }), token))
    }

    fn list_associated(
        &self,
        kind: Kind,
        params: &Value,
        page_size: usize,
    ) -> Result<Value, SimError> {
        let key = kind.name_member();
        let name = required_string(params, key)?;
        let names: Vec<Value> = self
            .associations
            .iter()
            .filter_map(|(fleet, stack)| match kind {
                Kind::Fleet => (fleet == &name).then(|| Value::String(stack.clone())),
                _ => (stack == &name).then(|| Value::String(fleet.clone())),
            })
            .collect();
        let op = match kind {
            Kind::Fleet => "ListAssociatedStacks",
            _ => "ListAssociatedFleets",
        };
        let (page, token) = paginate(op, names, page_size, params)?;
        Ok(with_token(json!({ "Names": page }), token))
    }

    fn describe_sessions(&self, params: &Value, default_limit: usize) -> Result<Value, SimError> {
        let stack = required_string(params, "StackName")?;
        let fleet = required_string(params, "FleetName")?;
        let user = optional_string(params, "UserId")?;
        let auth = optional_string(params, "AuthenticationType")?;
        let instance = optional_string(params, "InstanceId")?;
        let limit = match params.get("Limit").filter(|v| !v.is_null()) {
            None => default_limit,
            Some(v) => {
                let n = v
                    .as_i64()
                    .ok_or_else(|| SimError::serialization("Limit must be an integer"))?;
                if !(1..=MAX_SESSIONS_LIMIT).contains(&n) {
                    return Err(SimError::validation(format!(
                        "1 validation error detected: Value '{n}' at 'limit' failed to satisfy \
                         constraint: Member must have value between 1 and {MAX_SESSIONS_LIMIT}"
                    )));
                }
                usize::try_from(n).unwrap_or(default_limit)
            }
        };
        if let Some(a) = &auth
            && !["API", "SAML", "USERPOOL", "AWS_AD"].contains(&a.as_str())
        {
            return Err(SimError::validation(format!(
                "1 validation error detected: Value '{a}' at 'authenticationType' failed to \
                 satisfy constraint: Member must satisfy enum value set: [API, SAML, USERPOOL, AWS_AD]"
            )));
        }
        if user.is_some() && auth.is_none() {
            return Err(SimError::invalid_combination(
                "UserId requires AuthenticationType to be specified",
            ));
        }
        if self.resource(Kind::Fleet, &fleet).is_none() {
            return Err(Kind::Fleet.not_found(&fleet));
        }
        if self.resource(Kind::Stack, &stack).is_none() {
            return Err(Kind::Stack.not_found(&stack));
        }
        let auth = auth.unwrap_or_else(|| "API".to_owned());
        // InstanceDrainStatus "only applies to multi-session fleets" (API reference): their
        // sessions always carry one.
        let multi = self
            .resource(Kind::Fleet, &fleet)
            .is_some_and(multi_session);
        let sessions: Vec<Value> = self
            .sessions
            .iter()
            .filter(|s| {
                str_of(s, "FleetName") == Some(fleet.as_str())
                    && str_of(s, "StackName") == Some(stack.as_str())
                    && str_of(s, "AuthenticationType").unwrap_or("API") == auth
                    && user
                        .as_deref()
                        .is_none_or(|u| str_of(s, "UserId") == Some(u))
                    && instance
                        .as_deref()
                        .is_none_or(|i| str_of(s, "InstanceId") == Some(i))
            })
            .map(|s| {
                let mut s = s.clone();
                if multi {
                    s.entry("InstanceDrainStatus")
                        .or_insert_with(|| json!(drain::ACTIVE));
                }
                Value::Object(s)
            })
            .collect();
        let (page, token) = paginate("DescribeSessions", sessions, limit, params)?;
        Ok(with_token(json!({ "Sessions": page }), token))
    }

    /// The ARN named in `ResourceArn`, when it is one of the account's resources (or has
    /// tags from the scenario).
    fn tagged_arn(&self, params: &Value) -> Result<String, SimError> {
        let arn = required_string(params, "ResourceArn")?;
        let known = self.tags.contains_key(&arn)
            || Kind::ALL.iter().any(|k| {
                self.list(*k)
                    .iter()
                    .any(|r| str_of(r, "Arn") == Some(arn.as_str()))
            });
        if !known {
            return Err(SimError::not_found(format!(
                "Resource {arn} does not exist."
            )));
        }
        Ok(arn)
    }

    fn list_tags(&self, params: &Value) -> Result<Value, SimError> {
        let arn = self.tagged_arn(params)?;
        let tags = self.tags.get(&arn).cloned().unwrap_or_default();
        Ok(json!({ "Tags": tags }))
    }

    /// TagResource: adds or replaces tags; a resource has at most 50.
    fn tag_resource(&mut self, params: &Value) -> Result<Value, SimError> {
        let arn = self.tagged_arn(params)?;
        let added = match params.get("Tags") {
            Some(Value::Object(t)) if !t.is_empty() => t.clone(),
            Some(Value::Object(_)) | None | Some(Value::Null) => {
                return Err(SimError::validation(
                    "1 validation error detected: Value at 'tags' failed to satisfy \
                     constraint: Member must have length greater than or equal to 1",
                ));
            }
            Some(_) => return Err(SimError::serialization("Tags must be a map")),
        };
        let mut tags = self.tags.get(&arn).cloned().unwrap_or_default();
        tags.extend(added);
        if tags.len() > MAX_TAGS {
            return Err(SimError::new(
                400,
                "LimitExceededException",
                format!("A resource can have at most {MAX_TAGS} tags."),
            ));
        }
        self.set_tags(&arn, tags)?;
        Ok(json!({}))
    }

    /// UntagResource: removes the tags with the given keys.
    fn untag_resource(&mut self, params: &Value) -> Result<Value, SimError> {
        let arn = self.tagged_arn(params)?;
        let keys = string_list(params, "TagKeys")?.unwrap_or_default();
        if keys.is_empty() {
            return Err(SimError::validation(
                "1 validation error detected: Value at 'tagKeys' failed to satisfy \
                 constraint: Member must have length greater than or equal to 1",
            ));
        }
        let mut tags = self.tags.get(&arn).cloned().unwrap_or_default();
        tags.retain(|k, _| !keys.contains(k));
        self.set_tags(&arn, tags)?;
        Ok(json!({}))
    }

    fn start_fleet(&mut self, params: &Value, now: f64) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let state = self.fleet_state(&name)?;
        match state.as_str() {
            "STOPPED" => {
                self.set_fleet_state(&name, "STARTING");
                self.schedule(
                    Kind::Fleet,
                    &name,
                    "RUNNING",
                    now + self.timings.fleet_start_seconds,
                );
            }
            "STOPPING" => {
                return Err(SimError::concurrent_modification(format!(
                    "Fleet {name} is stopping; wait until it is STOPPED to start it."
                )));
            }
            _ => {}
        }
        Ok(json!({}))
    }

    fn stop_fleet(&mut self, params: &Value, now: f64) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let state = self.fleet_state(&name)?;
        if matches!(state.as_str(), "RUNNING" | "STARTING") {
            self.transitions.remove(&(Kind::Fleet, name.clone()));
            self.set_fleet_state(&name, "STOPPING");
            self.schedule(
                Kind::Fleet,
                &name,
                "STOPPED",
                now + self.timings.fleet_stop_seconds,
            );
        }
        Ok(json!({}))
    }

    fn update_fleet(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        let region = self.region.clone();
        let fleet = self
            .resource(Kind::Fleet, &name)
            .ok_or_else(|| Kind::Fleet.not_found(&name))?;
        let mut updated = fleet.clone();
        for key in fleets::UPDATABLE {
            if let Some(v) = params.get(*key).filter(|v| !v.is_null()) {
                updated.insert((*key).to_owned(), v.clone());
            }
        }
        if let Some(arn) = optional_string(params, "ImageArn")? {
            let image = arn.rsplit('/').next().unwrap_or(&arn).to_owned();
            updated.insert("ImageArn".to_owned(), Value::String(arn));
            updated.insert("ImageName".to_owned(), Value::String(image));
        } else if let Some(image) = optional_string(params, "ImageName")? {
            updated.insert(
                "ImageArn".to_owned(),
                Value::String(format!("arn:aws:appstream:{region}::image/{image}")),
            );
            updated.insert("ImageName".to_owned(), Value::String(image));
        }
        if params.get("DeleteVpcConfig").and_then(Value::as_bool) == Some(true) {
            updated.remove("VpcConfig");
        }
        for attribute in string_list(params, "AttributesToDelete")?.unwrap_or_default() {
            match attribute.as_str() {
                "VPC_CONFIGURATION" => {
                    updated.remove("VpcConfig");
                }
                "VPC_CONFIGURATION_SECURITY_GROUP_IDS" => {
                    if let Some(Value::Object(vpc)) = updated.get_mut("VpcConfig") {
                        vpc.remove("SecurityGroupIds");
                    }
                }
                "DOMAIN_JOIN_INFO" => {
                    updated.remove("DomainJoinInfo");
                }
                "IAM_ROLE_ARN" => {
                    updated.remove("IamRoleArn");
                }
                "USB_DEVICE_FILTER_STRINGS" => {
                    updated.remove("UsbDeviceFilterStrings");
                }
                "SESSION_SCRIPT_S3_LOCATION" => {
                    updated.remove("SessionScriptS3Location");
                }
                "MAX_SESSIONS_PER_INSTANCE" => {
                    updated.remove("MaxSessionsPerInstance");
                }
                "VOLUME_CONFIGURATION" => {
                    updated.remove("RootVolumeConfig");
                }
                other => {
                    return Err(SimError::validation(format!(
                        "1 validation error detected: Value '{other}' at 'attributesToDelete' \
                         failed to satisfy constraint: Member must satisfy enum value set"
                    )));
                }
            }
        }
        if let Some(capacity) = params.get("ComputeCapacity").filter(|v| !v.is_null()) {
            apply_compute_capacity(&mut updated, capacity)?;
        }
        if str_of(&updated, "State") == Some("RUNNING") {
            running_capacity(&mut updated);
        }
        if let Some(slot) = self.resource_mut(Kind::Fleet, &name) {
            *slot = updated.clone();
        }
        Ok(json!({ "Fleet": updated }))
    }

    fn schedule(&mut self, kind: Kind, name: &str, to: &'static str, at: f64) {
        self.transitions
            .insert((kind, name.to_owned()), Transition { to, at });
    }

    /// Sets the `State` of a resource that has no counters to keep (an image builder).
    fn set_state(&mut self, kind: Kind, name: &str, state: &'static str) {
        if let Some(resource) = self.resource_mut(kind, name) {
            resource.insert("State".to_owned(), Value::String(state.to_owned()));
        }
    }

    fn fleet_state(&self, name: &str) -> Result<String, SimError> {
        let fleet = self
            .resource(Kind::Fleet, name)
            .ok_or_else(|| Kind::Fleet.not_found(name))?;
        Ok(str_of(fleet, "State").unwrap_or("STOPPED").to_owned())
    }

    fn set_fleet_state(&mut self, name: &str, state: &'static str) {
        let Some(fleet) = self.resource_mut(Kind::Fleet, name) else {
            return;
        };
        fleet.insert("State".to_owned(), Value::String(state.to_owned()));
        match state {
            "RUNNING" => running_capacity(fleet),
            "STARTING" | "STOPPED" => {
                let multi = multi_session(fleet);
                if let Some(status) = capacity_status(fleet) {
                    for key in ["Running", "InUse", "Available"] {
                        status.insert(key.to_owned(), json!(0));
                    }
                    if multi {
                        for key in [
                            "AvailableUserSessions",
                            "ActiveUserSessions",
                            "ActualUserSessions",
                            "Draining",
                            "DrainModeActiveUserSessions",
                            "DrainModeUnusedUserSessions",
                        ] {
                            status.insert(key.to_owned(), json!(0));
                        }
                    }
                }
                if state == "STOPPED" {
                    self.sessions
                        .retain(|s| str_of(s, "FleetName") != Some(name));
                }
            }
            _ => {}
        }
    }

    /// Adds a fleet, stack, image builder or image (control API). Fills in a missing ARN;
    /// an image builder's or image's own `Tags` map moves to the tag store.
    pub fn insert_resource(&mut self, kind: Kind, mut object: Object) -> Result<Value, SimError> {
        let name = object
            .get("Name")
            .and_then(Value::as_str)
            .ok_or_else(|| SimError::new(400, "BadRequest", "Name is required"))?
            .to_owned();
        if self.resource(kind, &name).is_some() {
            return Err(SimError::new(
                409,
                "Conflict",
                format!("{} {name} already exists", kind.singular()),
            ));
        }
        let mut value = Value::Object(std::mem::take(&mut object));
        normalize_timestamps(&mut value).map_err(|e| SimError::new(400, "BadRequest", e))?;
        let Value::Object(mut object) = value else {
            return Err(SimError::new(400, "BadRequest", "expected an object"));
        };
        if kind == Kind::Image {
            images::check_image(&object)?;
        }
        if !object.get("Arn").is_some_and(Value::is_string) {
            let arn = match kind {
                Kind::Image => self.image_arn(&object, &name),
                _ => self.arn(kind, &name),
            };
            object.insert("Arn".to_owned(), Value::String(arn));
        }
        let own_tags = match kind {
            Kind::ImageBuilder | Kind::Image => object.remove("Tags"),
            Kind::Fleet | Kind::Stack => None,
        };
        if let Some(tags) = own_tags.filter(|t| !t.is_null()) {
            let Value::Object(tags) = tags else {
                return Err(SimError::new(400, "BadRequest", "Tags must be an object"));
            };
            let arn = str_of(&object, "Arn").unwrap_or_default().to_owned();
            self.set_tags(&arn, tags)?;
        }
        self.list_mut(kind).push(object.clone());
        Ok(Value::Object(object))
    }

    /// Merges `patch` into a fleet or stack (JSON merge patch; `null` removes a member).
    pub fn patch_resource(
        &mut self,
        kind: Kind,
        name: &str,
        patch: &Value,
    ) -> Result<Value, SimError> {
        if patch.get("Name").is_some_and(|n| n.as_str() != Some(name)) {
            return Err(SimError::new(400, "BadRequest", "Name cannot be changed"));
        }
        let current = self
            .resource(kind, name)
            .ok_or_else(|| control_not_found(kind.singular(), name))?;
        let mut value = Value::Object(current.clone());
        merge_patch(&mut value, patch);
        normalize_timestamps(&mut value).map_err(|e| SimError::new(400, "BadRequest", e))?;
        let Value::Object(object) = value else {
            return Err(SimError::new(400, "BadRequest", "expected an object"));
        };
        if patch.get("State").is_some() {
            self.transitions.remove(&(kind, name.to_owned()));
        }
        if let Some(slot) = self.resource_mut(kind, name) {
            *slot = object.clone();
        }
        Ok(Value::Object(object))
    }

    /// Removes a fleet or stack with its associations, tags and sessions, an image with
    /// its permissions and tags, or an image builder with its tags.
    pub fn remove_resource(&mut self, kind: Kind, name: &str) -> Result<Value, SimError> {
        let list = self.list_mut(kind);
        let index = list
            .iter()
            .position(|r| str_of(r, "Name") == Some(name))
            .ok_or_else(|| control_not_found(kind.singular(), name))?;
        let removed = list.remove(index);
        if let Some(arn) = str_of(&removed, "Arn") {
            self.tags.remove(arn);
        }
        match kind {
            Kind::Fleet | Kind::Stack => {
                let member = kind.name_member();
                self.associations.retain(|(f, s)| match kind {
                    Kind::Fleet => f != name,
                    _ => s != name,
                });
                self.sessions.retain(|s| str_of(s, member) != Some(name));
            }
            Kind::Image => {
                self.image_permissions.remove(name);
            }
            Kind::ImageBuilder => {}
        }
        self.transitions.remove(&(kind, name.to_owned()));
        Ok(Value::Object(removed))
    }

    /// Associates a fleet with a stack.
    pub fn associate(&mut self, fleet: &str, stack: &str) -> Result<(), SimError> {
        if self.resource(Kind::Fleet, fleet).is_none() {
            return Err(control_not_found("fleet", fleet));
        }
        if self.resource(Kind::Stack, stack).is_none() {
            return Err(control_not_found("stack", stack));
        }
        let pair = (fleet.to_owned(), stack.to_owned());
        if !self.associations.contains(&pair) {
            self.associations.push(pair);
        }
        Ok(())
    }

    /// Removes an association.
    pub fn disassociate(&mut self, fleet: &str, stack: &str) -> Result<(), SimError> {
        let before = self.associations.len();
        self.associations
            .retain(|(f, s)| !(f == fleet && s == stack));
        if self.associations.len() == before {
            return Err(SimError::new(
                404,
                "NotFound",
                format!("fleet {fleet} is not associated with stack {stack}"),
            ));
        }
        Ok(())
    }

    /// Replaces the tags of a resource given by ARN, or by fleet, stack, image builder or
    /// image name.
    pub fn set_tags(&mut self, resource: &str, tags: Object) -> Result<String, SimError> {
        if let Some((k, _)) = tags.iter().find(|(_, v)| !v.is_string()) {
            return Err(SimError::new(
                400,
                "BadRequest",
                format!("tag {k} must be a string"),
            ));
        }
        let arn = self.resolve_resource(resource);
        if tags.is_empty() {
            self.tags.remove(&arn);
        } else {
            self.tags.insert(arn.clone(), tags);
        }
        Ok(arn)
    }

    /// Starts a session (control API), filling in defaults, and updates the fleet's
    /// capacity counters.
    pub fn add_session(&mut self, session: &Value, now: f64) -> Result<Value, SimError> {
        let Value::Object(input) = session else {
            return Err(SimError::new(
                400,
                "BadRequest",
                "a session must be an object",
            ));
        };
        let mut value = Value::Object(input.clone());
        normalize_timestamps(&mut value).map_err(|e| SimError::new(400, "BadRequest", e))?;
        let Value::Object(mut s) = value else {
            return Err(SimError::new(
                400,
                "BadRequest",
                "a session must be an object",
            ));
        };
        let fleet_name = str_of(&s, "FleetName")
            .ok_or_else(|| SimError::new(400, "BadRequest", "FleetName is required"))?
            .to_owned();
        if !s.get("StackName").is_some_and(Value::is_string) {
            return Err(SimError::new(400, "BadRequest", "StackName is required"));
        }
        let stack_name = str_of(&s, "StackName").unwrap_or_default().to_owned();
        if self.resource(Kind::Stack, &stack_name).is_none() {
            return Err(control_not_found("stack", &stack_name));
        }
        let fleet = self
            .resource(Kind::Fleet, &fleet_name)
            .ok_or_else(|| control_not_found("fleet", &fleet_name))?
            .clone();
        self.session_seq += 1;
        let seq = self.session_seq;
        if let Some(id) = str_of(&s, "Id") {
            if self.session_index(id).is_some() {
                return Err(SimError::new(
                    409,
                    "Conflict",
                    format!("session {id} already exists"),
                ));
            }
        } else {
            s.insert("Id".to_owned(), Value::String(session_id(seq, now)));
        }
        s.entry("UserId")
            .or_insert_with(|| Value::String(format!("sim-user-{seq}")));
        s.entry("State").or_insert_with(|| json!("ACTIVE"));
        s.entry("ConnectionState")
            .or_insert_with(|| json!("CONNECTED"));
        s.entry("AuthenticationType")
            .or_insert_with(|| json!("API"));
        let start = s.get("StartTime").and_then(Value::as_f64).unwrap_or(now);
        s.insert("StartTime".to_owned(), epoch_value(start));
        if !s.contains_key("MaxExpirationTime") {
            let duration = fleet
                .get("MaxUserDurationInSeconds")
                .and_then(Value::as_f64)
                .unwrap_or(DEFAULT_MAX_USER_DURATION);
            s.insert(
                "MaxExpirationTime".to_owned(),
                epoch_value(start + duration),
            );
        }
        if multi_session(&fleet) {
            s.entry("InstanceDrainStatus")
                .or_insert_with(|| json!(drain::ACTIVE));
        }
        if multi_session(&fleet) && !s.contains_key("InstanceId") {
            let instance = self.instance_with_room(&fleet_name, max_sessions(&fleet));
            s.insert(
                "InstanceId".to_owned(),
                Value::String(
                    instance.unwrap_or_else(|| format!("i-{:017x}", 0x51_u64 << 40 | seq)),
                ),
            );
        }
        self.adjust_capacity(&s, 1);
        self.sessions.push(s.clone());
        Ok(Value::Object(s))
    }

    /// Merges `patch` into a session (e.g. `{"ConnectionState": "NOT_CONNECTED"}`).
    pub fn patch_session(&mut self, id: &str, patch: &Value) -> Result<Value, SimError> {
        if patch.get("Id").is_some_and(|v| v.as_str() != Some(id)) {
            return Err(SimError::new(400, "BadRequest", "Id cannot be changed"));
        }
        let index = self
            .session_index(id)
            .ok_or_else(|| control_not_found("session", id))?;
        let old = self.sessions[index].clone();
        let mut value = Value::Object(old.clone());
        merge_patch(&mut value, patch);
        normalize_timestamps(&mut value).map_err(|e| SimError::new(400, "BadRequest", e))?;
        let Value::Object(new) = value else {
            return Err(SimError::new(400, "BadRequest", "expected an object"));
        };
        self.adjust_capacity(&old, -1);
        self.sessions.remove(index);
        self.adjust_capacity(&new, 1);
        self.sessions.insert(index, new.clone());
        Ok(Value::Object(new))
    }

    /// Ends (removes) a session and updates the fleet's capacity counters.
    pub fn end_session(&mut self, id: &str) -> Result<Value, SimError> {
        let index = self
            .session_index(id)
            .ok_or_else(|| control_not_found("session", id))?;
        let removed = self.sessions[index].clone();
        self.adjust_capacity(&removed, -1);
        self.sessions.remove(index);
        Ok(Value::Object(removed))
    }

    /// A session by id.
    pub fn session(&self, id: &str) -> Option<Value> {
        self.session_index(id)
            .map(|i| Value::Object(self.sessions[i].clone()))
    }

    /// A fleet, stack, image builder or image by name, as stored.
    pub fn get(&self, kind: Kind, name: &str) -> Option<Value> {
        self.resource(kind, name).cloned().map(Value::Object)
    }

    /// All fleets, stacks, image builders or images, as stored.
    pub fn all(&self, kind: Kind) -> Value {
        Value::Array(self.list(kind).iter().cloned().map(Value::Object).collect())
    }

    /// All sessions.
    pub fn sessions(&self) -> Value {
        Value::Array(self.sessions.iter().cloned().map(Value::Object).collect())
    }

    /// Changes the capacity counters of the session's fleet for a session starting
    /// (`sign` 1) or ending (`sign` -1). Must be called while `session` is not counted
    /// among the world's sessions for starting, and while it still is for ending.
    fn adjust_capacity(&mut self, session: &Object, sign: i64) {
        let Some(fleet_name) = str_of(session, "FleetName").map(str::to_owned) else {
            return;
        };
        let own_id = str_of(session, "Id");
        let instance = str_of(session, "InstanceId");
        let shares_instance = instance.is_some_and(|i| {
            self.sessions.iter().any(|s| {
                str_of(s, "FleetName") == Some(fleet_name.as_str())
                    && str_of(s, "InstanceId") == Some(i)
                    && str_of(s, "Id") != own_id
            })
        });
        let Some(fleet) = self.resource_mut(Kind::Fleet, &fleet_name) else {
            return;
        };
        let multi = multi_session(fleet);
        let per_instance = max_sessions(fleet);
        let elastic = str_of(fleet, "FleetType") == Some("ELASTIC");
        let Some(status) = capacity_status(fleet) else {
            return;
        };
        if multi && str_of(session, "InstanceDrainStatus") == Some(drain::DRAINING) {
            drain::count_draining_session(status, per_instance, shares_instance, sign);
        } else if multi {
            bump(status, "ActiveUserSessions", sign);
            bump(status, "AvailableUserSessions", -sign);
            if !shares_instance {
                bump(status, "InUse", sign);
                bump(status, "Available", -sign);
            }
        } else if elastic {
            bump(status, "InUse", sign);
            bump(status, "Running", sign);
            bump(status, "Desired", sign);
        } else {
            bump(status, "InUse", sign);
            bump(status, "Available", -sign);
        }
    }

    /// An instance of the fleet with a free session slot; a draining instance takes no
    /// new sessions.
    fn instance_with_room(&self, fleet: &str, per_instance: i64) -> Option<String> {
        let mut counts: Vec<(String, i64)> = Vec::new();
        let draining = self.draining_instances(fleet);
        for s in self
            .sessions
            .iter()
            .filter(|s| str_of(s, "FleetName") == Some(fleet))
        {
            if let Some(i) = str_of(s, "InstanceId") {
                match counts.iter_mut().find(|(id, _)| id == i) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((i.to_owned(), 1)),
                }
            }
        }
        counts
            .into_iter()
            .find(|(id, n)| *n < per_instance && !draining.contains(id))
            .map(|(id, _)| id)
    }

    fn session_index(&self, id: &str) -> Option<usize> {
        self.sessions
            .iter()
            .position(|s| str_of(s, "Id") == Some(id))
    }

    fn resolve_resource(&self, resource: &str) -> String {
        if resource.starts_with("arn:") {
            return resource.to_owned();
        }
        Kind::ALL
            .iter()
            .find_map(|k| self.resource(*k, resource).and_then(|r| str_of(r, "Arn")))
            .map_or_else(|| self.arn(Kind::Fleet, resource), str::to_owned)
    }

    fn arn(&self, kind: Kind, name: &str) -> String {
        format!(
            "arn:aws:appstream:{}:{}:{}/{name}",
            self.region,
            self.account_id,
            kind.singular()
        )
    }

    fn list(&self, kind: Kind) -> &Vec<Object> {
        match kind {
            Kind::Fleet => &self.fleets,
            Kind::Stack => &self.stacks,
            Kind::ImageBuilder => &self.image_builders,
            Kind::Image => &self.images,
        }
    }

    fn list_mut(&mut self, kind: Kind) -> &mut Vec<Object> {
        match kind {
            Kind::Fleet => &mut self.fleets,
            Kind::Stack => &mut self.stacks,
            Kind::ImageBuilder => &mut self.image_builders,
            Kind::Image => &mut self.images,
        }
    }

    fn resource(&self, kind: Kind, name: &str) -> Option<&Object> {
        self.list(kind)
            .iter()
            .find(|r| str_of(r, "Name") == Some(name))
    }

    fn resource_mut(&mut self, kind: Kind, name: &str) -> Option<&mut Object> {
        self.list_mut(kind)
            .iter_mut()
            .find(|r| str_of(r, "Name") == Some(name))
    }
}

/// The named resources of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Fleets.
    Fleet,
    /// Stacks.
    Stack,
    /// Image builders.
    ImageBuilder,
    /// Images (this account's, AWS's public ones and those shared with it).
    Image,
}

impl Kind {
    /// Every kind, in the order names are resolved.
    pub const ALL: [Kind; 4] = [Kind::Fleet, Kind::Stack, Kind::ImageBuilder, Kind::Image];

    /// The resource type in ARNs (`fleet`, `stack`, `image-builder`, `image`).
    fn singular(self) -> &'static str {
        match self {
            Kind::Fleet => "fleet",
            Kind::Stack => "stack",
            Kind::ImageBuilder => "image-builder",
            Kind::Image => "image",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Fleet => "Fleets",
            Kind::Stack => "Stacks",
            Kind::ImageBuilder => "ImageBuilders",
            Kind::Image => "Images",
        }
    }

    /// The member naming the resource in a session or association.
    fn name_member(self) -> &'static str {
        match self {
            Kind::Fleet => "FleetName",
            Kind::Stack => "StackName",
            Kind::ImageBuilder => "ImageBuilderName",
            Kind::Image => "ImageName",
        }
    }

    fn describe_operation(self) -> &'static str {
        match self {
            Kind::Fleet => "DescribeFleets",
            Kind::Stack => "DescribeStacks",
            Kind::ImageBuilder => "DescribeImageBuilders",
            Kind::Image => "DescribeImages",
        }
    }

    fn not_found(self, name: &str) -> SimError {
        let noun = match self {
            Kind::ImageBuilder => "image builder",
            other => other.singular(),
        };
        SimError::not_found(format!("The {noun} {name} does not exist."))
    }
}

fn control_not_found(what: &str, name: &str) -> SimError {
    SimError::new(404, "NotFound", format!("{what} {name} does not exist"))
}

fn str_of<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn multi_session(fleet: &Object) -> bool {
    max_sessions(fleet) > 1
}

fn max_sessions(fleet: &Object) -> i64 {
    fleet
        .get("MaxSessionsPerInstance")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// The fleet's `ComputeCapacityStatus`, created when missing; always `Some`.
fn capacity_status(fleet: &mut Object) -> Option<&mut Object> {
    let entry = fleet
        .entry("ComputeCapacityStatus")
        .or_insert_with(|| json!({"Desired": 0}));
    if !entry.is_object() {
        *entry = json!({"Desired": 0});
    }
    entry.as_object_mut()
}

fn int_of(object: &Object, key: &str) -> i64 {
    object.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn bump(status: &mut Object, key: &str, delta: i64) {
    let value = (int_of(status, key) + delta).max(0);
    status.insert(key.to_owned(), json!(value));
}

/// Sets the running counters of a `RUNNING` fleet from its desired capacity.
fn running_capacity(fleet: &mut Object) {
    if str_of(fleet, "FleetType") == Some("ELASTIC") {
        return;
    }
    let per_instance = max_sessions(fleet);
    let multi = per_instance > 1;
    let Some(status) = capacity_status(fleet) else {
        return;
    };
    let desired = int_of(status, "Desired");
    let in_use = int_of(status, "InUse");
    status.insert("Running".to_owned(), json!(desired));
    status.insert("Available".to_owned(), json!((desired - in_use).max(0)));
    if multi {
        let actual = desired * per_instance;
        let active = int_of(status, "ActiveUserSessions")
            + int_of(status, "DrainModeActiveUserSessions")
            + int_of(status, "DrainModeUnusedUserSessions");
        status
            .entry("DesiredUserSessions")
            .or_insert_with(|| json!(actual));
        status.insert("ActualUserSessions".to_owned(), json!(actual));
        status.insert(
            "AvailableUserSessions".to_owned(),
            json!((actual - active).max(0)),
        );
        status
            .entry("ActiveUserSessions")
            .or_insert_with(|| json!(0));
    }
}

fn apply_compute_capacity(fleet: &mut Object, capacity: &Value) -> Result<(), SimError> {
    let instances = capacity.get("DesiredInstances").and_then(Value::as_i64);
    let sessions = capacity.get("DesiredSessions").and_then(Value::as_i64);
    if str_of(fleet, "FleetType") == Some("ELASTIC") {
        return Err(SimError::invalid_combination(
            "ComputeCapacity is not allowed for Elastic fleets; use MaxConcurrentSessions",
        ));
    }
    let per_instance = max_sessions(fleet);
    let multi = per_instance > 1;
    let Some(status) = capacity_status(fleet) else {
        return Ok(());
    };
    match (instances, sessions) {
        (Some(_), Some(_)) => {
            return Err(SimError::invalid_combination(
                "Specify either DesiredInstances or DesiredSessions, not both",
            ));
        }
        (None, None) => {
            return Err(SimError::invalid_combination(
                "ComputeCapacity needs DesiredInstances or DesiredSessions",
            ));
        }
        (Some(n), None) => {
            if n < 0 {
                return Err(SimError::validation("DesiredInstances must be >= 0"));
            }
            status.insert("Desired".to_owned(), json!(n));
            if multi {
                status.insert("DesiredUserSessions".to_owned(), json!(n * per_instance));
            }
        }
        (None, Some(n)) => {
            if !multi {
                return Err(SimError::invalid_combination(
                    "DesiredSessions is only allowed for multi-session fleets",
                ));
            }
            if n < 0 {
                return Err(SimError::validation("DesiredSessions must be >= 0"));
            }
            status.insert("DesiredUserSessions".to_owned(), json!(n));
            status.insert(
                "Desired".to_owned(),
                json!((n + per_instance - 1) / per_instance),
            );
        }
    }
    Ok(())
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn session_id(seq: u64, now: f64) -> String {
    let mix = (now as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seq;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (mix >> 32) as u32,
        (mix >> 16) as u16,
        (mix & 0xfff) as u16,
        (seq >> 48) as u16 & 0xfff,
        seq & 0xffff_ffff_ffff
    )
}

fn optional_string(params: &Value, key: &str) -> Result<Option<String>, SimError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SimError::serialization(format!("{key} must be a string"))),
    }
}

fn required_string(params: &Value, key: &str) -> Result<String, SimError> {
    optional_string(params, key)?.ok_or_else(|| {
        let mut member = key.to_owned();
        if let Some(first) = member.get_mut(0..1) {
            first.make_ascii_lowercase();
        }
        SimError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy \
             constraint: Member must not be null"
        ))
    })
}

fn string_list(params: &Value, key: &str) -> Result<Option<Vec<String>>, SimError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| SimError::serialization(format!("{key} must hold strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(SimError::serialization(format!("{key} must be a list"))),
    }
}

/// Reads `MaxResults`: `None` when absent or 0 (the service's default page size),
/// a validation error outside `0..=max` (or below 0 when the model sets no maximum).
fn max_results(params: &Value, max: Option<i64>) -> Result<Option<usize>, SimError> {
    let Some(v) = params.get("MaxResults").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let n = v
        .as_i64()
        .ok_or_else(|| SimError::serialization("MaxResults must be an integer"))?;
    if n < 0 || max.is_some_and(|m| n > m) {
        let bound = max.map_or_else(
            || "greater than or equal to 0".to_owned(),
            |m| format!("less than or equal to {m}"),
        );
        return Err(SimError::validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy \
             constraint: Member must have value {bound}"
        )));
    }
    Ok(usize::try_from(n).ok().filter(|n| *n > 0))
}

fn with_token(mut output: Value, token: Option<String>) -> Value {
    if let (Some(token), Value::Object(map)) = (token, &mut output) {
        map.insert("NextToken".to_owned(), Value::String(token));
    }
    output
}

/// Cuts one page out of `items`. The token names the operation, the offset of the next
/// page and a fingerprint of the request's other parameters, so a token is only accepted
/// by the same query that produced it.
fn paginate(
    operation: &str,
    items: Vec<Value>,
    page_size: usize,
    params: &Value,
) -> Result<(Vec<Value>, Option<String>), SimError> {
    let (range, next) = page_bounds(operation, items.len(), page_size, params)?;
    let page = items
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    Ok((page, next))
}

/// The items of this request's page (from its NextToken) out of `len`, and the token of
/// the next page.
fn page_bounds(
    operation: &str,
    len: usize,
    page_size: usize,
    params: &Value,
) -> Result<(std::ops::Range<usize>, Option<String>), SimError> {
    let fingerprint = request_fingerprint(params);
    let start = match params.get("NextToken").filter(|v| !v.is_null()) {
        None => 0,
        Some(token) => token
            .as_str()
            .and_then(|t| decode_token(t, operation, fingerprint))
            .ok_or_else(|| SimError::validation("The NextToken is not valid."))?,
    };
    let start = start.min(len);
    let end = start.saturating_add(page_size.max(1)).min(len);
    let next = (end < len).then(|| encode_token(operation, end, fingerprint));
    Ok((start..end, next))
}

const TOKEN_PREFIX: &str = "asim1";

fn encode_token(operation: &str, offset: usize, fingerprint: u64) -> String {
    let plain = format!("{TOKEN_PREFIX}|{operation}|{offset}|{fingerprint:016x}");
    let check = fnv1a(plain.as_bytes());
    hex(format!("{plain}|{check:016x}").as_bytes())
}

fn decode_token(token: &str, operation: &str, fingerprint: u64) -> Option<usize> {
    let text = String::from_utf8(unhex(token)?).ok()?;
    let (plain, check) = text.rsplit_once('|')?;
    if format!("{:016x}", fnv1a(plain.as_bytes())) != check {
        return None;
    }
    let mut parts = plain.split('|');
    let (prefix, op, offset, fp) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (prefix == TOKEN_PREFIX && op == operation && fp == format!("{fingerprint:016x}"))
        .then(|| offset.parse().ok())
        .flatten()
}

fn request_fingerprint(params: &Value) -> u64 {
    let mut canonical = String::new();
    if let Value::Object(map) = params {
        let mut keys: Vec<&String> = map
            .keys()
            .filter(|k| !matches!(k.as_str(), "NextToken" | "Limit" | "MaxResults"))
            .collect();
        keys.sort();
        for k in keys {
            canonical.push_str(k);
            canonical.push('=');
            canonical.push_str(&map[k].to_string());
            canonical.push(';');
        }
    }
    fnv1a(canonical.as_bytes())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn world(doc: Value) -> World {
        World::from_scenario(&Scenario::from_json(doc).unwrap()).unwrap()
    }

    fn sizes(op: &str, n: usize) -> BTreeMap<String, usize> {
        BTreeMap::from([(op.to_owned(), n)])
    }

    #[test]
    fn pages_and_tokens() {
        let mut w = world(json!({"Fleets": [{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]}));
        let ps = sizes("DescribeFleets", 2);
        let first = w.call("DescribeFleets", &json!({}), 0.0, &ps).unwrap();
        assert_eq!(first["Fleets"].as_array().unwrap().len(), 2);
        assert_eq!(
            first["Fleets"][0]["Arn"],
            "arn:aws:appstream:us-east-1:123456789012:fleet/a"
        );
        let token = first["NextToken"].clone();
        let second = w
            .call("DescribeFleets", &json!({"NextToken": token}), 0.0, &ps)
            .unwrap();
        assert_eq!(second["Fleets"][0]["Name"], "c");
        assert!(second.get("NextToken").is_none());
        let err = w
            .call("DescribeStacks", &json!({"NextToken": token}), 0.0, &ps)
            .unwrap_err();
        assert_eq!(err.code, "ValidationException");
        let err = w
            .call("DescribeFleets", &json!({"NextToken": "bogus"}), 0.0, &ps)
            .unwrap_err();
        assert_eq!(err.status, 400);
    }

    #[test]
    fn fleet_lifecycle() {
        let mut w = world(json!({
            "Fleets": [{"Name": "f", "State": "STOPPED", "ComputeCapacityStatus": {"Desired": 2, "Running": 0, "InUse": 0, "Available": 0}}],
            "Stacks": [{"Name": "s"}]
        }));
        let ps = BTreeMap::new();
        w.call("StartFleet", &json!({"Name": "f"}), 0.0, &ps)
            .unwrap();
        assert_eq!(w.get(Kind::Fleet, "f").unwrap()["State"], "STARTING");
        w.tick(59.0);
        assert_eq!(w.get(Kind::Fleet, "f").unwrap()["State"], "STARTING");
        w.tick(60.0);
        let f = w.get(Kind::Fleet, "f").unwrap();
        assert_eq!(f["State"], "RUNNING");
        assert_eq!(f["ComputeCapacityStatus"]["Running"], 2);
        assert_eq!(f["ComputeCapacityStatus"]["Available"], 2);
        w.add_session(&json!({"FleetName": "f", "StackName": "s"}), 61.0)
            .unwrap();
        let f = w.get(Kind::Fleet, "f").unwrap();
        assert_eq!(f["ComputeCapacityStatus"]["InUse"], 1);
        assert_eq!(f["ComputeCapacityStatus"]["Available"], 1);
        w.call("StopFleet", &json!({"Name": "f"}), 100.0, &ps)
            .unwrap();
        assert_eq!(w.get(Kind::Fleet, "f").unwrap()["State"], "STOPPING");
        w.tick(130.0);
        let f = w.get(Kind::Fleet, "f").unwrap();
        assert_eq!(f["State"], "STOPPED");
        assert_eq!(f["ComputeCapacityStatus"]["InUse"], 0);
        assert_eq!(w.sessions(), json!([]));
    }

    #[test]
    fn multi_session_packing() {
        let mut w = world(json!({
            "Fleets": [{"Name": "m", "State": "RUNNING", "MaxSessionsPerInstance": 2,
                "ComputeCapacityStatus": {"Desired": 2, "Running": 2, "InUse": 0, "Available": 2,
                    "DesiredUserSessions": 4, "AvailableUserSessions": 4, "ActiveUserSessions": 0, "ActualUserSessions": 4}}],
            "Stacks": [{"Name": "s"}]
        }));
        let a = w
            .add_session(&json!({"FleetName": "m", "StackName": "s"}), 0.0)
            .unwrap();
        let b = w
            .add_session(&json!({"FleetName": "m", "StackName": "s"}), 0.0)
            .unwrap();
        let c = w
            .add_session(&json!({"FleetName": "m", "StackName": "s"}), 0.0)
            .unwrap();
        assert_eq!(a["InstanceId"], b["InstanceId"]);
        assert_ne!(a["InstanceId"], c["InstanceId"]);
        let status = w.get(Kind::Fleet, "m").unwrap()["ComputeCapacityStatus"].clone();
        assert_eq!(status["ActiveUserSessions"], 3);
        assert_eq!(status["AvailableUserSessions"], 1);
        assert_eq!(status["InUse"], 2);
        w.end_session(a["Id"].as_str().unwrap()).unwrap();
        let status = w.get(Kind::Fleet, "m").unwrap()["ComputeCapacityStatus"].clone();
        assert_eq!(status["ActiveUserSessions"], 2);
        assert_eq!(status["InUse"], 2);
        w.end_session(b["Id"].as_str().unwrap()).unwrap();
        let status = w.get(Kind::Fleet, "m").unwrap()["ComputeCapacityStatus"].clone();
        assert_eq!(status["InUse"], 1);
    }

    #[test]
    fn update_fleet_capacity_and_deletes() {
        let mut w = world(json!({
            "Fleets": [{"Name": "m", "State": "RUNNING", "MaxSessionsPerInstance": 4, "IamRoleArn": "r",
                "ComputeCapacityStatus": {"Desired": 1, "Running": 1, "InUse": 0, "Available": 1}}]
        }));
        let ps = BTreeMap::new();
        let out = w
            .call(
                "UpdateFleet",
                &json!({"Name": "m", "ComputeCapacity": {"DesiredSessions": 10}, "AttributesToDelete": ["IAM_ROLE_ARN"], "DisplayName": "M"}),
                0.0,
                &ps,
            )
            .unwrap();
        let f = &out["Fleet"];
        assert_eq!(f["ComputeCapacityStatus"]["Desired"], 3);
        assert_eq!(f["ComputeCapacityStatus"]["DesiredUserSessions"], 10);
        assert_eq!(f["ComputeCapacityStatus"]["ActualUserSessions"], 12);
        assert_eq!(f["DisplayName"], "M");
        assert!(f.get("IamRoleArn").is_none());
        let err = w
            .call("UpdateFleet", &json!({"Name": "m", "ComputeCapacity": {"DesiredInstances": 1, "DesiredSessions": 1}}), 0.0, &ps)
            .unwrap_err();
        assert_eq!(err.code, "InvalidParameterCombinationException");
        let err = w
            .call("UpdateFleet", &json!({"Name": "x"}), 0.0, &ps)
            .unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
    }

    #[test]
    fn merge_patch_semantics() {
        let mut v = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge_patch(&mut v, &json!({"a": null, "b": {"c": 5}, "e": [1]}));
        assert_eq!(v, json!({"b": {"c": 5, "d": 3}, "e": [1]}));
    }
}
