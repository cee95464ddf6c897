//! `open_enum!`: a provider's string enum that keeps undocumented values.
//!
//! Providers add states without notice; payquery must never fail to read an order because of
//! one (it maps it to `UNKNOWN` and keeps the raw value). Each such enum gets its documented
//! variants, an `Other(String)` catch-all, `as_str`, and serde impls that read and write the
//! plain string — simpler and far smaller (the npm package's `.wasm` pays for every serde
//! impl) than serde's `#[serde(untagged)]` fallback variant, which buffers the input.

/// Declares an open string enum: `open_enum! { /// doc \n pub enum Name { /// doc \n Variant =
/// "TEXT", … } }`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the provider does not document, verbatim.
            Other(String),
        }

        impl $name {
            /// The provider's value, verbatim.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(value) => value,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $text => Self::$variant, )*
                    _ => Self::Other(value),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    open_enum! {
        /// A test enum.
        pub enum Color {
            /// Red.
            Red = "RED",
        }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        let red: Color = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(red, Color::Red);
        let new: Color = serde_json::from_str("\"ULTRAVIOLET\"").unwrap();
        assert_eq!(new, Color::Other("ULTRAVIOLET".to_owned()));
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"ULTRAVIOLET\"");
        assert_eq!(Color::Red.as_str(), "RED");
        assert!(serde_json::from_str::<Color>("1").is_err());
    }
}
