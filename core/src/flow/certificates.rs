//! The platform-certificate keeper one client shares between all its queries (QUERY-FLOW.md
//! §7): when the last download was, who is downloading now (single-flight), and the limits
//! that keep downloads few — at most one on-demand download (an answer signed by an unknown
//! serial) per 60 s, a minute's pause after a failed download, 12 h after a public-key-only
//! answer.
//!
//! Like the token keeper it holds no clock and does no I/O: every method takes the time. The
//! certificates themselves live with the provider's verifier (every parse of the client uses
//! them, the one-call query or not); this is only the schedule.

use std::sync::{Mutex, MutexGuard};

/// At most one on-demand download per client in this window: forged serials never amplify.
pub(crate) const ON_DEMAND_SPACING_MS: i64 = 60_000;
/// After a failed download, the next try waits this long (the held set stays in use).
const FAILURE_PAUSE_MS: i64 = 60_000;
/// A public-key-only merchant is not asked again for this long.
const PUBLIC_KEY_ONLY_PAUSE_MS: i64 = 43_200_000;

#[derive(Debug, Default)]
struct KeeperState {
    /// When the held set was last refreshed (the download's time, Unix ms).
    refreshed_ms: Option<i64>,
    /// No scheduled download before this (Unix ms).
    quiet_until_ms: i64,
    /// No download at all before this (Unix ms): the merchant has no platform certificate, so
    /// an unknown serial cannot be one of its certificates either.
    public_key_only_until_ms: i64,
    /// The last on-demand download (Unix ms).
    on_demand_ms: Option<i64>,
    /// The flow downloading now, and since when (Unix ms).
    fetching: Option<(u64, i64)>,
}

/// One client's certificate schedule.
#[derive(Debug, Default)]
pub(crate) struct CertificateKeeper {
    state: Mutex<KeeperState>,
}

impl CertificateKeeper {
    fn lock(&self) -> MutexGuard<'_, KeeperState> {
        // Every change is a few assignments of plain values: a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when a scheduled download is due at `now_ms`: none yet, or the last one is older
    /// than `refresh_ms`, and no pause is running.
    pub(crate) fn due(&self, now_ms: i64, refresh_ms: i64) -> bool {
        let state = self.lock();
        now_ms >= state.quiet_until_ms
            && state
                .refreshed_ms
                .is_none_or(|at| now_ms.saturating_sub(at) >= refresh_ms)
    }

    /// True while a flow other than `flow` is downloading (and has not been at it longer than
    /// `stale_ms`: a flow dropped mid-download must not block the others).
    pub(crate) fn busy(&self, flow: u64, now_ms: i64, stale_ms: i64) -> bool {
        self.lock().busy(flow, now_ms, stale_ms)
    }

    /// Asks to be the one flow downloading; `false` while another is. Checked and taken under
    /// one lock: two threads never both get it.
    pub(crate) fn claim(&self, flow: u64, now_ms: i64, stale_ms: i64) -> bool {
        let mut state = self.lock();
        if state.busy(flow, now_ms, stale_ms) {
            return false;
        }
        state.fetching = Some((flow, now_ms));
        true
    }

    /// True (and counted) when an on-demand download is allowed at `now_ms`: one a minute, and
    /// none while the merchant is known to have no platform certificate.
    pub(crate) fn spend_on_demand(&self, now_ms: i64) -> bool {
        let mut state = self.lock();
        if now_ms < state.public_key_only_until_ms {
            return false;
        }
        let spaced = state
            .on_demand_ms
            .is_none_or(|at| now_ms.saturating_sub(at) >= ON_DEMAND_SPACING_MS);
        if spaced {
            state.on_demand_ms = Some(now_ms);
        }
        spaced
    }

    /// Gives up `flow`'s claim.
    pub(crate) fn release(&self, flow: u64) {
        self.lock().release(flow);
    }

    /// The held set was refreshed by a download made at `at_ms` (now, or a store entry's).
    pub(crate) fn refreshed(&self, flow: u64, at_ms: i64) {
        let mut state = self.lock();
        state.refreshed_ms = Some(state.refreshed_ms.map_or(at_ms, |t| t.max(at_ms)));
        state.release(flow);
    }

    /// A download failed at `now_ms`: the next one, scheduled or on demand, waits a minute
    /// (a query whose first download timed out does not wait for a second on the same answer).
    pub(crate) fn failed(&self, flow: u64, now_ms: i64) {
        let mut state = self.lock();
        state.quiet_until_ms = now_ms.saturating_add(FAILURE_PAUSE_MS);
        state.on_demand_ms = Some(now_ms);
        state.release(flow);
    }

    /// The merchant has no platform certificate (public key only): not asked for 12 h, on a
    /// schedule or for an unknown serial.
    pub(crate) fn public_key_only(&self, flow: u64, now_ms: i64) {
        let mut state = self.lock();
        state.quiet_until_ms = now_ms.saturating_add(PUBLIC_KEY_ONLY_PAUSE_MS);
        state.public_key_only_until_ms = state.quiet_until_ms;
        state.release(flow);
    }
}

impl KeeperState {
    fn busy(&self, flow: u64, now_ms: i64, stale_ms: i64) -> bool {
        self.fetching
            .is_some_and(|(owner, since)| owner != flow && now_ms.saturating_sub(since) < stale_ms)
    }

    fn release(&mut self, flow: u64) {
        if self.fetching.is_some_and(|(owner, _)| owner == flow) {
            self.fetching = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_until_refreshed_then_after_the_interval() {
        let keeper = CertificateKeeper::default();
        assert!(keeper.due(0, 1000));
        assert!(keeper.claim(1, 0, 500));
        assert!(!keeper.claim(2, 10, 500), "single-flight");
        assert!(keeper.claim(2, 600, 500), "a stale claim is taken over");
        keeper.refreshed(2, 600);
        assert!(!keeper.due(1599, 1000));
        assert!(keeper.due(1600, 1000));
        assert!(keeper.claim(3, 1600, 500));
    }

    #[test]
    fn failures_and_public_key_only_pause_the_schedule() {
        let keeper = CertificateKeeper::default();
        assert!(keeper.claim(1, 0, 500));
        keeper.failed(1, 0);
        assert!(!keeper.due(59_999, 1000));
        assert!(keeper.due(60_000, 1000));
        keeper.public_key_only(1, 60_000);
        assert!(!keeper.due(60_000 + 43_199_999, 1000));
        assert!(
            !keeper.spend_on_demand(60_000 + 43_199_999),
            "no on-demand download for a public-key-only merchant either"
        );
        assert!(keeper.due(60_000 + 43_200_000, 1000));
        assert!(keeper.spend_on_demand(60_000 + 43_200_000));
    }

    #[test]
    fn one_on_demand_download_a_minute() {
        let keeper = CertificateKeeper::default();
        assert!(keeper.spend_on_demand(1_000));
        assert!(!keeper.spend_on_demand(60_999));
        assert!(keeper.spend_on_demand(61_000));
    }
}
