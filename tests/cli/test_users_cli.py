"""`flask users create`."""

from sqlalchemy import select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, User
from reviewapp.rules.states import Role


def test_create_user_with_several_roles_from_stdin(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Ada@Example.org",
            "--name",
            "Dr Ada",
            "--credentials",
            "MD",
            "--role",
            "editor",
            "--role",
            "board",
            "--password-stdin",
            "--confirm-editor-and-board",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ada@example.org (board, editor)." in result.output
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user.roles == {Role.EDITOR, Role.BOARD}
    assert user.check_password("a long enough password")
    assert not user.check_password("wrong")
    assert user.password_hash != "a long enough password"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.target_id == user.id
    assert "board" in event.after


def test_password_prompt_asks_twice(runner):
    result = runner.invoke(
        args=["users", "create", "bob@example.org", "--name", "Bob", "--role", "contributor"],
        input="another long password\nanother long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output


def test_refuses_short_password_duplicate_email_and_unknown_role(runner, make_user):
    short = runner.invoke(
        args=[
            "users",
            "create",
            "c@example.org",
            "--name",
            "C",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    make_user(Role.EDITOR, email="taken@example.org")
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "taken@example.org",
            "--name",
            "T",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "d@example.org",
            "--name",
            "D",
            "--role",
            "wizard",
            "--password-stdin",
        ],
        input="a long enough password\n",
    )
    assert unknown.exit_code == 2
    assert "wizard" in unknown.output
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
    assert len(refused) == 2


def test_editor_and_board_roles_together_need_the_confirmation_flag(runner):
    args = ["users", "create", "eve@example.org", "--name", "Dr Eve", "--role", "editor"]
    result = runner.invoke(
        args=[*args, "--role", "board", "--password-stdin"], input="a long enough password\n"
    )
    assert result.exit_code == 1
    assert "never sign what it reviewed" in result.output
    assert db.session.scalar(select(User).where(User.email == "eve@example.org")) is None
