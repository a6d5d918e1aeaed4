//! TAXII accounts: password hashing (argon2id, PHC strings), API tokens (random
//! secrets stored as a BLAKE2b digest) and the checks the server and the CLI share.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use blake2::{Blake2b, Digest};
use store::taxii::{TaxiiStore, TokenInfo};
use store::StoreError;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("invalid user name '{0}': use 1-64 letters, digits, '.', '_', '-' or '@'")]
    BadName(String),
    #[error("the password is empty")]
    EmptyPassword,
}

/// Prefix of every API token secret, so that leaked tokens are recognisable.
pub const TOKEN_PREFIX: &str = "tlk_";

/// Hashes a password with argon2id and a random salt (the PHC string carries both).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.is_empty() {
        return Err(AccountError::EmptyPassword);
    }
    // 122 random bits from the OS (uuid v4 uses getrandom): no extra RNG crate.
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Checks a password against a PHC string; a malformed hash never verifies.
pub fn verify_password(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// The digest under which a token secret is stored and looked up. Tokens are 244
/// random bits, so a fast hash suffices (no dictionary to defend against).
pub fn token_digest(secret: &str) -> String {
    let d = Blake2b::<blake2::digest::consts::U32>::digest(secret.as_bytes());
    hex(&d)
}

/// A digest of arbitrary bytes (cache keys for credentials).
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Blake2b::<blake2::digest::consts::U32>::digest(bytes).into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks a user name: short, printable, no separators that break Basic auth.
pub fn check_name(name: &str) -> Result<(), AccountError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::BadName(name.to_string()))
    }
}

/// Creates an API token for `user`; returns the secret (shown once, never stored)
/// and what is stored about it.
pub fn create_token(
    taxii: &dyn TaxiiStore,
    user: &str,
    label: &str,
    now: stix::Timestamp,
) -> Result<(String, TokenInfo), AccountError> {
    let secret = format!(
        "{TOKEN_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let info = TokenInfo {
        id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
        user: user.to_string(),
        label: label.to_string(),
        created: now,
    };
    taxii.add_token(&info, &token_digest(&secret))?;
    Ok((secret, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert_ne!(h, hash_password("correct horse").unwrap(), "salted");
        assert!(matches!(
            hash_password(""),
            Err(AccountError::EmptyPassword)
        ));
    }

    #[test]
    fn names() {
        for ok in ["alice", "a.b-c_d@org"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a:b", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_digest_is_stable_hex() {
        let d = token_digest("tlk_abc");
        assert_eq!(d.len(), 64);
        assert_eq!(d, token_digest("tlk_abc"));
        assert_ne!(d, token_digest("tlk_abd"));
    }
}
