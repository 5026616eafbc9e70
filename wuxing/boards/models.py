"""补齐短板: short-board tasks of an organisation (from its gap list or by hand), their progress notes with
evidence, the focus areas they are tagged with (data, seeded from focus_areas.json), and the help visits
of the dispatched units (区直单位分包)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.core.locking import Versioned
from wuxing.orgs.models import DispatchedUnit, OrgUnit

TITLE_MAX = 200
OWNER_MAX = 50
NOTE_MAX = 1000


class FocusArea(models.Model):
    """A focus area for closing gaps (five-star.md §3): rural, community, or both (area_kind "")."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    area_kind = models.CharField(
        _("适用类型"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("农村和城市社区")), ("rural", _("农村")), ("community", _("城市社区"))],
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("重点领域")
        verbose_name_plural = _("重点领域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, area_kind: str) -> bool:
        return not self.area_kind or self.area_kind == area_kind


class TaskStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Task(Versioned):
    """One short-board task of one organisation. A task made from the gap list names the star and the
    indicator whose gap it closes (``gap_key`` "star:indicator", "star:" for a star short of points or
    vetoed); at most one open task per organisation, year and gap (the database says so)."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="tasks")
    year = models.PositiveSmallIntegerField(_("年度"))
    star_code = models.CharField(_("星"), max_length=32, blank=True, default="")
    indicator_code = models.CharField(_("指标编码"), max_length=64, blank=True, default="")
    gap_key = models.CharField(_("差距项"), max_length=100, blank=True, default="", editable=False)
    title = models.CharField(_("任务"), max_length=TITLE_MAX)
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("重点领域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.CharField(_("责任人"), max_length=OWNER_MAX, blank=True, default="")
    deadline = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    closed_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("短板任务")
        verbose_name_plural = _("短板任务")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "gap_key"],
                condition=models.Q(status="open") & ~models.Q(gap_key=""),
                name="boards_one_open_task_per_gap",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        self.gap_key = self.key_of(self.star_code, self.indicator_code)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.gap_key = self.key_of(self.star_code, self.indicator_code)
        super().save(*args, **kwargs)

    @staticmethod
    def key_of(star_code: str, indicator_code: str) -> str:
        return f"{star_code}:{indicator_code}" if star_code else ""

    def is_overdue(self, on: Any) -> bool:
        return self.status == TaskStatus.OPEN and self.deadline < on


def note_evidence_path(instance: TaskNote, filename: str) -> str:
    """Under MEDIA_ROOT (owner-only, never served directly: the download view checks the scope first)."""
    return f"evidence/tasks/{instance.task.year}/{instance.task.org_id}/{filename}"


class TaskNote(models.Model):
    """A progress note on a task, with an optional photo or document (evidence)."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(_("进展"), max_length=NOTE_MAX)
    evidence = models.FileField(_("佐证材料"), upload_to=note_evidence_path, blank=True, default="")
    evidence_name = models.CharField(_("佐证材料原文件名"), max_length=255, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class HelpVisit(models.Model):
    """A dispatched unit's help visit to one of its organisations and what it provided."""

    unit = models.ForeignKey(
        DispatchedUnit, verbose_name=_("区直单位"), on_delete=models.PROTECT, related_name="visits"
    )
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    money = models.DecimalField(_("帮扶资金（元）"), max_digits=14, decimal_places=2, default=0)
    projects = models.CharField(_("帮扶项目"), max_length=300, blank=True, default="")
    people = models.PositiveIntegerField(_("参与人数"), default=0)
    note = models.CharField(_("说明"), max_length=NOTE_MAX, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶走访")
        verbose_name_plural = _("帮扶走访")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["unit", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.unit} → {self.org} {self.visited_on}"


class TrainingKind(models.TextChoices):
    CENTRAL = "central", _("区集中培训")
    TOUR = "tour", _("外出考察学习")
    ONLINE = "online", _("网络课程")


class TrainingSession(Versioned):
    """A training session (学习培训): a district central training, a study tour or an online course."""

    topic = models.CharField(_("主题"), max_length=TITLE_MAX)
    kind = models.CharField(
        _("类型"), max_length=10, choices=TrainingKind.choices, default=TrainingKind.CENTRAL
    )
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True, default="")
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=0)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class Attendance(models.Model):
    """One person's attendance at one session (the organisation is kept: the post may change later)."""

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(
        "orgs.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="trainings"
    )
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["org__code", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="boards_attend_once")]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.session_id}"


class WorkingGroup(Versioned):
    """一星一专班: the working group of one star (by its code, the same in every year's rulebook)."""

    star_code = models.CharField(_("星"), max_length=32, unique=True)
    leader = models.CharField(_("组长"), max_length=OWNER_MAX)
    members = models.CharField(_("成员"), max_length=500, blank=True, default="")
    duties = models.TextField(_("职责"), max_length=2000, blank=True, default="")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("星级专班")
        verbose_name_plural = _("星级专班")
        ordering = ["star_code"]

    def __str__(self) -> str:
        return self.star_code
