"""Helpers shared by the Management API tests: seeding through the domain, reading rows back."""

from sqlmodel import Session, select

from portal_ui.domain.audit import Actor

SYSTEM = Actor.system("test")


def seed(engine, fn, **kwargs):
    """Call a domain function `fn(session, actor=SYSTEM, **kwargs)` and commit."""
    with Session(engine, expire_on_commit=False) as s:
        result = fn(s, actor=SYSTEM, **kwargs)
        s.commit()
        return result


def rows(engine, model, *where):
    with Session(engine) as s:
        return s.exec(select(model).where(*where)).all()


def error_code(response):
    return response.json()["errors"][0]["code"]
