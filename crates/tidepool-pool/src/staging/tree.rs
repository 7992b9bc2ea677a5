//! The relay tree the coordinator assigns: the first `fanout` agents (in join order)
//! stage from the coordinator, and agent `p` relays to agents
//! `(p + 1) * fanout ..= (p + 2) * fanout - 1`.

use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

/// A child waits this long for its parent to stage before falling back to the
/// coordinator.
const PARENT_WAIT: Duration = Duration::from_secs(120);

/// The parent of agent `agent` in a tree of fan-out `fanout` (`None`: the coordinator).
pub fn parent_of(agent: u32, fanout: u32) -> Option<u32> {
    let fanout = fanout.max(1);
    (agent >= fanout).then(|| agent / fanout - 1)
}

/// Which agents have staged, and where each relays from.
pub struct Tree {
    fanout: u32,
    /// Agent -> its relay address once it staged (`None`: staged without a relay, or failed).
    staged: watch::Sender<BTreeMap<u32, Option<String>>>,
}

impl Tree {
    pub fn new(fanout: u32) -> Self {
        Self {
            fanout,
            staged: watch::channel(BTreeMap::new()).0,
        }
    }

    /// Record that `agent` finished staging (or failed, or has no relay: `None`).
    pub fn staged(&self, agent: u32, relay: Option<String>) {
        self.staged.send_modify(|m| {
            m.insert(agent, relay);
        });
    }

    /// The parent and relay address `agent` should stage from, once the parent has
    /// staged; `None` to stage from the coordinator (no parent, the parent failed
    /// or has no relay, or it did not stage within the wait).
    pub async fn source_for(&self, agent: u32) -> Option<(u32, String)> {
        let parent = parent_of(agent, self.fanout)?;
        let mut rx = self.staged.subscribe();
        let waited = tokio::time::timeout(PARENT_WAIT, rx.wait_for(|m| m.contains_key(&parent)));
        let map = waited.await.ok()?.ok()?;
        map.get(&parent)
            .cloned()
            .flatten()
            .map(|address| (parent, address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_the_configured_fan_out() {
        let parents: Vec<_> = (0..8).map(|a| parent_of(a, 2)).collect();
        assert_eq!(
            parents,
            [
                None,
                None,
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(2)
            ]
        );
        assert!((0..8).all(|a| parent_of(a, 8).is_none()));
        assert_eq!(parent_of(8, 8), Some(0));
    }

    #[tokio::test]
    async fn a_child_waits_for_its_parent_and_falls_back_when_it_failed() {
        let tree = std::sync::Arc::new(Tree::new(1));
        let waiter = {
            let tree = tree.clone();
            tokio::spawn(async move { tree.source_for(1).await })
        };
        tree.staged(0, Some("10.0.0.1:4000".into()));
        assert_eq!(waiter.await.unwrap(), Some((0, "10.0.0.1:4000".into())));
        tree.staged(1, None);
        assert_eq!(tree.source_for(2).await, None, "parent 1 failed");
        assert_eq!(
            tree.source_for(0).await,
            None,
            "children of the coordinator"
        );
    }
}
