//! Who may do what. Every permission decision of the Hub is made here, so the rules
//! can be read (and tested) in one place; the gateway only asks.

use crate::code_enum;
use crate::contact::Visibility;
use crate::ids::{ApiKeyId, OrganisationId, UserId};

code_enum!(
    /// The role of a user account.
    Role {
        /// The commissioner's office: may do everything.
        Coordinator = "coordinator",
        /// Keeps one organisation's data current.
        Editor = "editor",
    }
);

/// The party behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in: public read only.
    Anonymous,
    /// A partner website with an API key: public read only.
    Partner {
        /// The key used.
        key: ApiKeyId,
    },
    /// An editor of one organisation.
    Editor {
        /// The account.
        user: UserId,
        /// The organisation they keep.
        organisation: OrganisationId,
    },
    /// The coordinator.
    Coordinator {
        /// The account.
        user: UserId,
    },
}

/// Why something was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The request needs a signed-in user.
    Unauthenticated,
    /// The signed-in user lacks the right.
    Forbidden,
}

impl Actor {
    /// Whether the actor is a signed-in user (editor or coordinator).
    pub fn is_member(self) -> bool {
        matches!(self, Actor::Editor { .. } | Actor::Coordinator { .. })
    }

    /// The account behind the request, if any.
    pub fn user(self) -> Option<UserId> {
        match self {
            Actor::Editor { user, .. } | Actor::Coordinator { user } => Some(user),
            Actor::Anonymous | Actor::Partner { .. } => None,
        }
    }

    /// Changing an organisation and everything that belongs to it (locations,
    /// services, contacts, translations): the coordinator, or that organisation's editor.
    pub fn may_edit(self, organisation: OrganisationId) -> Result<(), Denied> {
        match self {
            Actor::Coordinator { .. } => Ok(()),
            Actor::Editor {
                organisation: own, ..
            } if own == organisation => Ok(()),
            Actor::Editor { .. } => Err(Denied::Forbidden),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Admitting or removing organisations, managing users and API keys: the coordinator only.
    pub fn may_administer(self) -> Result<(), Denied> {
        match self {
            Actor::Coordinator { .. } => Ok(()),
            Actor::Editor { .. } => Err(Denied::Forbidden),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Whether a contact person's e-mail and phone may be shown.
    pub fn may_see_contact_details(
        self,
        visibility: Visibility,
        organisation: OrganisationId,
    ) -> bool {
        match visibility {
            Visibility::Public => true,
            Visibility::Members => self.is_member(),
            Visibility::Internal => self.may_edit(organisation).is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_per_role() {
        let own = OrganisationId::generate();
        let other = OrganisationId::generate();
        let editor = Actor::Editor {
            user: UserId::generate(),
            organisation: own,
        };
        let coordinator = Actor::Coordinator {
            user: UserId::generate(),
        };
        let partner = Actor::Partner {
            key: ApiKeyId::generate(),
        };

        assert_eq!(editor.may_edit(own), Ok(()));
        assert_eq!(editor.may_edit(other), Err(Denied::Forbidden));
        assert_eq!(coordinator.may_edit(other), Ok(()));
        assert_eq!(partner.may_edit(own), Err(Denied::Unauthenticated));
        assert_eq!(
            Actor::Anonymous.may_administer(),
            Err(Denied::Unauthenticated)
        );
        assert_eq!(editor.may_administer(), Err(Denied::Forbidden));

        assert!(partner.may_see_contact_details(Visibility::Public, own));
        assert!(!partner.may_see_contact_details(Visibility::Members, own));
        assert!(editor.may_see_contact_details(Visibility::Members, other));
        assert!(!editor.may_see_contact_details(Visibility::Internal, other));
        assert!(editor.may_see_contact_details(Visibility::Internal, own));
    }
}
