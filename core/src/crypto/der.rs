//! The little DER payquery needs to read and write RSA keys and certificates.
//!
//! Why not the RustCrypto `der`/`x509-cert` stack: payquery reads a handful of fields (an
//! algorithm OID, an RSA modulus, a certificate's serial, validity and public key) from keys
//! the merchant configured, and the full ASN.1 stack was a third of the npm package's `.wasm`.
//! This reader is small, strict where it matters (definite lengths only, every length checked
//! against the bytes present, nothing read past an element's end, trailing bytes refused) and
//! never panics: every access is bounds-checked. The RSA backend still parses the key DER in
//! full; this code only decides what the core accepts before that.

/// `rsaEncryption` (1.2.840.113549.1.1.1), DER-encoded OID contents.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_CONTEXT_0: u8 = 0xa0;

type DerResult<T> = Result<T, String>;

fn err<T>(what: &str) -> DerResult<T> {
    Err(format!("malformed DER: {what}"))
}

/// One element: its tag, its contents, and its whole encoding (tag, length and contents).
#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    tag: u8,
    contents: &'a [u8],
    encoded: &'a [u8],
}

/// Reads consecutive elements from a byte string.
#[derive(Debug, Clone, Copy)]
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn next(&mut self) -> DerResult<Element<'a>> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first().map_or_else(|| err("truncated"), Ok)?;
        if tag & 0x1f == 0x1f {
            return err("multi-byte tags are not used here");
        }
        let (&first, after_len) = after_tag
            .split_first()
            .map_or_else(|| err("truncated length"), Ok)?;
        let (length, after_len) = if first < 0x80 {
            (usize::from(first), after_len)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return err("indefinite or oversized length");
            }
            let bytes = after_len
                .get(..count)
                .map_or_else(|| err("truncated length"), Ok)?;
            if bytes.first() == Some(&0) {
                return err("non-minimal length");
            }
            let length = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if length < 0x80 {
                return err("non-minimal length");
            }
            (length, after_len.get(count..).unwrap_or_default())
        };
        let contents = after_len
            .get(..length)
            .map_or_else(|| err("length beyond the data"), Ok)?;
        let header = input.len() - after_len.len();
        let encoded = input
            .get(..header + length)
            .map_or_else(|| err("length beyond the data"), Ok)?;
        self.rest = after_len.get(length..).unwrap_or_default();
        Ok(Element {
            tag,
            contents,
            encoded,
        })
    }

    fn expect(&mut self, tag: u8, what: &str) -> DerResult<Element<'a>> {
        let element = self.next()?;
        if element.tag == tag {
            Ok(element)
        } else {
            err(&format!("expected {what}"))
        }
    }

    fn finish(&self, what: &str) -> DerResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            err(&format!("trailing bytes after {what}"))
        }
    }
}

/// Reads a whole input that must be exactly one SEQUENCE, and returns a reader of its contents.
fn sequence<'a>(der: &'a [u8], what: &str) -> DerResult<Reader<'a>> {
    let mut outer = Reader::new(der);
    let seq = outer.expect(TAG_SEQUENCE, what)?;
    outer.finish(what)?;
    Ok(Reader::new(seq.contents))
}

/// A positive INTEGER's magnitude, without the sign-padding zero byte.
fn unsigned_integer<'a>(reader: &mut Reader<'a>, what: &str) -> DerResult<&'a [u8]> {
    let int = reader.expect(TAG_INTEGER, what)?;
    match int.contents {
        [] => err(&format!("empty {what}")),
        [first, ..] if first & 0x80 != 0 => err(&format!("negative {what}")),
        [0, rest @ ..] => Ok(rest),
        all => Ok(all),
    }
}

/// The facts the core checks about an RSA public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RsaPublicParts<'a> {
    pub(crate) modulus: &'a [u8],
    pub(crate) exponent: &'a [u8],
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (PKCS#1).
pub(crate) fn pkcs1_public_key(der: &[u8]) -> DerResult<RsaPublicParts<'_>> {
    let mut seq = sequence(der, "RSAPublicKey")?;
    let modulus = unsigned_integer(&mut seq, "modulus")?;
    let exponent = unsigned_integer(&mut seq, "public exponent")?;
    seq.finish("RSAPublicKey")?;
    Ok(RsaPublicParts { modulus, exponent })
}

/// The modulus of a PKCS#1 `RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent,
/// privateExponent, prime1, prime2, exponent1, exponent2, coefficient, otherPrimeInfos? }`.
pub(crate) fn pkcs1_private_key_modulus(der: &[u8]) -> DerResult<&[u8]> {
    let mut seq = sequence(der, "RSAPrivateKey")?;
    seq.expect(TAG_INTEGER, "version")?;
    let modulus = unsigned_integer(&mut seq, "modulus")?;
    for what in [
        "public exponent",
        "private exponent",
        "prime1",
        "prime2",
        "exponent1",
        "exponent2",
        "coefficient",
    ] {
        unsigned_integer(&mut seq, what)?;
    }
    Ok(modulus)
}

/// Checks `AlgorithmIdentifier ::= SEQUENCE { rsaEncryption, NULL }` (parameters may be absent).
fn rsa_algorithm(reader: &mut Reader<'_>) -> DerResult<()> {
    let algorithm = reader.expect(TAG_SEQUENCE, "AlgorithmIdentifier")?;
    let mut alg = Reader::new(algorithm.contents);
    let oid = alg.expect(TAG_OID, "algorithm OID")?;
    if oid.contents != RSA_ENCRYPTION_OID {
        return Err("not an RSA key (the algorithm is not rsaEncryption)".to_owned());
    }
    if alg.peek_tag() == Some(TAG_NULL) {
        let null = alg.next()?;
        if !null.contents.is_empty() {
            return err("non-empty NULL parameters");
        }
    }
    alg.finish("AlgorithmIdentifier")
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo ::= SEQUENCE { version,
/// AlgorithmIdentifier, OCTET STRING, [0] attributes?, [1] publicKey? }` for an RSA key.
pub(crate) fn pkcs8_rsa_private_key(der: &[u8]) -> DerResult<&[u8]> {
    let mut seq = sequence(der, "PrivateKeyInfo")?;
    seq.expect(TAG_INTEGER, "version")?;
    rsa_algorithm(&mut seq)?;
    Ok(seq.expect(TAG_OCTET_STRING, "private key")?.contents)
}

/// The PKCS#1 `RSAPublicKey` inside `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier,
/// BIT STRING }` for an RSA key.
pub(crate) fn spki_rsa_public_key(der: &[u8]) -> DerResult<&[u8]> {
    let mut seq = sequence(der, "SubjectPublicKeyInfo")?;
    rsa_algorithm(&mut seq)?;
    let bits = seq.expect(TAG_BIT_STRING, "subject public key")?;
    seq.finish("SubjectPublicKeyInfo")?;
    match bits.contents.split_first() {
        Some((0, key)) => Ok(key),
        _ => err("subject public key with unused bits"),
    }
}

/// What payquery reads from an X.509 certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CertificateFields<'a> {
    /// The serial number's contents octets (as encoded, sign padding included).
    pub(crate) serial: &'a [u8],
    /// Validity, Unix seconds.
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    /// The whole `SubjectPublicKeyInfo` element.
    pub(crate) spki: &'a [u8],
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }` with
/// `TBSCertificate ::= SEQUENCE { [0] version?, serialNumber, signature, issuer, validity,
/// subject, subjectPublicKeyInfo, … }`.
pub(crate) fn certificate(der: &[u8]) -> DerResult<CertificateFields<'_>> {
    let mut cert = sequence(der, "Certificate")?;
    let tbs = cert.expect(TAG_SEQUENCE, "TBSCertificate")?;
    cert.expect(TAG_SEQUENCE, "signatureAlgorithm")?;
    cert.expect(TAG_BIT_STRING, "signature")?;
    cert.finish("Certificate")?;
    let mut tbs = Reader::new(tbs.contents);
    if tbs.peek_tag() == Some(TAG_CONTEXT_0) {
        tbs.next()?;
    }
    let serial = tbs.expect(TAG_INTEGER, "serialNumber")?.contents;
    if serial.is_empty() {
        return err("empty serialNumber");
    }
    tbs.expect(TAG_SEQUENCE, "signature")?;
    tbs.expect(TAG_SEQUENCE, "issuer")?;
    let validity = tbs.expect(TAG_SEQUENCE, "validity")?;
    let mut validity = Reader::new(validity.contents);
    let not_before = time(&mut validity)?;
    let not_after = time(&mut validity)?;
    validity.finish("validity")?;
    tbs.expect(TAG_SEQUENCE, "subject")?;
    let spki = tbs.expect(TAG_SEQUENCE, "subjectPublicKeyInfo")?.encoded;
    Ok(CertificateFields {
        serial,
        not_before,
        not_after,
        spki,
    })
}

/// `UTCTime` (`YYMMDDHHMMSSZ`, years 1950–2049) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`), the
/// DER forms (seconds present, UTC), as Unix seconds.
fn time(reader: &mut Reader<'_>) -> DerResult<i64> {
    let element = reader.next()?;
    let text = element.contents;
    let digits = |range: std::ops::Range<usize>| -> DerResult<i64> {
        let part = text.get(range).map_or_else(|| err("short time"), Ok)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return err("time with non-digits");
        }
        Ok(part
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let (year, rest) = match (element.tag, text.len()) {
        (TAG_UTC_TIME, 13) => {
            let yy = digits(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        (TAG_GENERALIZED_TIME, 15) => (digits(0..4)?, 4),
        _ => return err("validity time is not DER UTCTime or GeneralizedTime"),
    };
    if text.last() != Some(&b'Z') {
        return err("validity time is not in UTC");
    }
    let month = digits(rest..rest + 2)?;
    let day = digits(rest + 2..rest + 4)?;
    let hour = digits(rest + 4..rest + 6)?;
    let minute = digits(rest + 6..rest + 8)?;
    let second = digits(rest + 8..rest + 10)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return err("validity time out of range");
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Appends a DER length.
fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    push_length(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

/// `AlgorithmIdentifier { rsaEncryption, NULL }`.
fn rsa_algorithm_identifier() -> Vec<u8> {
    let mut contents = element(TAG_OID, RSA_ENCRYPTION_OID);
    contents.extend_from_slice(&[TAG_NULL, 0]);
    element(TAG_SEQUENCE, &contents)
}

/// Wraps a PKCS#1 `RSAPrivateKey` into a PKCS#8 `PrivateKeyInfo` (version 0).
pub(crate) fn pkcs8_from_pkcs1_private_key(pkcs1: &[u8]) -> Vec<u8> {
    let mut contents = vec![TAG_INTEGER, 1, 0];
    contents.extend_from_slice(&rsa_algorithm_identifier());
    contents.extend_from_slice(&element(TAG_OCTET_STRING, pkcs1));
    element(TAG_SEQUENCE, &contents)
}

/// Wraps a PKCS#1 `RSAPublicKey` into a `SubjectPublicKeyInfo`.
pub(crate) fn spki_from_pkcs1_public_key(pkcs1: &[u8]) -> Vec<u8> {
    let mut bits = Vec::with_capacity(pkcs1.len() + 1);
    bits.push(0);
    bits.extend_from_slice(pkcs1);
    let mut contents = rsa_algorithm_identifier();
    contents.extend_from_slice(&element(TAG_BIT_STRING, &bits));
    element(TAG_SEQUENCE, &contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(text: &str) -> Vec<u8> {
        pem_rfc7468::decode_vec(text.as_bytes()).unwrap().1
    }

    const MERCHANT_KEY: &str = include_str!("../../../tests/vectors/keys/merchant_private_key.pem");
    const MERCHANT_KEY_PKCS1: &str =
        include_str!("../../../tests/vectors/keys/merchant_private_key_pkcs1.pem");
    const MERCHANT_PUB: &str = include_str!("../../../tests/vectors/keys/merchant_public_key.pem");
    const CERT: &str = include_str!("../../../tests/vectors/keys/platform_certificate.pem");

    #[test]
    fn pkcs1_and_pkcs8_forms_of_one_key_agree() {
        let pkcs8 = pem(MERCHANT_KEY);
        let pkcs1 = pem(MERCHANT_KEY_PKCS1);
        assert_eq!(pkcs8_rsa_private_key(&pkcs8).unwrap(), pkcs1.as_slice());
        // Wrapping the PKCS#1 form gives exactly what openssl wrote as PKCS#8.
        assert_eq!(pkcs8_from_pkcs1_private_key(&pkcs1), pkcs8);
        let modulus = pkcs1_private_key_modulus(&pkcs1).unwrap();
        assert_eq!(modulus.len(), 256);
        let spki = pem(MERCHANT_PUB);
        let public = pkcs1_public_key(spki_rsa_public_key(&spki).unwrap()).unwrap();
        assert_eq!(public.modulus, modulus);
        assert_eq!(public.exponent, [1, 0, 1]);
        assert_eq!(
            spki_from_pkcs1_public_key(spki_rsa_public_key(&spki).unwrap()),
            spki
        );
    }

    #[test]
    fn certificate_fields_are_read() {
        let cert = pem(CERT);
        let fields = certificate(&cert).unwrap();
        let hex: String = fields.serial.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex, "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92");
        // 2020-01-01T00:00:00Z and 2120-01-01T00:00:00Z.
        assert_eq!(
            (fields.not_before, fields.not_after),
            (1_577_836_800, 4_733_510_400)
        );
        assert!(pkcs1_public_key(spki_rsa_public_key(fields.spki).unwrap()).is_ok());
    }

    #[test]
    fn civil_dates_convert_exactly() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        for input in [pem(MERCHANT_KEY), pem(MERCHANT_PUB), pem(CERT)] {
            for cut in 0..input.len() {
                let prefix = input.get(..cut).unwrap();
                assert!(pkcs8_rsa_private_key(prefix).is_err());
                assert!(spki_rsa_public_key(prefix).is_err());
                assert!(certificate(prefix).is_err());
            }
            for i in 0..input.len().min(600) {
                let mut bad = input.clone();
                bad[i] ^= 0xff;
                let _ = pkcs8_rsa_private_key(&bad).and_then(pkcs1_private_key_modulus);
                let _ = spki_rsa_public_key(&bad).and_then(pkcs1_public_key);
                let _ = certificate(&bad);
            }
        }
        for hostile in [
            &[0x30, 0x80, 0, 0][..],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5],
            &[0x3f, 0x01, 0x00],
            &[],
        ] {
            assert!(spki_rsa_public_key(hostile).is_err());
            assert!(certificate(hostile).is_err());
        }
    }
}
