//! The success envelope: `{"code":0,"message":"ok","data":<payload>}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// Documents the success envelope in the OpenAPI spec (`Envelope<UserView>` and so on).
#[derive(Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always 0 on success.
    pub code: u32,
    /// Always "ok" on success.
    pub message: &'static str,
    pub data: T,
}

/// A handler's successful answer, wrapped in the envelope. `ApiJson::created` answers 201.
pub struct ApiJson<T>(pub StatusCode, pub T);

impl<T> ApiJson<T> {
    pub fn ok(data: T) -> Self {
        Self(StatusCode::OK, data)
    }

    pub fn created(data: T) -> Self {
        Self(StatusCode::CREATED, data)
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        let body = Envelope {
            code: 0,
            message: "ok",
            data: self.1,
        };
        match serde_json::to_vec(&body) {
            Ok(bytes) => (
                self.0,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response(),
            Err(err) => AppError::internal(err).into_response(),
        }
    }
}
