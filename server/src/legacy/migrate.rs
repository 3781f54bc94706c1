use crate::db::{Db, DbResult};
pub async fn run(_db: &Db, _d: bool) -> DbResult<super::report::Report> {
    Ok(super::report::Report::default())
}
