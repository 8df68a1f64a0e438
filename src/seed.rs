//! Seeds that mean the same order forever.
//!
//! Everything here is fixed by golden tests: ChaCha8 with a key built by hand (not
//! `seed_from_u64`, whose expansion belongs to rand_core), our own rejection sampling and our
//! own Fisher–Yates. Changing any output breaks every recorded seed, so don't.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Run seeds stay below 2^31: Jest rejects larger seeds, and short seeds are easier to paste.
pub const MAX_RUN_SEED: u64 = i32::MAX as u64;

const RUN_SEED_DOMAIN: &[u8; 16] = b"bleed:run-seeds\0";
const SHUFFLE_DOMAIN: &[u8; 16] = b"bleed:shuffle\0\0\0";
const SUB_SEED_DOMAIN: &[u8; 16] = b"bleed:sub-seed\0\0";

fn keyed_rng(domain: &[u8; 16], seed: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(domain);
    key[16..24].copy_from_slice(&seed.to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// A uniform value in `0..bound`, by rejection so no value is favoured.
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    assert!(bound > 0, "below(0) has no value to return");
    let limit = u64::MAX - u64::MAX % bound;
    loop {
        let x = rng.next_u64();
        if x < limit {
            return x % bound;
        }
    }
}

/// The seed of run `index` (0-based) of the hunt with this master seed, in `1..=MAX_RUN_SEED`.
/// Each run has its own ChaCha stream, so any run can be derived without the ones before it.
pub fn run_seed(master: u64, index: u64) -> u64 {
    let mut rng = keyed_rng(RUN_SEED_DOMAIN, master);
    rng.set_stream(index);
    1 + below(&mut rng, MAX_RUN_SEED)
}

/// The seed of stream `stream` under `seed`, for choices that need a seed of their own within
/// one run or schedule (a nested group's shuffle, a square's labels).
pub fn sub_seed(seed: u64, stream: u64) -> u64 {
    let mut rng = keyed_rng(SUB_SEED_DOMAIN, seed);
    rng.set_stream(stream);
    rng.next_u64()
}

/// A fresh master seed from the operating system, short enough to type back.
pub fn draw_master_seed() -> u64 {
    1 + rand::random::<u64>() % MAX_RUN_SEED
}

/// Fisher–Yates under ChaCha8: the order bleed imposes itself when it shuffles a test list.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = keyed_rng(SHUFFLE_DOMAIN, seed);
    for i in (1..items.len()).rev() {
        let j = below(&mut rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_seeds_are_pinned_forever() {
        let seeds: Vec<u64> = (0..6).map(|i| run_seed(19497, i)).collect();
        assert_eq!(seeds, GOLDEN_RUN_SEEDS);
        assert_eq!(run_seed(0, 0), GOLDEN_ZERO_MASTER);
        assert_eq!(run_seed(u64::MAX, 1_000_000), GOLDEN_MAX_MASTER);
    }

    #[test]
    fn shuffles_are_pinned_forever() {
        let mut items: Vec<u32> = (0..10).collect();
        shuffle(&mut items, 19497);
        assert_eq!(items, GOLDEN_SHUFFLE);
    }

    #[test]
    fn sub_seeds_are_pinned_forever() {
        assert_eq!(sub_seed(19497, 0), GOLDEN_SUB_SEED);
        assert_ne!(sub_seed(19497, 1), sub_seed(19497, 0));
        assert_ne!(sub_seed(19497, 1), run_seed(19497, 1));
    }

    #[test]
    fn run_seeds_stay_in_range_and_differ() {
        let seeds: std::collections::HashSet<u64> = (0..10_000).map(|i| run_seed(42, i)).collect();
        assert_eq!(seeds.len(), 10_000);
        assert!(seeds.iter().all(|s| (1..=MAX_RUN_SEED).contains(s)));
    }

    #[test]
    fn shuffle_is_a_permutation_and_covers_every_position() {
        let mut first_positions = [0u32; 5];
        for seed in 0..2_000 {
            let mut items: Vec<usize> = (0..5).collect();
            shuffle(&mut items, seed);
            let mut sorted = items.clone();
            sorted.sort();
            assert_eq!(sorted, vec![0, 1, 2, 3, 4]);
            first_positions[items[0]] += 1;
        }
        // Each item leads about 400 times in 2000 shuffles; a biased shuffle lands far outside.
        assert!(
            first_positions.iter().all(|&n| (300..500).contains(&n)),
            "{first_positions:?}"
        );
    }

    #[test]
    fn short_lists_shuffle_without_panicking() {
        let mut empty: Vec<u8> = vec![];
        shuffle(&mut empty, 1);
        let mut one = vec![7];
        shuffle(&mut one, 1);
        assert_eq!(one, vec![7]);
    }

    const GOLDEN_RUN_SEEDS: [u64; 6] = [
        1502836065, 1874359078, 903379358, 527449820, 1596763706, 1848522767,
    ];
    const GOLDEN_ZERO_MASTER: u64 = 704369010;
    const GOLDEN_MAX_MASTER: u64 = 792420611;
    const GOLDEN_SUB_SEED: u64 = 5720365160408977723;
    const GOLDEN_SHUFFLE: [u32; 10] = [0, 3, 2, 6, 4, 9, 1, 8, 5, 7];
}
