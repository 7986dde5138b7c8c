"""The outline of a multiple-choice, scale, ranking or Q&A question: its figures as tables, as
bars, and in words.

Every figure is in a table (what Markdown, a screen reader and a spreadsheet user read); the
chart beside it draws the same figures, and its description carries them as alt text.
Numbers are written the way the minutes' language writes them (4,2 and 33 % in Norwegian).
"""
from __future__ import annotations

from babel.numbers import format_decimal, format_percent
from flask_babel import gettext as _, ngettext

from facilitator.exporters import babel_locale
from facilitator.exporters.blocks import Chart, Entry, Heading, ItemList, Paragraph, Table
from facilitator.exporters.charts import Bar, BarChart
from facilitator.services.answer_results import ChoiceResults, RankingResults, ScaleResults, StatementResults, percent
from facilitator.services.minutes import Minutes, MinutesQuestion


class Numbers:
    """Percentages and means in the minutes' language."""

    def __init__(self, language: str):
        self.locale = babel_locale(language)

    def percent(self, value: int | None) -> str:
        return "" if value is None else format_percent(value / 100, locale=self.locale)

    def decimal(self, value: float | None) -> str:
        return "" if value is None else format_decimal(value, format="0.0#", locale=self.locale)

    def signed(self, value: int | None) -> str:
        return "" if value is None else f"{value:+d}".replace("-", "−")


def kind_blocks(minutes: Minutes, question: MinutesQuestion) -> list:
    """The blocks of a question that collected answers or questions to the panel."""
    numbers = Numbers(minutes.language)
    results = question.results
    if isinstance(results, ChoiceResults):
        return choice_blocks(question, results, numbers)
    if isinstance(results, ScaleResults):
        return scale_blocks(question, results, numbers)
    if isinstance(results, RankingResults):
        return ranking_blocks(question, results)
    return panel_blocks(results)


def respondents(count: int) -> Paragraph:
    if not count:
        return Paragraph(_("Nobody answered."), "empty")
    return Paragraph(ngettext("%(num)d person answered.", "%(num)d people answered.", count))


def with_share(count: int, share: str) -> str:
    return f"{count} ({share})"


def choice_blocks(question: MinutesQuestion, results: ChoiceResults, numbers: Numbers) -> list:
    blocks: list = [respondents(results.respondents)]
    if not results.respondents:
        return blocks
    if sum(option.count for option in results.options) > results.respondents:
        blocks.append(Paragraph(_("Several answers could be chosen, so the shares add up to more than 100 %.")))
    names = [option.text or _("Other") for option in results.options]
    rows = [[name, str(option.count), numbers.percent(option.percent)]
            for name, option in zip(names, results.options, strict=True)]
    blocks.append(Table([_("Option"), _("Answers"), _("Share")], rows, question.text, "figures"))
    blocks.append(Chart(BarChart(question.text, [
        Bar(name, option.count, with_share(option.count, numbers.percent(option.percent)))
        for name, option in zip(names, results.options, strict=True)])))
    if results.other_texts:
        blocks += [Paragraph(_("Other answers:"), "label"), ItemList([Entry(text) for text in results.other_texts])]
    return blocks


def scale_blocks(question: MinutesQuestion, results: ScaleResults, numbers: Numbers) -> list:
    blocks: list = [respondents(results.respondents), Paragraph(scale_description(results))]
    if not results.respondents:
        return blocks
    several = len(results.statements) > 1 or any(s.text for s in results.statements)
    if several:
        blocks.append(statements_table(question, results, numbers))
    for statement in results.statements:
        if several:
            blocks.append(Heading(statement.text, 2))
        blocks += statement_blocks(statement.text or question.text, statement, results, numbers)
    return blocks


def scale_description(results: ScaleResults) -> str:
    if results.low_label and results.high_label:
        return _("Scale from %(min)d (%(low)s) to %(max)d (%(high)s).", min=results.scale_min,
                 low=results.low_label, max=results.scale_max, high=results.high_label)
    return _("Scale from %(min)d to %(max)d.", min=results.scale_min, max=results.scale_max)


def statements_table(question: MinutesQuestion, results: ScaleResults, numbers: Numbers) -> Table:
    """One row per statement: how many rated it and the mean (and on 0–10 the shares)."""
    zero_to_ten = results.scale_max == 10
    header = [_("Statement"), _("Answers"), _("Mean")] + (["9–10", "0–6"] if zero_to_ten else [])
    rows = []
    for s in results.statements:
        row = [s.text, str(s.count), numbers.decimal(s.mean)]
        rows.append(row + [numbers.percent(s.promoters), numbers.percent(s.detractors)] if zero_to_ten else row)
    return Table(header, rows, question.text, "figures")


def value_name(value: int, results: ScaleResults) -> str:
    """A value of the scale, with the label of its end when it is one."""
    label = results.low_label if value == results.scale_min else \
        results.high_label if value == results.scale_max else ""
    return f"{value} ({label})" if label else str(value)


def statement_blocks(title: str, statement: StatementResults, results: ScaleResults, numbers: Numbers) -> list:
    shares = [(value_name(value, results), count, numbers.percent(percent(count, statement.count)))
              for value, count in statement.distribution]
    blocks: list = [
        Table([_("Value"), _("Answers"), _("Share")], [[name, str(count), share] for name, count, share in shares],
              title, "figures"),
        Chart(BarChart(title, [Bar(name, count, with_share(count, share)) for name, count, share in shares]))]
    if statement.count:
        blocks.append(Paragraph(ngettext("Mean: %(mean)s, from %(num)d answer.",
                                         "Mean: %(mean)s, from %(num)d answers.", statement.count,
                                         mean=numbers.decimal(statement.mean))))
    if statement.promoters is not None and statement.count:
        blocks.append(Paragraph(_("9–10: %(high)s · 7–8: %(middle)s · 0–6: %(low)s · net score (9–10 minus 0–6): "
                                  "%(net)s", high=numbers.percent(statement.promoters),
                                  middle=numbers.percent(statement.passives),
                                  low=numbers.percent(statement.detractors), net=numbers.signed(statement.net_score))))
    return blocks


def ranking_blocks(question: MinutesQuestion, results: RankingResults) -> list:
    blocks: list = [respondents(results.respondents)]
    if not results.respondents:
        return blocks
    size = len(results.options)
    blocks.append(Paragraph(_("Borda count: with %(num)d options, a first place earns %(first)d points and "
                              "the last place none. The columns 1., 2., … show how many people put the "
                              "option in that place.", num=size, first=size - 1)))
    header = [_("Option"), _("Rank"), _("Score")] + [f"{n}." for n in range(1, size + 1)]
    rows = [[o.text, str(o.place), str(o.score)] + [str(count) for count in o.places] for o in results.options]
    blocks.append(Table(header, rows, question.text, "figures"))
    blocks.append(Chart(BarChart(question.text, [
        Bar(o.text, o.score, ngettext("%(num)d point", "%(num)d points", o.score)) for o in results.options])))
    return blocks


def panel_blocks(panel: list) -> list:
    """The questions to the panel, the most upvoted first, and whether each was answered."""
    if not panel:
        return [Paragraph(_("No questions to the panel."), "empty")]
    ordered = sorted(panel, key=lambda item: (-item.upvotes, item.suggestion_id))
    rows = [[item.text, str(item.upvotes), _("answered") if item.answered else _("not answered")]
            for item in ordered]
    return [Table([_("Question"), _("Upvotes"), _("Answered")], rows, _("Questions to the panel"), "figures")]
