//! `store.projects`: the projects shared by all three platforms.

use super::inputs::{CreateProjectInput, UpdateProjectInput};
use super::{arg, id_arg, id_or_new, out, promise, Inner};
use crate::error::Failure;
use crate::idb::read;
use crate::idb::schema::v1;
use std::rc::Rc;
use studio_core::model::Project;
use studio_core::protocol::mutation::{ById, ProjectCreate, ProjectUpdate};
use studio_core::protocol::Mutation;
use studio_core::Id;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Projects {
    inner: Rc<Inner>,
}

pub(crate) async fn project(inner: &Inner, id: &Id) -> Result<Option<Project>, Failure> {
    Ok(read::row(&inner.db()?, v1::PROJECTS, id).await?)
}

pub(crate) async fn project_by_slug(inner: &Inner, slug: &str) -> Result<Option<Project>, Failure> {
    let only = indexed_db_futures::KeyRange::Only(JsValue::from_str(slug));
    let rows: Vec<Project> =
        read::rows_by(&inner.db()?, v1::PROJECTS, Some(v1::BY_SLUG), Some(only)).await?;
    Ok(rows.into_iter().next())
}

impl Projects {
    pub(crate) fn new(inner: Rc<Inner>) -> Self {
        Projects { inner }
    }
}

#[wasm_bindgen]
impl Projects {
    /// Creates a project; its slug is derived from the name unless given.
    #[wasm_bindgen(unchecked_return_type = "Promise<Project>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateProjectInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: CreateProjectInput = arg("input", input)?;
            let id = id_or_new(i.id);
            let m = Mutation::ProjectCreate(ProjectCreate {
                id,
                name: i.name,
                slug: i.slug,
                description: i.description,
                is_public: i.is_public,
                tags: i.tags,
                metadata: i.metadata,
                original_image_id: i.original_image_id,
            });
            inner.edit(&m).await?;
            out(&project(&inner, &id).await?)
        })
    }

    /// Changes the given fields of a project.
    #[wasm_bindgen(unchecked_return_type = "Promise<Project>")]
    pub fn update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UpdateProjectInput")] patch: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            let p: UpdateProjectInput = arg("patch", patch)?;
            let m = Mutation::ProjectUpdate(ProjectUpdate {
                id,
                name: p.name,
                slug: p.slug,
                description: p.description,
                is_public: p.is_public,
                tags: p.tags,
                metadata: p.metadata,
                status: p.status,
                original_image_id: None,
            });
            inner.edit(&m).await?;
            out(&project(&inner, &id).await?)
        })
    }

    /// Deletes a project and everything under it (files, graphs, executions, chains).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn delete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            inner.edit(&Mutation::ProjectDelete(ById { id })).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<Project | null>")]
    pub fn get(&self, #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            out(&project(&inner, &id).await?)
        })
    }

    #[wasm_bindgen(js_name = bySlug, unchecked_return_type = "Promise<Project | null>")]
    pub fn by_slug(&self, slug: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move { out(&project_by_slug(&inner, &slug).await?) })
    }

    /// Every project here, by name.
    #[wasm_bindgen(unchecked_return_type = "Promise<Project[]>")]
    pub fn list(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let mut rows: Vec<Project> =
                read::rows_by(&inner.db()?, v1::PROJECTS, None, None).await?;
            rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            out(&rows)
        })
    }
}
