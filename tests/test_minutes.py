"""The minutes: compiled from the workshop, edited with revisions, exported the same everywhere."""
import re
from pathlib import Path

import pytest

from facilitator.exporters.markdown import escape, render_markdown
from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.minutes import (
    MinutesEdit, StaleMinutes, compile_minutes, save_minutes,
)

from support.forms import csrf_token_in
from support.require import require_or_skip

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def seed_000():
    files = sorted(SEEDS.glob("000_*.txt"))
    if not files:
        require_or_skip("the seed scenarios are not beside the project")
    return files[0].read_text(encoding="utf-8")


def seed_questions(text):
    """Each question of the seed with its '- ' suggestions, in order."""
    questions, current = [], None
    lines = [line.strip() for line in text.splitlines()]
    for line in lines:
        if line.endswith("?") and not line.startswith("-"):
            current = (line, [])
            questions.append(current)
        elif line.startswith("- ") and current:
            current[1].append(line[2:].strip())
    return questions


def run_demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_demo_prints_login_and_ends_with_the_code(runner):
    output = runner.invoke(args=["demo"]).output
    code = output.strip().splitlines()[-1]
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code)
    assert "demo@" in output and "password" in output


def test_demo_minutes_contain_every_suggestion_of_seed_000_under_its_question(app, runner):
    questions = seed_questions(seed_000())
    assert [len(s) for _, s in questions] == [17, 19]
    code = run_demo(runner)
    markdown = runner.invoke(args=["minutes", code, "--format", "md"]).output
    for question, suggestions in questions:
        # The question's own list: up to its first sub-heading (ranking, themes), votes noted aside.
        section = markdown.split(f"## {question}", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        items = [re.sub(r" \(\d+ [^()]+\)$", "", line[2:]) for line in section.splitlines()
                 if line.startswith("- ")]
        assert items == [escape(s) for s in suggestions]


def test_demo_minutes_follow_the_seeds_structure_in_norwegian(app, runner):
    seed = seed_000()
    markdown = runner.invoke(args=["minutes", run_demo(runner)]).output
    title = seed.strip().splitlines()[0]
    assert markdown.startswith(f"# {title}\n")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    questions = [f"## {q}" for q, _ in seed_questions(seed)]
    # The program, each question in order, the poll, the panel and the evaluation the seminar
    # ends with, then the demo's action plan.
    closing = ["## Hvilket tiltak vil du at servicetorga starter med?", "## Spørsmål til panelet",
               "## Hvor nyttig var kvelden for deg?"]
    assert headings == ["## Program", *questions, *closing, "## Handlingsplan"]
    assert "36" in markdown and "Tilflytting" in markdown and "13. april 2010" in markdown
    assert "Turid Hilde Gåsbakk" in markdown.rsplit("##", 1)[1]
    # The labels speak the workshop's language, not the server's.
    assert "**Dato:** 13. april 2010, 16:00–20:00" in markdown
    assert "Forslag:" in markdown and "Med vennlig hilsen" in markdown
    assert markdown.index("Program") < markdown.index(questions[0])


def test_minutes_command_writes_a_file(app, runner, tmp_path):
    code = run_demo(runner)
    target = tmp_path / "minutes.md"
    result = runner.invoke(args=["minutes", code, "--format", "md", "--output", str(target)])
    assert result.exit_code == 0
    assert "Server en kopp kaffe" in target.read_text(encoding="utf-8")
    html = runner.invoke(args=["minutes", code, "--format", "html"]).output
    assert '<html lang="nb">' in html and "<li dir=\"auto\">Gi litt mer enn forventet</li>" in html


def test_minutes_command_explains_an_unknown_code(app, runner):
    result = runner.invoke(args=["minutes", "NOPE22"])
    assert result.exit_code != 0 and "No workshop has the code" in result.output


@pytest.mark.parametrize("text", [
    "# not a heading", "- not a list", "1. not ordered", "> not a quote", "**not bold**",
    "[link](javascript:alert(1))", "<script>x</script>", "===", "a | b", "`code`",
])
def test_markdown_escaping_keeps_participant_text_as_text(text):
    escaped = escape(text)
    # Unescaping the backslashes gives the original back, and no structure starts the line.
    assert re.sub(r"\\(.)", r"\1", escaped) == text
    assert not re.match(r"^(#|- |1\. |> |\*\*|\[|<|===)", escaped)


def test_downloads_over_http(app, logged_in, live_workshop):
    md = logged_in.get(f"/export/{live_workshop.id}/minutes.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.headers["Content-Disposition"].startswith('attachment; filename="seminar')
    assert md.headers["Cache-Control"] == "no-store"
    html = logged_in.get(f"/export/{live_workshop.id}/minutes.html")
    assert html.status_code == 200 and "Content-Disposition" not in html.headers
    # The inlined stylesheet is allowed by its hash, nothing else inline is.
    assert "style-src 'self' 'sha256-" in html.headers["Content-Security-Policy"]
    saved = logged_in.get(f"/export/{live_workshop.id}/minutes.html?download=1")
    assert saved.headers["Content-Disposition"].endswith('.html"')


def test_editing_the_minutes_keeps_revisions(app, logged_in, live_workshop):
    url = f"/host/workshops/{live_workshop.id}/minutes"
    page = logged_in.get(url).get_data(as_text=True)
    assert "Anne Facilitator" in page  # the signature defaults to the owner
    for number, closing in enumerate(["Takk for i kveld.", "Takk for en flott kveld."], start=1):
        response = logged_in.client.post(url, data={
            "csrf_token": csrf_token_in(page), "opening_text": "Velkommen.", "closing_text": closing,
            "signature": "Turid", "participant_count": "36", "base_revision": str(number - 1)})
        assert response.status_code == 303
    with app.app_context():
        workshop = db.session.get(Workshop, live_workshop.id)
        assert [r.number for r in workshop.minutes_revisions] == [1, 2]
        minutes = compile_minutes(workshop)
    assert minutes.closing_text == "Takk for en flott kveld." and minutes.participant_count == 36
    preview = logged_in.get(url).get_data(as_text=True)
    assert '<article class="minutes">' in preview
    assert '<p class="prewrap">Takk for en flott kveld.</p>' in preview


def test_a_stale_save_is_refused_and_keeps_the_text(app, logged_in, live_workshop):
    url = f"/host/workshops/{live_workshop.id}/minutes"
    token = csrf_token_in(logged_in.get(url).get_data(as_text=True))
    first = {"csrf_token": token, "opening_text": "Mine", "closing_text": "", "signature": "",
             "base_revision": "0"}
    assert logged_in.client.post(url, data=first).status_code == 303
    second = {**first, "opening_text": "Theirs, written meanwhile"}
    response = logged_in.client.post(url, data=second)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone else saved the minutes" in html
    assert "Theirs, written meanwhile" in html and "Mine" in html
    with app.app_context():
        assert compile_minutes(db.session.get(Workshop, live_workshop.id)).opening_text == "Mine"


def test_save_minutes_refuses_an_old_base(app, live_workshop):
    with app.app_context():
        workshop = db.session.get(Workshop, live_workshop.id)
        save_minutes(workshop, None, MinutesEdit("a"), 0)
        with pytest.raises(StaleMinutes):
            save_minutes(workshop, None, MinutesEdit("b"), 0)


def test_minutes_list_only_visible_suggestions_in_arrival_order(app, live_workshop):
    from facilitator.models import Suggestion
    with app.app_context():
        workshop = db.session.get(Workshop, live_workshop.id)
        question = workshop.questions[0]
        for text, status in [("first", "visible"), ("hidden", "hidden"), ("second", "visible"),
                             ("waiting", "pending")]:
            db.session.add(Suggestion(workshop_id=workshop.id, question_id=question.id, text=text,
                                      original_text=text, status=status))
        db.session.commit()
        markdown = render_markdown(compile_minutes(workshop))
    section = markdown.split("## First question?", 1)[1].split("##", 1)[0]
    assert [line for line in section.splitlines() if line.startswith("- ")] == ["- first", "- second"]
    assert "No suggestions." in markdown.split("## Second question?", 1)[1]
