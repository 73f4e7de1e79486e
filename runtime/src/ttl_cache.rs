//! A map whose entries expire, for what the servers remember per caller (key checks, `whoami`
//! answers, resource reads). Callers are named by [`key_hash`], so no key is ever stored. A
//! server answering many callers stays small: expired entries go whenever one is stored, and at
//! capacity the half closest to expiry goes too.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A caller's name in caches: a hash of their key, seeded per process (0 is kept for "no key").
pub fn key_hash(key: &str) -> u64 {
    static SEED: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    let mut hasher = SEED.get_or_init(Default::default).build_hasher();
    hasher.write(key.as_bytes());
    hasher.finish().max(1)
}

/// Entries that expire; values are cloned out.
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// An empty cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::default(),
            capacity: capacity.max(2),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value stored under `key`, unless it has expired.
    pub fn get(&self, key: &K) -> Option<V> {
        self.get_fresh(key).map(|(value, _)| value)
    }

    /// The value stored under `key` and how long it has left, unless it has expired.
    pub fn get_fresh(&self, key: &K) -> Option<(V, Duration)> {
        let now = Instant::now();
        self.lock()
            .get(key)
            .filter(|(expires, _)| now < *expires)
            .map(|(expires, value)| (value.clone(), *expires - now))
    }

    /// Stores `value` for `ttl`.
    pub fn insert(&self, key: K, value: V, ttl: Duration) {
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, (expires, _)| now < *expires);
        if entries.len() >= self.capacity {
            let mut expiries: Vec<Instant> = entries.values().map(|(expires, _)| *expires).collect();
            expiries.sort_unstable();
            let cut = expiries[self.capacity / 2];
            entries.retain(|_, (expires, _)| *expires >= cut);
        }
        entries.insert(key, (now + ttl, value));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let cache = TtlCache::new(8);
        cache.insert("a", 1, Duration::from_secs(60));
        cache.insert("gone", 2, Duration::ZERO);
        assert_eq!(cache.get(&"a"), Some(1));
        let (_, left) = cache.get_fresh(&"a").unwrap();
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(59));
        assert_eq!(cache.get(&"gone"), None);
        assert_eq!(cache.get(&"never"), None);
        cache.insert("b", 3, Duration::from_secs(60));
        assert_eq!(cache.len(), 2, "storing drops expired entries");
    }

    #[test]
    fn at_capacity_the_half_closest_to_expiry_goes() {
        let cache = TtlCache::new(4);
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            cache.insert(key, i, Duration::from_secs(60 + i as u64));
        }
        cache.insert("e", 4, Duration::from_secs(60));
        assert_eq!(cache.len(), 3);
        assert_eq!((cache.get(&"a"), cache.get(&"b")), (None, None));
        assert_eq!(
            (cache.get(&"c"), cache.get(&"d"), cache.get(&"e")),
            (Some(2), Some(3), Some(4))
        );
    }

    #[test]
    fn key_hashes_are_stable_and_never_zero() {
        assert_eq!(key_hash("sk-inference-a"), key_hash("sk-inference-a"));
        assert_ne!(key_hash("sk-inference-a"), key_hash("sk-inference-b"));
        assert_ne!(key_hash(""), 0);
    }
}
