//! Sharing an amount among funding sources exactly.

/// Splits `total` minor units by `shares` (basis points summing to 10000)
/// with the largest-remainder rule: each part is rounded down, then the
/// leftover units go one by one to the parts with the largest remainders
/// (ties to the earlier share). The parts always sum to `total`.
pub fn apportion(total: i64, shares: &[i32]) -> Vec<i64> {
    let total_i = i128::from(total);
    let mut parts: Vec<(usize, i64, i128)> = shares
        .iter()
        .enumerate()
        .map(|(i, bp)| {
            let exact = total_i * i128::from(*bp);
            let floor = exact.div_euclid(10_000);
            (
                i,
                i64::try_from(floor).unwrap_or(0),
                exact.rem_euclid(10_000),
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
    use super::apportion;

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
