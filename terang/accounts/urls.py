"""Accounts pages under /akun/."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("keluar/", views.logout_view, name="logout"),
    path("dua-faktor/", views.two_factor_setup, name="two_factor"),
    path("dua-faktor/verifikasi/", views.two_factor_verify, name="two_factor_verify"),
    path("sandi/lupa/", views.password_reset, name="password_reset"),
    path("sandi/lupa/terkirim/", views.password_reset_done, name="password_reset_done"),
    path("sandi/atur/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("sandi/atur/selesai/", views.password_reset_complete, name="password_reset_complete"),
    path("sandi/ubah/", views.password_change, name="password_change"),
    path("profil/", views.profile, name="profile"),
    path("pengguna/", views.users, name="users"),
    path("pengguna/<int:pk>/", views.user_detail, name="user_detail"),
]
