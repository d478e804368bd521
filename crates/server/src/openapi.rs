//! The OpenAPI description. Paths come from the handlers' annotations (registered through
//! `utoipa_axum::routes!`, so the spec cannot drift from the router); this file adds what is
//! shared: the error envelope, the code list and the bearer scheme.

use std::borrow::Cow;

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
