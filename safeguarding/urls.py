from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from incidents.views import accounts, auth, passkeys

urlpatterns = [
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", auth.verify, name="two_factor_verify"),
    path("accounts/two-factor/set-up/", auth.enrol, name="two_factor_enrol"),
    # Enrolment and recovery: an invitation sets the password and the second factor at once.
    path("accounts/invitation/<slug:token>/", accounts.accept_invitation, name="invitation_accept"),
    path("accounts/sign-in/", accounts.security, name="account_security"),
    path("accounts/sign-in/recovery-codes/", accounts.recovery_codes, name="recovery_codes"),
    path("accounts/passkeys/", include(passkeys)),
    path("accounts/password-reset/", accounts.password_reset, name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        accounts.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    # One way in, audited and rate-limited: the admin's own sign-in page sends people there.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("login"), query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("", include("incidents.urls")),
]

# The product's own error pages, in the layout (incidents.views.errors).
handler400 = "incidents.views.errors.bad_request"
handler403 = "incidents.views.errors.permission_denied"
handler404 = "incidents.views.errors.page_not_found"
handler500 = "incidents.views.errors.server_error"
