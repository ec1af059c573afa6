"""`quantriet extract-article FILE [--format json|text]`."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
FIXTURE = FIXTURES / "000_f67d8bf9e908cdd6.txt"
BIN = Path(sys.executable).parent / "quantriet"


def run(*args) -> str:
    out = io.StringIO()
    call_command("extract-article", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_stable_sorted_and_utf8(tmp_path):
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"21/NQ-TW": "2022-06-16"}), encoding="utf-8")
    output = run(str(FIXTURE), "--known-documents", str(known))
    data = json.loads(output)
    assert data["dates"][0]["date"] == "2022-07-22"
    assert [p["name"] for p in data["people"]] == [
        "Chẩu Văn Lâm", "Lê Thị Kim Dung", "Nguyễn Văn Sơn", "Trương Thị Mai", "Võ Văn Thưởng"]
    assert "Chẩu Văn Lâm" in output  # not \\u escapes
    assert output == run(str(FIXTURE), "--known-documents", str(known))
    assert output.strip() == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)


def test_text_output_and_year_option():
    output = run(str(FIXTURE), "--format", "text", "--year", "2022")
    lines = output.splitlines()
    assert lines[0] == ("Title: Hội nghị nghiên cứu, học tập, quán triệt Nghị quyết Hội nghị lần thứ năm BCH Trung "
                        "ương Đảng khóa XIII")
    assert "Date: 2022-07-22 (morning)  [Sáng 22-7]" in lines
    assert "Person: Trương Thị Mai — Ủy viên Bộ Chính trị | Bí thư Trung ương Đảng | Trưởng Ban Tổ chức Trung ương " \
           "[presenter of 21-NQ/TW]" in lines
    assert "Source: TQĐT" in lines and "Credit (photo): Thanh Phúc" in lines
    assert not any(line.startswith("Warning") for line in lines)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"\xff\xfe\xfa not utf-8", "not UTF-8"),
    (b"Minutes of the meeting held in London on Tuesday.", "Vietnamese"),
])
def test_bad_files_exit_2_with_a_message(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_missing_file_and_too_large_exit_2(tmp_path):
    with pytest.raises(CommandError) as error:
        run(str(tmp_path / "missing.txt"))
    assert error.value.returncode == 2 and "Cannot read" in str(error.value)
    with pytest.raises(CommandError) as error:
        run(str(FIXTURE), "--max-bytes", "1000")
    assert error.value.returncode == 2 and "too large" in str(error.value)


def _env():
    env = dict(os.environ, QUANTRIET_TESTING="1", LC_ALL="C", PYTHONIOENCODING="ascii")
    env.pop("DATABASE_URL", None)
    return env


def test_real_process_reads_stdin_and_sets_the_exit_status():
    ok = subprocess.run([str(BIN), "extract-article", "-", "--format", "json"], input=FIXTURE.read_bytes(),
                        capture_output=True, env=_env(), timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.decode("utf-8"))["organizer"]["value"] == "Bộ Chính trị"
    bad = subprocess.run([str(BIN), "extract-article", "-"], input=b"", capture_output=True, env=_env(), timeout=120)
    assert bad.returncode == 2
    assert b"The input is empty" in bad.stderr and bad.stdout == b""
