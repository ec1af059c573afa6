"""Demo data of inspection and supervision: the 2023 programme of the Tuyên Quang provincial inspection
commission (Ủy ban Kiểm tra Tỉnh ủy), as the 2022–2023 tree stood.

- A thematic supervision of Đảng bộ huyện Sơn Dương (TQ-D1350) on its implementation of 21-NQ/TW and of its
  plan: self-report with a file, working notes of the team, the notice of conclusions 01-TB/UBKTTU issued on
  15/6/2023 with four recommendations — two closed on accepted evidence, one with a report awaiting review,
  one never reported on and overdue.
- An inspection of Đảng bộ huyện Yên Sơn (in progress, self-report requested) and a regular supervision of
  Đảng bộ thành phố Tuyên Quang (planned).

Units are looked up as valid on 22/7/2022 by their codes, so the history reads the same after the demo applies
the 2024/2025 reorganizations. Idempotent: nothing is done when the programme exists. Written through the
actions as the demo administrator.
"""
import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from quantriet.units.models import Unit

from . import actions
from .models import Item, Note, Program

D = datetime.date
REFERENCE = D(2022, 7, 22)
PROVINCE_CODE = "TQ"
SON_DUONG = "TQ-D1350"
YEN_SON = "TQ-D1606"
CITY = "TQ-D326"
TEAM_CELL = "TQ-KCQ/VPTU"
TITLE = "Chương trình kiểm tra, giám sát năm 2023 của Ủy ban Kiểm tra Tỉnh ủy Tuyên Quang"


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode("latin-1", "replace")
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def load_demo(stdout) -> None:
    admin = get_user_model().objects.filter(username="admin").first()
    units = Unit.objects.valid_on(REFERENCE)
    province = units.filter(code=PROVINCE_CODE).first()
    if admin is None or province is None or not units.filter(code=SON_DUONG).exists():
        stdout.write("Oversight: skipped (no demo administrator or units)")
        return
    if Program.objects.filter(unit=province, year=2023, body="commission").exists():
        stdout.write("Oversight: already loaded")
        return
    with transaction.atomic():
        counts = _load(admin, province, units)
    stdout.write("Oversight: 1 programme, {items} items, {recommendations} recommendations loaded".format(**counts))


def _load(admin, province, units) -> dict:
    from quantriet.documents.models import Document
    from quantriet.members.models import Member
    from quantriet.plans.models import Plan

    son_duong, yen_son, city = (units.get(code=c) for c in (SON_DUONG, YEN_SON, CITY))
    resolution = Document.objects.filter(canonical_number="21-NQ/TW").first()
    plan = Plan.objects.filter(unit=son_duong).exclude(number=None).order_by("issued_on").first()
    team = list(Member.objects.filter(unit__code=TEAM_CELL).order_by("pk")[:3])
    head, members = (team[0], team[1:]) if team else (None, [])
    program = actions.create_program(acting_user=admin, unit=province, body="commission", year=2023, title=TITLE)

    sup = actions.create_item(
        program, acting_user=admin, kind="supervision_thematic", subject_unit=son_duong,
        topic="việc lãnh đạo, chỉ đạo thực hiện Nghị quyết số 21-NQ/TW của Ban Chấp hành Trung ương Đảng (khóa XIII) "
              "về tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên",
        document=resolution, plan=plan, period_from=D(2022, 6, 16), period_to=D(2023, 3, 31),
        starts_on=D(2023, 5, 8), ends_on=D(2023, 5, 26), team_head=head, team_members=members)
    actions.request_self_report(sup, acting_user=admin, due_on=D(2023, 5, 5))
    actions.submit_self_report(
        sup, acting_user=admin,
        text="Ban Thường vụ Huyện ủy Sơn Dương đã tổ chức quán triệt Nghị quyết 21-NQ/TW đến 100% chi bộ, ban hành "
             "kế hoạch thực hiện ngày 05/10/2022 và phân công các đảng ủy xã, thị trấn cụ thể hóa.\n"
             "Năm 2022 kết nạp 312 đảng viên mới; còn 8 chi bộ xếp loại không hoàn thành nhiệm vụ.",
        file=_pdf("bao-cao-tu-kiem-tra-son-duong.pdf", "Bao cao tu kiem tra Huyen uy Son Duong"))
    actions.add_note(sup, acting_user=admin, kind="note",
                     text="Làm việc với Thường trực Huyện ủy ngày 10/5/2023; đề nghị bổ sung danh sách 8 chi bộ yếu.")
    actions.add_note(sup, acting_user=admin, kind="finding",
                     text="Dự thảo nhận xét: kế hoạch của Đảng ủy xã Sơn Nam chậm 8 ngày; một số chi bộ thôn chưa "
                          "sinh hoạt chuyên đề về Nghị quyết 21-NQ/TW.")
    # The actions stamp "now"; the demo happened in May 2023.
    local = timezone.get_current_timezone()
    Item.objects.filter(pk=sup.pk).update(self_report_at=datetime.datetime(2023, 5, 4, 16, 30, tzinfo=local))
    for note, day in zip(sup.notes.order_by("id"), (10, 24)):
        Note.objects.filter(pk=note.pk).update(created_at=datetime.datetime(2023, 5, day, 17, 0, tzinfo=local))
    actions.save_conclusion(
        sup, acting_user=admin, place="Tuyên Quang", signer_name="Hoàng Văn Toàn",
        strengths="Ban Thường vụ Huyện ủy đã kịp thời tổ chức học tập, quán triệt Nghị quyết; ban hành kế hoạch thực "
                  "hiện với nhiệm vụ, lộ trình cụ thể; công tác phát triển đảng viên đạt chỉ tiêu (3,1%).",
        shortcomings="Việc cụ thể hóa ở một số đảng ủy cơ sở còn chậm; chất lượng sinh hoạt chi bộ ở một số thôn "
                     "chưa cao; chưa kịp thời củng cố các chi bộ xếp loại không hoàn thành nhiệm vụ.",
        causes="Một số cấp ủy cơ sở chưa sâu sát; đội ngũ bí thư chi bộ thôn thay đổi nhiều, kinh nghiệm còn hạn chế.",
        recipients="- Ban Thường vụ Tỉnh ủy (b/c),\n- Ban Thường vụ Huyện ủy Sơn Dương,\n- Lưu Ủy ban Kiểm tra.")
    texts = [
        ("Chỉ đạo các đảng ủy xã, thị trấn còn chậm khẩn trương ban hành kế hoạch thực hiện Nghị quyết.", D(2023, 8, 31)),
        ("Rà soát, có giải pháp củng cố 8 chi bộ xếp loại không hoàn thành nhiệm vụ năm 2022.", D(2023, 12, 31)),
        ("Tổ chức sinh hoạt chuyên đề về Nghị quyết 21-NQ/TW ở tất cả chi bộ thôn, tổ dân phố.", D(2023, 10, 31)),
        ("Báo cáo kết quả khắc phục hạn chế, khuyết điểm về Ủy ban Kiểm tra Tỉnh ủy.", D(2024, 3, 31)),
    ]
    recommendations = [actions.add_recommendation(sup, acting_user=admin, text=t, deadline=d) for t, d in texts]
    actions.issue_conclusion(sup, acting_user=admin, issued_on=D(2023, 6, 15))
    for recommendation in recommendations:
        recommendation.refresh_from_db()
    for recommendation, as_of, closed in ((recommendations[0], D(2023, 8, 25), D(2023, 9, 5)),
                                          (recommendations[2], D(2023, 10, 20), D(2023, 11, 2))):
        report = actions.report_on_recommendation(
            recommendation, acting_user=admin, as_of=as_of, narrative="Đã thực hiện; gửi kèm văn bản minh chứng.",
            files=[_pdf(f"minh-chung-{recommendation.order}.pdf", "Minh chung thuc hien kien nghi")])
        actions.review_recommendation_report(report, acting_user=admin, accept=True)
        actions.close_recommendation(recommendation, acting_user=admin, closed_on=closed)
    actions.report_on_recommendation(
        recommendations[1], acting_user=admin, as_of=D(2023, 12, 20), progress=100,
        narrative="Đã củng cố 6/8 chi bộ; 2 chi bộ đang kiện toàn cấp ủy.",
        files=[_pdf("minh-chung-2.pdf", "Bao cao cung co chi bo")])  # awaiting review
    # recommendations[3]: no report, due 31/3/2024 — overdue.

    ins = actions.create_item(
        program, acting_user=admin, kind="inspection", subject_unit=yen_son,
        topic="việc thực hiện Quy chế làm việc và chế độ sinh hoạt chi bộ", period_from=D(2022, 1, 1),
        period_to=D(2022, 12, 31), starts_on=D(2023, 9, 11), ends_on=D(2023, 10, 6), team_head=head)
    actions.request_self_report(ins, acting_user=admin, due_on=D(2023, 9, 8))
    actions.create_item(
        program, acting_user=admin, kind="supervision_regular", subject_unit=city,
        topic="việc lãnh đạo thực hiện nhiệm vụ phát triển đảng viên", period_from=D(2023, 1, 1),
        period_to=D(2023, 12, 31), starts_on=D(2023, 1, 2), ends_on=D(2023, 12, 29))
    return {"items": 3, "recommendations": len(recommendations)}
