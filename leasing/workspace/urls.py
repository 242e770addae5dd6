from django.urls import path

from leasing.workspace import views

app_name = "workspace"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
]
