"""Demo data: the 5th-plenum study campaign of the Tuyên Quang province committee, July–September 2022.

Idempotent (looked up by title and unit). The campaign is created and opened through the actions
as of 25/7/2022 against the 2022 tree (units valid on 22/7/2022); it is closed (past its deadline)
before the demo applies the 2024/2025 reorganizations, so it stays frozen against the 2022 units.

Progress is made up with a fixed seed and varies by district (a leading district near 95%
completion, a lagging upland one near 55%); it is written in bulk, then the counters are set by
the recount (the same code `quantriet recount-coverage --fix` runs), and daily snapshots from the
start to the deadline tell the story of the progress curve. A few reflections are graded through
the actions (with their audit entries).
"""
from __future__ import annotations

import datetime
import math
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from quantriet.documents.models import Document
from quantriet.units.models import Unit

from . import actions, counters
from .models import FLAGS, Campaign, CampaignSession, CoverageCounter, CoverageSnapshot, Question, ReflectionStatus, StudyRecord

TITLE = "Nghiên cứu, học tập, quán triệt Nghị quyết Hội nghị Trung ương 5 khóa XIII"
START = datetime.date(2022, 7, 25)
DEADLINE = datetime.date(2022, 9, 30)
REFERENCE = datetime.date(2022, 7, 22)
SEED = 20220725
NUMBERS = ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"]
#: Completion target per district (by position in the tree); others get the default.
DISTRICT_LEVELS = [0.95, 0.88, 0.55, 0.74, 0.82, 0.67, 0.9]

QUESTIONS_21 = [
    ("Nghị quyết 21-NQ/TW đặt mục tiêu hằng năm bao nhiêu phần trăm tổ chức cơ sở đảng và đảng viên được xếp loại "
     "“hoàn thành tốt nhiệm vụ” trở lên?", [("Trên 70%", False), ("Trên 80%", False), ("Trên 90%", True),
                                           ("100%", False)],
     "Mục tiêu cụ thể: hằng năm có trên 90% tổ chức cơ sở đảng và đảng viên hoàn thành tốt nhiệm vụ trở lên."),
    ("Đến năm nào 100% thôn, bản, tổ dân phố có đảng viên?", [("2023", False), ("2025", True), ("2030", False),
                                                             ("2045", False)],
     "Nghị quyết đặt mục tiêu đến năm 2025, 100% thôn, bản, tổ dân phố có đảng viên."),
    ("Đến năm 2030, mục tiêu về chi bộ ở thôn, bản, tổ dân phố là gì?",
     [("50% có chi bộ", False), ("80% có chi bộ", False), ("100% có chi bộ", True), ("Không đặt mục tiêu", False)],
     "Đến năm 2030, 100% thôn, bản, tổ dân phố có chi bộ."),
    ("Tỷ lệ kết nạp đảng viên mới hằng năm theo Nghị quyết 21-NQ/TW là bao nhiêu so với tổng số đảng viên?",
     [("1 - 2%", False), ("3 - 4%", True), ("5 - 6%", False), ("Trên 10%", False)],
     "Hằng năm kết nạp đảng viên mới đạt từ 3 - 4% tổng số đảng viên."),
    ("Nghị quyết 21-NQ/TW được ban hành tại hội nghị nào?",
     [("Hội nghị Trung ương 4 khóa XIII", False), ("Hội nghị Trung ương 5 khóa XIII", True),
      ("Hội nghị Trung ương 6 khóa XIII", False)],
     "Nghị quyết 21-NQ/TW ngày 16/6/2022, Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII."),
    ("Những nội dung nào thuộc chủ đề của Nghị quyết 21-NQ/TW? (chọn các ý đúng)",
     [("Củng cố, xây dựng tổ chức cơ sở đảng", True), ("Nâng cao chất lượng đội ngũ đảng viên", True),
      ("Chính sách đất đai", False), ("Kinh tế tập thể", False)],
     "Nghị quyết 21 về tổ chức cơ sở đảng và đội ngũ đảng viên; đất đai là Nghị quyết 18, kinh tế tập thể là "
     "Nghị quyết 20."),
]

REFLECTIONS = [
    "Qua nghiên cứu Nghị quyết 21-NQ/TW, bản thân nhận thức rõ hơn vai trò hạt nhân chính trị của chi bộ ở thôn. "
    "Tôi sẽ tham gia đầy đủ sinh hoạt chi bộ, góp ý xây dựng nghị quyết chi bộ sát với thực tế.",
    "Nghị quyết 19-NQ/TW mở ra hướng phát triển nông nghiệp sinh thái; gia đình tôi sẽ chuyển đổi một phần diện "
    "tích sang trồng cây ăn quả theo tiêu chuẩn VietGAP, vận động bà con cùng tham gia hợp tác xã.",
    "Bản thân học tập đầy đủ bốn nghị quyết; trong công tác sẽ tuyên truyền Luật Đất đai sửa đổi theo tinh thần "
    "Nghị quyết 18-NQ/TW đến các hộ dân trong tổ.",
]


def _admin():
    return get_user_model().objects.filter(username="admin").first()


def load_demo(stdout) -> None:
    admin = _admin()
    province = Unit.objects.filter(code="TQ").valid_on(REFERENCE).first()
    documents = [Document.objects.filter(canonical_number=n).order_by("issued_on").first() for n in NUMBERS]
    if admin is None or province is None or not all(documents):
        stdout.write("Study: skipped (the Tuyên Quang tree or the 5th-plenum resolutions are missing).")
        return
    existing = Campaign.objects.filter(title=TITLE, unit=province).first()
    if existing is not None:
        stdout.write(f"Study: the campaign “{TITLE}” is already there; nothing changed.")
        return
    with transaction.atomic():
        campaign = actions.create_campaign(
            acting_user=admin, unit=province, title=TITLE, documents=documents, starts_on=START, deadline=DEADLINE,
            description="Kế hoạch của Ban Thường vụ Tỉnh ủy: tổ chức nghiên cứu, học tập, quán triệt các Nghị quyết "
                        "18, 19, 20, 21-NQ/TW đến toàn thể cán bộ, đảng viên; mỗi đảng viên viết bài thu hoạch và "
                        "kế hoạch cá nhân; hoàn thành trước 30/9/2022.",
            quiz_required=False, quiz_questions=5, quiz_pass_percent=80, quiz_max_attempts=3, today=START)
        targeted = actions.open_campaign(campaign, acting_user=admin, today=START)
        _questions(documents[3], admin)
        _link_conference(campaign, province, admin)
        _progress(campaign, province, admin)
        counters.recount(campaign, fix=True)
        days = _snapshots(campaign, province)
    total = CoverageCounter.objects.get(campaign=campaign, unit=province)
    stdout.write(
        f"Study: campaign “{TITLE}” (Tỉnh ủy Tuyên Quang, 25/07–30/09/2022): {targeted} members targeted, "
        f"{total.attended} attended, {total.passed} reflections passed, {total.completed} completed; "
        f"{days} days of progress; quiz of {len(QUESTIONS_21)} questions on 21-NQ/TW.")


def _questions(document, admin) -> None:
    if Question.objects.filter(document=document).exists():
        return
    for text, options, explanation in QUESTIONS_21:
        kind = "multiple" if sum(1 for _t, c in options if c) > 1 else "single"
        actions.add_question(document, text=text, kind=kind, options=options, explanation=explanation,
                             acting_user=admin)


def _link_conference(campaign, province, admin) -> None:
    from quantriet.conferences.demo import TITLE as CONFERENCE_TITLE
    from quantriet.conferences.models import Conference

    conference = Conference.objects.filter(title=CONFERENCE_TITLE).first()
    if conference is not None:
        CampaignSession.objects.get_or_create(campaign=campaign, conference=conference,
                                              defaults={"unit": conference.organizer, "linked_by": admin})


def _level(unit_path: str, districts: dict[str, float]) -> float:
    for path, level in districts.items():
        if unit_path.startswith(path):
            return level
    return 0.8


def _progress(campaign, province, admin) -> None:
    """Bulk progress: attendance, reflections (submitted / passed / returned), quiz, completion."""
    rng = random.Random(SEED)
    districts = {}
    for index, district in enumerate(Unit.objects.filter(parent=province).valid_on(REFERENCE).order_by("code")):
        districts[district.path] = DISTRICT_LEVELS[index % len(DISTRICT_LEVELS)]
    records = list(StudyRecord.objects.filter(campaign=campaign).select_related("unit"))
    graded_at = timezone.make_aware(datetime.datetime(2022, 9, 20, 9, 0))
    changed = []
    for record in records:
        level = _level(record.unit.path, districts) + rng.uniform(-0.08, 0.05)
        record.attended = rng.random() < min(0.99, level + 0.05)
        if rng.random() < 0.04:  # elderly or ill: exempt from writing
            record.writing_exempt, record.writing_exempt_reason = True, "Cao tuổi, sức khỏe yếu"
        elif rng.random() < level:
            record.reflection_text = rng.choice(REFLECTIONS)
            record.plan_text = "Kế hoạch cá nhân: thực hiện nghiêm túc, báo cáo chi bộ hằng quý."
            record.submitted_at = graded_at - datetime.timedelta(days=rng.randint(3, 40))
            roll = rng.random()
            if roll < level:
                record.reflection_status, record.graded_at, record.graded_by = ReflectionStatus.PASSED, graded_at, admin
                record.grade_comment = "Đạt"
            elif roll < level + 0.05:
                record.reflection_status, record.graded_at, record.graded_by = ReflectionStatus.RETURNED, graded_at, admin
                record.grade_comment = "Cần bổ sung kế hoạch cá nhân cụ thể hơn."
            else:
                record.reflection_status = ReflectionStatus.SUBMITTED
        record.quiz_passed = rng.random() < level * 0.6
        record.completed = record.compute_completed(campaign)
        changed.append(record)
    StudyRecord.objects.bulk_update(changed, [
        "attended", "writing_exempt", "writing_exempt_reason", "reflection_text", "plan_text", "submitted_at",
        "reflection_status", "graded_at", "graded_by", "grade_comment", "quiz_passed", "completed"], batch_size=2000)


def _snapshots(campaign, province) -> int:
    """Daily figures from the start to the deadline for the province, districts and communes: the final
    counters scaled by an S-curve (most study happens in August)."""
    units = list(Unit.objects.filter(path__startswith=province.path, depth__lte=province.depth + 2)
                 .valid_on(REFERENCE).values_list("pk", flat=True))
    finals = {c.unit_id: c.values() for c in CoverageCounter.objects.filter(campaign=campaign, unit_id__in=units)}
    rows = []
    days = (DEADLINE - START).days + 1
    for offset in range(days):
        day = START + datetime.timedelta(days=offset)
        share = 1 / (1 + math.exp(-(offset - days * 0.4) / (days * 0.1)))
        for unit_id, final in finals.items():
            values = dict(zip(FLAGS, final))
            scaled = {name: (values[name] if name == "targeted" else int(round(values[name] * share))) for name in FLAGS}
            rows.append(CoverageSnapshot(campaign=campaign, unit_id=unit_id, day=day, **scaled))
    CoverageSnapshot.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return days


def load_current_campaign(stdout) -> Campaign | None:
    """A small current campaign on today's tree, for after the demo's reorganizations (see the report)."""
    admin = _admin()
    province = Unit.objects.filter(code__startswith="TQ", depth=1).valid_on().order_by("-valid_from").first()
    document = Document.objects.filter(canonical_number="21-NQ/TW").first()
    if admin is None or province is None or document is None:
        return None
    title = "Học tập chuyên đề năm 2026: nâng cao chất lượng sinh hoạt chi bộ theo Nghị quyết 21-NQ/TW"
    campaign = Campaign.objects.filter(title=title).first()
    if campaign is not None:
        return campaign
    today = timezone.localdate()
    with transaction.atomic():
        campaign = actions.create_campaign(acting_user=admin, unit=province, title=title, documents=[document],
                                           starts_on=today, deadline=today + datetime.timedelta(days=45),
                                           quiz_questions=5, quiz_pass_percent=80)
        targeted = actions.open_campaign(campaign, acting_user=admin)
    campaign.refresh_from_db()
    stdout.write(f"Study: current campaign “{title}” on today's tree: {targeted} members targeted.")
    return campaign
