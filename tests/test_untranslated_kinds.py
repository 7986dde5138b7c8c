"""The phone, projector and console states of choice, scale, ranking and Q&A questions speak only
through the catalog (the pseudo-locale of test_untranslated wraps every message in ‹ ›)."""
from __future__ import annotations

from facilitator.infra.extensions import db

from support.forms import Browser, csrf_token_in, join
from support.factories import PASSWORD
from test_untranslated import pseudo_app, pseudo_catalogs, untranslated  # noqa: F401 - fixtures

PSEUDO = "eo"


def populate(app):
    """A live workshop in the pseudo-locale with one question of each kind, answered."""
    from facilitator.services.accounts import create_facilitator
    from facilitator.services.answers import submit_answer
    from facilitator.services.participants import join_workshop
    from facilitator.services.qanda import pin_for_panel, set_upvote
    from facilitator.services.question_kinds import KindSettings, set_question_kind
    from facilitator.services.suggestions import submit_suggestion
    from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop
    with app.app_context():
        owner = create_facilitator("zq@example.org", "Zq Owner", PASSWORD, locale=PSEUDO)
        workshop = create_workshop(owner, WorkshopDetails(title="Zq Workshop", language=PSEUDO),
                                   ["Zq choice?", "Zq scale?", "Zq ranking?", "Zq panel?"])
        choice, scale, ranking, panel = workshop.questions
        set_question_kind(choice, KindSettings("choice", ["Zqa", "Zqb"], multiple=True, max_choices=2,
                                               allow_other=True))
        set_question_kind(scale, KindSettings("scale", ["Zq one", "Zq two"], scale_min=0, scale_max=10,
                                              low_label="Zqlow", high_label="Zqhigh"))
        set_question_kind(ranking, KindSettings("ranking", ["Zqx", "Zqy"]))
        set_question_kind(panel, KindSettings("qanda"))
        change_status(workshop, "live")
        for question in workshop.questions:
            question.is_open = True
        person = join_workshop(workshop, "Zq Person")
        submit_answer(person, choice, {choice.options[0].id: 1}, other_text="Zqother")
        submit_answer(person, scale, {o.id: 9 for o in scale.options})
        submit_answer(person, ranking, {o.id: n for n, o in enumerate(ranking.options, start=1)})
        asked, _ = submit_suggestion(person, panel, "Zqasked Zqone")
        submit_suggestion(person, panel, "Zqasked Zqtwo")
        set_upvote(person, asked, True)
        pin_for_panel(owner, asked)
        db.session.commit()
        return workshop.id, workshop.join_code, [q.id for q in workshop.questions]


def test_every_new_state_speaks_through_the_catalog(pseudo_app):  # noqa: F811 - the fixture
    workshop_id, code, question_ids = populate(pseudo_app)
    facilitator = Browser(pseudo_app.test_client())
    facilitator.submit("/auth/login", data={"email": "zq@example.org", "password": PASSWORD})
    console = f"/host/workshops/{workshop_id}"
    pages = {"console": facilitator.get(console)}
    for question_id in question_ids:
        page = facilitator.get(console).get_data(as_text=True)
        facilitator.client.post(f"{console}/questions/{question_id}/show", data={"csrf_token": csrf_token_in(page)})
        pages[f"stage {question_id}"] = facilitator.get(f"/projector/{code}/stage")
    pages["board"] = facilitator.get(f"{console}/suggestions?question={question_ids[3]}")
    pages["board with other answers"] = facilitator.get(f"{console}/suggestions?question={question_ids[0]}")
    phone = pseudo_app.test_client()
    join(phone, type("W", (), {"join_code": code})())
    page = phone.get(f"/j/{code}").get_data(as_text=True)
    for question_id, data in ((question_ids[0], {"option": "other"}), (question_ids[2], {})):
        phone.post(f"/j/{code}/a/{question_id}", data={"csrf_token": csrf_token_in(page), **data})
    phone.post(f"/j/{code}/a/{question_ids[0]}", data={"csrf_token": csrf_token_in(page), "option": "x"})
    pages["phone"] = phone.get(f"/j/{code}")
    pages["phone refused"] = phone.post(f"/j/{code}/a/{question_ids[2]}",
                                        data={"csrf_token": csrf_token_in(page), "rank-1": "1"})
    found = {}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 422), (name, response.status_code)
        leftovers = untranslated(html, code)
        if leftovers:
            found[name] = leftovers
    assert not found, f"text outside the catalog: {found}"
