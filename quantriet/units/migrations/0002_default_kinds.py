"""The kinds of unit in use before and after the 2025 reorganization (DOMAIN.md §2).

Kinds are data: more can be added in the admin without a release.
"""
from django.db import migrations

KINDS = [
    # code, name, rank, grassroots, cell
    ("trung-uong", "Trung ương", 0, False, False),
    ("tinh-uy", "Tỉnh ủy, thành ủy", 10, False, False),
    ("dang-bo-truc-thuoc-tw", "Đảng bộ trực thuộc Trung ương", 10, False, False),
    ("dang-bo-truc-thuoc", "Đảng bộ trực thuộc tỉnh ủy", 20, False, False),
    ("huyen-uy", "Huyện ủy, thị ủy, thành ủy trực thuộc tỉnh", 20, False, False),
    ("dang-bo-xa", "Đảng bộ xã, phường, thị trấn", 30, True, False),
    ("dang-bo-co-so", "Đảng bộ cơ sở", 30, True, False),
    ("chi-bo-co-so", "Chi bộ cơ sở", 30, True, True),
    ("dang-bo-bo-phan", "Đảng bộ bộ phận", 40, False, False),
    ("chi-bo", "Chi bộ trực thuộc", 50, False, True),
    ("to-dang", "Tổ đảng", 60, False, False),
]


def add_kinds(apps, schema_editor):
    UnitKind = apps.get_model("units", "UnitKind")
    for code, name, rank, grassroots, cell in KINDS:
        UnitKind.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank, "is_grassroots": grassroots, "is_cell": cell}
        )


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
