"""Lifecycle rules: admission, recognition after 12 months, transfers, exemption, discipline, removal, death."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.members import lifecycle
from quantriet.members.models import LifecycleEvent, Member, Membership, Status, Transfer
from quantriet.units.models import Unit

from . import factories as f

TODAY = timezone.localdate()
D = datetime.date


def periods(member):
    return list(Membership.objects.filter(member=member).order_by("start").values_list("unit__code", "start", "end"))


def count(unit):
    return Unit.objects.get(pk=unit.pk).member_count


def test_admission_opens_a_period_and_counts(tree, users):
    secretary = users["same_secretary"]
    candidate = f.member(tree["cell_a"], "Hoàng Thị Hoa", status="candidate", admission_date=None,
                         official_date=None, card_number=None)
    assert count(tree["cell_a"]) == 2 and periods(candidate) == []
    lifecycle.admit(candidate, effective_on=D(2025, 3, 1), decision="12-QĐ/ĐU", acting_user=secretary)
    candidate.refresh_from_db()
    assert candidate.status == Status.PROBATIONARY and candidate.admission_date == D(2025, 3, 1)
    assert periods(candidate) == [("TQ-SD-SN-A", D(2025, 3, 1), None)]
    assert count(tree["cell_a"]) == 3
    assert AuditEntry.objects.filter(action="member.admitted", object_id=str(candidate.pk)).count() == 1
    with pytest.raises(ValidationError):
        lifecycle.admit(candidate, effective_on=D(2025, 3, 1), acting_user=secretary)


def test_admission_refused_outside_scope(tree, users):
    candidate = f.member(tree["cell_c"], "Giàng A Páo", status="candidate", admission_date=None,
                         official_date=None, card_number=None)
    with pytest.raises(ActionDenied):
        lifecycle.admit(candidate, effective_on=D(2025, 3, 1), acting_user=users["same_secretary"])
    assert Member.objects.get(pk=candidate.pk).status == Status.CANDIDATE


def test_recognition_only_after_twelve_months(tree, users):
    secretary = users["same_secretary"]
    admitted = TODAY - datetime.timedelta(days=200)
    member = f.member(tree["cell_a"], "Ma Văn Kháng", status="probationary", admission_date=admitted, official_date=None)
    with pytest.raises(ValidationError) as error:
        lifecycle.recognize(member, acting_user=secretary)
    assert "effective_on" in error.value.message_dict
    old = f.member(tree["cell_a"], "Ma Thị Lan", status="probationary", admission_date=D(2024, 1, 10), official_date=None)
    with pytest.raises(ValidationError):
        lifecycle.recognize(old, effective_on=D(2024, 12, 31), acting_user=secretary)
    lifecycle.recognize(old, acting_user=secretary)
    old.refresh_from_db()
    assert old.status == Status.OFFICIAL and old.official_date == D(2025, 1, 10)


def test_due_for_recognition_lists(tree, users):
    today = D(2026, 11, 28)  # a Saturday
    soon = f.member(tree["cell_a"], "Nông Văn Sớm", status="probationary", admission_date=D(2025, 12, 20), official_date=None)
    late = f.member(tree["cell_a"], "Nông Văn Muộn", status="probationary", admission_date=D(2025, 9, 1), official_date=None)
    f.member(tree["cell_a"], "Nông Văn Chưa", status="probationary", admission_date=D(2026, 6, 1), official_date=None)
    due_soon, overdue = lifecycle.due_for_recognition(Member.objects.all(), today=today)
    assert [(m.pk, d) for m, d in due_soon] == [(soon.pk, D(2026, 12, 20))]
    assert [(m.pk, d) for m, d in overdue] == [(late.pk, D(2026, 9, 1))]
    # 30 working days from Saturday 28/11/2026 is Friday 8/1/2027
    assert lifecycle.add_working_days(today, 30) == D(2027, 1, 8)


def test_transfer_issued_then_confirmed(tree, users, people):
    member = people["a2"]
    start = Membership.objects.get(member=member).start
    transfer = lifecycle.issue_transfer(member, to_unit=tree["cell_c"], kind="official", issued_on=D(2026, 3, 1),
                                        letter_number="15-GT/ĐU", acting_user=users["same_secretary"])
    member.refresh_from_db()
    assert member.unit_id == tree["cell_a"].pk  # still at the source until confirmed
    out_a, in_a = lifecycle.pending_transfers(users["same_secretary"])
    out_c, in_c = lifecycle.pending_transfers(users["other_secretary"])
    assert [t.pk for t in out_a] == [transfer.pk] and list(in_a) == []
    assert list(out_c) == [] and [t.pk for t in in_c] == [transfer.pk]
    with pytest.raises(ActionDenied):  # only the receiving side confirms
        lifecycle.confirm_transfer(transfer, confirmed_on=D(2026, 3, 10), acting_user=users["same_secretary"])
    lifecycle.confirm_transfer(transfer, confirmed_on=D(2026, 3, 10), acting_user=users["other_secretary"])
    member.refresh_from_db()
    assert member.unit_id == tree["cell_c"].pk
    assert periods(member) == [("TQ-SD-SN-A", start, D(2026, 3, 10)), ("TQ-YS-TS-C", D(2026, 3, 10), None)]
    assert count(tree["cell_a"]) == 1 and count(tree["cell_c"]) == 2
    # counts for either date follow the periods
    assert lifecycle.members_on(tree["son_duong"], D(2026, 3, 9)).count() == 3
    assert lifecycle.members_on(tree["son_duong"], D(2026, 3, 10)).count() == 2
    assert lifecycle.members_on(tree["yen_son"], D(2026, 3, 10)).count() == 2
    # each side sees what its scope allows: the source secretary no longer sees the member
    from quantriet.accounts import access

    assert not access.visible_members(users["same_secretary"]).filter(pk=member.pk).exists()
    assert access.visible_members(users["other_secretary"]).filter(pk=member.pk).exists()


def test_no_transfer_of_a_deceased_member(tree, users, people):
    member = people["a2"]
    lifecycle.record_death(member, effective_on=D(2026, 2, 1), acting_user=users["same_secretary"])
    with pytest.raises(ValidationError) as error:
        lifecycle.issue_transfer(member, to_unit=tree["cell_b"], kind="official", issued_on=D(2026, 3, 1),
                                 acting_user=users["same_secretary"])
    assert "member" in error.value.message_dict
    assert Transfer.objects.count() == 0


def test_confirming_after_death_is_refused(tree, users, people):
    member = people["a2"]
    transfer = lifecycle.issue_transfer(member, to_unit=tree["cell_b"], kind="temporary", issued_on=D(2026, 3, 1),
                                        acting_user=users["same_secretary"])
    lifecycle.record_death(member, effective_on=D(2026, 3, 5), acting_user=users["same_secretary"])
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    with pytest.raises(ValidationError):
        lifecycle.confirm_transfer(transfer, confirmed_on=D(2026, 3, 6), acting_user=users["ancestor_staff"])


def test_leaving_the_party_closes_the_period(tree, users, people):
    secretary = users["same_secretary"]
    lifecycle.discipline(people["a2"], level="canh_cao", effective_on=D(2026, 1, 5), acting_user=secretary)
    assert Member.objects.get(pk=people["a2"].pk).status == Status.OFFICIAL
    lifecycle.discipline(people["a2"], level="khai_tru", effective_on=D(2026, 2, 5), decision="05-QĐ/UBKT",
                         acting_user=secretary)
    lifecycle.remove(people["self_member"], effective_on=D(2026, 2, 6), acting_user=secretary)
    assert Member.objects.get(pk=people["a2"].pk).status == Status.EXPELLED
    assert Member.objects.get(pk=people["self_member"].pk).status == Status.REMOVED
    assert count(tree["cell_a"]) == 0
    assert Membership.objects.filter(unit=tree["cell_a"], end__isnull=True).count() == 0
    assert list(LifecycleEvent.objects.filter(member=people["a2"]).values_list("kind", "discipline_level")) == [
        ("disciplined", "canh_cao"), ("disciplined", "khai_tru")]
    with pytest.raises(ValidationError):
        lifecycle.discipline(people["a2"], level="khien_trach", effective_on=D(2026, 3, 1), acting_user=secretary)
    with pytest.raises(ValidationError):
        lifecycle.discipline(people["b1"], level="nonsense", effective_on=D(2026, 3, 1), acting_user=users["ancestor_staff"])


def test_exemption_keeps_membership(tree, users, people):
    lifecycle.exempt(people["a2"], effective_on=D(2026, 1, 1), reason="Tuổi cao", acting_user=users["same_secretary"])
    assert Member.objects.get(pk=people["a2"].pk).status == Status.EXEMPTED
    assert count(tree["cell_a"]) == 2


def test_future_dates_refused(tree, users, people):
    with pytest.raises(ValidationError):
        lifecycle.remove(people["a2"], effective_on=TODAY + datetime.timedelta(days=3), acting_user=users["same_secretary"])
    assert Member.objects.get(pk=people["a2"].pk).status == Status.OFFICIAL
