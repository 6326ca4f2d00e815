"""User principals, streamer subscription keys and account preferences."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from pyTD import output
from pyTD.accounts.hashes import hashes_of, uses_hashes
from pyTD.endpoints import change, fetch, resolve_api
from pyTD.exceptions import NotSupportedError, ValidationError
from pyTD.validation import Fields, Id, check_enum_list, check_id, check_mapping

if TYPE_CHECKING:
    from pyTD.api import api as Client

PRINCIPAL_FIELDS = ("streamerSubscriptionKeys", "streamerConnectionInfo", "preferences",
                    "surrogateIds")


def get_user_principals(*, fields: Fields = None, api: Optional[Client] = None,
                        output_format: Optional[str] = None) -> Any:
    """The user's principal data; ``fields`` adds any of :data:`PRINCIPAL_FIELDS`.

    pandas: a one-row frame (index ``userId``), nested objects as ``a.b`` columns.

    >>> from pyTD.accounts import get_user_principals
    >>> get_user_principals(fields=["streamerConnectionInfo"])["streamerInfo"]  # doctest: +SKIP
    """
    params = {}
    if fields is not None:
        params["fields"] = ",".join(check_enum_list("fields", fields, PRINCIPAL_FIELDS))
    return fetch(api, "user_principals", lambda d: output.records_frame([d], index="userId"),
                 output_format=output_format, params=params)


def get_streamer_subscription_keys(account_ids: Union[Id, Sequence[Id]], *,
                                   api: Optional[Client] = None,
                                   output_format: Optional[str] = None) -> Any:
    """Streamer subscription keys for one or more accounts; pandas: one row per key.

    >>> get_streamer_subscription_keys(["123456789"])  # doctest: +SKIP
    {'keys': [{'key': '...'}]}
    """
    if isinstance(account_ids, str):
        items: list[Any] = account_ids.split(",")
    elif isinstance(account_ids, numbers.Integral):
        items = [account_ids]
    elif isinstance(account_ids, Iterable):
        items = list(account_ids)
    else:
        items = [account_ids]  # refused by check_id below with the usual message
    if not items:
        raise ValidationError("account_ids is empty; pass an account id such as '123456789' "
                              "or a list of them.")
    ids = ",".join(dict.fromkeys(check_id("account_ids", item) for item in items))
    return fetch(api, "streamer_subscription_keys",
                 lambda d: output.records_frame((d or {}).get("keys") or [], columns=("key",)),
                 output_format=output_format, params={"accountIds": ids})


def get_preferences(account_id: Id, *, api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """An account's trading preferences; pandas: a one-row frame (index ``accountId``).

    >>> get_preferences("123456789")["defaultEquityOrderType"]  # doctest: +SKIP
    'LIMIT'
    """
    account = check_id("account_id", account_id)
    api = _per_account_preferences(api, "get_preferences")
    return fetch(api, "preferences", lambda d: output.records_frame(
        [{**(d or {}), "accountId": account}], index="accountId"),
        output_format=output_format, account_id=account)


def update_preferences(account_id: Id, preferences: Mapping[str, Any], *,
                       api: Optional[Client] = None) -> None:
    """Replace an account's preferences (every writable field, as :func:`get_preferences`
    returns them; ``directOptionsRouting``/``directEquityRouting`` cannot change).

    >>> prefs = get_preferences("123456789")  # doctest: +SKIP
    >>> update_preferences("123456789", {**prefs, "defaultEquityQuantity": 10})  # doctest: +SKIP
    """
    api = _per_account_preferences(api, "update_preferences")
    body = check_mapping("preferences", preferences)
    change(api, "PUT", "preferences", json=body, account_id=check_id("account_id", account_id))


def get_user_preference(*, api: Optional[Client] = None,
                        output_format: Optional[str] = None) -> Any:
    """The login's preferences: accounts, streamer info, offers (Schwab only).

    ``GET /trader/v1/userPreference``; Schwab documents an array and answers an
    object: both are returned as sent (pandas: one row per element). On TD
    Ameritrade :class:`~pyTD.exceptions.NotSupportedError` is raised before
    anything is sent (TD's preferences are per account: :func:`get_preferences`).

    >>> get_user_preference()["accounts"][0]["accountNumber"]  # doctest: +SKIP
    """
    client = resolve_api(api)
    if not uses_hashes(client):
        raise NotSupportedError(f"{client.provider.title} has no user preference endpoint; "
                                "use get_preferences(account_id) there.")
    return fetch(client, "preferences", lambda d: output.records_frame(
        list(d) if isinstance(d, list) else [d or {}]), output_format=output_format)


def get_account_numbers(*, api: Optional[Client] = None) -> list[Any]:
    """``[{"accountNumber", "hashValue"}]``: the login's accounts and their hashes (Schwab only).

    pyTD fetches them once per api and uses the hashes wherever an account number
    is passed. On TD Ameritrade :class:`~pyTD.exceptions.NotSupportedError` is raised.

    >>> get_account_numbers()  # doctest: +SKIP
    [{'accountNumber': '123456789', 'hashValue': 'E5B3...'}]
    """
    client = resolve_api(api)
    client.provider.path("account_numbers")  # NotSupportedError on TD, nothing sent
    return hashes_of(client).numbers()


def _per_account_preferences(api: Optional[Client], name: str) -> Client:
    client = resolve_api(api)
    if uses_hashes(client):
        raise NotSupportedError(
            f"{client.provider.title} has no per-account preferences ({name}); "
            "use get_user_preference() for the login's preferences.")
    return client
