"""Accounts: login throttling (django-axes), password policy, TOTP for administrators, language switch."""
import pytest
from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .conftest import USER_KINDS

COVERED_URLS = {"accounts:login", "accounts:otp", "api-token"}  # behaviour here; the matrix is in test_permissions.py
PASSWORD = "Mat-khau-2026!"


@pytest.fixture(autouse=True)
def fresh_axes(settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    axes_reset()
    yield
    axes_reset()


def attempt(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


# --- throttling --------------------------------------------------------------------------------------------

def test_login_works_and_lands_on_home(users):
    client = Client()
    response = attempt(client, "sec_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_five_failures_lock_the_account(users):
    client = Client()
    for _ in range(4):
        response = attempt(client, "sec_a", "wrong-password")
        assert response.status_code == 200 and response.context["form"].errors
    assert attempt(client, "sec_a", "wrong-password").status_code == 429  # the fifth failure locks
    # Locked: even the right password is refused, from a fresh client too.
    response = attempt(Client(), "sec_a", PASSWORD)
    assert response.status_code == 429
    assert "accounts/locked.html" in [t.name for t in response.templates]
    # Another account from the same address is not locked (username + IP pairs).
    assert attempt(Client(), "sec_c", PASSWORD).status_code == 302
    # An administrator's reset unlocks it.
    assert axes_reset(username="sec_a") >= 1
    assert attempt(Client(), "sec_a", PASSWORD).status_code == 302


def test_four_failures_then_success_resets_the_counter(users):
    client = Client()
    for _ in range(4):
        attempt(client, "sec_a", "wrong-password")
    assert attempt(client, "sec_a", PASSWORD).status_code == 302
    client = Client()
    for _ in range(4):
        assert attempt(client, "sec_a", "wrong-password").status_code == 200
    assert attempt(client, "sec_a", PASSWORD).status_code == 302


# --- password policy ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short1!", "password123", "1234567890123", "qwertyuiop", "sec_a_sec_a"])
def test_weak_passwords_are_rejected(password, db):
    user = get_user_model()(username="sec_a_sec_a")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_strong_password_passes(db):
    assert validate_password("Quán-triệt-Nghị-quyết-21", get_user_model()(username="sec_a")) is None


# --- two-factor for administrators -------------------------------------------------------------------------

def password_only(user) -> Client:
    """Logged in with the password only (no second factor yet)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def code(device, drift=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.mark.parametrize("path", ["/home/", "/units/", "/members/", "/accounts/me/", "/accounts/roles/",
                                  "/members/new/", "/django-admin/"])
def test_admin_without_otp_is_sent_to_otp_page(path, users):
    response = password_only(users["admin"]).get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp") + "?next=" + path.replace("/", "%2F")


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/units/", "/api/v1/members/", "/api/schema/"])
def test_admin_without_otp_gets_403_json_on_the_api(path, users):
    response = password_only(users["admin"]).get(path)
    assert response.status_code == 403
    assert response.json() == {"detail": "Two-factor verification required."}


def test_admin_token_cannot_bypass_two_factor(users):
    """A token carries no second factor: an administrator's token is refused; others' tokens work."""
    token = Token.objects.create(user=users["admin"])
    response = Client().get("/api/v1/members/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403 and response.json() == {"detail": "Two-factor verification required."}
    token = Token.objects.create(user=users["same_secretary"])
    assert Client().get("/api/v1/members/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_admin_enrolls_and_verifies_with_a_correct_code(users):
    admin = users["admin"]
    client = password_only(admin)
    response = client.get(reverse("accounts:otp") + "?next=/units/")
    assert response.status_code == 200 and response.context["enrolling"]
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert response.context["secret"]  # the key is shown for manual entry
    # A wrong code is refused and leaves the device unconfirmed.
    wrong = f"{(int(code(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp") + "?next=/units/", {"token": wrong})
    assert response.status_code == 200 and "token" in response.context["form"].errors
    for junk in ("", "12345", "abcdef", "1234567", "١٢٣٤٥٦"):
        response = client.post(reverse("accounts:otp"), {"token": junk})
        assert response.status_code == 200 and "token" in response.context["form"].errors
    assert client.get("/home/").status_code == 302
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count >= 1
    # After failures django-otp throttles the device: even the right code is refused for a while.
    response = client.post(reverse("accounts:otp") + "?next=/units/", {"token": code(device)})
    assert response.status_code == 200 and "token" in response.context["form"].errors
    device.refresh_from_db()
    device.throttle_reset()  # as if the delay had passed
    # The right code verifies, confirms the device and goes on to `next`.
    response = client.post(reverse("accounts:otp") + "?next=/units/", {"token": code(device)})
    assert response.status_code == 302 and response["Location"] == "/units/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/home/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_admin_with_a_device_verifies_and_next_cannot_leave_the_site(users):
    admin = users["admin"]
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = password_only(admin)
    response = client.get(reverse("accounts:otp"))
    assert response.status_code == 200 and not response.context["enrolling"] and response.context["secret"] is None
    response = client.post(reverse("accounts:otp") + "?next=https://evil.example/", {"token": code(device)})
    assert response.status_code == 302 and response["Location"] == "/home/"


@pytest.mark.parametrize("kind", [k for k in USER_KINDS if k not in ("anonymous", "admin")])
def test_non_admins_are_never_asked_for_a_code(kind, users):
    client = password_only(users[kind])
    for path in ("/home/", "/units/", "/members/", "/accounts/me/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/me/").status_code == 200
    assert not TOTPDevice.objects.filter(user=users[kind]).exists()


def test_real_login_flow_for_an_admin(users):
    client = Client()
    response = attempt(client, "admin", PASSWORD)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))


# --- language ----------------------------------------------------------------------------------------------

def test_language_switch(users):
    client = Client()
    response = client.get(reverse("accounts:login"))
    assert '<html lang="vi">' in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page and "Log in" in page
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    # An unknown language changes nothing; an off-site `next` is not followed.
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
    assert '<html lang="vi">' in client.get(reverse("accounts:login")).content.decode()
