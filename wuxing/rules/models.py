"""Star rulebooks (一星一细则) as versioned data, indicator scores, evidence and veto events."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.orgs.models import AreaKind, OrgUnit

if TYPE_CHECKING:
    from wuxing.rules.schema import Rulebook


@lru_cache(maxsize=64)
def _parse(content_hash: str, content: str) -> Rulebook:
    from wuxing.rules.schema import load_rulebook_yaml

    return load_rulebook_yaml(content)


class RulebookVersion(models.Model):
    """One version of one year's rules for one kind of organisation (rural / community).

    The YAML text is the rule; it is validated by wuxing.rules.schema on every save. A version that has
    scores entered against it is frozen: changes make a new version. Exactly one version per
    (year, kind) is active, and ratings use it.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("适用类型"), max_length=10, choices=AreaKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("名称"), max_length=200)
    content = models.TextField(_("细则内容（YAML）"))
    is_active = models.BooleanField(_("当前启用"), default=False)
    is_placeholder = models.BooleanField(_("含默认（非官方）条目"), default=True)
    based_on = models.ForeignKey(
        "self", verbose_name=_("来源版本"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    # Not stored: set by services.activate_version on the version it returns —
    # (values rescored, [(org code, indicator code)] that do not fit this version).
    rescore_report: tuple[int, list[tuple[str, str]]]
    # Not stored: set by services.tune_version when it activates the new version — the organisations whose
    # stars changed against the version active before (services.RatingChange), or None.
    rating_changes: Any
    # Not stored: set by services.activate_version (and update_version of the active version) when the
    # rescore runs as a background job — the core.Job whose page shows its progress (§40).
    job: Any

    class Meta:
        verbose_name = _("星级细则版本")
        verbose_name_plural = _("星级细则版本")
        ordering = ["-year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind", "version"], name="rulebook_version_unique"),
            models.UniqueConstraint(
                fields=["year", "kind"], condition=models.Q(is_active=True), name="rulebook_one_active"
            ),
        ]
        permissions = [("enter_scores", "可以填报指标得分")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.get_kind_display()} 第{self.version}版"

    @property
    def rulebook(self) -> Rulebook:
        digest = hashlib.sha256(self.content.encode()).hexdigest()
        return _parse(digest, self.content)

    def has_scores(self) -> bool:
        """Values were entered against this version, or rated by it (rescored when it was activated):
        either way ratings already rest on its text, so it is frozen."""
        return Score.objects.filter(models.Q(rulebook=self) | models.Q(scored_with=self)).exists()


class Score(models.Model):
    """One indicator value of one organisation in one year.

    `value` holds the typed value as a number: 1/0 for yes/no items, a count for per-occurrence,
    bonus and penalty items, the measured number for thresholds and the assessor's points for scale
    items. `rulebook` is the version in force when it was entered; a rating records the version that
    rated it.
    """

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="scores")
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator_code = models.CharField(_("指标编码"), max_length=64)
    value = models.DecimalField(_("填报值"), max_digits=16, decimal_places=4)
    rulebook = models.ForeignKey(
        RulebookVersion, verbose_name=_("细则版本"), on_delete=models.PROTECT, related_name="scores"
    )
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.SET_NULL, null=True, blank=True
    )
    entered_at = models.DateTimeField(_("填报时间"), auto_now=True)
    # The value scored by the engine (engine.score_cell) under `scored_with`, the active version of its
    # year and kind; kept current when a version is activated. A rating adds these up with one GROUP BY
    # (see queries.rate) instead of sending every value to Python. NULL scored_with: not scored (the
    # active version has no such indicator, or the value does not fit it).
    scored_with = models.ForeignKey(
        RulebookVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    star_index = models.SmallIntegerField(null=True, blank=True, editable=False)
    cents = models.BigIntegerField(default=0, editable=False)  # points × 100
    bit = models.BigIntegerField(default=0, editable=False)  # 1 << position of the indicator in its star
    met_bit = models.BigIntegerField(default=0, editable=False)  # bit if met, else 0
    required = models.BooleanField(default=False, editable=False)  # a required indicator of its star
    history = HistoricalRecords(
        excluded_fields=["scored_with", "star_index", "cents", "bit", "met_bit", "required"]
    )

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "indicator_code"], name="score_unique_per_indicator"
            )
        ]
        indexes = [
            models.Index(fields=["year", "org"], name="score_year_org"),
            # covers the rating GROUP BY: no table access needed
            models.Index(
                fields=["scored_with", "org", "star_index", "cents", "bit", "met_bit"],
                name="score_rating_cover",
            ),
            # the few required values that are not met, for the reasons' "当前 …"
            models.Index(
                fields=["scored_with", "org"],
                name="score_unmet_required",
                condition=models.Q(required=True, met_bit=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year} {self.indicator_code}={self.value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.score.year}/{instance.score.org_id}/{filename}"


class Evidence(models.Model):
    """A supporting file (photo, scan, minutes) attached to one score."""

    score = models.ForeignKey(
        Score, verbose_name=_("指标得分"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("原文件名"), max_length=255)
    # SHA-256 of the content: the same file is attached to one value once (empty for files uploaded before
    # the hash was kept; those are not compared).
    sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["score", "sha256"],
                condition=~models.Q(sha256=""),
                name="evidence_same_file_once_per_value",
                violation_error_message="这份文件已作为本指标的佐证材料上传过，无需重复上传",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class VetoEvent(models.Model):
    """A veto item (一票否决) that happened to an organisation in a year; it voids the star whatever
    the points. Revoking keeps the row (with who and why) and stops it counting."""

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="veto_events"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    veto_code = models.CharField(_("否决项编码"), max_length=64)
    occurred_on = models.DateField(_("发生日期"))
    description = models.TextField(_("情况说明"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=300, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一票否决事项")
        verbose_name_plural = _("一票否决事项")
        ordering = ["-occurred_on"]
        indexes = [models.Index(fields=["year", "org"])]

    def __str__(self) -> str:
        return f"{self.org} {self.veto_code} {self.occurred_on}"


class Rating(models.Model):
    """The kept rating of one organisation in one year: what `queries.rate` decides, stored so that
    pages and the API can count, filter, order and page in SQL (docs/decisions.md §24).

    Not a record of its own: any write that can change a rating (a value, a veto event, a rescore)
    marks the row stale in the same transaction (`kept.invalidate`, which also counts `generation` up),
    and the next read decides the stale and missing rows of its scope again and stores them only if
    `generation` has not moved meanwhile. A row rated under another version than the active one (a new
    version was activated, or the organisation changed kind) counts as stale too.
    """

    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="kept_ratings")
    year = models.PositiveSmallIntegerField()
    rulebook = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    fresh = models.BooleanField(default=False)
    generation = models.BigIntegerField(default=0)
    level = models.SmallIntegerField(default=0)
    stars = models.SmallIntegerField(default=0)  # bit i: the rulebook's i-th star is awarded
    total_cents = models.BigIntegerField(default=0)  # points of all stars × 100
    # Entry progress under the version (the first pages count it in SQL): values scored, and values of
    # indicators that name their evidence with no file attached. Evidence uploads mark the row stale.
    filled = models.IntegerField(default=0)
    lacking = models.IntegerField(default=0)
    # Copies of the organisation's place as it was rated, so that lists order and filter by index
    # without joining the tree; a row whose copy differs from the organisation counts as stale.
    org_path = models.CharField(max_length=255, default="")
    org_code = models.CharField(max_length=32, default="")
    street_code = models.CharField(max_length=32, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "org"], name="rating_one_per_year")]
        indexes = [
            models.Index(fields=["year", "street_code", "org_code"], name="rating_year_street"),
            models.Index(fields=["year", "level", "street_code", "org_code"], name="rating_year_level"),
            # a street's kept rows by `org_path LIKE 'prefix%'`: on PostgreSQL a prefix LIKE uses a btree
            # only with the pattern operator class unless the database's collation is exactly "C"
            # (C.UTF-8 is not): without it a street's counts scanned the year's rows (decisions §85)
            models.Index(
                fields=["year", "org_path"],
                name="rating_year_path",
                opclasses=["int2_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["year", "org"], name="rating_stale", condition=models.Q(fresh=False)),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year} {self.level}"


class RegistryStamp(models.Model):
    """One row whose `n` a database trigger counts up with every insert, update or delete on the
    organisation table (migration 0003) — whoever writes, however (services, bulk imports, raw SQL)."""

    n = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.n)


class RatingCheck(models.Model):
    """The registry stamp and active versions at which every organisation's kept rating of a year was
    last checked against the organisation (`kept.refresh` for the whole district): while both are
    unchanged, a read only has to look at the rows marked stale."""

    year = models.PositiveSmallIntegerField(unique=True)
    stamp = models.BigIntegerField()
    versions = models.CharField(max_length=100)
    rows = models.PositiveIntegerField(default=0)  # kept rows of the year then (emptying the table shows)

    def __str__(self) -> str:
        return f"{self.year} @{self.stamp} ({self.versions})"
