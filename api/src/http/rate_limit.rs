//! A cost budget per caller: a leaky bucket in each caller's name (a user,
//! whatever session or API token they use, or an anonymous caller's
//! address), filled by the
//! cost of each operation and emptied continuously at `per_minute / 60`
//! points a second. An operation that would overflow it is refused with
//! `RATE_LIMITED` and the seconds to wait.
//!
//! The buckets live in the process: behind several instances a caller's
//! budget is per instance (a load balancer with sticky routing by
//! `Authorization` keeps it one). Buckets that have run empty are dropped
//! once there are many, so memory stays bounded by the callers of the last
//! minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before the empty ones are swept.
const SWEEP_AT: usize = 10_000;

/// Where a caller's budget stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    /// The most the bucket holds: the budget per minute.
    pub maximum: u64,
    /// What the caller may still spend now.
    pub available: u64,
    /// Points given back per second.
    pub restore_rate: f64,
}

#[derive(Debug)]
struct Bucket {
    /// Points in the bucket (spent and not yet leaked away).
    level: f64,
    at: Instant,
}

/// The buckets of one server.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    rate: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A budget of `per_minute` points; `None` when it is 0 (no limit).
    pub fn new(per_minute: u64) -> Option<Self> {
        (per_minute > 0).then(|| Self {
            capacity: per_minute as f64,
            rate: per_minute as f64 / 60.0,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    fn status_of(&self, level: f64) -> Status {
        Status {
            maximum: self.capacity as u64,
            available: (self.capacity - level).max(0.0).floor() as u64,
            restore_rate: self.rate,
        }
    }

    /// Spends `cost` from `key`'s budget, or says how many whole seconds to
    /// wait until it could (at least 1).
    pub fn take(&self, key: &str, cost: u64) -> Result<Status, u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT && !buckets.contains_key(key) {
            let rate = self.rate;
            buckets.retain(|_, b| b.level - now.duration_since(b.at).as_secs_f64() * rate > 0.0);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            level: 0.0,
            at: now,
        });
        bucket.level =
            (bucket.level - now.duration_since(bucket.at).as_secs_f64() * self.rate).max(0.0);
        bucket.at = now;
        let cost = cost as f64;
        if bucket.level + cost > self.capacity {
            let wait = (bucket.level + cost - self.capacity) / self.rate;
            return Err((wait.ceil() as u64).max(1));
        }
        bucket.level += cost;
        Ok(self.status_of(bucket.level))
    }

    /// Gives back `points` charged to `key` that the operation did not use.
    pub fn refund(&self, key: &str, points: u64) -> Status {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get_mut(key) {
            Some(bucket) => {
                bucket.level = (bucket.level - points as f64).max(0.0);
                self.status_of(bucket.level)
            }
            None => self.status_of(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_what_would_overflow_it_and_says_how_long_to_wait() {
        let limiter = RateLimiter::new(600).unwrap(); // 10 points a second
        assert_eq!(limiter.take("a", 500).unwrap().available, 100);
        // Another caller has a bucket of its own.
        assert_eq!(limiter.take("b", 600).unwrap().available, 0);
        // 500 + 200 overflows 600 by 100 points: 10 seconds at 10 a second.
        let wait = limiter.take("a", 200).unwrap_err();
        assert!((9..=10).contains(&wait), "{wait}");
        // A refused request spends nothing.
        assert!(limiter.take("a", 100).is_ok());
        // A refund gives back what was not used.
        assert_eq!(limiter.refund("a", 600).available, 600);
        assert!(RateLimiter::new(0).is_none());
    }
}
