//! A small DER reader, enough to unwrap the PKCS#1 `RSAPublicKey` ring verifies with from the
//! X.509 SubjectPublicKeyInfo Alipay publishes its public key as (RFC 5280 §4.1, RFC 3279
//! §2.3.1). Strict DER: definite minimal lengths, no trailing bytes, positive minimal integers.

use std::fmt;

/// Why a public key's DER was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerError {
    /// Ends inside an element.
    Truncated,
    /// Not the element expected here.
    UnexpectedTag,
    /// A length not in DER's minimal definite form.
    BadLength,
    /// Bytes after the key.
    TrailingData,
    /// A public key for another algorithm than RSA.
    NotRsa,
    /// A key BIT STRING with unused bits.
    BadBitString,
    /// A modulus outside 2048–8192 bits, or a negative or zero integer.
    BadKeySize,
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DerError::Truncated => "truncated DER",
            DerError::UnexpectedTag => "not an RSA public key (unexpected DER element)",
            DerError::BadLength => "malformed DER length",
            DerError::TrailingData => "data after the key",
            DerError::NotRsa => "not an RSA key (algorithm is not rsaEncryption)",
            DerError::BadBitString => "malformed key BIT STRING",
            DerError::BadKeySize => "the modulus must be 2048 to 8192 bits",
        })
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
/// 1.2.840.113549.1.1.1, rsaEncryption.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Reads DER elements off the front of a slice.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(input: &'a [u8]) -> Der<'a> {
        Der { rest: input }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The contents of the next element, which must have tag `tag`.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let (&found, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if found != tag {
            return Err(DerError::UnexpectedTag);
        }
        let (&first, mut rest) = rest.split_first().ok_or(DerError::Truncated)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            // Long form: 1–4 length bytes, no leading zero, and only where the short form
            // cannot say it (DER's minimal encoding). 0x80 alone (indefinite) is BER only.
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return Err(if rest.len() < count {
                    DerError::Truncated
                } else {
                    DerError::BadLength
                });
            }
            let (bytes, after) = rest.split_at(count);
            if bytes[0] == 0 {
                return Err(DerError::BadLength);
            }
            let len = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
            if len < 0x80 {
                return Err(DerError::BadLength);
            }
            rest = after;
            len
        };
        if rest.len() < len {
            return Err(DerError::Truncated);
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Ok(contents)
    }

    fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }
}

/// The PKCS#1 `RSAPublicKey` in `der`: unwrapped from a SubjectPublicKeyInfo
/// (`SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { RSAPublicKey } }`), or `der`
/// itself when it already is one. Its modulus is checked to be 2048 to 8192 bits, the sizes
/// ring verifies with.
pub fn rsa_public_key(der: &[u8]) -> Result<&[u8], DerError> {
    let mut outer = Der::new(der);
    let body = outer.read(SEQUENCE)?;
    outer.finish()?;
    let key = if Der::new(body).peek() == Some(INTEGER) {
        der
    } else {
        let mut spki = Der::new(body);
        let mut algorithm = Der::new(spki.read(SEQUENCE)?);
        if algorithm.read(OID)? != RSA_ENCRYPTION {
            return Err(DerError::NotRsa);
        }
        // RFC 3279: the parameters are NULL; some encoders leave them out.
        if algorithm.peek().is_some() && !algorithm.read(NULL)?.is_empty() {
            return Err(DerError::UnexpectedTag);
        }
        algorithm.finish()?;
        let bits = spki.read(BIT_STRING)?;
        spki.finish()?;
        match bits.split_first() {
            Some((0, key)) => key,
            _ => return Err(DerError::BadBitString),
        }
    };
    check_rsa_public_key(key)?;
    Ok(key)
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`, sizes checked.
fn check_rsa_public_key(key: &[u8]) -> Result<(), DerError> {
    let mut outer = Der::new(key);
    let mut fields = Der::new(outer.read(SEQUENCE)?);
    outer.finish()?;
    let modulus = positive(fields.read(INTEGER)?)?;
    let exponent = positive(fields.read(INTEGER)?)?;
    fields.finish()?;
    let bits = (modulus.len() - 1) * 8 + (8 - modulus[0].leading_zeros() as usize);
    if !(2048..=8192).contains(&bits) || exponent.len() > 8 {
        return Err(DerError::BadKeySize);
    }
    Ok(())
}

/// A positive INTEGER's magnitude without its sign byte; refuses zero and negatives.
fn positive(int: &[u8]) -> Result<&[u8], DerError> {
    match int {
        [] => Err(DerError::Truncated),
        [b, ..] if b & 0x80 != 0 => Err(DerError::BadKeySize),
        [0, rest @ ..] => match rest.first() {
            Some(b) if b & 0x80 != 0 => Ok(rest),
            // A leading zero before a byte without its top bit set is not minimal DER.
            _ => Err(DerError::BadKeySize),
        },
        _ => Ok(int),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::der_of;
    use crate::keys::tests::{APP_PKCS8, APP_RSA_PUBLIC, APP_SPKI};

    #[test]
    fn spki_unwraps_to_the_rsa_public_key_openssl_gives() {
        let spki = der_of(APP_SPKI).expect("base64");
        let pkcs1 = der_of(APP_RSA_PUBLIC).expect("base64");
        assert_eq!(rsa_public_key(&spki), Ok(pkcs1.as_slice()));
        assert_eq!(rsa_public_key(&pkcs1), Ok(pkcs1.as_slice()));
        // Bytes after it, or cut short anywhere.
        let mut longer = spki.clone();
        longer.push(0);
        assert_eq!(rsa_public_key(&longer), Err(DerError::TrailingData));
        for cut in [0, 1, 2, 3, 10, 24, 100, spki.len() - 1] {
            assert!(rsa_public_key(&spki[..cut]).is_err(), "cut at {cut}");
        }
        // A private key is not a public key.
        let private = der_of(APP_PKCS8).expect("base64");
        assert!(rsa_public_key(&private).is_err());
    }

    /// A DER element, for building keys by hand.
    fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match contents.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(contents);
        out
    }

    fn spki(oid: &[u8], params: Option<&[u8]>, bits: &[u8]) -> Vec<u8> {
        let mut algorithm = tlv(OID, oid);
        if let Some(p) = params {
            algorithm.extend_from_slice(p);
        }
        let mut body = tlv(SEQUENCE, &algorithm);
        body.extend(tlv(BIT_STRING, bits));
        tlv(SEQUENCE, &body)
    }

    fn rsa_key(modulus_bits: usize) -> Vec<u8> {
        let mut modulus = vec![0u8; modulus_bits.div_ceil(8)];
        modulus[0] = 0x80 >> ((8 - modulus_bits % 8) % 8);
        let mut modulus_int = vec![0];
        modulus_int.extend(&modulus);
        let mut fields = tlv(INTEGER, &modulus_int);
        fields.extend(tlv(INTEGER, &[0x01, 0x00, 0x01]));
        tlv(SEQUENCE, &fields)
    }

    #[test]
    fn the_der_reader_refuses_what_is_not_an_rsa_spki() {
        let key = rsa_key(2048);
        let mut bits = vec![0];
        bits.extend(&key);
        let null: &[u8] = &[NULL, 0];
        // Well formed, with or without the NULL parameters.
        assert_eq!(
            rsa_public_key(&spki(RSA_ENCRYPTION, Some(null), &bits)),
            Ok(key.as_slice())
        );
        assert_eq!(
            rsa_public_key(&spki(RSA_ENCRYPTION, None, &bits)),
            Ok(key.as_slice())
        );
        // id-ecPublicKey (1.2.840.10045.2.1).
        let ec = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
        assert_eq!(
            rsa_public_key(&spki(&ec, Some(null), &bits)),
            Err(DerError::NotRsa)
        );
        // Parameters other than NULL.
        assert_eq!(
            rsa_public_key(&spki(RSA_ENCRYPTION, Some(&[NULL, 1, 0]), &bits)),
            Err(DerError::UnexpectedTag)
        );
        // A BIT STRING with unused bits.
        let mut odd = bits.clone();
        odd[0] = 1;
        assert_eq!(
            rsa_public_key(&spki(RSA_ENCRYPTION, Some(null), &odd)),
            Err(DerError::BadBitString)
        );
        // Too small and too large moduli.
        for size in [1024, 2047, 8193] {
            let mut b = vec![0];
            b.extend(rsa_key(size));
            assert_eq!(
                rsa_public_key(&spki(RSA_ENCRYPTION, Some(null), &b)),
                Err(DerError::BadKeySize),
                "{size} bits"
            );
        }
        for size in [2048, 3072, 4096, 8192] {
            let mut b = vec![0];
            b.extend(rsa_key(size));
            assert!(
                rsa_public_key(&spki(RSA_ENCRYPTION, Some(null), &b)).is_ok(),
                "{size}"
            );
        }
        // Non-minimal and indefinite lengths.
        assert_eq!(
            Der::new(&[SEQUENCE, 0x81, 0x05, 0, 0, 0, 0, 0]).read(SEQUENCE),
            Err(DerError::BadLength)
        );
        assert_eq!(
            Der::new(&[SEQUENCE, 0x82, 0x00, 0x90]).read(SEQUENCE),
            Err(DerError::BadLength)
        );
        assert_eq!(
            Der::new(&[SEQUENCE, 0x80, 0, 0]).read(SEQUENCE),
            Err(DerError::BadLength)
        );
        assert_eq!(
            Der::new(&[SEQUENCE, 0x85, 1, 1, 1, 1, 1]).read(SEQUENCE),
            Err(DerError::BadLength)
        );
        assert_eq!(
            Der::new(&[SEQUENCE, 0x84, 0x7f, 0xff, 0xff, 0xff]).read(SEQUENCE),
            Err(DerError::Truncated)
        );
        assert_eq!(
            Der::new(&[SEQUENCE, 0x82, 0x01]).read(SEQUENCE),
            Err(DerError::Truncated)
        );
        assert_eq!(
            Der::new(&[INTEGER, 1, 5]).read(SEQUENCE),
            Err(DerError::UnexpectedTag)
        );
        // Negative and zero-padded integers.
        assert_eq!(positive(&[0x80, 1]), Err(DerError::BadKeySize));
        assert_eq!(positive(&[0x00, 0x01]), Err(DerError::BadKeySize));
        assert_eq!(positive(&[0x00]), Err(DerError::BadKeySize));
        assert_eq!(positive(&[0x00, 0x80]), Ok(&[0x80][..]));
    }
}
