//! `routes` follows the configuration's token; `serve_status` refuses a remote address without one.

use std::sync::Arc;

use hyper::Request;
use hyper::service::Service as _;
use status_collect::Config;
use status_deps::NoDeps;

use super::*;

fn status(toml: &str, state: &std::path::Path) -> Status {
    let mut config = Config::parse(toml, "<test>").unwrap();
    config.state.dir = Some(state.to_owned());
    Status::builder().deps(Arc::new(NoDeps)).config(config).spawn().unwrap()
}

#[tokio::test]
async fn routes_ask_for_the_configured_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token-value\n").unwrap();
    let toml = format!(
        "[http]\ntoken_file = {:?}\n[processes]\nnames = []\n",
        token.display().to_string()
    );
    let status = status(&toml, dir.path());
    status.collect_now().await;
    let service = routes(&status).unwrap();
    let anonymous =
        service.call(Request::get("/status").body(String::new()).unwrap()).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let request = Request::get("/status")
        .header("authorization", "Bearer s3cret-token-value")
        .body(String::new())
        .unwrap();
    assert_eq!(service.call(request).await.unwrap().status(), 200);
    status.shutdown().await;
}

#[tokio::test]
async fn a_remote_address_without_a_token_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let status = status("[processes]\nnames = []\n", dir.path());
    let Ok(listener) = TcpListener::bind("0.0.0.0:0").await else { return };
    let error = serve_status(&status, listener, std::future::pending()).err().unwrap();
    assert!(matches!(error, HostError::Refused(_)), "{error}");
    let missing = status_collect::Config::parse(
        "[http]\ntoken_env = \"STATUS_HOST_TEST_NO_SUCH_VARIABLE\"\n",
        "<test>",
    )
    .unwrap();
    let with_missing_token = Status::builder()
        .deps(Arc::new(NoDeps))
        .config(Config { state: status.config().state.clone(), ..missing })
        .spawn()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve_status(&with_missing_token, listener, std::future::pending()).err().unwrap();
    assert!(matches!(error, HostError::Token(_)), "{error}");
    with_missing_token.shutdown().await;
    status.shutdown().await;
}
