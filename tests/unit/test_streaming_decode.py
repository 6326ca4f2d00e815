"""Field maps, envelopes and the slow-consumer buffer, checked against the reference's payloads."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import parse_qs

import pytest

from pyTD.exceptions import ResponseFormatError
from pyTD.streaming.buffer import StreamBuffer
from pyTD.streaming.decode import MalformedFrame, decode_frame, messages
from pyTD.streaming.records import Message, status
from pyTD.streaming.schwab import SchwabEnvelope
from pyTD.streaming.td import TDEnvelope

UTC = dt.timezone.utc


def one(provider, service, item, timestamp=1590116673258):
    (msg,) = messages(provider, {"service": service, "timestamp": timestamp,
                                 "command": "SUBS", "content": [item]})
    return msg


def test_td_quote_fields_by_name():
    msg = one("tdameritrade", "QUOTE", {"1": 41.41, "2": 41.42, "3": 41.42, "4": 104, "5": 9,
                                        "6": "Q", "7": "Q", "8": 10315351, "key": "MSFT",
                                        "delayed": False})
    assert msg.service == "quotes" and msg.key == "MSFT" and msg.delayed is False
    assert msg.fields == {"bid": 41.41, "ask": 41.42, "last": 41.42, "bid_size": 104.0,
                          "ask_size": 9.0, "ask_id": "Q", "bid_id": "Q", "volume": 10315351}
    assert msg.time == dt.datetime(2020, 5, 22, 3, 4, 33, 258000, tzinfo=UTC)


def test_schwab_level_one_equities_from_a_live_payload():
    msg = one("schwab", "LEVELONE_EQUITIES", {
        "key": "MSFT", "delayed": True, "1": 417.01, "2": 417.08, "3": 417.09, "4": 1, "12": 415.81,
        "13": "Q", "14": False, "15": "Microsoft Corp", "33": 417.01, "34": 1715777955574,
        "39": "BATS", "42": 0.3078329, "49": 1})
    assert msg["bid"] == 417.01 and msg["close"] == 415.81 and msg["exchange_id"] == "Q"
    assert msg["marginable"] is False and msg["description"] == "Microsoft Corp"
    assert msg["mark"] == 417.01 and msg["ask_mic"] == "BATS"
    assert msg["net_percent_change"] == 0.3078329 and msg["shortable"] == 1
    assert msg["quote_time"] == dt.datetime.fromtimestamp(1715777955.574, UTC)


def test_chart_equity_differs_between_providers_as_the_live_payloads_show():
    td = one("tdameritrade", "CHART_EQUITY", {"seq": 985, "key": "MSFT", "1": 179.445,
                                              "2": 179.57, "3": 179.4299, "4": 179.52,
                                              "5": 53742.0, "6": 339, "7": 1590597540000,
                                              "8": 18409})
    assert (td["open"], td["volume"], td["sequence"], td.seq) == (179.445, 53742.0, 339, 985)
    assert td["chart_day"] == dt.date(2020, 5, 27)
    schwab = one("schwab", "CHART_EQUITY", {"seq": 0, "key": "MSFT", "1": 779, "2": 421.65,
                                            "3": 421.79, "4": 421.65, "5": 421.755, "6": 26.0,
                                            "7": 1715903940000, "8": 19859})
    assert (schwab["sequence"], schwab["open"], schwab["close"], schwab["volume"]) \
        == (779, 421.65, 421.755, 26.0)
    assert schwab["chart_time"] == dt.datetime(2024, 5, 16, 23, 59, tzinfo=UTC)
    assert schwab["chart_day"] == dt.date(2024, 5, 16)


def test_futures_bid_and_ask_ids_swap_between_providers():
    item = {"key": "/ES", "6": "A", "7": "B", "20": 0.0014}
    assert one("tdameritrade", "LEVELONE_FUTURES", item).fields == {
        "ask_id": "A", "bid_id": "B", "percent_change": 0.0014}
    assert one("schwab", "LEVELONE_FUTURES", item).fields == {
        "bid_id": "A", "ask_id": "B", "percent_change": 0.0014}


def test_forex_unused_strings_stay_strings():
    msg = one("tdameritrade", "LEVELONE_FOREX", {"key": "EUR/USD", "21": "UNUSED", "29": 0.8968})
    assert msg["tick"] == "UNUSED" and msg["mark"] == 0.8968


def test_books_name_their_levels_and_activity_keeps_its_payload():
    book = one("schwab", "NYSE_BOOK", {"key": "F", "1": 1765306322349,
                                       "2": [{"0": 13.12, "1": 31600, "2": 9, "3": []}], "3": []})
    assert (book["bids"][0].price, book["bids"][0].size) == (13.12, 31600)
    assert book["asks"] == []
    activity = one("schwab", "ACCT_ACTIVITY", {"seq": 2, "key": "Account Activity",
                                               "1": "12345678", "2": "OrderAccepted", "3": "{}"})
    assert (activity.service, activity["message_type"], activity.seq) == (
        "activity", "OrderAccepted", 2)


def test_frames_split_into_responses_notices_heartbeats_and_data():
    frame = decode_frame('{"notify":[{"heartbeat":"1400603717165"},{"service":"ADMIN",'
                         '"content":{"code":30,"msg":"Stop streaming"}}],"data":[]}')
    assert frame.heartbeat and frame.notices[0]["content"]["code"] == 30
    for bad in ('{"data":[{"service":"QUOTE","content":[{"key":"A","1":\\\\', "[1]",
                '{"response": 5}'):
        with pytest.raises(MalformedFrame):
            decode_frame(bad)


PRINCIPALS = {
    "streamerInfo": {"streamerSocketUrl": "streamer-ws.tdameritrade.com", "token": "tok",
                     "tokenTimestamp": "2014-05-20T17:38:24+0000", "userGroup": "ACCT",
                     "accessLevel": "ACCT", "acl": "DADSDFA4", "appId": "MYAPP"},
    "accounts": [{"accountId": "MYUSER20", "company": "AMER", "segment": "AMER",
                  "accountCdDomainId": "CDI"}],
    "streamerSubscriptionKeys": {"keys": [{"key": "af99"}]},
}


def test_td_login_carries_the_credential_string_of_the_reference():
    envelope = TDEnvelope(PRINCIPALS)
    assert envelope.url == "wss://streamer-ws.tdameritrade.com/ws"
    login = envelope.login("0", qos=2)
    assert (login["service"], login["command"], login["account"], login["source"]) == (
        "ADMIN", "LOGIN", "MYUSER20", "MYAPP")
    credential = {k: v[0] for k, v in parse_qs(login["parameters"]["credential"]).items()}
    assert credential == {"userid": "MYUSER20", "token": "tok", "company": "AMER",
                          "segment": "AMER", "cddomain": "CDI", "usergroup": "ACCT",
                          "accesslevel": "ACCT", "authorized": "Y",
                          "timestamp": "1400607504000", "appid": "MYAPP", "acl": "DADSDFA4"}
    assert login["parameters"]["qoslevel"] == "2" and envelope.activity_key == "af99"
    assert "tok" not in repr(envelope)


def test_schwab_login_carries_the_access_token_and_the_ids():
    envelope = SchwabEnvelope({"streamerInfo": [{
        "streamerSocketUrl": "wss://streamer-api.schwab.com/ws",
        "schwabClientCustomerId": "cust", "schwabClientCorrelId": "correl",
        "schwabClientChannel": "N9", "schwabClientFunctionId": "APIAPP"}]}, "ACCESS")
    login = envelope.login("1")
    assert login["parameters"] == {"Authorization": "ACCESS", "SchwabClientChannel": "N9",
                                   "SchwabClientFunctionId": "APIAPP"}
    assert (login["SchwabClientCustomerId"], login["SchwabClientCorrelId"]) == ("cust", "correl")
    assert "ACCESS" not in repr(envelope)


@pytest.mark.parametrize("build", [lambda: TDEnvelope({"accounts": []}),
                                   lambda: SchwabEnvelope({"accounts": []})])
def test_bootstrap_answers_without_streamer_info_say_what_is_missing(build):
    with pytest.raises(ResponseFormatError, match="streamer"):
        build()


def quote(n):
    return Message("quotes", "QUOTE", f"S{n}", {}, dt.datetime.now(UTC), {})


def activity(n):
    return Message("activity", "ACCT_ACTIVITY", "k", {"n": n}, dt.datetime.now(UTC), {})


def test_a_full_buffer_drops_the_oldest_quotes_and_never_activity_or_status():
    async def run():
        buffer = StreamBuffer(capacity=4)
        buffer.put(activity(0))
        for n in range(3):
            buffer.put(quote(n))
        buffer.put(status("notice", "x"))  # full: quote S0 goes
        buffer.put(activity(1))            # full: quote S1 goes
        buffer.put(activity(2))            # full: quote S2 goes
        buffer.put(activity(3))            # nothing droppable: the buffer grows
        return buffer, [await buffer.get() for _ in range(len(buffer))]

    buffer, items = asyncio.run(run())
    assert buffer.dropped == {"quotes": 3} and buffer.total_dropped == 3
    assert [getattr(i, "fields", {}).get("n", "status") for i in items] == [
        0, "status", 1, 2, 3]


def test_a_buffer_needs_room_for_one():
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        StreamBuffer(0)


def test_a_run_of_messages_becomes_a_frame_with_level_one_gaps_filled():
    pytest.importorskip("pandas")
    from pyTD.streaming import messages_frame

    now = dt.datetime.now(UTC)
    run = [status("connected", "x"),
           Message("quotes", "QUOTE", "AAPL", {"bid": 1.0, "ask": 2.0}, now, {}),
           Message("quotes", "QUOTE", "MSFT", {"bid": 5.0, "ask": 6.0}, now, {}),
           Message("quotes", "QUOTE", "AAPL", {"bid": 1.5}, now, {})]
    frame = messages_frame(run)
    assert list(frame.columns) == ["time", "service", "key", "seq", "bid", "ask"]
    assert frame["ask"].tolist() == [2.0, 6.0, 2.0]  # AAPL's ask carried forward
    assert messages_frame(run, fill=False)["ask"].isna().tolist() == [False, False, True]
    assert list(messages_frame([]).columns) == ["time", "service", "key", "seq"]


def test_backoff_grows_to_its_cap_with_injectable_jitter():
    from pyTD.streaming import Backoff

    delays = list(Backoff(first=1.0, factor=2.0, maximum=5.0, jitter=0.5, attempts=6,
                          random=lambda: 0.5).delays())
    assert delays == [0.0, 0.75, 1.5, 3.0, 3.75, 3.75]
