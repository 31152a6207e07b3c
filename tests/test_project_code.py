"""Project codes (投资项目代码): both layouts read, every wrong part named, generated codes read back."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any, get_args

import pytest

from projects.project_code import (
    CENTRAL_DEPARTMENTS,
    NATIONAL_PROJECT_TYPES,
    NATIONAL_PROJECT_TYPES_EN,
    PROJECT_TYPES,
    PROJECT_TYPES_EN,
    CodePart,
    ProjectCode,
    ProjectCodeError,
    compute_check_character,
    generate_code,
    parse_code,
)

# A fixed "today" late enough for every published code below, so the tests do not age.
TODAY = date(2026, 11, 1)

# National codes published in tender notices and approval documents (quoted in public scrapers' test
# fixtures). All of them satisfy the ISO/IEC 7064 MOD 11,10 check digit the module infers.
PUBLISHED_NATIONAL = [
    "2111-522323-04-01-342068",  # 普安县县城供水管网改造工程
    "2411-130202-89-01-637015",
    "2512-420984-04-01-395957",  # 汉川市万福低闸等3座灌溉闸站更新改造工程
    "2211-441900-04-02-310151",
    "2502-140109-89-01-287745",  # 生活污水治理项目
    "2603-141124-89-05-346948",  # 山西省临县地质灾害综合治理项目
    "2509-140602-89-05-864976",  # published as a filing (备案) project code: type 05, not 03
]

# Legacy codes published in the same way: no check digit, approval route in the fourth segment.
PUBLISHED_LEGACY = [
    "2020-330327-48-01-167360",  # "批准建设": 01 审批
    "2020-451421-88-03-016343",  # 《广西壮族自治区投资项目备案证明》: 03 备案
]

# Xiamen's county-level GB/T 2260 codes, from china-division 2.7.0 (shared/data/xiamen).
XIAMEN = {
    "350203": "思明区",
    "350205": "海沧区",
    "350206": "湖里区",
    "350211": "集美区",
    "350212": "同安区",
    "350213": "翔安区",
}


@pytest.mark.parametrize("text", PUBLISHED_NATIONAL)
def test_published_national_codes_are_valid(text: str) -> None:
    code = parse_code(text, today=TODAY)
    assert code.layout == "national"
    assert str(code) == text
    assert code.check_code == compute_check_character(text[:-1])


@pytest.mark.parametrize("text", PUBLISHED_LEGACY)
def test_published_legacy_codes_are_valid(text: str) -> None:
    code = parse_code(text, today=TODAY)
    assert code.layout == "legacy"
    assert code.check_code is None


def test_national_code_is_split_into_its_parts() -> None:
    code = parse_code("2111-522323-04-01-342068", today=TODAY)
    assert code == ProjectCode(
        layout="national",
        text="2111-522323-04-01-342068",
        year=2021,
        month=11,
        region_code="522323",
        department_code="04",
        industry_code=None,
        project_type="01",
        random_code="34206",
        check_code="8",
        serial=None,
    )
    assert code.time_code == "2111"
    assert code.project_type_name == "基本建设"
    assert CENTRAL_DEPARTMENTS["04"].startswith("水利")


def test_xiamen_legacy_code_is_split_into_its_parts() -> None:
    code = parse_code("2017-350203-47-01-012345", today=TODAY)
    assert code.layout == "legacy"
    assert (code.year, code.month) == (2017, None)
    assert XIAMEN[code.region_code] == "思明区"
    assert code.industry_code == "47"
    assert code.project_type == "01"
    assert code.project_type_name == "审批"
    assert code.serial == "012345"
    assert code.time_code == "2017"
    assert (code.department_code, code.random_code) == (None, None)


def test_type_vocabularies_have_english_names() -> None:
    assert dict(PROJECT_TYPES) == {"01": "审批", "02": "核准", "03": "备案"}
    assert PROJECT_TYPES_EN.keys() == PROJECT_TYPES.keys()
    assert NATIONAL_PROJECT_TYPES_EN.keys() == NATIONAL_PROJECT_TYPES.keys()
    assert PROJECT_TYPES_EN["02"] == "verification"


@pytest.mark.parametrize("text", PUBLISHED_NATIONAL)
def test_every_wrong_check_digit_is_refused(text: str) -> None:
    good = text[-1]
    for digit in "0123456789".replace(good, ""):
        with pytest.raises(ProjectCodeError) as caught:
            parse_code(text[:-1] + digit, today=TODAY)
        assert caught.value.part == "check"
        assert str(caught.value) == f"check code is '{digit}', expected '{good}'"


def test_a_letter_as_check_code_is_refused_naming_the_expected_digit() -> None:
    with pytest.raises(ProjectCodeError, match="check code is 'X', expected '8'") as caught:
        parse_code("2111-522323-04-01-34206X", today=TODAY)
    assert caught.value.part == "check"


BAD_CODES: list[tuple[str, CodePart, str]] = [
    ("2111-522323-04-01-34206", "length", "23 characters, expected 24"),
    ("", "length", "0 characters"),
    ("21115-22323-04-01-342068", "layout", "NNNN-NNNNNN-NN-NN-NNNNNN"),
    ("2111-522323-04-01-3420-8", "layout", "dashes at characters 5, 12, 15 and 18"),
    ("21A1-522323-04-01-342068", "time", "expected 4 digits"),
    ("2612-522323-04-01-342068", "time", "2026-12, in the future; expected 2026-11 or earlier"),
    ("1912-522323-04-01-342068", "time", "2019-12, expected 2020-01 or later"),
    ("2111-992323-04-01-342068", "region", "province part 99"),
    ("2111-520023-04-01-342068", "region", "county part 23 under prefecture part 00"),
    ("2111-5223X3-04-01-342068", "region", "expected 6 digits"),
    ("2111-522323-00-01-342068", "department", "expected 2 digits 01-99"),
    ("2111-522323-04-06-342068", "project_type", "project type code is '06'"),
    ("2111-522323-04-01-34A068", "random", "random code is '34A06', expected 5 digits"),
    ("2111-522323-04-01-342069", "check", "check code is '9', expected '8'"),
    ("2013-350203-47-01-012345", "year", "legacy code a year 2015-2021"),
    ("2017-350203-98-01-012345", "industry", "GB/T 4754 division 01-97"),
    ("2017-350203-47-05-012345", "project_type", "01 (审批), 02 (核准) or 03 (备案)"),
    ("2017-350203-47-01-01234A", "serial", "serial number is '01234A', expected 6 digits"),
]


@pytest.mark.parametrize(("text", "part", "message"), BAD_CODES)
def test_each_wrong_part_is_named(text: str, part: CodePart, message: str) -> None:
    with pytest.raises(ProjectCodeError) as caught:
        parse_code(text, today=TODAY)
    assert caught.value.part == part
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_every_part_is_reachable() -> None:
    assert {part for _, part, _ in BAD_CODES} == set(get_args(CodePart))


def test_today_bounds_the_time_code() -> None:
    text = "2612-350203-04-01-12345" + compute_check_character("2612-350203-04-01-12345")
    assert parse_code(text, today=date(2026, 12, 1)).month == 12
    with pytest.raises(ProjectCodeError) as caught:
        parse_code(text, today=date(2026, 11, 30))
    assert caught.value.part == "time"


def test_legacy_year_cannot_be_in_the_future() -> None:
    with pytest.raises(ProjectCodeError) as caught:
        parse_code("2019-350203-47-01-012345", today=date(2018, 6, 1))
    assert caught.value.part == "year"
    assert "2015-2018" in str(caught.value)


def test_first_segment_decides_the_layout() -> None:
    # Digits 3-4 are a month in the national layout; a legacy year never looks like one.
    december_2020 = "2012-350203-04-01-00000" + compute_check_character("2012-350203-04-01-00000")
    assert parse_code(december_2020, today=TODAY).layout == "national"
    assert parse_code("2021-350203-47-03-000001", today=TODAY).layout == "legacy"


@pytest.mark.parametrize(
    "text",
    [
        "  2111-522323-04-01-342068\n",
        "２１１１－５２２３２３－０４－０１－３４２０６８",  # full-width, as typed in Chinese documents
        "2111—522323—04—01—342068",  # em dashes
        "21115223230401342068",  # the same 20 digits without dashes
    ],
)
def test_input_is_normalised(text: str) -> None:
    assert parse_code(text, today=TODAY).text == "2111-522323-04-01-342068"


def test_legacy_code_without_dashes_is_read_too() -> None:
    assert parse_code("20173502034701012345", today=TODAY).text == "2017-350203-47-01-012345"


def test_check_character_ignores_dashes() -> None:
    assert compute_check_character("2111-522323-04-01-34206") == "8"
    assert compute_check_character("2111522323040134206") == "8"


@pytest.mark.parametrize(
    "body", ["2111-522323-04-01-3420", "2111-522323-04-01-3420A", "２１１１５２２３２３０４０１３４２０６"]
)
def test_check_character_needs_nineteen_ascii_digits(body: str) -> None:
    with pytest.raises(ProjectCodeError) as caught:
        compute_check_character(body)
    assert caught.value.part == "layout"


def test_single_digit_errors_are_all_caught() -> None:
    # MOD 11,10 catches every single-digit substitution, wherever it is.
    text = "2411-130202-89-01-637015"
    for index, char in enumerate(text[:-1]):
        if char == "-" or index < 4:  # the time code has its own checks
            continue
        for digit in "0123456789".replace(char, ""):
            altered = text[:index] + digit + text[index + 1 :]
            with pytest.raises(ProjectCodeError):
                parse_code(altered, today=TODAY)


def test_generated_codes_read_back() -> None:
    rng = Random(20170101)
    regions = [*XIAMEN, "350200", "110101", "429004", "500229", "650102"]
    departments = [f"{n:02d}" for n in range(1, 100)]
    types = list(NATIONAL_PROJECT_TYPES)
    first, last = date(2020, 1, 1), date(2025, 12, 31)
    codes: set[str] = set()
    for _ in range(1000):
        code = generate_code(
            assigned_on=first + timedelta(days=rng.randrange((last - first).days + 1)),
            region_code=rng.choice(regions),
            department_code=rng.choice(departments),
            project_type=rng.choice(types),
            rng=rng,
        )
        assert parse_code(code.text, today=TODAY) == code
        assert len(code.text) == 24
        codes.add(code.text)
    assert len(codes) == 1000


def test_seeded_generation_is_reproducible_and_default_is_random() -> None:
    kwargs = {"assigned_on": date(2024, 5, 20), "region_code": "350211", "department_code": "89"}
    first = generate_code(**kwargs, project_type="01", rng=Random(7))
    assert first == generate_code(**kwargs, project_type="01", rng=Random(7))
    assert first.text.startswith("2405-350211-89-01-")
    unseeded = {generate_code(**kwargs, project_type="01").random_code for _ in range(20)}
    assert len(unseeded) > 1


@pytest.mark.parametrize(
    ("changes", "part"),
    [
        ({"assigned_on": date(2019, 12, 31)}, "time"),
        ({"assigned_on": date.today() + timedelta(days=62)}, "time"),
        ({"region_code": "3502"}, "region"),
        ({"region_code": "910203"}, "region"),
        ({"department_code": "00"}, "department"),
        ({"department_code": "4"}, "department"),
        ({"project_type": "06"}, "project_type"),
    ],
)
def test_generation_refuses_bad_parts(changes: dict[str, Any], part: CodePart) -> None:
    kwargs: dict[str, Any] = {
        "assigned_on": date(2024, 5, 20),
        "region_code": "350203",
        "department_code": "89",
        "project_type": "01",
        **changes,
    }
    with pytest.raises(ProjectCodeError) as caught:
        generate_code(**kwargs)
    assert caught.value.part == part
