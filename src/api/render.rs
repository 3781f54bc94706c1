//! `store.render`: chat chains and their renders (the `/render` platform only).

use super::inputs::{CreateChainInput, CreateRenderInput};
use super::{arg, id_arg, id_or_new, out, promise, Inner};
use crate::idb::read;
use crate::idb::schema::v1;
use std::rc::Rc;
use studio_core::model::{self, RenderChain, RenderType};
use studio_core::protocol::mutation::{ChainCreate, RenderCreate};
use studio_core::protocol::Mutation;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Renders {
    inner: Rc<Inner>,
}

impl Renders {
    pub(crate) fn new(inner: Rc<Inner>) -> Self {
        Renders { inner }
    }
}

#[wasm_bindgen]
impl Renders {
    #[wasm_bindgen(js_name = createChain, unchecked_return_type = "Promise<RenderChain>")]
    pub fn create_chain(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateChainInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: CreateChainInput = arg("input", input)?;
            let id = id_or_new(i.id);
            inner
                .edit(&Mutation::ChainCreate(ChainCreate {
                    id,
                    project_id: i.project_id,
                    name: i.name,
                    description: i.description,
                }))
                .await?;
            out(&read::row::<RenderChain>(&inner.db()?, v1::CHAINS, &id).await?)
        })
    }

    /// Appends a render to its chain (position = last + 1).
    #[wasm_bindgen(js_name = createRender, unchecked_return_type = "Promise<Render>")]
    pub fn create_render(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateRenderInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: CreateRenderInput = arg("input", input)?;
            let Some(chain) =
                read::row::<RenderChain>(&inner.db()?, v1::CHAINS, &i.chain_id).await?
            else {
                return Err(studio_core::CoreError::not_found("chain", i.chain_id).into());
            };
            let id = id_or_new(i.id);
            inner
                .edit(&Mutation::RenderCreate(RenderCreate {
                    id,
                    project_id: chain.project_id,
                    chain_id: chain.id,
                    kind: i.kind.unwrap_or(RenderType::Image),
                    prompt: i.prompt,
                    settings: i.settings,
                }))
                .await?;
            out(&read::row::<model::Render>(&inner.db()?, v1::RENDERS, &id).await?)
        })
    }

    #[wasm_bindgen(js_name = chainsByProject, unchecked_return_type = "Promise<RenderChain[]>")]
    pub fn chains_by_project(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] project_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let pid = id_arg("projectId", project_id)?;
            let mut chains: Vec<RenderChain> = read::rows_by(
                &inner.db()?,
                v1::CHAINS,
                Some(v1::BY_PROJECT),
                Some(read::only(&pid)),
            )
            .await?;
            chains.sort_by_key(|c| (c.created_at, c.id));
            out(&chains)
        })
    }

    /// A chain's renders in chain order (through the `(chain_id, chain_position)` index).
    #[wasm_bindgen(js_name = rendersByChain, unchecked_return_type = "Promise<Render[]>")]
    pub fn renders_by_chain(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] chain_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let cid = id_arg("chainId", chain_id)?;
            let key = JsValue::from_str(&cid.to_string());
            let renders: Vec<model::Render> = read::rows_by(
                &inner.db()?,
                v1::RENDERS,
                Some(v1::BY_CHAIN_POSITION),
                Some(read::starting_with(&key)),
            )
            .await?;
            out(&renders)
        })
    }
}
