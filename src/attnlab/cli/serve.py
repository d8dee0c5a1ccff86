"""`attnlab serve`: the local web app (the toy playground, the text explorer, deep zoom, head atlas).

Binds 127.0.0.1 by default. Any other address needs an access token (given with --token or
ATTNLAB_TOKEN, or made here), printed in the URL. Models: the registry's, plus any given with
--model (checked now, so that a web request can only ever name these). Serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import socket
from typing import Any

from . import CliError, Terminated
from .options import MAX_THREADS, add_int


def register(subparsers: Any) -> None:
    from ..server.config import DEFAULT_LINK_STORE, DEFAULT_MAX_CACHE, DEFAULT_PORT

    p = subparsers.add_parser("serve", help="the local web app: explore attention live in the browser",
                              description="Serve the attnlab web app (127.0.0.1 only unless --host says otherwise).")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs a token, made if not given)")
    add_int(p, "--port", default=DEFAULT_PORT, lo=0, hi=65535, help=f"port (default {DEFAULT_PORT}; 0: any free one)")
    p.add_argument("--open", action="store_true", help="open the app in this machine's browser")
    p.add_argument("--model", action="append", default=[], metavar="NAME_OR_PATH",
                   help="also offer this model (a folder or a hub id); repeat for several")
    p.add_argument("--token", default=None, help="access token to require (default: $ATTNLAB_TOKEN; made when "
                   "binding beyond loopback)")
    add_int(p, "--max-cache", default="2GiB", lo=2**20, hi=2**40, size=True, metavar="SIZE",
            help=f"memory for kept traces, 1MiB to 1TiB, e.g. 512MiB, 4GiB (default {DEFAULT_MAX_CACHE // 2**30}GiB)")
    add_int(p, "--link-store", default=f"{DEFAULT_LINK_STORE // 2**20}MiB", lo=0, hi=2**40, size=True, metavar="SIZE",
            help="disk for what each trace was made from, so its /t/<id> link opens after a restart (in "
                 f"the cache folder, $ATTNLAB_CACHE/links; least recently used out first; default "
                 f"{DEFAULT_LINK_STORE // 2**20}MiB; 0: links last until the server stops)")
    p.add_argument("--lang", choices=("ja", "en"), default="ja", help="the app's first language (default ja)")
    p.add_argument("--no-docs", action="store_true", help="turn off the API reference at /docs")
    add_int(p, "--threads", default=1, lo=1, hi=MAX_THREADS,
            help="torch threads for the whole server (default 1: requests run side by side instead, "
                 "fastest measured on a 2-core machine; more speeds up one long capture on an idle machine)")
    p.set_defaults(handler=handle)


def config_from_args(args: argparse.Namespace):
    from ..models.cache import cache_root
    from ..models.registry import resolve
    from ..server.config import ServeConfig, resolve_token

    for name in args.model:
        resolve(name)  # an unknown name or a missing folder fails now, with the CLI's message
    if 0 < args.link_store < 2**20:  # add_int took it as bytes; a store this small would keep no link
        raise CliError(f"--link-store {args.link_store} bytes is less than 1 MiB (0 turns it off)")
    return ServeConfig(host=args.host, port=args.port, token=resolve_token(args.host, args.token),
                       models=tuple(args.model), max_cache=args.max_cache, lang=args.lang,
                       docs=not args.no_docs, threads=args.threads, link_store=args.link_store,
                       links_dir=str(cache_root() / "links") if args.link_store else None)


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
    except (KeyboardInterrupt, Terminated):  # uvicorn raises the signal again after its shutdown: the normal way
        pass  # to stop, Ctrl-C or SIGTERM (a service manager's stop)
    print("attnlab serve: stopped", flush=True)
    return 0
