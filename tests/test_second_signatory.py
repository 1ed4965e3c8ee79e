"""A headteacher who is also the incident's DSL signs off nothing of their own: the school's
second signatory (a deputy headteacher or the chair of governors) signs off the decision not to
refer and approves the record instead, and may do nothing else (issue 13)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.digest import verify
from incidents.models import DecisionOutcome, Membership, Role, SignatureKind, Status
from tests.conftest import client_login, fresh_totp_code, make_user, totp_device
from tests.factories import full_record


def code(user):
    return fresh_totp_code(totp_device(user))


@pytest.fixture
def small_primary(world):
    """Oakfield's headteacher is also its DSL; a deputy headteacher is the second signatory."""
    Membership.objects.create(
        user=world.oak_head, school=world.oak, role=Role.DSL, confirmed_at=timezone.now()
    )
    world.second = make_user("oak-second")
    Membership.objects.create(
        user=world.second,
        school=world.oak,
        role=Role.SECOND_SIGNATORY,
        confirmed_at=timezone.now(),
    )
    return world


@pytest.fixture
def own(small_primary):
    """A decision not to refer written by the headteacher as DSL."""
    w = small_primary
    return full_record(
        w.oak, w.oak_head, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )


def test_a_headteacher_cannot_sign_off_their_own_decision_not_to_refer(small_primary, own):
    head = small_primary.oak_head
    with pytest.raises(services.OwnDecision):
        services.sign_off_non_referral(own, head, small_primary.password, code(head))
    own.decision.refresh_from_db()
    assert own.decision.headteacher_signoff_by is None


def test_a_headteacher_cannot_approve_their_own_record(small_primary, own):
    head = small_primary.oak_head
    services.sign_record(own, head, small_primary.password, code(head))
    with pytest.raises(services.NotAllowed):
        services.approve_record(
            own, head, small_primary.password, code(head), sign_off_non_referral=True
        )
    own.refresh_from_db()
    assert own.status == Status.AWAITING_APPROVAL


def test_the_second_signatory_signs_off_and_approves_instead(small_primary, own):
    w = small_primary
    signoff = services.sign_off_non_referral(own, w.second, w.password, code(w.second))
    assert signoff.role == Role.SECOND_SIGNATORY
    own.decision.refresh_from_db()
    assert own.decision.headteacher_signoff_by == w.second
    assert own.decision.headteacher_signoff_role == Role.SECOND_SIGNATORY
    services.sign_record(own, w.oak_head, w.password, code(w.oak_head))
    approval = services.approve_record(own, w.second, w.password, code(w.second))
    own.refresh_from_db()
    assert own.status == Status.APPROVED
    assert approval.kind == SignatureKind.APPROVED and approval.role == Role.SECOND_SIGNATORY
    assert verify(own).intact


def test_the_second_signatory_does_nothing_where_the_headteacher_is_not_the_dsl(small_primary):
    w = small_primary
    record = full_record(
        w.oak, w.oak_dsl, viewing_complete=True, outcome=DecisionOutcome.HANDLED_IN_SCHOOL
    )
    with pytest.raises(services.NotAllowed):
        services.sign_off_non_referral(record, w.second, w.password, code(w.second))
    client = client_login(Client(), w.second)
    assert client.get(reverse("incident_detail", args=[record.reference])).status_code == 403
    # The headteacher, who is not this incident's DSL, still signs it off.
    services.sign_off_non_referral(record, w.oak_head, w.password, code(w.oak_head))


def test_the_pages_say_the_second_signatory_signs_instead(small_primary, own):
    w = small_primary
    head = client_login(Client(), w.oak_head)
    page = head.get(reverse("incident_detail", args=[own.reference])).content.decode()
    assert "second signatory" in page and "Sign off what is not referred" not in page
    refused = head.get(reverse("incident_non_referral_signoff", args=[own.reference]))
    assert refused.status_code == 403
    assert "second signatory" in refused.content.decode()
    signing = head.get(reverse("incident_sign", args=[own.reference])).content.decode()
    assert "goes to the school's second signatory" in signing
    queue = head.get(reverse("head_queue"))
    assert [d.incident_id for d in queue.context["own_signoffs"]] == [own.pk]
    assert queue.context["awaiting_signoff"] == []
    second = client_login(Client(), w.second)
    theirs = second.get(reverse("head_queue"))
    assert [d.incident_id for d in theirs.context["awaiting_signoff"]] == [own.pk]
    assert second.get(reverse("incident_detail", args=[own.reference])).status_code == 200
    form = second.get(reverse("incident_non_referral_signoff", args=[own.reference]))
    assert form.status_code == 200


def test_the_second_signatory_never_writes_the_record(small_primary, own):
    w = small_primary
    second = client_login(Client(), w.second)
    for name in ("incident_sign", "incident_step", "incident_access", "incident_addendum"):
        kwargs = {"reference": own.reference}
        if name == "incident_step":
            kwargs["step"] = "disclosure"
        assert second.post(reverse(name, kwargs=kwargs), {}).status_code == 403, name
    assert second.get(reverse("inspection_pack")).status_code == 403
