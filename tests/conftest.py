"""Shared fixtures: a small branch of the tree and one user per kind of access.

    Tỉnh ủy Tuyên Quang (province)
    ├── Huyện ủy Sơn Dương ── Đảng bộ xã Sơn Nam ── Chi bộ thôn A (cell_a), Chi bộ thôn B
    └── Huyện ủy Yên Sơn  ── Đảng bộ xã Trung Sơn ── Chi bộ thôn C (cell_c)
"""
import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import factories as f

#: The kinds of user every URL is checked against (STYLE.md: Saleor's layout).
USER_KINDS = ["anonymous", "member", "same_secretary", "other_secretary", "ancestor_staff", "admin"]


@pytest.fixture
def tree(db):
    province = f.unit("TQ", "Tỉnh ủy Tuyên Quang", kind="tinh-uy")
    son_duong = f.unit("TQ-SD", "Huyện ủy Sơn Dương", kind="huyen-uy", parent=province)
    yen_son = f.unit("TQ-YS", "Huyện ủy Yên Sơn", kind="huyen-uy", parent=province)
    son_nam = f.unit("TQ-SD-SN", "Đảng bộ xã Sơn Nam", kind="dang-bo-xa", parent=son_duong)
    trung_son = f.unit("TQ-YS-TS", "Đảng bộ xã Trung Sơn", kind="dang-bo-xa", parent=yen_son)
    cell_a = f.unit("TQ-SD-SN-A", "Chi bộ thôn A", parent=son_nam)
    cell_b = f.unit("TQ-SD-SN-B", "Chi bộ thôn B", parent=son_nam)
    cell_c = f.unit("TQ-YS-TS-C", "Chi bộ thôn C", parent=trung_son)
    return {
        "province": province, "son_duong": son_duong, "yen_son": yen_son, "son_nam": son_nam,
        "trung_son": trung_son, "cell_a": cell_a, "cell_b": cell_b, "cell_c": cell_c,
    }


@pytest.fixture
def people(tree):
    """Members in each cell; `self_member` is linked to the member user."""
    return {
        "self_member": f.member(tree["cell_a"], "Chẩu Văn Lâm", ethnicity="Tày"),
        "a2": f.member(tree["cell_a"], "Lê Thị Kim Dung", gender="female"),
        "b1": f.member(tree["cell_b"], "Hoàng Văn Bình"),
        "c1": f.member(tree["cell_c"], "Nguyễn Văn Sơn"),
    }


@pytest.fixture
def users(tree, people):
    admin = f.user("admin", "admin", tree["province"])
    return {
        "anonymous": None,
        "member": f.user("member", "member", tree["cell_a"], member=people["self_member"]),
        "same_secretary": f.user("sec_a", "secretary", tree["cell_a"]),
        "other_secretary": f.user("sec_c", "secretary", tree["cell_c"]),
        "ancestor_staff": f.user("office_sd", "office", tree["son_duong"]),
        "admin": admin,
    }


def login(user) -> Client:
    """A client logged in as `user` (two-factor already verified for administrators)."""
    client = Client()
    if user is None:
        return client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(users):
    return lambda kind: login(users[kind])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher dominates fixture set-up; login still checks the password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path_factory):
    """Uploaded files go to a directory of the test's own, never to var/ (tests run in parallel)."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
