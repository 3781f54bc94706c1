//! The tool catalog in the database: core's built-in catalog file, upserted into `tools`
//! at start, with one global default template per tool from its default settings.
//! `server_meta.catalog_version` records the loaded version; a newer file updates the
//! rows and logs their changes, an older or equal one changes nothing (several servers
//! of different versions may share one database).

use crate::apply::apps::template_entry;
use crate::changelog::{self, Audience, Entry};
use crate::db::{Db, DbError, DbResult, Query};
use crate::store;
use studio_core::catalog::{self, Catalog};
use studio_core::model::{Tool, ToolSettingsTemplate, ToolStatus};
use studio_core::protocol::EntityKind;

pub fn builtin() -> DbResult<Catalog> {
    catalog::builtin().map_err(|e| DbError::Setup(format!("tool catalog: {e}")))
}

pub fn global_template(tool: &Tool) -> ToolSettingsTemplate {
    ToolSettingsTemplate {
        id: studio_core::ids::global_template_id(tool.id),
        tool_id: tool.id,
        user_id: None,
        name: format!("{} defaults", tool.name),
        settings: tool.default_settings.clone(),
        is_default: true,
        created_at: tool.created_at,
        updated_at: tool.updated_at,
    }
}

async fn stored_version(tx: &mut crate::db::Tx) -> DbResult<Option<i64>> {
    let row = tx
        .fetch_optional(Query::new(
            "SELECT value FROM server_meta WHERE key = 'catalog_version'",
        ))
        .await?;
    Ok(row
        .map(|r| r.text("value"))
        .transpose()?
        .and_then(|v| v.parse().ok()))
}

/// Loads the built-in catalog into the database when it is newer than what is there.
/// Returns the number of tools written.
pub async fn load(db: &Db) -> DbResult<usize> {
    load_catalog(db, &builtin()?).await
}

pub async fn load_catalog(db: &Db, catalog: &Catalog) -> DbResult<usize> {
    let version = i64::from(catalog.version);
    let mut tx = db.write().await?;
    if stored_version(&mut tx).await?.is_some_and(|v| v >= version) {
        tx.rollback().await?;
        return Ok(0);
    }
    let mut entries = Vec::new();
    for tool in &catalog.tools {
        if store::apps::tool_catalog_version(&mut tx, &tool.slug)
            .await?
            .is_some_and(|v| v >= version)
        {
            continue;
        }
        store::apps::upsert_tool(&mut tx, tool, version).await?;
        entries.push(Entry::put(
            EntityKind::Tool,
            tool.id,
            Audience::everyone(),
            None,
            tool,
        ));
        let t = global_template(tool);
        store::apps::upsert_template(&mut tx, &t).await?;
        entries.push(template_entry(&t));
    }
    let written = entries.len() / 2;
    // Tools a newer catalog dropped stay (executions point at them) but go offline.
    let dropped = tx
        .fetch_all(
            Query::new("SELECT id FROM tools WHERE catalog_version < $1 AND status <> 'offline'")
                .bind(version),
        )
        .await?;
    for row in dropped {
        if let Some(mut tool) = store::apps::get_tool(&mut tx, row.id("id")?).await? {
            tool.status = ToolStatus::Offline;
            tool.updated_at = crate::auth::now_ms();
            tx.execute(
                Query::new("UPDATE tools SET status = 'offline', updated_at = $2 WHERE id = $1")
                    .bind(tool.id)
                    .bind(tool.updated_at),
            )
            .await?;
            entries.push(Entry::put(
                EntityKind::Tool,
                tool.id,
                Audience::everyone(),
                None,
                &tool,
            ));
        }
    }
    changelog::record(&mut tx, entries).await?;
    tx.execute(
        Query::new(
            "INSERT INTO server_meta (key, value) VALUES ('catalog_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(version.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn tools(db: &Db) -> Vec<(String, String, String)> {
        let mut tx = db.begin().await.unwrap();
        let rows = tx
            .fetch_all(Query::new(
                "SELECT slug, name, status FROM tools ORDER BY slug",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.text("slug").unwrap(),
                    r.text("name").unwrap(),
                    r.text("status").unwrap(),
                )
            })
            .collect()
    }

    async fn log_len(db: &Db) -> i64 {
        let mut tx = db.begin().await.unwrap();
        tx.fetch_one(Query::new("SELECT MAX(seq) AS n FROM changes"))
            .await
            .unwrap()
            .i64("n")
            .unwrap()
    }

    #[tokio::test]
    async fn newer_catalogs_update_older_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&dir.path().join("t.sqlite").display().to_string())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let v1 = builtin().unwrap();
        assert_eq!(load_catalog(&db, &v1).await.unwrap(), v1.tools.len());
        assert_eq!(
            load_catalog(&db, &v1).await.unwrap(),
            0,
            "same version: nothing"
        );
        let before = log_len(&db).await;

        let mut v2 = v1.clone();
        v2.version += 1;
        v2.tools[0].name = "Render to plan".into();
        let dropped = v2.tools.pop().unwrap();
        load_catalog(&db, &v2).await.unwrap();
        let now = tools(&db).await;
        assert!(now.iter().any(|(_, n, _)| n == "Render to plan"));
        assert!(now
            .iter()
            .any(|(s, _, st)| *s == dropped.slug && st == "offline"));
        assert!(log_len(&db).await > before, "clients see the changes");

        let after = tools(&db).await;
        assert_eq!(
            load_catalog(&db, &v1).await.unwrap(),
            0,
            "an older catalog changes nothing"
        );
        assert_eq!(tools(&db).await, after);
    }
}
