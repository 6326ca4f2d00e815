"""pyTD inside a real IPython kernel (ipykernel), against a sandbox run by this process.

- A notebook executed with nbclient calls ``api.authorize()`` with a callable
  that opens the URL in a background thread: the kernel shows the clickable
  link, the callback server in the kernel receives the code, requests work.
- ``authorize(manual=True)`` as on a remote kernel: pyTD prints the URL and asks
  for the redirected URL with ``input()``; this test answers the kernel's stdin
  request through ``jupyter_client`` with the URL the sandbox redirected to.
- The README's first call with no tokens: the kernel shows the link and waits
  for the callback (the test clicks the link), or, in a kernel started from an
  SSH login, asks for the redirected URL; interrupting the kernel while it waits
  raises ``KeyboardInterrupt`` and frees the callback port.

The kernel is started from a kernelspec written to a temporary ``JUPYTER_PATH``
that points at this interpreter, so nothing has to be installed beforehand.
"""

from __future__ import annotations

import html
import json
import queue
import re
import socket
import stat
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
import requests
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from pyTD.sandbox import Sandbox

from ..integration.auth_support import APP_KEY, new_app

KERNEL = "python3"
LOOP_TROUBLE = re.compile(r"event loop|never awaited|asyncio\.run\(\) cannot", re.IGNORECASE)


# -- a kernel of this interpreter -----------------------------------------------------------

@pytest.fixture(scope="module")
def jupyter_dirs(tmp_path_factory) -> Iterator[Path]:
    """Jupyter and IPython directories of our own, with a ``python3`` kernelspec for
    ``sys.executable``; TD_* settings of the outer environment do not reach the kernel."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "data" / "kernels" / KERNEL
    write_kernel_spec(spec_dir, overrides={"display_name": "Python 3 (pyTD tests)"})
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root / "data"))
        mp.setenv("JUPYTER_DATA_DIR", str(root / "data"))
        mp.setenv("JUPYTER_CONFIG_DIR", str(root / "config"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(root / "runtime"))
        mp.setenv("IPYTHONDIR", str(root / "ipython"))
        yield root


@pytest.fixture(scope="module")
def kernel(jupyter_dirs, tmp_path_factory):
    """One kernel shared by the jupyter_client tests of this module."""
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(cwd=str(tmp_path_factory.mktemp("kernel-cwd")))
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def sandbox(make_sandbox) -> Sandbox:
    return make_sandbox(auto_approve=True)


def client_source(sandbox: Sandbox, callback: str, name: str, **extra: Any) -> str:
    """Kernel code that builds an ``api`` for the sandbox."""
    options = dict(consumer_key=APP_KEY, callback_url=callback, base_url=sandbox.base_url,
                   auth_url=sandbox.auth_url, **extra)
    arguments = ", ".join(f"{key}={value!r}" for key, value in options.items())
    return f"from pyTD.api import api\n{name} = api({arguments})"


def output_texts(outputs: list[dict]) -> list[str]:
    """Every piece of text in a list of notebook outputs."""
    texts = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            texts.append(out["text"])
        elif kind == "error":
            texts.append(f"{out['ename']}: {out['evalue']}\n" + "\n".join(out["traceback"]))
        elif kind in ("display_data", "execute_result"):
            texts.extend(str(value) for value in out.get("data", {}).values())
    return texts


def assert_no_loop_trouble(outputs: list[dict]) -> None:
    for text in output_texts(outputs):
        assert not LOOP_TROUBLE.search(text), text


def assert_authorization_link(outputs: list[dict], sandbox: Sandbox, callback: str) -> str:
    """The clickable link of ``pyTD.auth.notebook``; returns its (unescaped) URL."""
    links = [out["data"]["text/html"] for out in outputs
             if out.get("output_type") == "display_data" and "text/html" in out.get("data", {})]
    assert len(links) == 1, links
    found = re.search(r'<a href="([^"]+)"[^>]*>', links[0])
    assert found, links[0]
    url = html.unescape(found.group(1))
    assert url.startswith(sandbox.auth_url + "?")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [APP_KEY + "@AMER.OAUTHAP"]
    assert query["redirect_uri"] == [callback]
    assert query["response_type"] == ["code"]
    assert len(query["state"][0]) >= 16
    return url


# -- nbclient: authorize() with a callable opener -----------------------------------------

OPENER = '''\
import threading
import requests

visits, threads = [], []

def open_in_background(url):
    """Visit the authorization URL like a browser would, without waiting for the answer."""
    def visit():
        with requests.Session() as session:
            session.trust_env = False
            visits.append(session.get(url, timeout=20))   # follows the redirect to the callback
    thread = threading.Thread(target=visit, daemon=True)
    threads.append(thread)
    thread.start()'''

CHECK_PAGE = '''\
for thread in threads:
    thread.join(10)
page = visits[0]
print("callback page:", [r.status_code for r in page.history], page.status_code,
      "Authorization complete" in page.text)
print("auth_valid:", a.auth_valid)'''

QUOTE = '''\
import json
quotes = a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
aapl = quotes["AAPL"]
print("QUOTE " + json.dumps({"symbol": aapl["symbol"], "last": aapl["lastPrice"]}))'''


def test_authorize_in_a_notebook_shows_a_link_and_gets_tokens(jupyter_dirs, sandbox, tmp_path):
    callback = new_app(sandbox)
    cells = [
        "import sys\nprint('EXECUTABLE', sys.executable)",
        client_source(sandbox, callback, "a", store_tokens=False),
        OPENER,
        "a.authorize(open_browser=open_in_background, timeout=30)",
        CHECK_PAGE,
        QUOTE,
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    NotebookClient(nb, kernel_name=KERNEL, timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [out for cell in nb.cells for out in cell.outputs]
    assert not [out for out in outputs if out.get("output_type") == "error"]
    assert not [out for out in outputs if out.get("name") == "stderr"], output_texts(outputs)
    assert_no_loop_trouble(outputs)

    executable, _, _, authorize, check, quote = (cell.outputs for cell in nb.cells)
    assert output_texts(executable) == [f"EXECUTABLE {sys.executable}\n"]
    url = assert_authorization_link(authorize, sandbox, callback)
    assert f"Authorization URL: {url}\n" in output_texts(authorize)
    assert output_texts(check) == ["callback page: [302] 200 True\nauth_valid: True\n"]
    line = "".join(output_texts(quote))
    assert line.startswith("QUOTE ")
    answer = json.loads(line[len("QUOTE "):])
    assert answer["symbol"] == "AAPL" and answer["last"] > 0

    stats = sandbox.stats()
    assert stats["grants"]["authorization_code"] == 1
    assert stats["requests"]["/v1/marketdata/quotes"] == 1


# -- jupyter_client: authorize(manual=True) answered over the kernel's stdin ----------------

class Conversation:
    """Runs code in the kernel, collecting its outputs and answering ``input()`` requests."""

    def __init__(self, kc, answer) -> None:
        self.kc = kc
        self.answer = answer          # answer(prompt, outputs so far) -> str
        self.outputs: list[dict] = []
        self.prompts: list[str] = []
        self.failure: Optional[BaseException] = None

    def _collect(self, msg: dict) -> None:
        kind = msg["header"]["msg_type"]
        if kind in ("stream", "display_data", "execute_result", "error"):
            self.outputs.append({"output_type": kind, **msg["content"]})

    def _on_output(self, msg: dict) -> None:
        self._collect(msg)

    def _on_stdin(self, msg: dict) -> None:
        # stdin and iopub are separate sockets: output printed before input() may still be
        # queued on iopub when the request arrives, so read it first.
        parent = msg["parent_header"].get("msg_id")
        while True:
            try:
                pending = self.kc.iopub_channel.get_msg(timeout=0.2)
            except queue.Empty:
                break
            if pending["parent_header"].get("msg_id") == parent:
                self._collect(pending)
        prompt = msg["content"]["prompt"]
        self.prompts.append(prompt)
        try:
            answer = self.answer(prompt, self.outputs)
        except BaseException as exc:  # answer anyway, so the shared kernel is not left waiting
            self.failure, answer = exc, ""
        self.kc.input(answer)

    def run(self, code: str) -> dict:
        reply = self.kc.execute_interactive(code, allow_stdin=True, timeout=60,
                                            stdin_hook=self._on_stdin,
                                            output_hook=self._on_output)
        if self.failure is not None:
            raise self.failure
        return reply["content"]


def printed_authorization_url(outputs: list[dict], sandbox: Sandbox) -> str:
    text = "".join(out["text"] for out in outputs if out["output_type"] == "stream")
    urls = set(re.findall(re.escape(sandbox.auth_url) + r"\?\S+", text))
    assert len(urls) == 1, "expected one authorization URL in the output"
    return urls.pop()


def test_manual_authorization_through_kernel_stdin(kernel, sandbox, tmp_path):
    callback = new_app(sandbox)
    config_dir = tmp_path / "cfg"

    def paste_redirect(prompt: str, outputs: list[dict]) -> str:
        url = printed_authorization_url(outputs, sandbox)
        with requests.Session() as session:
            session.trust_env = False
            approved = session.get(url, allow_redirects=False, timeout=10)
        assert approved.status_code == 302
        return approved.headers["Location"]

    talk = Conversation(kernel, paste_redirect)
    setup = talk.run(client_source(sandbox, callback, "m", config_dir=str(config_dir)))
    assert setup["status"] == "ok"
    reply = talk.run("m.authorize(manual=True)\nprint('auth_valid:', m.auth_valid)")
    assert reply["status"] == "ok", (reply.get("ename"), reply.get("evalue"))
    assert talk.prompts == ["Redirected URL: "]
    assert not [out for out in talk.outputs if out["output_type"] == "error"]
    assert_no_loop_trouble(talk.outputs)
    assert_authorization_link(talk.outputs, sandbox, callback)
    text = "".join(output_texts(talk.outputs))
    saved = re.search(r"Authorized: tokens saved in (\S+)\n", text)
    assert saved, text
    assert text.endswith("auth_valid: True\n")
    assert sandbox.stats()["grants"]["authorization_code"] == 1

    # The kernel wrote the tokens to its DiskCache, 0600; they work for requests there.
    cache_file = Path(saved.group(1))
    assert config_dir in cache_file.parents
    assert cache_file.is_file() and cache_file.stat().st_size > 0
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    check = Conversation(kernel, lambda prompt, outputs: pytest.fail("unexpected input()"))
    reply = check.run('print(m.access_valid, m.request("GET", "/marketdata/AAPL/quotes")'
                      '["AAPL"]["symbol"])')
    assert reply["status"] == "ok"
    assert output_texts(check.outputs) == ["True AAPL\n"]
    assert_no_loop_trouble(check.outputs)


def test_manual_authorization_denied_in_kernel(kernel, sandbox, tmp_path):
    callback = new_app(sandbox)
    sandbox.auto_approve = False

    def paste_denial(prompt: str, outputs: list[dict]) -> str:
        url = printed_authorization_url(outputs, sandbox)
        with requests.Session() as session:
            session.trust_env = False
            consent = session.get(url, timeout=10)
            assert consent.status_code == 200 and 'id="deny"' in consent.text
            form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                                   consent.text))
            form = {name: html.unescape(value) for name, value in form.items()}
            denied = session.post(sandbox.auth_url, data={**form, "decision": "deny"},
                                  allow_redirects=False, timeout=10)
        assert denied.status_code == 302
        return denied.headers["Location"]

    talk = Conversation(kernel, paste_denial)
    assert talk.run(client_source(sandbox, callback, "d", config_dir=str(tmp_path)))[
        "status"] == "ok"
    reply = talk.run("d.authorize(manual=True)")
    assert reply["status"] == "error"
    assert reply["ename"] == "AccessDeniedError"
    assert "Access was denied" in reply["evalue"]
    assert talk.prompts == ["Redirected URL: "]
    assert_no_loop_trouble(talk.outputs)

    after = Conversation(kernel, lambda prompt, outputs: pytest.fail("unexpected input()"))
    assert after.run("print('auth_valid:', d.auth_valid)")["status"] == "ok"
    assert output_texts(after.outputs) == ["auth_valid: False\n"]
    assert sandbox.stats()["grants"]["authorization_code"] == 0


# -- jupyter_client: the README's first call, with no tokens ---------------------------------

def first_call(name: str, environ: dict[str, str]) -> str:
    """Kernel code: the first data call of ``name`` with ``environ`` set for it only."""
    return (f"import os\nos.environ.update({environ!r})\ntry:\n"
            f"    quotes = {name}.get_quotes(['AAPL'])\nfinally:\n"
            f"    for variable in {list(environ)!r}:\n        del os.environ[variable]\n"
            "print('QUOTE', quotes['AAPL']['symbol'], quotes['AAPL']['lastPrice'] > 0)")


class LinkWatcher(Conversation):
    """A conversation that acts once the kernel shows the authorization link."""

    def __init__(self, kc, on_link) -> None:
        super().__init__(kc, lambda prompt, outputs: pytest.fail(f"unexpected input({prompt!r})"))
        self.on_link = on_link
        self.acted = False

    def _on_output(self, msg: dict) -> None:
        super()._on_output(msg)
        html_output = msg["content"].get("data", {}).get("text/html", "")
        if msg["header"]["msg_type"] == "display_data" and "<a href=" in html_output \
                and not self.acted:
            self.acted = True
            self.on_link(html.unescape(re.search(r'<a href="([^"]+)"', html_output).group(1)))


def click(pages: list, threads: list):
    """The user clicks the link: a browser on this machine visits it (in the background)."""
    def visit(url: str) -> None:
        with requests.Session() as session:
            session.trust_env = False
            pages.append(session.get(url, timeout=20))    # auto-approved, then the callback

    def on_link(url: str) -> None:
        thread = threading.Thread(target=visit, args=(url,), daemon=True)
        threads.append(thread)
        thread.start()
    return on_link


def test_first_call_in_a_notebook_shows_the_link_and_waits_for_the_callback(
        kernel, sandbox, tmp_path):
    callback = new_app(sandbox)
    pages: list = []
    threads: list = []
    talk = LinkWatcher(kernel, click(pages, threads))
    assert talk.run(client_source(sandbox, callback, "f", config_dir=str(tmp_path)))[
        "status"] == "ok"
    reply = talk.run(first_call("f", {"TD_NOTEBOOK_AUTH": "callback"}))
    assert reply["status"] == "ok", (reply.get("ename"), reply.get("evalue"))
    for thread in threads:
        thread.join(20)
    assert talk.prompts == []
    assert_no_loop_trouble(talk.outputs)
    assert_authorization_link(talk.outputs, sandbox, callback)
    text = "".join(output_texts(talk.outputs))
    assert "there is no terminal" not in text
    assert "interrupt the kernel to cancel" in text
    assert text.endswith("QUOTE AAPL True\n"), text
    assert [page.status_code for page in pages] == [200]
    assert "Authorization complete" in pages[0].text
    assert sandbox.stats()["grants"]["authorization_code"] == 1


def test_first_call_in_a_remote_kernel_asks_for_the_redirected_url(kernel, sandbox, tmp_path):
    callback = new_app(sandbox)

    def paste_redirect(prompt: str, outputs: list[dict]) -> str:
        url = printed_authorization_url(outputs, sandbox)
        with requests.Session() as session:
            session.trust_env = False
            approved = session.get(url, allow_redirects=False, timeout=10)
        assert approved.status_code == 302
        return approved.headers["Location"]

    talk = Conversation(kernel, paste_redirect)
    assert talk.run(client_source(sandbox, callback, "r", config_dir=str(tmp_path)))[
        "status"] == "ok"
    # The kernel was started from an SSH login: the browser is on another machine.
    reply = talk.run(first_call("r", {"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22",
                                      "TD_NOTEBOOK_AUTH": "auto"}))
    assert reply["status"] == "ok", (reply.get("ename"), reply.get("evalue"))
    assert talk.prompts == ["Redirected URL: "]
    assert_authorization_link(talk.outputs, sandbox, callback)
    assert "".join(output_texts(talk.outputs)).endswith("QUOTE AAPL True\n")
    assert sandbox.stats()["grants"]["authorization_code"] == 1


def test_interrupting_the_kernel_while_waiting_closes_the_callback_server(
        kernel, sandbox, tmp_path):
    callback = new_app(sandbox)
    port = urlsplit(callback).port
    talk = LinkWatcher(kernel, lambda url: kernel.parent.interrupt_kernel())
    assert talk.run(client_source(sandbox, callback, "i", config_dir=str(tmp_path)))[
        "status"] == "ok"
    reply = talk.run(first_call("i", {"TD_NOTEBOOK_AUTH": "callback"}))
    assert talk.acted
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
    with socket.socket() as probe:        # the kernel's callback server let go of the port
        probe.bind(("127.0.0.1", port))
    after = Conversation(kernel, lambda prompt, outputs: pytest.fail("unexpected input()"))
    assert after.run("print('auth_valid:', i.auth_valid)")["status"] == "ok"
    assert output_texts(after.outputs) == ["auth_valid: False\n"]
    assert sandbox.stats()["grants"]["authorization_code"] == 0


# -- streaming in a kernel: the blocking iterator, top-level ``async for``, the asyncio client --

STREAM_CELLS = [
    '''\
from pyTD.streaming import Message, messages_frame
s = a.stream()
s.subscribe_quotes(["AAPL", "MSFT"], fields=["bid", "ask", "last"])
seen, collected = set(), []
for msg in s:
    if isinstance(msg, Message):
        seen.add(msg.key)
        collected.append(msg)
    if seen == {"AAPL", "MSFT"}:
        break
print("BLOCKING", sorted(seen))''',
    '''\
async for msg in s:      # top-level await: the kernel's own event loop keeps running
    if isinstance(msg, Message):
        collected.append(msg)
        print("ASYNC FOR", msg.service, type(msg.get("bid", msg.get("last"))).__name__)
        break
s.close()''',
    '''\
async with a.stream(asynchronous=True) as t:    # the asyncio client, in the kernel's loop
    await t.subscribe_chart("AAPL")
    async for msg in t:
        if isinstance(msg, Message):
            print("ASYNCIO", msg.service, msg.key, type(msg["close"]).__name__)
            break''',
    '''\
frame = messages_frame(collected)
print("FRAME", sorted(set(frame["key"])), str(frame["time"].dt.tz))''',
]


def test_streaming_in_a_notebook_three_ways_and_as_a_frame(jupyter_dirs, sandbox, tmp_path):
    pytest.importorskip("websockets")
    from pyTD.sandbox.client import sandbox_api

    callback = new_app(sandbox)
    config_dir = tmp_path / "cfg"
    sandbox_api(sandbox, consumer_key=APP_KEY, callback_url=callback,
                config_dir=str(config_dir), cache=None).close()   # tokens in its DiskCache
    cells = [client_source(sandbox, callback, "a", config_dir=str(config_dir)), *STREAM_CELLS]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    NotebookClient(nb, kernel_name=KERNEL, timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [out for cell in nb.cells for out in cell.outputs]
    assert not [out for out in outputs if out.get("output_type") == "error"], \
        output_texts(outputs)
    assert_no_loop_trouble(outputs)
    _, blocking, async_for, asyncio_client, frame = ("".join(output_texts(cell.outputs))
                                                     for cell in nb.cells)
    assert blocking == "BLOCKING ['AAPL', 'MSFT']\n"
    assert async_for == "ASYNC FOR quotes float\n"
    assert asyncio_client == "ASYNCIO chart AAPL float\n"
    assert frame == "FRAME ['AAPL', 'MSFT'] UTC\n"
