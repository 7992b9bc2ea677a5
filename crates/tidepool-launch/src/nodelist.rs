//! Pure parsing of what Slurm and MPI launchers tell us about nodes: Slurm hostlist
//! expressions (`node[01-03,07],gpu5`), `scontrol show hostnames` output, the
//! `SLURM_*` variables of an allocation, CPU counts (`36(x2),24`), and MPI hostfiles.

/// A Slurm hostlist expression or count that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodelistError {
    #[error("unbalanced brackets in hostlist `{expr}`")]
    Unbalanced { expr: String },
    #[error("bad range `{range}` in hostlist `{expr}`: expected N or N-M with N <= M")]
    BadRange { expr: String, range: String },
    #[error("hostlist `{expr}` expands to more than {limit} hosts")]
    TooLarge { expr: String, limit: usize },
    #[error("`{text}` is not a CPU count list like `36(x2),24`")]
    BadCpuCount { text: String },
}

/// Hostlists larger than this are refused (a typo like `n[1-99999999]`).
const MAX_HOSTS: usize = 1_000_000;

/// Expands a Slurm hostlist expression into host names, in order, keeping zero
/// padding: `node[01-03,07],gpu5` gives node01 node02 node03 node07 gpu5; several
/// bracket groups multiply (`r[1-2]n[1-2]` gives r1n1 r1n2 r2n1 r2n2).
pub fn expand_hostlist(expr: &str) -> Result<Vec<String>, NodelistError> {
    let mut hosts = Vec::new();
    for item in split_top_level(expr)? {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        hosts.extend(expand_item(item, expr)?);
        if hosts.len() > MAX_HOSTS {
            return Err(NodelistError::TooLarge {
                expr: expr.to_string(),
                limit: MAX_HOSTS,
            });
        }
    }
    Ok(hosts)
}

/// Splits at commas outside brackets.
fn split_top_level(expr: &str) -> Result<Vec<&str>, NodelistError> {
    let unbalanced = || NodelistError::Unbalanced {
        expr: expr.to_string(),
    };
    let (mut depth, mut start, mut items) = (0usize, 0usize, Vec::new());
    for (i, c) in expr.char_indices() {
        match c {
            '[' if depth == 0 => depth = 1,
            ']' if depth == 1 => depth = 0,
            '[' | ']' => return Err(unbalanced()),
            ',' if depth == 0 => {
                items.push(&expr[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(unbalanced());
    }
    items.push(&expr[start..]);
    Ok(items)
}

/// Expands one host pattern with zero or more bracket groups.
fn expand_item(item: &str, expr: &str) -> Result<Vec<String>, NodelistError> {
    let Some(open) = item.find('[') else {
        return Ok(vec![item.to_string()]);
    };
    let close = open + item[open..].find(']').expect("brackets were balanced");
    let prefix = &item[..open];
    let numbers = expand_ranges(&item[open + 1..close], expr)?;
    let suffixes = expand_item(&item[close + 1..], expr)?;
    let mut hosts = Vec::with_capacity(numbers.len() * suffixes.len());
    for number in &numbers {
        for suffix in &suffixes {
            hosts.push(format!("{prefix}{number}{suffix}"));
        }
    }
    Ok(hosts)
}

/// `01-03,07` gives 01 02 03 07 (width of the start kept).
fn expand_ranges(ranges: &str, expr: &str) -> Result<Vec<String>, NodelistError> {
    let mut out = Vec::new();
    for range in ranges.split(',') {
        let bad = || NodelistError::BadRange {
            expr: expr.to_string(),
            range: range.to_string(),
        };
        let (lo, hi) = range.split_once('-').unwrap_or((range, range));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(lo) || !digits(hi) {
            return Err(bad());
        }
        let (start, end): (u64, u64) = (
            lo.parse().map_err(|_| bad())?,
            hi.parse().map_err(|_| bad())?,
        );
        if start > end || end - start > MAX_HOSTS as u64 {
            return Err(bad());
        }
        let width = lo.len();
        out.extend((start..=end).map(|n| format!("{n:0width$}")));
    }
    Ok(out)
}

/// Host names from `scontrol show hostnames` (one per line).
pub fn parse_hostnames(output: &str) -> Vec<String> {
    output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Per-node CPU counts from `SLURM_JOB_CPUS_PER_NODE` (`36(x2),24` gives 36 36 24).
pub fn expand_cpus_per_node(text: &str) -> Result<Vec<u32>, NodelistError> {
    let bad = || NodelistError::BadCpuCount {
        text: text.to_string(),
    };
    let mut counts = Vec::new();
    for item in text.split(',').map(str::trim) {
        let (count, repeat) = match item.split_once("(x") {
            Some((count, rest)) => (count, rest.strip_suffix(')').ok_or_else(bad)?),
            None => (item, "1"),
        };
        let count: u32 = count.parse().map_err(|_| bad())?;
        let repeat: usize = repeat.parse().map_err(|_| bad())?;
        if repeat > MAX_HOSTS {
            return Err(bad());
        }
        counts.extend(std::iter::repeat_n(count, repeat));
    }
    Ok(counts)
}

/// Distinct host names of an MPI hostfile or a PBS node file, in order of first
/// appearance: the first word of each line, before any `:` (`node01 slots=4`,
/// `node01:4`, one line per core); `#` starts a comment.
pub fn hostfile_hosts(text: &str) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let Some(word) = line.split_whitespace().next() else {
            continue;
        };
        let host = word.split(':').next().unwrap_or(word);
        if !host.is_empty() && !hosts.iter().any(|h| h == host) {
            hosts.push(host.to_string());
        }
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_ranges_lists_and_plain_hosts() {
        assert_eq!(
            expand_hostlist("node[01-03,07],gpu5").unwrap(),
            ["node01", "node02", "node03", "node07", "gpu5"]
        );
        assert_eq!(expand_hostlist("login1").unwrap(), ["login1"]);
        assert_eq!(
            expand_hostlist("c[8-11]").unwrap(),
            ["c8", "c9", "c10", "c11"]
        );
        assert_eq!(
            expand_hostlist("n[098-101]").unwrap(),
            ["n098", "n099", "n100", "n101"]
        );
    }

    #[test]
    fn several_bracket_groups_multiply() {
        assert_eq!(
            expand_hostlist("r[1-2]n[01-02]-ib,x").unwrap(),
            ["r1n01-ib", "r1n02-ib", "r2n01-ib", "r2n02-ib", "x"]
        );
    }

    #[test]
    fn captured_cluster_nodelists() {
        // Shapes seen at large sites: zero-padded ids and several groups.
        let hosts = expand_hostlist("nid[001234-001236,001240],nid002001").unwrap();
        assert_eq!(hosts.len(), 5);
        assert_eq!(hosts[3], "nid001240");
        let hosts = expand_hostlist("cn[1-3,5],gpu-a[01-02]").unwrap();
        assert_eq!(hosts, ["cn1", "cn2", "cn3", "cn5", "gpu-a01", "gpu-a02"]);
    }

    #[test]
    fn malformed_hostlists_are_errors() {
        assert!(matches!(
            expand_hostlist("node[01-03"),
            Err(NodelistError::Unbalanced { .. })
        ));
        assert!(matches!(
            expand_hostlist("node]1["),
            Err(NodelistError::Unbalanced { .. })
        ));
        assert!(matches!(
            expand_hostlist("node[[1]]"),
            Err(NodelistError::Unbalanced { .. })
        ));
        assert!(matches!(
            expand_hostlist("node[5-3]"),
            Err(NodelistError::BadRange { .. })
        ));
        assert!(matches!(
            expand_hostlist("node[a-b]"),
            Err(NodelistError::BadRange { .. })
        ));
        assert!(matches!(
            expand_hostlist("node[]"),
            Err(NodelistError::BadRange { .. })
        ));
        assert!(expand_hostlist("n[1-99999999]").is_err());
    }

    #[test]
    fn scontrol_hostnames_output() {
        let output = "node01\nnode02\n\nnode07\n";
        assert_eq!(parse_hostnames(output), ["node01", "node02", "node07"]);
    }

    #[test]
    fn cpu_counts_with_repeats() {
        assert_eq!(expand_cpus_per_node("36(x2),24").unwrap(), [36, 36, 24]);
        assert_eq!(expand_cpus_per_node("2").unwrap(), [2]);
        assert!(expand_cpus_per_node("36(x2").is_err());
        assert!(expand_cpus_per_node("many").is_err());
    }

    #[test]
    fn hostfiles_in_common_formats() {
        let openmpi = "# cluster\nnode01 slots=4\nnode02 slots=4 max_slots=8\n\n";
        assert_eq!(hostfile_hosts(openmpi), ["node01", "node02"]);
        let mpich = "node01:2\nnode02:2\n";
        assert_eq!(hostfile_hosts(mpich), ["node01", "node02"]);
        let pbs = "cn1\ncn1\ncn2\ncn2\ncn3\n";
        assert_eq!(hostfile_hosts(pbs), ["cn1", "cn2", "cn3"]);
    }
}
