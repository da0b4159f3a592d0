//! When a failed delivery job is tried again, and when it is given up.

use chrono::Duration;

/// Exponential backoff with jitter, capped, and a bound on attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a job is dead-lettered.
    pub max_attempts: i32,
    /// The delay after the first failure.
    pub base: Duration,
    /// No delay is longer, however many attempts failed.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 10 s doubling to at most 1 h: a job is given up about 20 to 40 minutes after
    /// it first failed, long enough to ride out an upstream restart or a rate-limit window.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::seconds(10),
            cap: Duration::hours(1),
        }
    }
}

impl RetryPolicy {
    /// Whether a job whose attempt number `attempt` just failed is tried again.
    pub fn retries_after(&self, attempt: i32) -> bool {
        attempt < self.max_attempts
    }

    /// How long to wait after attempt number `attempt` (1 for the first) failed: `base ×
    /// 2^(attempt − 1)`, capped, of which half is fixed and half scaled by `jitter` (0 to 1,
    /// random in production), so that jobs failing together do not come back together, and
    /// none comes back sooner than half its step. An upstream's `Retry-After` is a floor.
    pub fn delay(&self, attempt: i32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let step = self
            .base
            .checked_mul(1 << doublings)
            .map_or(self.cap, |step| step.min(self.cap));
        let half = step / 2;
        let jittered = half
            + Duration::milliseconds(
                (half.num_milliseconds() as f64 * jitter.clamp(0.0, 1.0)) as i64,
            );
        retry_after.map_or(jittered, |floor| jittered.max(floor.min(self.cap)))
    }

    /// [`RetryPolicy::delay`] with a random jitter.
    pub fn random_delay(&self, attempt: i32, retry_after: Option<Duration>) -> Duration {
        use rand::Rng;
        self.delay(attempt, rand::thread_rng().r#gen::<f64>(), retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_base_up_to_the_cap_with_half_of_each_step_fixed() {
        let policy = RetryPolicy::default();
        let secs = |attempt, jitter| policy.delay(attempt, jitter, None).num_seconds();
        assert_eq!((secs(1, 0.0), secs(1, 1.0)), (5, 10));
        assert_eq!((secs(2, 0.0), secs(2, 1.0)), (10, 20));
        assert_eq!((secs(4, 0.0), secs(4, 1.0)), (40, 80));
        // 10 s × 2^9 is past the hour: capped.
        assert_eq!((secs(10, 0.0), secs(10, 1.0)), (1800, 3600));
        assert_eq!(secs(i32::MAX, 1.0), 3600, "no overflow");
        assert_eq!(secs(0, 1.0), 10, "a nonsense attempt number is the first");
        assert_eq!(secs(1, 7.0), 10, "jitter is clamped");
    }

    #[test]
    fn retry_after_is_a_floor_but_not_above_the_cap() {
        let policy = RetryPolicy::default();
        let delay = |retry_after| policy.delay(1, 0.0, Some(retry_after)).num_seconds();
        assert_eq!(
            delay(Duration::seconds(2)),
            5,
            "sooner than the backoff: the backoff"
        );
        assert_eq!(delay(Duration::seconds(90)), 90);
        assert_eq!(delay(Duration::days(2)), 3600, "capped");
    }

    #[test]
    fn a_job_is_tried_max_attempts_times() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..Default::default()
        };
        assert!(policy.retries_after(1));
        assert!(policy.retries_after(2));
        assert!(!policy.retries_after(3));
    }

    #[test]
    fn random_delays_stay_within_their_step() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let secs = policy.random_delay(3, None).num_seconds();
            assert!((20..=40).contains(&secs), "{secs}");
        }
    }
}
