//! `open_enum!` and `open_int_enum!`: a provider's enum that keeps undocumented values.
//!
//! Providers add states without notice; payquery must never fail to read an order because of
//! one (it maps it to `UNKNOWN` and keeps the raw value). Each such enum gets its documented
//! variants, an `Other { value }` catch-all, its wire form (`as_str` / `code`), and serde impls
//! that read and write the plain string or integer — simpler and far smaller (the npm package's
//! `.wasm` pays for every serde impl) than serde's `#[serde(untagged)]` fallback variant, which
//! buffers the input. Behind the `schema` feature each describes itself as its known values
//! plus "any other" (`x-open-enum`), so the generated host types list the documented values and
//! still accept the rest; behind `uniffi` it is a Kotlin sealed class / Swift enum.

/// Declares an open string enum: `open_enum! { /// doc \n pub enum Name { /// doc \n Variant =
/// "TEXT", … } }`.
macro_rules! open_enum {
    (
        $(#[doc = $doc:literal])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the provider does not document, verbatim.
            Other {
                /// The provider's value.
                value: String,
            },
        }

        impl $name {
            /// The provider's value, verbatim.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other { value } => value,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $text => Self::$variant, )*
                    _ => Self::Other { value },
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

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "x-open-enum": [ $( $text ),* ],
                    "description": concat!($( $doc, "\n", )* "\nA documented value, or any other string the provider sends.").trim(),
                })
            }
        }
    };
}

/// Declares an open integer enum (`open_int_enum! { pub enum Name { Variant = 1, … } }`): the
/// same as [`open_enum!`] for providers that number their states.
macro_rules! open_int_enum {
    (
        $(#[doc = $doc:literal])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the provider does not document, verbatim.
            Other {
                /// The provider's value.
                value: i64,
            },
        }

        impl $name {
            /// The provider's value.
            pub fn code(self) -> i64 {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Other { value } => value,
                }
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                match value {
                    $( $code => Self::$variant, )*
                    _ => Self::Other { value },
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                i64::deserialize(d).map(Self::from)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "integer",
                    "format": "int64",
                    "x-open-enum": [ $( $code ),* ],
                    "description": concat!($( $doc, "\n", )* "\nA documented value, or any other integer the provider sends.").trim(),
                })
            }
        }
    };
}

pub(crate) use {open_enum, open_int_enum};

#[cfg(test)]
mod tests {
    open_enum! {
        /// A test enum.
        pub enum Color {
            /// Red.
            Red = "RED",
        }
    }

    open_int_enum! {
        /// A numbered test enum.
        pub enum Level {
            /// One.
            One = 1,
        }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        let red: Color = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(red, Color::Red);
        let new: Color = serde_json::from_str("\"ULTRAVIOLET\"").unwrap();
        assert_eq!(
            new,
            Color::Other {
                value: "ULTRAVIOLET".to_owned()
            }
        );
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"ULTRAVIOLET\"");
        assert_eq!(Color::Red.as_str(), "RED");
        assert!(serde_json::from_str::<Color>("1").is_err());
        let one: Level = serde_json::from_str("1").unwrap();
        assert_eq!((one, one.code()), (Level::One, 1));
        let nine: Level = serde_json::from_str("9").unwrap();
        assert_eq!(nine, Level::Other { value: 9 });
        assert_eq!(serde_json::to_string(&nine).unwrap(), "9");
        assert!(serde_json::from_str::<Level>("\"1\"").is_err());
    }
}
