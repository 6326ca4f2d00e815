"""User principals, streamer subscription keys and account preferences."""

from __future__ import annotations

import copy
from typing import Any

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox.accounts.models import ACCOUNT_IDS, ACCOUNT_TYPES, require_account, state
from pyTD.sandbox.data import seeded
from pyTD.sandbox.routing import (
    BEARER,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_body,
    json_response,
    required,
    td_time,
)
from pyTD.sandbox.streaming import remember_td_token, socket_url

PRINCIPAL_FIELDS = ("streamerSubscriptionKeys", "streamerConnectionInfo", "preferences",
                    "surrogateIds")
#: Preference key -> allowed values (None: any value of the right type).
PREFERENCE_ENUMS = {
    "defaultEquityOrderLegInstruction": ("BUY", "SELL", "BUY_TO_COVER", "SELL_SHORT", "NONE"),
    "defaultEquityOrderType": ("MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP",
                               "MARKET_ON_CLOSE", "NONE"),
    "defaultEquityOrderPriceLinkType": ("VALUE", "PERCENT", "NONE"),
    "defaultEquityOrderDuration": ("DAY", "GOOD_TILL_CANCEL", "NONE"),
    "defaultEquityOrderMarketSession": ("AM", "PM", "NORMAL", "SEAMLESS", "NONE"),
    "mutualFundTaxLotMethod": ("FIFO", "LIFO", "HIGH_COST", "LOW_COST", "MINIMUM_TAX",
                               "AVERAGE_COST", "NONE"),
    "optionTaxLotMethod": ("FIFO", "LIFO", "HIGH_COST", "LOW_COST", "MINIMUM_TAX",
                           "AVERAGE_COST", "NONE"),
    "equityTaxLotMethod": ("FIFO", "LIFO", "HIGH_COST", "LOW_COST", "MINIMUM_TAX",
                           "AVERAGE_COST", "NONE"),
    "defaultAdvancedToolLaunch": ("TA", "N", "Y", "TOS", "NONE", "CC2"),
    "authTokenTimeout": ("FIFTY_FIVE_MINUTES", "TWO_HOURS", "FOUR_HOURS", "EIGHT_HOURS"),
}
REQUIRED_PREFERENCES = (*PREFERENCE_ENUMS, "defaultEquityQuantity", "expressTrading")


def _token(sandbox: SandboxLike, *parts: object) -> str:
    return seeded.digest(sandbox.seed, "principal", *parts).hex()


def subscription_key(sandbox: SandboxLike, req: SandboxRequest) -> dict:
    """``{"keys": [{"key": ...}]}`` for the calling app."""
    return {"keys": [{"key": _token(sandbox, "key", req.consumer_key)[:32]}]}


def _account(sandbox: SandboxLike, account_id: str, fields: tuple) -> dict:
    body = {"accountId": account_id, "displayName": f"SANDBOX{account_id[-4:]}",
            "accountCdDomainId": "A0000000" + account_id[:8], "company": "AMER",
            "segment": "AMER", "acl": "DRESTWUA",
            "authorizations": {"apex": False, "levelTwoQuotes": True, "stockTrading": True,
                               "marginTrading": ACCOUNT_TYPES[account_id] == "MARGIN",
                               "streamingNews": True,
                               "optionTradingLevel": "SPREAD" if ACCOUNT_TYPES[account_id]
                               == "MARGIN" else "LONG",
                               "streamerAccess": True, "advancedMargin": False,
                               "scottradeAccount": False}}
    if "preferences" in fields:
        body["preferences"] = copy.deepcopy(state(sandbox).preferences[account_id])
    if "surrogateIds" in fields:
        body["surrogateIds"] = {"Market Edge": "", "Flybook": "", "SIS": "", "Zacks": ""}
    return body


def get_user_principals(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /userprincipals?fields=...``."""
    fields = tuple(f.strip() for f in (req.arg("fields") or "").split(",") if f.strip())
    for name in fields:
        if name not in PRINCIPAL_FIELDS:
            raise BadRequest(f"Invalid fields '{name}': allowed values are "
                             + ", ".join(PRINCIPAL_FIELDS))
    now = sandbox.clock()
    body: dict = {
        "authToken": _token(sandbox, "auth", req.consumer_key)[:40], "userId": "sandboxuser",
        "userCdDomainId": "A000000098765432", "primaryAccountId": ACCOUNT_IDS[0],
        "lastLoginTime": td_time(now - 3600), "tokenExpirationTime": td_time(now + 1800),
        "loginTime": td_time(now - 60), "accessLevel": "CUS", "stalePassword": False,
        "professionalStatus": "NON_PROFESSIONAL",
        "quotes": {"isNyseDelayed": False, "isNasdaqDelayed": False, "isOpraDelayed": False,
                   "isAmexDelayed": False, "isCmeDelayed": True, "isIceDelayed": True,
                   "isForexDelayed": True},
        "accounts": [_account(sandbox, a, fields) for a in ACCOUNT_IDS],
    }
    if "streamerConnectionInfo" in fields:
        token = _token(sandbox, "streamer", req.consumer_key, int(now) // 60)[:40]
        remember_td_token(sandbox, token, req.headers.get("Authorization", "")[len("Bearer "):])
        body["streamerInfo"] = {
            "streamerBinaryUrl": TD_AMERITRADE.streamer_binary_host,
            "streamerSocketUrl": socket_url(sandbox, TD_AMERITRADE.streamer_socket_host),
            "token": token,
            "tokenTimestamp": td_time(now), "userGroup": "ACCT", "accessLevel": "ACCT",
            "acl": "DRESTWUA", "appId": "SANDBOX"}
    if "streamerSubscriptionKeys" in fields:
        body["streamerSubscriptionKeys"] = subscription_key(sandbox, req)
    return json_response(body)


def get_streamer_keys(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /userprincipals/streamersubscriptionkeys?accountIds=a,b``."""
    for account_id in required(req, "accountIds").split(","):
        if account_id.strip() not in ACCOUNT_TYPES:
            raise BadRequest(f"Invalid accountIds '{account_id.strip()}'")
    return json_response(subscription_key(sandbox, req))


def get_preferences(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``GET /accounts/{id}/preferences``."""
    require_account(account_id)
    with sandbox.lock:
        return json_response(copy.deepcopy(state(sandbox).preferences[account_id]))


def _check_preferences(body: Any) -> None:
    if not isinstance(body, dict):
        raise BadRequest("Preferences must be a JSON object")
    missing = [key for key in REQUIRED_PREFERENCES if key not in body]
    if missing:
        raise BadRequest("Missing required preferences: " + ", ".join(missing))
    for key, allowed in PREFERENCE_ENUMS.items():
        if body[key] not in allowed:
            raise BadRequest(f"Invalid {key} '{body[key]}': allowed values are "
                             + ", ".join(allowed))
    quantity = body["defaultEquityQuantity"]
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise BadRequest("Invalid defaultEquityQuantity: a non-negative integer is required")
    if not isinstance(body["expressTrading"], bool):
        raise BadRequest("Invalid expressTrading: true or false is required")


def put_preferences(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``PUT /accounts/{id}/preferences``: 204; routing preferences stay as they were."""
    require_account(account_id)
    body = json_body(req, "Preferences must be a JSON object")
    _check_preferences(body)
    with sandbox.lock:
        current = state(sandbox).preferences[account_id]
        current.update({key: body[key] for key in REQUIRED_PREFERENCES})
    sandbox.count("preferences", "updated")
    return SandboxResponse(204, b"")


def register(router: Router) -> None:
    """Add the user-principal and preference routes."""
    router.add("GET", r"/userprincipals", get_user_principals, BEARER)
    router.add("GET", r"/userprincipals/streamersubscriptionkeys", get_streamer_keys, BEARER)
    preferences = r"/accounts/(?P<account_id>[^/]+)/preferences"
    router.add("GET", preferences, get_preferences, BEARER)
    router.add("PUT", preferences, put_preferences, BEARER)
