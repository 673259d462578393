//! Lock discipline for DDL on a busy database. A migration's DDL waits for its table lock at most
//! the lock timeout; while it waits, every query on that table queues behind it, so the timeout
//! is what the application's traffic can be made to wait. When it expires, the migration's
//! transaction is rolled back (nothing of it stays) and tried again after a pause that doubles
//! each time, with jitter so that runners and applications do not retry in step, until the retry
//! budget is spent. The practice of pgroll, GitLab's lock retries and strong_migrations.

use std::time::{Duration, Instant};

/// The first pause between attempts.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between attempts.
const LONGEST_PAUSE: Duration = Duration::from_secs(10);

/// The pauses between the attempts of one migration.
#[derive(Debug)]
pub(crate) struct Backoff {
    started: Instant,
    budget: Duration,
    next: Duration,
    longest: Duration,
    attempts: u32,
    seed: u64,
}

impl Backoff {
    pub(crate) fn new(budget: Duration) -> Backoff {
        Backoff::with(FIRST_PAUSE, LONGEST_PAUSE, budget)
    }

    /// Pauses that double from `first` up to `longest`, within `budget`.
    pub(crate) fn with(first: Duration, longest: Duration, budget: Duration) -> Backoff {
        Backoff {
            started: Instant::now(),
            budget,
            next: first,
            longest,
            attempts: 1,
            seed: seed(),
        }
    }

    /// The pause before the next attempt, or `None` when it would end past the budget.
    pub(crate) fn next_pause(&mut self) -> Option<Duration> {
        // Jitter: between half and all of the nominal pause.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let fraction = 0.5 + (self.seed % 1000) as f64 / 2000.0;
        let pause = self.next.mul_f64(fraction);
        if self.started.elapsed() + pause > self.budget {
            return None;
        }
        self.next = (self.next * 2).min(self.longest);
        self.attempts += 1;
        Some(pause)
    }

    /// A short pause (100 to 250 ms) between two looks at something that costs nothing to look
    /// at, within the same budget; the doubling pauses are not advanced.
    pub(crate) fn poll(&mut self) -> Option<Duration> {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let pause = Duration::from_millis(100 + self.seed % 151);
        (self.started.elapsed() + pause <= self.budget).then_some(pause)
    }

    /// The attempts made so far.
    #[cfg(test)]
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time since the first attempt started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// A seed that differs between processes and calls, without a random-number crate.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish() | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_with_jitter_and_stop_at_the_budget() {
        let mut backoff = Backoff::new(Duration::from_secs(3));
        let pauses: Vec<Duration> = std::iter::from_fn(|| backoff.next_pause())
            .take(20)
            .collect();
        assert!(!pauses.is_empty());
        for (i, pause) in pauses.iter().enumerate() {
            let nominal = FIRST_PAUSE * 2u32.pow(i as u32);
            assert!(*pause >= nominal / 2 && *pause <= nominal, "{i}: {pause:?}");
        }
        // The pauses are not slept here, so the budget ends the sequence by the pause sizes.
        let total: Duration = pauses.iter().sum();
        assert!(total <= Duration::from_secs(3) * 2, "{total:?}");
        assert_eq!(backoff.attempts() as usize, pauses.len() + 1);
    }
}
