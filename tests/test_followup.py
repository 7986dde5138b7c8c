"""The next meeting of a forum: planned from the last one, with its set-up and its unfinished actions."""
import json
from datetime import date

from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Action, CafeTable, Facilitator, Participant, Suggestion, Workshop
from facilitator.services.followup import CARRIED_SETTINGS, plan_next_meeting
from facilitator.services.invites import add_member
from facilitator.services.participants import join_workshop
from facilitator.services.questions import set_question_open
from facilitator.services.retention import delete_workshop
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.tables import set_table_count, update_table
from facilitator.services.themes import create_action, update_action

from support.factories import make_facilitator, make_workshop


def forum_meeting(app, owner_id, co_id):
    """A closed meeting with a set-up worth keeping and results that stay behind."""
    workshop = make_workshop(app, owner_id, title="Serviceforum", place="Östersund", language="sv",
                             theme="Service på landsbygden", program="Kaffe\nDialog",
                             start_time=None, end_time=None, date=date(2026, 3, 12))
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        owner = db.session.get(Facilitator, owner_id)
        add_member(w, db.session.get(Facilitator, co_id), "co")
        w.moderation, w.vote_budget, w.retention_days, w.table_mode = "pre", 7, 90, "rotate"
        tables = set_table_count(owner, w, 3)
        update_table(owner, tables[1], "Handel", w.questions[1])
        set_question_open(w, w.questions[0], True)
        participant = join_workshop(w, "Kim")
        submit_suggestion(participant, w.questions[0], "Gemensam serviceplan")
        create_action(owner, w, "Skriv serviceplan", "Malin", date(2026, 6, 1))
        doing = create_action(owner, w, "Kartlägg butiker", "Region")
        update_action(owner, doing, doing.what, doing.owner, None, "doing")
        done = create_action(owner, w, "Boka lokal", "Kommunen")
        update_action(owner, done, done.what, done.owner, None, "done")
        w.status = "closed"
        db.session.commit()
    return workshop


def test_the_next_meeting_keeps_the_set_up_and_the_open_actions_and_nothing_that_happened(app):
    owner, co = make_facilitator(app), make_facilitator(app, "bo@example.org", "Bo")
    previous = forum_meeting(app, owner.id, co.id)
    with app.app_context():
        old = db.session.get(Workshop, previous.id)
        new, created = plan_next_meeting(db.session.get(Facilitator, owner.id), old)
        db.session.commit()
        assert created
        new_id = new.id
    with app.app_context():
        new, old = db.session.get(Workshop, new_id), db.session.get(Workshop, previous.id)
        assert new.status == "draft" and new.date is None and new.follows_id == old.id
        assert new.join_code != old.join_code
        assert (new.title, new.place, new.language, new.theme, new.program) == \
            ("Serviceforum", "Östersund", "sv", "Service på landsbygden", "Kaffe\nDialog")
        assert {name: getattr(new, name) for name in CARRIED_SETTINGS} == \
            {name: getattr(old, name) for name in CARRIED_SETTINGS}
        assert new.moderation == "pre" and new.vote_budget == 7 and new.retention_days == 90
        assert [q.text for q in new.questions] == [q.text for q in old.questions]
        assert not any(q.is_open or q.voting_open for q in new.questions)
        # Tables keep their names and point at the new meeting's own questions.
        assert [(t.number, t.name) for t in new.tables] == [(1, ""), (2, "Handel"), (3, "")]
        assert new.tables[1].question_id == new.questions[1].id
        assert sorted((m.facilitator_id, m.role) for m in new.members) == [(owner.id, "owner"), (co.id, "co")]
        carried = [(a.what, a.owner, a.due_date, a.status, a.carried_over) for a in new.actions]
        assert carried == [("Skriv serviceplan", "Malin", date(2026, 6, 1), "open", True),
                           ("Kartlägg butiker", "Region", None, "doing", True)]
        for model in (Participant, Suggestion):
            assert db.session.scalar(select(func.count()).select_from(model)
                                     .where(model.workshop_id == new.id)) == 0
        assert not new.rounds and not new.themes
        # The previous meeting's record is as it was.
        assert old.status == "closed" and len(old.actions) == 3 and not any(a.carried_over for a in old.actions)
        assert db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.workshop_id == old.id)) == 1


def test_a_co_facilitator_plans_it_and_the_team_keeps_its_roles(app, browser):
    owner, co = make_facilitator(app), make_facilitator(app, "bo@example.org", "Bo")
    previous = forum_meeting(app, owner.id, co.id)
    assert browser.submit("/auth/login", data={"email": co.email, "password": "correct horse battery"}
                          ).status_code == 303
    response = browser.submit(f"/host/workshops/{previous.id}", f"/host/workshops/{previous.id}/next")
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(select(Workshop).where(Workshop.follows_id == previous.id))
        assert sorted((m.facilitator_id, m.role) for m in new.members) == [(owner.id, "owner"), (co.id, "co")]
    # Straight to the form, to set the date; the page says what came along.
    assert response.headers["Location"].endswith(f"/host/workshops/{new.id}/edit")
    form = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "The next meeting is a draft with the same questions, tables and team" in form
    console = browser.get(f"/host/workshops/{new.id}").get_data(as_text=True)
    assert "Follows:" in console and f'href="/host/workshops/{previous.id}"' in console
    assert "March 12, 2026" in console  # in the facilitator's own language (English here)
    actions = browser.get(f"/host/workshops/{new.id}/actions").get_data(as_text=True)
    assert actions.count("from the previous meeting") == 2
    # On the dashboard the two meetings of the series are told apart by what the new one follows.
    assert "Follows: March 12, 2026" in browser.get("/host/").get_data(as_text=True)
    # Both logs say who did it.
    assert "Bo</td><td class=\"what\" role=\"cell\">Planned this meeting from the previous one" in \
        browser.get(f"/host/workshops/{new.id}/team").get_data(as_text=True)
    assert "Bo</td><td class=\"what\" role=\"cell\">Planned the next meeting" in \
        browser.get(f"/host/workshops/{previous.id}/team").get_data(as_text=True)


def test_only_a_closed_meeting_offers_its_next_one(app, logged_in, facilitator):
    """What is carried over is what is not done when the meeting ends."""
    for status in ("draft", "live"):
        workshop = make_workshop(app, facilitator.id, status=status)
        assert "Plan the next meeting" not in logged_in.get(f"/host/workshops/{workshop.id}").get_data(as_text=True)
        response = logged_in.submit(f"/host/workshops/{workshop.id}", f"/host/workshops/{workshop.id}/next",
                                    follow=True)
        assert "Close this meeting first" in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(select(func.count(Workshop.id)).where(
                Workshop.follows_id == workshop.id)) == 0
    closed = make_workshop(app, facilitator.id, status="closed")
    assert "Plan the next meeting" in logged_in.get(f"/host/workshops/{closed.id}").get_data(as_text=True)


def test_a_second_click_finds_the_draft_instead_of_making_another(app, logged_in, facilitator):
    co = make_facilitator(app, "bo@example.org", "Bo")
    previous = forum_meeting(app, facilitator.id, co.id)
    first = logged_in.submit(f"/host/workshops/{previous.id}", f"/host/workshops/{previous.id}/next")
    second = logged_in.submit(f"/host/workshops/{previous.id}", f"/host/workshops/{previous.id}/next")
    assert first.headers["Location"] == second.headers["Location"]
    assert "already planned" in logged_in.get(second.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Workshop.id)).where(Workshop.follows_id == previous.id)) == 1
        assert db.session.scalar(select(func.count(Action.id)).where(Action.carried_over.is_(True))) == 2


def test_the_follows_link_is_shown_only_to_those_who_may_open_it(app, browser, facilitator):
    co = make_facilitator(app, "bo@example.org", "Bo")
    newcomer = make_facilitator(app, "cy@example.org", "Cy")
    previous = forum_meeting(app, facilitator.id, co.id)
    with app.app_context():
        new, _created = plan_next_meeting(db.session.get(Facilitator, facilitator.id),
                                          db.session.get(Workshop, previous.id))
        add_member(new, db.session.get(Facilitator, newcomer.id), "co")
        db.session.commit()
        new_id = new.id
    browser.submit("/auth/login", data={"email": newcomer.email, "password": "correct horse battery"})
    page = browser.get(f"/host/workshops/{new_id}").get_data(as_text=True)
    assert page.count("Serviceforum") >= 1 and "Follows:" not in page
    dashboard = browser.get("/host/").get_data(as_text=True)
    assert "Serviceforum" in dashboard and "Follows:" not in dashboard


def test_minutes_and_the_workshop_file_say_which_actions_were_carried_over(app, logged_in, facilitator):
    co = make_facilitator(app, "bo@example.org", "Bo")
    previous = forum_meeting(app, facilitator.id, co.id)
    logged_in.submit(f"/host/workshops/{previous.id}", f"/host/workshops/{previous.id}/next")
    with app.app_context():
        new = db.session.scalar(select(Workshop).where(Workshop.follows_id == previous.id))
        create_action(db.session.get(Facilitator, facilitator.id), new, "Ny åtgärd")
        db.session.commit()
    markdown = logged_in.get(f"/export/{new.id}/minutes.md").get_data(as_text=True)
    # The minutes are in the workshop's language (Swedish).
    plan = markdown[markdown.index("Skriv serviceplan") - 5:]
    assert plan.count("(överförd från föregående möte)") == 2
    assert "Ny åtgärd (" not in plan
    old_markdown = logged_in.get(f"/export/{previous.id}/minutes.md").get_data(as_text=True)
    assert "föregående möte" not in old_markdown
    exported = json.loads(logged_in.get(f"/export/{new.id}/minutes.json").get_data())
    assert [a["carried_over"] for a in exported["actions"]] == [True, True, False]


def test_deleting_the_previous_meeting_leaves_the_next_one_whole(app, logged_in, facilitator):
    co = make_facilitator(app, "bo@example.org", "Bo")
    previous = forum_meeting(app, facilitator.id, co.id)
    logged_in.submit(f"/host/workshops/{previous.id}", f"/host/workshops/{previous.id}/next")
    with app.app_context():
        new_id = db.session.scalar(select(Workshop.id).where(Workshop.follows_id == previous.id))
        delete_workshop(db.session.get(Workshop, previous.id), None)
        db.session.commit()
    with app.app_context():
        db.session.expire_all()
        new = db.session.get(Workshop, new_id)
        assert new.follows_id is None and len(new.actions) == 2
        assert db.session.scalar(select(func.count(CafeTable.id)).where(CafeTable.workshop_id == new_id)) == 3
        assert db.session.scalar(select(func.count(Action.id)).where(Action.workshop_id == new_id)) == 2
    page = logged_in.get(f"/host/workshops/{new_id}")
    assert page.status_code == 200 and "Follows:" not in page.get_data(as_text=True)
