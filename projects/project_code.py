"""Investment project codes (投资项目代码): generate, read and validate them.

Source
------
GB/T 40058-2021 《全国固定资产投资项目代码编码规范》 (Coding specification for the national fixed
assets investment projects), issued 2021-04-30, in force since 2021-08-01, which put into a national
standard the layout the NDRC's 《固定资产投资项目代码管理规范》 (发改投资〔2020〕1439号) rolled out region by
region from 2020-11-01. The standard's text could not be read while writing this module (only its table of
contents and its definition 3.4 were reachable), so every detail below that does not come from those is
listed under "Assumptions", together with the evidence behind it.

Two layouts are read, both 24 characters with the dashes at the same places:

* ``national`` (GB/T 40058): ``YYMM-AAAAAA-DD-TT-RRRRRC``, e.g. ``2111-522323-04-01-342068``:
  time code (year and month the code was assigned), region code (GB/T 2260 administrative division of
  the project's location), central business-guidance department code (中央业务指导部门代码), project type
  code (项目类型代码), a 5-digit random code (随机码) and one check digit (校验码).
* ``legacy`` (before the switch; Xiamen's codes since 2017): ``YYYY-AAAAAA-II-TT-NNNNNN``, e.g.
  ``2017-350203-47-01-012345``: year, region code, industry (GB/T 4754 division, 行业大类), approval
  route (01 审批 / 02 核准 / 03 备案) and a 6-digit serial number. It has no check digit.

Assumptions
-----------
1. Segment lengths of the national layout are 4 (time) + 6 (region) + 2 (department) + 2 (type)
   + 5 (random) + 1 (check) digits, joined by four dashes: 24 characters. Verified against published
   codes (e.g. ``2411-130202-89-01-637015``, ``2512-420984-04-01-395957``), which all have this shape, and
   against the 24 characters the standard announces. That the last segment is 5 random digits followed by
   one check digit is inferred, not read.
2. The time code is ``YYMM`` with the year in 2000-2099 (``2111`` = 2021-11). Every published code seen
   has a month 01-12 in the last two digits. No national code is older than 2020-01 (the year 发改投资
   〔2020〕1439号 introduced the layout); none may be later than the current month.
3. The check digit is ISO/IEC 7064 MOD 11,10 (GB/T 17710) over the 19 preceding digits, dashes left
   out. Not read in the standard: inferred because all seven published codes found satisfy it
   (a one-in-ten-million chance for codes without that check) while plain sums, Luhn, MOD 11-2 and
   MOD 97-10 fail them.
4. The project type code of the national layout is *not* the approval route. GB/T 40058 (definition 3.4)
   defines the project type by whether the project is classified and by its main construction content:
   基本建设 / 技术改造 / 单纯购置 / 信息化 / 其他. Published codes carry 05, and a code published as a
   filing (备案) project code carries 05, not 03. The numbering 01-05 in the order of definition 3.4
   (:data:`NATIONAL_PROJECT_TYPES`) is assumed; how classified projects are coded is unknown, so only
   01-05 are accepted. The approval route (:data:`PROJECT_TYPES`) is the legacy ``TT`` segment.
5. The table of central business-guidance department codes is in the standard (4.4) but could not be
   read. Any two digits 01-99 are accepted; :data:`CENTRAL_DEPARTMENTS` names only codes seen in
   published codes, with a meaning inferred from the projects that carried them.
6. Region codes are checked for a plausible GB/T 2260 structure, not against the full table: six
   digits, a province part that is one of the 34 province-level codes (11-82), and a county part of 00
   whenever the prefecture part is 00.
7. Legacy years run from 2015 (the national online approval platform and its code rules, 发改电〔2015〕501号)
   to 2021 (the last regions switched layout around then) and are never in the future.
8. Which layout a code uses is read from its first segment: digits 3-4 of 01-12 make it national (a month),
   anything else legacy (a year). Under assumptions 2 and 7 the two never overlap: a legacy year would be
   2001-2012 or 21xx to look like a month.
9. Every character is a digit, so there is no letter case to normalise. Input is NFKC-normalised (full-width
   digits from Chinese documents become ASCII), any dash-like character counts as ``-``, and the same 20
   digits written without dashes are accepted and written back with them.
10. "Today" defaults to the current date in Beijing time (UTC+8, no daylight saving), because codes are
    dated by the platform in China; a UTC server would otherwise call a code assigned this morning "future".
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from random import Random
from types import MappingProxyType
from typing import Final, Literal

from gis.messages import Message, Text, phrases

__all__ = [
    "CENTRAL_DEPARTMENTS",
    "CENTRAL_DEPARTMENTS_EN",
    "NATIONAL_PROJECT_TYPES",
    "NATIONAL_PROJECT_TYPES_EN",
    "PROJECT_TYPES",
    "PROJECT_TYPES_EN",
    "LENGTH",
    "CodePart",
    "ProjectCode",
    "ProjectCodeError",
    "compute_check_character",
    "generate_code",
    "parse_code",
]

CodePart = Literal[
    "length",
    "layout",
    "time",
    "region",
    "department",
    "project_type",
    "random",
    "check",
    "year",
    "industry",
    "serial",
]

#: Approval route (审批 / 核准 / 备案): the ``TT`` segment of the legacy layout.
PROJECT_TYPES: Final = MappingProxyType({"01": "审批", "02": "核准", "03": "备案"})
PROJECT_TYPES_EN: Final = MappingProxyType({"01": "approval", "02": "verification", "03": "filing"})

#: Project type of the national layout, by main construction content (GB/T 40058, 3.4).
#: The numbering is assumed (module docstring, assumption 4).
NATIONAL_PROJECT_TYPES: Final = MappingProxyType(
    {"01": "基本建设", "02": "技术改造", "03": "单纯购置", "04": "信息化", "05": "其他"}
)
NATIONAL_PROJECT_TYPES_EN: Final = MappingProxyType(
    {
        "01": "capital construction",
        "02": "technical renovation",
        "03": "purchase only",
        "04": "informatisation",
        "05": "other",
    }
)

#: Central business-guidance department codes seen in published codes. Meanings are inferred, not
#: from the standard (assumption 5): every 04 code whose project is known belongs to a water project
#: (a water-supply network, irrigation sluices) of a water bureau; 89 appears on projects of unrelated
#: sectors (sewage treatment, geological hazards), so it is read as the general code.
CENTRAL_DEPARTMENTS: Final = MappingProxyType({"04": "水利（推定）", "89": "综合/其他（推定）"})
CENTRAL_DEPARTMENTS_EN: Final = MappingProxyType(
    {"04": "water resources (inferred)", "89": "general / other (inferred)"}
)

LENGTH: Final = 24
_DASHES: Final = (4, 11, 14, 17)
_NATIONAL_FIRST_MONTH: Final = (2020, 1)
_LEGACY_YEARS: Final = range(2015, 2022)
_INDUSTRY_DIVISIONS: Final = range(1, 98)  # GB/T 4754-2017 divisions 01..97 have no gaps
# The 34 province-level codes of GB/T 2260, as runs of consecutive codes.
_PROVINCES: Final = frozenset(
    str(code)
    for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
    for code in range(first, last + 1)
)
_DASH_LIKE: Final = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_SYSTEM_RANDOM: Final = secrets.SystemRandom()
_EXAMPLE: Final = "2111-522323-04-01-342068"


class ProjectCodeError(ValueError):
    """A project code, or a part given to build one, is invalid.

    ``part`` names the wrong part (``"length"``, ``"layout"``, ``"time"``, ``"region"``,
    ``"department"``, ``"project_type"``, ``"random"``, ``"check"``, ``"year"``, ``"industry"`` or
    ``"serial"``); the message says what was found and what was expected.
    """

    def __init__(self, part: CodePart, message: Message) -> None:
        super().__init__(message)
        self.part: CodePart = part
        self.message = message

    @property
    def part_name(self) -> Text:
        return PART_NAMES[self.part]


PART_NAMES: Final[dict[str, Text]] = {
    "length": Text("长度", "length"), "layout": Text("格式", "layout"), "time": Text("时间码", "time"),
    "region": Text("行政区划码", "region"), "department": Text("中央行业主管部门码", "department"),
    "project_type": Text("项目类型码", "project_type"), "random": Text("随机码", "random"),
    "check": Text("校验码", "check"), "year": Text("年份", "year"), "industry": Text("行业码", "industry"),
    "serial": Text("流水号", "serial"),
}
"""What each part of a code is called in a refusal."""

phrases(
    "code",
    check_body=Text("校验主体为“{body}”，应为19位数字（忽略短横线）",
                    "check body is {body!r}, expected 19 digits (dashes ignored)"),
    region_digits=Text("行政区划码为“{region}”，应为6位数字（GB/T 2260）",
                       "region code is {region!r}, expected 6 digits (GB/T 2260)"),
    province=Text("行政区划码{region}的省级部分为{province}，应为11至82之间的GB/T 2260省级代码",
                  "region code {region} has province part {province}, expected a GB/T 2260 province code between "
                  "11 and 82"),
    county=Text("行政区划码{region}的地级部分为00，县级部分应为00，实际为{county}",
                "region code {region} has county part {county} under prefecture part 00, expected 00"),
    department=Text("中央行业主管部门码为“{code}”，应为01至99的2位数字",
                    "central business-guidance department code is {code!r}, expected 2 digits 01-99"),
    project_type=Text("项目类型码为“{code}”，应为以下之一：{allowed}"
                      "（GB/T 40058：基本建设、技术改造、单纯购置、信息化、其他）",
                      "project type code is {code!r}, expected one of {allowed} (GB/T 40058: 基本建设, 技术改造, "
                      "单纯购置, 信息化, 其他)"),
    time_early=Text("时间码{time_code}为{year}-{month:02d}，应不早于2020-01",
                    "time code {time_code} is {year}-{month:02d}, expected 2020-01 or later"),
    time_future=Text("时间码{time_code}为{year}-{month:02d}，晚于当前；应不晚于{today}",
                     "time code {time_code} is {year}-{month:02d}, in the future; expected {today} or earlier"),
    length=Text("项目代码有{length}个字符，应为{expected}个（例如{example}）",
                "project code has {length} characters, expected {expected} (e.g. {example})"),
    layout=Text("项目代码“{code}”不符合NNNN-NNNNNN-NN-NN-NNNNNN格式（第5、12、15、18位为短横线）",
                "project code {code!r} is not laid out as NNNN-NNNNNN-NN-NN-NNNNNN (dashes at characters 5, 12, "
                "15 and 18)"),
    time_digits=Text("时间码为“{first}”，应为4位数字：YYMM，旧版格式为年份YYYY",
                     "time code is {first!r}, expected 4 digits: YYMM, or the year YYYY in the legacy layout"),
    random=Text("随机码为“{code}”，应为5位数字", "random code is {code!r}, expected 5 digits"),
    check=Text("校验码为“{check}”，应为“{expected}”", "check code is {check!r}, expected {expected!r}"),
    year=Text("年份为{first}；新版代码需要月份为01至12的YYMM，旧版代码需要{first_year}至{last_year}之间的年份",
              "year is {first}; a national code needs YYMM with a month 01-12 and a legacy code a year "
              "{first_year}-{last_year}"),
    industry=Text("行业码为“{code}”，应为GB/T 4754的01至97大类",
                  "industry code is {code!r}, expected a GB/T 4754 division 01-97"),
    legacy_type=Text("项目类型码为“{code}”，应为01（审批）、02（核准）或03（备案）",
                     "project type code is {code!r}, expected 01 (审批), 02 (核准) or 03 (备案)"),
    serial=Text("流水号为“{serial}”，应为6位数字", "serial number is {serial!r}, expected 6 digits"),
)


@dataclass(frozen=True)
class ProjectCode:
    """A validated project code, split into its parts.

    Fields that do not exist in a layout are ``None``: ``month``, ``department_code``,
    ``random_code`` and ``check_code`` are national only, ``industry_code`` and ``serial`` legacy only.
    """

    layout: Literal["national", "legacy"]
    text: str
    year: int
    month: int | None
    region_code: str
    department_code: str | None
    industry_code: str | None
    project_type: str
    random_code: str | None
    check_code: str | None
    serial: str | None

    def __str__(self) -> str:
        return self.text

    @property
    def time_code(self) -> str:
        """The first segment: ``YYMM`` (national) or ``YYYY`` (legacy)."""
        return self.text[:4]

    @property
    def project_type_name(self) -> str:
        """Chinese name of the project type (national) or approval route (legacy)."""
        names = NATIONAL_PROJECT_TYPES if self.layout == "national" else PROJECT_TYPES
        return names[self.project_type]


def _digits(value: str, count: int) -> bool:
    # str.isdigit alone would accept superscripts and other scripts' digits.
    return len(value) == count and value.isascii() and value.isdigit()


def _beijing_today() -> date:
    return datetime.now(_BEIJING).date()


def compute_check_character(body: str) -> str:
    """Return the check digit of a national code.

    ``body`` is the code without its last character, with or without dashes: 19 digits once dashes are
    removed. The digit is ISO/IEC 7064 MOD 11,10 (assumption 3 of the module docstring).
    """
    digits = body.replace("-", "")
    if not _digits(digits, 19):
        raise ProjectCodeError("layout", Message("code.check_body", body=body))
    product = 10
    for char in digits:
        total = (product + int(char)) % 10 or 10
        product = total * 2 % 11
    return str((11 - product) % 10)


def _check_region(region: str) -> None:
    if not _digits(region, 6):
        raise ProjectCodeError("region", Message("code.region_digits", region=region))
    if region[:2] not in _PROVINCES:
        raise ProjectCodeError(
            "region", Message("code.province", region=region, province=region[:2]),
        )
    if region[2:4] == "00" and region[4:] != "00":
        raise ProjectCodeError(
            "region", Message("code.county", region=region, county=region[4:]),
        )


def _check_department(code: str) -> None:
    if not _digits(code, 2) or code == "00":
        raise ProjectCodeError("department", Message("code.department", code=code))


def _check_national_type(code: str) -> None:
    if code not in NATIONAL_PROJECT_TYPES:
        raise ProjectCodeError(
            "project_type",
            Message("code.project_type", code=code, allowed=list(NATIONAL_PROJECT_TYPES)),
        )


def _check_national_month(year: int, month: int, today: date) -> None:
    time_code = f"{year % 100:02d}{month:02d}"
    if (year, month) < _NATIONAL_FIRST_MONTH:
        raise ProjectCodeError("time", Message("code.time_early", time_code=time_code, year=year, month=month))
    if (year, month) > (today.year, today.month):
        raise ProjectCodeError(
            "time",
            Message("code.time_future", time_code=time_code, year=year, month=month, today=f"{today:%Y-%m}"),
        )


def _normalise(text: str) -> str:
    text = _DASH_LIKE.sub("-", unicodedata.normalize("NFKC", text).strip())
    if _digits(text, LENGTH - len(_DASHES)):
        # The same digits written without dashes: put them back where both layouts have them.
        return f"{text[:4]}-{text[4:10]}-{text[10:12]}-{text[12:14]}-{text[14:]}"
    return text


def parse_code(text: str, *, today: date | None = None) -> ProjectCode:
    """Read and validate a national or legacy project code.

    ``today`` (default: today in Beijing time) bounds the time code or year: a code cannot come from
    the future. Raises :class:`ProjectCodeError` naming the first wrong part.
    """
    if today is None:
        today = _beijing_today()
    code = _normalise(text)
    if len(code) != LENGTH:
        raise ProjectCodeError("length", Message("code.length", length=len(code), expected=LENGTH, example=_EXAMPLE))
    if any(code[i] != "-" for i in _DASHES) or code.count("-") != len(_DASHES):
        raise ProjectCodeError(
            "layout",
            Message("code.layout", code=code),
        )
    first, region, third, project_type, last = code.split("-")
    if not _digits(first, 4):
        raise ProjectCodeError("time", Message("code.time_digits", first=first))
    if 1 <= int(first[2:]) <= 12:
        return _parse_national(code, first, region, third, project_type, last, today)
    return _parse_legacy(code, first, region, third, project_type, last, today)


def _parse_national(
    code: str, first: str, region: str, department: str, project_type: str, last: str, today: date
) -> ProjectCode:
    year, month = 2000 + int(first[:2]), int(first[2:])
    _check_national_month(year, month, today)
    _check_region(region)
    _check_department(department)
    _check_national_type(project_type)
    random_code, check = last[:5], last[5]
    if not _digits(random_code, 5):
        raise ProjectCodeError("random", Message("code.random", code=random_code))
    expected = compute_check_character(code[:-1])
    if check != expected:
        raise ProjectCodeError("check", Message("code.check", check=check, expected=expected))
    return ProjectCode(
        layout="national",
        text=code,
        year=year,
        month=month,
        region_code=region,
        department_code=department,
        industry_code=None,
        project_type=project_type,
        random_code=random_code,
        check_code=check,
        serial=None,
    )


def _parse_legacy(
    code: str, first: str, region: str, industry: str, project_type: str, serial: str, today: date
) -> ProjectCode:
    year = int(first)
    last_year = min(_LEGACY_YEARS[-1], today.year)
    if not _LEGACY_YEARS[0] <= year <= last_year:
        raise ProjectCodeError(
            "year",
            Message("code.year", first=first, first_year=_LEGACY_YEARS[0], last_year=last_year),
        )
    _check_region(region)
    if not _digits(industry, 2) or int(industry) not in _INDUSTRY_DIVISIONS:
        raise ProjectCodeError("industry", Message("code.industry", code=industry))
    if project_type not in PROJECT_TYPES:
        raise ProjectCodeError(
            "project_type",
            Message("code.legacy_type", code=project_type),
        )
    if not _digits(serial, 6):
        raise ProjectCodeError("serial", Message("code.serial", serial=serial))
    return ProjectCode(
        layout="legacy",
        text=code,
        year=year,
        month=None,
        region_code=region,
        department_code=None,
        industry_code=industry,
        project_type=project_type,
        random_code=None,
        check_code=None,
        serial=serial,
    )


def generate_code(
    *,
    assigned_on: date,
    region_code: str,
    department_code: str,
    project_type: str,
    rng: Random | None = None,
) -> ProjectCode:
    """Build a valid national code with a fresh random code.

    ``project_type`` is a key of :data:`NATIONAL_PROJECT_TYPES` (construction content), not the
    approval route. ``rng`` defaults to the operating system's CSPRNG; pass a seeded
    :class:`random.Random` for reproducible samples. Uniqueness is the caller's business: on a collision
    with an existing code, call again.
    """
    _check_national_month(assigned_on.year, assigned_on.month, _beijing_today())
    _check_region(region_code)
    _check_department(department_code)
    _check_national_type(project_type)
    random_code = f"{(rng or _SYSTEM_RANDOM).randrange(100_000):05d}"
    body = f"{assigned_on:%y%m}-{region_code}-{department_code}-{project_type}-{random_code}"
    check = compute_check_character(body)
    return ProjectCode(
        layout="national",
        text=body + check,
        year=assigned_on.year,
        month=assigned_on.month,
        region_code=region_code,
        department_code=department_code,
        industry_code=None,
        project_type=project_type,
        random_code=random_code,
        check_code=check,
        serial=None,
    )
