//! The rules of files: only images (sniffed from their bytes, never trusted from the client),
//! within the size and pixel limits, stored under names the server makes.

use bytes::Bytes;
use chrono::{Datelike, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::model;
use super::repo;
use crate::auth::guard::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

/// A stored image as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FileView {
    pub id: i64,
    /// Absolute URL of the file (under `public_url`).
    pub url: String,
    pub content_type: String,
    pub size: i64,
    pub width: i32,
    pub height: i32,
}

impl FileView {
    pub fn from_model(config: &Config, row: &model::Model) -> Self {
        Self {
            id: row.id,
            url: url(config, &row.storage_key),
            content_type: row.content_type.clone(),
            size: row.size,
            width: row.width,
            height: row.height,
        }
    }
}

pub fn url(config: &Config, key: &str) -> String {
    format!("{}/files/{key}", config.public_url)
}

/// The image type of `bytes` from their first bytes: (content type, extension).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// The content type a stored key is served with (keys end in the extension we chose).
pub fn content_type_of(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

pub async fn upload(state: &AppState, owner: &Principal, bytes: Bytes) -> AppResult<FileView> {
    let limits = &state.config.files;
    if bytes.len() > limits.max_bytes {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("file is larger than {} bytes", limits.max_bytes),
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::validation("file", "is empty"));
    }
    let (content_type, ext) = sniff(&bytes).ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedMediaType,
            "only JPEG, PNG, WebP and GIF images are accepted",
        )
    })?;
    let size = imagesize::blob_size(&bytes)
        .map_err(|_| AppError::validation("file", "is not a readable image"))?;
    let pixels = (size.width as u64).saturating_mul(size.height as u64);
    if size.width == 0 || size.height == 0 {
        return Err(AppError::validation("file", "has no pixels"));
    }
    if pixels > limits.max_pixels {
        return Err(AppError::validation(
            "file",
            format!(
                "is {}x{} pixels, more than the {} allowed",
                size.width, size.height, limits.max_pixels
            ),
        ));
    }
    let now = Utc::now();
    let key = format!(
        "{:04}{:02}{:02}-{}.{ext}",
        now.year(),
        now.month(),
        now.day(),
        uuid::Uuid::new_v4().simple()
    );
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let length = bytes.len() as i64;
    // Bytes first: a row never points at a missing object (an orphan object is harmless).
    state
        .files
        .put(&key, bytes)
        .await
        .map_err(|err| AppError::unavailable("file storage", err))?;
    let id = repo::insert(
        &state.db,
        model::ActiveModel {
            owner_id: Set(owner.id),
            storage_key: Set(key.clone()),
            content_type: Set(content_type.into()),
            size: Set(length),
            width: Set(size.width as i32),
            height: Set(size.height as i32),
            sha256: Set(sha256),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    Ok(FileView {
        id,
        url: url(&state.config, &key),
        content_type: content_type.into(),
        size: length,
        width: size.width as i32,
        height: size.height as i32,
    })
}

/// The caller's own images with these ids, in the given order; a missing or foreign id is a 422
/// naming its place (`images[2]`).
pub async fn owned_images(
    db: &impl ConnectionTrait,
    config: &Config,
    owner_id: i64,
    ids: &[i64],
) -> AppResult<Vec<FileView>> {
    let rows = repo::find_many(db, ids).await?;
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            rows.iter()
                .find(|r| r.id == *id && r.owner_id == owner_id)
                .map(|r| FileView::from_model(config, r))
                .ok_or_else(|| {
                    AppError::validation(&format!("images[{i}]"), "is not an image you uploaded")
                })
        })
        .collect()
}

/// A storage key as the server makes them (letters, digits, `.`, `_`, `-`); anything else (a
/// control character, a path) names no file: 404, before the key goes into a header or a path.
pub fn check_key(key: &str) -> AppResult<()> {
    let valid = !key.is_empty()
        && key.len() <= 191
        && !key.contains("..")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(AppError::not_found("file"))
    }
}

/// The entity tag of a stored file: its key, which never names other bytes.
pub fn etag(key: &str) -> AppResult<String> {
    check_key(key)?;
    Ok(format!("\"{}\"", key.replace('.', "-")))
}

/// The bytes and content type of a stored file.
pub async fn read(state: &AppState, key: &str) -> AppResult<(&'static str, Bytes)> {
    check_key(key)?;
    match state
        .files
        .get(key)
        .await
        .map_err(|err| AppError::unavailable("file storage", err))?
    {
        Some(bytes) => Ok((content_type_of(key), bytes)),
        None => Err(AppError::not_found("file")),
    }
}

/// A stored file as the admin console lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminFileView {
    pub id: i64,
    pub owner_id: i64,
    pub storage_key: String,
    pub url: String,
    pub content_type: String,
    pub size: i64,
    pub width: i32,
    pub height: i32,
    pub created_at: chrono::DateTime<Utc>,
}

/// Every upload, newest first, optionally one user's (moderators and admins).
pub async fn admin_list(
    state: &AppState,
    owner_id: Option<i64>,
    page: &PageQuery,
) -> AppResult<Page<AdminFileView>> {
    let before: Option<i64> = page.decode()?;
    let limit = page.limit();
    let rows = repo::list(&state.db, owner_id, before, limit).await?;
    Ok(
        Page::from_rows(rows, limit, |row| row.id).map(|row| AdminFileView {
            url: url(&state.config, &row.storage_key),
            id: row.id,
            owner_id: row.owner_id,
            storage_key: row.storage_key,
            content_type: row.content_type,
            size: row.size,
            width: row.width,
            height: row.height,
            created_at: row.created_at,
        }),
    )
}

/// Delete an upload: its row and its stored object go together (the row comes back if the
/// storage refuses). Posts that showed it show a missing image from then on.
pub async fn admin_delete(state: &AppState, id: i64) -> AppResult<()> {
    use sea_orm::TransactionTrait;
    let txn = state.db.begin().await?;
    let row = repo::find(&txn, id)
        .await?
        .ok_or_else(|| AppError::not_found("file"))?;
    repo::delete(&txn, id).await?;
    state
        .files
        .delete(&row.storage_key)
        .await
        .map_err(|err| AppError::unavailable("file storage", err))?;
    txn.commit().await?;
    Ok(())
}
