//! Type and action names as the catalogs spell them, read back into the model.

use std::collections::BTreeMap;

use crate::schema::{Action, ColumnType};

pub(crate) fn action(code: &str) -> Action {
    match code.trim().to_ascii_lowercase().as_str() {
        "r" | "restrict" => Action::Restrict,
        "c" | "cascade" => Action::Cascade,
        "n" | "set null" => Action::SetNull,
        "d" | "set default" => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// A type as PostgreSQL's `format_type` or SQLite's declaration spells it.
pub(crate) fn column_type(spelled: &str, enums: &BTreeMap<String, Vec<String>>) -> ColumnType {
    let lower = spelled.trim().to_ascii_lowercase();
    let args = |s: &str| -> Vec<u32> {
        s.split_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_default()
    };
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "smallint" | "int2" => ColumnType::SmallInt,
        "integer" | "int" | "int4" => ColumnType::Integer,
        "bigint" | "int8" => ColumnType::BigInt,
        "numeric" | "decimal" => match args(&lower)[..] {
            [p, s] => ColumnType::Numeric {
                precision: p as u8,
                scale: s as u8,
            },
            [p] => ColumnType::Numeric {
                precision: p as u8,
                scale: 0,
            },
            _ => ColumnType::Other(spelled.to_owned()),
        },
        "double precision" | "float8" => ColumnType::Double,
        "boolean" | "bool" => ColumnType::Boolean,
        "text" => ColumnType::Text,
        "character varying" | "varchar" => match args(&lower)[..] {
            [n] => ColumnType::Varchar(n),
            _ => ColumnType::Other(spelled.to_owned()),
        },
        "uuid" => ColumnType::Uuid,
        "date" => ColumnType::Date,
        "timestamp with time zone" | "timestamptz" => ColumnType::TimestampTz,
        "jsonb" => ColumnType::Jsonb,
        "bytea" | "blob" => ColumnType::Bytes,
        _ => {
            let name = spelled.trim().trim_matches('"');
            if enums.contains_key(name) {
                ColumnType::Enum(name.to_owned())
            } else {
                ColumnType::Other(spelled.to_owned())
            }
        }
    }
}
