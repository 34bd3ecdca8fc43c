//! Background tasks: work the window must not wait for (reading a file's
//! data shape, making the data preview, a native file dialog, saving
//! weights and exporting, the autosave) runs on a helper thread as one
//! [`Task`]. The window polls it each frame; a task that could not start
//! or that panicked comes back as a [`TaskError`], which the caller shows
//! in the status bar like any other error.

use std::panic::AssertUnwindSafe;

use crossbeam_channel::{Receiver, TryRecvError, bounded};

/// Why a task gave no result.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// No thread could be started.
    #[error("could not start {what}: {source}")]
    Spawn {
        /// What the task was doing.
        what: &'static str,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The task panicked (a bug): its message.
    #[error("{what} failed unexpectedly: {message}")]
    Panicked {
        /// What the task was doing.
        what: &'static str,
        /// The panic's message.
        message: String,
    },
}

type Outcome<T> = Result<T, TaskError>;

/// Work running on a helper thread. Dropping it does not stop the work;
/// its result is then thrown away.
pub struct Task<T> {
    what: &'static str,
    rx: Option<Receiver<Outcome<T>>>,
    /// A failure to start, reported by the first poll.
    failed: Option<TaskError>,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a helper thread named after `what` ("reading the
    /// data", "the export"…); `wake` is called when it is done (the window
    /// passes `request_repaint`).
    pub fn spawn(
        what: &'static str,
        wake: Option<Box<dyn Fn() + Send>>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Self {
        let (tx, rx) = bounded(1);
        let spawned = std::thread::Builder::new()
            .name(format!("neuroglass: {what}"))
            .spawn(move || {
                let out = std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|p| {
                    TaskError::Panicked {
                        what,
                        message: panic_text(p.as_ref()),
                    }
                });
                // The window may have dropped the task: nobody to tell.
                if tx.send(out).is_ok()
                    && let Some(w) = wake
                {
                    w();
                }
            });
        match spawned {
            Ok(_) => Self {
                what,
                rx: Some(rx),
                failed: None,
            },
            Err(source) => Self {
                what,
                rx: None,
                failed: Some(TaskError::Spawn { what, source }),
            },
        }
    }

    /// The result, once the work is done (then `None` ever after).
    pub fn poll(&mut self) -> Option<Outcome<T>> {
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        let rx = self.rx.as_ref()?;
        let out = match rx.try_recv() {
            Ok(out) => out,
            Err(TryRecvError::Empty) => return None,
            // Only a thread killed without unwinding gets here.
            Err(TryRecvError::Disconnected) => Err(TaskError::Panicked {
                what: self.what,
                message: "the helper thread ended without an answer".into(),
            }),
        };
        self.rx = None;
        Some(out)
    }

    /// Whether the work is still under way.
    pub fn running(&self) -> bool {
        self.rx.is_some() || self.failed.is_some()
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait<T: Send + 'static>(t: &mut Task<T>) -> Outcome<T> {
        let start = Instant::now();
        loop {
            if let Some(r) = t.poll() {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "task never ended"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_task_gives_its_result_once() {
        let mut t = Task::spawn("adding", None, || 2 + 2);
        assert_eq!(wait(&mut t).ok(), Some(4));
        assert!(!t.running());
        assert!(t.poll().is_none());
    }

    #[test]
    fn a_panicking_task_reports_an_error_with_its_message() {
        let mut t: Task<()> = Task::spawn("exploding", None, || panic!("boom"));
        let e = wait(&mut t).expect_err("a panic is an error");
        assert_eq!(e.to_string(), "exploding failed unexpectedly: boom");
    }
}
