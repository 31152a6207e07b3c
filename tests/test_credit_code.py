"""Unified social credit codes (GB 32100-2015): real codes accepted, each fault reported where it is."""

from __future__ import annotations

import pytest

from projects.credit_code import (
    ALPHABET,
    REGISTRATION_AUTHORITIES,
    CreditCodeError,
    credit_code_check_character,
    make_credit_code,
    organization_code_check_character,
    validate_credit_code,
)

# Real, published codes.
HUAWEI = "914403001922038216"  # 华为技术有限公司: "機構代碼" in its Chinese Wikipedia infobox
REAL_CODES = [
    HUAWEI,
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司: sample business-licence report of check-china.com
    "92141127MA0KD1Y64A",  # an individual business (个体工商户) in 岚县, cited in jaywcjlove/regexp-example#23
    "12440600MB2C07549J",  # a public institution (事业单位) in 佛山, cited in xbeginagain/generator#2
]
# A genuine 思明区 company whose 18th character disagrees with the formula (Hutool issue 4119):
# some Xiamen codes from before 2016 do.
XIAMEN_PRE_2016 = "91350203M0001QKT19"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code
    assert credit_code_check_character(code[:17]) == code[17]
    assert organization_code_check_character(code[8:16]) == code[16]


def test_input_is_normalised() -> None:
    assert validate_credit_code(" 91440300708461136t\n") == "91440300708461136T"
    assert validate_credit_code("９２１４１１２７ｍａ０ｋｄ１ｙ６４ａ") == "92141127MA0KD1Y64A"


def test_check_character_values() -> None:
    assert credit_code_check_character(HUAWEI[:17]) == "6"
    assert credit_code_check_character("92141127ma0kd1y64".upper()) == "A"
    # 31 - 0 wraps to 0 (computed example).
    assert credit_code_check_character("9135020310000042X") == "0"
    assert validate_credit_code("9135020310000042X0") == "9135020310000042X0"


def test_wrong_check_character_is_refused_with_the_expected_one() -> None:
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(HUAWEI[:17] + "7")
    assert caught.value.part == "check"
    assert caught.value.position == 18
    assert str(caught.value) == "check character is '7', expected '6'"
    assert isinstance(caught.value, ValueError)


def test_xiamen_code_that_predates_the_formula_needs_an_explicit_waiver() -> None:
    with pytest.raises(CreditCodeError, match="check character is '9', expected 'F'"):
        validate_credit_code(XIAMEN_PRE_2016)
    assert validate_credit_code(XIAMEN_PRE_2016, verify_check_character=False) == XIAMEN_PRE_2016
    # The waiver covers the 18th character only.
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code("91350203M0001QKT29", verify_check_character=False)
    assert caught.value.part == "organization_code"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_the_standard_leaves_out_are_refused(letter: str) -> None:
    code = HUAWEI[:9] + letter + HUAWEI[10:]
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(code)
    assert caught.value.part == "character"
    assert caught.value.position == 10
    assert f"illegal character '{letter}' at position 10" in str(caught.value)


@pytest.mark.parametrize("letter", list("iozsv"))
def test_lower_case_excluded_letters_are_refused_too(letter: str) -> None:
    with pytest.raises(CreditCodeError, match="at position 18"):
        validate_credit_code(HUAWEI[:17] + letter)


def test_alphabet_is_the_standards() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


@pytest.mark.parametrize(
    ("code", "part", "message"),
    [
        ("91440300192203821", "length", "credit code has 17 characters, expected 18"),
        ("9144030019220382161", "length", "19 characters"),
        ("B14403001922038216", "registration_authority", "registration authority code is 'B'"),
        ("9144A3001922038216", "region", "'44A300' at positions 3-8, expected 6 digits"),
        ("914403001922038226", "organization_code", "check digit is '2' at position 17, expected '1'"),
        ("91440300192203821#", "character", "illegal character '#' at position 18"),
    ],
)
def test_each_fault_is_named(code: str, part: str, message: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(code)
    assert caught.value.part == part
    assert message in str(caught.value)


def test_registration_authorities_follow_the_standard() -> None:
    assert REGISTRATION_AUTHORITIES["9"] == "工商"
    assert set(REGISTRATION_AUTHORITIES) == set("123456789ANY")


def test_organization_code_check_digit() -> None:
    assert organization_code_check_character("19220382") == "1"  # Huawei
    assert organization_code_check_character("M0001QKT") == "1"  # letters count A=10 … Z=35
    # Computed examples for the two special values: 10 → X, 11 → 0.
    assert organization_code_check_character("10000018") == "X"
    assert organization_code_check_character("10000004") == "0"
    with pytest.raises(CreditCodeError) as caught:
        organization_code_check_character("1000001")
    assert caught.value.part == "length"
    with pytest.raises(CreditCodeError) as caught:
        organization_code_check_character("1000001a")
    assert caught.value.part == "organization_code"


def test_make_credit_code_builds_sample_codes() -> None:
    body = "10000018"
    first17 = "91350203" + body + organization_code_check_character(body)
    code = make_credit_code(first17)
    assert code == first17 + credit_code_check_character(first17)
    assert validate_credit_code(code) == code
    assert make_credit_code(HUAWEI[:17].lower()) == HUAWEI


@pytest.mark.parametrize(
    ("first17", "part"),
    [
        ("9135020310000018", "length"),
        ("91350203100000180", "organization_code"),
        ("Z1350203100000018", "character"),
    ],
)
def test_make_credit_code_refuses_bad_input(first17: str, part: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        make_credit_code(first17)
    assert caught.value.part == part


def test_check_character_needs_seventeen_characters_of_the_alphabet() -> None:
    with pytest.raises(CreditCodeError, match="16 characters, expected 17"):
        credit_code_check_character(HUAWEI[:16])
    with pytest.raises(CreditCodeError, match="illegal character 'O' at position 1"):
        credit_code_check_character("O" + HUAWEI[1:17])
