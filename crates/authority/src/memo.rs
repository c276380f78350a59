//! Deciding once per set of facts when a listing asks about many records.

use std::collections::HashMap;

use domain::Action;

use crate::authority::Authority;
use crate::principal::Principal;
use crate::resource::Resource;

/// One principal's decisions over many records (a board, a list): a
/// decision is a function of the principal, the action and the resource's
/// facts — never of the resource's identity, which the policy does not
/// name ([`Resource::anonymous`]) — so records with the same facts (every
/// open request of one delegation in one state) are decided once. Lives for
/// one listing: the records' facts are read fresh each time.
#[derive(Debug)]
pub struct Memo<'a> {
    authority: &'a Authority,
    principal: &'a Principal,
    seen: HashMap<(Action, Resource), bool>,
}

impl<'a> Memo<'a> {
    /// An empty memo of `principal`'s decisions under `authority`.
    pub fn new(authority: &'a Authority, principal: &'a Principal) -> Memo<'a> {
        Memo {
            authority,
            principal,
            seen: HashMap::new(),
        }
    }

    /// Whether the principal may take `action` on `resource`.
    pub fn allowed(&mut self, action: Action, resource: &Resource) -> bool {
        let key = (action, resource.anonymous());
        if let Some(allowed) = self.seen.get(&key) {
            return *allowed;
        }
        let allowed = self
            .authority
            .decide(self.principal, action, resource)
            .allowed;
        self.seen.insert(key, allowed);
        allowed
    }

    /// How many decisions were taken (not remembered), for tests and
    /// benchmarks.
    pub fn decided(&self) -> usize {
        self.seen.len()
    }
}
