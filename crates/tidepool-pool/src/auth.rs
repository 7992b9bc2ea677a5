//! The per-run secret and the mutual challenge-response: each side proves it knows the
//! secret by an HMAC-SHA256 over both nonces and its role; the secret is never sent.

use crate::protocol::{Nonce, Proof};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// 32 random bytes shared by the coordinator and its agents through a 0600 file.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Which side computes a proof.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    Coordinator,
    Agent,
}

impl Secret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parse the secret file's content (64 hex digits).
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// `role`'s proof: the coordinator signs (agent nonce, own nonce), the agent
    /// (coordinator nonce, own nonce).
    pub fn proof(&self, role: Role, peer_nonce: &Nonce, own_nonce: &Nonce) -> Proof {
        self.mac(role, peer_nonce, own_nonce)
            .finalize()
            .into_bytes()
            .into()
    }

    /// Constant-time check of a proof made by `role`.
    pub fn verify(&self, role: Role, peer_nonce: &Nonce, own_nonce: &Nonce, proof: &Proof) -> bool {
        self.mac(role, peer_nonce, own_nonce)
            .verify_slice(proof)
            .is_ok()
    }

    fn mac(&self, role: Role, first: &Nonce, second: &Nonce) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(match role {
            Role::Coordinator => b"tidepool-coordinator",
            Role::Agent => b"tidepool-agent-------",
        });
        mac.update(first);
        mac.update(second);
        mac
    }
}

/// A fresh random nonce.
pub fn nonce() -> Nonce {
    let mut n = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_verify_only_with_the_same_secret_role_and_nonces() {
        let secret = Secret::generate();
        let (a, c) = (nonce(), nonce());
        let proof = secret.proof(Role::Agent, &c, &a);
        assert!(secret.verify(Role::Agent, &c, &a, &proof));
        assert!(
            !secret.verify(Role::Coordinator, &c, &a, &proof),
            "roles differ"
        );
        assert!(
            !secret.verify(Role::Agent, &a, &c, &proof),
            "nonce order matters"
        );
        assert!(!Secret::generate().verify(Role::Agent, &c, &a, &proof));
    }

    #[test]
    fn hex_round_trip() {
        let secret = Secret::generate();
        let back = Secret::from_hex(&secret.to_hex()).unwrap();
        assert_eq!(back.to_hex(), secret.to_hex());
        assert!(Secret::from_hex("abcd").is_none());
    }
}
