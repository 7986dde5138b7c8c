"""Which addresses an account may have: well formed, the names reserved for tests and examples
(.invalid, .test, .example, as the demo login's own) included; other special-use names not."""
import re

import pytest

from support.forms import Browser
from support.factories import PASSWORD

from facilitator.infra.extensions import db
from facilitator.models import Facilitator


def set_up_account(client, email):
    return Browser(client).submit("/auth/setup", data={
        "name": "Turid", "email": email, "password": PASSWORD, "confirm": PASSWORD})


@pytest.mark.parametrize("email", ["turid@kommune.invalid", "turid@kommune.test", "turid@kommune.example"])
def test_an_account_may_have_an_address_reserved_for_examples(app, client, email):
    response = set_up_account(client, email)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Facilitator.email).scalar() == email


@pytest.mark.parametrize("email", ["turid@kommune.local", "turid@localhost", "turid@tor.onion", "turid@test",
                                   "turid@@kommune.invalid", "turid@kommune..test"])
def test_other_special_use_and_malformed_addresses_are_refused(app, client, email):
    response = set_up_account(client, email)
    assert response.status_code == 422
    assert "That does not look like an e-mail address." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Facilitator.id).first() is None


def test_the_demo_login_address_passes_the_account_check():
    from facilitator.services.demo import DEMO_EMAIL
    from facilitator.services.accounts import check_account_email
    assert check_account_email(DEMO_EMAIL) == DEMO_EMAIL


def test_an_invitation_to_a_test_address_can_be_accepted(app, logged_in, live_workshop):
    team = f"/host/workshops/{live_workshop.id}/team"
    assert logged_in.submit(team, team + "/invite", {"email": "bo@kommune.test"}).status_code == 303
    link = re.search(r'value="http://localhost(/auth/invite/[^"]+)"', logged_in.get(team).get_data(as_text=True))
    newcomer = Browser(app.test_client())
    response = newcomer.submit(link.group(1), data={"name": "Bo", "email": "bo@kommune.test",
                                                    "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert newcomer.get(f"/host/workshops/{live_workshop.id}").status_code == 200


def test_the_command_line_accepts_the_same_addresses(app, runner):
    created = runner.invoke(args=["user", "create", "kari@kommune.invalid", "--name", "Kari"],
                            input=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    refused = runner.invoke(args=["user", "create", "kari@kommune.local", "--name", "Kari"])
    assert refused.exit_code == 2
