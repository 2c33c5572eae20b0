"""Random sequences of actions by random users never break the workflow's promises, for
versions of every kind: wording, front matter, references, settings, outline, site texts."""

from collections import defaultdict

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.domain import part_chains, signatures
from reviewapp.domain.audit import record_refusal, verify_chain
from reviewapp.domain.comments import add_comment, resolve_comment
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import transition
from reviewapp.domain.errors import DomainError
from reviewapp.domain.parts import submit_part
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    Comment,
    Reference,
    Section,
    Signoff,
    SiteText,
    User,
    Version,
    VersionTransition,
)
from reviewapp.readmodels.publication import assemble_page
from reviewapp.rules import parts as rules
from reviewapp.rules.states import (
    PENDING_STATES,
    REVIEW_ACTIONS,
    Action,
    Audience,
    Kind,
    PublicationPolicy,
    Role,
    State,
)
from tests.conftest import TEST_PASSWORD, article_files, declare_no_interests

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
PART_KINDS = [Kind.FRONT_MATTER, Kind.SETTINGS, Kind.REFERENCE, Kind.OUTLINE, Kind.SITE_TEXT]


def part_payload(kind: Kind, variant: int, words: list[str]) -> tuple[dict, str]:
    """Return a proposal of `kind` (`variant` picks which values) and the reference key."""
    text = " ".join(words)
    if kind is Kind.FRONT_MATTER:
        authors = [{"name": f"Dr {words[0]}", "credentials": "MD", "disclosures": text}]
        return rules.front_matter(title=f"Question {text} ?", language="fr", authors=authors), ""
    if kind is Kind.SETTINGS:
        policies = [
            PublicationPolicy.APPROVED_ONLY.value,
            PublicationPolicy.PENDING_WITH_CAUTION.value,
        ]
        return rules.settings(
            publication=policies[variant % 2],
            required_signoffs=1 + variant % 2,
            review_interval_months=6 + variant,
        ), ""
    if kind is Kind.REFERENCE:
        key = f"ref-{variant % 2}"
        values = {"kind": "article", "title": text, "authors": "Smith J", "year": 2020 + variant}
        return rules.reference(key, {**values, "doi": f"10.1000/{variant}"}), key
    if kind is Kind.OUTLINE:
        orders = [
            ([("summary", 1), ("s1", 2), ("s2", 2)], []),
            ([("summary", 1), ("s2", 2), ("s1", 3)], []),
            ([("summary", 1), ("s1", 2)], ["s2"]),
        ]
        sections, retired = orders[variant % len(orders)]
        return rules.outline(sections, retired), ""
    return {"key": "disclaimer.patient", "text": f"Avertissement : {text}."}, ""


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
        "articles": [
            (
                a.title,
                a.publication,
                a.required_signoffs,
                a.front_matter_version_id,
                a.settings_version_id,
                a.outline_version_id,
                a.public_revision,
            )
            for a in db.session.scalars(select(Article))
        ],
        "references": [
            (r.key, r.title, r.doi, r.published_version_id)
            for r in db.session.scalars(select(Reference).order_by(Reference.id))
        ],
        "outline": [
            (s.key, s.position, s.level, s.in_outline)
            for s in db.session.scalars(select(Section).order_by(Section.id))
        ],
        "site_texts": [
            (t.key, t.body, t.published_version_id) for t in db.session.scalars(select(SiteText))
        ],
    }


class Workflow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        self.context = self.app.app_context()
        self.context.push()
        db.create_all()
        # Editors and board members have declared no interests, as approving and signing need.
        self.users = [
            declare_no_interests(
                create_user(
                    None,
                    email=f"u{index}@example.org",
                    name=f"User {index}",
                    roles=list(roles),
                    password=TEST_PASSWORD,
                    confirm_dual_review=True,
                )
            )
            for index, roles in enumerate(ROLE_SETS)
        ]
        import_article(self.users[0], article_files(sections=2, patient=True))
        db.session.commit()
        self.section_ids = db.session.scalars(select(Section.id)).all()
        self.article_id = db.session.scalar(select(Article.id))
        # Per approved version: the quorum in force when it was approved.
        self.required_when_approved: dict[int, int] = {}

    def teardown(self) -> None:
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
        self.context.pop()

    def attempt(self, actor: User, operation, label: str) -> None:
        """Run one action; if refused, check it changed nothing and was audited."""
        before = snapshot()
        required = {v.id: part_chains.required_signoffs(v) for v in self.versions()}
        approved = {v.id for v in self.versions() if v.workflow_state is State.APPROVED}
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
            for version in self.versions():
                if version.workflow_state is State.APPROVED and version.id not in approved:
                    self.required_when_approved[version.id] = required[version.id]
                    event(f"approved: {version.kind}")

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
        kind=st.sampled_from(PART_KINDS),
        variant=st.integers(0, 5),
        words=st.lists(WORDS, min_size=1, max_size=3),
        stale=st.booleans(),
        summary=st.booleans(),
    )
    def propose_part(self, user, kind, variant, words, stale, summary):
        actor = self.users[user]
        article = db.session.get(Article, self.article_id)
        payload, key = part_payload(kind, variant, words)
        if kind is Kind.REFERENCE:
            reference = next(r for r in article.references if r.key == key)
            part = part_chains.reference_part(reference)
        elif kind is Kind.SITE_TEXT:
            part = part_chains.site_text_part("disclaimer.patient")
        else:
            part = {
                Kind.FRONT_MATTER: part_chains.front_matter_part,
                Kind.SETTINGS: part_chains.settings_part,
                Kind.OUTLINE: part_chains.outline_part,
            }[kind](article)
        newest = part.newest()
        base = newest.parent_id if stale and newest else (newest.id if newest else None)
        self.attempt(
            actor,
            lambda: submit_part(
                actor,
                part,
                payload,
                base_version_id=base,
                change_summary="Mise à jour." if summary else "",
            ),
            f"propose {kind.value}",
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

    def newest_approved(self) -> dict[str, Version]:
        found: dict[str, Version] = {}
        for version in self.versions():
            if version.workflow_state is State.APPROVED and (
                version.chain not in found or version.number > found[version.chain].number
            ):
                found[version.chain] = version
        return found

    @invariant()
    def published_wording_is_the_newest_approved_version(self):
        newest_approved = self.newest_approved()
        for section in db.session.scalars(select(Section)):
            for audience in Audience:
                expected = newest_approved.get(f"section:{section.id}:{audience.value}")
                assert section.published_id(audience) == (expected.id if expected else None)

    @invariant()
    def every_part_shows_its_newest_approved_version(self):
        newest_approved = self.newest_approved()
        article = db.session.get(Article, self.article_id)
        parts = [
            part_chains.front_matter_part(article),
            part_chains.settings_part(article),
            part_chains.outline_part(article),
            part_chains.site_text_part("disclaimer.patient"),
            *(part_chains.reference_part(reference) for reference in article.references),
        ]
        current = {
            Kind.FRONT_MATTER: lambda: part_chains.current_front_matter(article),
            Kind.SETTINGS: lambda: part_chains.current_settings(article),
            Kind.OUTLINE: lambda: part_chains.current_outline(article),
        }
        for part in parts:
            expected = newest_approved.get(part.chain)
            assert part.published_id() == (expected.id if expected else None), part.label
            if expected is None:
                continue
            values = part_chains.payload_of(expected)
            if part.kind is Kind.REFERENCE:
                assert part_chains.current_reference(part.reference) == values
            elif part.kind is Kind.SITE_TEXT:
                assert db.session.get(SiteText, part.site_text_key).body == values["text"]
            else:
                assert current[part.kind]() == values, part.label

    @invariant()
    def the_public_page_shows_only_approved_versions_as_reviewed(self):
        article = db.session.get(Article, self.article_id)
        caution = article.policy is PublicationPolicy.PENDING_WITH_CAUTION
        newest_approved = self.newest_approved()
        for audience in Audience:
            page = assemble_page(article.id, audience)
            if page is None:
                assert not article.front_matter_reviewed
                assert not caution
                continue
            front = newest_approved.get(part_chains.front_matter_part(article).chain)
            if front is None:
                assert page.front_matter_pending
                assert caution
            else:
                assert not page.front_matter_pending
                assert page.article.title == part_chains.payload_of(front)["title"]
            outline = newest_approved.get(part_chains.outline_part(article).chain)
            if outline is not None:
                listed = [entry["key"] for entry in part_chains.payload_of(outline)["sections"]]
                shown = [section.key for section in page.sections]
                assert shown == [key for key in listed if key in shown]
            for section in page.sections:
                if section.version.workflow_state is not State.APPROVED:
                    assert section.pending
                    assert caution
            # The page's references are display copies: their chains are the stored rows'.
            stored = {reference.key: reference for reference in article.references}
            for item in page.references:
                chain = part_chains.reference_part(stored[item.reference.key]).chain
                approved = newest_approved.get(chain)
                if approved is None:
                    assert item.pending or item.withheld
                    assert item.pending == caution
                else:
                    values = part_chains.payload_of(approved)
                    assert (item.reference.title, item.reference.doi) == (
                        values["title"],
                        values["doi"],
                    )

    @invariant()
    def no_signature_counts_for_its_signers_own_or_reviewed_version(self):
        ids = [version.id for version in self.versions()]
        for version_id, counted in signatures.counting_signoffs(ids).items():
            version = db.session.get(Version, version_id)
            for signoff in counted:
                assert signoff.signer_id != version.author_id
                steps = db.session.scalars(
                    select(VersionTransition.action).where(
                        VersionTransition.version_id == version_id,
                        VersionTransition.actor_id == signoff.signer_id,
                    )
                ).all()
                assert not set(steps) & {action.value for action in REVIEW_ACTIONS}
                approved_at = db.session.scalar(
                    select(VersionTransition.created_at).where(
                        VersionTransition.version_id == version_id,
                        VersionTransition.action == Action.APPROVE.value,
                    )
                )
                comments = db.session.scalars(
                    select(Comment.created_at).where(
                        Comment.version_id == version_id, Comment.author_id == signoff.signer_id
                    )
                ).all()
                assert approved_at is not None
                assert all(at > approved_at for at in comments)

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
                assert version.author_id not in signers
                if version.id in self.required_when_approved:
                    counted = signatures.quorum_count(version)
                    assert counted >= self.required_when_approved[version.id]

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
        chains: dict[str, list[int]] = defaultdict(list)
        for version in self.versions():
            chains[version.chain].append(version.number)
        for numbers in chains.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))

    @invariant()
    def at_most_one_pending_version_per_chain(self):
        pending = defaultdict(int)
        for version in self.versions():
            if version.workflow_state in (State.SUBMITTED, State.UNDER_REVIEW):
                pending[version.chain] += 1
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
