//! Who may do what. Every permission decision of the Hub is made here, so the rules
//! can be read (and tested) in one place; the gateway only asks.

use crate::code_enum;
use crate::contact::Visibility;
use crate::ids::{ApiKeyId, OrganisationId, UserId};
use crate::meeting::AgendaItemStatus;
use crate::news::NewsStatus;
use crate::organisation::MembershipStatus;

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
        /// Whether that organisation's membership is `MEMBER` (not an applicant, a
        /// former or a suspended member): only then does the editor count as a member.
        member: bool,
    },
    /// The coordinator.
    Coordinator {
        /// The account.
        user: UserId,
    },
    /// Whoever runs the command line or a background job on the server. Holding the
    /// configuration means holding the database, so it may do what the coordinator
    /// may; it has no account.
    Operator,
}

/// Why something was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The request needs a signed-in user.
    Unauthenticated,
    /// The signed-in user lacks the right.
    Forbidden,
}

/// Whether an organisation may be asked to co-organise an event: members only (not
/// applicants, former or suspended members).
pub fn may_be_asked_to_co_organise(status: MembershipStatus) -> bool {
    status == MembershipStatus::Member
}

impl Actor {
    /// Answering an invitation to co-organise an event (accept, decline, withdraw):
    /// the asked organisation's editors and the coordinator — never the event's owner
    /// for it.
    pub fn may_answer_co_organiser_invitation(self, asked: OrganisationId) -> Result<(), Denied> {
        self.may_edit(asked)
    }

    /// Whether the actor is a signed-in user (editor or coordinator).
    pub fn is_signed_in(self) -> bool {
        matches!(
            self,
            Actor::Editor { .. } | Actor::Coordinator { .. } | Actor::Operator
        )
    }

    /// Anything beyond public reading needs a signed-in user (or the operator):
    /// anonymous callers and partner sites learn nothing about what exists and are
    /// told to sign in first.
    pub fn must_be_signed_in(self) -> Result<(), Denied> {
        if self.is_signed_in() {
            Ok(())
        } else {
            Err(Denied::Unauthenticated)
        }
    }

    /// Whether the actor sees only what everybody sees (anonymous callers and partner
    /// sites): its answers may be shared with every other such caller (HTTP caches,
    /// the response cache), and under the production profile the schema is not
    /// described to it (no introspection, no field suggestions).
    pub fn sees_public_only(self) -> bool {
        matches!(self, Actor::Anonymous | Actor::Partner { .. })
    }

    /// Whether the actor counts as a member of the network: the coordinator, or an
    /// editor of an organisation whose membership is `MEMBER`. Editors of applicants
    /// and former members are signed in, but not members.
    pub fn is_member(self) -> bool {
        matches!(
            self,
            Actor::Coordinator { .. } | Actor::Operator | Actor::Editor { member: true, .. }
        )
    }

    /// Reading what is for members only: meeting minutes, members-only contact
    /// details.
    pub fn may_read_members_only(self) -> bool {
        self.is_member()
    }

    /// The account behind the request, if any.
    pub fn user(self) -> Option<UserId> {
        match self {
            Actor::Editor { user, .. } | Actor::Coordinator { user } => Some(user),
            Actor::Anonymous | Actor::Partner { .. } | Actor::Operator => None,
        }
    }

    /// The name the change log records for the actor: the account's id, `cli` for the
    /// operator, `anonymous` otherwise.
    pub fn label(self) -> String {
        match self {
            Actor::Operator => "cli".to_owned(),
            other => other
                .user()
                .map_or_else(|| "anonymous".to_owned(), |u| u.to_string()),
        }
    }

    /// Changing an organisation and everything that belongs to it (locations,
    /// services, contacts, translations): the coordinator, or that organisation's editor.
    pub fn may_edit(self, organisation: OrganisationId) -> Result<(), Denied> {
        match self {
            Actor::Coordinator { .. } | Actor::Operator => Ok(()),
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
            Actor::Coordinator { .. } | Actor::Operator => Ok(()),
            Actor::Editor { .. } => Err(Denied::Forbidden),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Seeing an agenda item: accepted items everyone; proposals (pending or declined)
    /// the coordinator and the editors of the organisation that proposed them.
    pub fn may_see_agenda_item(
        self,
        status: AgendaItemStatus,
        proposed_by: Option<OrganisationId>,
    ) -> bool {
        status == AgendaItemStatus::Accepted
            || self.may_administer().is_ok()
            || proposed_by.is_some_and(|o| self.may_edit(o).is_ok())
    }

    /// Putting an item on a meeting's agenda: the coordinator's items are accepted at
    /// once (`Ok(None)`); an editor proposes for their own organisation, which may be
    /// the only presenter named, and the proposal waits for the coordinator
    /// (`Ok(Some(own))`).
    pub fn may_propose_agenda_item(
        self,
        presenter: Option<OrganisationId>,
    ) -> Result<Option<OrganisationId>, Denied> {
        match self {
            Actor::Coordinator { .. } | Actor::Operator => Ok(None),
            Actor::Editor { organisation, .. } if presenter.is_none_or(|p| p == organisation) => {
                Ok(Some(organisation))
            }
            Actor::Editor { .. } => Err(Denied::Forbidden),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Declining to host a meeting: the host's editors and the coordinator.
    pub fn may_decline_hosting(self, host: OrganisationId) -> Result<(), Denied> {
        self.may_edit(host)
    }

    /// Posting a funding call by hand: an editor posts for their organisation
    /// (`Ok(Some(own))`), the coordinator for the network (`Ok(None)`).
    pub fn may_post_funding(self) -> Result<Option<OrganisationId>, Denied> {
        match self {
            Actor::Editor { organisation, .. } => Ok(Some(organisation)),
            Actor::Coordinator { .. } | Actor::Operator => Ok(None),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Seeing the URLs of followed feeds (they may carry access keys): the
    /// coordinator only.
    pub fn may_see_feed_urls(self) -> bool {
        self.may_administer().is_ok()
    }

    /// Posting member news for an organisation, or changing it: the coordinator, or
    /// that organisation's editor. The answer is the status the item gets: the
    /// coordinator's news is published at once (a change keeps its status as it is,
    /// `current`); an editor's waits for review again — unless the network publishes
    /// at once (`publish_at_once`).
    pub fn may_write_news(
        self,
        organisation: OrganisationId,
        current: Option<NewsStatus>,
        publish_at_once: bool,
    ) -> Result<NewsStatus, Denied> {
        self.may_edit(organisation)?;
        Ok(match (self.may_administer().is_ok(), current) {
            (true, Some(status)) => status,
            (true, None) => NewsStatus::Published,
            (false, _) if publish_at_once => NewsStatus::Published,
            (false, _) => NewsStatus::Pending,
        })
    }

    /// Publishing or turning down member news: the coordinator only.
    pub fn may_review_news(self) -> Result<(), Denied> {
        self.may_administer()
    }

    /// Listing news beyond the public ones (waiting, turned down, not yet due): the
    /// coordinator all of them (`Ok(None)`), an editor their own organisation's
    /// (`Ok(Some(own))`).
    pub fn may_list_unpublished_news(self) -> Result<Option<OrganisationId>, Denied> {
        match self {
            Actor::Coordinator { .. } | Actor::Operator => Ok(None),
            Actor::Editor { organisation, .. } => Ok(Some(organisation)),
            Actor::Anonymous | Actor::Partner { .. } => Err(Denied::Unauthenticated),
        }
    }

    /// Reading a news item: everyone once it is public (published and its day has
    /// come); before that, and when turned down, its organisation's editors and the
    /// coordinator.
    pub fn may_read_news(self, public: bool, organisation: OrganisationId) -> bool {
        public || self.may_edit(organisation).is_ok()
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

    /// Every actor the rules tell apart.
    struct Cast {
        own: OrganisationId,
        other: OrganisationId,
        editor: Actor,
        former: Actor,
        coordinator: Actor,
        partner: Actor,
    }

    fn cast() -> Cast {
        let own = OrganisationId::generate();
        Cast {
            own,
            other: OrganisationId::generate(),
            editor: Actor::Editor {
                user: UserId::generate(),
                organisation: own,
                member: true,
            },
            former: Actor::Editor {
                user: UserId::generate(),
                organisation: own,
                member: false,
            },
            coordinator: Actor::Coordinator {
                user: UserId::generate(),
            },
            partner: Actor::Partner {
                key: ApiKeyId::generate(),
            },
        }
    }

    #[test]
    fn rules_per_role() {
        let Cast {
            own,
            other,
            editor,
            coordinator,
            partner,
            ..
        } = cast();
        assert_eq!(editor.may_edit(own), Ok(()));
        assert_eq!(editor.may_edit(other), Err(Denied::Forbidden));
        assert_eq!(coordinator.may_edit(other), Ok(()));
        assert_eq!(partner.may_edit(own), Err(Denied::Unauthenticated));
        assert_eq!(
            Actor::Anonymous.may_administer(),
            Err(Denied::Unauthenticated)
        );
        assert_eq!(editor.may_administer(), Err(Denied::Forbidden));
    }

    #[test]
    fn news_table() {
        use NewsStatus::{Pending, Published, Rejected};
        let c = cast();
        let (u, f) = (Err(Denied::Unauthenticated), Err(Denied::Forbidden));
        // (who, actor, new for own, new for other, own edited when published, at once)
        for (who, actor, own, other, edited, at_once) in [
            ("anonymous", Actor::Anonymous, u, u, u, u),
            ("partner", c.partner, u, u, u, u),
            (
                "editor",
                c.editor,
                Ok(Pending),
                f,
                Ok(Pending),
                Ok(Published),
            ),
            (
                "coordinator",
                c.coordinator,
                Ok(Published),
                Ok(Published),
                Ok(Published),
                Ok(Published),
            ),
            (
                "operator",
                Actor::Operator,
                Ok(Published),
                Ok(Published),
                Ok(Published),
                Ok(Published),
            ),
        ] {
            assert_eq!(actor.may_write_news(c.own, None, false), own, "{who}");
            assert_eq!(actor.may_write_news(c.other, None, false), other, "{who}");
            assert_eq!(
                actor.may_write_news(c.own, Some(Published), false),
                edited,
                "{who}"
            );
            assert_eq!(actor.may_write_news(c.own, None, true), at_once, "{who}");
        }
        assert_eq!(
            c.coordinator.may_write_news(c.own, Some(Rejected), false),
            Ok(Rejected),
            "the coordinator's change keeps a turned-down item turned down"
        );
        let (u, f) = (Err(Denied::Unauthenticated), Err(Denied::Forbidden));
        for (who, actor, review, draft_own, draft_other) in [
            ("anonymous", Actor::Anonymous, u, false, false),
            ("partner", c.partner, u, false, false),
            ("editor", c.editor, f, true, false),
            ("coordinator", c.coordinator, Ok(()), true, true),
        ] {
            assert_eq!(actor.may_review_news(), review, "{who}");
            let listing = match who {
                "anonymous" | "partner" => Err(Denied::Unauthenticated),
                "editor" => Ok(Some(c.own)),
                _ => Ok(None),
            };
            assert_eq!(actor.may_list_unpublished_news(), listing, "{who}");
            assert!(actor.may_read_news(true, c.other), "{who}: public news");
            assert_eq!(actor.may_read_news(false, c.own), draft_own, "{who}");
            assert_eq!(actor.may_read_news(false, c.other), draft_other, "{who}");
        }
    }

    #[test]
    fn public_only_table() {
        let c = cast();
        for (actor, public) in [
            (Actor::Anonymous, true),
            (c.partner, true),
            (c.editor, false),
            (c.former, false),
            (c.coordinator, false),
            (Actor::Operator, false),
        ] {
            assert_eq!(actor.sees_public_only(), public, "{actor:?}");
        }
    }

    #[test]
    fn co_organisers_table() {
        for (status, may) in [
            (MembershipStatus::Member, true),
            (MembershipStatus::Applicant, false),
            (MembershipStatus::Former, false),
            (MembershipStatus::Listed, false),
        ] {
            assert_eq!(may_be_asked_to_co_organise(status), may, "{status:?}");
        }
        let c = cast();
        for (who, actor, asked_own, asked_other) in [
            (
                "anonymous",
                Actor::Anonymous,
                Err(Denied::Unauthenticated),
                Err(Denied::Unauthenticated),
            ),
            (
                "partner",
                c.partner,
                Err(Denied::Unauthenticated),
                Err(Denied::Unauthenticated),
            ),
            ("editor", c.editor, Ok(()), Err(Denied::Forbidden)),
            ("coordinator", c.coordinator, Ok(()), Ok(())),
            ("operator", Actor::Operator, Ok(()), Ok(())),
        ] {
            assert_eq!(
                actor.may_answer_co_organiser_invitation(c.own),
                asked_own,
                "{who}"
            );
            assert_eq!(
                actor.may_answer_co_organiser_invitation(c.other),
                asked_other,
                "{who}"
            );
        }
    }

    /// Who counts as a member, reads members-only things and sees contact details:
    /// (actor, signed in, member, members-only, [public, members, internal] contact
    /// details of the own organisation, the same of another organisation).
    #[test]
    fn membership_table() {
        let c = cast();
        /// (who, actor, signed in, member, own organisation's details, another's).
        type Row = (&'static str, Actor, bool, bool, [bool; 3], [bool; 3]);
        let rows: [Row; 6] = [
            (
                "anonymous",
                Actor::Anonymous,
                false,
                false,
                [true, false, false],
                [true, false, false],
            ),
            (
                "partner",
                c.partner,
                false,
                false,
                [true, false, false],
                [true, false, false],
            ),
            (
                "editor of a member",
                c.editor,
                true,
                true,
                [true, true, true],
                [true, true, false],
            ),
            (
                "editor of a former member or applicant",
                c.former,
                true,
                false,
                [true, false, true],
                [true, false, false],
            ),
            (
                "coordinator",
                c.coordinator,
                true,
                true,
                [true, true, true],
                [true, true, true],
            ),
            (
                "operator (command line, jobs)",
                Actor::Operator,
                true,
                true,
                [true, true, true],
                [true, true, true],
            ),
        ];
        let levels = [
            Visibility::Public,
            Visibility::Members,
            Visibility::Internal,
        ];
        for (who, actor, signed_in, member, own, other) in rows {
            assert_eq!(actor.is_signed_in(), signed_in, "{who}: signed in");
            assert_eq!(actor.is_member(), member, "{who}: member");
            assert_eq!(actor.may_read_members_only(), member, "{who}: members only");
            for (i, level) in levels.iter().enumerate() {
                assert_eq!(
                    actor.may_see_contact_details(*level, c.own),
                    own[i],
                    "{who}: {level:?} of the own organisation"
                );
                assert_eq!(
                    actor.may_see_contact_details(*level, c.other),
                    other[i],
                    "{who}: {level:?} of another organisation"
                );
            }
        }
    }

    /// Agenda items: who sees which, who may propose with which presenter, who may
    /// decline to host.
    #[test]
    fn agenda_and_hosting_table() {
        use AgendaItemStatus as St;
        let c = cast();
        // (who, actor, sees: [accepted, own proposal, another's proposal],
        //  propose with [no presenter, own presenter, another presenter],
        //  decline hosting [own, other]).
        type Row = (
            &'static str,
            Actor,
            [bool; 3],
            [Result<Option<OrganisationId>, Denied>; 3],
            [Result<(), Denied>; 2],
        );
        let unauth = Err(Denied::Unauthenticated);
        let no = Err(Denied::Unauthenticated);
        let rows: [Row; 6] = [
            (
                "anonymous",
                Actor::Anonymous,
                [true, false, false],
                [unauth, unauth, unauth],
                [no, no],
            ),
            (
                "partner",
                c.partner,
                [true, false, false],
                [unauth, unauth, unauth],
                [no, no],
            ),
            (
                "editor",
                c.editor,
                [true, true, false],
                [Ok(Some(c.own)), Ok(Some(c.own)), Err(Denied::Forbidden)],
                [Ok(()), Err(Denied::Forbidden)],
            ),
            (
                "editor of a former member",
                c.former,
                [true, true, false],
                [Ok(Some(c.own)), Ok(Some(c.own)), Err(Denied::Forbidden)],
                [Ok(()), Err(Denied::Forbidden)],
            ),
            (
                "coordinator",
                c.coordinator,
                [true, true, true],
                [Ok(None), Ok(None), Ok(None)],
                [Ok(()), Ok(())],
            ),
            (
                "operator",
                Actor::Operator,
                [true, true, true],
                [Ok(None), Ok(None), Ok(None)],
                [Ok(()), Ok(())],
            ),
        ];
        for (who, actor, sees, propose, decline) in rows {
            assert_eq!(
                actor.may_see_agenda_item(St::Accepted, Some(c.other)),
                sees[0],
                "{who}"
            );
            assert_eq!(
                actor.may_see_agenda_item(St::Proposed, Some(c.own)),
                sees[1],
                "{who}"
            );
            assert_eq!(
                actor.may_see_agenda_item(St::Declined, Some(c.other)),
                sees[2],
                "{who}"
            );
            assert_eq!(actor.may_propose_agenda_item(None), propose[0], "{who}");
            assert_eq!(
                actor.may_propose_agenda_item(Some(c.own)),
                propose[1],
                "{who}"
            );
            assert_eq!(
                actor.may_propose_agenda_item(Some(c.other)),
                propose[2],
                "{who}"
            );
            assert_eq!(actor.may_decline_hosting(c.own), decline[0], "{who}");
            assert_eq!(actor.may_decline_hosting(c.other), decline[1], "{who}");
        }
    }

    /// Funding: who posts for whom, who sees the URLs of followed feeds.
    #[test]
    fn funding_table() {
        let c = cast();
        type Row = (
            &'static str,
            Actor,
            Result<Option<OrganisationId>, Denied>,
            bool,
        );
        let rows: [Row; 6] = [
            (
                "anonymous",
                Actor::Anonymous,
                Err(Denied::Unauthenticated),
                false,
            ),
            ("partner", c.partner, Err(Denied::Unauthenticated), false),
            ("editor", c.editor, Ok(Some(c.own)), false),
            (
                "editor of a former member",
                c.former,
                Ok(Some(c.own)),
                false,
            ),
            ("coordinator", c.coordinator, Ok(None), true),
            ("operator", Actor::Operator, Ok(None), true),
        ];
        for (who, actor, post, feeds) in rows {
            assert_eq!(actor.may_post_funding(), post, "{who}");
            assert_eq!(actor.may_see_feed_urls(), feeds, "{who}");
        }
    }
}
