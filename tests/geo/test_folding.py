"""Vietnamese folding and one-typo matching, checked against hand-written expectations."""

import pytest

from geo.folding import deletions, fold, within_one_edit, words


@pytest.mark.parametrize(("text", "folded"), [
    ("Chùa Bà Thiên Hậu", "chua ba thien hau"),
    ("ĐỀN ĐÔ", "den do"),
    ("Khu di tích Kim Liên", "khu di tich kim lien"),
    ("Phước Lộc Thọ", "phuoc loc tho"),
    ("Nguyễn Ái Quốc", "nguyen ai quoc"),
    ("đường", "duong"),
])
def test_fold_removes_marks_and_d_bar(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_words_split_on_punctuation_and_keep_other_scripts() -> None:
    assert words("Đền Đô, Từ Sơn — 天后宫!") == ["den", "do", "tu", "son", "天后宫"]


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("thien", "thien", True),
    ("thien", "thein", True),     # swap
    ("thien", "thien", True),
    ("thien", "thin", True),      # deletion
    ("thien", "thienn", True),    # insertion
    ("thien", "thian", True),     # substitution
    ("thien", "thanh", False),    # two substitutions
    ("kim", "kiem", True),
    ("lien", "lein", True),
    ("abcd", "badc", False),      # two swaps
    ("abc", "abcde", False),
])
def test_within_one_edit(a: str, b: str, expected: bool) -> None:
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


def test_deletions_only_for_long_words() -> None:
    assert deletions("den") == set()
    assert deletions("chua") == {"hua", "cua", "cha", "chu"}
