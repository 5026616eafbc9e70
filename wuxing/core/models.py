"""What every app shares: the decision log (one shape for every workflow transition)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned


class DecisionLog(models.Model):
    """Who moved what from which state to which, in which role, when and why.

    Registry edits are recorded by django-simple-history (before/after snapshots); workflow transitions
    (reviews, namings, imports, account changes…) are recorded here, in one shape for every workflow.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("操作"), max_length=50)
    from_state = models.CharField(_("原状态"), max_length=50, blank=True, default="")
    to_state = models.CharField(_("新状态"), max_length=50, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True
    )
    actor_role = models.CharField(_("操作人角色"), max_length=30, blank=True, default="")
    comment = models.TextField(_("说明"), blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class HolidayYear(Versioned):
    """A year's official holiday schedule as the district entered it from the State Council notice
    (wuxing/core/holidays.py explains the format). It replaces the chinese-calendar package's data for
    that year; the change history keeps every version of the text, with who and why."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(
        _("依据"), max_length=200, help_text=_("通知名称或文号，如“国办发明电〔2026〕X号”")
    )
    entries = models.TextField(_("放假与调休安排"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}"


class PersonalDataView(models.Model):
    """One look at full personal data (core/privacy.py): who, in which role, when, whose, what, where."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, null=True, blank=True
    )
    actor_role = models.CharField(_("查看人角色"), max_length=30, blank=True, default="")
    what = models.CharField(_("内容"), max_length=50)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True, default="")
    subject = models.CharField(_("对象"), max_length=100, blank=True, default="")
    count = models.PositiveIntegerField(_("人数"), default=1)
    where = models.CharField(_("位置"), max_length=200, blank=True, default="")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.what} {self.subject}"


class Job(models.Model):
    """A long piece of work run outside the request (a province-size export, activating a rulebook over a
    province's values): the page that started it shows its progress — by phase when it has several — and,
    when it is done, a download link or a link to its result, for the user who started it only."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Phase(models.TextChoices):
        NONE = "", ""
        RESCORE = "rescore", _("重新计分")
        RATINGS = "ratings", _("更新评定")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE)
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    filename = models.CharField(_("文件名"), max_length=200, blank=True, default="")
    error = models.CharField(_("错误"), max_length=300, blank=True, default="")
    outcome = models.CharField(_("结果说明"), max_length=300, blank=True, default="")
    # a job without a file: where its result is seen (the rulebook), and where to start it again
    result_url = models.CharField(_("结果地址"), max_length=200, blank=True, default="")
    retry_url = models.CharField(_("重试地址"), max_length=200, blank=True, default="")
    phase = models.CharField(_("阶段"), max_length=20, choices=Phase.choices, blank=True, default="")
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    # written with every progress report: a running job whose process died stops beating (jobs.fail_stale)
    beat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0
