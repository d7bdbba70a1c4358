//! Readers for everything a user may hand the checker, all mapped onto [`crate::model`]:
//! `aws appstream describe-fleets` / `describe-stacks` / `describe-sessions` /
//! `describe-image-builders` / `describe-images` / `describe-image-permissions` /
//! `describe-usage-report-subscriptions` output, CreateFleet / UpdateFleet /
//! CreateImageBuilder / CreateStack / UpdateStack requests (CLI input JSON in PascalCase,
//! or CloudTrail `requestParameters` in lowerCamelCase), CloudTrail records, EventBridge
//! events and log files, and CloudFormation / SAM templates (YAML or JSON).

mod account;
mod builder;
mod collected;
mod describe_stream;
mod fleet;
mod image;
mod json_lines;
mod node;
mod session;
mod stack;
mod template;
pub mod time;
mod yaml_scan;

pub use account::read_usage_reports;
pub use builder::read_builder;
pub use collected::Collected;
pub use fleet::read_fleet;
pub use image::{read_image, read_image_permissions};
pub use node::{Mode, Node};
pub use session::read_session;
pub use stack::read_stack;

use crate::error::{InputError, Location};
use crate::finding::Source;
use crate::model::{
    Account, Attr, Fleet, Image, ImageBuilder, Origin, Session, SharedWith, Stack, UnreadReason,
    UsageReportSubscription,
};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// What kind of document a file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// describe-fleets / describe-stacks / describe-sessions / describe-image-builders /
    /// describe-images / describe-image-permissions / describe-usage-report-subscriptions
    /// output (or several at once).
    DescribeOutput,
    CreateFleetRequest,
    UpdateFleetRequest,
    CreateImageBuilderRequest,
    StackRequest,
    /// A CloudTrail record, an EventBridge "AWS API Call via CloudTrail" event, or a
    /// CloudTrail log file (`{"Records": [...]}`).
    CloudTrail,
    Template,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::DescribeOutput => "describe output",
            DocumentKind::CreateFleetRequest => "CreateFleet request",
            DocumentKind::UpdateFleetRequest => "UpdateFleet request",
            DocumentKind::CreateImageBuilderRequest => "CreateImageBuilder request",
            DocumentKind::StackRequest => "stack request",
            DocumentKind::CloudTrail => "CloudTrail event",
            DocumentKind::Template => "CloudFormation template",
        }
    }
}

/// Something worth telling the user about a document that is not a finding: a record
/// skipped, a resource whose properties are all unresolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub location: Location,
    pub message: String,
}

/// DescribeImagePermissions output for one image: the accounts it is shared with.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePermissions {
    /// The image's name (`Name`).
    pub image: String,
    pub shared_with: Vec<SharedWith>,
    pub source: Source,
}

/// The resources a document holds, and the parts of it that could not be read. One bad
/// fleet is reported in `errors` and never hides the others.
#[derive(Debug)]
pub struct Document {
    pub kind: DocumentKind,
    pub fleets: Vec<Fleet>,
    pub stacks: Vec<Stack>,
    pub builders: Vec<ImageBuilder>,
    pub images: Vec<Image>,
    pub image_permissions: Vec<ImagePermissions>,
    /// Account settings (DescribeUsageReportSubscriptions output, usage report events).
    pub accounts: Vec<Account>,
    pub sessions: Vec<Session>,
    pub errors: Vec<InputError>,
    pub notes: Vec<Note>,
}

impl Document {
    pub(crate) fn new(kind: DocumentKind) -> Self {
        Document {
            kind,
            fleets: Vec::new(),
            stacks: Vec::new(),
            builders: Vec::new(),
            images: Vec::new(),
            image_permissions: Vec::new(),
            accounts: Vec::new(),
            sessions: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }
}

const FLEET_KEYS: &[&str] = &[
    "InstanceType",
    "FleetType",
    "ComputeCapacity",
    "ImageName",
    "ImageArn",
    "MaxSessionsPerInstance",
    "MaxConcurrentSessions",
    "EnableDefaultInternetAccess",
    "VpcConfig",
    "DomainJoinInfo",
    "MaxUserDurationInSeconds",
    "DisconnectTimeoutInSeconds",
    "IdleDisconnectTimeoutInSeconds",
    "UsbDeviceFilterStrings",
    "SessionScriptS3Location",
    "IamRoleArn",
    "StreamView",
    "Platform",
    "DisableIMDSV1",
    "DeleteVpcConfig",
];

/// UpdateFleet's `AttributesToDelete` values (UpdateStack has its own).
const FLEET_ATTRIBUTES: &[&str] = &[
    "VPC_CONFIGURATION",
    "VPC_CONFIGURATION_SECURITY_GROUP_IDS",
    "DOMAIN_JOIN_INFO",
    "IAM_ROLE_ARN",
    "USB_DEVICE_FILTER_STRINGS",
    "SESSION_SCRIPT_S3_LOCATION",
    "MAX_SESSIONS_PER_INSTANCE",
    "VOLUME_CONFIGURATION",
];

/// CreateFleet/UpdateFleet members a CreateImageBuilder request never has.
const FLEET_ONLY_KEYS: &[&str] = &[
    "FleetType",
    "ComputeCapacity",
    "MaxSessionsPerInstance",
    "MaxConcurrentSessions",
    "MaxUserDurationInSeconds",
    "DisconnectTimeoutInSeconds",
    "IdleDisconnectTimeoutInSeconds",
    "UsbDeviceFilterStrings",
    "SessionScriptS3Location",
    "StreamView",
    "Platform",
    "DeleteVpcConfig",
    "AttributesToDelete",
];

/// CreateImageBuilder members a fleet request never has. `AccessEndpoints` is a stack's
/// too, so it counts only beside the members builders share with fleets
/// ([`FLEET_KEYS`]).
const BUILDER_ONLY_KEYS: &[&str] = &[
    "AppstreamAgentVersion",
    "SoftwaresToInstall",
    "SoftwaresToUninstall",
    "AccessEndpoints",
];

const STACK_KEYS: &[&str] = &[
    "UserSettings",
    "AccessEndpoints",
    "StorageConnectors",
    "DeleteStorageConnectors",
    "ApplicationSettings",
    "RedirectURL",
    "FeedbackURL",
    "EmbedHostDomains",
    "StreamingExperienceSettings",
    "ContentRedirection",
    "AgentAccessConfig",
    "StorageConnectorAuthentication",
];

/// The top-level keys of describe output: each list (and the singular `Fleet`, `Stack`,
/// `ImageBuilder` of create-* output), DescribeImagePermissions'
/// `SharedImagePermissionsList` and DescribeUsageReportSubscriptions' list.
const DESCRIBE_KEYS: &[&str] = &[
    "Fleets",
    "Stacks",
    "Sessions",
    "Fleet",
    "Stack",
    "ImageBuilders",
    "ImageBuilder",
    "Images",
    "SharedImagePermissionsList",
    "UsageReportSubscriptions",
];

/// Parses `text` (named `file` in messages) as JSON or YAML: by extension, else by its
/// first character.
pub fn parse_text(file: &str, text: &str) -> Result<Value, InputError> {
    let location = || Location {
        file: file.to_owned(),
        ..Location::default()
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err(InputError::Empty(location()));
    }
    if is_json(file, trimmed) {
        serde_json::from_str(trimmed).map_err(|source| InputError::Json {
            location: Location {
                line: Some(to_u32(source.line() + leading_lines(text))),
                column: Some(to_u32(source.column())),
                ..location()
            },
            source,
        })
    } else {
        let scan = yaml_scan::scan(trimmed, MAX_DEPTH);
        let at = |offset: usize| Location {
            line: Some(to_u32(
                leading_lines(text) + 1 + trimmed[..offset].matches('\n').count(),
            )),
            column: Some(to_u32(
                trimmed[..offset]
                    .rsplit('\n')
                    .next()
                    .map_or(0, |l| l.chars().count())
                    + 1,
            )),
            ..location()
        };
        if let Some(offset) = scan.too_deep {
            return Err(InputError::TooDeep {
                location: at(offset),
                limit: MAX_DEPTH,
            });
        }
        let value = template::yaml_to_json(trimmed).map_err(|source| InputError::Yaml {
            location: Location {
                line: source
                    .location()
                    .map(|l| to_u32(l.line() + leading_lines(text))),
                column: source.location().map(|l| to_u32(l.column())),
                ..location()
            },
            source,
        })?;
        match scan.alias {
            Some(offset) if template::is_template(&value) => Err(InputError::YamlAlias {
                location: at(offset),
            }),
            _ => Ok(value),
        }
    }
}

/// How deeply YAML flow collections may nest: the YAML reader refuses more than 128
/// levels, as the JSON reader does, but only after libyaml has scanned them, in time
/// quadratic in the depth. No AppStream document comes near.
const MAX_DEPTH: usize = 128;

/// Whether `trimmed` (the text of `file`) is read as JSON: by extension, else by its
/// first character.
fn is_json(file: &str, trimmed: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    let yaml_by_name = [".yaml", ".yml", ".template"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    let json_like = trimmed.starts_with('{') || trimmed.starts_with('[');
    json_like && !yaml_by_name || lower.ends_with(".json")
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Lines before the first non-blank character (parse errors count from the trimmed text).
fn leading_lines(text: &str) -> usize {
    let text = text.trim_start_matches('\u{feff}');
    let start = text.len() - text.trim_start().len();
    text[..start].matches('\n').count()
}

/// Reads one document. Fatal problems (syntax, an unrecognised shape) are an `Err`;
/// a resource that cannot be read lands in [`Document::errors`] and the rest go on.
pub fn read_document(file: &str, text: &str) -> Result<Document, InputError> {
    let mut result = read_value(file, text);
    if is_json(file, text.trim_start_matches('\u{feff}').trim()) {
        let errors: Vec<&mut InputError> = match &mut result {
            Ok(doc) => doc.errors.iter_mut().collect(),
            Err(e) => vec![e],
        };
        add_json_positions(text, errors);
    }
    result
}

/// Gives errors found after parsing (a wrong type, an unknown value) the line and
/// column of their pointer, in one pass over the text.
fn add_json_positions(text: &str, mut errors: Vec<&mut InputError>) {
    let pointers: Vec<String> = errors
        .iter()
        .filter(|e| e.location().line.is_none())
        .filter_map(|e| e.location().pointer.clone())
        .map(|p| if p == "/" { String::new() } else { p })
        .collect();
    if pointers.is_empty() {
        return;
    }
    let wanted: Vec<&str> = pointers.iter().map(String::as_str).collect();
    let found = json_lines::positions(text, &wanted);
    for e in &mut errors {
        let location = e.location_mut();
        if location.line.is_some() {
            continue;
        }
        let pointer = match location.pointer.as_deref() {
            Some("/") => "",
            Some(p) => p,
            None => continue,
        };
        if let Some(&(line, column)) = found.get(pointer) {
            location.line = Some(line);
            location.column = Some(column);
        }
    }
}

fn read_value(file: &str, text: &str) -> Result<Document, InputError> {
    if let Some(result) = describe_stream::read(file, text) {
        return result;
    }
    let value = parse_text(file, text)?;
    let mode = if template::is_template(&value) {
        Mode::Template
    } else {
        Mode::Api
    };
    let root = Node::root(&value, file, mode);
    if !value.is_object() {
        return Err(root.wrong_type("a JSON or YAML object"));
    }
    let has = |key: &str| root.get(key).is_some();
    check_one_kind(&root)?;

    let mut doc;
    if mode == Mode::Template {
        doc = Document::new(DocumentKind::Template);
        template::read_template(&root, text, &mut doc)?;
    } else if has("Records") || has("detail") || has("eventName") {
        doc = Document::new(DocumentKind::CloudTrail);
        read_cloudtrail(&root, &mut doc)?;
    } else if DESCRIBE_KEYS.iter().any(|k| root.member(k).is_some()) {
        doc = Document::new(DocumentKind::DescribeOutput);
        read_describe(&root, text, &mut doc)?;
    } else if is_builder_request(&root, file) {
        doc = Document::new(DocumentKind::CreateImageBuilderRequest);
        push_builder_request(&root, &mut doc);
    } else if FLEET_KEYS.iter().any(|k| has(k)) || deletes_fleet_attributes(&root) {
        let update = is_update_request(&root, file);
        doc = Document::new(if update {
            DocumentKind::UpdateFleetRequest
        } else {
            DocumentKind::CreateFleetRequest
        });
        push_fleet_request(&root, update, &mut doc);
    } else if STACK_KEYS.iter().any(|k| has(k)) || has("AttributesToDelete") {
        doc = Document::new(DocumentKind::StackRequest);
        let update = file.to_ascii_lowercase().contains("update") || has("AttributesToDelete");
        push_stack_request(&root, update, &mut doc);
    } else {
        let keys = value
            .as_object()
            .map(|m| m.keys().take(8).cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        return Err(InputError::Unrecognised {
            location: root.location(),
            keys: if keys.is_empty() {
                "none".to_owned()
            } else {
                keys
            },
        });
    }
    Ok(doc)
}

/// The keys that make a document CloudTrail or describe output (matched as
/// [`Node::member`] does); a template is told by [`template::is_template`].
const KINDS: &[(&str, &[&str])] = &[
    ("CloudTrail", &["Records", "detail", "eventName"]),
    ("describe output", DESCRIBE_KEYS),
];

/// A document with the keys of two kinds (describe output beside CloudTrail `Records`,
/// or template `Resources`) would be read as one kind and the rest dropped unread: it
/// is refused, naming both. A key counts even when `null`.
fn check_one_kind(root: &Node<'_>) -> Result<(), InputError> {
    let mut found = Vec::new();
    if template::is_template(root.value) {
        let keys: Vec<&str> = ["Resources", "AWSTemplateFormatVersion"]
            .into_iter()
            .filter(|k| root.value.get(k).is_some())
            .collect();
        found.push(format!("a CloudFormation template ({})", keys.join(", ")));
    }
    for (kind, keys) in KINDS {
        let present: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| root.member(k).is_some())
            .collect();
        if !present.is_empty() {
            found.push(format!("{kind} ({})", present.join(", ")));
        }
    }
    if found.len() > 1 {
        return Err(InputError::MixedKinds {
            location: root.location(),
            kinds: found.join(" and "),
        });
    }
    Ok(())
}

/// A delete-only UpdateFleet: `AttributesToDelete` naming fleet attributes.
fn deletes_fleet_attributes(root: &Node<'_>) -> bool {
    root.get("AttributesToDelete")
        .and_then(|n| n.value.as_array())
        .is_some_and(|values| {
            values
                .iter()
                .any(|v| v.as_str().is_some_and(|a| FLEET_ATTRIBUTES.contains(&a)))
        })
}

/// Whether a request is CreateImageBuilder rather than CreateFleet/UpdateFleet (or a
/// stack request). The two share most members (Name, ImageName, ImageArn, InstanceType,
/// VpcConfig, EnableDefaultInternetAccess, DomainJoinInfo, IamRoleArn, Tags, ...). The
/// rule: a request with a member only fleets take ([`FLEET_ONLY_KEYS`]: ComputeCapacity,
/// FleetType, MaxUserDurationInSeconds, ...) and none only builders take
/// ([`BUILDER_ONLY_KEYS`]: AppstreamAgentVersion, SoftwaresToInstall, AccessEndpoints
/// beside fleet members, ...) is a fleet's, and the reverse a builder's. When neither or
/// both kinds are present, a file name containing `builder` makes it a builder's;
/// otherwise it stays a fleet's, as before builders were read.
fn is_builder_request(root: &Node<'_>, file: &str) -> bool {
    let has = |key: &&str| root.get(key).is_some();
    let shared = FLEET_KEYS.iter().any(has);
    let builder_only = BUILDER_ONLY_KEYS
        .iter()
        .filter(|k| shared || **k != "AccessEndpoints")
        .any(has);
    if !shared && !builder_only {
        return false;
    }
    let fleet_only = FLEET_ONLY_KEYS.iter().any(has);
    match (fleet_only, builder_only) {
        (true, false) => false,
        (false, true) => true,
        _ => {
            let base = file.rsplit('/').next().unwrap_or(file);
            base.to_ascii_lowercase().contains("builder")
        }
    }
}

/// CreateFleet and UpdateFleet take mostly the same members; only a few tell them apart,
/// and the file name breaks a tie (`update-fleet.json`).
fn is_update_request(root: &Node<'_>, file: &str) -> bool {
    if root.get("AttributesToDelete").is_some() || root.get("DeleteVpcConfig").is_some() {
        return true;
    }
    if root.get("FleetType").is_some() || root.get("Tags").is_some() {
        return false;
    }
    let base = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
    if base.contains("update") {
        return true;
    }
    root.get("InstanceType").is_none()
}

fn source_of(node: &Node<'_>) -> Source {
    Source {
        file: node.file.to_owned(),
        line: None,
        pointer: Some(if node.pointer.is_empty() {
            "/".to_owned()
        } else {
            node.pointer.clone()
        }),
    }
}

fn read_describe(root: &Node<'_>, text: &str, doc: &mut Document) -> Result<(), InputError> {
    // `{"Fleets": null}` is a null where a list belongs, not an empty list.
    let list = |key: &str| -> Result<Vec<Node<'_>>, InputError> {
        match root.member(key) {
            Some(node) => node.items(),
            None => Ok(Vec::new()),
        }
    };
    let mut lines = name_lines(text);
    let mut fleets = list("Fleets")?;
    fleets.extend(root.member("Fleet"));
    for node in fleets {
        read_item(Section::Fleets, &node, &mut lines, doc);
    }
    let mut stacks = list("Stacks")?;
    stacks.extend(root.member("Stack"));
    for node in stacks {
        read_item(Section::Stacks, &node, &mut lines, doc);
    }
    let mut builders = list("ImageBuilders")?;
    builders.extend(root.member("ImageBuilder"));
    for node in builders {
        read_item(Section::Builders, &node, &mut lines, doc);
    }
    for node in list("Images")? {
        read_item(Section::Images, &node, &mut lines, doc);
    }
    for node in list("Sessions")? {
        read_item(Section::Other, &node, &mut lines, doc);
    }
    if let Some(permissions) = root.member("SharedImagePermissionsList") {
        match read_image_permissions(root, &permissions, source_of(root)) {
            Ok(permissions) => doc.image_permissions.push(permissions),
            Err(e) => doc.errors.push(e),
        }
    }
    if let Some(subscriptions) = root.member("UsageReportSubscriptions") {
        match read_usage_reports(&subscriptions, source_of(&subscriptions)) {
            Ok(account) => doc.accounts.push(account),
            Err(e) => doc.errors.push(e),
        }
    }
    Ok(())
}

/// The lines of each name, per section, in document order (see [`name_lines`]).
type NameLines<'t> = HashMap<Section, HashMap<&'t str, VecDeque<usize>>>;

/// Reads one element of a describe document's `Fleets` (`Fleets` section), `Stacks`,
/// `ImageBuilders`, `Images` or `Sessions` (`Other`) into `doc`. Resources of one name take that name's lines in
/// document order, so two fleets called the same each keep their own line.
fn read_item(section: Section, node: &Node<'_>, lines: &mut NameLines<'_>, doc: &mut Document) {
    let line = node
        .get("Name")
        .and_then(|n| n.value.as_str())
        .and_then(|name| lines.get_mut(&section)?.get_mut(name)?.pop_front());
    let source = source_of(node);
    match section {
        Section::Fleets => match read_fleet(node, Origin::Described, source, None) {
            Ok(mut fleet) => {
                fleet.source.line = line;
                doc.fleets.push(fleet);
            }
            Err(e) => doc.errors.push(e),
        },
        Section::Stacks => match read_stack(node, Origin::Described, source, None) {
            Ok(mut stack) => {
                stack.source.line = line;
                doc.stacks.push(stack);
            }
            Err(e) => doc.errors.push(e),
        },
        Section::Builders => match read_builder(node, Origin::Described, source, None) {
            Ok(mut builder) => {
                builder.source.line = line;
                doc.builders.push(builder);
            }
            Err(e) => doc.errors.push(e),
        },
        Section::Images => match read_image(node, source) {
            Ok(mut image) => {
                image.source.line = line;
                doc.images.push(image);
            }
            Err(e) => doc.errors.push(e),
        },
        Section::Other => match read_session(node, source) {
            Ok(session) => doc.sessions.push(session),
            Err(e) => doc.errors.push(e),
        },
    }
}

/// Which list of a describe document a `"Name"` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Section {
    Fleets,
    Stacks,
    Builders,
    Images,
    Other,
}

/// The lines of each `"Name": "<value>"` of a describe document, per section (a stack
/// and a fleet often share a name), in order, found in one pass so large outputs stay
/// linear.
fn name_lines(text: &str) -> NameLines<'_> {
    let mut lines = HashMap::new();
    let bytes = text.as_bytes();
    let mut section = Section::Other;
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            line += 1;
        } else if bytes[i] == b'"' {
            let rest = &bytes[i + 1..];
            let key_len = [
                (&b"Fleets\""[..], Section::Fleets),
                (b"Fleet\"", Section::Fleets),
                (b"Stacks\"", Section::Stacks),
                (b"Stack\"", Section::Stacks),
                (b"ImageBuilders\"", Section::Builders),
                (b"ImageBuilder\"", Section::Builders),
                (b"Images\"", Section::Images),
                (b"Sessions\"", Section::Other),
            ]
            .iter()
            .find(|(key, _)| rest.starts_with(key))
            .map(|(key, s)| {
                section = *s;
                key.len()
            });
            if let Some(len) = key_len {
                i += 1 + len;
                continue;
            }
            if rest.starts_with(b"Name\"") || rest.starts_with(b"name\"") {
                let mut j = i + 6;
                while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n' | b':') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j] == b'"' {
                    let start = j + 1;
                    let mut end = start;
                    while end < bytes.len() && !matches!(bytes[end], b'"' | b'\\' | b'\n') {
                        end += 1;
                    }
                    if let Some(value) = text.get(start..end) {
                        lines
                            .entry(section)
                            .or_insert_with(HashMap::new)
                            .entry(value)
                            .or_insert_with(VecDeque::new)
                            .push_back(line);
                    }
                }
                i += 6;
                continue;
            }
        }
        i += 1;
    }
    lines
}

fn push_fleet_request(node: &Node<'_>, update: bool, doc: &mut Document) {
    let origin = if update {
        Origin::UpdateRequest
    } else {
        Origin::CreateRequest
    };
    match read_fleet(node, origin, source_of(node), None) {
        Ok(mut fleet) => {
            if update {
                match deleted_attributes(node) {
                    Ok(deleted) => mark_unchanged(&mut fleet, node, &deleted),
                    Err(e) => return doc.errors.push(e),
                }
            }
            doc.fleets.push(fleet);
        }
        Err(e) => doc.errors.push(e),
    }
}

fn push_builder_request(node: &Node<'_>, doc: &mut Document) {
    match read_builder(node, Origin::CreateRequest, source_of(node), None) {
        Ok(builder) => doc.builders.push(builder),
        Err(e) => doc.errors.push(e),
    }
}

fn push_stack_request(node: &Node<'_>, update: bool, doc: &mut Document) {
    match read_stack(node, Origin::CreateRequest, source_of(node), None) {
        Ok(mut stack) => {
            if update {
                stack.origin = Origin::UpdateRequest;
                if let Err(e) = mark_stack_unchanged(&mut stack, node) {
                    return doc.errors.push(e);
                }
            }
            doc.stacks.push(stack);
        }
        Err(e) => doc.errors.push(e),
    }
}

/// The storage connector types UpdateStack's `AttributesToDelete` removes one at a time
/// (`StackAttribute::StorageConnector*`).
const CONNECTOR_ATTRIBUTES: &[(&str, &str)] = &[
    ("STORAGE_CONNECTOR_HOMEFOLDERS", "HOMEFOLDERS"),
    ("STORAGE_CONNECTOR_GOOGLE_DRIVE", "GOOGLE_DRIVE"),
    ("STORAGE_CONNECTOR_ONE_DRIVE", "ONE_DRIVE"),
];

/// UpdateStack leaves every member it does not name as it is (unknown offline), unless
/// `AttributesToDelete` removes it (then it is absent). `DeleteStorageConnectors: true`
/// (deprecated) removes every connector, as `STORAGE_CONNECTORS` does; a
/// `STORAGE_CONNECTOR_<TYPE>` removes that type's connector, which leaves the others
/// unknown unless the request gives them.
fn mark_stack_unchanged(stack: &mut Stack, node: &Node<'_>) -> Result<(), InputError> {
    let mut deleted = deleted_attributes(node)?;
    if let Some(flag) = node.get("DeleteStorageConnectors")
        && flag.bool()?
    {
        deleted.push("STORAGE_CONNECTORS".to_owned());
    }
    let deleted = |attribute: &str| deleted.iter().any(|d| d == attribute);
    macro_rules! unchanged {
        ($($field:ident: $key:literal if not deleted $attribute:literal;)*) => {$(
            if node.get($key).is_none() && !deleted($attribute) {
                stack.$field = Attr::unread($key, UnreadReason::NotInRequest);
            }
        )*};
    }
    unchanged! {
        user_settings: "UserSettings" if not deleted "USER_SETTINGS";
        access_endpoints: "AccessEndpoints" if not deleted "ACCESS_ENDPOINTS";
        embed_host_domains: "EmbedHostDomains" if not deleted "EMBED_HOST_DOMAINS";
        url_redirection: "ContentRedirection" if not deleted "CONTENT_REDIRECTION";
        agent_access: "AgentAccessConfig" if not deleted "AGENT_ACCESS_CONFIG";
        storage_connectors: "StorageConnectors" if not deleted "STORAGE_CONNECTORS";
    }
    if let Attr::Set(connectors) = &mut stack.storage_connectors {
        connectors.retain(|c| {
            !CONNECTOR_ATTRIBUTES
                .iter()
                .any(|(attribute, kind)| c.connector_type == *kind && deleted(attribute))
        });
    }
    if node.get("Tags").is_none() {
        stack.tags = Attr::unread("Tags", UnreadReason::NotInRequest);
    }
    Ok(())
}

fn deleted_attributes(node: &Node<'_>) -> Result<Vec<String>, InputError> {
    let mut deleted = match node.get("AttributesToDelete") {
        Some(list) => list.strings()?,
        None => Vec::new(),
    };
    if let Some(flag) = node.get("DeleteVpcConfig")
        && flag.bool()?
    {
        deleted.push("VPC_CONFIGURATION".to_owned());
    }
    Ok(deleted)
}

/// UpdateFleet leaves every member it does not name as it is: such a field is unknown
/// to an offline check, unless `AttributesToDelete` removes it.
fn mark_unchanged(fleet: &mut Fleet, node: &Node<'_>, deleted: &[String]) {
    let deleted = |attribute: &str| deleted.iter().any(|d| d == attribute);
    macro_rules! unchanged {
        ($($field:ident: $key:literal $(if not deleted $attribute:literal)?;)*) => {$(
            if node.get($key).is_none() $(&& !deleted($attribute))? {
                fleet.$field = Attr::unread($key, UnreadReason::NotInRequest);
            }
        )*};
    }
    unchanged! {
        display_name: "DisplayName";
        description: "Description";
        image_name: "ImageName";
        image_arn: "ImageArn";
        instance_type: "InstanceType";
        fleet_type: "FleetType";
        compute_capacity: "ComputeCapacity";
        max_user_duration_in_seconds: "MaxUserDurationInSeconds";
        disconnect_timeout_in_seconds: "DisconnectTimeoutInSeconds";
        idle_disconnect_timeout_in_seconds: "IdleDisconnectTimeoutInSeconds";
        vpc_config: "VpcConfig" if not deleted "VPC_CONFIGURATION";
        enable_default_internet_access: "EnableDefaultInternetAccess";
        domain_join_info: "DomainJoinInfo" if not deleted "DOMAIN_JOIN_INFO";
        iam_role_arn: "IamRoleArn" if not deleted "IAM_ROLE_ARN";
        stream_view: "StreamView";
        platform: "Platform";
        max_concurrent_sessions: "MaxConcurrentSessions";
        usb_device_filter_strings: "UsbDeviceFilterStrings" if not deleted "USB_DEVICE_FILTER_STRINGS";
        session_script_s3_location: "SessionScriptS3Location" if not deleted "SESSION_SCRIPT_S3_LOCATION";
        max_sessions_per_instance: "MaxSessionsPerInstance" if not deleted "MAX_SESSIONS_PER_INSTANCE";
        disable_imdsv1: "DisableIMDSV1";
        tags: "Tags";
    }
    if let Attr::Set(vpc) = &mut fleet.vpc_config
        && vpc.security_group_ids.is_absent()
        && !deleted("VPC_CONFIGURATION_SECURITY_GROUP_IDS")
    {
        vpc.security_group_ids =
            Attr::unread("VpcConfig.SecurityGroupIds", UnreadReason::NotInRequest);
    }
}

/// Reads the fleet of a CreateFleet or UpdateFleet request (CloudTrail
/// `requestParameters` or CLI JSON), with UpdateFleet's "unchanged" semantics.
pub fn fleet_from_request(file: &str, params: &Value, update: bool) -> Result<Fleet, InputError> {
    let node = Node::root(params, file, Mode::Api);
    let mut doc = Document::new(if update {
        DocumentKind::UpdateFleetRequest
    } else {
        DocumentKind::CreateFleetRequest
    });
    push_fleet_request(&node, update, &mut doc);
    match (doc.fleets.pop(), doc.errors.pop()) {
        (Some(fleet), _) => Ok(fleet),
        (None, Some(error)) => Err(error),
        (None, None) => Err(InputError::Missing {
            location: node.location(),
            field: "Name",
        }),
    }
}

/// Reads CloudTrail records: a log file, one record, or an EventBridge event around one.
fn read_cloudtrail(root: &Node<'_>, doc: &mut Document) -> Result<(), InputError> {
    let records = if let Some(records) = root.get("Records") {
        records.items()?
    } else if let Some(detail) = root.get("detail") {
        vec![detail]
    } else {
        vec![root.clone()]
    };
    for record in records {
        let field = |key: &str| {
            record
                .get(key)
                .and_then(|n| n.value.as_str().map(str::to_owned))
        };
        let event_name = field("eventName").unwrap_or_default();
        let source = field("eventSource").unwrap_or_default();
        let note = |message: String| Note {
            location: record.location(),
            message,
        };
        if !source.is_empty() && source != "appstream.amazonaws.com" {
            doc.notes
                .push(note(format!("skipped: event from {source}, not AppStream")));
            continue;
        }
        if let Some(code) = field("errorCode") {
            doc.notes.push(note(format!(
                "skipped: {event_name} failed with {code}, so nothing changed"
            )));
            continue;
        }
        if let Some(subscribed) = match event_name.as_str() {
            "CreateUsageReportSubscription" => Some(true),
            "DeleteUsageReportSubscription" => Some(false),
            _ => None,
        } {
            match usage_report_event(&record, subscribed) {
                Ok(account) => doc.accounts.push(account),
                Err(e) => doc.errors.push(e),
            }
            continue;
        }
        let Some(params) = record.get("requestParameters") else {
            doc.notes.push(note(format!(
                "skipped: {event_name} has no requestParameters to check"
            )));
            continue;
        };
        match event_name.as_str() {
            "CreateFleet" => push_fleet_request(&params, false, doc),
            "UpdateFleet" => push_fleet_request(&params, true, doc),
            "CreateStack" => push_stack_request(&params, false, doc),
            "UpdateStack" => push_stack_request(&params, true, doc),
            "CreateImageBuilder" => push_builder_request(&params, doc),
            other => doc.notes.push(note(format!(
                "skipped: {other} carries no fleet, stack or image builder configuration to \
                 check offline"
            ))),
        }
    }
    Ok(())
}

/// The account a usage report event is about (`recipientAccountId` in `awsRegion`), with
/// its subscription (Create: the one `responseElements` describes) or none (Delete).
fn usage_report_event(record: &Node<'_>, subscribed: bool) -> Result<Account, InputError> {
    let field = |key: &str| record.get(key).map(|n| n.string()).transpose();
    let mut account = Account::new(
        field("recipientAccountId")?,
        field("awsRegion")?,
        source_of(record),
    );
    account.usage_report_subscriptions = Attr::Set(if subscribed {
        let subscription = match record.get("responseElements") {
            Some(response) => account::read_subscription(&response)?,
            None => UsageReportSubscription {
                s3_bucket_name: None,
                schedule: None,
                last_generated_report_date: None,
                errors: Vec::new(),
            },
        };
        vec![subscription]
    } else {
        Vec::new()
    });
    Ok(account)
}

#[cfg(test)]
mod surface_tests;
#[cfg(test)]
mod tests;
