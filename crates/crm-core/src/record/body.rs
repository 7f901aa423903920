//! How a record's body is kept: the two encodings every store chooses from.
//!
//! - **Binary** (key-value stores): one format byte, then MessagePack.
//!   - [`FORMAT_POSITIONAL`] (2, written now): structs as arrays of their fields in
//!     declaration order, without field names. A field added at the end of a struct with
//!     `#[serde(default)]` (as crm-core adds every field) decodes from records written before
//!     it existed: the array is shorter and the field takes its default. Never insert,
//!     remove or reorder fields of a stored struct; add new ones at the end.
//!   - [`FORMAT_NAMED`] (1, read only): structs as maps with field names, as the sled store
//!     wrote before. MessagePack tells arrays from maps, so one decoder reads both.
//! - **JSON** (stores with SQL views): serde_json, readable by SQL (`body->>'stage'`).
//!
//! Undecodable bytes are [`Error::Corrupted`], never a panic.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Format byte: MessagePack with named fields (read only; written by earlier versions).
pub const FORMAT_NAMED: u8 = 1;
/// Format byte: MessagePack with structs as arrays (written now).
pub const FORMAT_POSITIONAL: u8 = 2;

/// A record's stored body.
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// A format byte and MessagePack (key-value stores).
    Binary(Vec<u8>),
    /// JSON text (SQL stores).
    Json(String),
}

impl Body {
    /// The binary body of `value`.
    ///
    /// # Errors
    /// [`Error::Storage`] when it cannot be encoded (a map with non-string keys, say).
    pub fn binary<T: Serialize + ?Sized>(value: &T) -> Result<Body> {
        let mut bytes = vec![FORMAT_POSITIONAL];
        rmp_serde::encode::write(&mut bytes, value).map_err(Error::storage)?;
        Ok(Body::Binary(bytes))
    }

    /// The JSON body of `value`.
    ///
    /// # Errors
    /// [`Error::Storage`] when it cannot be encoded.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Body> {
        serde_json::to_string(value)
            .map(Body::Json)
            .map_err(Error::storage)
    }

    /// Decodes the body as a `T`.
    ///
    /// # Errors
    /// [`Error::Corrupted`] (its `key` says which encoding failed; callers that know where
    /// the bytes are say so with [`Body::decode_at`]).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        self.decode_at(|| "record body".to_owned())
    }

    /// [`Body::decode`], naming the bytes' place in the error as `location()` says.
    ///
    /// # Errors
    /// [`Error::Corrupted`] for an unknown format byte or bytes that do not decode as `T`.
    pub fn decode_at<T: DeserializeOwned>(&self, location: impl Fn() -> String) -> Result<T> {
        let corrupted = |source: crate::BoxError| Error::Corrupted {
            key: location(),
            source,
        };
        match self {
            Body::Binary(bytes) => match bytes.split_first() {
                Some((&(FORMAT_NAMED | FORMAT_POSITIONAL), rest)) => {
                    rmp_serde::from_slice(rest).map_err(|e| corrupted(Box::new(e)))
                }
                Some((format, _)) => Err(corrupted(format!("unknown format byte {format}").into())),
                None => Err(corrupted("empty value".into())),
            },
            Body::Json(text) => serde_json::from_str(text).map_err(|e| corrupted(Box::new(e))),
        }
    }

    /// The bytes as stored.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Binary(bytes) => bytes,
            Body::Json(text) => text.as_bytes(),
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Binary(bytes) => write!(f, "Binary({} bytes)", bytes.len()),
            Body::Json(text) => write!(f, "Json({text})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Before {
        id: u32,
        name: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct After {
        id: u32,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        note: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Tagged {
        Person { given: String },
        Org { name: String, size: u32 },
    }

    #[test]
    fn a_field_added_at_the_end_takes_its_default_in_every_format() {
        let before = Before {
            id: 7,
            name: "علی".into(),
        };
        let named = {
            let mut bytes = vec![FORMAT_NAMED];
            bytes.extend(rmp_serde::to_vec_named(&before).unwrap());
            Body::Binary(bytes)
        };
        for body in [
            Body::binary(&before).unwrap(),
            named,
            Body::json(&before).unwrap(),
        ] {
            let after: After = body.decode().unwrap();
            assert_eq!(
                after,
                After {
                    id: 7,
                    name: "علی".into(),
                    tags: vec![],
                    note: None
                }
            );
        }
    }

    #[test]
    fn internally_tagged_enums_round_trip_positionally() {
        for value in [
            Tagged::Person {
                given: "Ali".into(),
            },
            Tagged::Org {
                name: "Pars".into(),
                size: 3,
            },
        ] {
            let back: Tagged = Body::binary(&value).unwrap().decode().unwrap();
            assert_eq!(back, value);
        }
    }

    #[test]
    fn damage_is_corruption_not_a_panic() {
        for bytes in [vec![], vec![9, 1, 2], vec![FORMAT_POSITIONAL, 0xc1]] {
            let err = Body::Binary(bytes).decode::<Before>().unwrap_err();
            assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
        }
        let err = Body::Json("{".into()).decode::<Before>().unwrap_err();
        assert!(matches!(err, Error::Corrupted { .. }));
    }
}
