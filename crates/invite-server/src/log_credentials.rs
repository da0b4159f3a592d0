//! Credentials by their shape, for checks of what was logged: a JWT (`eyJ….eyJ….…`), an API
//! key (`iu_` and 64 hex digits), a webhook secret (`whsec_…`). Standalone (no dependency), so
//! that `cargo xtask test` reads the same rule for its scan of the API suite's logs.

/// The words of `text` that look like a credential.
pub fn credentials_in(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ','))
        .filter(|word| {
            let jwt = word.starts_with("eyJ") && word.matches('.').count() == 2 && word.len() > 40;
            let api_key = word.strip_prefix("iu_").is_some_and(|rest| {
                rest.len() >= 64 && rest.as_bytes()[..64].iter().all(u8::is_ascii_hexdigit)
            });
            let webhook_secret = word.starts_with("whsec_") && word.len() > 20;
            jwt || api_key || webhook_secret
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognised_by_their_shape() {
        let text = format!(
            "a eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg \
             b=\"iu_{}\" whsec_abcdefghijklmnopqrstu",
            "ab".repeat(32)
        );
        assert_eq!(
            credentials_in(&text).len(),
            3,
            "{:?}",
            credentials_in(&text)
        );
        assert!(credentials_in("invite_users iu_prefix whsec_ eyJ. iu_é").is_empty());
    }
}
