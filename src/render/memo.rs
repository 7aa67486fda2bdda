//! What `okra serve` keeps between rebuilds of the views, so that after an
//! edit only what it touched is made again: rendered Markdown, and whole
//! update rows (most of the rows on a large site, and most of the views' time).
//!
//! Keys are 128-bit hashes of everything the value depends on, so a changed
//! input can never be answered from the memo short of a 2^-128 collision. Each
//! [`Memo::rotate`] keeps only the entries the last build used, so edits do not
//! make it grow.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Values of one kind by key.
pub struct Memo<T> {
    /// Value by key, with the number of the last build that used it (set
    /// without a lock: hits are most lookups, from every rendering thread).
    kept: HashMap<u128, (T, AtomicU64)>,
    /// What the current build had to make anew.
    new: Mutex<HashMap<u128, T>>,
    /// The current build's number.
    build: u64,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            kept: HashMap::new(),
            new: Mutex::default(),
            build: 0,
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The value for `key`, made by `make` unless an earlier build made it.
    pub fn get(&self, key: u128, make: impl FnOnce() -> T) -> T {
        if let Some((value, used)) = self.kept.get(&key) {
            used.store(self.build, Ordering::Relaxed);
            return value.clone();
        }
        let value = make();
        self.new
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, value.clone());
        value
    }

    /// Starts the next build: what this one used is what the next one may reuse.
    pub fn rotate(&mut self) {
        let build = self.build;
        self.kept.retain(|_, (_, used)| *used.get_mut() == build);
        let new = std::mem::take(self.new.get_mut().unwrap_or_else(PoisonError::into_inner));
        self.kept.extend(
            new.into_iter()
                .map(|(key, value)| (key, (value, AtomicU64::new(build)))),
        );
        self.build += 1;
    }

    /// Entries remembered for the next build.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}

/// Two 64-bit hashes of `value` with fixed, different seeds. foldhash, not
/// SipHash: the keys cover every status update's text at each rebuild, and
/// foldhash reads long strings several times faster (SipHash was ~15 % of a
/// 10k-KR rebuild). It resists no deliberate collision, which is not needed
/// here: the memo only serves `okra serve`'s preview of the author's own
/// files; `okra build` never uses it.
pub fn key(value: &impl Hash) -> u128 {
    use std::hash::BuildHasher;
    let half = |seed: u64| foldhash::quality::FixedState::with_seed(seed).hash_one(value);
    (u128::from(half(0x6f6b_7261_0001)) << 64) | u128::from(half(0x6f6b_7261_0002))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_the_last_build_used_and_nothing_else() {
        let mut memo: Memo<String> = Memo::default();
        assert!(memo.is_empty());
        let made = std::cell::RefCell::new(Vec::new());
        let get = |memo: &Memo<String>, key: u128| {
            memo.get(key, || {
                made.borrow_mut().push(key);
                format!("value {key}")
            })
        };
        // Build 1 makes a and b.
        assert_eq!(get(&memo, 1), "value 1");
        assert_eq!(get(&memo, 2), "value 2");
        memo.rotate();
        assert_eq!((made.borrow().clone(), memo.len()), (vec![1, 2], 2));
        assert!(!memo.is_empty());
        // Build 2 uses a again (not made) and makes c; b is not used.
        assert_eq!(get(&memo, 1), "value 1");
        assert_eq!(get(&memo, 3), "value 3");
        memo.rotate();
        assert_eq!(*made.borrow(), [1, 2, 3]);
        assert_eq!(memo.len(), 2, "b, unused by the last build, is forgotten");
        // Build 3: b is made again, a and c are remembered.
        get(&memo, 1);
        get(&memo, 2);
        get(&memo, 3);
        assert_eq!(*made.borrow(), [1, 2, 3, 2]);
    }

    /// Both 64-bit halves come from the value, each with its own seed.
    #[test]
    fn a_key_has_two_independent_halves() {
        for value in ["", "a", "a longer text, as an update's body would be"] {
            let k = key(&value);
            let (high, low) = ((k >> 64) as u64, k as u64);
            assert_ne!(high, 0, "{value:?}");
            assert_ne!(low, 0, "{value:?}");
            assert_ne!(high, low, "{value:?}");
            assert_ne!(k, key(&format!("{value}!")));
        }
        // The same value, the same key (builds are compared across rebuilds).
        assert_eq!(key(&("x", 1)), key(&("x", 1)));
    }
}
