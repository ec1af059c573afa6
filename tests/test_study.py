"""Study campaigns: targeting, records, counters through transfers and reorganizations, recount, quiz."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quantriet.conferences.models import Attendance, Conference, Session, Site
from quantriet.core.actions import ActionDenied
from quantriet.documents.models import Document
from quantriet.members import lifecycle
from quantriet.members.models import ACTIVE_STATUSES, Member
from quantriet.study import actions, counters, selectors
from quantriet.study.models import CoverageCounter, Option, RecordState, StudyRecord
from quantriet.units import reorganize
from quantriet.units.models import Unit, UnitKind

from . import factories as f

D = datetime.date
TODAY = timezone.localdate()


def document(number=21, title="về tăng cường củng cố, xây dựng tổ chức cơ sở đảng"):
    existing = Document.objects.filter(number=number, type_code="NQ", issuer="TW").first()
    return existing or Document.objects.create(number=number, type_code="NQ", issuer="TW", kind="resolution",
                                               issuing_body="Ban Chấp hành Trung ương", issued_on=D(2022, 6, 16),
                                               title=title)


def campaign_for(unit, user=None, **extra):
    values = dict(title="Học tập Nghị quyết 21-NQ/TW", documents=[document()], starts_on=TODAY,
                  deadline=TODAY + datetime.timedelta(days=60))
    values.update(extra)
    campaign = actions.create_campaign(acting_user=user or f.system_user(), unit=unit, **values)
    actions.open_campaign(campaign, acting_user=user or f.system_user())
    campaign.refresh_from_db()
    return campaign


def row(campaign, unit):
    counter = CoverageCounter.objects.filter(campaign=campaign, unit=unit).first()
    return counter.values() if counter else None


def assert_recount_clean(campaign):
    assert counters.recount(campaign) == []


def own_user(member):
    if member.user_id:
        return member.user
    return f.user(f"m{member.pk}", "member", member.unit, member=member)


def record_of(campaign, member):
    return StudyRecord.objects.get(campaign=campaign, member=member)


# --- targeting ---------------------------------------------------------------------------------------

def test_open_targets_active_members_of_the_subtree_and_builds_subtree_counters(tree, people):
    exempted = f.member(tree["cell_b"], "Vi Văn Già", status="exempted")
    campaign = campaign_for(tree["son_duong"])
    targeted = set(StudyRecord.objects.filter(campaign=campaign).values_list("member_id", flat=True))
    assert targeted == {people["self_member"].pk, people["a2"].pk, people["b1"].pk}
    assert exempted.pk not in targeted
    assert row(campaign, tree["son_duong"]) == (3, 0, 0, 0, 0, 0)
    assert row(campaign, tree["son_nam"]) == (3, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_a"]) == (2, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_b"]) == (1, 0, 0, 0, 0, 0)
    assert row(campaign, tree["province"]) is None  # above the campaign's unit: no row
    assert_recount_clean(campaign)


def test_deadline_in_the_past_and_missing_documents_are_refused(tree, users):
    with pytest.raises(ValidationError) as error:
        actions.create_campaign(acting_user=users["admin"], unit=tree["province"], title="X", documents=[],
                                starts_on=TODAY - datetime.timedelta(days=10), deadline=TODAY - datetime.timedelta(days=1))
    assert set(error.value.message_dict) == {"deadline", "documents"}


def test_only_the_organizing_office_or_above_creates_a_campaign(tree, users):
    for kind in ("same_secretary", "member", "other_secretary"):
        with pytest.raises(ActionDenied):
            actions.create_campaign(acting_user=users[kind], unit=tree["son_duong"], title="X", documents=[document()],
                                    starts_on=TODAY, deadline=TODAY)
    campaign = actions.create_campaign(acting_user=users["ancestor_staff"], unit=tree["son_duong"], title="X",
                                       documents=[document(22)], starts_on=TODAY, deadline=TODAY)
    assert campaign.unit == tree["son_duong"]


# --- the reflection flow moves the numbers to the root at once -----------------------------------------------

def test_accepted_reflection_moves_every_level_to_the_root(tree, people, users):
    campaign = campaign_for(tree["province"])
    me = people["self_member"]
    record = record_of(campaign, me)
    actions.submit_reflection(record, reflection_text="Bài thu hoạch", plan_text="Kế hoạch", acting_user=users["member"])
    for unit in ("province", "son_duong", "son_nam", "cell_a"):
        assert row(campaign, tree[unit])[2] == 1, unit
    assert row(campaign, tree["cell_b"])[2] == 0
    assert row(campaign, tree["yen_son"]) == (1, 0, 0, 0, 0, 0)
    actions.grade(record, result="passed", comment="Tốt", acting_user=users["same_secretary"])
    for unit in ("province", "son_duong", "son_nam", "cell_a"):
        assert row(campaign, tree[unit]) == ((2 if unit == "cell_a" else 3 if unit in ("son_duong", "son_nam") else 4),
                                             0, 1, 1, 0, 0), unit
    assert_recount_clean(campaign)


def test_grading_outside_ones_cell_or_own_record_is_refused(tree, people, users):
    campaign = campaign_for(tree["province"])
    record = record_of(campaign, people["a2"])
    actions.submit_reflection(record, reflection_text="Bài", plan_text="Kế hoạch",
                              acting_user=own_user(people["a2"]))
    for kind in ("other_secretary", "member", "anonymous"):
        with pytest.raises(ActionDenied):
            actions.grade(record, result="passed", acting_user=users[kind])
    # A secretary who is also a member never grades their own reflection.
    mine = record_of(campaign, people["self_member"])
    secretary = users["same_secretary"]
    people["self_member"].user = secretary
    people["self_member"].save(update_fields=["user"])
    people["self_member"].refresh_from_db()
    actions.submit_reflection(mine, reflection_text="Bài", plan_text="KH", acting_user=secretary)
    with pytest.raises(ActionDenied):
        actions.grade(mine, result="passed", acting_user=secretary)
    assert record_of(campaign, people["self_member"]).reflection_status == "submitted"


def test_return_then_resubmit_then_fail_needs_comment(tree, people, users):
    campaign = campaign_for(tree["cell_a"])
    record = record_of(campaign, people["self_member"])
    actions.submit_reflection(record, reflection_text="Bài", plan_text="KH", acting_user=users["member"])
    with pytest.raises(ValidationError) as error:
        actions.grade(record, result="returned", comment="", acting_user=users["same_secretary"])
    assert "comment" in error.value.message_dict
    actions.grade(record, result="returned", comment="Bổ sung kế hoạch", acting_user=users["same_secretary"])
    assert row(campaign, tree["cell_a"]) == (2, 0, 0, 0, 0, 0)
    with pytest.raises(ValidationError):
        actions.grade(record, result="passed", acting_user=users["same_secretary"])  # nothing awaiting grading
    actions.submit_reflection(record, reflection_text="Bài sửa", plan_text="KH sửa", acting_user=users["member"])
    assert row(campaign, tree["cell_a"]) == (2, 0, 1, 0, 0, 0)
    with pytest.raises(ValidationError):  # already submitted: no change until graded
        actions.submit_reflection(record, reflection_text="x", plan_text="y", acting_user=users["member"])
    actions.grade(record, result="failed", comment="Chưa đạt", acting_user=users["same_secretary"])
    assert row(campaign, tree["cell_a"]) == (2, 0, 1, 0, 0, 0)
    with pytest.raises(ValidationError):
        actions.grade(record, result="excellent", comment="", acting_user=users["same_secretary"])
    assert_recount_clean(campaign)


def test_someone_elses_record_cannot_be_submitted(tree, people, users):
    campaign = campaign_for(tree["cell_a"])
    with pytest.raises(ActionDenied):
        actions.submit_reflection(record_of(campaign, people["a2"]), reflection_text="x", plan_text="y",
                                  acting_user=users["member"])


def test_reflection_files_checked_type_and_size(tree, people, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.QUANTRIET_STUDY_MAX_UPLOAD_BYTES = 2000
    campaign = campaign_for(tree["cell_a"])
    record = record_of(campaign, people["self_member"])
    with pytest.raises(ValidationError) as error:
        actions.submit_reflection(record, upload=SimpleUploadedFile("bai.pdf", b"MZ\x90\x00 not a pdf"),
                                  acting_user=users["member"])
    assert "file" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.submit_reflection(record, upload=SimpleUploadedFile("bai.pdf", b"%PDF-1.4\n" + b"x" * 3000),
                                  acting_user=users["member"])
    from django.template.defaultfilters import filesizeformat

    assert filesizeformat(2000) in " ".join(error.value.message_dict["file"])
    with pytest.raises(ValidationError):
        actions.submit_reflection(record, upload=SimpleUploadedFile("bai.exe", b"%PDF-1.4\nabc"), acting_user=users["member"])
    record.refresh_from_db()
    assert record.reflection_status == "none" and not record.reflection_file
    actions.submit_reflection(record, upload=SimpleUploadedFile("Bài thu hoạch.pdf", b"%PDF-1.4\nabc"),
                              acting_user=users["member"])
    record.refresh_from_db()
    assert record.reflection_status == "submitted"
    assert record.reflection_file_name == "Bài thu hoạch.pdf" and record.reflection_file_type == "application/pdf"
    assert list((tmp_path / "study").rglob("*.pdf"))


def test_writing_exemption_completes_with_attendance(tree, people, users):
    campaign = campaign_for(tree["cell_a"])
    record = record_of(campaign, people["a2"])
    with pytest.raises(ValidationError):
        actions.set_writing_exemption(record, exempt=True, reason="", acting_user=users["same_secretary"])
    actions.set_writing_exemption(record, exempt=True, reason="Cao tuổi, ốm", acting_user=users["same_secretary"])
    meeting = meeting_for(campaign, tree["cell_a"])
    attend(meeting, people["a2"])
    record.refresh_from_db()
    assert record.attended and record.completed
    assert row(campaign, tree["cell_a"]) == (2, 1, 0, 0, 0, 1)
    assert_recount_clean(campaign)


def test_individual_exemption_removes_from_target(tree, people, users):
    campaign = campaign_for(tree["son_nam"])
    actions.exempt_from_campaign(record_of(campaign, people["b1"]), reason="Đi viện dài ngày",
                                 acting_user=users["ancestor_staff"])
    assert row(campaign, tree["son_nam"]) == (2, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_b"]) == (0, 0, 0, 0, 0, 0)
    with pytest.raises(ActionDenied):
        actions.exempt_from_campaign(record_of(campaign, people["a2"]), reason="x", acting_user=users["other_secretary"])


# --- attendance --------------------------------------------------------------------------------------------

def meeting_for(campaign, unit, makeup=False):
    now = timezone.now()
    conference = Conference.objects.create(organizer=unit, title=f"Sinh hoạt {unit.code}", kind="cell_meeting")
    session = Session.objects.create(conference=conference, title="Phiên 1", starts_at=now,
                                     ends_at=now + datetime.timedelta(hours=2))
    site = Site.objects.create(conference=conference, name=unit.name, host_unit=unit, path="-")
    site.path = site.compute_path()
    site.save(update_fields=["path"])
    actions.link_session(campaign, conference=conference, makeup=makeup, acting_user=f.system_user())
    return session


def attend(session, member, status="present"):
    site = session.conference.sites.first()
    Attendance.objects.update_or_create(session=session, member=member, defaults=dict(
        site=site, status=status, method="checklist", checked_in_at=timezone.now(), recorded_at=timezone.now()))
    return actions.attendance_changed(session.pk, [member.pk])


def test_attendance_of_linked_sessions_and_makeup(tree, people, users):
    campaign = campaign_for(tree["son_nam"])
    main = meeting_for(campaign, tree["cell_a"])
    assert attend(main, people["self_member"]) == 1
    assert attend(main, people["a2"], status="absent") == 0
    makeup = meeting_for(campaign, tree["cell_a"], makeup=True)
    assert attend(makeup, people["a2"]) == 1
    assert row(campaign, tree["son_nam"]) == (3, 2, 0, 0, 0, 0)
    # A presence corrected to an absence takes the attendance back.
    assert attend(main, people["self_member"], status="absent") == 1
    assert row(campaign, tree["cell_a"]) == (2, 1, 0, 0, 0, 0)
    assert_recount_clean(campaign)


def test_linking_a_meeting_outside_the_campaign_or_scope_is_refused(tree, people, users):
    campaign = campaign_for(tree["son_duong"])
    other = Conference.objects.create(organizer=tree["cell_c"], title="Chi bộ C", kind="cell_meeting")
    with pytest.raises(ValidationError):
        actions.link_session(campaign, conference=other, acting_user=users["admin"])
    own = Conference.objects.create(organizer=tree["cell_a"], title="Chi bộ A", kind="cell_meeting")
    with pytest.raises(ActionDenied):
        actions.link_session(campaign, conference=own, acting_user=users["other_secretary"])
    actions.link_session(campaign, conference=own, acting_user=users["same_secretary"])
    with pytest.raises(ValidationError):
        actions.link_session(campaign, conference=own, acting_user=users["same_secretary"])


# --- moves ---------------------------------------------------------------------------------------------------

def test_transfer_moves_record_and_counters(tree, people, users):
    campaign = campaign_for(tree["province"])
    member = people["self_member"]
    actions.submit_reflection(record_of(campaign, member), reflection_text="Bài", plan_text="KH",
                              acting_user=users["member"])
    transfer = lifecycle.issue_transfer(member, to_unit=tree["cell_c"], kind="official", issued_on=TODAY,
                                        acting_user=users["admin"])
    lifecycle.confirm_transfer(transfer, confirmed_on=TODAY, acting_user=users["admin"])
    assert record_of(campaign, member).unit_id == tree["cell_c"].pk
    assert row(campaign, tree["province"]) == (4, 0, 1, 0, 0, 0)
    assert row(campaign, tree["son_duong"]) == (2, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_c"]) == (2, 0, 1, 0, 0, 0)
    assert_recount_clean(campaign)


def test_transfer_out_of_and_into_the_audience(tree, people, users):
    campaign = campaign_for(tree["son_duong"])
    member = people["b1"]
    t = lifecycle.issue_transfer(member, to_unit=tree["cell_c"], kind="official", issued_on=TODAY, acting_user=users["admin"])
    lifecycle.confirm_transfer(t, confirmed_on=TODAY, acting_user=users["admin"])
    assert record_of(campaign, member).state == RecordState.LEFT
    assert row(campaign, tree["son_duong"]) == (2, 0, 0, 0, 0, 0)
    newcomer = people["c1"]
    t = lifecycle.issue_transfer(newcomer, to_unit=tree["cell_b"], kind="official", issued_on=TODAY, acting_user=users["admin"])
    lifecycle.confirm_transfer(t, confirmed_on=TODAY, acting_user=users["admin"])
    assert record_of(campaign, newcomer).state == RecordState.TARGETED
    t = lifecycle.issue_transfer(member, to_unit=tree["cell_a"], kind="official", issued_on=TODAY, acting_user=users["admin"])
    lifecycle.confirm_transfer(t, confirmed_on=TODAY, acting_user=users["admin"])
    assert record_of(campaign, member).state == RecordState.TARGETED
    assert row(campaign, tree["son_duong"]) == (4, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_a"]) == (3, 0, 0, 0, 0, 0)
    assert_recount_clean(campaign)


def test_merge_creates_rows_and_moves_records_closed_campaign_stays_frozen(tree, people, users):
    live = campaign_for(tree["province"])
    old = actions.create_campaign(acting_user=users["admin"], unit=tree["province"], title="2022",
                                  documents=[document(18)], starts_on=D(2022, 7, 1), deadline=D(2022, 9, 30),
                                  today=D(2022, 7, 1))
    actions.open_campaign(old, acting_user=users["admin"], today=D(2022, 7, 1))
    actions.submit_reflection(record_of(live, people["a2"]), reflection_text="Bài", plan_text="KH",
                              acting_user=own_user(people["a2"]))
    merged = reorganize.merge([tree["son_nam"], tree["trung_son"]], parent=tree["province"], effective_on=TODAY,
                              into=reorganize.NewUnit("TQ-NEW", "Xã mới", UnitKind.objects.get(code="dang-bo-xa")),
                              acting_user=users["admin"])
    assert row(live, merged) == (4, 0, 1, 0, 0, 0)
    assert row(live, tree["son_nam"]) == (0, 0, 0, 0, 0, 0)
    assert row(live, tree["son_duong"]) == (0, 0, 0, 0, 0, 0)
    new_cell = Unit.objects.get(parent=merged, name="Chi bộ thôn A")
    assert record_of(live, people["a2"]).unit_id == new_cell.pk
    assert row(live, new_cell) == (2, 0, 1, 0, 0, 0)
    assert_recount_clean(live)
    # The 2022 campaign still reports against the 2022 units.
    assert record_of(old, people["a2"]).unit_id == tree["cell_a"].pk
    assert row(old, tree["son_nam"]) == (3, 0, 0, 0, 0, 0)
    assert CoverageCounter.objects.filter(campaign=old, unit=merged).count() == 0
    assert_recount_clean(old)


def test_campaign_unit_recreated_by_a_move_follows(tree, people, users):
    campaign = campaign_for(tree["son_nam"])
    new = reorganize.move(tree["son_nam"], new_parent=tree["yen_son"], effective_on=TODAY, acting_user=users["admin"])
    campaign.refresh_from_db()
    assert campaign.unit_id == new.pk
    assert row(campaign, new) == (3, 0, 0, 0, 0, 0)
    assert_recount_clean(campaign)


def test_refresh_targets_joins_admitted_and_drops_removed(tree, people, users):
    campaign = campaign_for(tree["son_nam"])
    newcomer = f.member(tree["cell_b"], "Mới Kết Nạp", status="probationary", official_date=None,
                        admission_date=TODAY - datetime.timedelta(days=5))
    lifecycle.remove(people["a2"], effective_on=TODAY, acting_user=users["admin"])
    with pytest.raises(ActionDenied):
        actions.refresh_targets(campaign, acting_user=users["same_secretary"])
    result = actions.refresh_targets(campaign, acting_user=users["ancestor_staff"])
    assert result == {"joined": 1, "left": 1, "rejoined_or_moved": 0}
    assert record_of(campaign, people["a2"]).state == RecordState.LEFT
    assert row(campaign, tree["son_nam"]) == (3, 0, 0, 0, 0, 0)
    assert row(campaign, tree["cell_b"]) == (2, 0, 0, 0, 0, 0)
    assert actions.refresh_targets(campaign, acting_user=users["ancestor_staff"]) == {
        "joined": 0, "left": 0, "rejoined_or_moved": 0}
    assert newcomer.pk in set(StudyRecord.objects.filter(campaign=campaign).values_list("member_id", flat=True))
    assert_recount_clean(campaign)


# --- recount command ------------------------------------------------------------------------------------------

def test_recount_command_reports_and_fixes(tree, people):
    campaign = campaign_for(tree["son_nam"])
    out = io.StringIO()
    call_command("recount-coverage", stdout=out)
    assert "0 difference(s)" in out.getvalue()
    CoverageCounter.objects.filter(campaign=campaign, unit=tree["cell_a"]).update(targeted=7)
    with pytest.raises(SystemExit) as exit_:
        call_command("recount-coverage", "--campaign", str(campaign.pk), stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_.value.code == 1
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("recount-coverage", "--fix", stdout=out, stderr=io.StringIO())
    assert "counted (7, 0, 0, 0, 0, 0), recounted (2, 0, 0, 0, 0, 0) (fixed)" in out.getvalue()
    assert row(campaign, tree["cell_a"]) == (2, 0, 0, 0, 0, 0)
    call_command("recount-coverage", stdout=io.StringIO())  # clean again: no SystemExit


def test_coverage_selector_reads_rows_and_agrees_with_baseline(tree, people, users):
    campaign = campaign_for(tree["province"])
    actions.submit_reflection(record_of(campaign, people["self_member"]), reflection_text="B", plan_text="K",
                              acting_user=users["member"])
    total, own, children = selectors.coverage(campaign, tree["province"])
    assert (total.targeted, total.submitted) == (4, 1)
    assert [(c.unit.code, c.targeted, c.submitted) for c in children] == [("TQ-SD", 3, 1), ("TQ-YS", 1, 0)]
    assert own.targeted == 0
    baseline = selectors.baseline_coverage(campaign, tree["son_duong"])
    assert baseline == {"targeted": 3, "attended": 0, "submitted": 1, "passed": 0, "quiz_passed": 0, "completed": 0}
    assert total.pct("submitted") == 25.0


# --- quiz ----------------------------------------------------------------------------------------------------------

def make_questions(doc, n=4):
    questions = []
    for i in range(n):
        questions.append(actions.add_question(doc, text=f"Câu hỏi {i}", kind="single", explanation="Vì …",
                                              options=[("Đúng", True), ("Sai", False), ("Sai nữa", False)],
                                              acting_user=f.system_user()))
    return questions


def correct_answers(attempt):
    return {str(q): list(Option.objects.filter(question_id=q, correct=True).values_list("pk", flat=True))
            for q in attempt.drawn}


def test_quiz_draw_check_pass_and_attempt_limit(tree, people, users):
    campaign = campaign_for(tree["cell_a"], quiz_required=True, quiz_questions=3, quiz_pass_percent=60,
                            quiz_max_attempts=2)
    make_questions(campaign.documents.first(), 5)
    record = record_of(campaign, people["self_member"])
    attempt = actions.start_quiz(record, acting_user=users["member"])
    assert len(attempt.drawn) == 3 and len(set(attempt.drawn)) == 3
    assert actions.start_quiz(record, acting_user=users["member"]).pk == attempt.pk  # no re-draw
    wrong = {str(q): [Option.objects.filter(question_id=q, correct=False).first().pk] for q in attempt.drawn}
    done = actions.submit_quiz(attempt, answers=wrong, acting_user=users["member"])
    assert (done.correct, done.score_percent, done.passed) == (0, 0, False)
    with pytest.raises(ValidationError):
        actions.submit_quiz(attempt, answers=wrong, acting_user=users["member"])
    second = actions.start_quiz(record, acting_user=users["member"])
    passed = actions.submit_quiz(second, answers=correct_answers(second), acting_user=users["member"])
    assert (passed.correct, passed.score_percent, passed.passed) == (3, 100, True)
    assert row(campaign, tree["cell_a"]) == (2, 0, 0, 0, 1, 0)
    with pytest.raises(ValidationError):
        actions.start_quiz(record, acting_user=users["member"])  # already passed
    assert_recount_clean(campaign)


def test_quiz_tampered_answers_refused(tree, people, users):
    campaign = campaign_for(tree["cell_a"], quiz_questions=2)
    questions = make_questions(campaign.documents.first(), 3)
    record = record_of(campaign, people["self_member"])
    attempt = actions.start_quiz(record, acting_user=users["member"])
    not_drawn = next(q for q in questions if q.pk not in attempt.drawn)
    other_option = Option.objects.filter(question=not_drawn).first().pk
    first = str(attempt.drawn[0])
    for tampered in ({str(not_drawn.pk): [other_option]}, {first: [other_option]}, {first: ["abc"]},
                     {"-1": [1]}, [1, 2], {first: [o.pk for o in Option.objects.filter(question_id=attempt.drawn[0])]}):
        with pytest.raises(ValidationError) as error:
            actions.submit_quiz(attempt, answers=tampered, acting_user=users["member"])
        assert "answers" in error.value.message_dict
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    with pytest.raises(ActionDenied):
        actions.submit_quiz(attempt, answers=correct_answers(attempt), acting_user=users["same_secretary"])


def test_question_needs_one_correct_answer(tree, users):
    doc = document()
    with pytest.raises(ValidationError) as error:
        actions.add_question(doc, text="?", kind="single", options=[("a", True), ("b", True)], acting_user=users["admin"])
    assert "options" in error.value.message_dict
    with pytest.raises(ActionDenied):
        actions.add_question(doc, text="?", kind="single", options=[("a", True), ("b", False)],
                             acting_user=users["same_secretary"])


# --- reminders and snapshots -------------------------------------------------------------------------------------

def test_daily_task_reminds_snapshots_and_is_idempotent(tree, people, users, mailoutbox, django_capture_on_commit_callbacks):
    from quantriet.conferences.models import Notification
    from quantriet.study import tasks

    people["a2"].email = "dung@example.vn"
    people["a2"].save(update_fields=["email"])
    campaign = campaign_for(tree["son_nam"], deadline=TODAY + datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        summary = tasks.daily()
    assert summary[campaign.pk]["reminders"]["members"] == 1  # the only member with an account
    assert summary[campaign.pk]["reminders"]["secretaries"] == 1  # sec_a of cell A (0% done)
    assert summary[campaign.pk]["snapshot_rows"] == CoverageCounter.objects.filter(campaign=campaign).count()
    assert Notification.objects.filter(user=users["member"]).count() == 1
    assert Notification.objects.filter(user=users["same_secretary"]).count() == 1
    assert [m.to for m in mailoutbox] == [["dung@example.vn"]]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.daily()
    assert Notification.objects.filter(user=users["member"]).count() == 1
    assert selectors.progress(campaign, tree["son_nam"])[-1]["targeted"] == 3


def test_no_reminder_far_from_the_deadline(tree, people, users):
    from quantriet.study import tasks

    campaign = campaign_for(tree["son_nam"], deadline=TODAY + datetime.timedelta(days=30))
    assert tasks.remind(campaign) == {"members": 0, "secretaries": 0}


# --- property: random record changes, transfers and merges keep the counters equal to the recount ----------------

operations = st.lists(
    st.tuples(st.sampled_from(["attend", "absent", "submit", "pass", "fail", "return", "quiz", "transfer", "merge",
                               "writing", "exempt"]),
              st.integers(0, 1000), st.integers(0, 1000)),
    min_size=1, max_size=14,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=operations)
def test_random_changes_transfers_and_merges_keep_counters_equal_to_recount(ops):
    with transaction.atomic():
        admin = f.system_user()
        root = f.unit("R", "Tỉnh", kind="tinh-uy")
        outside = f.unit("O", "Tỉnh khác", kind="tinh-uy")
        outside_cell = f.unit("O-1", "Chi bộ ngoài", parent=outside)
        f.member(outside_cell, "Người Ngoài")
        communes = [f.unit(f"C{i}", f"Xã {i}", kind="dang-bo-xa", parent=root) for i in range(3)]
        for i, commune in enumerate(communes):
            for j in range(2):
                cell = f.unit(f"C{i}-{j}", f"Chi bộ {i}-{j}", parent=commune)
                for k in range(2):
                    f.member(cell, admission_date=D(2010, 1, 1), official_date=D(2011, 1, 1))
        campaign = campaign_for(root, quiz_required=True, quiz_questions=1, quiz_max_attempts=20)
        make_questions(campaign.documents.first(), 2)
        session = meeting_for(campaign, root)
        serial = 0
        for op, a, b in ops:
            serial += 1
            records = list(StudyRecord.objects.filter(campaign=campaign).order_by("pk"))
            record = records[a % len(records)]
            member = record.member
            cells = list(Unit.objects.valid_on(TODAY).filter(kind__code="chi-bo").order_by("pk"))
            current_communes = list(Unit.objects.valid_on(TODAY).filter(kind__code="dang-bo-xa").order_by("pk"))
            try:
                if op in ("attend", "absent"):
                    attend(session, member, status="present" if op == "attend" else "absent")
                elif op == "submit":
                    actions.submit_reflection(record, reflection_text=f"Bài {serial}", plan_text="KH",
                                              acting_user=own_user(member))
                elif op in ("pass", "fail", "return"):
                    actions.grade(record, result={"pass": "passed", "fail": "failed", "return": "returned"}[op],
                                  comment="Nhận xét", acting_user=admin)
                elif op == "quiz":
                    attempt = actions.start_quiz(record, acting_user=own_user(member))
                    answers = correct_answers(attempt) if b % 2 else {}
                    actions.submit_quiz(attempt, answers=answers, acting_user=own_user(member))
                elif op == "writing":
                    actions.set_writing_exemption(record, exempt=bool(b % 2), reason="Ốm", acting_user=admin)
                elif op == "exempt":
                    actions.exempt_from_campaign(record, reason="Lý do", acting_user=admin)
                elif op == "transfer" and member.status in ACTIVE_STATUSES:
                    target = (cells + [outside_cell])[b % (len(cells) + 1)]
                    if target.valid_to is None:
                        transfer = lifecycle.issue_transfer(Member.objects.get(pk=member.pk), to_unit=target,
                                                            kind="official", issued_on=TODAY, acting_user=admin)
                        lifecycle.confirm_transfer(transfer, confirmed_on=TODAY, acting_user=admin)
                elif op == "merge" and len(current_communes) >= 2:
                    chosen = [current_communes[a % len(current_communes)], current_communes[b % len(current_communes)]]
                    reorganize.merge(list({u.pk: u for u in chosen}.values()), parent=root, effective_on=TODAY,
                                     into=reorganize.NewUnit(f"M{serial}", f"Xã mới {serial}",
                                                             UnitKind.objects.get(code="dang-bo-xa")),
                                     acting_user=admin)
            except ValidationError:
                pass  # refused operations must leave everything consistent too
            assert counters.recount(campaign) == [], (op, a, b)
            # Every targeted record sits at its member's current unit.
            for rec in StudyRecord.objects.filter(campaign=campaign, state=RecordState.TARGETED).select_related("member"):
                assert rec.unit_id == rec.member.unit_id
        transaction.set_rollback(True)
