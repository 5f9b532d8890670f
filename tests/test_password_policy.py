"""Passwords: at least 10 characters and none of the commonest ones (list shipped in the repo)."""

import pytest

from recovery.services.errors import ValidationError
from recovery.services.passwords import check_password_policy, common_passwords

from .conftest import TEST_PASSWORD


def test_the_shipped_list_holds_common_long_passwords_and_not_ours():
    listed = common_passwords()
    assert len(listed) > 1500
    assert {"password123", "qwertyuiop", "1234567890"} <= listed
    assert TEST_PASSWORD not in listed and "recovery-demo" not in listed


@pytest.mark.parametrize("password, message", [
    ("short", "at least 10 characters"),
    ("", "at least 10 characters"),
    ("x" * 201, "at most 200 characters"),
    ("password123", "most common"),
    ("QWERTYUIOP", "most common"),  # case does not make a common password rare
])
def test_weak_passwords_are_refused_with_a_reason(app, password, message):
    with pytest.raises(ValidationError) as refused:
        check_password_policy(password)
    assert message in refused.value.errors["password"]


def test_the_test_and_demo_passwords_comply(app):
    assert check_password_policy(TEST_PASSWORD) == TEST_PASSWORD
    assert check_password_policy("recovery-demo") == "recovery-demo"


def test_create_user_cli_refuses_a_common_password(runner):
    result = runner.invoke(args=["create-user", "--email", "new@example.org", "--role", "staff",
                                 "--name", "New Staff"], input="password123\npassword123\n")
    assert result.exit_code != 0 and "most common" in result.output
