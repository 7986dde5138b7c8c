"""The spreadsheets' part for multiple choice, scales and ranking: a row per answer in the raw
data, and the figures (counts, shares, means, Borda scores) on the workbook's summary sheet.

Values stay typed (a rating is a number, a share a fraction shown as a percentage), so an
organiser can sort, filter and chart them without retyping.
"""
from __future__ import annotations

from flask_babel import gettext as _

from facilitator.services.answer_results import ChoiceResults, RankingResults, ScaleResults, percent
from facilitator.services.minutes import Minutes, MinutesQuestion
from facilitator.services.minutes_kinds import MinutesAnswer
from facilitator.services.question_kinds import kind_label


def answer_value(question: MinutesQuestion, answer: MinutesAnswer) -> str | int:
    """An answer in one cell: the ticked options, the ratings or the order, "other" last; a rating
    of the question itself stays a number."""
    parts = list(answer.choices)
    if answer.other_text:
        parts.append(f"{_('Other')}: {answer.other_text}")
    if question.kind == "scale" and len(parts) == 1 and parts[0].isdigit():
        return int(parts[0])
    return "; ".join(parts)


def summary_header() -> list[str]:
    return [_("Question"), _("Kind"), _("Option"), _("Value"), _("Answers"), _("Share"), _("Mean"), _("Score"),
            _("Rank")]


SUMMARY_WIDTHS = [40, 16, 40, 8, 10, 10, 10, 10, 8]


def summary_rows(minutes: Minutes) -> list[list]:
    """Every figure of every answered question: one row per option, per value of a scale's
    statement (and one with its mean), per option of a ranking (and one per place it was given)."""
    out: list[list] = []
    for question in minutes.questions:
        start = [question.text, kind_label(question.kind)]
        results = question.results
        if isinstance(results, ChoiceResults):
            out += [start + [option.text or _("Other"), None, option.count, share(option.count, results.respondents),
                             None, None, None] for option in results.options]
        elif isinstance(results, ScaleResults):
            for statement in results.statements:
                name = statement.text or question.text
                out += [start + [name, value, count, share(count, statement.count), None, None, None]
                        for value, count in statement.distribution]
                out.append(start + [name, None, statement.count, None, statement.mean, None, None])
        elif isinstance(results, RankingResults):
            for option in results.options:
                out.append(start + [option.text, None, None, None, None, option.score, option.place])
                out += [start + [option.text, place, count, share(count, results.respondents), None, None, None]
                        for place, count in enumerate(option.places, start=1)]
    return out


def share(part: int, whole: int) -> float:
    """The share as a fraction, rounded as the documents round it (the cell shows it as %)."""
    return percent(part, whole) / 100
