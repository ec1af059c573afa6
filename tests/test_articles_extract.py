"""The article extractor: the fixture report field by field, six more reports, bad input."""
import json
import time
import unicodedata
from pathlib import Path

import pytest

from quantriet.articles.extract import ArticleInputError, extract_article, validate_input
from quantriet.core.text import nfc

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
KNOWN_5TH_PLENUM = {"18-NQ/TW": "2022-06-16", "19-NQ/TW": "2022-06-16", "20-NQ/TW": "2022-06-16",
                    "21-NQ/TW": "2022-06-16"}


def read(name: str) -> str:
    return validate_input((FIXTURES / name).read_bytes())


def at(text: str, span) -> str:
    """The original text of a span, normalized the way values are (NFC, Ð read as Đ, spaces collapsed)."""
    return nfc(text[span[0]:span[1]]).replace("\u00d0", "Đ")


def walk_values(node):
    """Every (value, span) pair of a draft: the strings named value/name/text/title next to their span."""
    if isinstance(node, dict):
        span = node.get("span")
        if span is not None:
            for key in ("value", "name", "text", "title"):
                value = node.get(key)
                if isinstance(value, str) and not (key == "title" and "title_span" in node) \
                        and not (key == "value" and value in ("online", "hybrid")):
                    yield value, span
                    break
        if node.get("title_span"):
            yield node["title"], node["title_span"]
        for key, value in node.items():
            if key not in ("mentions",):
                yield from walk_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_values(item)


def person(draft, name):
    matches = [p for p in draft["people"] if p["name"] == name]
    assert len(matches) == 1, f"{name} not found once in {[p['name'] for p in draft['people']]}"
    return matches[0]


def titles(person_):
    return [p["title"] for p in person_["positions"]]


def roles(person_):
    return [(r["role"], tuple(r["documents"]), r["site"]) for r in person_["roles"]]


# --------------------------------------------------------------------------- the fixture report
@pytest.fixture(scope="module")
def fixture_text():
    return read("000_f67d8bf9e908cdd6.txt")


@pytest.fixture(scope="module")
def fixture_draft(fixture_text):
    return extract_article(fixture_text, known_documents=KNOWN_5TH_PLENUM).to_dict()


def test_fixture_title_and_headline(fixture_text, fixture_draft):
    title = fixture_draft["title"]
    assert title["value"] == ("Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Hội nghị lần thứ năm BCH "
                              "Trung ương Đảng khóa XIII")
    assert fixture_text[title["span"][0]:title["span"][1]] == title["value"]
    assert fixture_draft["headline"]["value"] == (
        "Bế mạc Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Hội nghị trung ương 5 khóa XIII")
    assert fixture_draft["headline"]["span"] == [0, 90]


def test_fixture_date_morning_of_22_july_2022_inferred_from_the_documents(fixture_text, fixture_draft):
    assert len(fixture_draft["dates"]) == 1
    date = fixture_draft["dates"][0]
    assert (date["date"], date["time_of_day"], date["year_source"]) == ("2022-07-22", "morning", "documents")
    assert fixture_text[date["span"][0]:date["span"][1]] == "Sáng 22-7"
    assert fixture_draft["warnings"] == []


def test_fixture_without_known_documents_asks_for_the_year(fixture_text):
    draft = extract_article(fixture_text).to_dict()
    assert draft["dates"][0]["date"] is None
    assert (draft["dates"][0]["day"], draft["dates"][0]["month"]) == (22, 7)
    assert [w["code"] for w in draft["warnings"]] == ["year_missing"]
    assert "22/7" in draft["warnings"][0]["question"]
    answered = extract_article(fixture_text, year=2022).to_dict()
    assert (answered["dates"][0]["date"], answered["dates"][0]["year_source"]) == ("2022-07-22", "user")
    assert answered["warnings"] == []


def test_fixture_organizer_place_and_mode(fixture_text, fixture_draft):
    assert fixture_draft["organizer"]["value"] == "Bộ Chính trị"
    assert at(fixture_text, fixture_draft["organizer"]["span"]) == "Bộ Chính trị"
    assert fixture_draft["place"] == {"value": "Trung tâm Hội nghị tỉnh", "span": [348, 371], "basis": "site"}
    assert fixture_draft["mode"]["value"] == "online"


def test_fixture_document_with_canonical_number_and_quoted_title(fixture_text, fixture_draft):
    assert len(fixture_draft["documents"]) == 1
    document = fixture_draft["documents"][0]
    assert (document["number"], document["as_written"], document["type_code"]) == ("21-NQ/TW", "21/NQ-TW", "NQ")
    assert fixture_text[document["span"][0]:document["span"][1]] == "21/NQ-TW"
    assert document["title"] == ("Tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ "
                                 "đảng viên trong giai đoạn mới")
    # The report has a no-break space inside the title: the value reads it as a space, the span keeps it.
    assert fixture_text[document["title_span"][0]:document["title_span"][1]] == document["title"].replace(
        "ngũ đảng", "ngũ\u00a0đảng")
    assert fixture_text[document["title_span"][0] - 1] == "“" and fixture_text[document["title_span"][1]] == "”"
    assert (document["date"], document["known"], document["date_source"]) == ("2022-06-16", True, "library")


def test_fixture_group_reference(fixture_text, fixture_draft):
    assert len(fixture_draft["document_groups"]) == 1
    group = fixture_draft["document_groups"][0]
    assert group["text"] == "4 nghị quyết Hội nghị Trung ương 5"
    assert fixture_text[group["span"][0]:group["span"][1]] == "4 nghị quyết Hội nghị Trung ương 5"
    assert (group["count"], group["kind"], group["plenum"], group["term"]) == (4, "nghị quyết", 5, "XIII")
    assert len(group["mentions"]) == 3  # headline, lead sentence, closing speech


def test_fixture_people_at_the_provincial_site(fixture_text, fixture_draft):
    assert [p["name"] for p in fixture_draft["people"]] == [
        "Chẩu Văn Lâm", "Lê Thị Kim Dung", "Nguyễn Văn Sơn", "Trương Thị Mai", "Võ Văn Thưởng"]
    lam = person(fixture_draft, "Chẩu Văn Lâm")
    assert titles(lam) == ["Ủy viên BCH Trung ương Đảng", "Bí thư Tỉnh ủy", "Trưởng Đoàn Đại biểu Quốc hội tỉnh"]
    assert [fixture_text[p["span"][0]:p["span"][1]] for p in lam["positions"]] == titles(lam)
    assert fixture_text[lam["span"][0]:lam["span"][1]] == "Chẩu Văn Lâm"
    assert titles(person(fixture_draft, "Lê Thị Kim Dung")) == ["Phó Bí thư Thường trực Tỉnh ủy", "Chủ tịch HĐND tỉnh"]
    assert titles(person(fixture_draft, "Nguyễn Văn Sơn")) == ["Phó Bí thư Tỉnh ủy", "Chủ tịch UBND tỉnh"]
    for name in ("Chẩu Văn Lâm", "Lê Thị Kim Dung", "Nguyễn Văn Sơn"):
        assert roles(person(fixture_draft, name)) == [("attending", (), "Trung tâm Hội nghị tỉnh")]
    assert [g["text"] for g in fixture_draft["attendee_groups"]] == [
        "các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy", "các đồng chí nguyên lãnh đạo tỉnh",
        "lãnh đạo các sở, ban, ngành, đoàn thể tỉnh"]


def test_fixture_presenter_and_closing_speech(fixture_text, fixture_draft):
    mai = person(fixture_draft, "Trương Thị Mai")
    assert titles(mai) == ["Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng", "Trưởng Ban Tổ chức Trung ương"]
    assert roles(mai) == [("presenter", ("21-NQ/TW",), None)]
    assert fixture_text[mai["roles"][0]["span"][0]:mai["roles"][0]["span"][1]] == "truyền đạt"
    thuong = person(fixture_draft, "Võ Văn Thưởng")
    assert titles(thuong) == ["Ủy viên Bộ Chính trị", "Thường trực Ban Bí thư"]
    assert roles(thuong) == [("closing_speech", (), None)]
    assert fixture_text[thuong["roles"][0]["span"][0]:thuong["roles"][0]["span"][1]] == "Phát biểu bế mạc"


def test_fixture_sites_with_caption_mentions(fixture_text, fixture_draft):
    sites = fixture_draft["sites"]
    assert [s["name"] for s in sites] == ["Trung tâm Hội nghị tỉnh", "Tuyên Quang", "HĐND tỉnh", "huyện Sơn Dương"]
    assert [len(s["mentions"]) for s in sites] == [2, 1, 1, 1]
    assert fixture_text[sites[0]["mentions"][0][0]:sites[0]["mentions"][0][1]] == "Trung tâm hội nghị tỉnh"  # caption
    for site in sites:
        assert fixture_text[site["span"][0]:site["span"][1]] == site["name"]


def test_fixture_reach(fixture_text, fixture_draft):
    reach = fixture_draft["reach"]
    assert [k["text"] for k in reach["kinds"]] == [
        "huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy", "chi bộ, đảng bộ cơ sở cơ quan, đơn vị cấp tỉnh"]
    assert [fixture_text[k["span"][0]:k["span"][1]] for k in reach["kinds"]] == [k["text"] for k in reach["kinds"]]
    assert len(reach["counts"]) == 1
    count = reach["counts"][0]
    assert (count["count"], count["qualifier"], count["units"]) == (138, None, ["xã", "phường", "thị trấn"])
    assert fixture_text[count["span"][0]:count["span"][1]] == "138 xã, phường, thị trấn"


def test_fixture_credits_source_and_boilerplate(fixture_text, fixture_draft):
    assert [(c["name"], c["kind"], len(c["mentions"])) for c in fixture_draft["credits"]] == [("Thanh Phúc", "photo", 4)]
    assert fixture_draft["source"]["value"] == "TQĐT"
    assert fixture_text[fixture_draft["source"]["span"][0]:fixture_draft["source"]["span"][1]] == "TQĐT"
    assert [d["text"] for d in fixture_draft["dropped"]] == ["Tin cùng chuyên mục"]
    # The credit's name is not a person nor a site.
    assert "Thanh Phúc" not in [p["name"] for p in fixture_draft["people"]]


def test_every_span_points_at_its_value_in_every_report():
    names = sorted(p.name for p in FIXTURES.glob("*.txt"))
    assert len(names) == 7
    checked = 0
    for name in names:
        text = read(name)
        draft = extract_article(text, known_documents=KNOWN_5TH_PLENUM).to_dict()
        for value, span in walk_values(draft):
            assert at(text, span) == value, (name, value, span)
            checked += 1
    assert checked > 150


def test_extraction_is_deterministic_and_json_stable(fixture_text):
    first = json.dumps(extract_article(fixture_text).to_dict(), ensure_ascii=False, sort_keys=True)
    second = json.dumps(extract_article(fixture_text).to_dict(), ensure_ascii=False, sort_keys=True)
    assert first == second


# --------------------------------------------------------------------------- six more reports
def test_national_conference_with_counts_and_full_date():
    text = read("01_national_8th_plenum.txt")
    draft = extract_article(text).to_dict()
    assert draft["title"]["value"].startswith("Hội nghị toàn quốc nghiên cứu, học tập, quán triệt, triển khai")
    assert draft["title"]["value"].endswith("lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII")
    assert [(d["date"], d["year_source"], d["text"]) for d in draft["dates"]] == [("2023-12-04", "text", "Ngày 04/12/2023")]
    assert draft["organizer"]["value"] == "Bộ Chính trị, Ban Bí thư"
    assert draft["place"]["value"] == "Hội trường Diên Hồng"
    assert draft["mode"]["value"] == "hybrid"
    assert [(c["count"], c["qualifier"], c["units"]) for c in draft["reach"]["counts"]] == [
        (16242, None, ["điểm cầu"]), (1441200, "hơn", ["cán bộ", "đảng viên"])]
    assert [(d["number"], d["date"]) for d in draft["documents"]] == [("44-NQ/TW", "2023-11-24"), ("45-NQ/TW", None)]
    assert draft["documents"][0]["title"] == "Chiến lược bảo vệ Tổ quốc trong tình hình mới"
    assert [(g["plenum"], g["term"], g["count"]) for g in draft["document_groups"]] == [(8, "XIII", None)]
    assert roles(person(draft, "Võ Văn Thưởng")) == [("chair", (), None)]
    assert titles(person(draft, "Võ Văn Thưởng")) == ["Ủy viên Bộ Chính trị", "Chủ tịch nước"]
    assert roles(person(draft, "Trương Thị Mai")) == [("chair", (), None), ("opening_speech", (), None)]
    assert roles(person(draft, "Phan Đình Trạc")) == [("presenter", ("44-NQ/TW",), None)]
    assert roles(person(draft, "Nguyễn Trọng Nghĩa")) == [("presenter", ("45-NQ/TW",), None)]
    assert len(draft["people"]) == 4
    assert [s["name"] for s in draft["sites"]] == ["Trung ương"]
    assert [c["name"] for c in draft["credits"]] == ["TTXVN"]
    assert draft["source"]["value"] == "Báo Nhân Dân"
    assert draft["warnings"] == []


def test_commune_conference_with_chair_and_boilerplate():
    text = read("02_commune_conference.txt")
    draft = extract_article(text).to_dict()
    assert draft["title"]["value"] == ("hội nghị học tập, quán triệt các nghị quyết Hội nghị Trung ương 5 khóa XIII "
                                       "cho cán bộ, đảng viên toàn Đảng bộ")
    # No year in "Sáng 28-7": the documents dated 16/6/2022 in the text give 2022.
    assert [(d["date"], d["year_source"], d["time_of_day"]) for d in draft["dates"]] == [
        ("2022-07-28", "documents", "morning")]
    assert draft["organizer"]["value"] == "Đảng ủy xã Sơn Nam (huyện Sơn Dương)"
    assert draft["place"]["value"] == "Hội trường UBND xã"
    binh = person(draft, "Hoàng Văn Bình")
    assert titles(binh) == ["Bí thư Đảng ủy xã"]
    assert [r["role"] for r in binh["roles"]] == ["chair", "speaker"]
    assert len(binh["mentions"]) == 3
    assert roles(person(draft, "Nguyễn Thị Hằng")) == [("presenter", ("18-NQ/TW", "19-NQ/TW"), None)]
    assert titles(person(draft, "Nguyễn Hữu Toàn")) == ["Phó Bí thư Đảng ủy", "Chủ tịch UBND xã"]
    assert roles(person(draft, "Nguyễn Hữu Toàn")) == [("presenter", ("20-NQ/TW",), None)]
    assert [d["number"] for d in draft["documents"]] == ["18-NQ/TW", "19-NQ/TW", "20-NQ/TW"]
    assert [(c["count"], c["qualifier"], c["unit_text"]) for c in draft["reach"]["counts"]] == [
        (150, "hơn", "cán bộ, đảng viên"), (18, None, "chi bộ trực thuộc")]
    assert [(c["name"], c["kind"]) for c in draft["credits"]] == [("Minh Châu", "photo")]
    assert draft["source"]["value"] == "Báo Tuyên Quang"
    # Share buttons, comments and the related-news list are dropped and not mined.
    assert [d["text"].split(" ")[0] for d in draft["dropped"]] == ["Chia", "Bình", "Tin"]
    assert "Nguyễn Văn Quân" not in [p["name"] for p in draft["people"]]
    assert "35-NQ/TW" not in [d["number"] for d in draft["documents"]]
    assert draft["sites"] == []
    assert len(draft["people"]) == 3


def test_cell_meeting_without_a_year_asks_for_it():
    text = read("03_cell_meeting.txt")
    draft = extract_article(text).to_dict()
    assert draft["title"]["value"] == "buổi sinh hoạt chi bộ định kỳ tháng 1"
    assert [(d["day"], d["month"], d["date"], d["time_of_day"]) for d in draft["dates"]] == [(3, 1, None, "afternoon")]
    assert [w["code"] for w in draft["warnings"]] == ["year_missing"]
    assert draft["organizer"]["value"] == "Chi bộ thôn Làng Mới, xã Trung Sơn"
    assert roles(person(draft, "Nguyễn Thị Hoa")) == [("chair", (), None)]
    assert titles(person(draft, "Lý Văn Toàn")) == ["Ủy viên Ban Thường vụ Đảng ủy xã", "Phó Chủ tịch UBND xã"]
    assert roles(person(draft, "Lý Văn Toàn")) == [("attending", (), None)]
    assert titles(person(draft, "Đặng Văn Khải")) == ["Phó Bí thư Chi bộ", "Trưởng thôn"]
    assert roles(person(draft, "Đặng Văn Khải")) == [("presenter", ("05-CT/TW",), None)]
    assert draft["documents"][0]["title"] == "đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
    assert [(c["count"], c["total"], c["units"]) for c in draft["reach"]["counts"]] == [(25, 27, ["đảng viên"])]
    assert [(c["name"], c["kind"]) for c in draft["credits"]] == [("Hồng Nhung", "text_and_photo")]
    assert draft["mode"] is None and draft["place"] is None
    known = extract_article(text, known_documents={"05-CT/TW": "2023-12-20"}).to_dict()
    assert (known["dates"][0]["date"], known["dates"][0]["year_source"]) == ("2024-01-03", "documents")


def test_du_hoi_nghi_list_in_nfd_text_with_eth_letters():
    raw = (FIXTURES / "04_provincial_du_hoi_nghi_nfd.txt").read_bytes()
    text = validate_input(raw)
    assert text != unicodedata.normalize("NFC", text) and "\u00d0" in text  # really NFD, with Ð
    draft = extract_article(text).to_dict()
    assert [(d["date"], d["text"]) for d in draft["dates"]] == [("2022-08-15", "Ngày 15 tháng 8 năm 2022")]
    assert draft["organizer"]["value"] == "Ban Thường vụ Tỉnh uỷ Tuyên Quang"
    assert draft["place"]["value"] == "Hội trường Tỉnh uỷ"
    assert draft["title"]["value"] == ("Hội nghị triển khai thực hiện Nghị quyết số 21-NQ/TW của Ban Chấp hành "
                                       "Trung ương Đảng")
    lam = person(draft, "Chẩu Văn Lâm")
    assert titles(lam) == ["Uỷ viên BCH Trung ương Đảng", "Bí thư Tỉnh uỷ"]
    assert [r["role"] for r in lam["roles"]] == ["attending", "opening_speech"]
    assert text[lam["span"][0]:lam["span"][1]] == unicodedata.normalize("NFD", "Chẩu Văn Lâm")
    assert titles(person(draft, "Hầu A Lềnh")) == ["nguyên Bí thư Tỉnh ủy"]
    assert [g["text"] for g in draft["attendee_groups"]] == [
        "các đồng chí Uỷ viên Ban Thường vụ Tỉnh uỷ", "bí thư các huyện uỷ, thành uỷ"]
    assert [d["number"] for d in draft["documents"]] == ["21-NQ/TW", "12-CTr/TU"]
    assert [(c["name"], c["kind"]) for c in draft["credits"]] == [("Lê Hoàn", "author")]
    assert len(draft["people"]) == 3


def test_congress_report_sang_7_2_with_decimal_millions():
    text = read("05_congress_xiv_sang_7_2.txt")
    draft = extract_article(text).to_dict()
    assert [(d["date"], d["year_source"], d["text"]) for d in draft["dates"]] == [("2026-02-07", "documents", "Sáng 7-2")]
    assert draft["organizer"]["value"] == "Bộ Chính trị"
    assert [(g["congress"], g["count"]) for g in draft["document_groups"]] == [("XIV", None)]
    assert [(c["count"], c["qualifier"]) for c in draft["reach"]["counts"]] == [
        (31000, "hơn"), (1930000, "hơn"), (64, None), (3, None), (16, None), (45, None), (8000, "khoảng")]
    assert roles(person(draft, "Trần Cẩm Tú")) == [("opening_speech", (), None)]
    assert roles(person(draft, "Trịnh Việt Hùng")) == [("chair", (), "tỉnh Thái Nguyên")]
    assert [(s["name"], len(s["mentions"])) for s in draft["sites"]] == [("tỉnh Thái Nguyên", 2)]
    assert draft["place"] == {"value": "tỉnh Thái Nguyên", "span": draft["sites"][0]["span"], "basis": "site"}
    assert draft["mode"]["value"] == "hybrid"
    assert draft["source"]["value"] == "Báo Thái Nguyên"


def test_do_dong_chi_chu_tri_and_abbreviated_dong_chi():
    text = read("06_district_do_dong_chi_chu_tri.txt")
    draft = extract_article(text).to_dict()
    assert [(d["date"], d["time_of_day"], d["year_source"]) for d in draft["dates"]] == [
        ("2022-08-10", "afternoon", "text")]
    assert draft["organizer"]["value"] == "Huyện ủy Yên Sơn"
    hung = person(draft, "Phạm Văn Hùng")
    assert titles(hung) == ["Ủy viên Ban Thường vụ Tỉnh ủy", "Bí thư Huyện ủy Yên Sơn"]
    assert [r["role"] for r in hung["roles"]] == ["chair", "speaker"]
    assert titles(person(draft, "Lương Thị Hạnh")) == ["Phó Bí thư Thường trực Huyện ủy"]
    assert [r["role"] for r in person(draft, "Lương Thị Hạnh")["roles"]] == ["presenter"]
    # The plan's date belongs to the plan, not to the conference; "21-NQ/TW" ending the headline has no date.
    assert [(d["number"], d["date"]) for d in draft["documents"]] == [("21-NQ/TW", None), ("35-KH/HU", "2022-08-02")]
    assert [(c["count"], c["qualifier"]) for c in draft["reach"]["counts"]] == [(31, None), (2500, "gần")]
    assert draft["mode"]["value"] == "online"


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("raw, code", [
    (b"", "empty"),
    (b"   \n\t  \n", "empty"),
    ("", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"H\xe1\xbb\x99i ngh\xe1\xbb\x8b \xff\xfe broken", "binary"),
    ("Hội nghị\x00 ở đây", "binary"),
    ("The Politburo held a national conference on the resolutions of the fifth plenum.", "not_vietnamese"),
    ("Le Bureau politique a tenu une conférence à Hanoï, très détaillée et élégante.", "not_vietnamese"),
    ("1234 5678 !!! ---", "not_vietnamese"),
])
def test_bad_input_is_refused_with_a_reason(raw, code):
    with pytest.raises(ArticleInputError) as error:
        validate_input(raw)
    assert error.value.code == code
    assert str(error.value)


def test_too_large_input_is_refused_and_the_limit_is_configurable(fixture_text):
    big = (fixture_text + "\n") * 60
    with pytest.raises(ArticleInputError) as error:
        validate_input(big.encode())
    assert error.value.code == "too_large"
    assert validate_input(fixture_text.encode(), max_bytes=len(fixture_text.encode())) == fixture_text
    with pytest.raises(ArticleInputError):
        validate_input(fixture_text.encode(), max_bytes=100)


def test_vietnamese_without_diacritics_and_bom_are_accepted():
    assert validate_input("hoi nghi quan triet nghi quyet cua dang uy xa va cac chi bo") .startswith("hoi")
    assert validate_input("\ufeffHội nghị của Đảng ủy".encode("utf-8")) == "Hội nghị của Đảng ủy"


def test_largest_accepted_input_is_extracted_quickly(fixture_text):
    body = fixture_text.replace("Tin cùng chuyên mục", "")
    text = (body + "\n") * (190_000 // len(body.encode()))
    assert len(text.encode()) < 200_000
    started = time.perf_counter()
    draft = extract_article(validate_input(text)).to_dict()
    elapsed = time.perf_counter() - started
    assert len(draft["people"]) == 5
    assert elapsed < 20, elapsed
