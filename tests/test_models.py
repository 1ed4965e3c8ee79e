"""Database constraints hold whatever code writes the rows."""

from datetime import date, datetime

import pytest
from django.db import IntegrityError, transaction

from incidents.models import (
    AssessmentResult,
    Decision,
    DeletionRequest,
    DeviceSearch,
    Incident,
    Membership,
    ParentContact,
    Role,
    School,
    YoungPerson,
    age_on,
)
from incidents.services import open_incident
from tests.conftest import LONDON, new_incident

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_it_numbers_references_per_school_and_year(world):
    first = new_incident(world.oak, world.oak_staff)
    second = new_incident(world.oak, world.oak_staff)
    other = new_incident(world.riv, world.riv_staff)
    year = first.year
    assert first.reference == f"OAK-{year}-0001"
    assert second.reference == f"OAK-{year}-0002"
    assert other.reference == f"RIV-{year}-0001"


def test_it_refuses_a_duplicate_sequence(world, incident):
    refused(
        lambda: Incident.objects.create(
            school=world.oak,
            reference="OAK-X",
            year=incident.year,
            sequence=incident.sequence,
            incident_date=date(2026, 1, 1),
            disclosed_at=datetime(2026, 1, 2, tzinfo=LONDON),
            reported_by=world.oak_staff,
        )
    )


def test_it_refuses_an_unknown_status(incident):
    refused(lambda: Incident.objects.filter(pk=incident.pk).update(status="closed"))


def test_it_refuses_a_lowercase_prefix(world):
    refused(lambda: School.objects.create(name="X", slug="x", reference_prefix="xy"))


def test_it_refuses_a_school_role_without_a_school(world):
    refused(lambda: Membership.objects.create(user=world.oak_staff, role=Role.DSL))


def test_it_refuses_a_trust_lead_tied_to_a_school(world):
    refused(
        lambda: Membership.objects.create(
            user=world.oak_staff, role=Role.TRUST_LEAD, school=world.oak, trust=world.trust
        )
    )


def person(incident, user, **kw):
    defaults = {
        "incident": incident,
        "name": "A",
        "sex": "female",
        "known_to_social_care": "no",
        "created_by": user,
        "updated_by": user,
    }
    return YoungPerson.objects.create(**{**defaults, **kw})


def test_it_refuses_a_young_person_with_neither_birth_date_nor_age(world, incident):
    refused(lambda: person(incident, world.oak_dsl))


def test_it_refuses_a_young_person_aged_18(world, incident):
    refused(lambda: person(incident, world.oak_dsl, age_if_no_date_of_birth=18))


def test_it_derives_the_age_at_the_incident_date(world):
    incident = open_incident(
        school=world.oak,
        reported_by=world.oak_staff,
        incident_date=date(2026, 3, 1),
        disclosed_at=datetime(2026, 3, 2, 9, tzinfo=LONDON),
    )
    p = person(incident, world.oak_dsl, date_of_birth=date(2013, 3, 2))
    assert p.age == 12  # the thirteenth birthday falls the day after the incident
    assert age_on(date(2013, 3, 2), date(2026, 3, 2)) == 13


def test_it_refuses_a_non_referral_without_reasons(world, incident):
    result = AssessmentResult.objects.create(
        incident=incident,
        policy="wolverhampton-2016",
        policy_version="2016.1",
        facts={},
        category="experimental",
        subtype="romantic",
        mash_referral=False,
        police="discretionary",
        social_care_contact=False,
        seek_advice=False,
    )
    refused(
        lambda: Decision.objects.create(
            incident=incident,
            school=incident.school,
            assessment=result,
            outcome="handled_in_school",
            decided_at=datetime(2026, 10, 3, tzinfo=LONDON),
            reasons="",
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    )


def test_it_refuses_an_override_without_a_reason(incident):
    refused(
        lambda: AssessmentResult.objects.create(
            incident=incident,
            policy="wolverhampton-2016",
            policy_version="2016.1",
            facts={},
            category="experimental",
            subtype="romantic",
            mash_referral=False,
            police="discretionary",
            social_care_contact=False,
            seek_advice=False,
            overridden=True,
        )
    )


def test_it_refuses_a_deletion_deadline_before_the_request(world, incident):
    p = person(incident, world.oak_dsl, age_if_no_date_of_birth=14)
    refused(
        lambda: DeletionRequest.objects.create(
            incident=incident,
            school=incident.school,
            young_person=p,
            asked_on=date(2026, 10, 5),
            asked_by="DSL",
            deadline=date(2026, 10, 4),
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    )


def test_it_refuses_parents_not_informed_without_a_reason(world, incident):
    p = person(incident, world.oak_dsl, age_if_no_date_of_birth=14)
    refused(
        lambda: ParentContact.objects.create(
            incident=incident,
            young_person=p,
            informed=False,
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    )


def test_it_refuses_a_distressing_search_without_justification(world, incident):
    refused(
        lambda: DeviceSearch.objects.create(
            incident=incident,
            device_description="Phone",
            ownership="personal",
            reason_to_believe="Told so",
            searched_at=datetime(2026, 10, 3, tzinfo=LONDON),
            searched_by="Head",
            likely_to_distress=True,
            created_by=world.oak_dsl,
            updated_by=world.oak_dsl,
        )
    )


def test_it_holds_no_file_field():
    from django.apps import apps
    from django.db.models import FileField

    fields = [
        f"{m.__name__}.{f.name}"
        for m in apps.get_app_config("incidents").get_models()
        for f in m._meta.get_fields()
        if isinstance(f, FileField)
    ]
    assert fields == []
