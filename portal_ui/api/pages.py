"""Small server-rendered HTML pages for the entry and exit routes (no Reflex needed, no JavaScript)."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal_ui.i18n import FALLBACK, negotiate, translate
from portal_ui.settings import get_settings

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f7fb; color: #1c2024;
        margin: 0; min-height: 100vh; display: grid; place-items: center; }}
 main {{ background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 2rem;
        max-width: 28rem; margin: 1rem; }}
 h1 {{ font-size: 1.35rem; margin: 0 0 .75rem; }}
 p {{ line-height: 1.5; color: #3c4149; }}
 a.button {{ display: inline-block; margin-top: .5rem; padding: .6rem 1rem; border-radius: 8px;
        background: #4f46e5; color: #fff; text-decoration: none; font-weight: 600; }}
 a.button:focus-visible {{ outline: 3px solid #1c2024; outline-offset: 2px; }}
 @media (prefers-color-scheme: dark) {{ body {{ background: #111113; color: #edeef0; }}
   main {{ background: #1c1c1f; }} p {{ color: #b0b4ba; }} }}
</style></head>
<body><main id="main-content">
<h1>{title}</h1>
<p>{message}</p>
{action}
</main></body></html>"""

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def request_language(request: Request) -> str:
    """The catalogue for this browser: its Accept-Language, else PORTAL_DEFAULT_LANGUAGE."""
    return negotiate(request.headers.get("accept-language"), get_settings().default_language)


def message_page(title: str, message: str, *, status: int, return_url: str | None = None,
                 return_label: str | None = None, lang: str = FALLBACK) -> HTMLResponse:
    """A plain page with one message and, when known, a button back to the return URL."""
    label = return_label or translate(lang, "shell.return_to_app")
    action = (f'<a class="button" id="return-link" href="{escape(return_url, quote=True)}">{escape(label)}</a>'
              if return_url else f"<p>{escape(translate(lang, 'shell.close_tab'))}</p>")
    html = _PAGE.format(title=escape(title), message=escape(message), action=action, lang=lang)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def link_unusable_page(return_url: str | None, lang: str = FALLBACK) -> HTMLResponse:
    """The one answer for an unknown, used or expired link (the same for all three, on purpose)."""
    return message_page(translate(lang, "shell.link_unusable_title"), translate(lang, "shell.link_unusable_text"),
                        status=410, return_url=return_url, lang=lang)
