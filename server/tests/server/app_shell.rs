//! The app routes by real paths: the server answers its index.html for app paths, while
//! files, `/pkg/…` and `/api/…` keep their own answers.

use crate::common::{self, assert_error, Server};
use crate::db_test;

async fn text_of(s: &Server, path: &str) -> (u16, String) {
    let res = s.http.get(s.url(path)).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn app_paths_get_index_html(b: common::Backend) {
    let s = Server::start(b).await;
    let index = std::fs::read_to_string(s.www.join("index.html")).unwrap();
    std::fs::create_dir_all(s.www.join("assets")).unwrap();
    std::fs::write(s.www.join("assets/app.js"), "console.log('app');").unwrap();
    std::fs::write(s.www.join("config.json"), "{\"serverUrl\":\"/\"}").unwrap();

    // A deep link, a reload, a shared link: every app path loads the app.
    for path in [
        "/",
        "/projects",
        "/canvas/villa",
        "/canvas/villa/ground-floor",
        "/canvas/villa/ground-floor/",
        "/apps/upscale",
        "/render/villa/exec-1",
    ] {
        let (status, body) = text_of(&s, path).await;
        assert_eq!((status, body.as_str()), (200, index.as_str()), "{path}");
    }
    // Files keep their answers; a missing file is not the app.
    assert_eq!(
        text_of(&s, "/assets/app.js").await,
        (200, "console.log('app');".into())
    );
    assert_eq!(text_of(&s, "/config.json").await.1, "{\"serverUrl\":\"/\"}");
    assert_eq!(
        text_of(&s, "/pkg/studio_store.js").await,
        (200, "export default 1;".into())
    );
    for path in [
        "/assets/missing.js",
        "/favicon.ico",
        "/pkg/missing.js",
        "/pkg/canvas/x",
    ] {
        let (status, body) = text_of(&s, path).await;
        assert_eq!(status, 404, "{path}");
        assert_ne!(body, index, "{path}");
    }
    // Unknown API paths stay JSON 404s, even under a platform's name.
    for path in [
        "/api/nope",
        "/api/canvas",
        "/api/canvas/villa/ground-floor",
        "/api",
    ] {
        let (status, body) = s.get(Some(&s.dev_token), path).await;
        assert_error(status, &body, 404, "not_found");
    }
    // Only reads load the app.
    let (status, body) = s.post_raw(None, "/canvas/villa", None, vec![]).await;
    assert_ne!(status, 200, "{body}");
}
db_test!(app_shell, app_paths_get_index_html);
