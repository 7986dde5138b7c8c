"""The harvest in the minutes: per theme, the suggestion that best represents it and the count of
its suggestions and dots, when the organiser includes it, in every document format."""
from __future__ import annotations

import io
import re

from support.forms import csrf_token_in

from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.minutes import MinutesOptions, compile_minutes, current_edit, save_minutes


def demo_code(runner) -> str:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def include_harvest(app, code: str, harvest: bool = True) -> list:
    """Save the minutes with the harvest chosen (or not); returns the compiled themes."""
    with app.app_context():
        workshop = db.session.scalar(db.select(Workshop).where(Workshop.join_code == code))
        edit, revision = current_edit(workshop)
        edit.options = MinutesOptions(harvest=harvest)
        save_minutes(workshop, None, edit, revision)
        db.session.commit()
        return [theme for question in compile_minutes(workshop).questions for theme in question.themes]


def document_text(runner, code: str, fmt: str, tmp_path) -> str:
    path = tmp_path / f"minutes.{fmt}"
    result = runner.invoke(args=["minutes", code, "--format", fmt, "--output", str(path)])
    assert result.exit_code == 0, result.output
    if fmt == "docx":
        import docx
        document = docx.Document(io.BytesIO(path.read_bytes()))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "odt":
        from odf import teletype
        from odf.opendocument import load
        from odf.text import H, P
        document = load(str(path))
        return "\n".join(teletype.extractText(e) for kind in (H, P) for e in document.getElementsByType(kind))
    return path.read_text(encoding="utf-8")


def test_each_theme_has_its_representative_and_counts(app, runner):
    code = demo_code(runner)
    themes = include_harvest(app, code)
    assert themes
    with app.app_context():
        from facilitator.models import Suggestion, Theme, Vote
        for theme in themes:
            assert theme.representative in theme.suggestions
            dots = db.session.scalar(db.select(db.func.coalesce(db.func.sum(Vote.dots), 0)).join(Suggestion)
                                     .join(Theme, Suggestion.theme_id == Theme.id).where(Theme.name == theme.name))
            assert theme.votes == dots


def test_the_harvest_is_in_every_document_format_when_chosen(app, runner, tmp_path):
    code = demo_code(runner)
    themes = include_harvest(app, code)
    for fmt in ("md", "html", "docx", "odt"):
        text = document_text(runner, code, fmt, tmp_path)
        # The demo speaks Norwegian: the table's heading and every theme's representative.
        assert "Innhøsting" in text, fmt
        for theme in themes:
            assert theme.representative in text, (fmt, theme.name)
    markdown = document_text(runner, code, "md", tmp_path)
    for theme in themes:
        assert re.search(rf"\| {re.escape(theme.name)} \| .* \| {len(theme.suggestions)} \| {theme.votes} \|",
                         markdown), theme.name


def test_the_harvest_is_left_out_unless_chosen(app, runner, tmp_path):
    code = demo_code(runner)
    include_harvest(app, code, harvest=False)
    assert "Innhøsting" not in document_text(runner, code, "md", tmp_path)


def test_the_minutes_form_offers_the_harvest(app, logged_in, live_workshop):
    url = f"/host/workshops/{live_workshop.id}/minutes"
    page = logged_in.get(url).get_data(as_text=True)
    assert 'name="include_harvest"' in page and "A harvest per theme" in page
    logged_in.client.post(url, data={"csrf_token": csrf_token_in(page), "choices_shown": "1", "base_revision": "0",
                                     "include_harvest": "y", "save": "Save minutes"})
    with app.app_context():
        assert current_edit(db.session.get(Workshop, live_workshop.id))[0].options.harvest
