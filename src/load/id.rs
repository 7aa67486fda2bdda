//! Typed ids for the site's objectives and key results, and [`IdVec`], the
//! only vector they index.
//!
//! The site, its scores and its views keep one row per KR (and per objective)
//! in the same order. Joined by a bare `usize`, an off-by-one or an objective's
//! position used on the KRs would show the wrong item and still compile. With
//! [`KrId`] and [`ObjectiveId`] the join is checked by the compiler: an
//! `IdVec<KrId, _>` can only be indexed by a `KrId`, and ids are made only by
//! the vector that holds the rows (`ids`, `iter_enumerated`, `push`), never
//! from a number outside this module.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use rayon::prelude::*;

/// A position in an [`IdVec`]. Implemented only by the ids of this module.
pub trait Id: Copy + Ord + fmt::Debug + Send + Sync + private::Sealed {}

/// Sealed: code outside this module can neither implement `Id` nor name
/// these methods, so it cannot turn a number into an id.
mod private {
    pub trait Sealed {
        fn from_position(i: usize) -> Self;
        fn position(self) -> usize;
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// A placeholder for a link not made yet; `Site::link` replaces
            /// it. Indexing with it panics.
            pub const UNLINKED: $name = $name(u32::MAX);
        }

        impl $name {
            /// The `i`th row, for tests that know the order of the site they
            /// built.
            #[cfg(test)]
            pub(crate) fn nth(i: usize) -> Self {
                <Self as private::Sealed>::from_position(i)
            }
        }

        impl private::Sealed for $name {
            fn from_position(i: usize) -> Self {
                // A site has far fewer than 4 billion objectives or KRs: the
                // files alone would not fit in memory.
                $name(u32::try_from(i).expect(concat!(stringify!($name), " out of range")))
            }
            fn position(self) -> usize {
                self.0 as usize
            }
        }

        impl Id for $name {}
    };
}

id!(
    /// A key result: its row in `Site::key_results`, `Scores::krs`,
    /// `Scores::flags`, `Views::krs` and every other per-KR vector of one site.
    KrId
);
id!(
    /// An objective: its row in `Site::objectives`, `Scores::objectives`,
    /// `Views::objectives` and every other per-objective vector of one site.
    ObjectiveId
);

/// A vector indexed by a typed id `I` instead of a `usize`. It deliberately
/// has no `Deref` to a slice, so `v[3]` does not compile.
pub struct IdVec<I, T> {
    raw: Vec<T>,
    _id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    pub fn new() -> Self {
        IdVec {
            raw: Vec::new(),
            _id: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Appends a row and returns its id.
    pub fn push(&mut self, value: T) -> I {
        self.raw.push(value);
        I::from_position(self.raw.len() - 1)
    }

    pub fn get(&self, id: I) -> Option<&T> {
        self.raw.get(id.position())
    }

    /// Every id of this vector, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.raw.len()).map(I::from_position)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.raw.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.raw.iter_mut()
    }

    /// Rows with their ids, in order.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.raw
            .iter()
            .enumerate()
            .map(|(i, t)| (I::from_position(i), t))
    }

    /// Rows with their ids, mutably, in order.
    pub fn iter_enumerated_mut(&mut self) -> impl Iterator<Item = (I, &mut T)> {
        self.raw
            .iter_mut()
            .enumerate()
            .map(|(i, t)| (I::from_position(i), t))
    }

    /// A vector of the same ids: `f` of each row.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> IdVec<I, U> {
        self.raw.iter().map(f).collect()
    }

    /// Ids change: every id handed out before is stale afterwards.
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.raw.retain(f);
    }

    /// Ids change: every id handed out before is stale afterwards.
    pub fn sort_by(&mut self, f: impl FnMut(&T, &T) -> std::cmp::Ordering) {
        self.raw.sort_by(f);
    }

    /// The id of the row `f` finds in a vector sorted by it.
    pub fn binary_search_by(&self, f: impl FnMut(&T) -> std::cmp::Ordering) -> Option<I> {
        self.raw.binary_search_by(f).ok().map(I::from_position)
    }
}

impl<I: Id, T: Send + Sync> IdVec<I, T> {
    pub fn par_iter(&self) -> rayon::slice::Iter<'_, T> {
        self.raw.par_iter()
    }

    /// Rows with their ids, in parallel (collected in order).
    pub fn par_iter_enumerated(&self) -> impl IndexedParallelIterator<Item = (I, &T)> {
        self.raw
            .par_iter()
            .enumerate()
            .map(|(i, t)| (I::from_position(i), t))
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        &self.raw[id.position()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.raw[id.position()]
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(raw: Vec<T>) -> Self {
        IdVec {
            raw,
            _id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<I, T: Send> FromParallelIterator<T> for IdVec<I, T> {
    fn from_par_iter<P: IntoParallelIterator<Item = T>>(iter: P) -> Self {
        Vec::from_par_iter(iter).into()
    }
}

impl<I, T> Extend<T> for IdVec<I, T> {
    fn extend<It: IntoIterator<Item = T>>(&mut self, iter: It) {
        self.raw.extend(iter)
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.iter_mut()
    }
}

impl<I, T> IntoIterator for IdVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.raw.into_iter()
    }
}

impl<I, T: Clone> Clone for IdVec<I, T> {
    fn clone(&self) -> Self {
        self.raw.clone().into()
    }
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

impl<I, T: PartialEq> PartialEq for IdVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only when `T` does not implement `Index<Idx>`: with such an
    /// impl, `AmbiguousIfIndex<_>` would have two candidates and fail to
    /// infer (the `static_assertions::assert_not_impl_any` technique).
    macro_rules! assert_not_indexable {
        ($t:ty, $idx:ty) => {
            const _: fn() = || {
                trait AmbiguousIfIndex<A> {
                    fn some_item() {}
                }
                impl<T: ?Sized> AmbiguousIfIndex<()> for T {}
                #[allow(dead_code)]
                struct Invalid;
                impl<T: ?Sized + Index<$idx>> AmbiguousIfIndex<Invalid> for T {}
                let _ = <$t as AmbiguousIfIndex<_>>::some_item;
            };
        };
    }

    // The point of the ids: the KR rows of a site cannot be read with a raw
    // position or an objective's id, nor the objective rows with a KR's id.
    assert_not_indexable!(IdVec<KrId, u8>, usize);
    assert_not_indexable!(IdVec<KrId, u8>, ObjectiveId);
    assert_not_indexable!(IdVec<ObjectiveId, u8>, usize);
    assert_not_indexable!(IdVec<ObjectiveId, u8>, KrId);
    assert_not_indexable!(crate::load::Site, usize);

    #[test]
    fn ids_index_the_rows_they_came_from() {
        let mut v: IdVec<KrId, &str> = IdVec::new();
        let a = v.push("a");
        let b = v.push("b");
        assert_eq!((v[a], v[b]), ("a", "b"));
        assert_eq!(v.ids().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(v.iter_enumerated().map(|(i, _)| i).next_back(), Some(b));
        assert_eq!(v.binary_search_by(|s| s.cmp(&"b")), Some(b));
        assert_eq!(v.map(|s| s.len())[b], 1);
    }
}
