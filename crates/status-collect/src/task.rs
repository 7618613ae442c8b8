//! Task helpers: blocking work on the blocking pool with panics resumed, and a panic's message.
//! Imports only the [`Collector`](crate::collector) error type.

use std::any::Any;

use crate::collector::CollectError;

/// Runs blocking work on the blocking pool. A panic there is resumed here, so the engine reports the
/// section as `panicked`.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CollectError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => Err(CollectError::Failed(format!("blocking task failed: {error}"))),
        },
    }
}

/// The message of a panic's payload (a `&str` or a `String`), else a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
