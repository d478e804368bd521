//! Extractors that hand handlers only valid input, turning every way a request can be wrong into
//! an envelope that names the problem (what gin's binding tags give Go users).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{AppError, ErrorCode};

/// A JSON body that parsed and passed its `validator` rules.
///
/// - wrong or missing `Content-Type` -> 415 `UnsupportedMediaType`
/// - body over the limit -> 413 `PayloadTooLarge`
/// - not JSON -> 400 `MalformedJson`
/// - missing field, wrong type, rule broken -> 422 `ValidationFailed` naming the field
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(CONTENT_TYPE)) {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        // Every body is a JSON object; serde would also fill a struct from an array.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(
                match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                    Ok(_) => AppError::validation("body", "must be a JSON object"),
                    Err(err) => json_error(".", &err),
                },
            );
        }
        let value: T = parse_json(&bytes)?;
        validate(&value)?;
        Ok(Self(value))
    }
}

/// A JSON body that may be left out: an empty body is `None` (whatever the `Content-Type`); a
/// body that is sent is held to every rule of [`ValidJson`]. For actions that grew an optional
/// body (a ban's reason) after clients already called them without one.
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers().get(CONTENT_TYPE));
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !json {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "expected Content-Type: application/json",
            ));
        }
        let value: T = parse_json(&bytes)?;
        validate(&value)?;
        Ok(Self(Some(value)))
    }
}

/// The numeric id in a route's path (`/posts/{id}`, `/users/{user_id}/roles`): the last path
/// parameter, as axum matched it. Text that is not an integer is a 400 naming the parameter
/// (`Path<i64>` answers a generic one); an id below 1, which no row has, is a 404 like any other
/// unknown id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let missing = || AppError::bad_request("the path has no id");
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| missing())?;
        let (name, raw) = params.iter().last().ok_or_else(missing)?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Id(id)),
            Ok(_) => Err(AppError::not_found(name)),
            Err(_) => Err(AppError::bad_request(format!(
                "{name}: '{raw}' is not an integer"
            ))),
        }
    }
}

fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

pub(crate) fn body_error(rejection: BytesRejection) -> AppError {
    match rejection {
        BytesRejection::FailedToBufferBody(
            axum::extract::rejection::FailedToBufferBody::LengthLimitError(_),
        ) => AppError::new(ErrorCode::PayloadTooLarge, "request body is too large"),
        other => AppError::bad_request(format!("could not read the request body: {other}")),
    }
}

/// Parse JSON, naming the field path of a type or presence error.
///
/// Text holding a NUL character (`\u0000`) is refused with a 400 naming the field: PostgreSQL
/// cannot store it in text or JSON columns (SQLite and MySQL can), so it is refused here, once,
/// for every body on every database.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if has_nul_escape(bytes) {
        return Err(nul_error(bytes));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|err| json_error(".", &err))?;
    Ok(value)
}

/// Whether the JSON text holds a `\u0000` escape: the only way a NUL can be in valid JSON (raw
/// control characters are a syntax error). Escaped backslashes are skipped, so `"\\u0000"` (the
/// six characters `\u0000` as text) does not count. A byte scan keeps the common case cheap.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The 400 for a body with a NUL in it, naming the first field that holds one.
fn nul_error(bytes: &[u8]) -> AppError {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => {
            let field = nul_path(&value, String::new()).unwrap_or_else(|| "body".to_string());
            AppError::bad_request(format!("{field}: must not contain NUL (U+0000) characters"))
        }
        Err(err) => json_error(".", &err),
    }
}

/// The path (`a.b[2]`) of the first string or object key holding a NUL character.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let name = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        Value::String(text) if text.contains('\0') => Some(name(&path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{}[{i}]", name(&path)))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(child.replace('\0', "\\u0000"))
            } else {
                nul_path(item, child)
            }
        }),
        _ => None,
    }
}

fn json_error(path: &str, err: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::new(ErrorCode::MalformedJson, format!("malformed JSON: {err}"))
        }
        Category::Data => {
            // serde_json appends " at line L column C"; the field path says more to a client.
            let text = err.to_string();
            let text = text.split(" at line ").next().unwrap_or(&text).to_string();
            if path == "." {
                // Missing fields are reported at the parent; the message names the field.
                let field = text
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or("body");
                AppError::validation(field, text.clone())
            } else {
                AppError::validation(path, text)
            }
        }
    }
}

/// Run the type's `validator` rules; the first broken rule (by field name) becomes a 422.
pub fn validate<T: Validate>(value: &T) -> Result<(), AppError> {
    value.validate().map_err(|errors| {
        let (field, problem) = first_error(&errors, "");
        AppError::validation(&field, problem)
    })
}

fn first_error(errors: &ValidationErrors, prefix: &str) -> (String, String) {
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                if let Some(err) = list.first() {
                    return (name, describe(err));
                }
            }
            ValidationErrorsKind::Struct(inner) => return first_error(inner, &name),
            ValidationErrorsKind::List(items) => {
                if let Some((index, inner)) = items.iter().min_by_key(|(i, _)| **i) {
                    return first_error(inner, &format!("{name}[{index}]"));
                }
            }
        }
    }
    ("body".to_string(), "is invalid".to_string())
}

fn describe(err: &validator::ValidationError) -> String {
    if let Some(message) = &err.message {
        return message.to_string();
    }
    let param = |key: &str| err.params.get(key).map(|v| v.to_string());
    match err.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(n)) => format!("length must be {n}"),
            (Some(min), Some(max), _) => format!("length must be between {min} and {max}"),
            (Some(min), None, _) => format!("length must be at least {min}"),
            (None, Some(max), _) => format!("length must be at most {max}"),
            _ => "has an invalid length".to_string(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".to_string(),
        },
        "url" => "must be a valid URL".to_string(),
        "email" => "must be a valid email address".to_string(),
        "required" => "is required".to_string(),
        code => format!("is invalid ({code})"),
    }
}

/// Query-string parameters that parsed and passed their rules; any problem is a 400
/// `InvalidQuery` naming the parameter.
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        // PostgreSQL cannot store a NUL character in text: refuse it here for every database.
        if let Some((name, _)) = form_urlencoded_parse(query)
            .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        {
            return Err(AppError::new(
                ErrorCode::InvalidQuery,
                format!(
                    "{}: must not contain NUL (U+0000) characters",
                    name.replace('\0', "\\u0000")
                ),
            ));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner().to_string();
            let name = if path == "." {
                inner
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or("query")
                    .to_string()
            } else {
                path
            };
            AppError::new(ErrorCode::InvalidQuery, format!("{name}: {inner}"))
        })?;
        value.validate().map_err(|errors| {
            let (field, problem) = first_error(&errors, "");
            AppError::new(ErrorCode::InvalidQuery, format!("{field}: {problem}"))
        })?;
        Ok(Self(value))
    }
}

fn form_urlencoded_parse(query: &str) -> url::form_urlencoded::Parse<'_> {
    url::form_urlencoded::parse(query.as_bytes())
}
