from django.urls import path

from archive import views

urlpatterns = [
    path("archive/keys/", views.key_list, name="archive_keys"),
]
