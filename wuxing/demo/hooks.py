"""Demo data of later apps, loaded after the registry. Each hook is idempotent and returns a message."""

from __future__ import annotations

from collections.abc import Callable

from wuxing.boards.demo import load_demo_boards
from wuxing.competition.demo import load_demo_competition
from wuxing.funds.demo import load_demo_funds
from wuxing.members.demo import load_demo_members
from wuxing.reviews.demo import load_demo_reviews
from wuxing.rules.demo import load_demo_evidence, load_demo_scores

HOOKS: list[Callable[[], str | None]] = [
    load_demo_scores,
    load_demo_evidence,
    load_demo_reviews,
    load_demo_funds,
    load_demo_boards,
    load_demo_members,
    load_demo_competition,
]
