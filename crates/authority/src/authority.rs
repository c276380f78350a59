//! [`Authority`]: the loaded, validated policy, and [`Authority::decide`].
//!
//! Everything that can be prepared once is prepared at construction: the
//! schema, the policy set (with the policies' own `@id`s as Cedar policy ids),
//! the authorizer, the Cedar names of every action and entity type, and the
//! resource kinds each action applies to. A decision then builds only two
//! small entities (the principal and the resource) and evaluates.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    AuthorizationError, Authorizer, Context, Effect, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Policy, PolicyId, PolicySet, Request, RestrictedExpression, Schema, ValidationMode,
    Validator,
};
use domain::Action;

use crate::error::{DecisionError, LoadError};
use crate::principal::Principal;
use crate::resource::{Resource, ResourceKind};
use crate::{DEFAULT_DENY, INVALID_REQUEST, SHIPPED_POLICY, SHIPPED_SCHEMA};

/// The outcome of one authorization decision, as the ledger records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action may go ahead.
    pub allowed: bool,
    /// The `@id`s of the policies that determined the decision, in the order
    /// they appear in the policy file: the matching `permit` rules of an
    /// allow, or the matching `forbid` rules of a deny. A deny that no rule
    /// forbade reads [`DEFAULT_DENY`]; a request that could not be evaluated
    /// at all reads [`INVALID_REQUEST`]. Never empty.
    pub policy_ids: Vec<String>,
    /// What went wrong while deciding, if anything.
    pub errors: Vec<DecisionError>,
}

impl Decision {
    fn invalid(error: DecisionError) -> Decision {
        Decision {
            allowed: false,
            policy_ids: vec![INVALID_REQUEST.to_owned()],
            errors: vec![error],
        }
    }
}

/// The Cedar names cortina uses, parsed once.
#[derive(Debug)]
struct Names {
    user: EntityTypeName,
    agency: EntityTypeName,
    delegation: EntityTypeName,
    protectee: EntityTypeName,
    /// Indexed by `ResourceKind as usize` (the order of [`ResourceKind::ALL`]).
    kinds: Vec<EntityTypeName>,
    actions: HashMap<Action, EntityUid>,
    resource_kinds: HashMap<Action, Vec<ResourceKind>>,
}

/// The authority: one Cedar policy, validated against its schema, that
/// decides every action.
///
/// Build it once ([`Authority::new`] for the policy shipped in the binary,
/// [`Authority::from_sources`] for an operator-supplied one) and share it:
/// it is immutable, `Send` and `Sync`, and deciding does no I/O.
#[derive(Debug)]
pub struct Authority {
    policies: PolicySet,
    schema: Schema,
    authorizer: Authorizer,
    /// Policy ids in the order of the policy file.
    policy_ids: Vec<String>,
    warnings: Vec<String>,
    names: Names,
}

impl Authority {
    /// Loads the policy and schema shipped with cortina
    /// (`policies/cortina.cedar` and `policies/cortina.cedarschema`).
    pub fn new() -> Result<Authority, LoadError> {
        Authority::from_sources(SHIPPED_POLICY, SHIPPED_SCHEMA)
    }

    /// Loads a policy and its schema from their texts (Cedar policy syntax
    /// and Cedar's human-readable schema syntax).
    ///
    /// Every policy must carry an `@id("...")` annotation with a unique,
    /// readable id; decisions report those ids. The policies are validated
    /// against the schema in strict mode, and the schema must declare every
    /// action of [`domain::Action`] over the entity shapes cortina builds.
    /// Any failure is an error listing every problem found, with line and
    /// column where Cedar gives them.
    pub fn from_sources(policy_text: &str, schema_text: &str) -> Result<Authority, LoadError> {
        let (schema, schema_warnings) = Schema::from_cedarschema_str(schema_text)
            .map_err(|e| LoadError::Schema(vec![describe(&e, schema_text)]))?;
        let mut warnings: Vec<String> = schema_warnings
            .map(|w| format!("schema: {}", describe(&w, schema_text)))
            .collect();

        let (policies, policy_ids) = parse_policies(policy_text)?;

        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        let errors: Vec<String> = validation
            .validation_errors()
            .map(|e| describe(e, policy_text))
            .collect();
        if !errors.is_empty() {
            return Err(LoadError::Validation(errors));
        }
        warnings.extend(
            validation
                .validation_warnings()
                .map(|w| format!("policy: {}", describe(w, policy_text))),
        );

        let names = Names::load(&schema)?;
        let authority = Authority {
            policies,
            schema,
            authorizer: Authorizer::new(),
            policy_ids,
            warnings,
            names,
        };
        authority.check_entity_shapes()?;
        Ok(authority)
    }

    /// The ids of all policies, in the order of the policy file.
    pub fn policy_ids(&self) -> &[String] {
        &self.policy_ids
    }

    /// Warnings from the schema parser and the validator (for example a
    /// condition that can never be true). A policy with warnings still loads.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The kinds of resource an action applies to, as the schema declares.
    pub fn resource_kinds(&self, action: Action) -> &[ResourceKind] {
        self.names
            .resource_kinds
            .get(&action)
            .map_or(&[], Vec::as_slice)
    }

    /// Decides whether `principal` may take `action` on `resource`.
    ///
    /// The principal and resource facts must come from the registry. The
    /// decision never panics and never allows by accident: a resource of a
    /// kind the action does not apply to is denied as [`INVALID_REQUEST`], and
    /// a `forbid` rule that fails to evaluate counts as matching.
    pub fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Decision {
        let Some(action_uid) = self.names.actions.get(&action) else {
            // Construction checked that the schema declares every action, so
            // this is unreachable; deny all the same.
            return Decision::invalid(DecisionError::InvalidRequest(format!(
                "unknown action {action}"
            )));
        };
        let principal_uid = self.uid(&self.names.user, &principal.id);
        let resource_uid = self.uid(self.names.kind(resource.kind()), resource.id());
        let request = match Request::new(
            principal_uid.clone(),
            action_uid.clone(),
            resource_uid.clone(),
            Context::empty(),
            Some(&self.schema),
        ) {
            Ok(request) => request,
            Err(e) => return Decision::invalid(DecisionError::InvalidRequest(chain(&e))),
        };
        let entities = match self.entities(principal, principal_uid, resource, resource_uid) {
            Ok(entities) => entities,
            Err(e) => return Decision::invalid(e),
        };

        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        let mut allowed = response.decision() == cedar_policy::Decision::Allow;
        let mut determining: HashSet<&str> = response
            .diagnostics()
            .reason()
            .map(|id| id.as_ref())
            .collect();

        let mut errors = Vec::new();
        let mut failed_forbids: Vec<&str> = Vec::new();
        for error in response.diagnostics().errors() {
            let AuthorizationError::PolicyEvaluationError(error) = error;
            let id = error.policy_id();
            if self
                .policies
                .policy(id)
                .is_some_and(|p| p.effect() == Effect::Forbid)
            {
                failed_forbids.push(id.as_ref());
            }
            errors.push(DecisionError::Evaluation {
                policy_id: id.to_string(),
                message: error.inner().to_string(),
            });
        }
        // A forbid rule that could not be evaluated is treated as matching:
        // the constitution fails closed.
        if !failed_forbids.is_empty() {
            if allowed {
                allowed = false;
                determining.clear();
            }
            determining.extend(failed_forbids);
        }

        let mut policy_ids: Vec<String> = self
            .policy_ids
            .iter()
            .filter(|id| determining.contains(id.as_str()))
            .cloned()
            .collect();
        if policy_ids.is_empty() {
            allowed = false;
            policy_ids.push(DEFAULT_DENY.to_owned());
        }
        Decision {
            allowed,
            policy_ids,
            errors,
        }
    }

    fn uid(&self, type_name: &EntityTypeName, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(type_name.clone(), EntityId::new(id))
    }

    fn delegation(&self, id: &str) -> RestrictedExpression {
        RestrictedExpression::new_entity_uid(self.uid(&self.names.delegation, id))
    }

    fn delegations(&self, ids: &[String]) -> RestrictedExpression {
        RestrictedExpression::new_set(ids.iter().map(|id| self.delegation(id)))
    }

    /// The two entities of a decision, checked against the schema (which also
    /// contributes the action entities and their groups).
    fn entities(
        &self,
        principal: &Principal,
        principal_uid: EntityUid,
        resource: &Resource,
        resource_uid: EntityUid,
    ) -> Result<Entities, DecisionError> {
        let principal = self.entity(principal_uid, self.principal_attributes(principal))?;
        let resource = self.entity(resource_uid, self.resource_attributes(resource))?;
        Entities::from_entities([principal, resource], Some(&self.schema))
            .map_err(|e| DecisionError::InvalidEntities(chain(&e)))
    }

    fn entity(
        &self,
        uid: EntityUid,
        attributes: Vec<(String, RestrictedExpression)>,
    ) -> Result<Entity, DecisionError> {
        Entity::new_with_tags(uid, attributes, [], [])
            .map_err(|e| DecisionError::InvalidEntities(chain(&e)))
    }

    fn principal_attributes(&self, principal: &Principal) -> Vec<(String, RestrictedExpression)> {
        let mut attributes = vec![
            (
                "role".to_owned(),
                RestrictedExpression::new_string(principal.role.as_str().to_owned()),
            ),
            (
                "agency".to_owned(),
                RestrictedExpression::new_entity_uid(
                    self.uid(&self.names.agency, &principal.agency_id),
                ),
            ),
            (
                "agency_kind".to_owned(),
                RestrictedExpression::new_string(principal.agency_kind.as_str().to_owned()),
            ),
            (
                "is_host".to_owned(),
                RestrictedExpression::new_bool(principal.is_host()),
            ),
        ];
        if let Some(delegation) = &principal.delegation {
            attributes.push(("delegation".to_owned(), self.delegation(delegation)));
        }
        attributes
    }

    fn resource_attributes(&self, resource: &Resource) -> Vec<(String, RestrictedExpression)> {
        let mut attributes = Vec::new();
        let owner = |attributes: &mut Vec<(String, RestrictedExpression)>,
                     delegation: Option<&String>| {
            if let Some(delegation) = delegation {
                attributes.push(("delegation".to_owned(), self.delegation(delegation)));
            }
        };
        match resource {
            Resource::Event { .. }
            | Resource::Agency { .. }
            | Resource::Delegation { .. }
            | Resource::Task { .. }
            | Resource::Ledger
            | Resource::Account { .. }
            | Resource::Token { .. }
            | Resource::Lists => {}
            Resource::Declaration { delegation, .. }
            | Resource::LiaisonReport { delegation, .. }
            | Resource::Request { delegation, .. } => owner(&mut attributes, Some(delegation)),
            Resource::Room {
                delegation,
                shared_with,
                ..
            }
            | Resource::LogEntry {
                delegation,
                shared_with,
                ..
            } => {
                owner(&mut attributes, delegation.as_ref());
                attributes.push(("shared_with".to_owned(), self.delegations(shared_with)));
            }
            Resource::Protectee { delegation, .. } => owner(&mut attributes, delegation.as_ref()),
            Resource::Movement {
                protectee,
                delegation,
                attached_agents,
                approved,
                ..
            } => {
                owner(&mut attributes, delegation.as_ref());
                attributes.push((
                    "protectee".to_owned(),
                    RestrictedExpression::new_entity_uid(
                        self.uid(&self.names.protectee, protectee),
                    ),
                ));
                attributes.push((
                    "attached_agents".to_owned(),
                    RestrictedExpression::new_set(attached_agents.iter().map(|agent| {
                        RestrictedExpression::new_entity_uid(self.uid(&self.names.user, agent))
                    })),
                ));
                attributes.push((
                    "approved".to_owned(),
                    RestrictedExpression::new_bool(*approved),
                ));
            }
            Resource::VettingCase {
                delegation,
                organiser,
                shared_with,
                ..
            } => {
                owner(&mut attributes, delegation.as_ref());
                if let Some(organiser) = organiser {
                    attributes.push((
                        "organiser".to_owned(),
                        RestrictedExpression::new_entity_uid(
                            self.uid(&self.names.agency, organiser),
                        ),
                    ));
                }
                attributes.push(("shared_with".to_owned(), self.delegations(shared_with)));
            }
            Resource::Sitrep { shared_with, .. } => {
                attributes.push(("shared_with".to_owned(), self.delegations(shared_with)));
            }
            Resource::Applicant { organiser, .. } => {
                attributes.push((
                    "organiser".to_owned(),
                    RestrictedExpression::new_entity_uid(self.uid(&self.names.agency, organiser)),
                ));
            }
        }
        attributes
    }

    /// Checks that the schema accepts the entities cortina builds, with and
    /// without their optional facts, so that a schema that disagrees with
    /// this crate fails at load time rather than on every decision.
    fn check_entity_shapes(&self) -> Result<(), LoadError> {
        let some = || Some("d".to_owned());
        let list = || vec!["d".to_owned()];
        let mut samples = Vec::new();
        for (delegation, shared) in [(some(), list()), (None, Vec::new())] {
            samples.extend([
                Resource::Event { id: "x".into() },
                Resource::Agency { id: "x".into() },
                Resource::Delegation { id: "x".into() },
                Resource::Declaration {
                    id: "x".into(),
                    delegation: "d".into(),
                },
                Resource::Room {
                    id: "x".into(),
                    delegation: delegation.clone(),
                    shared_with: shared.clone(),
                },
                Resource::LogEntry {
                    id: "x".into(),
                    delegation: delegation.clone(),
                    shared_with: shared.clone(),
                },
                Resource::LiaisonReport {
                    id: "x".into(),
                    delegation: "d".into(),
                },
                Resource::Request {
                    id: "x".into(),
                    delegation: "d".into(),
                },
                Resource::Task { id: "x".into() },
                Resource::Protectee {
                    id: "x".into(),
                    delegation: delegation.clone(),
                },
                Resource::Movement {
                    id: "x".into(),
                    protectee: "p".into(),
                    delegation: delegation.clone(),
                    attached_agents: shared.clone(),
                    approved: true,
                },
                Resource::VettingCase {
                    id: "x".into(),
                    delegation: delegation.clone(),
                    organiser: delegation.clone(),
                    shared_with: shared.clone(),
                },
                Resource::Sitrep {
                    id: "x".into(),
                    shared_with: shared.clone(),
                },
                Resource::Applicant {
                    id: "x".into(),
                    organiser: "o".into(),
                },
                Resource::Ledger,
                Resource::Account { id: "x".into() },
                Resource::Token { id: "x".into() },
                Resource::Lists,
            ]);
        }
        let principals = [Some("d".to_owned()), None].map(|delegation| Principal {
            id: "p".into(),
            role: domain::Role::ForeignLiaison,
            agency_id: "a".into(),
            agency_kind: domain::AgencyKind::Foreign,
            delegation,
        });
        let check = |type_name: &EntityTypeName, id: &str, attributes| {
            let shape_error = |e: DecisionError| LoadError::EntityShape {
                type_name: type_name.to_string(),
                message: e.to_string(),
            };
            let entity = self
                .entity(self.uid(type_name, id), attributes)
                .map_err(shape_error)?;
            Entities::from_entities([entity], Some(&self.schema))
                .map(drop)
                .map_err(|e| shape_error(DecisionError::InvalidEntities(chain(&e))))
        };
        for principal in &principals {
            check(
                &self.names.user,
                &principal.id,
                self.principal_attributes(principal),
            )?;
        }
        for resource in &samples {
            check(
                self.names.kind(resource.kind()),
                resource.id(),
                self.resource_attributes(resource),
            )?;
        }
        Ok(())
    }
}

impl Names {
    fn load(schema: &Schema) -> Result<Names, LoadError> {
        let parse = |name: &str| {
            EntityTypeName::from_str(name).map_err(|e| LoadError::EntityShape {
                type_name: name.to_owned(),
                message: e.to_string(),
            })
        };
        let action_type = parse("Action")?;
        let user = parse("User")?;
        let kinds = ResourceKind::ALL
            .iter()
            .map(|kind| parse(kind.as_str()))
            .collect::<Result<Vec<_>, _>>()?;

        let mut actions = HashMap::new();
        let mut resource_kinds = HashMap::new();
        for &action in Action::ALL {
            let uid = EntityUid::from_type_name_and_id(
                action_type.clone(),
                EntityId::new(action.as_str()),
            );
            let unknown = |type_name: &EntityTypeName| LoadError::UnknownEntityType {
                action: action.as_str(),
                type_name: type_name.to_string(),
            };
            let principals = schema
                .principals_for_action(&uid)
                .ok_or(LoadError::MissingAction(action.as_str()))?;
            for principal in principals {
                if principal != &user {
                    return Err(unknown(principal));
                }
            }
            let resources = schema
                .resources_for_action(&uid)
                .ok_or(LoadError::MissingAction(action.as_str()))?;
            let mut applies_to = Vec::new();
            for resource in resources {
                let kind =
                    ResourceKind::from_str(&resource.to_string()).map_err(|_| unknown(resource))?;
                if !applies_to.contains(&kind) {
                    applies_to.push(kind);
                }
            }
            applies_to.sort();
            resource_kinds.insert(action, applies_to);
            actions.insert(action, uid);
        }

        Ok(Names {
            user,
            agency: parse("Agency")?,
            delegation: parse("Delegation")?,
            protectee: parse("Protectee")?,
            kinds,
            actions,
            resource_kinds,
        })
    }

    fn kind(&self, kind: ResourceKind) -> &EntityTypeName {
        // `kinds` holds one name per `ResourceKind::ALL` entry, in that order,
        // and the discriminants follow the same order.
        &self.kinds[kind as usize]
    }
}

/// Parses the policy text and gives every policy its `@id` as Cedar policy id.
/// Returns the set and the ids in file order.
fn parse_policies(text: &str) -> Result<(PolicySet, Vec<String>), LoadError> {
    let parsed = PolicySet::from_str(text)
        .map_err(|errors| LoadError::Parse(errors.iter().map(|e| describe(e, text)).collect()))?;
    if let Some(template) = parsed.templates().next() {
        return Err(LoadError::Template(template.id().to_string()));
    }

    // Cedar names the policies of a parsed text `policy0`, `policy1`, ... in
    // file order; recover that order.
    let mut in_order: Vec<(usize, &Policy)> = parsed
        .policies()
        .map(|p| {
            let id: &str = p.id().as_ref();
            let position = id
                .strip_prefix("policy")
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            (position, p)
        })
        .collect();
    in_order.sort_by_key(|(position, _)| *position);

    let mut set = PolicySet::new();
    let mut ids = Vec::with_capacity(in_order.len());
    for (index, (_, policy)) in in_order.into_iter().enumerate() {
        let number = index + 1;
        let Some(id) = policy.annotation("id") else {
            return Err(LoadError::MissingId {
                number,
                start: locate_policy(text, policy),
            });
        };
        if !is_valid_id(id) {
            return Err(LoadError::InvalidId {
                number,
                id: id.to_owned(),
            });
        }
        if ids.iter().any(|known| known == id) {
            return Err(LoadError::DuplicateId(id.to_owned()));
        }
        set.add(policy.new_id(PolicyId::new(id)))
            .map_err(|_| LoadError::DuplicateId(id.to_owned()))?;
        ids.push(id.to_owned());
    }
    Ok((set, ids))
}

/// Whether an id is stable and readable: 1 to 64 characters of `a-z`, `0-9`
/// and `-`, not one of the ids this crate reserves for its own reports.
fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id != DEFAULT_DENY
        && id != INVALID_REQUEST
}

/// Where a policy starts in the text, as `line L, column C`, found by
/// searching for its source text.
fn locate_policy(text: &str, policy: &Policy) -> String {
    let source = policy.to_string();
    let source = source.trim();
    text.find(source)
        .and_then(|offset| line_col(text, offset))
        .map_or_else(
            || "position unknown".to_owned(),
            |(line, column)| format!("line {line}, column {column}"),
        )
}

/// Renders a Cedar diagnostic with the line and column of its first label
/// and its help text, if it has them.
fn describe(diagnostic: &dyn miette::Diagnostic, source: &str) -> String {
    let mut out = String::new();
    if let Some((line, column)) = diagnostic
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| line_col(source, label.offset()))
    {
        out.push_str(&format!("line {line}, column {column}: "));
    }
    out.push_str(&diagnostic.to_string());
    if let Some(help) = diagnostic.help() {
        out.push_str(&format!(" (help: {help})"));
    }
    out
}

/// An error's message followed by the messages of its sources, which is
/// where Cedar puts the specifics ("entity does not conform to the schema:
/// attribute `is_host` ...").
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let message = inner.to_string();
        if !out.contains(&message) {
            out.push_str(": ");
            out.push_str(&message);
        }
        source = inner.source();
    }
    out
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_col(source: &str, offset: usize) -> Option<(usize, usize)> {
    let before = source.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |l: &str| l.chars().count())
        + 1;
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_refuses_bad_offsets() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), Some((1, 1)));
        assert_eq!(line_col(text, 4), Some((2, 2)));
        assert_eq!(line_col(text, 8), Some((3, 1)));
        // Inside the two bytes of 'é', and past the end.
        assert_eq!(line_col(text, 6), None);
        assert_eq!(line_col(text, 100), None);
    }

    #[test]
    fn ids_are_readable_and_not_reserved() {
        assert!(is_valid_id("forbid-foreign-tasking"));
        assert!(is_valid_id("permit-2"));
        for bad in [
            "",
            "Forbid",
            "forbid foreign",
            "forbid_foreign",
            "policy.0",
            DEFAULT_DENY,
            INVALID_REQUEST,
        ] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
        assert!(!is_valid_id(&"a".repeat(65)));
    }
}
