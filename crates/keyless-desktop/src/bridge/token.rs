//! The bridge's per-start secret: without it, no command runs.
//!
//! Another local user or a page in the browser can reach 127.0.0.1 too; only whoever read the
//! URL the bridge printed holds the token. It is not a sign-in and never leaves this machine.

use keyless_core::Guid;

/// The header every `/ipc/*` and `/bridge/*` request carries the token in.
pub const TOKEN_HEADER: &str = "x-keyless-bridge-token";

/// The query parameter of the printed URL the page reads the token from.
pub const TOKEN_QUERY: &str = "token";

/// 64 hex digits: two random UUIDs, 244 bits from the operating system's generator.
#[derive(Clone, PartialEq, Eq)]
pub struct BridgeToken(String);

impl BridgeToken {
    pub fn generate() -> Self {
        let hex = |guid: Guid| guid.to_string().replace('-', "");
        BridgeToken(format!("{}{}", hex(Guid::new_random()), hex(Guid::new_random())))
    }

    /// The token's text, for the printed URL and for clients that send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares in constant time, so the time an answer takes says nothing about the token.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let expected = self.0.as_bytes();
        let difference = expected
            .iter()
            .zip(candidate)
            .fold(u8::from(expected.len() != candidate.len()), |difference, (a, b)| difference | (a ^ b));
        std::hint::black_box(difference) == 0
    }
}

impl std::fmt::Debug for BridgeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BridgeToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_unique() {
        let (first, second) = (BridgeToken::generate(), BridgeToken::generate());
        assert_eq!(first.expose().len(), 64);
        assert!(first.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = BridgeToken::generate();
        assert!(token.matches(token.expose().as_bytes()));
        assert!(!token.matches(b""));
        assert!(!token.matches(&token.expose().as_bytes()[..63]));
        assert!(!token.matches(format!("{}0", token.expose()).as_bytes()));
        assert!(!token.matches(BridgeToken::generate().expose().as_bytes()));
        assert_eq!(format!("{token:?}"), "BridgeToken([redacted])");
    }
}
