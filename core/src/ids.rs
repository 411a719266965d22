//! User ids: 24 lower-case hex characters like uni-id's MongoDB ObjectIds — 4 bytes of
//! seconds (so ids sort by creation) and 8 random bytes.

use rand::RngCore;

pub fn new_id(now_ms: i64) -> String {
    let secs = u32::try_from(now_ms / 1000).unwrap_or(u32::MAX);
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    rand::rngs::OsRng.fill_bytes(&mut bytes[4..]);
    hex::encode(bytes)
}

pub fn is_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_hex_and_unique() {
        let a = new_id(1_700_000_000_000);
        let b = new_id(1_700_000_000_000);
        assert!(is_id(&a) && is_id(&b));
        assert_ne!(a, b);
        assert!(a.starts_with("6553f100"));
    }
}
