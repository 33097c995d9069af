"""What a service item promises and requires (事项要素): limits, materials, fees, steps,
special procedures, and the checks every revision of an item must pass."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any, Literal, get_args

from domain.errors import InvalidCommand

Category = Literal[
    "licensing",  # 行政许可
    "confirmation",  # 行政确认
    "benefit",  # 行政给付
    "levy",  # 行政征收
    "award",  # 行政奖励
    "adjudication",  # 行政裁决
    "inspection",  # 行政检查
    "other",  # 其他行政权力
    "public_service",  # 公共服务
]
LimitUnit = Literal["G", "Z"]  # G 工作日 working days, Z 自然日 natural days
StepRole = Literal["clerk", "officer", "approver"]
SpecialProcedure = Literal[
    "inspection",  # 现场勘查
    "expert_review",  # 专家评审
    "hearing",  # 听证
    "testing",  # 检验检测
    "tender_auction",  # 招标拍卖
    "quarantine",  # 检疫
    "appraisal",  # 鉴定
    "public_notice",  # 公示
]
CATEGORIES: tuple[str, ...] = get_args(Category)
LIMIT_UNITS: tuple[str, ...] = get_args(LimitUnit)
STEP_ROLES: tuple[str, ...] = get_args(StepRole)
SPECIAL_PROCEDURES: tuple[str, ...] = get_args(SpecialProcedure)
# The procedures whose time the statutory limit does not count (Art. 45: 听证、招标、拍卖、
# 检验、检测、检疫、鉴定和专家评审); any other stops only the hall's promised clock.
ART_45_PROCEDURES: frozenset[str] = frozenset(SPECIAL_PROCEDURES) - {"public_notice"}

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def checked_text(value: object, what: str) -> str:
    """``value`` if it is a non-blank string; else a clear refusal naming ``what``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidCommand(f"{what} must be a non-empty string")
    return value


def _integer(value: object, what: str, minimum: int, maximum: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bounds = f"≥ {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise InvalidCommand(f"{what} must be an integer {bounds} (got {value!r})")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidCommand(f"{what} must be true or false")
    return value


def _one_of(value: object, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidCommand(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    assert isinstance(value, str)
    return value


def _unique(values: Iterable[str], what: str) -> None:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise InvalidCommand(f"{what} repeated: {', '.join(repeated)}")


def _kwargs(cls: type[Any], data: object, what: str) -> dict[str, Any]:
    """``data`` checked against the fields of dataclass ``cls``: no unknown or missing keys."""
    if not isinstance(data, Mapping):
        raise InvalidCommand(f"{what} must be an object")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InvalidCommand(f"{what} has unknown fields: {', '.join(map(str, unknown))}")
    missing = [
        name
        for name, f in known.items()
        if name not in data and f.default is MISSING and f.default_factory is MISSING
    ]
    if missing:
        raise InvalidCommand(f"{what} lacks required fields: {', '.join(missing)}")
    return dict(data)


def _items(data: object, what: str) -> list[Any]:
    if not isinstance(data, list | tuple):
        raise InvalidCommand(f"{what} must be a list")
    return list(data)


@dataclass(frozen=True)
class TimeLimit:
    """A time limit: ``days`` working days (unit ``G``) or natural days (unit ``Z``)."""

    days: int
    unit: str

    def __post_init__(self) -> None:
        _integer(self.days, "limit days", 0)
        _one_of(self.unit, LIMIT_UNITS, "limit unit")

    @property
    def working_days(self) -> bool:
        """Whether the limit counts working days (工作日) rather than natural days."""
        return self.unit == "G"

    def to_data(self) -> dict[str, Any]:
        """The limit as plain data."""
        return {"days": self.days, "unit": self.unit}

    @classmethod
    def from_data(cls, data: object, what: str = "limit") -> TimeLimit:
        """The limit from plain data."""
        return cls(**_kwargs(cls, data, what))


@dataclass(frozen=True)
class Material:
    """A required application material (申请材料)."""

    code: str
    name: str
    mandatory: bool = True
    copies: int = 1

    def __post_init__(self) -> None:
        what = f"material {self.code!r}"
        checked_text(self.code, "material code")
        checked_text(self.name, f"{what} name")
        _flag(self.mandatory, f"{what} mandatory")
        _integer(self.copies, f"{what} copies", 1)


@dataclass(frozen=True)
class Fee:
    """A fee item (收费项目): an amount in fen (分) and its legal basis."""

    code: str
    name: str
    amount_fen: int
    legal_basis: str

    def __post_init__(self) -> None:
        what = f"fee {self.code!r}"
        checked_text(self.code, "fee code")
        checked_text(self.name, f"{what} name")
        _integer(self.amount_fen, f"{what} amount_fen", 1)
        checked_text(self.legal_basis, f"{what} legal_basis")


@dataclass(frozen=True)
class Step:
    """A handling step (办理环节): who performs it, within how many days."""

    name: str
    role: str
    limit_days: int

    def __post_init__(self) -> None:
        what = f"step {self.name!r}"
        checked_text(self.name, "step name")
        _one_of(self.role, STEP_ROLES, f"{what} role")
        _integer(self.limit_days, f"{what} limit_days", 0)


@dataclass(frozen=True)
class ItemContent:
    """Everything the power list publishes about an item, as of one revision.

    ``warning_threshold_percent`` is the share of the promised limit used at which a yellow
    warning is raised (kept as an integer percentage so that recorded events carry no floats).
    ``rectification_limit_days`` are working days to rectify a poor rating;
    ``deemed_satisfied_days`` are natural days after closure after which an unrated case may
    be recorded as deemed satisfied. ``separation_of_duties`` (受理与决定分离): the item
    requires that whoever accepts a case does not also decide it.
    """

    code: str
    name: str
    category: str
    department: str
    supervising_department: str
    legal_basis: str
    statutory_limit: TimeLimit
    promised_limit: TimeLimit
    complaint_channel: str
    immediate: bool = False
    materials: tuple[Material, ...] = ()
    fees: tuple[Fee, ...] = ()
    steps: tuple[Step, ...] = ()
    co_departments: tuple[str, ...] = ()
    special_procedures: tuple[SpecialProcedure, ...] = ()
    accountability: tuple[str, ...] = ()
    warning_threshold_percent: int = 80
    rectification_limit_days: int = 7
    deemed_satisfied_days: int = 15
    separation_of_duties: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise InvalidCommand(
                "code must be 1–64 letters, digits, '.', '_' or '-', starting with a letter "
                f"or digit (got {self.code!r})"
            )
        for name in (
            "name",
            "department",
            "supervising_department",
            "legal_basis",
            "complaint_channel",
        ):
            checked_text(getattr(self, name), name)
        _one_of(self.category, CATEGORIES, "category")
        _flag(self.immediate, "immediate")
        _flag(self.separation_of_duties, "separation_of_duties")
        self._check_limits()
        for name, kind in (("materials", Material), ("fees", Fee), ("steps", Step)):
            values = tuple(_items(getattr(self, name), name))
            if not all(isinstance(v, kind) for v in values):
                raise InvalidCommand(f"{name} must hold {kind.__name__} values")
            object.__setattr__(self, name, values)
        _unique((m.code for m in self.materials), "material codes")
        _unique((f.code for f in self.fees), "fee codes")
        for name in ("co_departments", "special_procedures", "accountability"):
            values = tuple(_items(getattr(self, name), name))
            for value in values:
                checked_text(value, f"each of {name}")
            _unique(values, name)
            object.__setattr__(self, name, values)
        if self.department in self.co_departments:
            raise InvalidCommand("co_departments must not include the implementing department")
        for procedure in self.special_procedures:
            _one_of(procedure, SPECIAL_PROCEDURES, "special procedure")
        _integer(self.warning_threshold_percent, "warning_threshold_percent", 1, 100)
        _integer(self.rectification_limit_days, "rectification_limit_days", 1)
        _integer(self.deemed_satisfied_days, "deemed_satisfied_days", 1)

    def _check_limits(self) -> None:
        statutory, promised = self.statutory_limit, self.promised_limit
        if not isinstance(statutory, TimeLimit) or not isinstance(promised, TimeLimit):
            raise InvalidCommand("statutory_limit and promised_limit must be TimeLimit values")
        if not self.immediate and (statutory.days == 0 or promised.days == 0):
            raise InvalidCommand("only an immediate item (即办件) may have a limit of 0 days")
        if statutory.unit == promised.unit and promised.days > statutory.days:
            raise InvalidCommand(
                f"promised limit ({promised.days} {promised.unit}) exceeds the statutory limit "
                f"({statutory.days} {statutory.unit})"
            )

    @property
    def warning_threshold(self) -> float:
        """The yellow-warning threshold as a share of the promised limit, in (0, 1]."""
        return self.warning_threshold_percent / 100

    @property
    def joint(self) -> bool:
        """Whether the item is handled jointly with other departments (并联审批)."""
        return bool(self.co_departments)

    @property
    def free(self) -> bool:
        """Whether the item charges no fee."""
        return not self.fees

    def to_data(self) -> dict[str, Any]:
        """The content as plain JSON data (the shape of events and of the demo catalogue)."""
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "department": self.department,
            "supervising_department": self.supervising_department,
            "legal_basis": self.legal_basis,
            "statutory_limit": self.statutory_limit.to_data(),
            "promised_limit": self.promised_limit.to_data(),
            "complaint_channel": self.complaint_channel,
            "immediate": self.immediate,
            "materials": [
                {"code": m.code, "name": m.name, "mandatory": m.mandatory, "copies": m.copies}
                for m in self.materials
            ],
            "fees": [
                {
                    "code": f.code,
                    "name": f.name,
                    "amount_fen": f.amount_fen,
                    "legal_basis": f.legal_basis,
                }
                for f in self.fees
            ],
            "steps": [
                {"name": s.name, "role": s.role, "limit_days": s.limit_days} for s in self.steps
            ],
            "co_departments": list(self.co_departments),
            "special_procedures": list(self.special_procedures),
            "accountability": list(self.accountability),
            "warning_threshold_percent": self.warning_threshold_percent,
            "rectification_limit_days": self.rectification_limit_days,
            "deemed_satisfied_days": self.deemed_satisfied_days,
            "separation_of_duties": self.separation_of_duties,
        }

    @classmethod
    def from_data(cls, data: object) -> ItemContent:
        """The content from plain data; optional fields may be left out."""
        values = _kwargs(cls, data, "item")
        for name in ("statutory_limit", "promised_limit"):
            values[name] = TimeLimit.from_data(values[name], name)
        for name, kind in (("materials", Material), ("fees", Fee), ("steps", Step)):
            if name in values:
                entries = _items(values[name], name)
                values[name] = tuple(
                    kind(**_kwargs(kind, entry, f"{name}[{i}]")) for i, entry in enumerate(entries)
                )
        return cls(**values)


CONTENT_FIELDS = tuple(f.name for f in fields(ItemContent))
