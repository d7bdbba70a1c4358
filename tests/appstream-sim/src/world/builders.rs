//! Image builder lifecycle: CreateImageBuilder, StartImageBuilder, StopImageBuilder and
//! DeleteImageBuilder. A builder is `PENDING` for the scenario's `FleetStartSeconds`
//! before it is `RUNNING`, and `STOPPING` for `FleetStopSeconds` before it is `STOPPED`;
//! deleting removes it at once (the answer shows it `DELETING`).

use serde_json::{Value, json};

use super::{Kind, Object, World, optional_string, required_string, str_of};
use crate::error::SimError;

/// CreateImageBuilder members copied onto the builder as given.
const COPIED: &[&str] = &[
    "InstanceType",
    "Description",
    "DisplayName",
    "VpcConfig",
    "IamRoleArn",
    "EnableDefaultInternetAccess",
    "DomainJoinInfo",
    "AppstreamAgentVersion",
    "AccessEndpoints",
    "RootVolumeConfig",
    "DisableIMDSV1",
];

impl World {
    fn builder(&self, name: &str) -> Result<&Object, SimError> {
        self.resource(Kind::ImageBuilder, name)
            .ok_or_else(|| Kind::ImageBuilder.not_found(name))
    }

    fn builder_output(&self, name: &str) -> Result<Value, SimError> {
        let builder = self.builder(name)?.clone();
        Ok(json!({ "ImageBuilder": builder }))
    }

    /// The image a new builder starts from: by ARN (any image this account can see) or
    /// by name (public or private).
    fn builder_image(&self, params: &Value) -> Result<Object, SimError> {
        let name = optional_string(params, "ImageName")?;
        let arn = optional_string(params, "ImageArn")?;
        let found = match (&name, &arn) {
            (Some(_), Some(_)) => {
                return Err(SimError::invalid_combination(
                    "Specify either ImageName or ImageArn, not both.",
                ));
            }
            (None, None) => {
                return Err(SimError::invalid_combination(
                    "Either ImageName or ImageArn is required.",
                ));
            }
            (Some(name), None) => self.images.iter().find(|i| {
                str_of(i, "Name") == Some(name) && str_of(i, "Visibility") != Some("SHARED")
            }),
            (None, Some(arn)) => self.images.iter().find(|i| str_of(i, "Arn") == Some(arn)),
        };
        let wanted = name.or(arn).unwrap_or_default();
        found.cloned().ok_or_else(|| Kind::Image.not_found(&wanted))
    }

    pub(super) fn create_image_builder(
        &mut self,
        params: &Value,
        now: f64,
    ) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        required_string(params, "InstanceType")?;
        if self.resource(Kind::ImageBuilder, &name).is_some() {
            return Err(SimError::already_exists(format!(
                "The image builder {name} already exists."
            )));
        }
        let image = self.builder_image(params)?;
        let mut builder = Object::new();
        builder.insert("Name".to_owned(), json!(name));
        builder.insert("Arn".to_owned(), json!(self.arn(Kind::ImageBuilder, &name)));
        builder.insert(
            "ImageArn".to_owned(),
            image.get("Arn").cloned().unwrap_or(Value::Null),
        );
        for key in COPIED {
            if let Some(v) = params.get(*key).filter(|v| !v.is_null()) {
                builder.insert((*key).to_owned(), v.clone());
            }
        }
        if let Some(platform) = image.get("Platform") {
            builder.insert("Platform".to_owned(), platform.clone());
        }
        builder.insert("State".to_owned(), json!("PENDING"));
        builder.insert("CreatedTime".to_owned(), crate::time::epoch_value(now));
        builder.insert("ImageBuilderErrors".to_owned(), json!([]));
        let tags = match params.get("Tags") {
            None | Some(Value::Null) => Object::new(),
            Some(Value::Object(tags)) => tags.clone(),
            Some(_) => return Err(SimError::serialization("Tags must be a map")),
        };
        self.image_builders.push(builder.clone());
        if !tags.is_empty() {
            let arn = self.arn(Kind::ImageBuilder, &name);
            self.set_tags(&arn, tags)?;
        }
        let at = now + self.timings.fleet_start_seconds;
        self.schedule(Kind::ImageBuilder, &name, "RUNNING", at);
        Ok(json!({ "ImageBuilder": builder }))
    }

    /// The builder named in `Name` and its state.
    fn named_builder_state(&self, params: &Value) -> Result<(String, String), SimError> {
        let name = required_string(params, "Name")?;
        let state = str_of(self.builder(&name)?, "State")
            .unwrap_or("STOPPED")
            .to_owned();
        Ok((name, state))
    }

    /// Puts a builder into `via` now and into `to` once `seconds` have passed.
    fn begin_transition(&mut self, name: &str, via: &'static str, to: &'static str, at: f64) {
        self.set_state(Kind::ImageBuilder, name, via);
        self.schedule(Kind::ImageBuilder, name, to, at);
    }

    /// StartImageBuilder: `STOPPED` becomes `PENDING`, then `RUNNING`; a running or
    /// pending builder is left as it is.
    pub(super) fn start_image_builder(
        &mut self,
        params: &Value,
        now: f64,
    ) -> Result<Value, SimError> {
        let (name, state) = self.named_builder_state(params)?;
        match state.as_str() {
            "STOPPED" => {
                if let Some(version) = optional_string(params, "AppstreamAgentVersion")?
                    && let Some(b) = self.resource_mut(Kind::ImageBuilder, &name)
                {
                    b.insert("AppstreamAgentVersion".to_owned(), json!(version));
                }
                let at = now + self.timings.fleet_start_seconds;
                self.begin_transition(&name, "PENDING", "RUNNING", at);
            }
            "RUNNING" | "PENDING" => {}
            other => {
                return Err(SimError::concurrent_modification(format!(
                    "Image builder {name} is {other}; wait until it is STOPPED to start it."
                )));
            }
        }
        self.builder_output(&name)
    }

    /// StopImageBuilder: a running or pending builder becomes `STOPPING`, then
    /// `STOPPED`; a stopped or stopping one is left as it is.
    pub(super) fn stop_image_builder(
        &mut self,
        params: &Value,
        now: f64,
    ) -> Result<Value, SimError> {
        let (name, state) = self.named_builder_state(params)?;
        match state.as_str() {
            "RUNNING" | "PENDING" => {
                let at = now + self.timings.fleet_stop_seconds;
                self.begin_transition(&name, "STOPPING", "STOPPED", at);
            }
            "STOPPED" | "STOPPING" => {}
            other => {
                return Err(SimError::not_permitted(format!(
                    "Image builder {name} cannot be stopped while it is {other}."
                )));
            }
        }
        self.builder_output(&name)
    }

    pub(super) fn delete_image_builder(&mut self, params: &Value) -> Result<Value, SimError> {
        let name = required_string(params, "Name")?;
        self.builder(&name)?;
        let Value::Object(mut removed) = self.remove_resource(Kind::ImageBuilder, &name)? else {
            return Err(Kind::ImageBuilder.not_found(&name));
        };
        removed.insert("State".to_owned(), json!("DELETING"));
        Ok(json!({ "ImageBuilder": removed }))
    }
}
