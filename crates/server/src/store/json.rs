//! JSON kept in TEXT columns. A row that does not decode is corrupt: it is reported as an
//! internal error naming the column and row, never read as an empty value.

use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// Decode `text`, read from `column` (as `table.column`) of the row with id `row`.
pub fn decode<T: DeserializeOwned>(
    column: &str,
    row: impl std::fmt::Display,
    text: &str,
) -> AppResult<T> {
    serde_json::from_str(text).map_err(|err| {
        AppError::internal(anyhow::anyhow!(
            "corrupt JSON in {column} of row {row}: {err}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn corrupt_text_is_an_internal_error_naming_the_row() {
        let err = decode::<Vec<i64>>("posts.images", 7, "[1,").expect_err("corrupt");
        assert_eq!(err.code(), ErrorCode::Internal);
        let cause = format!("{err:?}");
        assert!(cause.contains("posts.images of row 7"), "{cause}");
        assert_eq!(
            decode::<Vec<i64>>("posts.images", 7, "[1,2]").ok(),
            Some(vec![1, 2])
        );
    }
}
