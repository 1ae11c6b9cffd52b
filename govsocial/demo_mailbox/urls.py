from django.urls import path

from govsocial.demo_mailbox import views

urlpatterns = [
    path("mailbox/", views.mailbox_list, name="mailbox_list"),
    path("mailbox/<str:key>/", views.mailbox_letter, name="mailbox_letter"),
]
