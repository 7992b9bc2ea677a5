//! The exact hypervolume of a set of points (minimised) against a reference point:
//! the measure of the region the points dominate inside the reference box. Two
//! objectives by a sweep; more by slicing along the last objective (HSO, exact, cost
//! growing as n^(m-1), fine for the archives PADDS keeps).

/// The hypervolume dominated by `points` and bounded by `reference`.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<&[f64]> = points
        .iter()
        .map(Vec::as_slice)
        .filter(|p| p.iter().zip(reference).all(|(x, r)| x < r))
        .collect();
    slice(&inside, reference)
}

fn slice(points: &[&[f64]], reference: &[f64]) -> f64 {
    let m = reference.len();
    if points.is_empty() {
        return 0.0;
    }
    if m == 1 {
        let best = points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        return reference[0] - best;
    }
    if m == 2 {
        return sweep(points, reference);
    }
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a[m - 1].total_cmp(&b[m - 1]));
    let mut volume = 0.0;
    for k in 0..sorted.len() {
        let next = sorted.get(k + 1).map_or(reference[m - 1], |p| p[m - 1]);
        let depth = next - sorted[k][m - 1];
        if depth > 0.0 {
            let lower: Vec<&[f64]> = sorted[..=k].iter().map(|p| &p[..m - 1]).collect();
            volume += depth * slice(&lower, &reference[..m - 1]);
        }
    }
    volume
}

/// Two objectives: sort by the first, add the strip each point adds below the last.
fn sweep(points: &[&[f64]], reference: &[f64]) -> f64 {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut volume = 0.0;
    let mut ceiling = reference[1];
    for p in sorted {
        if p[1] < ceiling {
            volume += (reference[0] - p[0]) * (ceiling - p[1]);
            ceiling = p[1];
        }
    }
    volume
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_objectives_as_a_union_of_rectangles() {
        // (1,3) (2,2) (3,1) against (4,4): staircase 3*1 + 2*1 + 1*1 ... by hand:
        // rectangles [1,4]x[3,4]=3, [2,4]x[2,3]=2, [3,4]x[1,2]=1 -> 6
        let pts = vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 1.0]];
        assert_eq!(hypervolume(&pts, &[4.0, 4.0]), 6.0);
        // a dominated point and one outside the box change nothing
        let mut more = pts.clone();
        more.push(vec![3.0, 3.0]);
        more.push(vec![5.0, 0.0]);
        assert_eq!(hypervolume(&more, &[4.0, 4.0]), 6.0);
    }

    #[test]
    fn three_objectives_match_inclusion_exclusion() {
        // boxes [a,r]: a=(0,1,1) vol 1*... r=(2,2,2): (2)(1)(1)=2; b=(1,0,1): (1)(2)(1)=2;
        // a∩b = [max]=(1,1,1): 1; union = 3
        let pts = vec![vec![0.0, 1.0, 1.0], vec![1.0, 0.0, 1.0]];
        assert_eq!(hypervolume(&pts, &[2.0, 2.0, 2.0]), 3.0);
        // add c=(1,1,0): vol 2; a∩c=(1,1,1):1; b∩c=(1,1,1):1; a∩b∩c:1 -> 3+2-1-1+1=4
        let mut three = pts;
        three.push(vec![1.0, 1.0, 0.0]);
        assert_eq!(hypervolume(&three, &[2.0, 2.0, 2.0]), 4.0);
    }
}
