//! `users` → `users`: same ids; a missing or repeated email gets a placeholder, since the
//! target's emails are unique and required.

use super::Plan;
use crate::legacy::read::{col, uuid_col, LRow};
use crate::legacy::report::Report;
use std::collections::HashSet;
use uuid::Uuid;

/// Plans the users; returns the ids placed.
pub(super) fn plan(rows: &[LRow], report: &mut Report, plan: &mut Plan) -> HashSet<Uuid> {
    let mut emails = HashSet::new();
    let mut users = HashSet::new();
    for r in rows {
        let t = report.table("users");
        let Some(id) = uuid_col(r, "id") else {
            t.skipped("id is not a UUID", col(r, "id").unwrap_or(""));
            continue;
        };
        let mut email = col(r, "email").unwrap_or("").trim().to_ascii_lowercase();
        if email.is_empty() || !emails.insert(email.clone()) {
            email = format!("legacy-{id}@legacy.invalid");
            emails.insert(email.clone());
        }
        t.kept();
        users.insert(id);
        plan.users.push((id, email));
    }
    users
}
