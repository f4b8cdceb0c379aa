//! Stopping a run. `--fail-fast` stops new steps from starting; Ctrl-C or
//! SIGTERM also cancels the requests in flight and gives teardown a short
//! grace period, so that a CI job's stop (SIGKILL follows SIGTERM within
//! seconds) still runs teardown, writes every report and exits 130 at once.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long teardown may still send after an interrupt.
pub(crate) const TEARDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Whether, and how, the run was asked to stop. Shared with the signal thread.
#[derive(Default)]
pub(crate) struct Stop {
    stopped: AtomicBool,
    /// Woken on any stop, so waits (delay, backoff, polling) end at once.
    wake: Notify,
    /// When Ctrl-C or SIGTERM came.
    interrupted_at: OnceLock<Instant>,
    /// Woken on an interrupt, so requests in flight end at once.
    interrupt: Notify,
    /// What stopped the run when `--fail-fast` did: `'Log in' failed`.
    fail_fast_cause: OnceLock<String>,
}

impl Stop {
    pub(crate) fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// No new step starts (teardown aside) and every wait ends.
    pub(crate) fn request(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.wake.notify_waiters();
    }

    /// `--fail-fast` after `cause` (`'Log in' failed`): the first cause stands,
    /// and a run already stopped (by Ctrl-C, say) keeps its reason.
    pub(crate) fn fail_fast(&self, cause: String) {
        if !self.stopped() {
            let _ = self.fail_fast_cause.set(cause);
        }
        self.request();
    }

    /// Why a step the stopped run never started did not run, as its skip reason says it.
    pub(crate) fn not_run(&self) -> String {
        match self.fail_fast_cause.get() {
            Some(cause) => format!("not run: --fail-fast after {cause}"),
            None => "not run: interrupted".to_owned(),
        }
    }

    /// Ctrl-C or SIGTERM: a stop that also ends requests in flight. False when
    /// the run was interrupted already.
    pub(crate) fn interrupt(&self) -> bool {
        let first = self.interrupted_at.set(Instant::now()).is_ok();
        self.request();
        self.interrupt.notify_waiters();
        first
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted_at.get().is_some()
    }

    /// After an interrupt, the moment teardown must be done by.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.interrupted_at.get().map(|at| *at + TEARDOWN_GRACE)
    }

    /// Waits `d`, or less when the run is stopped meanwhile (Ctrl-C during a
    /// 30s backoff must not wait 30s).
    pub(crate) async fn pause(&self, d: Duration) {
        let notified = self.wake.notified();
        tokio::pin!(notified);
        // Registered before the flag is read, so a stop in between is not missed.
        notified.as_mut().enable();
        if self.stopped() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(d) => {}
            () = notified => {}
        }
    }

    /// Resolves when the run is interrupted (at once if it is already).
    pub(crate) async fn interrupted_wait(&self) {
        let notified = self.interrupt.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.interrupted() {
            return;
        }
        notified.await;
    }
}
