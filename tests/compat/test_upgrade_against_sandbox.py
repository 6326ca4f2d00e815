"""An install of the original pyTD moves to this one against the sandbox without re-authorizing."""

from __future__ import annotations

import json
import os

import requests

from pyTD.api import api
from pyTD.sandbox import Sandbox
from tests.integration.auth_support import APP_KEY, client_for, new_app


def test_old_token_file_serves_requests_and_refreshes_without_authorizing(tmp_path):
    with Sandbox(auto_approve=True) as sandbox:
        callback = new_app(sandbox)
        first = client_for(sandbox, callback)          # tokens in memory only
        url, state = first.auth.authorization_url()
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        first.auth.exchange_code(location, state=state)
        old = {name: {"token": token.token, "access_time": token.access_time,
                      "expires_in": token.expires_in}
               for name, token in (("refresh_token", first.refresh_token),
                                   ("access_token", first.access_token))}
        old["access_token"]["access_time"] -= 3600     # expired: must be refreshed
        tdm = os.path.expanduser("~/.tdm")
        os.makedirs(tdm)
        with open(os.path.join(tdm, APP_KEY), "w") as f:
            json.dump(old, f)

        upgraded = api(consumer_key=APP_KEY, callback_url=callback,
                       base_url=sandbox.base_url, auth_url=sandbox.auth_url,
                       config_dir=str(tmp_path / "cfg"))
        assert upgraded.refresh_valid
        assert upgraded.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
        grants = sandbox.stats()["grants"]
        assert grants.get("authorization_code", 0) == 1
        assert grants.get("refresh_token", 0) == 1
