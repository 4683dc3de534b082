"""Structure rules (VC 2.0 / OB 3.0) and validity dates against an injected clock."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from tests.conftest import sample_badge
from tests.support import english
from wallet.vc import open_badges, vc_data_model
from wallet.vc.verification import verify_credential


def test_sample_badge_is_well_formed() -> None:
    badge = sample_badge()
    assert vc_data_model.structure_problems(badge) == []
    assert open_badges.structure_problems(badge) == []


def problem(code: str, **params: object) -> dict[str, object]:
    return {"code": code, "params": params}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("issuer",), problem("structure.required", field="issuer")),
        (
            ("credentialSubject", "achievement", "criteria"),
            problem("structure.required", field="achievement.criteria"),
        ),
        (
            ("credentialSubject", "achievement", "name"),
            problem("structure.required", field="achievement.name"),
        ),
        (
            ("credentialSubject", "type"),
            problem(
                "structure.type-includes", field="credentialSubject.type", type="AchievementSubject"
            ),
        ),
        (("validFrom",), problem("structure.required", field="validFrom")),
        (("id",), problem("structure.required", field="id")),
    ],
)
def test_missing_required_fields_are_named(path: tuple[str, ...], expected: object) -> None:
    badge = sample_badge()
    parent = badge
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    problems = open_badges.conformance_problems(badge)
    assert expected in problems, problems


def test_withheld_fields_are_allowed_only_for_a_disclosed_subset() -> None:
    badge = sample_badge()
    del badge["credentialSubject"]["achievement"]["description"]
    assert open_badges.structure_problems(badge, disclosed_subset=True) == []
    assert open_badges.structure_problems(badge) == [
        problem("structure.required", field="achievement.description")
    ]
    assert open_badges.withheld_fields(badge) == ["achievement.description"]


def test_dates_need_a_timezone() -> None:
    badge = sample_badge()
    badge["validFrom"] = "2026-01-15T09:00:00"
    assert problem("structure.datetime", field="validFrom") in vc_data_model.structure_problems(
        badge
    )
    badge["validFrom"] = "20260115T090000Z"  # ISO 8601 basic form is not xsd:dateTime
    assert vc_data_model.structure_problems(badge)


@pytest.mark.parametrize(
    ("now", "ok", "message"),
    [
        (
            datetime(2026, 1, 15, 8, 59, tzinfo=UTC),
            False,
            "Not valid until 15 Jan 2026, 9:00 am.",
        ),
        (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), True, "Valid until 1 Jan 2027."),
        (datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC), False, "Expired on 1 Jan 2027."),
    ],
)
def test_validity_against_an_injected_clock(now: datetime, ok: bool, message: str) -> None:
    badge = sample_badge()
    badge["validUntil"] = "2027-01-01T00:00:00Z"
    report = verify_credential(badge, now=now)  # unsigned: only the date check matters here
    validity = next(c for c in report.checks if c.id == "validity")
    assert (validity.ok, english(validity)) == (ok, message)


def test_vc_1_1_dates() -> None:
    badge = copy.deepcopy(sample_badge())
    badge["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    badge.pop("validFrom")
    assert problem("structure.required", field="issuanceDate") in vc_data_model.structure_problems(
        badge
    )
    badge["issuanceDate"] = "2020-01-01T00:00:00Z"
    badge["expirationDate"] = "2021-01-01T00:00:00Z"
    assert vc_data_model.validity_fields(badge) == ("issuanceDate", "expirationDate")
