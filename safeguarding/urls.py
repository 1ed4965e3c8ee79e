from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from incidents.views import auth

urlpatterns = [
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", auth.verify, name="two_factor_verify"),
    path("accounts/two-factor/set-up/", auth.enrol, name="two_factor_enrol"),
    # One way in, audited and rate-limited: the admin's own sign-in page sends people there.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("login"), query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("", include("incidents.urls")),
]
