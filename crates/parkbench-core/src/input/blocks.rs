//! A vector kept in blocks of a fixed number of items: growing adds a block and never moves
//! what it holds. The collector's groups (one per unit, year and metric: some five million,
//! hundreds of megabytes, in a national year of enterprise rows) grew by doubling in one
//! vector, so each growth copied all of them into new memory the system had to zero.

/// Items of a block (of the collector's groups, about a megabyte; blocks of 1,024 groups made
/// the national year's peak higher, 2.52 against 2.44 GB).
const BLOCK: usize = 1 << 13;

/// A vector of `T` in blocks of 8,192 items, indexed as one. (A clone's last block has no room
/// to spare: its next push moves that block, as a vector's would.)
#[derive(Clone)]
pub struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

/// Printed as the list of its items, as a vector is.
impl<T: std::fmt::Debug> std::fmt::Debug for Blocks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Default for Blocks<T> {
    fn default() -> Self {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Blocks<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `item` at the end (in a new block when the last is full).
    pub fn push(&mut self, item: T) {
        match self.blocks.last_mut() {
            Some(last) if last.len() < BLOCK => last.push(item),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(item);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.blocks.get(i / BLOCK)?.get(i % BLOCK)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.blocks.get_mut(i / BLOCK)?.get_mut(i % BLOCK)
    }

    /// The items, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.blocks.iter().flatten()
    }
}

impl<T> std::ops::Index<usize> for Blocks<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => panic!("index {i} beyond {} items", self.len),
        }
    }
}

impl<T> std::ops::IndexMut<usize> for Blocks<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len;
        match self.get_mut(i) {
            Some(item) => item,
            None => panic!("index {i} beyond {len} items"),
        }
    }
}

impl<'a, T> IntoIterator for &'a Blocks<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.blocks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_index_and_iterate_as_one_vector_across_block_ends() {
        for n in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 7] {
            let mut b = Blocks::default();
            let mut v = Vec::new();
            for i in 0..n {
                b.push(i * 3);
                v.push(i * 3);
            }
            assert_eq!(b.len(), n);
            assert_eq!(b.is_empty(), n == 0);
            assert!(b.iter().eq(v.iter()), "{n}");
            assert!((&b).into_iter().eq(v.iter()), "{n}");
            for i in [0, 1, BLOCK - 1, BLOCK, n.saturating_sub(1)] {
                assert_eq!(b.get(i), v.get(i), "{n}: {i}");
            }
            assert_eq!(b.get(n), None);
            assert_eq!(format!("{b:?}"), format!("{v:?}"));
            if n > BLOCK {
                b[BLOCK] += 1;
                assert_eq!(b[BLOCK], BLOCK * 3 + 1);
                assert_eq!(b[BLOCK - 1], (BLOCK - 1) * 3);
            }
        }
    }

    #[test]
    fn an_item_keeps_its_address_as_the_blocks_grow() {
        let mut b = Blocks::default();
        b.push(1u64);
        let at: *const u64 = &b[0];
        for i in 0..4 * BLOCK {
            b.push(i as u64);
        }
        assert_eq!(&b[0] as *const u64, at);
    }

    #[test]
    #[should_panic(expected = "index 5 beyond 2 items")]
    fn an_index_beyond_the_items_panics_as_a_vector_does() {
        let mut b = Blocks::default();
        b.push(1);
        b.push(2);
        let _ = b[5];
    }
}
