//! `Trainer`: the watcher's handle on the trainer thread.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::outbox::{Outbox, Waker};
use super::protocol::{TrainerCommand, TrainerEvent};

/// Commands waiting for the trainer, at most.
const COMMAND_CAPACITY: usize = 64;
/// Events waiting for the watcher, at most (more wait inside the trainer).
const EVENT_CAPACITY: usize = 256;

/// Why a command could not be sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// The trainer has not taken the previous commands yet.
    #[error("the trainer is busy; try again in a moment")]
    Busy,
    /// The trainer thread has ended.
    #[error("the trainer has stopped")]
    Gone,
}

/// A running trainer thread. Dropping it shuts the thread down and joins it.
pub struct Trainer {
    commands: Sender<TrainerCommand>,
    events: Receiver<TrainerEvent>,
    thread: Option<JoinHandle<()>>,
}

impl Trainer {
    /// Starts the thread. `waker` is called whenever events were sent (the
    /// window passes `request_repaint`).
    pub fn spawn(waker: Option<Waker>) -> std::io::Result<Self> {
        let (ctx, crx) = bounded(COMMAND_CAPACITY);
        let (etx, erx) = bounded(EVENT_CAPACITY);
        let thread = std::thread::Builder::new()
            .name("neuroglass-trainer".into())
            .spawn(move || super::worker::run(crx, Outbox::new(etx, waker)))?;
        Ok(Self {
            commands: ctx,
            events: erx,
            thread: Some(thread),
        })
    }

    /// Sends a command without waiting.
    pub fn send(&self, command: TrainerCommand) -> Result<(), SendError> {
        self.commands.try_send(command).map_err(|e| match e {
            TrySendError::Full(_) => SendError::Busy,
            TrySendError::Disconnected(_) => SendError::Gone,
        })
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<TrainerEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event (for the command line and
    /// tests; the window never waits).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TrainerEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Takes waiting events for at most `budget`, so a flood cannot stall a
    /// frame.
    pub fn drain(&self, budget: Duration) -> Vec<TrainerEvent> {
        let start = Instant::now();
        let mut v = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            v.push(e);
            if start.elapsed() >= budget {
                break;
            }
        }
        v
    }

    /// Whether the thread is still running.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Asks the thread to end and waits for it (at most one batch).
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        // Make room for the command if the channel is full; the trainer
        // drains commands every batch.
        let _ = self
            .commands
            .send_timeout(TrainerCommand::Shutdown, Duration::from_secs(5));
        if let Some(t) = self.thread.take() {
            // Keep the event channel drained so the trainer can exit.
            while !t.is_finished() {
                while self.events.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = t.join();
        }
    }
}

impl Drop for Trainer {
    fn drop(&mut self) {
        self.stop_thread();
    }
}
