"""`attnlab serve`: the local web app (the toy playground, the text explorer, deep zoom, head atlas).

Binds 127.0.0.1 by default. Any other address needs an access token (given with --token or
ATTNLAB_TOKEN, or made here), printed in the URL. Models: the registry's, plus any given with
--model (checked now, so that a web request can only ever name these). Serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import socket
from typing import Any

from . import CliError


def register(subparsers: Any) -> None:
    from ..server.config import DEFAULT_LINK_STORE, DEFAULT_MAX_CACHE, DEFAULT_PORT

    p = subparsers.add_parser("serve", help="the local web app: explore attention live in the browser",
                              description="Serve the attnlab web app (127.0.0.1 only unless --host says otherwise).")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs a token, made if not given)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free one)")
    p.add_argument("--open", action="store_true", help="open the app in this machine's browser")
    p.add_argument("--model", action="append", default=[], metavar="NAME_OR_PATH",
                   help="also offer this model (a folder or a hub id); repeat for several")
    p.add_argument("--token", default=None, help="access token to require (default: $ATTNLAB_TOKEN; made when "
                   "binding beyond loopback)")
    p.add_argument("--max-cache", default="2GiB", metavar="SIZE",
                   help=f"memory for kept traces, e.g. 512MiB, 4GiB (default {DEFAULT_MAX_CACHE // 2**30}GiB)")
    p.add_argument("--link-store", default=f"{DEFAULT_LINK_STORE // 2**20}MiB", metavar="SIZE",
                   help="disk for what each trace was made from, so its /t/<id> link opens after a restart (in "
                        f"the cache folder, $ATTNLAB_CACHE/links; least recently used out first; default "
                        f"{DEFAULT_LINK_STORE // 2**20}MiB; 0: links last until the server stops)")
    p.add_argument("--lang", choices=("ja", "en"), default="ja", help="the app's first language (default ja)")
    p.add_argument("--no-docs", action="store_true", help="turn off the API reference at /docs")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch threads for the whole server (default 1: requests run side by side instead, "
                        "fastest measured on a 2-core machine; more speeds up one long capture on an idle machine)")
    p.set_defaults(handler=handle)


def parse_size(text: str, option: str = "--max-cache", *, zero: bool = False) -> int:
    """'2GiB', '512MiB', '1.5G', '100000' -> bytes (at least 1 MiB; zero: or 0, which turns it off)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmg]?)(i?b)?\s*", text.lower())
    if m is None:
        raise CliError(f"{option} {text!r}: give a size like 512MiB or 2GiB" + (", or 0" if zero else ""))
    value = float(m.group(1)) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[m.group(2)]
    if value < 2**20 and not (zero and value == 0):
        raise CliError(f"{option} {text!r} is less than 1 MiB" + (" (0 turns it off)" if zero else ""))
    return int(value)


def config_from_args(args: argparse.Namespace):
    from ..models.cache import cache_root
    from ..models.registry import resolve
    from ..server.config import ServeConfig, resolve_token

    if args.threads is not None and args.threads < 1:
        raise CliError(f"--threads {args.threads}: give 1 or more")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port {args.port}: give 0..65535")
    for name in args.model:
        resolve(name)  # an unknown name or a missing folder fails now, with the CLI's message
    link_store = parse_size(args.link_store, "--link-store", zero=True)
    return ServeConfig(host=args.host, port=args.port, token=resolve_token(args.host, args.token),
                       models=tuple(args.model), max_cache=parse_size(args.max_cache), lang=args.lang,
                       docs=not args.no_docs, threads=args.threads, link_store=link_store,
                       links_dir=str(cache_root() / "links") if link_store else None)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (bound here, so a busy port is one clear line, not a log)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as e:
        raise CliError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None
    return sock


def handle(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise CliError("attnlab serve needs the serve extra: pip install 'attnlab[serve]'") from None
    from ..server import create_app

    config = config_from_args(args)
    sock = bind(config.host, config.port)
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False, server_header=False,
                                           access_log=False))
    url = config.url(sock.getsockname()[1])
    print(f"attnlab serve: {url}", flush=True)
    reach = ("reachable from other machines: share this address (with its token) only with people you trust"
             if not config.loopback else "only this machine can reach it")
    print(f"attnlab serve: {reach}. Ctrl-C stops.", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run(sockets=[sock])  # returns after Ctrl-C, once open requests are done
    except KeyboardInterrupt:  # uvicorn raises the signal again after its shutdown: the normal way to stop
        pass
    print("attnlab serve: stopped", flush=True)
    return 0
