from django.urls import path

from incidents.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("school/", home.choose_school, name="choose_school"),
]
