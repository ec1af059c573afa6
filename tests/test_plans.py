"""Plans and tasks: numbering, the three-level cascade and its roll-up, bad input, the property test,
and the concurrency of numbering on PostgreSQL."""
import datetime
import random
import threading
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from quantriet.core.actions import ActionDenied
from quantriet.core.models import AuditEntry
from quantriet.plans import actions, numbering, rollup, selectors
from quantriet.plans.models import Assignment, Plan, PlanStatus, Report, ReportStatus, Task, path_segment

COVERED_URLS: set[str] = set()  # the permission matrix is in test_plans_permissions.py

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def make_plan(admin, unit, title="Kế hoạch", *, assignment=None, issued_on=D(2022, 8, 1), kind="plan", issue=True):
    plan = actions.create_plan(acting_user=admin, unit=unit, title=title, kind=kind, assignment=assignment)
    if issue:
        plan = actions.issue_plan(plan, acting_user=admin, issued_on=issued_on)
    return plan


def task(admin, plan, title, lead, *, parent=None, weight="1", start=D(2022, 8, 1), deadline=D(2022, 12, 31)):
    return actions.create_task(plan, acting_user=admin, title=title, lead_unit=lead, parent=parent,
                               start_on=start, deadline=deadline, weight=weight)


def report(user, reviewer, t, progress, *, as_of=D(2022, 10, 1), accept=True, files=()):
    r = actions.submit_report(t, acting_user=user, as_of=as_of, progress=progress, files=files)
    if accept is not None:
        actions.review_report(r, acting_user=reviewer, accept=accept, note="" if accept else "Chưa đủ minh chứng")
    return r


# --- numbering ------------------------------------------------------------------------------

def test_term_boundaries():
    assert numbering.term_for(D(2022, 7, 22)) == "2020-2025"
    assert numbering.term_for(D(2020, 9, 30)) == "2015-2020"
    assert numbering.term_for(D(2020, 10, 1)) == "2020-2025"
    assert numbering.term_for(D(2026, 1, 1)) == "2025-2030"
    assert numbering.term_for(D(2000, 1, 1)) == "-2005"


def test_numbers_per_unit_type_and_term(users, tree):
    admin = users["admin"]
    province, son_duong = tree["province"], tree["son_duong"]
    first = make_plan(admin, province, "A")
    second = make_plan(admin, province, "B")
    programme = make_plan(admin, province, "C", kind="programme")
    district = make_plan(admin, son_duong, "D")
    old_term = make_plan(admin, province, "E", issued_on=D(2020, 5, 4))
    next_term = make_plan(admin, province, "F", issued_on=D(2025, 11, 2))
    assert [first.canonical_number, second.canonical_number] == ["01-KH/TU", "02-KH/TU"]
    assert programme.canonical_number == "01-CTr/TU"
    assert district.canonical_number == "01-KH/HU"
    assert (old_term.canonical_number, old_term.term) == ("01-KH/TU", "2015-2020")
    assert (next_term.canonical_number, next_term.term) == ("01-KH/TU", "2025-2030")
    assert first.status == PlanStatus.ISSUED and first.term == "2020-2025"
    # The issuer symbol is configurable per unit; ĐU is the default of a commune party committee.
    actions.set_issuer_symbol(son_duong, "tu", acting_user=admin)
    assert make_plan(admin, son_duong, "G").canonical_number == "02-KH/TU"
    assert make_plan(admin, tree["son_nam"], "H").canonical_number == "01-KH/ĐU"
    with pytest.raises(ValidationError) as error:
        actions.set_issuer_symbol(son_duong, "T U/1", acting_user=admin)
    assert "symbol" in error.value.message_dict


def test_sequential_uniqueness_many_plans(users, tree):
    admin = users["admin"]
    numbers = {"province": [], "son_duong": []}
    for index in range(30):
        key = "province" if index % 3 else "son_duong"
        numbers[key].append(make_plan(admin, tree[key], f"P{index}").number)
    assert numbers["province"] == list(range(1, 21))
    assert numbers["son_duong"] == list(range(1, 11))
    assert Plan.objects.filter(number__isnull=False).count() == 30


def test_issue_is_refused_twice_and_in_the_future(users, tree):
    admin = users["admin"]
    plan = make_plan(admin, tree["province"], issue=False)
    with pytest.raises(ValidationError) as error:
        actions.issue_plan(plan, acting_user=admin, issued_on=datetime.date.today() + datetime.timedelta(days=2))
    assert "issued_on" in error.value.message_dict
    assert Plan.objects.get(pk=plan.pk).number is None
    actions.issue_plan(plan, acting_user=admin, issued_on=D(2022, 8, 1))
    with pytest.raises(ValidationError):
        actions.issue_plan(plan, acting_user=admin, issued_on=D(2022, 8, 2))
    assert Plan.objects.get(pk=plan.pk).canonical_number == "01-KH/TU"


def test_lifecycle_amend_close_and_history(users, tree):
    admin = users["admin"]
    plan = make_plan(admin, tree["province"])
    with pytest.raises(ValidationError) as error:
        actions.amend_plan(plan, acting_user=admin, amended_on=D(2022, 7, 1), reason="x")
    assert "amended_on" in error.value.message_dict
    plan = actions.amend_plan(plan, acting_user=admin, amended_on=D(2022, 9, 1), reason="Bổ sung nhiệm vụ")
    assert plan.status == PlanStatus.AMENDED
    t = task(admin, plan, "Việc", tree["son_duong"])
    plan = actions.close_plan(plan, acting_user=admin, closed_on=D(2023, 1, 1))
    assert plan.status == PlanStatus.CLOSED
    with pytest.raises(ValidationError):
        task(admin, plan, "Việc mới", tree["son_duong"])
    with pytest.raises(ValidationError):
        actions.update_task(t, acting_user=admin, title="đổi")
    actions_seen = list(selectors.plan_history(plan).values_list("action", flat=True))
    assert actions_seen == ["plan.close", "plan.task.create", "plan.amend", "plan.issue", "plan.create"]


def test_signed_document_is_checked_by_content(users, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = users["admin"]
    plan = make_plan(admin, tree["province"])
    with pytest.raises(ValidationError) as error:
        actions.attach_signed_document(plan, SimpleUploadedFile("ky.pdf", b"MZ\x90\x00 not a pdf"), acting_user=admin)
    assert "file" in error.value.message_dict
    plan.refresh_from_db()
    assert plan.signed_name == ""
    plan = actions.attach_signed_document(plan, SimpleUploadedFile("35-KH-TU.pdf", PDF), acting_user=admin)
    assert (plan.signed_name, plan.signed_content_type, plan.signed_size) == ("35-KH-TU.pdf", "application/pdf", len(PDF))
    with pytest.raises(ActionDenied):
        actions.attach_signed_document(plan, SimpleUploadedFile("x.pdf", PDF), acting_user=users["ancestor_staff"])


# --- the three-level cascade ----------------------------------------------------------------

@pytest.fixture
def cascade(users, tree):
    """Province plan → Sơn Dương's child plan → Sơn Nam's child plan; Yên Sơn owes its plan (overdue)."""
    admin = users["admin"]
    province = make_plan(admin, tree["province"], "Kế hoạch thực hiện Nghị quyết 21-NQ/TW")
    t1 = task(admin, province, "Củng cố tổ chức cơ sở đảng", tree["province"], weight="3")
    t2 = task(admin, province, "Sơ kết", tree["province"], weight="1")
    a_sd = actions.add_assignment(t1, acting_user=admin, unit=tree["son_duong"], due_on=D(2022, 9, 30))
    a_ys = actions.add_assignment(t1, acting_user=admin, unit=tree["yen_son"], due_on=D(2022, 9, 30))
    district = make_plan(admin, tree["son_duong"], "Kế hoạch của Huyện ủy Sơn Dương", assignment=a_sd,
                         issued_on=D(2022, 9, 15))
    d1 = task(admin, district, "Chỉ đạo xã", tree["son_duong"])
    d1a = task(admin, district, "Kiểm tra", tree["son_nam"], parent=d1)
    d2 = task(admin, district, "Học tập", tree["son_duong"])
    a_sn = actions.add_assignment(d1, acting_user=admin, unit=tree["son_nam"], due_on=D(2022, 10, 15), weight="2")
    commune = make_plan(admin, tree["son_nam"], "Kế hoạch của Đảng ủy xã Sơn Nam", assignment=a_sn,
                        issued_on=D(2022, 10, 20))
    c1 = task(admin, commune, "Chi bộ thôn A", tree["cell_a"])
    c2 = task(admin, commune, "Chi bộ thôn B", tree["cell_b"], weight="3")
    return {"province": province, "district": district, "commune": commune, "t1": t1, "t2": t2, "d1": d1,
            "d1a": d1a, "d2": d2, "c1": c1, "c2": c2, "a_sd": a_sd, "a_ys": a_ys, "a_sn": a_sn}


def test_three_level_cascade_rolls_up_exactly(cascade, users, tree):
    admin, c = users["admin"], cascade
    assert c["c1"].path.startswith(c["d1"].path) and c["d1"].path.startswith(c["t1"].path)
    assert c["c1"].depth == 2
    report(admin, admin, c["c1"], "80")
    report(admin, admin, c["c2"], "40")
    report(admin, admin, c["d1a"], "20")
    report(admin, admin, c["d2"], "60")
    report(admin, admin, c["t2"], "100", as_of=D(2022, 11, 30))
    report(admin, admin, c["c1"], "10", accept=None)  # submitted, not accepted: does not count
    report(admin, admin, c["c2"], "90", accept=False)  # returned: does not count
    data = rollup.for_plan(c["province"], today=D(2022, 11, 1))
    # commune plan: (1·80 + 3·40) / 4 = 50; d1: (subtask 1·20 + assignment 2·50) / 3 = 40
    assert data.plan_progress(c["commune"].pk) == Decimal("50.00")
    assert data.state(c["d1"]).exact == Fraction(40)
    # district plan: (40 + 60) / 2 = 50; t1: (Sơn Dương 1·50 + Yên Sơn 1·0) / 2 = 25
    assert data.plan_progress(c["district"].pk) == Decimal("50.00")
    assert data.state(c["t1"]).exact == Fraction(25)
    # province: (3·25 + 1·100) / 4 = 43.75
    assert data.plan_exact(c["province"].pk) == Fraction(175, 4)
    assert data.plan_progress(c["province"].pk) == Decimal("43.75")
    # statuses and child plans, as the province's page sees them
    assert data.state(c["t2"]).status == rollup.TaskStatus.DONE
    assert data.assignment_states[c["a_sd"].pk].plan_status == rollup.ChildPlanStatus.ON_TIME
    assert data.assignment_states[c["a_ys"].pk].plan_status == rollup.ChildPlanStatus.OVERDUE
    district_view = rollup.for_plan(c["district"], today=D(2022, 11, 1))
    assert district_view.assignment_states[c["a_sn"].pk].plan_status == rollup.ChildPlanStatus.LATE
    # a new report at the bottom moves the top: c2 → 100: commune (80+300)/4 = 95; d1 (20+190)/3 = 70;
    # district (70+60)/2 = 65; t1 32.5; province (97.5+100)/4 = 49.375 → 49.38 shown
    report(admin, admin, c["c2"], "100", as_of=D(2022, 11, 2))
    data = rollup.for_plan(c["province"], today=D(2022, 11, 3))
    assert data.plan_exact(c["province"].pk) == Fraction(395, 8)
    assert data.plan_progress(c["province"].pk) == Decimal("49.38")


def test_parent_page_shows_missing_child_plan_as_overdue(cascade, client_for, users):
    from django.urls import reverse

    client = client_for("admin")
    response = client.get(reverse("plans:detail", kwargs={"pk": cascade["province"].pk}))
    assert response.status_code == 200
    states = {a.unit.code: s.plan_status for row in response.context["rows"] for a, s in row["assignments"]}
    assert states == {"TQ-SD": "on_time", "TQ-YS": "overdue"}
    assert "Chưa ban hành, quá hạn" in response.content.decode()  # "Not issued, overdue" in Vietnamese
    assert reverse("plans:detail", kwargs={"pk": cascade["district"].pk}) in response.content.decode()


def test_reports_are_refused_where_they_do_not_belong(cascade, users, tree):
    admin, c = users["admin"], cascade
    with pytest.raises(ValidationError) as error:  # progress of a task that rolls up
        actions.submit_report(c["t1"], acting_user=admin, as_of=D(2022, 10, 1), progress="50")
    assert "progress" in error.value.message_dict
    actions.submit_report(c["t1"], acting_user=admin, as_of=D(2022, 10, 1), narrative="Tình hình chung")
    for bad in ("101", "-1", "abc", "NaN", "12.345", None):
        with pytest.raises(ValidationError) as error:
            actions.submit_report(c["c1"], acting_user=admin, as_of=D(2022, 10, 1), progress=bad)
        assert "progress" in error.value.message_dict, bad
    with pytest.raises(ValidationError) as error:
        actions.submit_report(c["c1"], acting_user=admin, as_of=D(2022, 7, 1), progress="5")
    assert "as_of" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.submit_report(c["c1"], acting_user=admin, as_of=D(2022, 10, 1), progress="5",
                              files=[SimpleUploadedFile("minh-chung.pdf", b"not a pdf")])
    assert "files" in error.value.message_dict
    # the secretary of Chi bộ thôn A reports on its task, not on thôn B's
    secretary = users["same_secretary"]
    actions.submit_report(c["c1"], acting_user=secretary, as_of=D(2022, 10, 1), progress="5")
    with pytest.raises(ActionDenied):
        actions.submit_report(c["c2"], acting_user=secretary, as_of=D(2022, 10, 1), progress="5")
    # only the assigning unit reviews: the district office reviews Sơn Nam's plan, not the province's
    r = actions.submit_report(c["t2"], acting_user=admin, as_of=D(2022, 10, 1), progress="5")
    with pytest.raises(ActionDenied):
        actions.review_report(r, acting_user=users["ancestor_staff"], accept=True)
    with pytest.raises(ValidationError) as error:
        actions.review_report(r, acting_user=admin, accept=False, note="  ")
    assert "note" in error.value.message_dict
    actions.review_report(r, acting_user=admin, accept=True)
    with pytest.raises(ValidationError):
        actions.review_report(r, acting_user=admin, accept=True)
    assert Report.objects.filter(status=ReportStatus.ACCEPTED).count() == 1


def test_bad_task_input(cascade, users, tree):
    admin, c = users["admin"], cascade
    plan = c["province"]
    count = Task.objects.count()
    cases = [
        (dict(start=D(2022, 9, 1), deadline=D(2022, 8, 1)), "deadline"),
        (dict(weight="0"), "weight"),
        (dict(weight="-2"), "weight"),
        (dict(weight="x"), "weight"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as error:
            task(admin, plan, "Sai", tree["son_duong"], **kwargs)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # a lead unit outside the issuing unit's subtree
        task(admin, c["district"], "Sai", tree["yen_son"])
    assert "lead_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        task(admin, plan, "Sai", tree["son_duong"], parent=c["d1"])  # a parent from another plan
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.update_task(c["t1"], acting_user=admin, deadline=D(2022, 1, 1))
    assert "deadline" in error.value.message_dict
    assert Task.objects.count() == count
    # circular parents
    with pytest.raises(ValidationError) as error:
        actions.move_task(c["d1"], acting_user=admin, parent=c["d1a"])
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.move_task(c["d1"], acting_user=admin, parent=c["d1"])
    # assignments: only subordinate units, due before the deadline, positive weight, once
    with pytest.raises(ValidationError) as error:
        actions.add_assignment(c["d2"], acting_user=admin, unit=tree["yen_son"], due_on=D(2022, 9, 1))
    assert "unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_assignment(c["d2"], acting_user=admin, unit=tree["son_duong"], due_on=D(2022, 9, 1))
    assert "unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_assignment(c["d2"], acting_user=admin, unit=tree["son_nam"], due_on=D(2023, 9, 1))
    assert "due_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_assignment(c["d2"], acting_user=admin, unit=tree["son_nam"], due_on=D(2022, 9, 1), weight="0")
    assert "weight" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_assignment(c["d1"], acting_user=admin, unit=tree["son_nam"], due_on=D(2022, 9, 1))
    assert "unit" in error.value.message_dict
    # milestones inside the task's dates
    with pytest.raises(ValidationError) as error:
        actions.add_milestone(c["d2"], acting_user=admin, title="Mốc", due_on=D(2023, 2, 1))
    assert "due_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_indicator(c["d2"], acting_user=admin, name="Tỷ lệ", unit_of_measure="%", target="abc")
    assert "target" in error.value.message_dict


def test_child_plan_only_for_the_assigned_unit(cascade, users, tree):
    admin, c = users["admin"], cascade
    with pytest.raises(ValidationError) as error:  # Sơn Dương's assignment concretized by Yên Sơn
        actions.create_plan(acting_user=admin, unit=tree["yen_son"], title="Sai", assignment=c["a_sd"])
    assert "assignment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # already concretized
        actions.create_plan(acting_user=admin, unit=tree["son_duong"], title="Lần hai", assignment=c["a_sd"])
    assert "assignment" in error.value.message_dict
    with pytest.raises(ActionDenied):  # the Sơn Dương office cannot issue Yên Sơn's plan
        actions.create_plan(acting_user=users["ancestor_staff"], unit=tree["yen_son"], title="x", assignment=c["a_ys"])
    plan = actions.create_plan(acting_user=admin, unit=tree["yen_son"], title="Kế hoạch Yên Sơn", assignment=c["a_ys"])
    root = task(admin, plan, "Việc", tree["trung_son"])
    assert root.path == c["t1"].path + path_segment(root.pk)
    # deleting or unassigning under a child plan is refused
    with pytest.raises(ValidationError):
        actions.delete_task(c["t1"], acting_user=admin)
    with pytest.raises(ValidationError):
        actions.remove_assignment(c["a_sd"], acting_user=admin)


def test_moving_a_task_moves_its_cascade(cascade, users):
    admin, c = users["admin"], cascade
    actions.move_task(c["t1"], acting_user=admin, parent=c["t2"])
    for key in ("t1", "d1", "d1a", "c1", "c2"):
        c[key].refresh_from_db()
    assert c["t1"].path == c["t2"].path + path_segment(c["t1"].pk)
    assert c["c1"].path.startswith(c["t1"].path) and c["c1"].depth == 3
    assert c["d1a"].path == c["d1"].path + path_segment(c["d1a"].pk)
    entry = AuditEntry.objects.filter(action="plan.task.move").get()
    assert entry.before["parent"] is None and entry.after["parent"] == c["t2"].pk


def test_warnings_for_units(cascade, users, tree, settings):
    settings.QUANTRIET_PLAN_WARNINGS = {"due_soon_days": 10, "no_report_days": 20}
    admin, c = users["admin"], cascade
    actions.add_indicator(c["c1"], acting_user=admin, name="Đảng viên hoàn thành tốt nhiệm vụ", unit_of_measure="%",
                          baseline="80", target="90")
    indicator = c["c1"].indicators.get()
    r = actions.submit_report(c["c1"], acting_user=admin, as_of=D(2022, 12, 10), progress="50",
                              values={indicator.pk: "81"})
    actions.review_report(r, acting_user=admin, accept=True)
    found, _data = selectors.warnings_for_unit(tree["son_nam"], today=D(2022, 12, 25))
    kinds = sorted((w.kind, w.task.title) for w in found)
    assert kinds == [
        ("due_soon", "Chi bộ thôn A"), ("due_soon", "Chi bộ thôn B"), ("due_soon", "Kiểm tra"),
        ("no_report", "Chi bộ thôn B"), ("no_report", "Kiểm tra"), ("off_track", "Chi bộ thôn A"),
    ]
    found, _data = selectors.warnings_for_unit(tree["province"], today=D(2023, 1, 5))
    kinds = {(w.kind, w.unit.code) for w in found if w.kind in ("plan_missing", "overdue")}
    assert ("plan_missing", "TQ-YS") in kinds and ("overdue", "TQ") in kinds
    assert ("plan_missing", "TQ-SD") not in kinds


# --- the property test ----------------------------------------------------------------------

def naive_progress(task_obj) -> Fraction:
    """From scratch, object by object, without paths."""
    subs = list(Task.objects.filter(parent=task_obj))
    assigns = list(Assignment.objects.filter(task=task_obj))
    if not subs and not assigns:
        last = Report.objects.filter(task=task_obj, status=ReportStatus.ACCEPTED, progress__isnull=False).order_by(
            "as_of", "id").last()
        return Fraction(last.progress) if last else Fraction(0)
    pairs = [(Fraction(s.weight), naive_progress(s)) for s in subs]
    for a in assigns:
        child = Plan.objects.filter(assignment=a).first()
        pairs.append((Fraction(a.weight), naive_plan(child) if child else Fraction(0)))
    total = sum(w for w, _ in pairs)
    return sum(w * p for w, p in pairs) / total


def naive_plan(plan) -> Fraction:
    roots = list(Task.objects.filter(plan=plan, parent__isnull=True))
    total = sum(Fraction(t.weight) for t in roots)
    return sum(Fraction(t.weight) * naive_progress(t) for t in roots) / total if roots else Fraction(0)


def check_paths():
    for t in Task.objects.select_related("parent", "plan__assignment__task"):
        if t.parent_id:
            prefix = t.parent.path
        elif t.plan.assignment_id:
            prefix = t.plan.assignment.task.path
        else:
            prefix = ""
        assert t.path == prefix + path_segment(t.pk)
        assert t.depth == t.path.count(".") - 1


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["add", "move", "delete", "weight", "report", "assign"]),
              st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 100)),
    min_size=1, max_size=25,
)


@pytest.mark.django_db
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPERATIONS)
def test_rollup_equals_recomputation_after_random_edits(ops, cascade, users, tree):
    admin = users["admin"]
    units = [tree[k] for k in ("son_duong", "son_nam", "cell_a", "cell_b")]
    with transaction.atomic():
        for op, a, b, n in ops:
            tasks = list(Task.objects.order_by("pk"))
            t = tasks[a % len(tasks)]
            try:
                if op == "add":
                    parent = t if b % 3 else None
                    unit = [u for u in units + [tree["province"]] if u.path.startswith(t.plan.unit.path)][b % 2 if t.plan.unit.depth else 0]
                    task(admin, t.plan, f"Việc {n}", unit, parent=parent, weight=str(1 + n % 4))
                elif op == "move":
                    candidates = [x for x in tasks if x.plan_id == t.plan_id]
                    target = candidates[b % len(candidates)] if b % 4 else None
                    actions.move_task(t, acting_user=admin, parent=target)
                elif op == "delete":
                    actions.delete_task(t, acting_user=admin)
                elif op == "weight":
                    actions.update_task(t, acting_user=admin, weight=Decimal(1 + b % 7) / Decimal(2))
                elif op == "report":
                    report(admin, admin, t, str(n), as_of=D(2022, 8, 2) + datetime.timedelta(days=b % 100),
                           accept=bool(b % 5))
                elif op == "assign":
                    sub = [u for u in units if u.path.startswith(t.plan.unit.path) and u.pk != t.plan.unit_id]
                    if sub:
                        actions.add_assignment(t, acting_user=admin, unit=sub[b % len(sub)], due_on=D(2022, 9, 1),
                                               weight=str(1 + n % 3))
            except ValidationError:
                pass  # refused edits (circular moves, reports on rolled-up tasks, deletes under child plans …)
        check_paths()
        for plan in Plan.objects.all():
            data = rollup.for_plan(plan, today=D(2022, 11, 1))
            assert data.plan_exact(plan.pk) == naive_plan(plan)
            for t in plan.tasks.all():
                assert data.state(t).exact == naive_progress(t)
        transaction.set_rollback(True)


# --- concurrency on PostgreSQL --------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_never_shares_a_number(users, tree):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writes: the concurrency test needs PostgreSQL "
                    "(the sequential uniqueness test covers SQLite)")
    from django.db import connections

    admin = users["admin"]
    per_unit = 15
    drafts = [actions.create_plan(acting_user=admin, unit=tree[key], title=f"{key} {i}")
              for key in ("province", "son_duong") for i in range(per_unit)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def issue(plan):
        try:
            barrier.wait(timeout=30)
            actions.issue_plan(plan, acting_user=admin, issued_on=D(2022, 8, 1))
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(p,)) for p in random.sample(drafts, len(drafts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    for key, symbol in (("province", "TU"), ("son_duong", "HU")):
        numbers = sorted(Plan.objects.filter(unit=tree[key]).values_list("number", flat=True))
        assert numbers == list(range(1, per_unit + 1))
    assert Plan.objects.values("canonical_number").distinct().count() == 2 * per_unit


# --- the daily digest -----------------------------------------------------------------------

def test_daily_digest_reaches_the_responsible_once_a_day(cascade, users, tree, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    from django_q.models import Schedule

    from quantriet.plans import tasks
    from quantriet.plans.models import DigestLog, Notification
    from tests import factories as f

    office_ys = f.user("office_ys", "office", tree["yen_son"])
    office_ys.email = "vanphong.yenson@example.vn"
    office_ys.save()
    secretary_b = f.user("sec_b", "secretary", tree["cell_b"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = tasks.send_daily_digests(today=D(2022, 12, 25))
    notes = {n.user.username: n.text for n in Notification.objects.select_related("user")}
    # Yên Sơn owes its plan (86 days late); thôn B has no report since the start and is due in 6 days.
    assert "office_ys" in notes and "86" in notes["office_ys"] and "01-KH/TU" in notes["office_ys"]
    assert "Chi bộ thôn B" in notes["sec_b"] and "Chi bộ thôn A" not in notes["sec_b"]
    assert "sec_a" in notes  # same_secretary holds the role on thôn A, due in 6 days too
    assert sent == len(notes) == DigestLog.objects.filter(day=D(2022, 12, 25)).count()
    assert [m.to for m in mailoutbox] == [["vanphong.yenson@example.vn"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_daily_digests(today=D(2022, 12, 25)) == 0  # once a day
    assert len(mailoutbox) == 1 and secretary_b.plan_notifications.count() == 1
    assert Schedule.objects.filter(name="plans-daily-digest", func="quantriet.plans.tasks.send_daily_digests").count() == 1
    tasks.ensure_schedule()
    assert Schedule.objects.filter(name="plans-daily-digest").count() == 1
