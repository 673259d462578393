//! The schema model that operations describe: tables, columns and their types.

use std::fmt;

/// A column type, rendered per dialect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Exact decimal with precision and scale: money.
    Numeric { precision: u8, scale: u8 },
    /// Double-precision float.
    Double,
    /// `true`/`false`.
    Boolean,
    /// Unbounded text.
    Text,
    /// Text of at most `n` characters.
    Varchar(u32),
    /// A UUID.
    Uuid,
    /// A calendar date.
    Date,
    /// An instant, with time zone.
    TimestampTz,
    /// JSON, binary on PostgreSQL.
    Jsonb,
    /// Raw bytes.
    Bytes,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::SmallInt => f.write_str("SMALLINT"),
            ColumnType::Integer => f.write_str("INTEGER"),
            ColumnType::BigInt => f.write_str("BIGINT"),
            ColumnType::Numeric { precision, scale } => write!(f, "NUMERIC({precision}, {scale})"),
            ColumnType::Double => f.write_str("DOUBLE PRECISION"),
            ColumnType::Boolean => f.write_str("BOOLEAN"),
            ColumnType::Text => f.write_str("TEXT"),
            ColumnType::Varchar(n) => write!(f, "VARCHAR({n})"),
            ColumnType::Uuid => f.write_str("UUID"),
            ColumnType::Date => f.write_str("DATE"),
            ColumnType::TimestampTz => f.write_str("TIMESTAMPTZ"),
            ColumnType::Jsonb => f.write_str("JSONB"),
            ColumnType::Bytes => f.write_str("BYTEA"),
        }
    }
}

/// A column definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// A server-side default, as an SQL expression (`now()`, `'pending'`, `0`).
    pub default: Option<String>,
}

impl Column {
    /// A nullable column without a default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
        }
    }

    /// Marks the column `NOT NULL`.
    pub fn not_null(&mut self) -> &mut Column {
        self.nullable = false;
        self
    }

    /// Sets a server default, as an SQL expression.
    pub fn default_sql(&mut self, expr: impl Into<String>) -> &mut Column {
        self.default = Some(expr.into());
        self
    }
}

/// A table definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
}

impl Table {
    /// An empty table.
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
        }
    }

    /// Adds a column and returns it for further settings.
    pub fn column(&mut self, name: impl Into<String>, ty: ColumnType) -> &mut Column {
        self.columns.push(Column::new(name, ty));
        self.columns.last_mut().expect("a column was just pushed")
    }

    /// Sets the primary key; its columns become `NOT NULL`.
    pub fn primary_key<I, S>(&mut self, columns: I) -> &mut Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        for column in &mut self.columns {
            if self.primary_key.contains(&column.name) {
                column.nullable = false;
            }
        }
        self
    }
}
