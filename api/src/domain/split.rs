//! Sharing an amount among funding sources exactly.

/// Splits `total` minor units by `shares` (basis points summing to 10000)
/// with the largest-remainder rule: each part is rounded down, then the
/// leftover units go one by one to the parts with the largest remainders
/// (ties to the earlier share). The parts always sum to `total`.
pub fn apportion(total: i64, shares: &[i32]) -> Vec<i64> {
    let weights: Vec<i64> = shares.iter().map(|bp| i64::from(*bp)).collect();
    apportion_by(total, &weights)
}

/// Splits `total` minor units in proportion to `weights` (any non-negative
/// numbers, such as days), by the same largest-remainder rule as
/// [`apportion`]: the parts always sum to `total`. With no weight at all,
/// everything goes to the first part.
pub fn apportion_by(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: i128 = weights.iter().map(|w| i128::from(Ord::max(*w, 0))).sum();
    if sum == 0 {
        let mut parts = vec![0; weights.len()];
        parts[0] = total;
        return parts;
    }
    let total_i = i128::from(total);
    let mut parts: Vec<(usize, i64, i128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = total_i * i128::from(Ord::max(*w, 0));
            (
                i,
                i64::try_from(exact.div_euclid(sum)).unwrap_or(0),
                exact.rem_euclid(sum),
            )
        })
        .collect();
    let assigned: i64 = parts.iter().map(|p| p.1).sum();
    let mut leftover = total - assigned;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order.into_iter().cycle().take(parts.len() * 2) {
        if leftover <= 0 {
            break;
        }
        parts[i].1 += 1;
        leftover -= 1;
    }
    parts.sort_by_key(|p| p.0);
    parts.into_iter().map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    use super::{apportion, apportion_by};

    #[test]
    fn a_share_spread_over_days_sums_exactly_with_the_largest_remainders_rounded_up() {
        // 100.00 over 31 + 28 + 31 days: 34.44.., 31.11.., 34.44.. -> one
        // leftover cent to the first of the two largest remainders.
        assert_eq!(apportion_by(10_000, &[31, 28, 31]), vec![3445, 3111, 3444]);
        assert_eq!(apportion_by(7, &[1, 1, 1]), vec![3, 2, 2]);
        assert_eq!(apportion_by(5, &[0, 0]), vec![5, 0]);
        assert_eq!(apportion_by(0, &[3, 4]), vec![0, 0]);
        for total in [1, 99, 1_000_003, 9_000_000_000_000_000] {
            let parts = apportion_by(total, &[92, 91, 92, 90, 1]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn parts_always_sum_to_the_total() {
        assert_eq!(apportion(100_000, &[6000, 4000]), vec![60_000, 40_000]);
        assert_eq!(apportion(100, &[3333, 3333, 3334]), vec![33, 33, 34]);
        assert_eq!(
            apportion(1, &[5000, 5000]),
            vec![1, 0],
            "ties go to the earlier share"
        );
        assert_eq!(apportion(10, &[3333, 3333, 3334]), vec![3, 3, 4]);
        for total in [0, 1, 7, 99_999, 123_456_789] {
            let parts = apportion(total, &[1, 2999, 7000]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }
}
