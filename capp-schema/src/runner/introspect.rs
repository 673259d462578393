//! The actual schema of a database, without the runner's own tables.

use super::{Config, Db, RunError};
use crate::schema::Schema;

impl Db {
    /// The schema of the database, without the runner's version, history, lease and progress tables.
    pub async fn introspect(&mut self, config: &Config) -> Result<Schema, RunError> {
        let mut schema = self
            .introspect_all()
            .await
            .map_err(RunError::db("cannot read the database's schema"))?;
        schema.tables.remove(&config.version_table);
        schema.tables.remove(&config.history_table);
        schema
            .tables
            .remove(&crate::backend::lease_table(&config.history_table));
        schema
            .tables
            .remove(&crate::backend::development_table(&config.history_table));
        schema
            .tables
            .remove(&crate::backend::progress_table(&config.history_table));
        Ok(schema)
    }
}
