//! The seeded generator of the unit tests that check a fast path against a
//! reference on many generated inputs (search index, Markdown, numbers):
//! xorshift64, so every machine generates the same inputs and a failure names
//! a seed that reproduces it.

pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`, which must not be 0.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
