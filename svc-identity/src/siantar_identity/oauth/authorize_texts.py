"""The words of the sign-in and consent page and of its error page, in Bahasa Indonesia and English."""

from siantar_shared.i18n import Language, Text

TEXTS: dict[str, Text] = {
    # the page
    "page_title": Text("Masuk dan beri izin", "Sign in and allow access"),
    "heading": Text("Masuk ke akun Siantar", "Sign in to your Siantar account"),
    "wants_access": Text(
        "{app} ingin mengakses akun Siantar Anda.", "{app} wants to access your Siantar account."
    ),
    "owner": Text("Dibuat oleh: {owner}", "Made by: {owner}"),
    "third_party": Text(
        "Aplikasi ini bukan buatan Pemerintah Kota Pematangsiantar. Beri izin hanya jika Anda mempercayainya.",
        "This app is not made by the City Government of Pematangsiantar. Allow it only if you trust it.",
    ),
    "scopes_intro": Text("Jika Anda mengizinkan, aplikasi ini dapat:", "If you allow it, this app can:"),
    "return_to": Text("Setelah ini Anda akan kembali ke {host}.", "Afterwards you will return to {host}."),
    "identifier": Text("Nomor HP, e-mail, atau nama pengguna", "Phone number, e-mail or username"),
    "password": Text("Kata sandi", "Password"),
    "otp": Text("Kode autentikator", "Authenticator code"),
    "otp_hint": Text(
        "Hanya jika verifikasi dua langkah aktif di akun Anda (wajib bagi pegawai).",
        "Only if two-step verification is on for your account (mandatory for staff).",
    ),
    "recovery_summary": Text("Kehilangan autentikator?", "Lost your authenticator?"),
    "recovery_code": Text("Kode pemulihan", "Recovery code"),
    "allow": Text("Masuk dan izinkan", "Sign in and allow"),
    "deny": Text("Tolak", "Refuse"),
    "switch_language": Text("English", "Bahasa Indonesia"),
    # problems with the form, shown on the page
    "missing_credentials": Text(
        "Isi nomor HP, e-mail, atau nama pengguna, dan kata sandi Anda.",
        "Enter your phone number, e-mail or username, and your password.",
    ),
    "unknown_decision": Text(
        "Pilih \u201cizinkan\u201d atau \u201ctolak\u201d.", "Choose \u201callow\u201d or \u201crefuse\u201d."
    ),
    "account_not_allowed": Text(
        "Akun ini tidak dapat dipakai untuk aplikasi ini.", "This account cannot be used with this app."
    ),
    # the error page (no redirect to the app)
    "error_title": Text("Permintaan tidak dapat diproses", "The request cannot be processed"),
    "error_advice": Text(
        "Tutup halaman ini dan mulai lagi dari aplikasinya. Jika masalah berlanjut, hubungi pembuat aplikasi.",
        "Close this page and start again from the app. If it keeps happening, contact the app's maker.",
    ),
    "repeated_parameter": Text("Permintaan berisi parameter ganda.", "The request repeats a parameter."),
    "unknown_client": Text(
        "Aplikasi ini tidak dikenal atau sudah dinonaktifkan.", "This app is unknown or has been disabled."
    ),
    "unknown_redirect_uri": Text(
        "Alamat kembali aplikasi ini tidak terdaftar.", "This app's return address is not registered."
    ),
    "form_invalid": Text(
        "Formulir ini tidak sah untuk peramban ini.", "This form is not valid for this browser."
    ),
    "form_expired": Text(
        "Formulir ini sudah kedaluwarsa atau sudah dikirim.", "This form has expired or was already sent."
    ),
}


def words(language: Language) -> dict[str, str]:
    """Every text in one language, for a template."""
    return {name: text.pick(language) for name, text in TEXTS.items()}


# Why a code exchange failed (`error_description` of `invalid_grant`; ASCII only, RFC 6749 §5.2).
GRANT_TEXTS: dict[str, Text] = {
    "unauthorized_client": Text(
        "Klien ini tidak boleh memakai authorization_code", "This client may not use authorization_code"
    ),
    "unknown": Text("Kode otorisasi tidak dikenal", "Unknown authorization code"),
    "reused": Text("Kode otorisasi sudah dipakai", "Authorization code already used"),
    "other_client": Text("Kode otorisasi milik klien lain", "Authorization code issued to another client"),
    "expired": Text("Kode otorisasi sudah kedaluwarsa", "Authorization code expired"),
    "redirect_uri": Text(
        "redirect_uri berbeda dengan permintaan otorisasi",
        "redirect_uri differs from the authorization request",
    ),
    "verifier_format": Text(
        "code_verifier harus 43-128 karakter [A-Za-z0-9-._~]",
        "code_verifier must be 43-128 characters [A-Za-z0-9-._~]",
    ),
    "verifier": Text(
        "code_verifier tidak cocok dengan code_challenge", "code_verifier does not match code_challenge"
    ),
    "account": Text("Akun tidak aktif untuk klien ini", "The account is not active for this client"),
}
