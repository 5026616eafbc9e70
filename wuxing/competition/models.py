"""动态竞争 as data: the year's parameters and goals, the versioned monthly checklist, monthly scores,
observation events with per-observer scores, the last-place policy's warnings and downgrade proposals,
the reserve pool and the weak branches. Rankings, aggregates and goal evaluations are computed (queries.py),
never stored, so a corrected score shows at once; what people decide is stored with who, when and why."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned
from wuxing.orgs.models import OrgUnit

WEIGHT = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
}
POINTS = {"max_digits": 7, "decimal_places": 2}


class PolicyMode(models.TextChoices):
    BOTTOM_N = "bottom_n", _("排名最后 N 名")
    BOTTOM_PERCENT = "bottom_percent", _("排名最后 N%")


class PolicyBasis(models.TextChoices):
    MONTH = "month", _("月考评排名（每月一期）")
    QUARTER = "quarter", _("季度综合排名（每季一期）")


class CompetitionParameters(Versioned):
    """One year's parameters of the competition and its goals, entered by the district (documented defaults
    in parameters.DEFAULTS; the readings the seed leaves open are shown as “默认（非官方）”)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    min_level = models.PositiveSmallIntegerField(
        _("参加月考评的最低星级"), validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    drop_extremes_from = models.PositiveSmallIntegerField(
        _("观摩评分去掉最高最低分的最少评分人数"), validators=[MinValueValidator(3), MaxValueValidator(99)]
    )
    monthly_weight = models.DecimalField(_("季度排名中月考评权重"), **WEIGHT)  # type: ignore[arg-type]
    observation_weight = models.DecimalField(_("季度排名中观摩权重"), **WEIGHT)  # type: ignore[arg-type]
    policy_basis = models.CharField(_("末位判定依据"), max_length=10, choices=PolicyBasis.choices)
    policy_mode = models.CharField(_("末位的范围"), max_length=20, choices=PolicyMode.choices)
    policy_n = models.PositiveSmallIntegerField(
        _("末位 N（名或百分比）"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    policy_k = models.PositiveSmallIntegerField(
        _("连续末位期数 K（达到即预警）"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    goal_branch_level = models.PositiveSmallIntegerField(
        _("目标：每个村(社区)党组织至少达到的星级"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    goal_street_five = models.PositiveSmallIntegerField(
        _("目标：每个街道(镇)五星党组织数"), validators=[MaxValueValidator(50)]
    )
    goal_street_four = models.PositiveSmallIntegerField(
        _("目标：每个街道(镇)四星党组织数"), validators=[MaxValueValidator(50)]
    )
    four_counts_five = models.BooleanField(
        _("超出五星目标的五星组织计入四星目标"), help_text=_("如目标一个五星、两个四星，三个五星即达标")
    )
    closest_count = models.PositiveSmallIntegerField(
        _("每个未达标目标列出的最接近组织数"), validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("动态竞争参数")
        verbose_name_plural = _("动态竞争参数")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度动态竞争参数"


class Checklist(models.Model):
    """A version of a year's monthly checklist (月考评细则): items with their points, as data. A new
    version is a new row; the scores keep the version they were entered on."""

    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveSmallIntegerField(_("版本"))
    items = models.JSONField(_("考评项目"), help_text=_("[{code, name, points}]，分值合计 100"))
    official = models.BooleanField(_("官方细则"), default=False)
    reason = models.CharField(_("说明"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月考评细则")
        verbose_name_plural = _("月考评细则")
        ordering = ["year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="checklist_one_version")]

    def __str__(self) -> str:
        return f"{self.year}年月考评细则 第{self.version}版"

    @property
    def max_points(self) -> Decimal:
        return sum((Decimal(str(item["points"])) for item in self.items), Decimal(0))


class MonthlyScore(Versioned):
    """One organisation's 月考评 of one month: the points per checklist item and their total. Versioned:
    the one-organisation form is version-checked, and an import counts the version up too (§81)."""

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="monthly_scores"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(
        _("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    checklist = models.ForeignKey(Checklist, verbose_name=_("细则版本"), on_delete=models.PROTECT)
    items = models.JSONField(_("各项得分"), default=dict)
    total = models.DecimalField(_("总分"), **POINTS)  # type: ignore[arg-type]
    scored_by = models.CharField(_("评分人/评分组"), max_length=100, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月考评得分")
        verbose_name_plural = _("月考评得分")
        constraints = [models.UniqueConstraint(fields=["org", "year", "month"], name="monthly_one_per_month")]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.org} {self.year}-{self.month:02d} {self.total}"


class ObservationEvent(Versioned):
    """A 季观摩 (district-wide, or a street's own tour): date, organiser, the route, the observers."""

    title = models.CharField(_("名称"), max_length=100)
    held_on = models.DateField(_("日期"))
    organiser = models.ForeignKey(
        OrgUnit,
        verbose_name=_("组织者（街道/镇；空为区级）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observation_events",
    )
    observers = models.JSONField(_("观摩评分人"), default=list)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("观摩活动")
        verbose_name_plural = _("观摩活动")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    @property
    def year(self) -> int:
        return self.held_on.year

    @property
    def quarter(self) -> int:
        return (self.held_on.month - 1) // 3 + 1


class ObservationStop(models.Model):
    """An organisation on an event's route, in visiting order."""

    event = models.ForeignKey(ObservationEvent, on_delete=models.CASCADE, related_name="stops")
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["event", "position"]
        constraints = [models.UniqueConstraint(fields=["event", "org"], name="stop_once_per_event")]

    def __str__(self) -> str:
        return f"{self.position}. {self.org_id}"


class ObservationScore(models.Model):
    """One observer's score (0–100) of one visited organisation."""

    event = models.ForeignKey(ObservationEvent, on_delete=models.CASCADE, related_name="scores")
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    observer = models.CharField(_("评分人"), max_length=50)
    score = models.DecimalField(
        _("得分"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "org", "observer"], name="observation_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.observer} {self.org_id} {self.score}"


class CaseKind(models.TextChoices):
    WARNING = "warning", _("末位预警")
    PROPOSAL = "proposal", _("降档建议")


class CaseState(models.TextChoices):
    OPEN = "open", _("待区级决定")
    NOTED = "noted", _("已预警")
    CONFIRMED = "confirmed", _("区级已确认")
    REJECTED = "rejected", _("区级未采纳")


class PolicyCase(Versioned):
    """A warning or a downgrade proposal produced by the last-place policy for one organisation. A warning
    is information (state 已预警); a proposal waits for the district to confirm or reject it — nothing
    changes silently."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=10, choices=CaseKind.choices)
    basis = models.CharField(_("依据"), max_length=10, choices=PolicyBasis.choices)
    period = models.PositiveSmallIntegerField(_("期（月或季度）"))
    periods = models.JSONField(_("连续末位的期"), default=list)
    level = models.PositiveSmallIntegerField(_("当前星级"))
    proposed_level = models.PositiveSmallIntegerField(_("建议星级"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=CaseState.choices)
    rule = models.CharField(_("规则"), max_length=200)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    comment = models.TextField(_("决定说明"), blank=True, default="")
    created_at = models.DateTimeField(_("产生时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("末位预警与降档建议")
        verbose_name_plural = _("末位预警与降档建议")
        ordering = ["-year", "-period", "kind", "org__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "kind", "basis", "period"], name="policy_case_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()} {self.year}/{self.period}"


class ReserveCandidate(Versioned):
    """储备对象: an organisation designated as a candidate for a higher level, with its responsible cadre."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    target_level = models.PositiveSmallIntegerField(
        _("目标星级"), validators=[MinValueValidator(2), MaxValueValidator(5)]
    )
    cadre = models.CharField(_("责任干部"), max_length=50)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("储备对象")
        verbose_name_plural = _("储备对象")
        ordering = ["year", "org__code"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="reserve_once_per_year")]

    def __str__(self) -> str:
        return f"{self.org} → {self.target_level}星"


class WeakState(models.TextChoices):
    DESIGNATED = "designated", _("已认定")
    RECTIFYING = "rectifying", _("整顿中")
    TURNED = "turned", _("已整顿转化")


class WeakBranch(Versioned):
    """软弱涣散: a designated branch, its rectification plan, status and turn-around (整顿转化)."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    designated_on = models.DateField(_("认定日期"))
    reason = models.CharField(_("认定原因"), max_length=300)
    plan = models.TextField(_("整顿方案"), blank=True, default="")
    state = models.CharField(
        _("状态"), max_length=12, choices=WeakState.choices, default=WeakState.DESIGNATED
    )
    turned_on = models.DateField(_("转化日期"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("软弱涣散党组织")
        verbose_name_plural = _("软弱涣散党组织")
        ordering = ["year", "org__code"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="weak_once_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.get_state_display()}"
