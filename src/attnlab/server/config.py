"""What `attnlab serve` was started with, and the rules that follow from it (loopback, token, hosts).

Binding 127.0.0.1 (the default) serves only this machine. Binding anything else (a LAN address for a
classroom, 0.0.0.0) requires an access token: the one given (`--token`, `ATTNLAB_TOKEN`) or one made
here, printed in the URL. A token given while on loopback is required too (for tests and shared
machines). Hosts: a request must name this server by an IP address or by `localhost` (or by the
host name it was bound to); any other name is refused, because a page on another site can point a
name it controls at 127.0.0.1 (DNS rebinding) but can never make the browser send an IP literal as
the Host of that site's own pages.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass

from ..errors import AttnlabError

GiB = 2**30
DEFAULT_PORT = 8765
DEFAULT_MAX_CACHE = 2 * GiB
DEFAULT_LINK_STORE = 64 * 2**20  # disk for link records: thousands of texts (a record is ~4 KiB on disk)
DEFAULT_MAX_BODY = 2**20  # 1 MiB: a toy x of 256 x 512 numbers is ~1 MB of JSON at most
TOKEN_ENV = "ATTNLAB_TOKEN"


@dataclass(frozen=True)
class ServeConfig:
    """Everything the app needs to know about how it was started."""

    host: str = "127.0.0.1"  # the address uvicorn binds
    port: int = DEFAULT_PORT  # its port (0: any free port, as tests use)
    token: str | None = None  # required on every request when set (always set off loopback)
    models: tuple[str, ...] = ()  # models given with --model at start, besides the registry's names
    max_cache: int = DEFAULT_MAX_CACHE  # bytes all kept traces may hold (toys half, at most 64 MiB; LRU out first)
    links_dir: str | None = None  # folder of the link records (server.links); None: links last until the server stops
    link_store: int = DEFAULT_LINK_STORE  # bytes of disk those records may take (0: none kept)
    max_body: int = DEFAULT_MAX_BODY  # request bodies beyond this many bytes get 413
    queue: int = 2  # model captures that may wait behind the running one, per model, before 503
    lang: str = "ja"  # the app's first language (the page can switch)
    docs: bool = True  # serve the local API reference at /docs (nothing loads from outside)
    threads: int | None = None  # torch's threads for the whole process (None: torch's default); see apply_threads

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def url(self, port: int | None = None) -> str:
        """The address to open (with ?token= when a token is required)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        tail = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{port if port is not None else self.port}/{tail}"


def apply_threads(threads: int | None) -> None:
    """Set torch's threads once, for the whole server process (None: leave torch's default).

    Why a process-wide setting and not per request: torch.set_num_threads also sets MKL's thread
    count, which is global, so switching it per request would change the threads (and the rounding)
    of work running in other threads. Why one may want 1: on this shared 2-core machine, with other
    programs busy, a 64-token toy took 20 ms on 2 threads and 0.4 ms on 1, and a max-pooled overview
    of one SmolLM2 head at 8,192 tokens 1.5-2.2 s on 2 and 0.55-0.67 s on 1 (threads waking and
    waiting on each other); the forward pass of a capture gains from more threads on an idle machine.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, given: str | None, env: dict[str, str] | None = None) -> str | None:
    """The token to require: --token, else ATTNLAB_TOKEN, else (off loopback) a new random one."""
    env = os.environ if env is None else env
    token = given if given is not None else env.get(TOKEN_ENV) or None
    if token is not None:
        if len(token) < 8 or not token.isascii() or not token.isprintable() or " " in token:
            raise AttnlabError("--token must be at least 8 printable ASCII characters without spaces")
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def host_allowed(host_header: str, config: ServeConfig) -> bool:
    """Whether a request's Host header names this server (see the module docstring)."""
    name = host_name(host_header)
    if not name:
        return False
    if name in ("localhost", config.host.lower()):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_name(host_header: str) -> str:
    """The host part of a Host header ("[::1]:8765" -> "::1", "Example.org:80" -> "example.org")."""
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else ""
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h
