"""The results of multiple-choice, scale and ranking questions, as plain figures.

The projector's charts, the phone's results and the minutes all read these, so every screen
and document shows the same counts. Percentages are of the people who answered the question.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Answer, AnswerItem, Question, QuestionKind, SuggestionStatus


@dataclass
class OptionCount:
    option_id: int | None   # None: the "other" answers
    text: str
    count: int
    percent: int


@dataclass
class ChoiceResults:
    respondents: int
    options: list[OptionCount]
    other_texts: list[str] = field(default_factory=list)


@dataclass
class StatementResults:
    option_id: int
    text: str
    # How many chose each value of the scale, from its low end to its high end.
    distribution: list[tuple[int, int]]
    count: int
    mean: float | None
    # On a 0–10 scale: the shares (in %) of 9–10, 7–8 and 0–6, and the first minus the last.
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    net_score: int | None = None


@dataclass
class ScaleResults:
    respondents: int
    scale_min: int
    scale_max: int
    low_label: str
    high_label: str
    statements: list[StatementResults]


@dataclass
class RankedOption:
    option_id: int
    text: str
    score: int          # Borda: with n options, first place earns n - 1 points, last place 0
    place: int          # 1 for the highest score; ties share a place
    # How many put it first, second, …
    places: list[int]


@dataclass
class RankingResults:
    respondents: int
    options: list[RankedOption]


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded half up (as people round), 0 when nobody answered."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def respondents(question: Question) -> int:
    return int(db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question.id)) or 0)


def item_counts(question: Question) -> dict[tuple[int, int], int]:
    """How many answers gave each (option, value) pair: all any result needs, in one query."""
    rows = db.session.execute(
        select(AnswerItem.option_id, AnswerItem.value, func.count(AnswerItem.id)).join(Answer)
        .where(Answer.question_id == question.id).group_by(AnswerItem.option_id, AnswerItem.value))
    return {(option_id, value): int(count) for option_id, value, count in rows}


def choice_results(question: Question) -> ChoiceResults:
    """Counts and percentages per option, in the facilitator's order, "other" last."""
    total = respondents(question)
    counts = item_counts(question)
    options = [OptionCount(option.id, option.text, counts.get((option.id, 1), 0),
                           percent(counts.get((option.id, 1), 0), total)) for option in question.options]
    other_texts: list[str] = []
    if question.allow_other:
        rows = db.session.execute(select(Answer.other_text, Answer.other_status).where(
            Answer.question_id == question.id, Answer.other_text != "").order_by(Answer.id)).all()
        other_texts = [text for text, status in rows if status == SuggestionStatus.VISIBLE]
        options.append(OptionCount(None, "", len(rows), percent(len(rows), total)))
    return ChoiceResults(total, options, other_texts)


def scale_results(question: Question) -> ScaleResults:
    """Each statement's distribution over the scale, its mean, and on 0–10 the usual shares."""
    counts = item_counts(question)
    values = range(question.scale_min, question.scale_max + 1)
    statements = [statement_results(option.id, option.text, [(v, counts.get((option.id, v), 0)) for v in values],
                                    question.scale_max == 10)
                  for option in question.options]
    return ScaleResults(respondents(question), question.scale_min, question.scale_max, question.low_label,
                        question.high_label, statements)


def statement_results(option_id: int, text: str, distribution: list[tuple[int, int]],
                      zero_to_ten: bool) -> StatementResults:
    count = sum(n for _value, n in distribution)
    mean = round(sum(value * n for value, n in distribution) / count, 2) if count else None
    result = StatementResults(option_id, text, distribution, count, mean)
    if zero_to_ten:
        def share(low, high):
            return percent(sum(n for value, n in distribution if low <= value <= high), count)
        result.promoters, result.passives, result.detractors = share(9, 10), share(7, 8), share(0, 6)
        result.net_score = result.promoters - result.detractors if count else None
    return result


def ranking_results(question: Question) -> RankingResults:
    """The Borda count: highest score first (ties in the facilitator's order, sharing a place),
    with how often each option was put in each place."""
    counts = item_counts(question)
    size = len(question.options)
    ranked = []
    for option in question.options:
        places = [counts.get((option.id, place), 0) for place in range(1, size + 1)]
        score = sum((size - place) * n for place, n in enumerate(places, start=1))
        ranked.append(RankedOption(option.id, option.text, score, 0, places))
    ranked.sort(key=lambda item: -item.score)
    for index, item in enumerate(ranked):
        item.place = ranked[index - 1].place if index and ranked[index - 1].score == item.score else index + 1
    return RankingResults(respondents(question), ranked)


def results_for(question: Question):
    """The results of an answered question of any kind, or None for open text and Q&A."""
    if question.kind == QuestionKind.CHOICE:
        return choice_results(question)
    if question.kind == QuestionKind.SCALE:
        return scale_results(question)
    if question.kind == QuestionKind.RANKING:
        return ranking_results(question)
    return None
