//! Rules for text that other people see as a name: nicknames, department, product and sale
//! names. Besides control characters, such text must not carry characters that change how the
//! text around it is shown without being seen themselves: bidirectional controls (U+202E turns
//! `gpj.exe` into what reads as `exe.jpg`, and a nickname into someone else's) and zero-width
//! characters (two names that look the same but differ). The zero-width joiner and non-joiner
//! (U+200D, U+200C) stay allowed: emoji sequences and several scripts need them.

use crate::error::{AppError, AppResult};

/// A character that must not be in a display name.
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates.
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Zero-width space, word joiner, invisible operators, zero-width no-break space.
            | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            // Mongolian vowel separator, soft hyphen: invisible in most places.
            | '\u{180E}' | '\u{00AD}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
        )
}

/// The same rule as a JSON Schema pattern (ECMA-262), for the OpenAPI spec: at least one
/// character that is not white space, and none of the refused ones.
pub const DISPLAY_NAME_PATTERN: &str = "^\\s*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF]*$";

/// A display name, trimmed: not blank, and without control, bidi or zero-width characters.
/// The 422 names `field` and the offending character.
pub fn display_name<'a>(field: &str, text: &'a str) -> AppResult<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation(field, "must not be blank"));
    }
    if let Some(c) = text.chars().find(|c| is_hidden_or_control(*c)) {
        return Err(AppError::validation(
            field,
            format!(
                "must not contain control, bidirectional or zero-width characters (U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_hidden_characters_and_keeps_real_text() {
        for bad in [
            "ab\u{202E}cd",
            "\u{200B}",
            "x\u{200B}y",
            "a\u{2066}b",
            "\u{FEFF}name",
            "a\u{0007}b",
            "a\u{200F}",
        ] {
            assert!(display_name("nickname", bad).is_err(), "{bad:?}");
        }
        for good in [
            "小明",
            "Ana María",
            "👨\u{200D}👩\u{200D}👧",
            "علي",
            "a_b-c",
        ] {
            assert_eq!(display_name("nickname", good).ok(), Some(good), "{good:?}");
        }
        assert!(display_name("nickname", "   ").is_err());
        assert_eq!(display_name("nickname", "  x ").ok(), Some("x"));
    }
}
