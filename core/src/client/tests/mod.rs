//! Engine tests on the memory store.

mod full_disk;
mod oversized;
mod pulled_forward;

use super::memory::block_on;
