"""Star rating pages, one module per page family (urls.py names each view)."""

from wuxing.rules.views.ratings import card, ratings
from wuxing.rules.views.rulebooks import (
    rulebook_activate,
    rulebook_clone,
    rulebook_detail,
    rulebook_edit,
    rulebook_tune,
    rulebooks,
)
from wuxing.rules.views.scores import (
    evidence_delete,
    evidence_download,
    score_form,
    scores,
    scores_template,
    upload_evidence,
    veto_create,
    veto_revoke,
)

__all__ = [
    "card",
    "evidence_delete",
    "evidence_download",
    "ratings",
    "rulebook_activate",
    "rulebook_clone",
    "rulebook_detail",
    "rulebook_edit",
    "rulebook_tune",
    "rulebooks",
    "score_form",
    "scores",
    "scores_template",
    "upload_evidence",
    "veto_create",
    "veto_revoke",
]
