"""Schwab's account routes: account numbers and hashes, accounts with positions, the user
preference, and the TD routes Schwab removed (404).

Paths take the account **hash**; a plain number (or anything else) is Schwab's 400
``Invalid account number``. Bodies are the TD mode's accounts (same holdings, prices
and balances) in Schwab's field names, with ``aggregatedBalance``.
"""

from __future__ import annotations

from pyTD.provider import SCHWAB
from pyTD.sandbox.accounts.models import ACCOUNT_IDS, ACCOUNT_TYPES
from pyTD.sandbox.accounts.routes_accounts import account_body
from pyTD.sandbox.data import seeded
from pyTD.sandbox.data.options import parse_option
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_response,
)
from pyTD.sandbox.schwab.symbols import to_schwab
from pyTD.sandbox.streaming import socket_url


def account_hash(seed: int, account_id: str) -> str:
    """The stable 64-character hash standing for an account number in paths."""
    return seeded.digest(seed, "account-hash", account_id).hex().upper()


def account_of(sandbox: SandboxLike, hash_value: str) -> str:
    """The account number of a hash; 400 ``Invalid account number`` for anything else."""
    for account_id in ACCOUNT_IDS:
        if hash_value == account_hash(sandbox.seed, account_id):
            return account_id
    raise BadRequest("Invalid account number")


def instrument_id(seed: int, symbol: str) -> int:
    """A stable numeric ``instrumentId``."""
    return 1_000_000 + int(seeded.unit(seed, "instrument-id", symbol) * 9e7)


def get_account_numbers(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /trader/v1/accounts/accountNumbers``."""
    return json_response([{"accountNumber": a, "hashValue": account_hash(sandbox.seed, a)}
                          for a in ACCOUNT_IDS])


def schwab_instrument(seed: int, td: dict) -> dict:
    """A TD-mode ``instrument`` (orders, positions) in Schwab's shape: OCC option symbols,
    Schwab's option description, ``instrumentId``; the same CUSIP."""
    model = td["symbol"]
    out = {**td, "symbol": to_schwab(model), "instrumentId": instrument_id(seed, model)}
    opt = parse_option(model)
    if opt is not None and td["assetType"] == "OPTION":
        out.update(description=f"{opt.root} {opt.expiry:%m/%d/%Y} ${opt.strike:g} "
                               f"{'Put' if opt.put else 'Call'}",
                   underlyingSymbol=to_schwab(opt.underlying), optionMultiplier=100)
    return out


def _position(seed: int, p: dict) -> dict:
    quantity = p["longQuantity"] - p["shortQuantity"]
    instrument = schwab_instrument(seed, p["instrument"])
    instrument["netChange"] = round(p["currentDayProfitLoss"] / quantity, 4)
    opt = parse_option(p["instrument"]["symbol"])
    cost = round(p["averagePrice"] * quantity * (100 if opt else 1), 2)
    out = {key: value for key, value in p.items() if key != "instrument"}
    out.update({"instrument": instrument, "maintenanceRequirement": round(
        0.25 * p["marketValue"], 2), "averageLongPrice": p["averagePrice"],
        "taxLotAverageLongPrice": p["averagePrice"],
        "longOpenProfitLoss": round(p["marketValue"] - cost, 2),
        "previousSessionLongQuantity": p["longQuantity"], "currentDayCost": 0.0})
    return out


def schwab_account(sandbox: SandboxLike, account_id: str, positions: bool) -> dict:
    """One account in Schwab's shape (``positions`` only when asked for)."""
    td = account_body(sandbox, account_id, ("positions",) if positions else ())
    src = td["securitiesAccount"]
    body: dict = {"type": src["type"], "accountNumber": account_id, "roundTrips": 0,
                  "isDayTrader": False, "isClosingOnlyRestricted": False, "pfcbFlag": False}
    if positions:
        body["positions"] = [_position(sandbox.seed, p) for p in src["positions"]]
    for key in ("initialBalances", "currentBalances", "projectedBalances"):
        body[key] = src[key]
    value = src["currentBalances"]["liquidationValue"]
    return {"securitiesAccount": body,
            "aggregatedBalance": {"currentLiquidationValue": value, "liquidationValue": value}}


def _positions(req: SandboxRequest) -> bool:
    wanted = [f.strip() for f in (req.arg("fields") or "").split(",") if f.strip()]
    for name in wanted:
        if name != "positions":
            raise BadRequest(f"Invalid fields '{name}': the only value is positions")
    return bool(wanted)


def get_accounts(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /trader/v1/accounts?fields=positions``."""
    positions = _positions(req)
    return json_response([schwab_account(sandbox, a, positions) for a in ACCOUNT_IDS])


def get_account(sandbox: SandboxLike, req: SandboxRequest, account: str) -> SandboxResponse:
    """``GET /trader/v1/accounts/{hash}?fields=positions``."""
    positions = _positions(req)
    return json_response(schwab_account(sandbox, account_of(sandbox, account), positions))


def get_user_preference(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /trader/v1/userPreference``: one object (not the spec's array), as live."""
    customer = seeded.digest(sandbox.seed, "customer", req.consumer_key).hex()
    correl = seeded.digest(sandbox.seed, "correl", req.consumer_key).hex()
    return json_response({
        "accounts": [{"accountNumber": a, "primaryAccount": a == ACCOUNT_IDS[0],
                      "type": "BROKERAGE", "nickName": ACCOUNT_TYPES[a].title(),
                      "displayAcctId": "..." + a[-3:], "autoPositionEffect": True,
                      "accountColor": "Green" if a == ACCOUNT_IDS[0] else "Blue"}
                     for a in ACCOUNT_IDS],
        "streamerInfo": [{
            "streamerSocketUrl": socket_url(sandbox, f"wss://{SCHWAB.streamer_socket_host}/ws"),
            "schwabClientCustomerId": customer,
            "schwabClientCorrelId": "-".join((correl[:8], correl[8:12], correl[12:16],
                                              correl[16:20], correl[20:32])),
            "schwabClientChannel": "N9", "schwabClientFunctionId": "APIAPP"}],
        "offers": [{"level2Permissions": True, "mktDataPermission": "NP"}]})


def removed(sandbox: SandboxLike, req: SandboxRequest, **_: str) -> SandboxResponse:
    """A TD route Schwab does not have (saved orders, watchlists, user principals,
    preferences): 404."""
    raise BadRequest(f"Resource not found: {req.path}", 404)


#: TD routes Schwab removed, under ``/trader/v1`` (matched before the account routes).
REMOVED = (r"/accounts/watchlists", r"/accounts/[^/]+/watchlists(?:/[^/]+)?",
           r"/accounts/[^/]+/savedorders(?:/[^/]+)?", r"/accounts/[^/]+/preferences",
           r"/userprincipals(?:/streamersubscriptionkeys)?")
