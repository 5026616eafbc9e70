"""The organisation registry: one tree district → street/town → village/community party organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from wuxing.core.locking import Versioned


class Level(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道/镇")
    BRANCH = "branch", _("村/社区党组织")


class StreetKind(models.TextChoices):
    STREET = "street", _("街道")
    TOWN = "town", _("镇")


class AreaKind(models.TextChoices):
    RURAL = "rural", _("农村")
    COMMUNITY = "community", _("城市社区")


class BranchType(models.TextChoices):
    BRANCH = "branch", _("党支部")
    GENERAL = "general", _("党总支")
    COMMITTEE = "committee", _("党委")


class DispatchedUnit(Versioned):
    """区直单位: a district-level unit assigned to help (分包) some organisations."""

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("区直单位")
        verbose_name_plural = _("区直单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# 党员人数 of one village or community organisation: entered through forms and Excel, 0–99999.
MEMBER_COUNT_MAX = 99999


class OrgUnitQuerySet(MP_NodeQuerySet):
    def branches(self) -> OrgUnitQuerySet:
        return self.filter(level=Level.BRANCH)

    def streets(self) -> OrgUnitQuerySet:
        return self.filter(level=Level.STREET)


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def branches(self) -> OrgUnitQuerySet:
        return self.get_queryset().branches()

    def streets(self) -> OrgUnitQuerySet:
        return self.get_queryset().streets()


class OrgUnit(Versioned, MP_Node):
    """One node of the organisation tree.

    The materialised path (`path`) makes "everything under this street" a prefix filter, which is what
    the scoping choke point (wuxing.core.scoping) uses.
    """

    steplen = 4
    node_order_by = ["code"]

    # django-treebeard ships no type information, so mypy sees MP_Node as Any and the django-stubs plugin
    # does not treat OrgUnit as a model: the field types are spelt out here, and `_default_manager` (which
    # the plugin would add) is declared below so DispatchedUnit.organisations resolves.
    level: models.CharField[str, str] = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    code: models.CharField[str, str] = models.CharField(_("组织编码"), max_length=32, unique=True)
    name: models.CharField[str, str] = models.CharField(_("名称"), max_length=100)
    street_kind: models.CharField[str, str] = models.CharField(
        _("街道或镇"), max_length=10, choices=StreetKind.choices, blank=True, default=""
    )
    area_kind: models.CharField[str, str] = models.CharField(
        _("类型"), max_length=10, choices=AreaKind.choices, blank=True, default=""
    )
    branch_type: models.CharField[str, str] = models.CharField(
        _("组织形式"), max_length=10, choices=BranchType.choices, blank=True, default=""
    )
    member_count: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(
        _("党员人数"), default=0
    )
    assigned_unit: models.ForeignKey[DispatchedUnit | None, DispatchedUnit | None] = models.ForeignKey(
        DispatchedUnit,
        verbose_name=_("分包区直单位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
    )
    is_demo: models.BooleanField[bool, bool] = models.BooleanField(
        _("演示数据"), default=False, help_text=_("演示用的虚构名称")
    )
    history = HistoricalRecords(excluded_fields=["numchild"])

    objects = OrgUnitManager()
    if TYPE_CHECKING:
        _default_manager: ClassVar[OrgUnitManager]

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [models.Index(fields=["level", "path"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(level="branch") | ~models.Q(area_kind=""),
                name="branch_has_area_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(level="branch") | ~models.Q(branch_type=""),
                name="branch_has_branch_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.level == Level.BRANCH

    @property
    def is_street(self) -> bool:
        return self.level == Level.STREET

    def street_path(self) -> str | None:
        """The materialised path of the street this node belongs to (None for the district)."""
        if self.depth < 2:
            return None
        return self.path[: 2 * self.steplen]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.level == Level.BRANCH:
            if not self.area_kind:
                errors["area_kind"] = str(_("村/社区党组织必须选择农村或城市社区"))
            if not self.branch_type:
                errors["branch_type"] = str(_("请选择组织形式（党支部/党总支/党委）"))
        if self.level == Level.STREET and not self.street_kind:
            errors["street_kind"] = str(_("请选择街道或镇"))
        if errors:
            raise ValidationError(errors)


class Person(Versioned):
    """A person who holds or held a post in an organisation (书记, 两委成员…)."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    home_org = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在组织"),
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("决定谁能看到和维护此人的信息"),
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PostRole(models.TextChoices):
    SECRETARY = "secretary", _("党组织书记")
    DEPUTY_SECRETARY = "deputy", _("党组织副书记")
    PARTY_COMMITTEE = "party_member", _("党组织委员")
    DIRECTOR = "director", _("村(居)委会主任")
    VICE_DIRECTOR = "vice_director", _("村(居)委会副主任")
    RESIDENT_COMMITTEE = "committee_member", _("村(居)委会委员")


class Post(Versioned):
    """A person's term in one post of one organisation ("两委": the party committee and the village or
    residents' committee)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="posts")
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(_("职务"), max_length=20, choices=PostRole.choices)
    start_date = models.DateField(_("任职日期"))
    end_date = models.DateField(_("离任日期"), null=True, blank=True)
    on_street_leadership = models.BooleanField(
        _("兼任街道(镇)班子成员"), default=False, help_text=_("用于判断书记生活补贴等激励政策")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["org__code", "role", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="post_end_after_start",
            ),
            # at most one open-ended secretary term per organisation, enforced by the database so two
            # people registering a secretary at the same moment cannot both succeed
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(role="secretary", end_date__isnull=True),
                name="post_one_open_secretary",
            ),
        ]
        indexes = [models.Index(fields=["org", "role", "end_date"])]

    def __str__(self) -> str:
        return f"{self.org} {self.get_role_display()} {self.person}"

    @property
    def is_current(self) -> bool:
        from wuxing.core.workdays import today

        return self.end_date is None or self.end_date >= today()

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("离任日期不能早于任职日期")})
        if self.org_id and self.org.level != Level.BRANCH:
            raise ValidationError({"org": _("任职只能登记在村/社区党组织")})
