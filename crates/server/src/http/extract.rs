//! Extractors that hand handlers only valid input, turning every way a request can be wrong into
//! an envelope that names the problem (what gin's binding tags give Go users).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
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
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|err| json_error(".", &err))?;
    Ok(value)
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
