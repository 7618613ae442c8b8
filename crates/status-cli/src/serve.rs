//! `status-cli serve`: collection in the background and the HTTP server over it, through the same
//! builder and `serve_status` an embedding app uses; stops cleanly on SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;

use status_collect::Status;
use status_http::Token;

use crate::commands::load_config;

pub(crate) async fn serve(
    config: Option<&Path>,
    bind: Option<SocketAddr>,
    interval: Option<std::time::Duration>,
) -> Result<(), String> {
    let mut config = load_config(config)?;
    if let Some(bind) = bind {
        config.http.bind = bind;
    }
    if let Some(interval) = interval {
        config.collect.interval = interval;
    }
    config.check_dirs().map_err(|error| error.to_string())?;
    // Checked before collection starts, so a refused start has no side effects; `serve_status`
    // checks again, on the bound address.
    let token = Token::from_config(&config.http).map_err(|error| error.to_string())?;
    status_http::check_bind(config.http.bind, token.as_ref(), &config.http)
        .map_err(|error| error.to_string())?;
    let listener = status_http::bind(config.http.bind).await.map_err(|error| error.to_string())?;
    let addr = listener
        .local_addr()
        .map_err(|error| format!("failed to read the bound address: {error}"))?;
    let status = Status::builder().config(config).spawn().map_err(|error| error.to_string())?;
    let server = match status_http::serve_status(&status, listener, shutdown_signal()) {
        Ok(server) => server,
        Err(error) => {
            status.shutdown().await;
            return Err(error.to_string());
        }
    };
    let config = status.config();
    tracing::info!(
        "serving status on http://{addr}/status (collecting every {}; {})",
        humantime::format_duration(config.collect.interval),
        match (&token, &config.http.token_file, &config.http.token_env) {
            (None, _, _) => "no token: every endpoint is open".to_owned(),
            (Some(_), Some(file), _) => format!("bearer token from {}", file.display()),
            (Some(_), None, Some(name)) => format!("bearer token from ${name}"),
            (Some(_), None, None) => "bearer token".to_owned(),
        }
    );
    server.await;
    tracing::info!("shutting down");
    status.shutdown().await;
    Ok(())
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: a signal sent right after the "serving" line would otherwise meet the
/// default action and end the process without a clean shutdown.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                (Ok(mut interrupt), Err(error)) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                    interrupt.recv().await;
                }
                (Err(error), _) => {
                    tracing::warn!(%error, "cannot listen for signals; the server stops only when killed");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
