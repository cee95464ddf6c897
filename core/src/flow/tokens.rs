//! The Mini Program access-token keeper one client shares between all its queries
//! (QUERY-FLOW.md §5): the current token, who is fetching a new one (single-flight), and the
//! `force_refresh` budget.
//!
//! It holds no clock and does no I/O: every method takes the time, and a flow that finds
//! another flow fetching simply waits (a short `Sleep` step) and looks again.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use crate::access_token::AccessToken;
use crate::order::Timestamp;
use crate::secret::Secret;

/// WeChat allows 20 `force_refresh` calls a day per app.
const FORCE_REFRESHES_PER_DAY: usize = 20;
/// And payquery spaces them at least this far apart.
const FORCE_REFRESH_SPACING_MS: i64 = 30_000;
const DAY_MS: i64 = 86_400_000;

/// A token as the keeper holds it, with the exact text the shared store holds for it (so
/// that invalidating it there compares like with like).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct HeldToken {
    pub(crate) token: AccessToken,
    /// The store's value for this token, when it came from (or went to) a token store.
    pub(crate) stored: Option<Secret>,
}

impl std::fmt::Debug for HeldToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeldToken({})", self.token)
    }
}

impl HeldToken {
    /// Usable at `now` (Unix seconds): before its refresh time.
    pub(crate) fn fresh(&self, now: i64) -> bool {
        now < self.token.refresh_at.unix_seconds()
    }
}

#[derive(Debug, Default)]
struct KeeperState {
    current: Option<HeldToken>,
    /// The flow fetching a token now, and since when (Unix ms).
    fetching: Option<(u64, i64)>,
    /// When `force_refresh` was used (Unix ms), the last day's worth.
    forced: VecDeque<i64>,
}

/// One client's tokens.
#[derive(Debug, Default)]
pub(crate) struct TokenKeeper {
    state: Mutex<KeeperState>,
}

impl TokenKeeper {
    /// A keeper holding `fixed` (a config's `access_token`) as a token that never needs a
    /// refresh by time: it is replaced only when the provider rejects it.
    pub(crate) fn new(fixed: Option<&Secret>) -> Self {
        let far = Timestamp::from_unix_seconds(crate::MAX_UNIX_SECONDS);
        let current = fixed.zip(far).map(|(secret, far)| HeldToken {
            token: AccessToken {
                access_token: secret.clone(),
                expires_in: 0,
                expires_at: far,
                refresh_at: far,
            },
            stored: None,
        });
        TokenKeeper {
            state: Mutex::new(KeeperState {
                current,
                ..KeeperState::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, KeeperState> {
        // A panic elsewhere cannot leave the state half-written (every change is one
        // assignment), so a poisoned lock is still good to use.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current token, if it is fresh at `now` (Unix seconds).
    pub(crate) fn fresh(&self, now: i64) -> Option<HeldToken> {
        self.lock().current.clone().filter(|t| t.fresh(now))
    }

    /// Asks to be the one flow fetching a token. `false` while another flow is (and has not
    /// been at it for longer than `stale_ms`: a flow that was dropped mid-fetch must not block
    /// the others for ever).
    pub(crate) fn claim(&self, flow: u64, now_ms: i64, stale_ms: i64) -> bool {
        let mut state = self.lock();
        match state.fetching {
            Some((owner, since)) if owner != flow && now_ms.saturating_sub(since) < stale_ms => {
                false
            }
            _ => {
                state.fetching = Some((flow, now_ms));
                true
            }
        }
    }

    /// Gives up the claim (a failed fetch, a dropped flow).
    pub(crate) fn release(&self, flow: u64) {
        let mut state = self.lock();
        if state.fetching.is_some_and(|(owner, _)| owner == flow) {
            state.fetching = None;
        }
    }

    /// Stores a fetched (or loaded) token and ends `flow`'s claim.
    pub(crate) fn put(&self, flow: u64, token: HeldToken) {
        let mut state = self.lock();
        state.current = Some(token);
        if state.fetching.is_some_and(|(owner, _)| owner == flow) {
            state.fetching = None;
        }
    }

    /// Forgets the current token if it is still `rejected` (compare-and-invalidate: another
    /// flow may already have replaced it with a good one).
    pub(crate) fn invalidate(&self, rejected: &Secret) {
        let mut state = self.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|t| t.token.access_token.expose() == rejected.expose())
        {
            state.current = None;
        }
    }

    /// True (and counted) when a `force_refresh` fetch is allowed at `now_ms`: at most 20 in
    /// any 24 hours, at least 30 s apart.
    pub(crate) fn spend_force_refresh(&self, now_ms: i64) -> bool {
        let mut state = self.lock();
        while state
            .forced
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= DAY_MS)
        {
            state.forced.pop_front();
        }
        let spaced = state
            .forced
            .back()
            .is_none_or(|t| now_ms.saturating_sub(*t) >= FORCE_REFRESH_SPACING_MS);
        if spaced && state.forced.len() < FORCE_REFRESHES_PER_DAY {
            state.forced.push_back(now_ms);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(text: &str, refresh_at: i64) -> HeldToken {
        let t = Timestamp::from_unix_seconds(refresh_at).unwrap();
        HeldToken {
            token: AccessToken {
                access_token: Secret::new(text.to_owned()),
                expires_in: 7200,
                expires_at: t,
                refresh_at: t,
            },
            stored: None,
        }
    }

    #[test]
    fn one_fetcher_at_a_time_until_it_goes_stale() {
        let keeper = TokenKeeper::new(None);
        assert!(keeper.claim(1, 0, 1000));
        assert!(!keeper.claim(2, 10, 1000));
        assert!(keeper.claim(2, 1000, 1000), "a stale claim is taken over");
        keeper.release(1);
        assert!(!keeper.claim(3, 1001, 1000), "only the owner releases");
        keeper.put(2, held("T1", 100));
        assert!(keeper.claim(3, 1002, 1000));
        assert_eq!(
            keeper
                .fresh(99)
                .map(|t| t.token.access_token.expose().to_owned())
                .as_deref(),
            Some("T1")
        );
        assert!(
            keeper.fresh(100).is_none(),
            "refresh_at is when it stops being fresh"
        );
    }

    #[test]
    fn invalidation_compares_the_token() {
        let keeper = TokenKeeper::new(Some(&Secret::new("FIXED".to_owned())));
        assert!(
            keeper.fresh(i64::from(i32::MAX)).is_some(),
            "a fixed token never expires by time"
        );
        keeper.invalidate(&Secret::new("OTHER".to_owned()));
        assert!(keeper.fresh(0).is_some());
        keeper.invalidate(&Secret::new("FIXED".to_owned()));
        assert!(keeper.fresh(0).is_none());
    }

    #[test]
    fn force_refresh_budget() {
        let keeper = TokenKeeper::new(None);
        assert!(keeper.spend_force_refresh(0));
        assert!(!keeper.spend_force_refresh(29_999), "30 s apart");
        let mut t = 30_000;
        for _ in 1..FORCE_REFRESHES_PER_DAY {
            assert!(keeper.spend_force_refresh(t));
            t += 30_000;
        }
        assert!(!keeper.spend_force_refresh(t), "20 a day");
        assert!(
            keeper.spend_force_refresh(DAY_MS),
            "the first one has left the window"
        );
    }
}
