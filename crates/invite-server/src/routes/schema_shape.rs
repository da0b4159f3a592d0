//! A finishing step for the generated OpenAPI document, so that it shows the shapes on the
//! wire (the rules of `invite-core` are added by `spec_truth`).

use utoipa::Modify;
use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// Merges each `allOf` of inline objects into one object. utoipa renders a struct that embeds
/// another with `#[serde(flatten)]` and `#[schema(inline)]` (`Invitation` embeds
/// `InvitationFields`, `BatchRow` embeds `InvitationDraft`) as such an `allOf`; on the wire it
/// is one flat object, and generated clients read one object best. An embedded part is always
/// serialised whole, so each of its non-nullable properties is required.
pub struct MergeFlattened;

impl Modify for MergeFlattened {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::AllOf(all_of)) = schema else {
                continue;
            };
            let Some(parts) = all_of
                .items
                .iter()
                .map(|item| match item {
                    RefOr::T(Schema::Object(part)) => Some(part),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let mut merged = Object::with_type(Type::Object);
            merged.description = all_of.description.clone();
            for part in parts {
                // The part's own list first, in its order; then what is always serialised.
                let always_present = part
                    .properties
                    .iter()
                    .filter(|(_, property)| !is_nullable(property))
                    .map(|(name, _)| name);
                for name in part.required.iter().chain(always_present) {
                    if !merged.required.contains(name) {
                        merged.required.push(name.clone());
                    }
                }
                merged.properties.extend(part.properties.clone());
            }
            *schema = RefOr::T(Schema::Object(merged));
        }
    }
}

fn is_nullable(property: &RefOr<Schema>) -> bool {
    match property {
        RefOr::Ref(_) => false,
        RefOr::T(Schema::Object(object)) => match &object.schema_type {
            SchemaType::Type(t) => *t == Type::Null,
            SchemaType::Array(types) => types.contains(&Type::Null),
            SchemaType::AnyValue => true,
        },
        // `oneOf` (an optional enum, say) and the rest: not known to be present.
        RefOr::T(_) => true,
    }
}
