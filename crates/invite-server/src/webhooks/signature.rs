//! Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64>` is
//! HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` with the shared secret
//! (`whsec_` + base64 key). Several space-separated signatures may be sent (during a secret
//! rotation); one valid one is enough. Timestamps more than five minutes off are refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a `webhook-timestamp` may be from now, either way.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// The three headers of a signed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the webhook-id, webhook-timestamp and webhook-signature headers are required")]
    Missing,
    #[error("webhook-timestamp is more than {TOLERANCE_SECS} seconds from now")]
    Stale,
    #[error("no webhook-signature matches the body")]
    Mismatch,
    #[error("the webhook secret is not a whsec_ base64 key")]
    BadSecret,
}

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

fn mac(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<Hmac<Sha256>, SignatureError> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| SignatureError::BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SignatureError::BadSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` header value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let tag = mac(secret, id, timestamp, body)?.finalize().into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a message received at `now` (unix seconds).
pub fn verify(secret: &str, signed: &Signed, body: &[u8], now: i64) -> Result<(), SignatureError> {
    if (now - signed.timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, &signed.id, signed.timestamp, body)?;
    let matches = signed
        .signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|tag| expected.clone().verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example in the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn signed(signature: &str, timestamp: i64) -> Signed {
        Signed {
            id: ID.into(),
            timestamp,
            signature: signature.into(),
        }
    }

    #[test]
    fn the_specification_example_signs_and_verifies() {
        assert_eq!(sign(SECRET, ID, TIMESTAMP, BODY).as_deref(), Ok(SIGNATURE));
        assert_eq!(
            verify(SECRET, &signed(SIGNATURE, TIMESTAMP), BODY, TIMESTAMP + 10),
            Ok(())
        );
        // One valid signature among several (a rotation) is enough.
        let rotating = format!("v1,bm90IGl0 {SIGNATURE}");
        assert_eq!(
            verify(SECRET, &signed(&rotating, TIMESTAMP), BODY, TIMESTAMP),
            Ok(())
        );
    }

    #[test]
    fn another_body_secret_or_time_is_refused() {
        let ok = signed(SIGNATURE, TIMESTAMP);
        assert_eq!(
            verify(SECRET, &ok, b"{}", TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
        let other = new_secret();
        assert_eq!(
            verify(&other, &ok, BODY, TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &ok, BODY, TIMESTAMP + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, &ok, BODY, TIMESTAMP - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale)
        );
        // The same signature for another timestamp does not hold.
        assert_eq!(
            verify(SECRET, &signed(SIGNATURE, TIMESTAMP + 1), BODY, TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &signed("v2,whatever", TIMESTAMP), BODY, TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
    }
}
