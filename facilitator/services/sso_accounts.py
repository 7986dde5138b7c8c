"""Which account a sign-in through the identity provider (OpenID Connect) opens.

The provider has already proved who the person is; what is decided here is whether that person
may use this installation: the e-mail claim, verified by the provider, names the account; an
address outside the allowed domains is refused; a deactivated account stays closed; an account
may be made on the first sign-in; membership of an administrators' group gives the role.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from facilitator.services import DomainError
from facilitator.services.accounts import create_facilitator, get_facilitator_by_email, has_any_facilitator, normalise_email
from facilitator.services.staff import set_role
from facilitator.models import AccountRole, Facilitator


@dataclass(frozen=True)
class SsoPolicy:
    """What the deployer decided (config.py's SSO_* settings), as plain values."""
    email_claim: str = "email"
    email_verified_claim: str = "email_verified"
    allowed_domains: tuple[str, ...] = ()
    create_accounts: bool = False
    groups_claim: str = "groups"
    admin_groups: tuple[str, ...] = ()


def verified_email(claims: dict, policy: SsoPolicy) -> str:
    """The address the provider vouches for; DomainError when it sends none or has not verified it."""
    email = normalise_email(str(claims.get(policy.email_claim) or ""))
    if "@" not in email:
        raise DomainError(_l("Your identity provider did not tell us your e-mail address, so we "
                             "cannot find your account. Ask your IT department to release the "
                             "e-mail claim to this application."))
    # Only a real true counts: some providers send the string "false".
    if claims.get(policy.email_verified_claim) is not True:
        raise DomainError(_l("Your identity provider has not verified the address %(email)s, so it "
                             "cannot sign you in here.", email=email))
    return email


def check_domain(email: str, policy: SsoPolicy) -> None:
    """With allowed domains set, an address elsewhere (a guest in the tenant) may not sign in."""
    domain = email.rsplit("@", 1)[1]
    if policy.allowed_domains and domain not in policy.allowed_domains:
        raise DomainError(_l("Addresses at %(domain)s cannot sign in here.", domain=domain))


def is_in_admin_group(claims: dict, policy: SsoPolicy) -> bool:
    groups = claims.get(policy.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return any(str(group) in policy.admin_groups for group in groups)


def apply_group_role(account: Facilitator, claims: dict, policy: SsoPolicy) -> None:
    """With administrators' groups set, the provider decides the role at every sign-in; the last
    active administrator keeps the role until another account has it."""
    if not policy.admin_groups:
        return
    role = AccountRole.ADMINISTRATOR if is_in_admin_group(claims, policy) else AccountRole.FACILITATOR
    try:
        set_role(None, account, role)
    except DomainError:
        pass


def account_for_sign_in(claims: dict, policy: SsoPolicy, locale: str | None = None) -> Facilitator:
    """The active account for these verified ID-token claims, made on the first sign-in when the
    policy allows it; DomainError (with a message for the person) for every refusal."""
    email = verified_email(claims, policy)
    check_domain(email, policy)
    account = get_facilitator_by_email(email)
    if account is None:
        if not (policy.create_accounts and policy.allowed_domains):
            raise DomainError(_l("There is no account for %(email)s here. Ask an administrator to "
                                 "make one.", email=email))
        # The first account of an installation manages it, as the set-up page's would.
        first = not has_any_facilitator()
        name = str(claims.get("name") or email.split("@")[0])[:120]
        # A password nobody knows: the person signs in through the provider (or asks for a reset).
        account = create_facilitator(email, name, secrets.token_urlsafe(32), locale=locale,
                                     role=AccountRole.ADMINISTRATOR if first else AccountRole.FACILITATOR)
    if not account.active:
        raise DomainError(_l("The account %(email)s has been deactivated. Ask an administrator if "
                             "you need it again.", email=email))
    apply_group_role(account, claims, policy)
    return account
