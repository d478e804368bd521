//! Loopback addresses: the only places the mocks deliver callbacks and notifications to.

pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_callbacks() {
        let ok = [
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:1/x",
        ];
        for url in ok {
            assert!(is_loopback(&reqwest::Url::parse(url).unwrap()), "{url}");
        }
        let bad = [
            "http://10.0.0.1/cb",
            "http://example.com/cb",
            "http://127.0.0.1.example.com/",
        ];
        for url in bad {
            assert!(!is_loopback(&reqwest::Url::parse(url).unwrap()), "{url}");
        }
    }
}
