//! A generator of messy legacy databases (the seed's section 1 layout, DESIGN.md's
//! "Reference server" column names): chat renders, tool renders of every catalog tool
//! (some spelled in another case), imageTypes the catalog does not have (valid slugs, a
//! name, a number) or blank, malformed and odd settings, renders and graphs whose chain
//! is gone or in another project, orphans of missing projects, several graphs per chain
//! and duplicate chain names in a project. Deterministic in its seed; it returns what it
//! planted, so a test can reconcile the migration report against it.

use crate::db::{Backend, Db, DbError, DbResult, Param, Query, Tx};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What the fixture holds, by the migration's categories.
#[derive(Debug, Default, Serialize)]
pub struct Planted {
    pub users: u64,
    pub projects: u64,
    pub projects_owner_missing: u64,
    pub projects_tools: u64,
    pub render_chains: u64,
    pub render_chains_project_missing: u64,
    pub renders: u64,
    /// Chat renders in their chain (or none), blank imageTypes included.
    pub renders_chat: u64,
    pub renders_blank_image_type: u64,
    /// Tool renders by catalog slug.
    pub renders_tool: BTreeMap<String, u64>,
    /// Tool renders of tools the catalog does not have, by the slug their tool gets.
    pub renders_offline_tool: BTreeMap<String, u64>,
    pub renders_malformed_settings: u64,
    pub renders_project_missing: u64,
    /// Chat renders whose chain is missing or in another project.
    pub renders_chain_missing: u64,
    pub canvas_graphs: u64,
    /// Graphs in their chain's file, readable.
    pub canvas_graphs_moved: u64,
    pub canvas_graphs_chain_missing: u64,
    pub canvas_graphs_chain_other_project: u64,
    pub canvas_graphs_project_missing: u64,
    pub canvas_graphs_malformed: u64,
}

/// splitmix64: small, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            ((self.next() as u128) << 64 | self.next() as u128).to_le_bytes(),
        )
        .into_uuid()
    }
}

fn ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT);
             CREATE TABLE projects (id TEXT PRIMARY KEY, user_id TEXT, name TEXT, slug TEXT UNIQUE,
                description TEXT, original_image_id TEXT, status TEXT, is_public INTEGER, tags TEXT,
                metadata TEXT, created_at TEXT, updated_at TEXT);
             CREATE TABLE render_chains (id TEXT PRIMARY KEY, project_id TEXT, name TEXT, description TEXT,
                created_at TEXT, updated_at TEXT);
             CREATE TABLE renders (id TEXT PRIMARY KEY, project_id TEXT, user_id TEXT, type TEXT, prompt TEXT,
                settings TEXT, chain_id TEXT, chain_position INTEGER, output_url TEXT, status TEXT,
                created_at TEXT, updated_at TEXT);
             CREATE TABLE canvas_graphs (id TEXT PRIMARY KEY, chain_id TEXT, project_id TEXT, user_id TEXT,
                nodes TEXT, connections TEXT, viewport TEXT, version INTEGER, created_at TEXT, updated_at TEXT);"
        }
        Backend::Postgres => {
            "CREATE TABLE users (id UUID PRIMARY KEY, email TEXT);
             CREATE TABLE projects (id UUID PRIMARY KEY, user_id UUID, name TEXT, slug TEXT UNIQUE,
                description TEXT, original_image_id UUID, status TEXT, is_public BOOLEAN, tags JSONB,
                metadata JSONB, created_at TIMESTAMP, updated_at TIMESTAMP);
             CREATE TABLE render_chains (id UUID PRIMARY KEY, project_id UUID, name TEXT, description TEXT,
                created_at TIMESTAMP, updated_at TIMESTAMP);
             CREATE TABLE renders (id UUID PRIMARY KEY, project_id UUID, user_id UUID, type TEXT, prompt TEXT,
                settings JSONB, chain_id UUID, chain_position INTEGER, output_url TEXT, status TEXT,
                created_at TIMESTAMP, updated_at TIMESTAMP);
             CREATE TABLE canvas_graphs (id UUID PRIMARY KEY, chain_id UUID, project_id UUID, user_id UUID,
                nodes JSONB, connections JSONB, viewport JSONB, version INTEGER, created_at TIMESTAMP,
                updated_at TIMESTAMP);"
        }
    }
}

/// A JSON column value: on SQLite any text (malformed too); on PostgreSQL JSON only.
enum J {
    Json(Value),
    Broken(&'static str),
}

/// One column value of a fixture row.
enum V {
    P(Param),
    Ts(String),
    J(J),
}

/// Inserts rows in batches of multi-row VALUES.
async fn insert(tx: &mut Tx, table: &str, cols: &[&str], rows: Vec<Vec<V>>) -> DbResult<()> {
    let backend = tx.backend();
    for chunk in rows.chunks(200) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut params = Vec::new();
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for (j, v) in row.iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                let n = params.len() + 1;
                let (frag, p) = match (v, backend) {
                    (V::P(p), _) => (format!("${n}"), p.clone()),
                    (V::Ts(t), Backend::Sqlite) => (format!("${n}"), Param::Text(Some(t.clone()))),
                    (V::Ts(t), Backend::Postgres) => (
                        format!("CAST(${n} AS TIMESTAMP)"),
                        Param::Text(Some(t.clone())),
                    ),
                    (V::J(J::Json(Value::Null)), _) => (format!("${n}"), Param::Json(None)),
                    (V::J(J::Json(j)), _) => (format!("${n}"), Param::from(j.clone())),
                    (V::J(J::Broken(s)), Backend::Sqlite) => {
                        (format!("${n}"), Param::Text(Some((*s).to_owned())))
                    }
                    (V::J(J::Broken(_)), Backend::Postgres) => {
                        (format!("${n}"), Param::from(json!("not an object")))
                    }
                };
                sql.push_str(&frag);
                params.push(p);
            }
            sql.push(')');
        }
        let mut q = Query::new(sql);
        for p in params {
            q = q.bind(p);
        }
        tx.execute(q).await?;
    }
    Ok(())
}

fn id(u: Uuid) -> V {
    V::P(Param::Id(Some(u)))
}
fn opt_id(u: Option<Uuid>) -> V {
    V::P(Param::Id(u))
}
fn text(s: impl Into<String>) -> V {
    V::P(Param::Text(Some(s.into())))
}
fn opt_text(s: Option<String>) -> V {
    V::P(Param::Text(s))
}
fn int(n: i64) -> V {
    V::P(Param::Int(Some(n)))
}

/// Legacy timestamps: ISO text in several spellings on SQLite, TIMESTAMP on PostgreSQL.
fn ts(backend: Backend, day: u64, k: u64) -> V {
    let (d, h, m) = (1 + day % 28, (k / 60) % 24, k % 60);
    V::Ts(match (backend, k % 3) {
        (Backend::Sqlite, 0) => format!("2025-01-{d:02}T{h:02}:{m:02}:00Z"),
        (Backend::Sqlite, 1) => format!("2025-01-{d:02} {h:02}:{m:02}:00"),
        (Backend::Sqlite, _) => format!("2025-01-{d:02}T{h:02}:{m:02}:00.125+00:00"),
        (Backend::Postgres, _) => format!("2025-01-{d:02} {h:02}:{m:02}:00.125"),
    })
}

/// The node id several legacy graphs share (copied canvases).
const SHARED_NODE_ID: &str = "5f0c2a8e-1d3b-4c6f-9a7e-2b4d6f8a0c1e";

const CHAIN_NAMES: &[&str] = &[
    "Kitchen",
    "Living room",
    "Untitled",
    "Façade",
    "Kitchen",
    "Roof terrace",
    "",
    "Entrance hall",
];

pub async fn generate(db: &Db, renders: usize, seed: u64) -> DbResult<Planted> {
    let backend = db.backend();
    if super::table_exists(db, "renders").await? {
        return Err(DbError::Setup("the database is not empty".into()));
    }
    let catalog = crate::catalog::builtin()?;
    let mut rng = Rng(seed);
    let mut planted = Planted::default();
    let mut tx = db.begin().await?;
    tx.execute_script(ddl(backend)).await?;

    // users
    let users: Vec<Uuid> = (0..25).map(|_| rng.uuid()).collect();
    let rows = users
        .iter()
        .enumerate()
        .map(|(i, u)| vec![id(*u), text(format!("user{i}@legacy.example"))])
        .collect();
    insert(&mut tx, "users", &["id", "email"], rows).await?;
    planted.users = users.len() as u64;

    // projects: some owned by deleted users, some tools projects, odd slugs and statuses
    let mut projects: Vec<(Uuid, bool)> = Vec::new(); // (id, migrates)
    let mut rows = Vec::new();
    for i in 0..80u64 {
        let pid = rng.uuid();
        let owner_missing = i == 77 || i == 78;
        let owner = if owner_missing {
            rng.uuid()
        } else {
            users[(i % 20) as usize]
        };
        let tools = i % 8 == 0;
        planted.projects_tools += u64::from(tools);
        planted.projects_owner_missing += u64::from(owner_missing);
        let slug = if i % 11 == 5 {
            format!("Villa Rosa {i}")
        } else {
            format!("project-{i}")
        };
        let status = ["active", "archived", "draft", ""][(i % 4) as usize];
        let tags = if i % 7 == 3 {
            J::Json(json!("oops"))
        } else {
            J::Json(json!(["villa", format!("t{}", i % 5)]))
        };
        let metadata = if tools {
            json!({"isToolsProject": true})
        } else {
            json!({"source": "legacy"})
        };
        rows.push(vec![
            id(pid),
            id(owner),
            text(format!("Project {i}")),
            text(slug),
            opt_text((i % 2 == 0).then(|| format!("Description {i}"))),
            opt_id(None),
            opt_text((!status.is_empty()).then(|| status.to_owned())),
            V::P(Param::Bool(i % 5 == 0)),
            V::J(tags),
            V::J(J::Json(metadata)),
            ts(backend, i, i),
            ts(backend, i + 1, i),
        ]);
        projects.push((pid, !owner_missing));
    }
    insert(
        &mut tx,
        "projects",
        &[
            "id",
            "user_id",
            "name",
            "slug",
            "description",
            "original_image_id",
            "status",
            "is_public",
            "tags",
            "metadata",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    planted.projects = projects.len() as u64;

    // chains, a few of them pointing at a missing project
    let mut chains: Vec<(Uuid, Uuid, bool)> = Vec::new(); // (id, project, project exists)
    let mut rows = Vec::new();
    for j in 0..400u64 {
        let cid = rng.uuid();
        let (pid, exists) = if j % 97 == 13 {
            (rng.uuid(), false)
        } else {
            (projects[(j % 80) as usize].0, true)
        };
        planted.render_chains_project_missing += u64::from(!exists);
        rows.push(vec![
            id(cid),
            id(pid),
            text(CHAIN_NAMES[(j % CHAIN_NAMES.len() as u64) as usize]),
            opt_text(None),
            ts(backend, j, j),
            ts(backend, j, j + 1),
        ]);
        chains.push((cid, pid, exists));
    }
    insert(
        &mut tx,
        "render_chains",
        &[
            "id",
            "project_id",
            "name",
            "description",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    planted.render_chains = chains.len() as u64;
    let project_ok = |pid: Uuid| projects.iter().any(|(p, ok)| *p == pid && *ok);

    // renders
    let mut positions: BTreeMap<Uuid, i64> = BTreeMap::new();
    let mut rows = Vec::new();
    for r in 0..renders as u64 {
        let rid = rng.uuid();
        let chain_index = rng.below(chains.len() as u64) as usize;
        let (cid, pid, chain_exists) = chains[chain_index];
        let kind = r % 20;
        let status = match r % 13 {
            0 => None,
            1 => Some("failed"),
            2 => Some("done"),
            3 => Some("pending"),
            _ => Some("completed"),
        };
        let typ = ["image", "image", "video", "IMAGE"][(r % 4) as usize];
        let mut chain = Some(cid);
        let mut project = pid;
        let settings: J;
        let mut tool_slug = None;
        let mut offline_slug = None;
        if kind <= 8 {
            settings =
                J::Json(json!({"style": "modern", "quality": "high", "aspectRatio": "16:9"}));
        } else if kind <= 16 {
            let tool = &catalog.tools[(r % catalog.tools.len() as u64) as usize];
            let mut s = tool.default_settings.clone();
            s.insert("imageType".into(), json!(tool.slug));
            s.insert("style".into(), json!("minimal"));
            s.insert("aspectRatio".into(), json!("4:3"));
            s.insert(
                "inputImageUrl".into(),
                json!(format!("https://cdn.legacy.example/in/{rid}.jpg")),
            );
            if tool.input_type != studio_core::model::InputType::Image {
                s.insert("userPrompt".into(), json!("a warm timber house"));
            }
            if r % 7 == 0 {
                // A value the tool's schema refuses: it stays in the render's settings.
                if let Some(k) = tool
                    .settings_schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .and_then(|p| p.keys().next())
                {
                    s.insert(k.clone(), json!({"bogus": true}));
                }
            }
            if r % 3 != 0 {
                chain = None;
            }
            settings = J::Json(Value::Object(s));
            tool_slug = Some(tool.slug.clone());
        } else if kind == 17 {
            // imageTypes the catalog does not have (or spells otherwise), and blank ones.
            let (it, slug): (Value, Option<&str>) = match (r / 20) % 6 {
                0 => (json!("legacy-magic-eraser"), Some("legacy-magic-eraser")),
                1 => (json!(""), None),
                2 => (json!(7), Some("7")),
                3 => (json!("Magic Eraser!"), Some("magic-eraser")),
                4 => (json!(" Render-To-Section "), None),
                _ => (json!("legacy-sky-replace"), Some("legacy-sky-replace")),
            };
            settings = J::Json(json!({"imageType": it, "quality": "high",
                "inputImageUrl": format!("https://cdn.legacy.example/in/{rid}.jpg")}));
            if (r / 20) % 6 == 4 {
                tool_slug = Some("render-to-section".to_owned());
            }
            offline_slug = slug.map(str::to_owned);
        } else if kind == 18 {
            settings = match (backend, r % 4) {
                (Backend::Sqlite, 0) => J::Broken("{\"quality\": \"high\""),
                (Backend::Sqlite, 1) => J::Broken("imageType=render-to-section"),
                (_, 2) => J::Json(json!([1, 2, 3])),
                _ => J::Json(json!("just a string")),
            };
        } else {
            settings = J::Json(json!({"quality": "standard"}));
            match r % 3 {
                0 => project = rng.uuid(),
                1 => chain = Some(rng.uuid()),
                // The next chain: another project's (or one whose project is gone).
                _ => chain = Some(chains[(chain_index + 1) % chains.len()].0),
            }
        }
        // The migration's order of checks: project, settings, tool, chain.
        let chain_ok = chain.is_none_or(|c| c == cid && chain_exists && project_ok(pid));
        if !project_ok(project) {
            planted.renders_project_missing += 1;
        } else if kind == 18 {
            planted.renders_malformed_settings += 1;
        } else if let Some(slug) = tool_slug {
            *planted.renders_tool.entry(slug).or_default() += 1;
        } else if let Some(slug) = offline_slug {
            *planted.renders_offline_tool.entry(slug).or_default() += 1;
        } else if !chain_ok {
            planted.renders_chain_missing += 1;
        } else {
            planted.renders_chat += 1;
            planted.renders_blank_image_type += u64::from(kind == 17);
        }
        let position = chain.map(|c| {
            let n = positions.entry(c).or_default();
            *n += 1;
            *n - 1
        });
        rows.push(vec![
            id(rid),
            id(project),
            opt_id(Some(users[(r % 25) as usize])),
            text(typ),
            text("Render the design"),
            V::J(settings),
            opt_id(chain),
            V::P(Param::Int(position)),
            opt_text(Some(format!(
                "https://cdn.legacy.example/renders/{rid}.png"
            ))),
            opt_text(status.map(str::to_owned)),
            ts(backend, r, r),
            ts(backend, r, r + 2),
        ]);
    }
    planted.renders = rows.len() as u64;
    insert(
        &mut tx,
        "renders",
        &[
            "id",
            "project_id",
            "user_id",
            "type",
            "prompt",
            "settings",
            "chain_id",
            "chain_position",
            "output_url",
            "status",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;

    // graphs: one or two per chain, orphans, malformed ones
    let mut rows = Vec::new();
    let graph = |rng: &mut Rng, chain: Uuid, project: Uuid, k: u64, broken: bool| -> Vec<V> {
        let n = k % 9;
        // Some graphs are copies of one canvas: their first node has the same UUID id.
        let node_id = |i: u64| {
            if i == 0 && k % 7 == 3 {
                SHARED_NODE_ID.to_owned()
            } else {
                format!("node-{i}")
            }
        };
        let nodes: Vec<Value> = (0..n)
            .map(|i| json!({"id": node_id(i), "type": "imageNode", "position": {"x": i * 220, "y": (i % 3) * 160},
                            "data": {"label": format!("Step {i}")}, "selected": i == 0, "width": 200, "height": 150}))
            .collect();
        let mut edges: Vec<Value> = (1..n)
            .map(|i| json!({"id": format!("e{i}"), "source": node_id(i - 1), "target": node_id(i), "sourceHandle": "out", "targetHandle": null}))
            .collect();
        if k.is_multiple_of(4) {
            edges.push(json!({"id": "dangling", "source": node_id(0), "target": "node-99"}));
        }
        vec![
            id(rng.uuid()),
            id(chain),
            id(project),
            opt_id(Some(users[(k % 25) as usize])),
            V::J(if broken {
                J::Broken("[{\"id\": ")
            } else {
                J::Json(Value::Array(nodes))
            }),
            V::J(if broken {
                J::Json(json!({"not": "a list"}))
            } else {
                J::Json(Value::Array(edges))
            }),
            V::J(J::Json(if k.is_multiple_of(5) {
                Value::Null
            } else {
                json!({"x": 10, "y": -20, "zoom": 0.8})
            })),
            int((k % 4) as i64 + 1),
            ts(backend, k, k),
            ts(backend, k, k + 3),
        ]
    };
    for (j, (cid, pid, exists)) in chains.iter().enumerate() {
        let j = j as u64;
        if j % 3 == 2 {
            continue;
        }
        let copies = if j.is_multiple_of(10) { 2 } else { 1 };
        for c in 0..copies {
            let broken = j % 50 == 1;
            rows.push(graph(&mut rng, *cid, *pid, j + c, broken));
            if !exists || !project_ok(*pid) {
                planted.canvas_graphs_project_missing += 1;
            } else if broken {
                planted.canvas_graphs_malformed += 1;
            } else {
                planted.canvas_graphs_moved += 1;
            }
        }
    }
    // Graphs whose chain is gone, or is another project's.
    for k in 0..10u64 {
        let pid = projects[(k * 7 % 77) as usize].0;
        let chain = if k % 2 == 0 {
            planted.canvas_graphs_chain_missing += 1;
            rng.uuid()
        } else {
            planted.canvas_graphs_chain_other_project += 1;
            chains[k as usize].0
        };
        rows.push(graph(&mut rng, chain, pid, k, false));
    }
    planted.canvas_graphs = rows.len() as u64;
    insert(
        &mut tx,
        "canvas_graphs",
        &[
            "id",
            "chain_id",
            "project_id",
            "user_id",
            "nodes",
            "connections",
            "viewport",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    tx.commit().await?;
    Ok(planted)
}
