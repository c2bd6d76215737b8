"""The password policy: the most common, repetitive and sequential passwords, and the e-mail's
own name, are refused with WEAK_PASSWORD, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.errors import AuthError
from accounts.models import Account
from accounts.passwords import check_password, common_passwords
from accounts.service import create_account

EMAIL = "nguyen.van.an@so-vhttdl.gov.vn"


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa", "abcabcabcabc", "123456789012", "987654321098", "abcdefghijkl",
    "password1234", "PassWord1234", "Matkhau12345", "nguyen.van.an-2026", "1111122222111",
])
async def test_a_weak_password_is_refused_and_nothing_is_written(
        session: AsyncSession, password: str) -> None:
    before = await session.scalar(select(func.count()).select_from(Account))
    with pytest.raises(AuthError) as refused:
        await create_account(session=session, email=EMAIL, password=password, role="editor",
                             display_name="An")
    assert (refused.value.code, refused.value.field) == ("WEAK_PASSWORD", "password")
    assert await session.scalar(select(func.count()).select_from(Account)) == before


@pytest.mark.parametrize("password", ["đúng-ngựa-pin-kẹp-giấy", "Sông Hương 2026 buổi sớm",
                                      "tG7#qLm2!xRv9"])
def test_a_good_password_passes(password: str) -> None:
    check_password(password, email=EMAIL)


def test_the_bundled_list_is_read() -> None:
    listed = common_passwords()
    assert len(listed) >= 40 and "password1234" in listed and all(len(p) >= 12 for p in listed)
