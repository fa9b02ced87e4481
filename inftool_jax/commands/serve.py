"""`inftool serve VERB`: long-running servers. Each verb is one function below.

``mcp``: the simulated tools of a spec catalog as a Model Context Protocol
server (stdio or streamable HTTP). More verbs (e.g. ``openai``) add their own
``_register_<verb>`` and handler next to it.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run a server (the simulated tools over MCP, ...)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    _register_mcp(verbs)


def _register_mcp(verbs: argparse._SubParsersAction) -> None:
    mcp = verbs.add_parser(
        "mcp",
        help="serve a spec catalog's tools as a stateful simulated MCP server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Serve every tool of the given specs over the Model Context Protocol. Calls are validated\n"
            "against the tools' JSON Schemas and answered by the stateful simulator (ids created by one\n"
            "call are found by the next; one MCP session = one episode). Nothing touches the host.\n\n"
            "Examples:\n"
            "  inftool serve mcp --specs configs/specs                       # stdio (for MCP clients that spawn it)\n"
            "  inftool serve mcp --specs configs/specs --transport http --port 8765   # http://127.0.0.1:8765/mcp"
        ),
    )
    mcp.add_argument("--specs", nargs="+", required=True, metavar="PATH", help="spec files or folders (OpenAPI, OpenAI tools, MCP tools/list, BFCL)")
    mcp.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="stdio (default) or streamable HTTP")
    mcp.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: loopback only)")
    mcp.add_argument("--port", type=int, default=8765, help="HTTP port (default: 8765)")
    mcp.add_argument("--path", default="/mcp", help="HTTP endpoint path (default: /mcp)")
    mcp.add_argument("--seed", type=int, default=0, help="simulator seed: same seed and calls, same results")
    mcp.set_defaults(func=_serve_mcp)


def _serve_mcp(args: argparse.Namespace) -> int:
    import sys

    from inftool_jax.errors import InputError
    from inftool_jax.tools import load_catalog

    if not 0 <= args.port <= 65535:
        raise InputError("<command line>", "--port", f"{args.port} is not a TCP port (0-65535)")
    catalog = load_catalog(args.specs)
    if not catalog.tools:
        raise InputError("<command line>", "--specs", f"no tools found in {' '.join(args.specs)}")
    for warning in catalog.warnings:
        print(f"inftool: warning: {warning}", file=sys.stderr)

    from inftool_jax.synth import mcp_server

    if args.transport == "stdio":
        import anyio

        # stdout carries the protocol: everything human goes to stderr.
        print(f"inftool: MCP server on stdio ({len(catalog.tools)} tools)", file=sys.stderr, flush=True)
        anyio.run(mcp_server.serve_stdio, catalog.tools, args.seed)
    else:
        mcp_server.serve_http(catalog.tools, args.seed, host=args.host, port=args.port, path=args.path)
    return 0
