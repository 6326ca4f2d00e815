"""TD Ameritrade's streamer envelope: user principals, the credential string, ADMIN LOGIN."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from pyTD.exceptions import ResponseFormatError

PRINCIPAL_FIELDS = ["streamerSubscriptionKeys", "streamerConnectionInfo"]


def socket_url(host: str) -> str:
    """``wss://HOST/ws`` from ``streamerInfo.streamerSocketUrl``; a full URL is kept."""
    return host if "://" in host else f"wss://{host}/ws"


def _epoch_ms(stamp: str) -> int:
    """``tokenTimestamp`` (``2020-05-22T02:12:48+0000``) as epoch milliseconds."""
    return int(dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").timestamp() * 1000)


class TDEnvelope:
    """Requests as TD's streamer wants them, built from the user principals.

    >>> envelope = TDEnvelope(api.get_user_principals(fields=PRINCIPAL_FIELDS))  # doctest: +SKIP
    >>> envelope.login("0")["command"]                                           # doctest: +SKIP
    'LOGIN'
    """

    provider = "tdameritrade"

    def __init__(self, principals: dict) -> None:
        try:
            info = principals["streamerInfo"]
            account = principals["accounts"][0]
            self.url = socket_url(info["streamerSocketUrl"])
            self.account = str(account["accountId"])
            self.source = str(info["appId"])
            self.activity_key = principals["streamerSubscriptionKeys"]["keys"][0]["key"]
            self._token = info["token"]
            self._credential = urlencode({
                "userid": self.account, "token": info["token"], "company": account["company"],
                "segment": account["segment"], "cddomain": account["accountCdDomainId"],
                "usergroup": info["userGroup"], "accesslevel": info["accessLevel"],
                "authorized": "Y", "timestamp": _epoch_ms(info["tokenTimestamp"]),
                "appid": info["appId"], "acl": info["acl"]})
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ResponseFormatError(
                "The user principals lack the streamer's connection info; ask for "
                f"fields={PRINCIPAL_FIELDS} (is streaming enabled for this app?)") from exc

    @classmethod
    def bootstrap(cls, api: Any) -> TDEnvelope:
        """Fetch the user principals through ``api`` (refreshing its token as REST does)."""
        return cls(api.get_user_principals(fields=PRINCIPAL_FIELDS, output_format="json"))

    def request(self, service: str, command: str, requestid: str,
                parameters: dict[str, Any]) -> dict:
        """One command object."""
        return {"service": service, "requestid": requestid, "command": command,
                "account": self.account, "source": self.source, "parameters": parameters}

    def login(self, requestid: str, qos: int | None = None) -> dict:
        """The ADMIN LOGIN command (with a quality of service level 0-5 when given)."""
        parameters: dict[str, Any] = {"token": self._token, "version": "1.0",
                                      "credential": self._credential}
        if qos is not None:
            parameters["qoslevel"] = str(qos)
        return self.request("ADMIN", "LOGIN", requestid, parameters)

    def __repr__(self) -> str:
        return f"TDEnvelope(url={self.url!r}, account={self.account[-4:]!r})"
