//! The two-level review of a park's submission, as one table of allowed moves and a pure
//! function over it ([`next`]): which state a version of a park's data is in, who may move it
//! where. Nothing here reads the database or a request; the portal gathers the [`Context`] and
//! stores the move (and its audit event) in one transaction.
//!
//! A version is uploaded as a `draft`; its park's operator submits it (`submitted`, or
//! `resubmitted` when an earlier version of the year was returned); the province assesses it
//! (`accepted_province`) or returns it with comments (`returned`); national staff accept it
//! (`accepted_nation`, the final decision) or return it. National staff may also act at the
//! province's stage ("the level above"), so a reviewer who returned a version can always accept
//! its resubmission, whichever level they are at.

use serde::Serialize;

/// Where a version of a park's data for a year stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    Returned,
    Resubmitted,
    AcceptedProvince,
    AcceptedNation,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Resubmitted,
        State::AcceptedProvince,
        State::AcceptedNation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Resubmitted => "resubmitted",
            State::AcceptedProvince => "accepted_province",
            State::AcceptedNation => "accepted_nation",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Under review or accepted: the version a year's review is about (at most one at a time).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Submitted | State::Resubmitted | State::AcceptedProvince | State::AcceptedNation
        )
    }

    /// Accepted at either level.
    pub fn is_accepted(self) -> bool {
        matches!(self, State::AcceptedProvince | State::AcceptedNation)
    }

    /// The i18n key of the state's name (`portal.state_<id>`).
    pub fn key(self) -> String {
        format!("state_{}", self.as_str())
    }
}

/// What someone does to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The park's operator sends a draft for review.
    Submit,
    /// A reviewer sends it back with comments.
    Return,
    /// A reviewer accepts it at their stage.
    Accept,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Accept => "accept",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Submit, Action::Return, Action::Accept]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// At which level an account acts on a park: its operator, its province's staff, national
/// staff (and admins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Park,
    Province,
    Nation,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Park => "park",
            Level::Province => "province",
            Level::Nation => "nation",
        }
    }
}

/// What the move depends on besides the version's state, gathered by the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// The version has no errors.
    pub valid: bool,
    /// An earlier version of the same park and year was returned.
    pub returned_before: bool,
    /// Another version of the same park and year is under review or accepted.
    pub other_open: bool,
    /// The decision carries a comment (a return must say what to fix).
    pub has_comment: bool,
}

/// Why a move is refused; each has its words (`portal.refused_<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Nothing moves a version on from here (returned, or accepted nationally).
    Final,
    /// This level may not make this move from this state.
    NotAllowed,
    /// Only a version without errors can be submitted.
    Invalid,
    /// Another version of the year is under review or accepted.
    OtherOpen,
    /// A return must carry a comment.
    CommentRequired,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Final => "refused_final",
            Refusal::NotAllowed => "refused_not_allowed",
            Refusal::Invalid => "refused_invalid",
            Refusal::OtherOpen => "refused_other_open",
            Refusal::CommentRequired => "refused_comment_required",
        }
    }
}

/// Every allowed move: from a state, an action, by the levels that may make it, to a state. A
/// submission after a return lands in `resubmitted` instead of `submitted` ([`next`]).
pub const MOVES: &[(State, Action, &[Level], State)] = &[
    (
        State::Draft,
        Action::Submit,
        &[Level::Park],
        State::Submitted,
    ),
    (
        State::Submitted,
        Action::Return,
        &[Level::Province, Level::Nation],
        State::Returned,
    ),
    (
        State::Submitted,
        Action::Accept,
        &[Level::Province, Level::Nation],
        State::AcceptedProvince,
    ),
    (
        State::Resubmitted,
        Action::Return,
        &[Level::Province, Level::Nation],
        State::Returned,
    ),
    (
        State::Resubmitted,
        Action::Accept,
        &[Level::Province, Level::Nation],
        State::AcceptedProvince,
    ),
    (
        State::AcceptedProvince,
        Action::Return,
        &[Level::Nation],
        State::Returned,
    ),
    (
        State::AcceptedProvince,
        Action::Accept,
        &[Level::Nation],
        State::AcceptedNation,
    ),
];

/// The state a move leads to, or why it is refused.
pub fn next(from: State, action: Action, by: Level, ctx: &Context) -> Result<State, Refusal> {
    let from_here: Vec<_> = MOVES.iter().filter(|m| m.0 == from).collect();
    if from_here.is_empty() {
        return Err(Refusal::Final);
    }
    let Some(&&(_, _, _, to)) = from_here
        .iter()
        .find(|m| m.1 == action && m.2.contains(&by))
    else {
        return Err(Refusal::NotAllowed);
    };
    match action {
        Action::Submit if !ctx.valid => Err(Refusal::Invalid),
        Action::Submit if ctx.other_open => Err(Refusal::OtherOpen),
        Action::Submit if ctx.returned_before => Ok(State::Resubmitted),
        Action::Return if !ctx.has_comment => Err(Refusal::CommentRequired),
        _ => Ok(to),
    }
}

/// The actions a level may take on a version in a state (before the context is known): what a
/// page offers.
pub fn offered(from: State, by: Level) -> Vec<Action> {
    MOVES
        .iter()
        .filter(|m| m.0 == from && m.2.contains(&by))
        .map(|m| m.1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Level::*;
    use State::*;

    fn ok() -> Context {
        Context {
            valid: true,
            returned_before: false,
            other_open: false,
            has_comment: true,
        }
    }

    /// Every (state, action, level) against the expected outcome: the table, in full.
    #[test]
    fn every_move_of_every_level_from_every_state() {
        let c = ok();
        let mut allowed = Vec::new();
        for from in State::ALL {
            for action in [Submit, Return, Accept] {
                for by in [Park, Province, Nation] {
                    if let Ok(to) = next(from, action, by, &c) {
                        allowed.push((from, action, by, to));
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (Draft, Submit, Park, Submitted),
                (Submitted, Return, Province, Returned),
                (Submitted, Return, Nation, Returned),
                (Submitted, Accept, Province, AcceptedProvince),
                (Submitted, Accept, Nation, AcceptedProvince),
                (Resubmitted, Return, Province, Returned),
                (Resubmitted, Return, Nation, Returned),
                (Resubmitted, Accept, Province, AcceptedProvince),
                (Resubmitted, Accept, Nation, AcceptedProvince),
                (AcceptedProvince, Return, Nation, Returned),
                (AcceptedProvince, Accept, Nation, AcceptedNation),
            ]
        );
    }

    #[test]
    fn an_operator_never_reviews_and_a_province_never_takes_the_final_decision() {
        let c = ok();
        for from in [Submitted, Resubmitted, AcceptedProvince] {
            assert_eq!(next(from, Accept, Park, &c), Err(Refusal::NotAllowed));
            assert_eq!(next(from, Return, Park, &c), Err(Refusal::NotAllowed));
        }
        assert_eq!(
            next(AcceptedProvince, Accept, Province, &c),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            next(AcceptedProvince, Return, Province, &c),
            Err(Refusal::NotAllowed)
        );
        // Staff do not submit a park's data.
        assert_eq!(next(Draft, Submit, Province, &c), Err(Refusal::NotAllowed));
        assert_eq!(next(Draft, Submit, Nation, &c), Err(Refusal::NotAllowed));
        // A draft is not reviewed.
        assert_eq!(next(Draft, Accept, Nation, &c), Err(Refusal::NotAllowed));
    }

    #[test]
    fn returned_and_nationally_accepted_versions_are_final() {
        for by in [Park, Province, Nation] {
            for action in [Submit, Return, Accept] {
                assert_eq!(next(Returned, action, by, &ok()), Err(Refusal::Final));
                assert_eq!(next(AcceptedNation, action, by, &ok()), Err(Refusal::Final));
            }
        }
    }

    #[test]
    fn a_submission_needs_a_valid_version_and_no_other_open_one() {
        let invalid = Context {
            valid: false,
            ..ok()
        };
        assert_eq!(next(Draft, Submit, Park, &invalid), Err(Refusal::Invalid));
        let open = Context {
            other_open: true,
            ..ok()
        };
        assert_eq!(next(Draft, Submit, Park, &open), Err(Refusal::OtherOpen));
        let again = Context {
            returned_before: true,
            ..ok()
        };
        assert_eq!(next(Draft, Submit, Park, &again), Ok(Resubmitted));
    }

    #[test]
    fn a_return_needs_a_comment_an_acceptance_does_not() {
        let silent = Context {
            has_comment: false,
            ..ok()
        };
        assert_eq!(
            next(Submitted, Return, Province, &silent),
            Err(Refusal::CommentRequired)
        );
        assert_eq!(
            next(Submitted, Accept, Province, &silent),
            Ok(AcceptedProvince)
        );
    }

    /// The trap of review tools: whoever returned a version (province or nation) can accept its
    /// resubmission, and so can the level above.
    #[test]
    fn the_reviewer_who_returned_and_the_level_above_accept_the_resubmission() {
        let c = Context {
            returned_before: true,
            ..ok()
        };
        // A province returned v1; v2 is resubmitted.
        assert_eq!(next(Submitted, Return, Province, &c), Ok(Returned));
        let v2 = next(Draft, Submit, Park, &c).unwrap();
        assert_eq!(v2, Resubmitted);
        assert_eq!(next(v2, Accept, Province, &c), Ok(AcceptedProvince));
        assert_eq!(next(v2, Accept, Nation, &c), Ok(AcceptedProvince));
        // The nation returned at its own stage; it can take the resubmission through both.
        assert_eq!(next(AcceptedProvince, Return, Nation, &c), Ok(Returned));
        let v3 = next(Draft, Submit, Park, &c).unwrap();
        let at_province = next(v3, Accept, Nation, &c).unwrap();
        assert_eq!(next(at_province, Accept, Nation, &c), Ok(AcceptedNation));
    }

    #[test]
    fn what_a_page_offers_is_what_the_table_allows() {
        assert_eq!(offered(Draft, Park), vec![Submit]);
        assert_eq!(offered(Submitted, Province), vec![Return, Accept]);
        assert_eq!(offered(AcceptedProvince, Province), vec![]);
        assert_eq!(offered(AcceptedProvince, Nation), vec![Return, Accept]);
        assert_eq!(offered(AcceptedNation, Nation), vec![]);
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("accepted"), None);
    }
}
