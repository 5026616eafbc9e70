"""The yearly review (年度评星): a cycle per year and kind, an assessment per organisation, every value a
reviewer changed (with why), and the named result of each organisation once the year is named.

Stages (five-star.md §4, the chain itself is [open]; this is the documented default):
自评 draft → 已提交 submitted → 街道已初评 street_reviewed → 区级已审核 district_approved → 已命名 named;
a return (退回) goes back to draft with a comment. Every transition is a core.DecisionLog row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned
from wuxing.orgs.models import AreaKind, OrgUnit
from wuxing.rules.models import RulebookVersion, VetoEvent


class CycleStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    NOTICE = "notice", _("公示中")
    NAMED = "named", _("已命名")


class Stage(models.TextChoices):
    DRAFT = "draft", _("自评中")
    SUBMITTED = "submitted", _("已提交，待街道初评")
    STREET_REVIEWED = "street_reviewed", _("街道已初评，待区级审核")
    DISTRICT_APPROVED = "district_approved", _("区级已审核，待命名")
    NAMED = "named", _("已命名")


# States in which the organisation's values are under review: its secretary may not change them.
UNDER_REVIEW = (Stage.SUBMITTED, Stage.STREET_REVIEWED, Stage.DISTRICT_APPROVED)


class ReviewCycle(Versioned):
    """One year's review for one kind of organisation, on the rulebook version active when it was opened.

    The stage deadlines are data (the district sets them when opening; defaults in services.DEFAULTS,
    counted in official working days — the lengths are [open] in five-star.md §4) and may be changed
    until naming with a reason (services.change_deadlines; the notice length only before the notice)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("适用类型"), max_length=10, choices=AreaKind.choices)
    rulebook = models.ForeignKey(
        RulebookVersion, verbose_name=_("细则版本"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN)
    opened_on = models.DateField(_("启动日期"))
    self_deadline = models.DateField(_("自评截止"))
    street_deadline = models.DateField(_("街道初评截止"))
    district_deadline = models.DateField(_("区级审核截止"))
    notice_workdays = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("启动人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    named_at = models.DateTimeField(_("命名时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评星周期")
        verbose_name_plural = _("评星周期")
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["year", "kind"], name="review_cycle_unique")]

    def __str__(self) -> str:
        return f"{self.year}年{self.get_kind_display()}评星"

    @property
    def is_named(self) -> bool:
        return self.status == CycleStatus.NAMED


class Assessment(Versioned):
    """One organisation's way through one cycle."""

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("评星周期"), on_delete=models.PROTECT, related_name="assessments"
    )
    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="review_assessments"
    )
    state = models.CharField(_("环节"), max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    target_level = models.PositiveSmallIntegerField(_("目标星级"), null=True, blank=True)
    comment = models.CharField(_("最近意见"), max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评星申报")
        verbose_name_plural = _("评星申报")
        ordering = ["org__path"]
        constraints = [models.UniqueConstraint(fields=["cycle", "org"], name="assessment_unique")]
        indexes = [models.Index(fields=["cycle", "state"])]

    def __str__(self) -> str:
        return f"{self.cycle} {self.org}"


class ValueChange(models.Model):
    """A value a reviewer changed during the review, with the mandatory reason:
    shown as "填报 85 → 初评 80：理由"."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("评星申报"), on_delete=models.CASCADE, related_name="value_changes"
    )
    indicator_code = models.CharField(_("指标编码"), max_length=64)
    from_value = models.DecimalField(_("原值"), max_digits=16, decimal_places=4, null=True, blank=True)
    to_value = models.DecimalField(_("新值"), max_digits=16, decimal_places=4, null=True, blank=True)
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices)
    reason = models.CharField(_("理由"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("角色"), max_length=20, blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评审改值")
        verbose_name_plural = _("评审改值")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.from_value} → {self.to_value}：{self.reason}"


class Objection(models.Model):
    """An objection (异议) to an organisation's proposed level, raised during the public notice and
    resolved by the district before naming."""

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("评星周期"), on_delete=models.PROTECT, related_name="objections"
    )
    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="objections"
    )
    raised_on = models.DateField(_("提出日期"))
    text = models.CharField(_("异议内容"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("处理结果"), max_length=500, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["raised_on", "pk"]

    def __str__(self) -> str:
        return f"{self.org} {self.raised_on}：{self.text[:20]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class NamedResult(models.Model):
    """The official record of one organisation's year: frozen when the cycle is named. Activating
    another rulebook version afterwards never changes it."""

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="named_results"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("适用类型"), max_length=10, choices=AreaKind.choices)
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("评星周期"), on_delete=models.PROTECT, related_name="results"
    )
    rulebook = models.ForeignKey(
        RulebookVersion, verbose_name=_("细则版本"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("星级"))
    stars = models.JSONField(_("获得的星"), default=list)
    points = models.JSONField(_("各星得分"), default=dict)
    # star code → why it was not awarded (the engine's reasons at naming): the record explains itself
    reasons = models.JSONField(_("未获得的原因"), default=dict, blank=True)
    named_at = models.DateTimeField(_("命名时间"))

    class Meta:
        verbose_name = _("命名结果")
        verbose_name_plural = _("命名结果")
        ordering = ["-year", "org__path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="named_result_unique")]

    def __str__(self) -> str:
        return f"{self.org} {self.year}年 {self.level}星"


def removal_evidence_path(instance: StarRemoval, filename: str) -> str:
    """Under MEDIA_ROOT (WUXING_VAR_DIR/media: owner-only, never served directly; the download view
    checks the organisation's scope first), beside the values' evidence files."""
    return f"evidence/removals/{instance.result.year}/{instance.result.org_id}/{filename}"


class StarRemoval(models.Model):
    """A star taken away from a named result during the following year (摘星), for a veto event: the
    named result keeps the state at naming, this row the removal with its date, reason and evidence —
    an uploaded file, the recorded veto event, or both (at least one, docs/decisions.md §45)."""

    result = models.ForeignKey(
        NamedResult, verbose_name=_("命名结果"), on_delete=models.PROTECT, related_name="removals"
    )
    star_code = models.CharField(_("星"), max_length=32)
    removed_on = models.DateField(_("摘星日期"))
    reason = models.CharField(_("原因"), max_length=300)
    veto_event = models.ForeignKey(
        VetoEvent,
        verbose_name=_("一票否决事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.FileField(_("佐证材料"), upload_to=removal_evidence_path, blank=True, default="")
    evidence_name = models.CharField(_("佐证材料原文件名"), max_length=255, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("摘星记录")
        verbose_name_plural = _("摘星记录")
        ordering = ["removed_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["result", "star_code"], name="star_removed_once")]

    def __str__(self) -> str:
        return f"{self.result} 摘除 {self.star_code}"
