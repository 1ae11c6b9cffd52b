"""The one session factory the adapters use: what it takes from the environment."""

from __future__ import annotations

import socket
import threading

import pytest

from publishing.networks.base import NetworkSettings
from publishing.networks.http import requests_session


def test_calls_to_a_network_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def answer_once() -> None:
        connection, _ = proxy.accept()
        with connection:
            seen.append(connection.recv(65536).split(b"\r\n", 1)[0])
            connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    listener = threading.Thread(target=answer_once, daemon=True)
    listener.start()
    for name in ("HTTP_PROXY", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.getsockname()[1]}")

    session = requests_session(NetworkSettings(api_url="http://mastodon.example"))
    response = session.get("http://mastodon.example/api/v1/instance", timeout=5)

    listener.join(timeout=5)
    proxy.close()
    assert response.status_code == 502
    assert seen == [b"GET http://mastodon.example/api/v1/instance HTTP/1.1"]
