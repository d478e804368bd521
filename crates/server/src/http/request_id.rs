//! Request ids: taken from the caller's `X-Request-Id` when it is sane, generated otherwise, and
//! visible to any code running for the request (error bodies, logs) through a task-local.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::http::{HeaderName, HeaderValue};

/// `X-Request-Id`, as a ready header name (parsing a `&str` name costs on every use).
pub static HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// The id of the request being served by this task, if any.
pub fn current() -> Option<Arc<str>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// Run `fut` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: Arc<str>, fut: F) -> F::Output {
    CURRENT.scope(id, fut).await
}

/// Accept the caller's id when it is short printable ASCII (it ends up in logs and headers).
pub fn from_header(value: Option<&HeaderValue>) -> Option<Arc<str>> {
    let value = value.filter(|v| is_acceptable(v))?;
    value.to_str().ok().map(Arc::from)
}

/// True when the caller's id can be used as it is.
pub fn is_acceptable(value: &HeaderValue) -> bool {
    let value = value.as_bytes();
    !value.is_empty()
        && value.len() <= 128
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// A new id: a random per-process prefix and a counter. Unique across nodes with overwhelming
/// probability, and far cheaper than a UUID per request on the hot path.
pub fn generate() -> Arc<str> {
    let mut buffer = [0u8; GENERATED_MAX];
    let len = write_generated(&mut buffer);
    // The buffer holds ASCII only.
    Arc::from(std::str::from_utf8(&buffer[..len]).unwrap_or("-"))
}

/// 12 prefix characters, a dash and up to 16 hex digits.
const GENERATED_MAX: usize = 29;

fn write_generated(buffer: &mut [u8; GENERATED_MAX]) -> usize {
    static PREFIX: OnceLock<[u8; 12]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let prefix = PREFIX.get_or_init(|| {
        let mut prefix = [0u8; 12];
        prefix.copy_from_slice(&uuid::Uuid::new_v4().simple().to_string().as_bytes()[..12]);
        prefix
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    buffer[..12].copy_from_slice(prefix);
    buffer[12] = b'-';
    // At least 8 digits, as `{n:08x}` would print.
    let digits = (16 - (n.leading_zeros() as usize) / 4).max(8);
    for i in 0..digits {
        buffer[13 + i] = HEX[((n >> (4 * (digits - 1 - i))) & 0xf) as usize];
    }
    13 + digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_prefix_dash_hex_counter_and_unique() {
        let a = generate();
        let b = generate();
        let (prefix, counter) = a.split_once('-').expect("a dash");
        assert_eq!(prefix.len(), 12);
        assert!(counter.len() >= 8 && counter.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(b.starts_with(prefix), "one prefix per process");
        assert_ne!(a, b);
        assert!(is_acceptable(
            &HeaderValue::from_str(&a).expect("a header value")
        ));
    }

    #[test]
    fn counters_print_like_zero_padded_hex() {
        let mut buffer = [0u8; GENERATED_MAX];
        let len = write_generated(&mut buffer);
        let text = std::str::from_utf8(&buffer[..len]).expect("ASCII");
        let n = u64::from_str_radix(&text[13..], 16).expect("hex");
        assert_eq!(&text[13..], format!("{n:08x}"));
    }
}
