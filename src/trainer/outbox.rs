//! The trainer's side of the event channel: never blocks, never drops an
//! epoch or terminal event, and coalesces progress.

use std::collections::VecDeque;

use crossbeam_channel::{Sender, TrySendError};

use super::protocol::TrainerEvent;

/// Called after events were sent, to wake the watcher (the window passes
/// `egui::Context::request_repaint`).
pub type Waker = Box<dyn Fn() + Send>;

/// Buffers events the channel cannot take yet and sends them in order.
pub struct Outbox {
    tx: Sender<TrainerEvent>,
    pending: VecDeque<TrainerEvent>,
    waker: Option<Waker>,
    disconnected: bool,
}

impl Outbox {
    /// An outbox over a bounded sender.
    pub fn new(tx: Sender<TrainerEvent>, waker: Option<Waker>) -> Self {
        Self {
            tx,
            pending: VecDeque::new(),
            waker,
            disconnected: false,
        }
    }

    /// Queues an event. A progress event right after another unsent one is
    /// merged into it (its step points appended), so a watcher that reads
    /// slowly gets fewer, larger events and loses no point.
    pub fn push(&mut self, event: TrainerEvent) {
        if let TrainerEvent::Progress(new) = event {
            if let Some(TrainerEvent::Progress(old)) = self.pending.back_mut() {
                let mut steps = std::mem::take(&mut old.steps);
                steps.extend(new.steps.iter().copied());
                *old = new;
                old.steps = steps;
            } else {
                self.pending.push_back(TrainerEvent::Progress(new));
            }
        } else {
            self.pending.push_back(event);
        }
    }

    /// Sends what the channel takes without waiting; wakes the watcher if
    /// anything was sent.
    pub fn flush(&mut self) {
        let mut sent = false;
        while let Some(ev) = self.pending.pop_front() {
            match self.tx.try_send(ev) {
                Ok(()) => sent = true,
                Err(TrySendError::Full(ev)) => {
                    self.pending.push_front(ev);
                    break;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.pending.clear();
                    self.disconnected = true;
                    break;
                }
            }
        }
        if sent && let Some(w) = &self.waker {
            w();
        }
    }

    /// Events still waiting for room in the channel.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Whether the watcher has gone away.
    pub fn is_disconnected(&self) -> bool {
        self.disconnected
    }
}
