"""Schwab's streamer envelope: ``userPreference.streamerInfo``, LOGIN with the access token."""

from __future__ import annotations

from typing import Any, Optional

from pyTD.exceptions import ResponseFormatError


class SchwabEnvelope:
    """Requests as Schwab's streamer wants them, built from the user preference.

    The LOGIN carries the access token current at login time (``token``).

    >>> envelope = SchwabEnvelope(api.get_user_preference())      # doctest: +SKIP
    """

    provider = "schwab"
    activity_key = "Account Activity"

    def __init__(self, preference: dict, token: str = "") -> None:
        try:
            info = preference["streamerInfo"]
            info = info[0] if isinstance(info, list) else info
            self.url = str(info["streamerSocketUrl"])
            self.customer = str(info["schwabClientCustomerId"])
            self.correl = str(info["schwabClientCorrelId"])
            self.channel = str(info["schwabClientChannel"])
            self.function = str(info["schwabClientFunctionId"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ResponseFormatError("The user preference lacks streamerInfo; is the app "
                                      "entitled to market data streaming?") from exc
        self._token = token

    @classmethod
    def bootstrap(cls, api: Any) -> SchwabEnvelope:
        """Fetch the user preference through ``api``; the login will use its access token."""
        preference = api.get_user_preference(output_format="json")
        return cls(preference, api.auth.headers().get("Authorization", "")[len("Bearer "):])

    def request(self, service: str, command: str, requestid: str,
                parameters: dict[str, Any]) -> dict:
        """One command object."""
        return {"service": service, "requestid": requestid, "command": command,
                "SchwabClientCustomerId": self.customer, "SchwabClientCorrelId": self.correl,
                "parameters": parameters}

    def login(self, requestid: str, qos: Optional[int] = None) -> dict:
        """The ADMIN LOGIN command (Schwab has no quality of service: ``qos`` is ignored)."""
        return self.request("ADMIN", "LOGIN", requestid, {
            "Authorization": self._token, "SchwabClientChannel": self.channel,
            "SchwabClientFunctionId": self.function})

    def __repr__(self) -> str:
        return f"SchwabEnvelope(url={self.url!r})"
