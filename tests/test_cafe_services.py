"""Café dialogue rules, at the level of the domain functions the views call."""
from datetime import timedelta
from threading import Barrier, Thread

import pytest

from facilitator.infra.extensions import db
from facilitator.models import (
    Facilitator, ModerationEvent, Participant, Suggestion, Workshop, utcnow,
)
from facilitator.services import DomainError
from facilitator.services import moderation, questions, rounds, tables, themes, voting
from facilitator.services.invites import accept_invite, create_invite, invite_by_email
from facilitator.services.minutes import compile_minutes
from facilitator.services.participants import join_workshop
from facilitator.services.suggestions import questions_for, submit_suggestion, table_history
from facilitator.services.wordcloud import count_words, word_cloud

from support.factories import make_facilitator, make_workshop


@pytest.fixture
def cafe(app, facilitator):
    """A live workshop with three tables and nine participants, three per table, one host each."""
    workshop = make_workshop(app, facilitator.id, questions=["Q1?", "Q2?", "Q3?"])
    with app.app_context():
        actor = db.session.get(Facilitator, facilitator.id)
        w = db.session.get(Workshop, workshop.id)
        tables.set_table_count(actor, w, 3)
        for index in range(9):
            person = join_workshop(w)
            tables.seat(person, w.tables[index % 3])
            if index < 3:
                tables.set_role(person, "host")
        db.session.commit()
    return workshop


def ctx(app, workshop_id, facilitator_id):
    return db.session.get(Workshop, workshop_id), db.session.get(Facilitator, facilitator_id)


def test_tables_are_numbered_and_never_lose_suggestions(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        assert [t.number for t in w.tables] == [1, 2, 3]
        person = db.session.scalar(db.select(Participant).where(Participant.table_id == w.tables[2].id))
        submit_suggestion(person, w.questions[0], "at table three")
        with pytest.raises(DomainError, match="Table 3 has suggestions"):
            tables.set_table_count(actor, w, 2)
        tables.set_table_count(actor, w, 5)
        assert [t.number for t in w.tables] == [1, 2, 3, 4, 5]


def test_one_host_per_table(app, cafe):
    with app.app_context():
        w = db.session.get(Workshop, cafe.id)
        member = db.session.scalars(db.select(Participant).where(
            Participant.table_id == w.tables[0].id, Participant.is_table_host.is_(False))).first()
        with pytest.raises(DomainError, match="already has a host"):
            tables.set_role(member, "host")
        tables.set_role(member, "scribe")
        assert member.writes_for_table and not member.is_table_host


def test_rotation_keeps_hosts_and_spreads_each_group(app, cafe):
    with app.app_context():
        w = db.session.get(Workshop, cafe.id)
        plan = tables.rotation_plan(w)
        for table in w.tables:
            people = db.session.scalars(db.select(Participant).where(Participant.table_id == table.id)).all()
            host = next(p for p in people if p.is_table_host)
            assert plan[host.id].id == table.id
            moved = [plan[p.id].number for p in people if not p.is_table_host]
            assert table.number not in moved and len(set(moved)) == len(moved)


def test_round_end_time_is_kept_by_the_server(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        start = utcnow()
        first = rounds.start_round(actor, w, 10, w.questions[0], now=start)
        db.session.commit()
        assert first.number == 1 and first.ends_at == start + timedelta(minutes=10)
        # A phone reloading five minutes in is told the same time as everyone else.
        assert rounds.seconds_left(first, now=start + timedelta(minutes=5)) == 300
        assert not rounds.is_running(first, now=start + timedelta(minutes=11))


def test_next_round_moves_everyone_but_the_hosts(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        rounds.start_round(actor, w, 1, w.questions[0])
        plan = {pid: t.id for pid, t in tables.rotation_plan(w).items()}
        second = rounds.start_round(actor, w, 1, w.questions[1])
        db.session.commit()
        assert second.number == 2 and rounds.current_round(w).id == second.id
        for person in db.session.scalars(db.select(Participant).where(Participant.workshop_id == w.id)):
            assert person.table_id == plan[person.id]
        assert w.current_question_id == w.questions[1].id


def test_a_round_on_another_question_closes_the_one_before(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        first, second, third = w.questions
        rounds.start_round(actor, w, 20, first)
        rounds.start_round(actor, w, 20, second)
        db.session.commit()
        person = db.session.scalar(db.select(Participant).where(Participant.workshop_id == w.id))
        # Every phone has one text box: the round's question.
        assert (first.is_open, second.is_open) == (False, True)
        assert [q.id for q in questions_for(person)] == [second.id]
        # The facilitator may reopen it; a round that stays on its question leaves it open.
        questions.set_question_open(w, first, True)
        rounds.start_round(actor, w, 20, second)
        assert first.is_open and second.is_open and not third.is_open


def test_the_next_round_is_offered_with_the_last_rounds_length(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        assert rounds.next_round_minutes(w) == 15
        rounds.start_round(actor, w, 20, w.questions[0])
        assert rounds.next_round_minutes(w) == 20
        rounds.start_round(actor, w, 0.2, w.questions[1])
        assert rounds.next_round_minutes(w) == 0.2


def test_suggestions_record_question_table_and_round(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        round_ = rounds.start_round(actor, w, 5, w.questions[0])
        host = db.session.scalar(db.select(Participant).where(Participant.is_table_host.is_(True)))
        suggestion, _ = submit_suggestion(host, w.questions[0], "written for the table")
        assert (suggestion.table_id, suggestion.round_id) == (host.table_id, round_.id)


def test_rotating_groups_answer_their_tables_question(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        rounds.set_table_mode(actor, w, "rotate")
        for table, question in zip(w.tables, w.questions, strict=True):
            tables.update_table(actor, table, f"Theme {table.number}", question)
        rounds.start_round(actor, w, 5)
        for person in db.session.scalars(db.select(Participant).where(Participant.workshop_id == w.id)):
            assert [q.id for q in questions_for(person)] == [person.table.question_id]


def test_host_sees_what_the_previous_group_wrote(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        rounds.start_round(actor, w, 5, w.questions[0])
        host = db.session.scalar(db.select(Participant).where(
            Participant.is_table_host.is_(True), Participant.table_id == w.tables[0].id))
        member = db.session.scalars(db.select(Participant).where(
            Participant.table_id == w.tables[0].id, Participant.is_table_host.is_(False))).first()
        submit_suggestion(member, w.questions[0], "from the first group")
        assert table_history(host) == []  # the current group is still talking
        rounds.start_round(actor, w, 5, w.questions[0])
        assert [s.text for s in table_history(host)] == ["from the first group"]


def one_suggestion(app, workshop_id, text="Original"):
    w = db.session.get(Workshop, workshop_id)
    person = db.session.scalar(db.select(Participant).where(Participant.workshop_id == w.id))
    return submit_suggestion(person, w.questions[0], text)[0]


def test_moderation_acts_are_recorded_and_the_original_is_kept(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        suggestion = one_suggestion(app, w.id)
        seq = suggestion.seq
        moderation.edit_text(actor, suggestion, "Reworded", 500)
        moderation.set_pinned(actor, suggestion, True)
        moderation.set_status(actor, suggestion, "hidden")
        moderation.set_status(actor, suggestion, "visible")
        db.session.commit()
        assert (suggestion.text, suggestion.original_text, suggestion.pinned) == ("Reworded", "Original", True)
        assert suggestion.seq > seq
        events = db.session.scalars(db.select(ModerationEvent).order_by(ModerationEvent.id)).all()
        assert [e.action for e in events][-4:] == ["edit", "pin", "hide", "show"]
        assert all(e.actor_id == actor.id and e.created_at for e in events)


def test_pre_moderation_queues_until_approved(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        moderation.set_moderation_mode(actor, w, "pre")
        suggestion = one_suggestion(app, w.id)
        assert suggestion.status == "pending"
        moderation.set_status(actor, suggestion, "visible")
        assert db.session.scalars(db.select(ModerationEvent.action)).all()[-1] == "approve"


def test_merge_keeps_sources_and_their_votes(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        keep = one_suggestion(app, w.id, "Server en kopp kaffe")
        dup = one_suggestion(app, w.id, "Server kaffe")
        voting.open_voting(actor, w.questions[0])
        voter = db.session.scalars(db.select(Participant)).all()[-1]
        voting.set_dots(voter, dup, 2)
        voting.set_dots(voter, keep, 1)
        moderation.merge(actor, dup, keep)
        db.session.commit()
        assert dup.status == "merged" and dup.merged_into_id == keep.id
        assert voting.tally(w.questions[0])[keep.id] == 3
        item = next(i for i in compile_minutes(w).questions[0].items if i.id == keep.id)
        assert item.merged_from == ["Server kaffe"] and item.votes == 3
        with pytest.raises(DomainError):
            moderation.merge(actor, keep, dup)
        moderation.unmerge(actor, dup)
        assert dup.status == "visible" and voting.tally(w.questions[0])[keep.id] == 1


def test_vote_budget_and_maximum_per_suggestion(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        items = [one_suggestion(app, w.id, f"item {n}") for n in range(3)]
        voter = db.session.scalars(db.select(Participant)).all()[-1]
        with pytest.raises(DomainError, match="Voting is not open"):
            voting.set_dots(voter, items[0], 1)
        voting.open_voting(actor, w.questions[0])
        assert voting.set_dots(voter, items[0], 3) == 2
        with pytest.raises(DomainError, match="at most 3 dots"):
            voting.set_dots(voter, items[1], 4)
        assert voting.set_dots(voter, items[1], 2) == 0
        with pytest.raises(DomainError, match="0 dots left"):
            voting.set_dots(voter, items[2], 1)
        assert voting.set_dots(voter, items[0], 0) == 3  # taken back
        voting.close_voting(actor, w.questions[0])
        with pytest.raises(DomainError):
            voting.set_dots(voter, items[2], 1)
        db.session.commit()
        assert [(s.text, n) for s, n in voting.ranking(w.questions[0])] == [
            ("item 1", 2), ("item 0", 0), ("item 2", 0)]


# Threads need a real database: in-memory SQLite is one connection shared by all.
@pytest.mark.parametrize("app", ["file", "postgres"], indirect=True)
def test_budget_holds_when_one_person_taps_on_two_phones_at_once(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        items = [one_suggestion(app, w.id, f"item {n}") for n in range(6)]
        voting.open_voting(actor, w.questions[0])
        voter_id = db.session.scalars(db.select(Participant.id)).all()[-1]
        item_ids = [s.id for s in items]
        db.session.commit()
    barrier, results = Barrier(6), []

    def tap(item_id):
        with app.app_context():
            barrier.wait()
            try:
                voting.set_dots(db.session.get(Participant, voter_id), db.session.get(Suggestion, item_id), 1)
                db.session.commit()
                results.append("ok")
            except DomainError:
                db.session.rollback()
                results.append("refused")
    threads = [Thread(target=tap, args=(item_id,)) for item_id in item_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        w = db.session.get(Workshop, cafe.id)
        assert sorted(results) == ["ok"] * 5 + ["refused"]
        assert voting.spent(db.session.get(Participant, voter_id), w.questions[0]) == 5


def test_themes_group_suggestions_and_actions_make_a_plan(app, cafe, facilitator):
    with app.app_context():
        w, actor = ctx(app, cafe.id, facilitator.id)
        first, second = one_suggestion(app, w.id, "Velkomstpakke"), one_suggestion(app, w.id, "Fadder")
        theme = themes.create_theme(actor, w, "Velkomst", w.questions[0])
        themes.assign_theme(actor, first, theme)
        themes.assign_theme(actor, second, theme)
        themes.create_action(actor, w, "Lage velkomstpakke", "Servicetorget", utcnow().date(), suggestion=first)
        db.session.commit()
        minutes = compile_minutes(w)
        assert [(t.name, t.suggestions) for t in minutes.questions[0].themes] == [
            ("Velkomst", ["Velkomstpakke", "Fadder"])]
        [action] = minutes.actions
        assert (action.what, action.owner, action.source) == ("Lage velkomstpakke", "Servicetorget", "Velkomstpakke")
        themes.delete_theme(actor, theme)
        assert first.theme_id is None


def test_word_cloud_keeps_nordic_letters_and_drops_stop_words():
    texts = ["Gjøre et bra førsteinntrykk", "Førsteinntrykk og velkomst", "Velkomst på kontoret",
             "Välkommen och öppen", "ÅPENHET og åpenhet"]
    counts = count_words(texts, "nb")
    assert counts["førsteinntrykk"] == 2 and counts["velkomst"] == 2 and counts["åpenhet"] == 2
    assert "og" not in counts and "på" not in counts and "välkommen" in counts and "öppen" in counts
    cloud = word_cloud(texts, "nb")
    sizes = {w.word: w.size for w in cloud}
    assert sizes["førsteinntrykk"] > sizes["kontoret"]


def test_co_facilitator_by_address_or_link(app, live_workshop, facilitator):
    colleague = make_facilitator(app, "bo@example.org", "Bo")
    stranger = make_facilitator(app, "eve@example.org", "Eve")
    with app.app_context():
        w, owner = ctx(app, live_workshop.id, facilitator.id)
        invite_by_email(owner, w, "BO@example.org")
        assert {m.facilitator.email for m in w.members} == {"anne@example.org", "bo@example.org"}
        invite = create_invite(owner, w, "new@example.org")
        with pytest.raises(DomainError, match="another e-mail address"):
            accept_invite(invite, db.session.get(Facilitator, stranger.id))
        bo = db.session.get(Facilitator, colleague.id)
        with pytest.raises(DomainError, match="Only the workshop's owner"):
            create_invite(bo, w)
        link = create_invite(owner, w)
        accept_invite(link, db.session.get(Facilitator, stranger.id))
        assert len(w.members) == 3
