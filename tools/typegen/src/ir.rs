//! The models as the emitters see them: read from the JSON Schemas payquery-core's derives
//! produce (schemars), reduced to what a host type needs — field names, types, optionality,
//! docs — and the markers the core puts on its own schemas (`x-provider`, `x-open-enum`,
//! `x-secret`, `x-token-query`, `format: unix-time`).

use serde_json::{Map, Value};

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A string (`secret`: a credential; `date-time`: see [`Ty::DateTime`]).
    Str { secret: bool },
    /// A boolean.
    Bool,
    /// A 64-bit integer (`bigint` in JavaScript, `int` in Python).
    Int64,
    /// A non-negative count or size that is an input (`number` in JavaScript).
    Count,
    /// A point in time written as Unix seconds (an int64 on the wire).
    UnixTime,
    /// A point in time written as RFC 3339 text.
    DateTime,
    /// Another definition, by name.
    Ref(String),
    /// A list.
    Array(Box<Ty>),
    /// A fixed-length list of these (a Rust tuple: a header's `(name, value)`).
    Tuple(Vec<Ty>),
}

/// One member of an object.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name on the wire.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// May be absent.
    pub optional: bool,
    /// May be `null` when present.
    pub nullable: bool,
    /// An input where `null` is a value with a meaning of its own (`x-null-allowed`), not
    /// the same as leaving the key out.
    pub null_allowed: bool,
    /// Its documentation.
    pub doc: String,
}

/// One alternative of a per-provider union.
#[derive(Debug, Clone)]
pub struct Alternative {
    /// The provider id.
    pub provider: String,
    /// The definition it holds.
    pub def: String,
}

/// One variant of a tagged union.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The tag's value.
    pub value: String,
    /// Docs.
    pub doc: String,
    /// Its members, the tag left out.
    pub fields: Vec<Field>,
}

/// A definition.
#[derive(Debug, Clone)]
pub enum Def {
    /// An object with named members.
    Object {
        /// Docs.
        doc: String,
        /// Members, in declaration order.
        fields: Vec<Field>,
        /// Optional members of which exactly one must be present (`x-exactly-one-of`).
        exactly_one_of: Vec<String>,
    },
    /// A closed set of strings, each with its docs.
    Enum {
        /// Docs.
        doc: String,
        /// `(value, doc)`.
        values: Vec<(String, String)>,
    },
    /// Documented strings, and any other string.
    OpenStr {
        /// Docs.
        doc: String,
        /// The documented values.
        known: Vec<String>,
    },
    /// Documented integers, and any other integer.
    OpenInt {
        /// Docs.
        doc: String,
        /// The documented values.
        known: Vec<i64>,
    },
    /// One definition per provider.
    PerProvider {
        /// Docs.
        doc: String,
        /// In the core's order.
        alternatives: Vec<Alternative>,
    },
    /// Objects told apart by one constant member (serde's internally tagged enums: `kind`).
    Tagged {
        /// Docs.
        doc: String,
        /// The member whose value names the variant.
        tag: String,
        /// In the core's order.
        variants: Vec<Variant>,
    },
    /// A type with no values (a provider that never sends a notification).
    Never {
        /// Docs.
        doc: String,
    },
    /// Inline object alternatives (the Mini Program's order-or-token query).
    Alternatives {
        /// Docs.
        doc: String,
        /// `(members, is a token query)`.
        objects: Vec<(Vec<Field>, bool)>,
    },
}

/// Every definition, in the order the schemas list them.
#[derive(Debug, Default)]
pub struct Model {
    /// `(name, definition)`.
    pub defs: Vec<(String, Def)>,
}

impl Model {
    /// Reads the `$defs` of a schemars generator.
    pub fn read(defs: &Map<String, Value>) -> Result<Model, String> {
        let mut model = Model::default();
        for (name, schema) in defs {
            model.defs.push((name.clone(), read_def(name, schema)?));
        }
        Ok(model)
    }

    /// A definition by name.
    pub fn get(&self, name: &str) -> Option<&Def> {
        self.defs.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }

    /// Every definition reachable from `roots`, each once, roots first.
    pub fn reachable(&self, roots: &[&str]) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        let mut queue: Vec<String> = roots.iter().map(|r| (*r).to_owned()).collect();
        while let Some(name) = queue.first().cloned() {
            queue.remove(0);
            if seen.contains(&name) {
                continue;
            }
            let Some(def) = self.get(&name) else { continue };
            seen.push(name);
            let mut refs = Vec::new();
            match def {
                Def::Object { fields, .. } => fields.iter().for_each(|f| refs_of(&f.ty, &mut refs)),
                Def::Alternatives { objects, .. } => objects
                    .iter()
                    .flat_map(|(fields, _)| fields)
                    .for_each(|f| refs_of(&f.ty, &mut refs)),
                Def::PerProvider { alternatives, .. } => {
                    refs.extend(alternatives.iter().map(|a| a.def.clone()))
                }
                Def::Tagged { variants, .. } => variants
                    .iter()
                    .flat_map(|v| &v.fields)
                    .for_each(|f| refs_of(&f.ty, &mut refs)),
                _ => {}
            }
            queue.extend(refs);
        }
        seen
    }
}

/// The definitions a type names, at any depth.
pub fn refs_of(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Ref(name) => out.push(name.clone()),
        Ty::Array(inner) => refs_of(inner, out),
        Ty::Tuple(items) => items.iter().for_each(|t| refs_of(t, out)),
        _ => {}
    }
}

/// A schema's description, each line without the one leading space a `///` comment leaves, and
/// rustdoc's intra-doc links (`` [`Money`] ``) as plain code spans: the hosts have no such links.
fn doc_of(schema: &Value) -> String {
    let text = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    text.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .replace("[`", "`")
        .replace("`]", "`")
}

fn read_def(name: &str, schema: &Value) -> Result<Def, String> {
    let doc = doc_of(schema);
    if let Some(known) = schema.get("x-open-enum").and_then(Value::as_array) {
        return Ok(if schema.get("type") == Some(&Value::from("integer")) {
            Def::OpenInt {
                doc,
                known: known.iter().filter_map(Value::as_i64).collect(),
            }
        } else {
            Def::OpenStr {
                doc,
                known: known
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            }
        });
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Ok(Def::Enum {
            doc,
            values: values
                .iter()
                .filter_map(Value::as_str)
                .map(|v| (v.to_owned(), String::new()))
                .collect(),
        });
    }
    if schema.get("not") == Some(&Value::Object(Map::new())) {
        return Ok(Def::Never { doc });
    }
    if let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) {
        if let Some(tag) = tag_of(one_of) {
            let variants = one_of
                .iter()
                .map(|v| {
                    let value = v
                        .pointer(&format!("/properties/{tag}/const"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let fields = read_fields(name, v)?
                        .into_iter()
                        .filter(|f| f.name != tag)
                        .collect();
                    Ok(Variant {
                        value,
                        doc: doc_of(v),
                        fields,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            return Ok(Def::Tagged { doc, tag, variants });
        }
        let values = one_of
            .iter()
            .map(|v| {
                v.get("const")
                    .and_then(Value::as_str)
                    .map(|c| (c.to_owned(), doc_of(v)))
                    .ok_or_else(|| format!("{name}: a oneOf that is not of constants"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Def::Enum { doc, values });
    }
    if let Some(any_of) = schema.get("anyOf").and_then(Value::as_array) {
        if any_of.iter().all(|a| a.get("x-provider").is_some()) {
            let alternatives = any_of
                .iter()
                .map(|a| {
                    let provider = a.get("x-provider").and_then(Value::as_str);
                    let def = a
                        .pointer("/allOf/0/$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/$defs/"));
                    match (provider, def) {
                        (Some(p), Some(d)) => Ok(Alternative {
                            provider: p.to_owned(),
                            def: d.to_owned(),
                        }),
                        _ => Err(format!(
                            "{name}: a per-provider alternative without its $ref"
                        )),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Def::PerProvider { doc, alternatives });
        }
        let objects = any_of
            .iter()
            .map(|a| {
                let token = a.get("x-token-query") == Some(&Value::Bool(true));
                read_fields(name, a).map(|fields| (fields, token))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Def::Alternatives { doc, objects });
    }
    if schema.get("type") == Some(&Value::from("object")) {
        let exactly_one_of: Vec<String> = schema
            .get("x-exactly-one-of")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let fields = read_fields(name, schema)?;
        if let Some(unknown) = exactly_one_of
            .iter()
            .find(|n| !fields.iter().any(|f| &f.name == *n && f.optional))
        {
            return Err(format!(
                "{name}: x-exactly-one-of names {unknown}, not an optional member"
            ));
        }
        return Ok(Def::Object {
            doc,
            fields,
            exactly_one_of,
        });
    }
    Err(format!("{name}: a schema typegen does not know: {schema}"))
}

/// The member every alternative of a `oneOf` holds as a string constant (serde's `tag`), when
/// the alternatives are objects told apart that way.
fn tag_of(one_of: &[Value]) -> Option<String> {
    let first = one_of.first()?.get("properties")?.as_object()?;
    first
        .iter()
        .find(|(name, _)| {
            one_of.iter().all(|v| {
                v.get("type") == Some(&Value::from("object"))
                    && v.pointer(&format!("/properties/{name}/const"))
                        .is_some_and(Value::is_string)
                    && v.get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.contains(&Value::from(name.as_str())))
            })
        })
        .map(|(name, _)| name.clone())
}

fn read_fields(name: &str, schema: &Value) -> Result<Vec<Field>, String> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{name}: an object without properties"))?;
    properties
        .iter()
        .map(|(field, property)| {
            let (ty, nullable) = read_ty(property).map_err(|e| format!("{name}.{field}: {e}"))?;
            Ok(Field {
                name: field.clone(),
                ty,
                optional: !required.contains(&field.as_str()),
                nullable,
                null_allowed: property.get("x-null-allowed") == Some(&Value::Bool(true)),
                doc: doc_of(property),
            })
        })
        .collect()
}

/// A property's type, and whether it may be `null`.
fn read_ty(schema: &Value) -> Result<(Ty, bool), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/$defs/")
            .ok_or_else(|| format!("a $ref outside $defs: {reference}"))?;
        return Ok((Ty::Ref(name.to_owned()), false));
    }
    if let Some(any_of) = schema.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = any_of
            .iter()
            .filter(|a| a.get("type") != Some(&Value::from("null")))
            .collect();
        return match non_null.as_slice() {
            [only] if non_null.len() < any_of.len() => read_ty(only).map(|(ty, _)| (ty, true)),
            _ => Err(format!("a union typegen does not know: {schema}")),
        };
    }
    let (kind, nullable) = match schema.get("type") {
        Some(Value::String(kind)) => (kind.as_str(), false),
        Some(Value::Array(kinds)) => {
            let kinds: Vec<&str> = kinds.iter().filter_map(Value::as_str).collect();
            match kinds.as_slice() {
                [kind, "null"] | ["null", kind] => (*kind, true),
                _ => return Err(format!("types typegen does not know: {kinds:?}")),
            }
        }
        _ => return Err(format!("a schema without a type: {schema}")),
    };
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ty = match (kind, format) {
        ("string", "date-time") => Ty::DateTime,
        ("string", _) => Ty::Str {
            secret: schema.get("x-secret") == Some(&Value::Bool(true)),
        },
        ("boolean", _) => Ty::Bool,
        ("integer", "unix-time") => Ty::UnixTime,
        ("integer", "int64") => Ty::Int64,
        ("integer", _) => Ty::Count,
        ("array", _) if schema.get("prefixItems").is_some() => {
            let items = schema
                .get("prefixItems")
                .and_then(Value::as_array)
                .ok_or("prefixItems that is not a list")?;
            // A closed tuple only: its length is fixed.
            if schema.get("minItems").and_then(Value::as_u64) != Some(items.len() as u64)
                || schema.get("maxItems").and_then(Value::as_u64) != Some(items.len() as u64)
            {
                return Err(format!("a tuple that is not of fixed length: {schema}"));
            }
            Ty::Tuple(
                items
                    .iter()
                    .map(|i| read_ty(i).map(|(t, _)| t))
                    .collect::<Result<_, _>>()?,
            )
        }
        ("array", _) => {
            let items = schema.get("items").ok_or("an array without items")?;
            Ty::Array(Box::new(read_ty(items)?.0))
        }
        _ => return Err(format!("a type typegen does not know: {kind} {format}")),
    };
    Ok((ty, nullable))
}

/// `snake_case` → `camelCase`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `snake_case` → `PascalCase`.
pub fn pascal(name: &str) -> String {
    let camel = camel(name);
    let mut chars = camel.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
