"""Demo data of plans: Tuyên Quang's plan implementing 21-NQ/TW, cascaded to the district committees and
some of their communes (DOMAIN.md §4), as the 2022 tree stood.

- The province's plan (number 35-KH/TU: the sequence is seeded at 34, the plans the committee issued
  earlier in the 2020–2025 term) with four tasks and the indicators of 21-NQ/TW's targets.
- Its first task is assigned to the seven district committees (plans due 30/9/2022): five issue their plan,
  two of them late; Lâm Bình and Na Hang never do (they show as overdue on the province's page).
- Each district plan assigns a task to three of its communes (due 31/10/2022); two of the three issue a plan.
  Sơn Dương's list starts with xã Sơn Nam, whose plan has a task led by the cell of the demo secretary.
- Reports on the leaf tasks: most accepted, one waiting for review, one returned.

Units are looked up as valid on 22/7/2022 by their codes, so the data reads the same after the demo
applies the 2024/2025 reorganizations (tasks stay on the closed units, as history). Idempotent: nothing
is done when the province's plan exists. Written through the actions as the demo administrator.
"""
import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from quantriet.units.models import Unit

from . import actions
from .models import NumberSequence, Plan

D = datetime.date
REFERENCE = D(2022, 7, 22)
PROVINCE_CODE = "TQ"
TITLE = ("Kế hoạch thực hiện Nghị quyết số 21-NQ/TW, ngày 16/6/2022 của Ban Chấp hành Trung ương Đảng (khóa XIII) "
         "về tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên trong giai "
         "đoạn mới")
DISTRICTS = ["326", "1862", "1094", "582", "838", "1606", "1350"]
#: district code → day its plan was issued (None: never issued)
DISTRICT_ISSUED = {"326": D(2022, 9, 20), "1862": None, "1094": None, "582": D(2022, 9, 28),
                   "838": D(2022, 10, 12), "1606": D(2022, 9, 26), "1350": D(2022, 10, 5)}
SON_NAM = "TQ-1312070"
SECRETARY_CELL = "TQ-1312070/01"


def _units_2022():
    return Unit.objects.valid_on(REFERENCE)


def load_demo(stdout) -> None:
    admin = get_user_model().objects.filter(username="admin").first()
    province = _units_2022().filter(code=PROVINCE_CODE).first()
    if admin is None or province is None:
        stdout.write("Plans: skipped (no demo administrator or province)")
        return
    if Plan.objects.filter(unit=province, title=TITLE).exists():
        stdout.write("Plans: already loaded")
        return
    with transaction.atomic():
        counts = _load(admin, province)
    from .tasks import ensure_schedule

    ensure_schedule()
    stdout.write("Plans: {plans} plans ({missing} child plans missing), {tasks} tasks, {reports} reports loaded".format(
        **counts))


def _task(admin, plan, title, lead, start, deadline, *, parent=None, weight="1", output="", content=""):
    return actions.create_task(plan, acting_user=admin, title=title, lead_unit=lead, parent=parent, start_on=start,
                               deadline=deadline, weight=Decimal(weight), expected_output=output, content=content)


def _report(admin, task, as_of, progress, narrative, *, review="accept", values=None):
    report = actions.submit_report(task, acting_user=admin, as_of=as_of, progress=progress, narrative=narrative,
                                   values=values or {})
    if review == "accept":
        actions.review_report(report, acting_user=admin, accept=True)
    elif review == "return":
        actions.review_report(report, acting_user=admin, accept=False,
                              note="Đề nghị bổ sung số liệu và minh chứng kèm theo.")
    return report


def _load(admin, province) -> dict:
    from quantriet.documents.models import Document

    counts = {"plans": 0, "missing": 0, "tasks": 0, "reports": 0}
    resolution = Document.objects.filter(canonical_number="21-NQ/TW").first()
    units = _units_2022()
    districts = {code: units.get(code=f"TQ-D{code}") for code in DISTRICTS}
    city = districts["326"]
    actions.set_issuer_symbol(city, "TU", acting_user=admin)  # Thành ủy Tuyên Quang signs "…/TU" too
    # The plans the province issued earlier in the 2020–2025 term (before this system): 34 of them.
    NumberSequence.objects.get_or_create(unit=province, type_code="KH", term="2020-2025", defaults={"last": 34})

    plan = actions.create_plan(
        acting_user=admin, unit=province, title=TITLE, documents=[resolution] if resolution else [],
        summary="Quán triệt, cụ thể hóa Nghị quyết 21-NQ/TW; phân công cấp ủy các huyện, thành phố xây dựng kế "
                "hoạch thực hiện; kiểm tra, đôn đốc, định kỳ báo cáo kết quả.",
        place="Tuyên Quang", signer_name="Chẩu Văn Lâm",
        recipients="- Ban Bí thư Trung ương Đảng (b/c),\n- Ban Tổ chức Trung ương (b/c),\n"
                   "- Các huyện ủy, thành ủy,\n- Lưu Văn phòng Tỉnh ủy.",
    )
    plan = actions.issue_plan(plan, acting_user=admin, issued_on=D(2022, 8, 25))
    counts["plans"] += 1
    start, end = D(2022, 8, 25), D(2025, 12, 31)
    t1 = _task(admin, plan, "Nâng cao năng lực lãnh đạo, sức chiến đấu của tổ chức cơ sở đảng", province, start, end,
               weight="3", output="Kế hoạch của cấp ủy các huyện, thành phố; tổ chức cơ sở đảng được củng cố")
    actions.add_indicator(t1, acting_user=admin, name="Tổ chức cơ sở đảng xếp loại “hoàn thành tốt nhiệm vụ” trở lên "
                          "hằng năm", unit_of_measure="%", baseline="85", target="90")
    t2 = _task(admin, plan, "Nâng cao chất lượng đội ngũ đảng viên", province, start, end, weight="2")
    actions.add_indicator(t2, acting_user=admin, name="Đảng viên xếp loại “hoàn thành tốt nhiệm vụ” trở lên hằng năm",
                          unit_of_measure="%", baseline="86", target="90")
    t2a = _task(admin, plan, "Kết nạp đảng viên mới đạt 3–4% tổng số đảng viên mỗi năm", province, start, end,
                parent=t2)
    admission = actions.add_indicator(t2a, acting_user=admin, name="Tỷ lệ kết nạp đảng viên mới trong năm",
                                      unit_of_measure="%/năm", baseline="0", target="3")
    t3 = _task(admin, plan, "Bảo đảm thôn, bản, tổ dân phố có đảng viên và có chi bộ", province, start,
               D(2030, 12, 31), weight="2")
    t3a = _task(admin, plan, "100% thôn, bản, tổ dân phố có đảng viên", province, start, end, parent=t3)
    villages = actions.add_indicator(t3a, acting_user=admin, name="Thôn, bản, tổ dân phố có đảng viên",
                                     unit_of_measure="%", baseline="97", target="100")
    t3b = _task(admin, plan, "100% thôn, bản, tổ dân phố có chi bộ", province, start, D(2030, 12, 31), parent=t3)
    cells = actions.add_indicator(t3b, acting_user=admin, name="Thôn, bản, tổ dân phố có chi bộ",
                                  unit_of_measure="%", baseline="92", target="100")
    t4 = _task(admin, plan, "Sơ kết 3 năm, tổng kết thực hiện Nghị quyết", province, start, D(2025, 9, 30))
    actions.add_milestone(t4, acting_user=admin, title="Sơ kết 3 năm", due_on=D(2025, 6, 30))
    actions.add_milestone(t1, acting_user=admin, title="Các huyện ủy, thành ủy ban hành kế hoạch", due_on=D(2022, 9, 30))
    counts["tasks"] += 7
    _report(admin, t2a, D(2022, 12, 20), "35", "Năm 2022 kết nạp 2.016 đảng viên, đạt 3,2% tổng số đảng viên.",
            values={admission.pk: "3.2"})
    _report(admin, t2a, D(2023, 12, 20), "70", "Năm 2023 kết nạp 2.105 đảng viên, đạt 3,3%.", values={admission.pk: "3.3"})
    _report(admin, t3a, D(2023, 12, 20), "60", "Còn 12 thôn chưa có đảng viên.", values={villages.pk: "98.6"})
    _report(admin, t3b, D(2023, 12, 20), "30", "Còn 95 thôn, tổ dân phố chưa có chi bộ.", values={cells.pk: "93.1"},
            review="submitted")
    counts["reports"] += 4

    assignments = {code: actions.add_assignment(t1, acting_user=admin, unit=districts[code], due_on=D(2022, 9, 30))
                   for code in DISTRICTS}
    for code in DISTRICTS:
        issued = DISTRICT_ISSUED[code]
        if issued is None:
            counts["missing"] += 1
            continue
        _district_plan(admin, districts[code], assignments[code], issued, counts)
    return counts


def _district_plan(admin, district, assignment, issued, counts):
    plan = actions.create_plan(
        acting_user=admin, unit=district, assignment=assignment, place="Tuyên Quang",
        title=f"Kế hoạch của {district.name} thực hiện Nghị quyết số 21-NQ/TW của Ban Chấp hành Trung ương Đảng",
    )
    plan = actions.issue_plan(plan, acting_user=admin, issued_on=issued)
    counts["plans"] += 1
    start, end = issued, D(2025, 6, 30)
    d1 = _task(admin, plan, "Củng cố tổ chức cơ sở đảng ở các xã, thị trấn", district, start, end, weight="2")
    d2 = _task(admin, plan, "Rà soát, phân loại chất lượng chi bộ; củng cố chi bộ yếu", district, start,
               D(2023, 6, 30))
    d3 = _task(admin, plan, "Sinh hoạt chuyên đề về Nghị quyết 21-NQ/TW ở các chi bộ", district, start,
               D(2022, 12, 31))
    counts["tasks"] += 3
    communes = list(Unit.objects.valid_on(REFERENCE).filter(parent=district, kind__code="dang-bo-xa")
                    .order_by("code"))
    if district.code == "TQ-D1350":
        communes.sort(key=lambda unit: unit.code != SON_NAM)
    picked = communes[:3]
    for index, commune in enumerate(picked):
        commune_assignment = actions.add_assignment(d1, acting_user=admin, unit=commune, due_on=D(2022, 10, 31))
        if index == 2:
            counts["missing"] += 1
            continue
        commune_issued = D(2022, 10, 20) if index == 0 else D(2022, 11, 8)  # the second one late
        _commune_plan(admin, commune, commune_assignment, commune_issued, counts)
    _report(admin, d2, D(2023, 3, 31), "60", "Đã rà soát 100% chi bộ; 8 chi bộ xếp loại yếu đang được củng cố.")
    _report(admin, d3, D(2022, 12, 15), "100", "100% chi bộ đã sinh hoạt chuyên đề.")
    counts["reports"] += 2


def _commune_plan(admin, commune, assignment, issued, counts):
    plan = actions.create_plan(
        acting_user=admin, unit=commune, assignment=assignment,
        title=f"Kế hoạch của Đảng ủy {commune.name.removeprefix('Đảng bộ ')} thực hiện Nghị quyết số 21-NQ/TW",
    )
    plan = actions.issue_plan(plan, acting_user=admin, issued_on=issued)
    counts["plans"] += 1
    cell = Unit.objects.valid_on(REFERENCE).filter(code=SECRETARY_CELL).first() if commune.code == SON_NAM else None
    lead = cell or commune
    c1 = _task(admin, plan, "Duy trì sinh hoạt chi bộ định kỳ, nâng cao chất lượng sinh hoạt", lead, issued,
               D(2023, 12, 31), weight="2")
    c2 = _task(admin, plan, "Bồi dưỡng quần chúng ưu tú, kết nạp đảng viên mới", commune, issued, D(2023, 12, 31))
    counts["tasks"] += 2
    _report(admin, c1, D(2023, 3, 31), "50", "Các chi bộ sinh hoạt đều đặn hằng tháng.")
    if commune.code == SON_NAM:
        _report(admin, c2, D(2023, 6, 30), "40", "Đã giới thiệu 6 quần chúng ưu tú học lớp nhận thức về Đảng.",
                review="return")
    else:
        _report(admin, c2, D(2023, 6, 30), "75", "Kết nạp 4 đảng viên mới.")
    counts["reports"] += 2
