"""Demo data: the conference of the fixture article and a few months of cell meetings.

The fixture (/work/shared/fixtures/articles/000_f67d8bf9e908cdd6.txt) reports the closing, on
22/7/2022, of the Politburo's conference on the resolutions of the 5th plenum (13th term),
broadcast from the centre to the provincial sites "Trung tâm Hội nghị tỉnh", "Tuyên Quang",
"HĐND tỉnh", "huyện Sơn Dương" and on to the district committees and the 138 communes. Named
in it: Trương Thị Mai conveyed 21-NQ/TW; Võ Văn Thưởng gave the closing speech; Chẩu Văn Lâm,
Lê Thị Kim Dung and Nguyễn Văn Sơn attended at the provincial hall (here Chẩu Văn Lâm chairs it).

What is made up: who else is invited where (the leaders of the provincial agencies at the
provincial hall, the armed forces at the HĐND hall, cell secretaries at their district's
site, every other member of a commune at the commune's site), the attendance itself (drawn
with a fixed seed: ~90% present with device times around the start, some late, some excused
with a reason, a few absent) and the cell meetings (monthly, May–September 2022, in the
cells of xã Sơn Nam and of phường Phan Thiết, plus one today so the live check-in can be tried).

Every row is written through the actions (attendance through the offline batch path with
device times), so the counters, invitations and audit log are exactly what real use produces.
"""
from __future__ import annotations

import datetime
import random
import zoneinfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from quantriet.documents.models import Document
from quantriet.members.models import Member
from quantriet.units.models import Unit

from . import actions
from .models import AgendaRole, AttendanceStatus, AudienceKind, Conference, Kind, Method, Mode, UninvitedPolicy

TITLE = "Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Hội nghị Trung ương 5 khóa XIII"
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SEED = 20220722
RESOLUTIONS = ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW", "21-NQ/TW"]
REASONS = ["Ốm, nằm viện", "Đi công tác", "Việc gia đình", "Đi học tập trung", "Tuổi cao, sức yếu"]
MEETING_CELLS = ["TQ-1312070", "TQ-262470"]  # đảng bộ xã Sơn Nam; đảng bộ phường Phan Thiết
MONTH_TOPICS = [
    (5, "Sinh hoạt chi bộ định kỳ tháng 5/2022: kiểm điểm nhiệm vụ tháng, phát triển kinh tế hộ"),
    (6, "Sinh hoạt chuyên đề: học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    (7, "Sinh hoạt chi bộ tháng 7/2022: chuẩn bị học tập Nghị quyết Hội nghị Trung ương 5"),
    (8, "Sinh hoạt chi bộ tháng 8/2022: học tập Nghị quyết 21-NQ/TW, xây dựng chương trình hành động"),
    (9, "Sinh hoạt chi bộ tháng 9/2022: sơ kết 9 tháng, phát triển đảng viên mới"),
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _documents(stdout) -> list[Document]:
    found = {d.canonical_number: d for d in Document.objects.filter(canonical_number__in=RESOLUTIONS)
             .order_by("canonical_number", "-issued_on")}
    if len(found) < len(RESOLUTIONS):
        from quantriet.documents.demo import load_demo as load_documents

        load_documents(stdout)
        found = {d.canonical_number: d for d in Document.objects.filter(canonical_number__in=RESOLUTIONS)}
    return [found[n] for n in RESOLUTIONS if n in found]


def _member(name: str) -> Member | None:
    return Member.objects.filter(full_name=name).order_by("id").first()


def _attend(rng, *, session, site, admin, method=Method.QR_MEMBER, present_rate=0.9, spread=(-30, 20)):
    """Draw attendance for the members invited at a site: present (offline batch with device
    times), excused with a reason, absent, or not recorded."""
    members = list(site.invitations.order_by("member_id").values_list("member_id", flat=True))
    entries, excused, absent = [], [], []
    for member_id in members:
        draw = rng.random()
        if draw < present_rate:
            minutes = rng.randint(*spread)
            entries.append(actions.Entry(member_id=member_id, method=method,
                                         checked_in_at=session.starts_at + datetime.timedelta(minutes=minutes),
                                         late=None if method != Method.CHECKLIST else minutes > 15))
        elif draw < present_rate + (1 - present_rate) * 0.6:
            excused.append(member_id)
        elif draw < present_rate + (1 - present_rate) * 0.9:
            absent.append(member_id)
    if entries:
        actions.record_checkins(session=session, site=site, entries=entries, acting_user=admin, offline=True)
    for member_id in excused:
        actions.mark_attendance(session=session, site=site, member=Member(pk=member_id), status=AttendanceStatus.EXCUSED,
                                reason=rng.choice(REASONS), acting_user=admin)
    for member_id in absent:
        actions.mark_attendance(session=session, site=site, member=Member(pk=member_id), status=AttendanceStatus.ABSENT,
                                acting_user=admin)


def _conference(stdout, admin, documents) -> Conference:
    root = Unit.objects.get(code="TW")
    province = Unit.objects.get(code="TQ")
    conference = actions.create_conference(
        acting_user=admin, organizer=root, title=TITLE, kind=Kind.STUDY, mode=Mode.HYBRID,
        topic="Nghiên cứu, học tập, quán triệt 4 nghị quyết của Hội nghị lần thứ năm Ban Chấp hành Trung ương "
              "Đảng khóa XIII; truyền hình trực tuyến đến các huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy "
              "và 138 xã, phường, thị trấn.",
        uninvited_policy=UninvitedPolicy.RECORD_EXTRA, late_grace_minutes=15, documents=documents,
    )
    by_number = {d.canonical_number: d for d in documents}
    opening = actions.add_session(conference, acting_user=admin, title="Ngày thứ nhất",
                                  starts_at=_at(datetime.date(2022, 7, 21), 7, 30),
                                  ends_at=_at(datetime.date(2022, 7, 21), 11, 30))
    closing = actions.add_session(conference, acting_user=admin, title="Phiên bế mạc",
                                  starts_at=_at(datetime.date(2022, 7, 22), 7, 30),
                                  ends_at=_at(datetime.date(2022, 7, 22), 11, 30))
    mai, thuong, lam = _member("Trương Thị Mai"), _member("Võ Văn Thưởng"), _member("Chẩu Văn Lâm")
    if mai is not None:
        actions.add_agenda_item(closing, acting_user=admin, role=AgendaRole.PRESENTER, member=mai,
                                title="Truyền đạt Nghị quyết 21-NQ/TW về tăng cường củng cố, xây dựng tổ chức cơ sở "
                                      "đảng và nâng cao chất lượng đội ngũ đảng viên trong giai đoạn mới",
                                documents=[by_number["21-NQ/TW"]] if "21-NQ/TW" in by_number else [])
    else:
        actions.add_agenda_item(closing, acting_user=admin, role=AgendaRole.PRESENTER, person_name="Trương Thị Mai",
                                person_titles=["Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng",
                                               "Trưởng Ban Tổ chức Trung ương"],
                                documents=[by_number["21-NQ/TW"]] if "21-NQ/TW" in by_number else [])
    if thuong is not None:
        actions.add_agenda_item(closing, acting_user=admin, role=AgendaRole.CLOSING, member=thuong,
                                title="Phát biểu bế mạc hội nghị")
    else:
        actions.add_agenda_item(closing, acting_user=admin, role=AgendaRole.CLOSING, person_name="Võ Văn Thưởng",
                                person_titles=["Ủy viên Bộ Chính trị", "Thường trực Ban Bí thư"],
                                title="Phát biểu bế mạc hội nghị")

    central = actions.add_site(conference, acting_user=admin, name="Điểm cầu Trung ương", host_unit=root,
                               place="Hà Nội", expected_count=200)
    hall = actions.add_site(conference, acting_user=admin, name="Trung tâm Hội nghị tỉnh", host_unit=province,
                            parent=central, place="Trung tâm Hội nghị tỉnh Tuyên Quang", chair_member=lam,
                            expected_count=250)
    council = actions.add_site(conference, acting_user=admin, name="HĐND tỉnh", host_unit=province, parent=hall,
                               place="Hội trường HĐND tỉnh", expected_count=120)
    for name in ("Trương Thị Mai", "Võ Văn Thưởng"):
        member = _member(name)
        if member:
            actions.add_audience_rule(central, acting_user=admin, kind=AudienceKind.MEMBER, member=member)
    for name in ("Chẩu Văn Lâm", "Lê Thị Kim Dung", "Nguyễn Văn Sơn"):
        member = _member(name)
        if member:
            actions.add_audience_rule(hall, acting_user=admin, kind=AudienceKind.MEMBER, member=member)
    bloc = Unit.objects.filter(code="TQ-KCQ").first()
    if bloc:
        actions.add_audience_rule(hall, acting_user=admin, kind=AudienceKind.UNIT, unit=bloc)
    for code in ("TQ-QS", "TQ-CA"):
        unit = Unit.objects.filter(code=code).first()
        if unit:
            actions.add_audience_rule(council, acting_user=admin, kind=AudienceKind.UNIT, unit=unit)

    districts = Unit.objects.filter(parent=province, kind__code="huyen-uy").order_by("id")
    commune_sites = 0
    for district in districts:
        if district.name.startswith("Thành ủy Tuyên Quang"):
            name = "Tuyên Quang"
        elif district.name == "Huyện ủy Sơn Dương":
            name = "huyện Sơn Dương"
        else:
            name = district.name
        district_site = actions.add_site(conference, acting_user=admin, name=name, host_unit=district, parent=hall,
                                         place=f"Hội trường {district.name}", expected_count=80)
        actions.add_audience_rule(district_site, acting_user=admin, kind=AudienceKind.POSITION,
                                  position="Bí thư chi bộ", unit=district)
        for commune in Unit.objects.filter(parent=district, kind__code="dang-bo-xa").order_by("id"):
            site = actions.add_site(conference, acting_user=admin, name=commune.name, host_unit=commune,
                                    parent=district_site, place=f"Hội trường {commune.name.replace('Đảng bộ ', '')}",
                                    expected_count=commune.member_count)
            actions.add_audience_rule(site, acting_user=admin, kind=AudienceKind.UNIT, unit=commune)
            commune_sites += 1
    result = actions.build_invitations(conference, acting_user=admin)
    rng = random.Random(SEED)
    for session in (opening, closing):
        for site in conference.sites.order_by("path"):
            _attend(rng, session=session, site=site, admin=admin)
    stdout.write(f"Conferences: “{TITLE}”: {conference.sites.count()} sites ({commune_sites} communes), "
                 f"{result['invited']} invited, 2 sessions with attendance")
    return conference


def _cell_meetings(stdout, admin, documents) -> int:
    rng = random.Random(SEED + 1)
    made = 0
    by_number = {d.canonical_number: d for d in documents}
    for commune_code in MEETING_CELLS:
        commune = Unit.objects.filter(code=commune_code).first()
        if commune is None:
            continue
        for cell in Unit.objects.filter(parent=commune, kind__is_cell=True).order_by("code")[:3]:
            for month, topic in MONTH_TOPICS:
                day = datetime.date(2022, month, 5)
                docs = [by_number["21-NQ/TW"]] if month >= 8 and "21-NQ/TW" in by_number else []
                meeting = actions.create_cell_meeting(
                    acting_user=admin, unit=cell, title=f"Sinh hoạt {cell.name} tháng {month}/2022",
                    starts_at=_at(day, 19, 30), ends_at=_at(day, 21, 30), topic=topic,
                    place="Nhà văn hóa" if "thôn" in cell.name or "tổ" in cell.name else "Phòng họp cơ quan",
                    documents=docs, notify=False)
                site, session = meeting.sites.get(), meeting.sessions.get()
                _attend(rng, session=session, site=site, admin=admin, method=Method.CHECKLIST,
                        present_rate=0.85, spread=(-10, 20))
                made += 1
    # One meeting of the demo secretary's cell running now, to try the checklist and the QR check-in.
    cell = Unit.objects.filter(code="TQ-1312070/01").first()
    if cell is not None:
        now = timezone.localtime()
        start = now.replace(minute=0, second=0, microsecond=0)
        actions.create_cell_meeting(
            acting_user=admin, unit=cell, title=f"Sinh hoạt {cell.name} (buổi điểm danh thử)",
            starts_at=start, ends_at=start + datetime.timedelta(hours=3), topic=MONTH_TOPICS[3][1],
            place="Nhà văn hóa", documents=[by_number["21-NQ/TW"]] if "21-NQ/TW" in by_number else [],
            notify=True)
        made += 1
    stdout.write(f"Conferences: {made} cell meetings")
    return made


def load_demo(stdout) -> None:
    """Idempotent: does nothing when the article's conference is already there."""
    from .tasks import ensure_schedule

    ensure_schedule()  # the automatic reminders (made by migration 0002; back if the database was flushed)
    admin = get_user_model().objects.filter(username="admin").first()
    if admin is None or not Unit.objects.filter(code="TQ").exists():
        stdout.write("Conferences: skipped (the base demo data is not loaded)")
        return
    if Conference.objects.filter(title=TITLE).exists():
        stdout.write("Conferences: already loaded")
        return
    documents = _documents(stdout)
    with transaction.atomic():
        _conference(stdout, admin, documents)
        _cell_meetings(stdout, admin, documents)
