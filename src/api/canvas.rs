//! `store.canvas`: files and graphs, like Figma (Project → File → Graph).

use super::inputs::{CreateFileInput, Ops, UpdateFileInput};
use super::projects::project_by_slug;
use super::{arg, id_arg, id_or_new, out, promise, Inner};
use crate::error::Failure;
use crate::idb::read;
use crate::idb::schema::v1;
use std::rc::Rc;
use studio_core::model::CanvasFile;
use studio_core::protocol::mutation::{ById, FileCreate, FileUpdate, GraphApply};
use studio_core::protocol::Mutation;
use studio_core::Id;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Canvas {
    inner: Rc<Inner>,
}

async fn file(inner: &Inner, id: &Id) -> Result<Option<CanvasFile>, Failure> {
    Ok(read::row(&inner.db()?, v1::FILES, id).await?)
}

fn by_name(mut files: Vec<CanvasFile>) -> Vec<CanvasFile> {
    files.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    files
}

impl Canvas {
    pub(crate) fn new(inner: Rc<Inner>) -> Self {
        Canvas { inner }
    }
}

#[wasm_bindgen]
impl Canvas {
    /// Creates a file and its empty graph in one transaction. The slug is derived from
    /// the name and made unique in the project (`ground-floor`, `ground-floor-2`).
    #[wasm_bindgen(js_name = createFile, unchecked_return_type = "Promise<CanvasFile>")]
    pub fn create_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateFileInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: CreateFileInput = arg("input", input)?;
            let id = id_or_new(i.id);
            let m = Mutation::FileCreate(FileCreate {
                id,
                project_id: i.project_id,
                name: i.name,
                slug: i.slug,
                description: i.description,
                metadata: i.metadata,
            });
            inner.edit(&m).await?;
            out(&file(&inner, &id).await?)
        })
    }

    /// Changes the given fields; a rename keeps the slug unless `slug` is given too.
    #[wasm_bindgen(js_name = updateFile, unchecked_return_type = "Promise<CanvasFile>")]
    pub fn update_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UpdateFileInput")] patch: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            let p: UpdateFileInput = arg("patch", patch)?;
            let m = Mutation::FileUpdate(FileUpdate {
                id,
                name: p.name,
                slug: p.slug,
                description: p.description,
                thumbnail_url: p.thumbnail_url,
                is_active: p.is_active,
                metadata: p.metadata,
            });
            inner.edit(&m).await?;
            out(&file(&inner, &id).await?)
        })
    }

    /// Deletes a file; its graph goes with it.
    #[wasm_bindgen(js_name = deleteFile, unchecked_return_type = "Promise<void>")]
    pub fn delete_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            inner.edit(&Mutation::FileDelete(ById { id })).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = getFile, unchecked_return_type = "Promise<CanvasFile | null>")]
    pub fn get_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            out(&file(&inner, &id).await?)
        })
    }

    /// A project's files, by name (through the `project_id` index).
    #[wasm_bindgen(js_name = filesByProject, unchecked_return_type = "Promise<CanvasFile[]>")]
    pub fn files_by_project(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] project_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let pid = id_arg("projectId", project_id)?;
            let rows = read::rows_by(
                &inner.db()?,
                v1::FILES,
                Some(v1::BY_PROJECT),
                Some(read::only(&pid)),
            )
            .await?;
            out(&by_name(rows))
        })
    }

    /// Resolves `/canvas/[projectSlug]/[fileSlug]`, offline, through two indexes.
    #[wasm_bindgen(js_name = fileBySlug, unchecked_return_type = "Promise<CanvasFile | null>")]
    pub fn file_by_slug(&self, project_slug: String, file_slug: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let Some(p) = project_by_slug(&inner, &project_slug).await? else {
                return Ok(JsValue::NULL);
            };
            let key_a = JsValue::from_str(&p.id.to_string());
            let rows: Vec<CanvasFile> = read::rows_by(
                &inner.db()?,
                v1::FILES,
                Some(v1::BY_PROJECT_SLUG),
                Some(read::pair(&key_a, &JsValue::from_str(&file_slug))),
            )
            .await?;
            out(&rows.into_iter().next())
        })
    }

    /// The file's graph: nodes in draw order, connections, viewport, version.
    #[wasm_bindgen(js_name = getGraph, unchecked_return_type = "Promise<CanvasGraph | null>")]
    pub fn get_graph(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] file_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let fid = id_arg("fileId", file_id)?;
            out(&read::graph(&inner.db()?, &fid).await?)
        })
    }

    /// Applies a batch of ops atomically (one bad op: nothing is applied). Resolves when
    /// the batch is durable locally.
    #[wasm_bindgen(js_name = applyOps, unchecked_return_type = "Promise<void>")]
    pub fn apply_ops(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] file_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "GraphOp[]")] ops: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let fid = id_arg("fileId", file_id)?;
            let Ops(ops) = arg("ops", ops)?;
            inner
                .edit(&Mutation::GraphApply(GraphApply { file_id: fid, ops }))
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Splits ops into consecutive batches that each fit one `applyOps` (its op count
    /// and size limits, measured as `applyOps` measures them), for a caller whose queued
    /// edits may outgrow one call. The batches hold the given op objects, in order.
    /// Throws `validation` if `ops` are not valid ops.
    #[wasm_bindgen(js_name = splitOps, unchecked_return_type = "GraphOp[][]")]
    pub fn split_ops(
        &self,
        #[wasm_bindgen(unchecked_param_type = "GraphOp[]")] ops: JsValue,
    ) -> Result<js_sys::Array, JsValue> {
        let Ops(parsed) = arg("ops", ops.clone())?;
        let given = js_sys::Array::from(&ops);
        let batches = js_sys::Array::new();
        let mut start = 0u32;
        for n in studio_core::graph::batch_sizes(&parsed) {
            // `batch_sizes` never exceeds OPS_PER_APPLY_MAX per batch, so this fits u32.
            let end = start + n as u32;
            batches.push(&given.slice(start, end));
            start = end;
        }
        Ok(batches)
    }
}
