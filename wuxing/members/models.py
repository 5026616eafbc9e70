"""发展党员: the people in the recruitment pipeline, every step as a dated event, the documents of
"四请示三批复" and the public notices, the district's yearly quotas and its versions of the time limits.

The stage of a person is never stored: it is read from the events (wuxing/members/steps.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned
from wuxing.orgs.models import OrgUnit


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    BASIC = "basic", _("初中及以下")
    SECONDARY = "secondary", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    GRADUATE = "graduate", _("研究生")


COLLEGE_LEVELS = {Education.COLLEGE, Education.BACHELOR, Education.GRADUATE}  # 大专及以上


class Applicant(Versioned):
    """One person in the pipeline, from the written application to full membership (一人一档)."""

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="applicants"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=50, blank=True, default="")
    front_line = models.BooleanField(_("生产工作一线"), default=False)
    wealth_leader = models.BooleanField(_("致富带头人"), default=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展党员对象")
        verbose_name_plural = _("发展党员对象")
        ordering = ["org__path", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Withdrawable(models.Model):
    """A recorded row that can be withdrawn (撤回) with a reason: kept and shown struck through, but no
    longer read by the rules or the stage (decisions §80)."""

    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdraw_reason = models.TextField(_("撤回理由"), blank=True, default="")

    class Meta:
        abstract = True

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


LIVE = models.Q(withdrawn_at__isnull=True)


class StepEvent(Withdrawable):
    """One recorded step (1–25), or the extension of a probation (kind "extension").

    `data` keeps what a step's rule reads (the meeting's counts, the training's days and hours, the
    sponsors, the months of an extension); `overridden` lists the rules a district admin set aside, with
    the reason in `override_reason`."""

    class Kind(models.TextChoices):
        STEP = "step", _("步骤")
        EXTENSION = "extension", _("延长预备期")

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.STEP)
    step = models.PositiveSmallIntegerField(
        _("步骤"), validators=[MinValueValidator(1), MaxValueValidator(25)]
    )
    done_on = models.DateField(_("日期"))
    done_by = models.CharField(_("经办人"), max_length=50, blank=True, default="")
    documents = models.CharField(_("材料"), max_length=300, blank=True, default="")
    decision = models.CharField(_("结论/决定"), max_length=300, blank=True, default="")
    comment = models.TextField(_("说明"), blank=True, default="")
    data = models.JSONField(_("规则数据"), default=dict, blank=True)
    overridden = models.TextField(_("经批准越过的规则"), blank=True, default="")
    override_reason = models.TextField(_("越过规则的理由"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展步骤记录")
        verbose_name_plural = _("发展步骤记录")
        ordering = ["done_on", "step", "pk"]
        indexes = [models.Index(fields=["applicant", "step"])]

    def __str__(self) -> str:
        return f"{self.step} {self.done_on}"


class Document(Withdrawable):
    """A numbered request (请示), approval (批复) or public notice (公示) of one person's file.

    Requests go from the organisation to the town/street committee; approvals come back; a notice runs
    from `dated` to `ends_on` (both included)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文书"), max_length=2)  # a key of steps.json "documents": r1–r4, a1–a3, n1–n2
    number = models.CharField(_("文号"), max_length=60, blank=True, default="")
    dated = models.DateField(_("日期"))
    ends_on = models.DateField(_("公示截止"), null=True, blank=True)
    comment = models.CharField(_("说明"), max_length=300, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("请示、批复与公示")
        verbose_name_plural = _("请示、批复与公示")
        ordering = ["dated", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "kind"], condition=LIVE, name="one_live_document_of_a_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class Quota(Versioned):
    """The number of probationary members an organisation may admit in a year (控总量), set by the district."""

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="quotas"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    count = models.PositiveSmallIntegerField(_("发展计划名额"), validators=[MaxValueValidator(999)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展计划名额")
        verbose_name_plural = _("发展计划名额")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="one_quota_per_org_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year}: {self.count}"


class RuleVersion(Versioned):
    """A version of the time limits and thresholds, in force from `effective_from` (the rule of a step is
    the version in force on the step's date). Values missing from `values` take the documented default."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    values = models.JSONField(_("参数"), default=dict)
    source = models.CharField(_("依据"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("发展党员规则版本")
        verbose_name_plural = _("发展党员规则版本")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.effective_from} {self.source}"
