"""Sign-up, sign-in and the member's own account pages."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template

from forum.accounts.models import Member
from forum.accounts.regions import COUNTRY_NAMES, SOMEWHERE_ELSE, country_name, region_from_accept_language
from forum.accounts.services import AccountService
from forum.errors import ForumError, Invalid
from forum.web import flash, form_data, provide_accounts, provide_member, render


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so a crafted link can't send someone elsewhere after signing in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _sign_in(request: Request, member: Member) -> None:
    request.set_session(AccountService.session_data(member))


def _region_context(request: Request, member: Member) -> dict[str, Any]:
    """The "Where you are" choice: the member's, what their browser says, and the countries to pick from."""
    browser = region_from_accept_language(request.headers.get("accept-language"))
    choices = sorted(COUNTRY_NAMES.items(), key=lambda item: item[1])
    if member.region and member.region != SOMEWHERE_ELSE and member.region not in COUNTRY_NAMES:
        choices.append((member.region, member.region))
    return {"region": member.region or "", "region_choices": choices, "somewhere_else": SOMEWHERE_ELSE,
            "browser_region": country_name(browser) if browser else None}


class AccountPages(Controller):
    include_in_schema = False
    dependencies = {"accounts": Provide(provide_accounts, sync_to_thread=False), "member": Provide(provide_member)}

    @get("/register")
    async def register_form(self, request: Request) -> Template:
        return render("accounts/register.html", request, values={}, errors={})

    @post("/register")
    async def register(self, request: Request, accounts: AccountService) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            member = await accounts.register(form.get("username", ""), form.get("password", ""), form.get("email"))
        except ForumError as exc:
            return render("accounts/register.html", request, 400, values=form, errors=exc.fields or {"": exc.detail})
        _sign_in(request, member)
        flash(request, f"Welcome, {member.username}. You can set what you'd rather not see in Content settings.")
        return Redirect(path="/")

    @get("/login")
    async def login_form(self, request: Request, next: str | None = None) -> Template:
        return render("accounts/login.html", request, values={"next": _safe_next(next)}, errors={})

    @post("/login")
    async def login(self, request: Request, accounts: AccountService) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            member = await accounts.authenticate(form.get("username", ""), form.get("password", ""))
        except ForumError as exc:
            return render("accounts/login.html", request, 400, values=form, errors={"": exc.detail})
        _sign_in(request, member)
        return Redirect(path=_safe_next(form.get("next")))

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect(path="/")

    @get("/settings/account")
    async def account(self, request: Request, member: Member) -> Template:
        return render("accounts/account.html", request, errors={}, **_region_context(request, member))

    @post("/settings/account/region")
    async def set_region(self, request: Request, member: Member, accounts: AccountService) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            await accounts.set_region(member, form.get("region"))
        except Invalid as exc:
            return render("accounts/account.html", request, 400, errors=exc.fields, **_region_context(request, member))
        if member.region and member.region != SOMEWHERE_ELSE:
            flash(request, f"Saved. If you ever need it, help in {country_name(member.region, True)} will come first.")
        elif member.region:
            flash(request, "Saved. Services that work anywhere will come first.")
        else:
            flash(request, "Saved. We'll go by your browser's language and region.")
        return Redirect(path="/settings/account#region")

    @post("/settings/account/password")
    async def change_password(self, request: Request, member: Member, accounts: AccountService) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            await accounts.change_password(member, form.get("current_password", ""), form.get("new_password", ""))
        except Invalid as exc:
            return render("accounts/account.html", request, 400, errors=exc.fields, **_region_context(request, member))
        _sign_in(request, member)  # this device stays signed in; every other one is signed out
        flash(request, "Your password is changed. Other devices have been signed out.")
        return Redirect(path="/settings/account")

    @get("/settings/account/export")
    async def export(self, member: Member, accounts: AccountService) -> Response[bytes]:
        data = await accounts.export(member)
        return Response(json.dumps(data.content, indent=2, ensure_ascii=False).encode(), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{data.filename}"'})

    @post("/settings/account/delete")
    async def delete(self, request: Request, member: Member, accounts: AccountService) -> Response[Any]:
        form, _ = await form_data(request)
        try:
            await accounts.authenticate(member.username, form.get("password", ""))
        except ForumError:
            return render("accounts/account.html", request, 400,
                          errors={"delete_password": "That password didn't match, so nothing was deleted."},
                          **_region_context(request, member))
        await accounts.delete_account(member, remove_posts=form.get("posts") == "remove")
        request.clear_session()
        return render("accounts/deleted.html", request, viewer=None)
