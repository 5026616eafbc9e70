"""Funding and incentives as data: the district's parameters per year, and the official star levels of the
years before the platform (imported from Excel). The amounts themselves are computed (wuxing/funds/
engine.py), never stored, so that a changed parameter or a removed star shows at once."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned
from wuxing.orgs.models import OrgUnit

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
RATE = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
}


class SecretaryRule(models.TextChoices):
    """Which secretary is paid the living subsidy when the secretary changed during the run ([open])."""

    THROUGH_ALL = "through_all", _("三年均在任的书记（换届则无人享受）")
    CURRENT = "current", _("年末在任的书记（不论任职年限）")


class FundParameters(Versioned):
    """One year's funding and reward parameters, entered by the district (defaults from the seed; the
    readings the seed leaves open carry their documented default, see DEFAULTS and OPEN_READINGS)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    village_operating = models.DecimalField(_("村级组织运转经费（元/年）"), **MONEY)  # type: ignore[arg-type]
    village_operating_before = models.DecimalField(_("原村级运转经费（元/年）"), **MONEY)  # type: ignore[arg-type]
    community_operating = models.DecimalField(_("社区运转经费（元/年）"), **MONEY)  # type: ignore[arg-type]
    community_operating_before = models.DecimalField(_("原社区运转经费（元/年）"), **MONEY)  # type: ignore[arg-type]
    subsidy_rate = models.DecimalField(_("创建经费奖补比例"), **RATE)  # type: ignore[arg-type]
    subsidy_min_level = models.PositiveSmallIntegerField(
        _("创建经费奖补最低星级"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    three_star_reward = models.DecimalField(_("三星支部奖励（元）"), **MONEY)  # type: ignore[arg-type]
    three_star_levels = models.CharField(
        _("支部奖励适用星级"), max_length=20, help_text=_("星级，逗号分隔，如“3”或“3,4,5”")
    )
    allowance_uplift_rate = models.DecimalField(_("“两委”成员补贴提高比例"), **RATE)  # type: ignore[arg-type]
    allowance_levels = models.CharField(
        _("补贴提高适用星级"), max_length=20, help_text=_("星级，逗号分隔，如“3”或“3,4,5”")
    )
    base_allowance = models.DecimalField(
        _("“两委”成员基本补贴（元/人·年）"),
        null=True,
        blank=True,
        **MONEY,  # type: ignore[arg-type]
    )
    run_years = models.PositiveSmallIntegerField(
        _("连续年数"), validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    zhengke_salary = models.DecimalField(
        _("正科级事业人员工资标准（元/年）"),
        null=True,
        blank=True,
        **MONEY,  # type: ignore[arg-type]
    )
    fuke_salary = models.DecimalField(
        _("副科级事业人员工资标准（元/年）"),
        null=True,
        blank=True,
        **MONEY,  # type: ignore[arg-type]
    )
    secretary_rule = models.CharField(_("书记任期变动时"), max_length=20, choices=SecretaryRule.choices)
    removal_breaks_run = models.BooleanField(_("摘星中断连续年数"))
    mixed_run_counts = models.BooleanField(
        _("四、五星交替计为“四星及以上连续”"), help_text=_("如五、四、五星计为四星连续三年（副科级标准）")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("投入保障参数")
        verbose_name_plural = _("投入保障参数")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度投入保障参数"


class HistoricLevel(models.Model):
    """An official star level of a year before the platform, with that year's secretary, imported from
    Excel (source “导入”) or loaded by the demo (“演示”)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        DEMO = "demo", _("演示")

    org = models.ForeignKey(
        OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="historic_levels"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.PositiveSmallIntegerField(_("星级"), validators=[MaxValueValidator(5)])
    star_removed = models.BooleanField(_("当年被摘星"), default=False)
    secretary = models.CharField(_("当年书记"), max_length=50, blank=True, default="")
    secretary_on_street_leadership = models.BooleanField(_("书记兼任街道(镇)班子成员"), default=False)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.IMPORT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("往年星级")
        verbose_name_plural = _("往年星级")
        ordering = ["org__code", "year"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="historic_level_one_per_year")]

    def __str__(self) -> str:
        return f"{self.org} {self.year} {self.level}"


def receipt_path(instance: CreationClaim, filename: str) -> str:
    """Under MEDIA_ROOT (owner-only, never served directly; the download view checks the scope first)."""
    return f"evidence/claims/{instance.year}/{instance.org_id}/{filename}"


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("待街道核实")
    VERIFIED = "verified", _("街道已核实")
    APPROVED = "approved", _("区级已批准")
    RETURNED = "returned", _("已退回")


class CreationClaim(Versioned):
    """创建经费: a branch's spending on its creation, with a receipt; the street verifies it, the district
    approves it; the approved amounts of a year are subsidised at the year's rate for eligible levels."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="claims")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("支出金额（元）"), max_digits=14, decimal_places=2)
    description = models.CharField(_("支出内容"), max_length=300)
    receipt = models.FileField(_("票据"), upload_to=receipt_path)
    receipt_name = models.CharField(_("票据文件名"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=10, choices=ClaimState.choices, default=ClaimState.SUBMITTED
    )
    comment = models.CharField(_("意见"), max_length=500, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("创建经费申报")
        verbose_name_plural = _("创建经费申报")
        ordering = ["-year", "org__code", "pk"]
        indexes = [models.Index(fields=["year", "state"])]

    def __str__(self) -> str:
        return f"{self.org} {self.year} {self.amount}"


class PayoutLedger(models.Model):
    """An approved version of a year's payout ledger (发放台账): every line as it was when the district
    approved it. Never changed afterwards; a change of parameters or records gives a new version."""

    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本"))
    lines = models.JSONField(_("明细"), default=list)
    total = models.DecimalField(_("合计（元）"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("批准说明"), max_length=300)
    approved_by = models.ForeignKey(
        "accounts.User", verbose_name=_("批准人"), on_delete=models.PROTECT, null=True, blank=True
    )
    approved_at = models.DateTimeField(_("批准时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发放台账")
        verbose_name_plural = _("发放台账")
        ordering = ["year", "version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="payout_ledger_one_version")]

    def __str__(self) -> str:
        return f"{self.year}年度发放台账 第{self.version}版"
