"""Random sequences of actions by random users never break the workflow's promises."""

from collections import defaultdict

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.domain.audit import record_refusal, verify_chain
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import DomainError
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Comment, Section, Signoff, User, Version, VersionTransition
from reviewapp.rules.states import PENDING_STATES, Action, Audience, Role, State
from tests.conftest import TEST_PASSWORD, article_files

ROLE_SETS = [
    (Role.CONTRIBUTOR,),
    (Role.CONTRIBUTOR,),
    (Role.EDITOR,),
    (Role.EDITOR,),
    (Role.CONTRIBUTOR, Role.EDITOR),
    (Role.BOARD,),
    (Role.BOARD, Role.CONTRIBUTOR),
]
WORDS = st.sampled_from(["Texte", "révisé", "[@ref-0]", "[@ref-1]", "[@inconnue]", "dose", "PS"])


def snapshot() -> dict:
    """Everything a refused action must leave untouched (the audit trail aside)."""
    db.session.expire_all()
    return {
        "versions": [
            (v.id, v.state, v.number, v.heading, v.body, v.content_hash)
            for v in db.session.scalars(select(Version).order_by(Version.id))
        ],
        "sections": [
            (s.id, s.published_clinician_id, s.published_patient_id)
            for s in db.session.scalars(select(Section).order_by(Section.id))
        ],
        "transitions": db.session.scalars(select(VersionTransition.id)).all(),
        "comments": [
            (c.id, c.resolved_at) for c in db.session.scalars(select(Comment).order_by(Comment.id))
        ],
        "signoffs": db.session.scalars(select(Signoff.id).order_by(Signoff.id)).all(),
    }


class Workflow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        self.context = self.app.app_context()
        self.context.push()
        db.create_all()
        self.users = [
            create_user(
                None,
                email=f"u{index}@example.org",
                name=f"User {index}",
                roles=list(roles),
                password=TEST_PASSWORD,
                confirm_dual_review=True,
            )
            for index, roles in enumerate(ROLE_SETS)
        ]
        import_article(self.users[0], article_files(sections=2, patient=True))
        db.session.commit()
        self.section_ids = db.session.scalars(select(Section.id)).all()

    def teardown(self) -> None:
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
        self.context.pop()

    def attempt(self, actor: User, operation, label: str) -> None:
        """Run one action; if refused, check it changed nothing and was audited."""
        before = snapshot()
        try:
            result = operation()
        except DomainError as error:
            event(f"{label}: refused ({type(error).__name__})")
            db.session.rollback()
            record_refusal(actor, error)
            db.session.commit()
            assert snapshot() == before, f"refused action changed something: {error.message}"  # noqa: PT017
        else:
            db.session.commit()
            state = getattr(result, "state", "")
            event(f"{label}: done {state}".strip())

    def versions(self) -> list[Version]:
        return db.session.scalars(select(Version).order_by(Version.id)).all()

    @rule(
        user=st.integers(0, len(ROLE_SETS) - 1),
        section=st.integers(0, 2),
        audience=st.sampled_from(list(Audience)),
        words=st.lists(WORDS, min_size=1, max_size=5),
        stale=st.booleans(),
        summary=st.booleans(),
    )
    def submit(self, user, section, audience, words, stale, summary):
        actor = self.users[user]
        target = db.session.get(Section, self.section_ids[section])
        newest = latest_version(target, audience)
        base = newest.parent_id if stale and newest else (newest.id if newest else None)
        self.attempt(
            actor,
            lambda: submit_version(
                actor,
                target,
                audience,
                heading="Titre",
                body=" ".join(words),
                base_version_id=base,
                change_summary="Mise à jour." if summary else "",
            ),
            "submit",
        )

    @rule(
        user=st.integers(0, len(ROLE_SETS) - 1),
        pick=st.integers(0, 200),
        action=st.sampled_from(list(Action)),
        comment=st.sampled_from(["", "Raison clinique."]),
        pending_only=st.booleans(),
    )
    def transition(self, user, pick, action, comment, pending_only):
        versions = self.versions()
        if pending_only:
            # Steer towards versions that can still move, so approvals are reached often.
            versions = [
                v for v in versions if v.workflow_state in (State.SUBMITTED, State.UNDER_REVIEW)
            ] or versions
        version = versions[pick % len(versions)]
        actor = self.users[user]
        self.attempt(actor, lambda: transition(actor, version, action, comment), action.value)

    @rule(
        pick=st.integers(0, 200),
        who=st.integers(0, 200),
        decision=st.sampled_from(
            [Action.APPROVE, Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT]
        ),
    )
    def advance(self, pick, who, decision):
        """Take the step a pending version waits for, by someone allowed to, so deep states
        (approval, quorum) are reached often; the other rules try everything else."""
        pending = [v for v in self.versions() if v.workflow_state in PENDING_STATES]
        if not pending:
            return
        version = pending[pick % len(pending)]
        state = version.workflow_state
        role = Role.BOARD if state is State.AWAITING_SIGNOFF else Role.EDITOR
        eligible = [u for u in self.users if u.has_role(role) and u.id != version.author_id]
        actor = eligible[who % len(eligible)]
        if state is State.AWAITING_SIGNOFF:
            self.attempt(
                actor,
                lambda: sign_version(actor, version, password=TEST_PASSWORD, meaning=MEANINGS[0]),
                "sign",
            )
            return
        action = Action.START_REVIEW if state is State.SUBMITTED else decision
        self.attempt(actor, lambda: transition(actor, version, action, "Motif."), action.value)

    @rule(
        user=st.integers(0, len(ROLE_SETS) - 1),
        pick=st.integers(0, 200),
        right_password=st.booleans(),
        meaning=st.sampled_from([*MEANINGS, "Looks fine"]),
    )
    def sign(self, user, pick, right_password, meaning):
        waiting = [
            v for v in self.versions() if v.workflow_state is State.AWAITING_SIGNOFF
        ] or self.versions()
        version = waiting[pick % len(waiting)]
        actor = self.users[user]
        password = TEST_PASSWORD if right_password else "wrong password"
        self.attempt(
            actor,
            lambda: sign_version(actor, version, password=password, meaning=meaning),
            "sign",
        )

    @rule(user=st.integers(0, len(ROLE_SETS) - 1), pick=st.integers(0, 200))
    def comment(self, user, pick):
        versions = self.versions()
        version = versions[pick % len(versions)]
        actor = self.users[user]
        self.attempt(actor, lambda: add_comment(actor, version, "Remarque."), "comment")

    @rule(user=st.integers(0, len(ROLE_SETS) - 1), pick=st.integers(0, 200))
    def resolve(self, user, pick):
        comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        if not comments:
            return
        target = comments[pick % len(comments)]
        actor = self.users[user]
        self.attempt(actor, lambda: resolve_comment(actor, target), "resolve")

    @invariant()
    def published_wording_is_the_newest_approved_version(self):
        newest_approved: dict[tuple[int, str], Version] = {}
        for version in self.versions():
            if version.workflow_state is State.APPROVED:
                key = (version.section_id, version.audience)
                if key not in newest_approved or version.number > newest_approved[key].number:
                    newest_approved[key] = version
        for section in db.session.scalars(select(Section)):
            for audience in Audience:
                expected = newest_approved.get((section.id, audience.value))
                assert section.published_id(audience) == (expected.id if expected else None)

    @invariant()
    def no_version_was_reviewed_by_its_author(self):
        rows = db.session.execute(
            select(VersionTransition.actor_id, Version.author_id, VersionTransition.action)
            .join(Version, Version.id == VersionTransition.version_id)
            .where(VersionTransition.action != "supersede")
        ).all()
        for actor_id, author_id, action in rows:
            assert actor_id != author_id, f"{action} by the version's own author"

    @invariant()
    def approved_versions_carry_a_quorum_of_board_signatures_on_their_hash(self):
        for version in self.versions():
            if version.workflow_state is State.APPROVED:
                signers = db.session.scalars(
                    select(Signoff.signer_id).where(
                        Signoff.version_id == version.id,
                        Signoff.content_hash == version.content_hash,
                    )
                ).all()
                assert len(set(signers)) >= version.section.article.required_signoffs
                assert version.author_id not in signers

    @invariant()
    def approved_versions_were_approved_by_an_editor(self):
        for version in self.versions():
            if version.workflow_state is State.APPROVED:
                approvals = db.session.scalars(
                    select(VersionTransition).where(
                        VersionTransition.version_id == version.id,
                        VersionTransition.action == Action.APPROVE.value,
                    )
                ).all()
                assert len(approvals) == 1
                assert approvals[0].actor.has_role(Role.EDITOR)

    @invariant()
    def version_numbers_have_no_gaps(self):
        chains: dict[tuple[int, str], list[int]] = defaultdict(list)
        for version in self.versions():
            chains[(version.section_id, version.audience)].append(version.number)
        for numbers in chains.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))

    @invariant()
    def at_most_one_pending_version_per_chain(self):
        pending = defaultdict(int)
        for version in self.versions():
            if version.workflow_state in (State.SUBMITTED, State.UNDER_REVIEW):
                pending[(version.section_id, version.audience)] += 1
        assert all(count <= 1 for count in pending.values())

    @invariant()
    def audit_chain_is_intact(self):
        _, broken = verify_chain()
        assert broken is None


Workflow.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWorkflow = Workflow.TestCase
