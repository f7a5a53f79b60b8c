"""A bad network, on this computer: a TCP proxy on 127.0.0.1 between the app and the test server.

It passes bytes both ways until told otherwise:

- `reset()`: every connection through it is reset at once (as when a wifi access point changes);
- `silence()`: nothing passes any more, either way, and nobody is told (packets dropped: the
  server keeps its side of each connection open, as it would);
  new connections are accepted and go nowhere; `resume()` lets new connections through again
  (the silenced ones stay dead, as they would);
- `refusing`: new connections are reset as they come;
- `drop_commit_replies`: the next n COMMITs reach the server, which commits, and the connection
  is cut before its answer comes back (the save is in the database; the client never hears so);
- `chaos`: each COMMIT, by a seeded die, passes, has its answer dropped, or is reset before it
  reaches the server.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
from dataclasses import dataclass, field

from psycopg.conninfo import conninfo_to_dict

COMMIT = b"Q" + struct.pack("!I", 4 + len(b"COMMIT\x00")) + b"COMMIT\x00"


@dataclass
class Link:
    client: socket.socket
    server: socket.socket | None
    silent: bool = False
    drop_reply: bool = False
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for sock in (self.client, self.server):
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                # A reset, not a polite close: as a network that has gone.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # at once, even while a pump waits on it
            with contextlib.suppress(OSError):
                sock.close()


class Proxy:
    def __init__(self, target: str) -> None:
        parts = conninfo_to_dict(target)
        self.target = (str(parts.get("host") or "127.0.0.1"), int(parts.get("port") or 5432))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: list[Link] = []
        self.silent = False
        self.refusing = False  # new connections are closed at once (the server's port unreachable)
        self.drop_commit_replies = 0
        self.chaos: tuple[random.Random, float, float] | None = None  # (die, p(drop answer), p(reset))
        self.commits = 0
        self.dropped = 0
        self.resets = 0
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def url(self, dbname: str, user: str | None = None) -> str:
        login = f"cgtest_{user}" if user is not None else "postgres"
        return f"postgresql://{login}@127.0.0.1:{self.port}/{dbname}"

    # ----- what the test does to the network ------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            links, self.links = self.links, []
        for link in links:
            link.close()

    def silence(self) -> None:
        with self._lock:
            self.silent = True
            for link in self.links:
                link.silent = True

    def resume(self) -> None:
        with self._lock:
            self.silent = False

    def close(self) -> None:
        self._stopped = True
        with contextlib.suppress(OSError):
            self.listener.close()
        self.reset()

    # ----- the pumps -----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                silent, refusing = self.silent, self.refusing
            if refusing:
                Link(client, None).close()
                continue
            server = None
            if not silent:
                try:
                    server = socket.create_connection(self.target, timeout=5)
                    server.settimeout(None)
                except OSError:
                    client.close()
                    continue
            link = Link(client, server, silent=silent)
            with self._lock:
                self.links.append(link)
            threading.Thread(target=self._pump, args=(link, True), daemon=True).start()
            if server is not None:
                threading.Thread(target=self._pump, args=(link, False), daemon=True).start()

    def _pump(self, link: Link, upstream: bool) -> None:
        source = link.client if upstream else link.server
        assert source is not None
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                link.close()
                return
            if link.silent:
                continue  # dropped on the floor; nobody is told
            if upstream and COMMIT in data:
                fate = self._fate_of_commit()
                if fate == "reset":
                    self.resets += 1
                    link.close()
                    return
                if fate == "drop":
                    link.drop_reply = True
            elif not upstream and link.drop_reply:
                self.dropped += 1
                link.close()  # the server committed; its answer never arrives
                return
            target = link.server if upstream else link.client
            try:
                assert target is not None
                target.sendall(data)
            except OSError:
                link.close()
                return

    def _fate_of_commit(self) -> str:
        with self._lock:
            self.commits += 1
            if self.drop_commit_replies > 0:
                self.drop_commit_replies -= 1
                return "drop"
            if self.chaos is not None:
                die, drop, reset = self.chaos
                roll = die.random()
                if roll < drop:
                    return "drop"
                if roll < drop + reset:
                    return "reset"
            return "pass"
