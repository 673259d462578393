//! `check`: [`Migrator::check`](crate::runner::Migrator::check), printed, with the project's
//! models.

use crate::runner::Db;

use super::super::error::Error;
use super::Context;

/// `check`: `OK: ...` and exit 0, or a `FAILED: ...` line per problem and exit 3.
pub(super) async fn check(cx: &Context) -> Result<(), Error> {
    let url = &cx.url;
    if url.is_missing_file() {
        outln!("FAILED: {url} does not exist yet; `capp-migrate upgrade head` creates it")?;
        return Err(Error::CheckFailed);
    }
    let mut db = Db::connect(url).await?;
    let models = cx.models.as_ref().map(crate::Models::schema);
    let report = cx.migrator.check(&mut db, models.as_ref()).await?;
    if report.is_ok() {
        outln!(
            "OK: {url} is at head ({}) and every applied migration is unchanged",
            report.head
        )?;
        Ok(())
    } else {
        outln!("{report}")?;
        Err(Error::CheckFailed)
    }
}
