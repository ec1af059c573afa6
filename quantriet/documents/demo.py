"""Demo data of the document library: the four resolutions of the 5th plenum, 13th term (DOMAIN.md §4).

Idempotent: each document is looked up by its number and date first, so a second run changes
nothing. Written through the actions as the demo administrator, so the audit log shows them.
"""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from quantriet.units.models import Unit

from . import actions
from .models import Document, Kind

ISSUED_ON = datetime.date(2022, 6, 16)
ISSUING_BODY = "Ban Chấp hành Trung ương"
ROOT_CODE = "TW"

RESOLUTIONS = [
    {
        "number": "18-NQ/TW",
        "title": "về tiếp tục đổi mới, hoàn thiện thể chế, chính sách, nâng cao hiệu lực, hiệu quả quản lý và sử dụng "
                 "đất, tạo động lực đưa nước ta trở thành nước phát triển có thu nhập cao",
        "summary": "Nghị quyết Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về đất đai: hoàn thiện "
                   "thể chế, chính sách về quản lý và sử dụng đất, khai thác hiệu quả nguồn lực đất đai cho phát triển.",
        "body": "",
    },
    {
        "number": "19-NQ/TW",
        "title": "về nông nghiệp, nông dân, nông thôn đến năm 2030, tầm nhìn đến năm 2045",
        "summary": "Nghị quyết Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về nông nghiệp, nông dân, "
                   "nông thôn: phát triển nông nghiệp sinh thái, nông thôn hiện đại, nông dân văn minh.",
        "body": "",
    },
    {
        "number": "20-NQ/TW",
        "title": "về tiếp tục đổi mới, phát triển và nâng cao hiệu quả kinh tế tập thể trong giai đoạn mới",
        "summary": "Nghị quyết Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về kinh tế tập thể: "
                   "đổi mới, phát triển hợp tác xã, tổ hợp tác và nâng cao hiệu quả kinh tế tập thể.",
        "body": "",
    },
    {
        "number": "21-NQ/TW",
        "title": "về tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên "
                 "trong giai đoạn mới",
        "summary": "Nghị quyết Hội nghị lần thứ năm Ban Chấp hành Trung ương Đảng khóa XIII về tổ chức cơ sở đảng "
                   "và đội ngũ đảng viên: củng cố tổ chức cơ sở đảng, nâng cao chất lượng sinh hoạt chi bộ và "
                   "chất lượng đảng viên.",
        "body": "Mục tiêu cụ thể:\n"
                "- Hằng năm có trên 90% tổ chức cơ sở đảng và đảng viên được đánh giá, xếp loại "
                "\"hoàn thành tốt nhiệm vụ\" trở lên.\n"
                "- Đến năm 2025, 100% thôn, bản, tổ dân phố có đảng viên.\n"
                "- Đến năm 2030, 100% thôn, bản, tổ dân phố có chi bộ.\n"
                "- Hằng năm kết nạp đảng viên mới đạt từ 3 - 4% tổng số đảng viên.",
    },
]


def load_demo(stdout) -> None:
    admin = get_user_model().objects.filter(username="admin").first()
    if admin is None:
        stdout.write("Documents: skipped (no demo administrator)")
        return
    issuing_unit = Unit.objects.filter(code=ROOT_CODE).first()
    created = 0
    with transaction.atomic():
        for item in RESOLUTIONS:
            if Document.objects.filter(canonical_number=item["number"], issued_on=ISSUED_ON).exists():
                continue
            actions.create_document(
                acting_user=admin, number=item["number"], kind=Kind.RESOLUTION, issuing_body=ISSUING_BODY,
                issuing_unit=issuing_unit, issued_on=ISSUED_ON, title=item["title"], summary=item["summary"],
                body=item["body"], unit=None,
            )
            created += 1
    total = Document.objects.filter(canonical_number__in=[r["number"] for r in RESOLUTIONS], issued_on=ISSUED_ON).count()
    stdout.write(f"Documents: {created} loaded, {total} resolutions of the 5th plenum in the library")
