//! The OpenAPI description. Paths come from the handlers' annotations (registered through
//! `utoipa_axum::routes!`, so the spec cannot drift from the router); this file adds what is
//! shared: the error envelope, the code list and the bearer scheme.

use std::borrow::Cow;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::error::ErrorCode;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minibase",
        description = "A self-hosted backend for WeChat mini-programs.\n\n\
            Every JSON answer is an envelope: `{\"code\":0,\"message\":\"ok\",\"data\":...}` on \
            success, `{\"code\":<nonzero>,\"message\":...,\"data\":null,\"request_id\":...}` on \
            error. Clients branch on `code`; the `ErrorCode` schema lists every code.",
    ),
    components(schemas(ErrorEnvelope, ErrorCode)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// The error envelope of every 4xx/5xx answer.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorEnvelope {
    code: ErrorCode,
    /// Human-readable; may change between versions. Branch on `code` instead.
    message: String,
    /// Always null on errors.
    #[schema(value_type = Option<Object>)]
    data: (),
    /// The request id, also in the `X-Request-Id` header and every log line of the request.
    request_id: String,
}

impl PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        let mut description =
            String::from("Stable error code; the first three digits are the HTTP status.\n\n");
        for code in ErrorCode::ALL {
            description.push_str(&format!(
                "- `{}` {:?}: {}\n",
                code.as_u32(),
                code,
                code.meaning()
            ));
        }
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_u32())))
            .description(Some(description))
            .into()
    }
}

impl ToSchema for ErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // The admin console's session: an HttpOnly cookie set by POST /api/v1/admin/console/session;
        // state-changing requests also need the X-CSRF-Token header.
        components.add_security_scheme(
            "console_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "mb_console",
                "The admin console's session cookie; state-changing requests also send X-CSRF-Token.",
            ))),
        );
    }
}

/// An answer every operation of some kind can give, declared once under `components/responses`
/// and referred to from each operation that can give it.
struct SharedResponse {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    /// Which operations can answer it.
    applies: fn(&Operation, &str) -> bool,
}

fn has_body(op: &Operation, _path: &str) -> bool {
    op.request_body.is_some()
}

fn has_input(op: &Operation, path: &str) -> bool {
    op.request_body.is_some()
        || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
        || path.contains('{')
}

fn needs_token(op: &Operation, _path: &str) -> bool {
    op.security.as_ref().is_some_and(|s| !s.is_empty())
}

fn names_a_resource(_op: &Operation, path: &str) -> bool {
    path.contains('{')
}

fn any_but_probes(_op: &Operation, path: &str) -> bool {
    !matches!(path, "/ping" | "/healthz" | "/metrics")
}

const SHARED_RESPONSES: &[SharedResponse] = &[
    SharedResponse {
        name: "BadRequest",
        status: "400",
        description: "The request is malformed: a path or query parameter (40000, 40002), a \
            cursor (40003), JSON that does not parse (40001), or text with a NUL character; the \
            message names the parameter or field.",
        applies: has_input,
    },
    SharedResponse {
        name: "Unauthenticated",
        status: "401",
        description: "No token, or a malformed, invalid, expired or revoked one (40100-40104).",
        applies: needs_token,
    },
    SharedResponse {
        name: "Forbidden",
        status: "403",
        description: "The account is banned (40301) or lacks the role or ownership needed (40300).",
        applies: needs_token,
    },
    SharedResponse {
        name: "NotFound",
        status: "404",
        description: "The resource named in the path does not exist or is not visible to the \
            caller (40401).",
        applies: names_a_resource,
    },
    SharedResponse {
        name: "PayloadTooLarge",
        status: "413",
        description: "The body is over the configured limit (41300).",
        applies: has_body,
    },
    SharedResponse {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body is not of the declared Content-Type (41500).",
        applies: has_body,
    },
    SharedResponse {
        name: "ValidationFailed",
        status: "422",
        description: "A field is missing or breaks a rule; the message names the field (42200).",
        applies: has_body,
    },
    SharedResponse {
        name: "Unavailable",
        status: "503",
        description: "The database or Redis is unavailable (50300), or the request took longer \
            than the request timeout (50301); retry later.",
        applies: any_but_probes,
    },
];

/// Make the document say every status each route can answer: the shared answers (bad input,
/// missing token, oversized body, a dependency down, ...) are added to every operation that can
/// give them, as references to one declaration each. Statuses an operation already declares
/// keep their own description.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    let envelope = || {
        utoipa::openapi::ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "ErrorEnvelope",
            ))))
            .build()
    };
    let components = api.components.get_or_insert_with(Default::default);
    for shared in SHARED_RESPONSES {
        components.responses.insert(
            shared.name.to_string(),
            RefOr::T(
                utoipa::openapi::ResponseBuilder::new()
                    .description(shared.description)
                    .content("application/json", envelope())
                    .build(),
            ),
        );
    }
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            describe_path_parameters(op, path);
            for shared in SHARED_RESPONSES {
                if (shared.applies)(op, path) {
                    op.responses
                        .responses
                        .entry(shared.status.to_string())
                        .or_insert_with(|| {
                            RefOr::Ref(utoipa::openapi::Ref::new(format!(
                                "#/components/responses/{}",
                                shared.name
                            )))
                        });
                }
            }
        }
    }
}

/// The rule config keys and flag names follow (`config_center::service::check_name`).
pub const ENTRY_NAME_PATTERN: &str = "^[a-z0-9][a-z0-9._-]{0,127}$";

/// Path parameters say the rules the server checks: config keys and flag names follow their
/// pattern. (Numeric ids have no bound: an id no row has, negative ones included, is a 404.)
fn describe_path_parameters(op: &mut Operation, path: &str) {
    use utoipa::openapi::path::ParameterIn;
    let Some(parameters) = op.parameters.as_mut() else {
        return;
    };
    for parameter in parameters
        .iter_mut()
        .filter(|p| p.parameter_in == ParameterIn::Path)
    {
        let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() else {
            continue;
        };
        let is_string = matches!(
            &object.schema_type,
            utoipa::openapi::schema::SchemaType::Type(Type::String)
        );
        if is_string && (parameter.name == "key" && path.starts_with("/api/v1/admin/config/"))
            || (parameter.name == "name" && path.starts_with("/api/v1/admin/flags/"))
        {
            object.pattern = Some(ENTRY_NAME_PATTERN.to_string());
        }
    }
}

/// A JSON object whose values may be any JSON (public config values, decrypted open data).
pub struct JsonObject;

impl PartialSchema for JsonObject {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(true),
            ))
            .into()
    }
}

impl ToSchema for JsonObject {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JsonObject")
    }
}
