//! The actual schema of a database, without the runner's own tables.

use super::{Config, Db, RunError};
use crate::schema::Schema;

impl Db {
    /// The schema of the database, without the runner's version, history, lease and progress tables.
    pub async fn introspect(&mut self, config: &Config) -> Result<Schema, RunError> {
        let read = match &config.schema {
            // A tenant's schema: read as the search path's, in a transaction of its own (which a
            // transaction pooler keeps on one server connection).
            Some(tenant) => {
                let begin = format!("BEGIN;\n{}", self.search_path_sql(tenant));
                match self.execute(&begin).await {
                    Ok(()) => {
                        let read = self.introspect_all().await;
                        let _ = self.execute("COMMIT").await;
                        read
                    }
                    Err(error) => Err(error),
                }
            }
            None => self.introspect_all().await,
        };
        let mut schema = read.map_err(RunError::db("cannot read the database's schema"))?;
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
