"""/api/v1/auth and /api/v1/me: sign-up, tokens, and a member's own data."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from forum.accounts.models import Member
from forum.accounts.schemas import AccountDeletedOut, DataExportOut, MemberOut, TokenOut
from forum.accounts.services import AccountService
from forum.web import provide_accounts, provide_member


@dataclass
class RegisterIn:
    username: str
    password: str
    email: str | None = None


@dataclass
class TokenIn:
    username: str
    password: str


@dataclass
class DeleteAccountIn:
    password: str
    remove_posts: bool = False


class AccountApi(Controller):
    path = "/api/v1"
    tags = ["accounts"]
    dependencies = {"accounts": Provide(provide_accounts, sync_to_thread=False), "member": Provide(provide_member)}

    @post("/auth/register", status_code=HTTP_201_CREATED)
    async def register(self, data: RegisterIn, accounts: AccountService) -> MemberOut:
        return MemberOut.from_member(await accounts.register(data.username, data.password, data.email))

    @post("/auth/token", status_code=HTTP_200_OK)
    async def token(self, data: TokenIn, accounts: AccountService) -> TokenOut:
        member = await accounts.authenticate(data.username, data.password)
        return TokenOut(token=await accounts.issue_token(member), token_type="bearer")

    @get("/me")
    async def me(self, member: Member) -> MemberOut:
        return MemberOut.from_member(member)

    @get("/me/export")
    async def export(self, member: Member, accounts: AccountService) -> Response[DataExportOut]:
        data = await accounts.export(member)
        return Response(DataExportOut.from_content(data.content),
                        headers={"Content-Disposition": f'attachment; filename="{data.filename}"'})

    @delete("/me", status_code=HTTP_200_OK)
    async def delete_me(self, data: DeleteAccountIn, member: Member, accounts: AccountService) -> AccountDeletedOut:
        await accounts.authenticate(member.username, data.password)
        await accounts.delete_account(member, remove_posts=data.remove_posts)
        return AccountDeletedOut(deleted=True)
