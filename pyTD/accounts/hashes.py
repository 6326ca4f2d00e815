"""Account numbers to the hashes Schwab's Trader API wants in its paths.

Schwab refuses plain account numbers in ``/accounts/{accountNumber}/...``: each
account is addressed by an opaque ``hashValue`` from
``GET /trader/v1/accounts/accountNumbers``. Users keep passing account numbers;
pyTD looks the hashes up once per api (one request even when many threads ask
first), and looks them up again once when Schwab refuses a hash (it changed).
On TD Ameritrade the account number is the path segment and nothing is looked up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from pyTD.exceptions import ResourceNotFound, TDError, ValidationError

if TYPE_CHECKING:
    from pyTD.api import api as Client

T = TypeVar("T")

_ATTRIBUTE = "_pytd_account_hashes"
_GUARD = threading.Lock()


def uses_hashes(client: Client) -> bool:
    """Whether ``client``'s provider addresses accounts by hash (Schwab)."""
    return bool(client.provider.supports("account_numbers"))


class AccountHashes:
    """The ``accountNumber -> hashValue`` table of one api, fetched lazily and thread-safely."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._table: Optional[dict[str, str]] = None
        self._raw: Optional[list[Any]] = None
        self._generation = 0

    def numbers(self) -> list[Any]:
        """The raw ``[{"accountNumber", "hashValue"}]`` list (fetched once)."""
        self._ensure()
        return list(self._raw or [])

    def _ensure(self, stale: Optional[int] = None) -> int:
        """Fetch the table unless it is loaded (and newer than generation ``stale``)."""
        with self._lock:
            if self._table is None or (stale is not None and self._generation == stale):
                path = self._client.provider.path("account_numbers")
                raw = self._client.request("GET", path) or []
                self._raw = list(raw)
                self._table = {str(row.get("accountNumber")): str(row.get("hashValue"))
                               for row in self._raw if isinstance(row, dict)}
                self._generation += 1
            return self._generation

    def resolve(self, account: str) -> tuple[str, int]:
        """``(hash, generation)`` for an account number or a hash passed directly."""
        generation = self._ensure()
        table = self._table or {}
        if account in table.values() or not account.isdigit():
            return account, generation
        if account not in table:
            raise ResourceNotFound(
                f"Account {account} is not among this login's accounts "
                f"(known: {', '.join(sorted(table)) or 'none'}); check the account number, "
                "or list them with get_account_numbers().")
        return table[account], generation

    def refresh(self, generation: int) -> None:
        """Look the hashes up again, unless another caller already did since ``generation``."""
        self._ensure(stale=generation)


def hashes_of(client: Client) -> AccountHashes:
    """The :class:`AccountHashes` attached to ``client`` (created on first use)."""
    table = getattr(client, _ATTRIBUTE, None)
    if table is None:
        with _GUARD:
            table = getattr(client, _ATTRIBUTE, None)
            if table is None:
                table = AccountHashes(client)
                setattr(client, _ATTRIBUTE, table)
    return table


def _refused(error: ValidationError) -> bool:
    return "invalid account number" in str(error).lower()


def with_account(client: Client, account: str, send: Callable[[str], T]) -> T:
    """``send(path segment)`` for ``account``: its hash on Schwab, the number itself on TD.

    A hash Schwab refuses (400 "Invalid account number") is looked up again once;
    if it is refused again the error names the account number. Other errors name
    the account by the number the user passed, not by its opaque hash.
    """
    if not uses_hashes(client):
        return send(account)
    hashes = hashes_of(client)
    for looked_up_again in (False, True):
        segment, generation = hashes.resolve(account)
        try:
            return send(segment)
        except ValidationError as error:
            if not _refused(error):
                _name_account(error, segment, account)
                raise
            if looked_up_again:
                raise ValidationError(
                    f"{client.provider.title} refused account {account} (as {segment!r}) even "
                    f"after looking its hash up again: {error}", status_code=error.status_code,
                ) from error
            hashes.refresh(generation)
        except TDError as error:
            _name_account(error, segment, account)
            raise
    raise AssertionError("unreachable: the second attempt returns or raises")


def _name_account(error: TDError, segment: str, account: str) -> None:
    """Replace the account's hash in ``error``'s message by the account number."""
    if segment != account and segment in error.message:
        error.message = error.message.replace(segment, account)
        error.args = (error.message, *error.args[1:])
