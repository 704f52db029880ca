//! Hash chain of session records. // want: -

use std::collections::HashMap;
use std::fmt;

/// A 32-byte digest. // want: -
#[derive(Clone, Copy, PartialEq, Eq, Hash)] // want: struct Digest
pub struct Digest([u8; 32]); // want: struct Digest

#[derive(Debug)] // want: enum ChainError
// a comment between the attribute and the item
pub enum ChainError { // want: enum ChainError
    Broken { at: usize }, // want: enum ChainError
    Empty,
} // want: enum ChainError

impl fmt::Display for ChainError { // want: impl <ChainError as fmt::Display>
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { // want: method <ChainError as fmt::Display>::fmt
        match self {
            ChainError::Broken { at } => write!(f, "broken at {at}"),
            ChainError::Empty => write!(f, "empty"), // want: method <ChainError as fmt::Display>::fmt
        }
    } // want: method <ChainError as fmt::Display>::fmt
} // want: impl <ChainError as fmt::Display>

pub trait Hasher { // want: trait Hasher
    fn hash(&self, data: &[u8]) -> Digest; // want: trait Hasher

    fn hash_pair(&self, a: &Digest, b: &Digest) -> Digest { // want: method Hasher::hash_pair
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&a.0);
        buf.extend_from_slice(&b.0);
        self.hash(&buf)
    }
}

pub struct Chain<H: Hasher> { // want: struct Chain
    hasher: H,
    links: Vec<Digest>,
}

impl<H: Hasher> Chain<H> { // want: impl Chain<H>
    pub fn new(hasher: H) -> Self { // want: method Chain<H>::new
        Self { hasher, links: Vec::new() }
    }

    pub async fn append(&mut self, record: &[u8]) -> Digest { // want: method Chain<H>::append
        let leaf = self.hasher.hash(record);
        let next = match self.links.last() {
            Some(prev) => self.hasher.hash_pair(prev, &leaf),
            None => leaf,
        };
        let log = |d: &Digest| d.0[0]; // want: method Chain<H>::append
        let _ = log(&next);
        self.links.push(next);
        next
    }

    #[inline] // want: method Chain<H>::len
    pub fn len(&self) -> usize {
        self.links.len()
    }
}

mod index { // want: module index
    use super::Digest;

    pub fn positions(links: &[Digest]) -> super::HashMap<Digest, usize> { // want: function index::positions
        fn entry(i: usize, d: &Digest) -> (Digest, usize) { // want: function index::positions::entry
            (*d, i)
        }
        links.iter().enumerate().map(|(i, d)| entry(i, d)).collect() // want: function index::positions
    }
} // want: module index

macro_rules! digest { // want: macro digest
    ($b:expr) => { // want: macro digest
        Digest([$b; 32])
    };
}

#[cfg(test)] // want: module tests
mod tests {
    use super::*;

    #[test] // want: function tests::display
    fn display() {
        assert_eq!(ChainError::Empty.to_string(), "empty"); // want: function tests::display
        let _ = digest!(0);
    }
}
