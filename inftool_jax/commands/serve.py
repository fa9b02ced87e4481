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
    _register_openai(verbs)


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
    from inftool_jax.commands.specs import add_ingestion_flags

    add_ingestion_flags(mcp)
    mcp.set_defaults(func=_serve_mcp)


def _serve_mcp(args: argparse.Namespace) -> int:
    import sys

    from inftool_jax.errors import InputError
    from inftool_jax.tools import load_catalog

    if not 0 <= args.port <= 65535:
        raise InputError("<command line>", "--port", f"{args.port} is not a TCP port (0-65535)")
    catalog = load_catalog(args.specs, strict=args.strict, keep_transport_params=args.keep_transport_params)
    if not catalog.tools:
        raise InputError("<command line>", "--specs", f"no tools found in {' '.join(args.specs)}")
    for warning in catalog.warnings:
        print(f"inftool: warning: {warning}", file=sys.stderr)

    from inftool_jax.world import mcp_server

    if args.transport == "stdio":
        import anyio

        # stdout carries the protocol: everything human goes to stderr.
        print(f"inftool: MCP server on stdio ({len(catalog.tools)} tools)", file=sys.stderr, flush=True)
        anyio.run(mcp_server.serve_stdio, catalog.tools, args.seed)
    else:
        mcp_server.serve_http(catalog.tools, args.seed, host=args.host, port=args.port, path=args.path)
    return 0


def _register_openai(verbs: argparse._SubParsersAction) -> None:
    openai = verbs.add_parser(
        "openai",
        help="serve a model folder as an OpenAI-compatible chat-completions endpoint (in-JAX sampler)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Serve a Hugging Face model folder (weights + tokenizer with a chat template) over the OpenAI\n"
            "chat-completions protocol: POST /v1/chat/completions (messages, tools, temperature, top_p,\n"
            "max_tokens, stop, n, seed, stream), GET /v1/models, GET /health. Replies in the Qwen\n"
            "<tool_call> format come back as tool_calls with finish_reason \"tool_calls\". Concurrent\n"
            "requests with the same sampling settings are batched into one generate call.\n\n"
            "Examples:\n"
            "  inftool serve openai --model runs/tiny-model                   # http://127.0.0.1:8000/v1\n"
            "  inftool serve openai --model runs/tiny-model --port 8001 --max-batch 16"
        ),
    )
    openai.add_argument("--model", required=True, metavar="PATH", help="Hugging Face model folder (config.json, safetensors, tokenizer)")
    openai.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    openai.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    openai.add_argument("--max-batch", type=int, default=8, metavar="N", help="most prompts per generate call (default: 8)")
    openai.add_argument("--max-tokens-limit", type=int, default=2048, metavar="N", help="largest max_tokens a request may ask for (default: 2048)")
    openai.add_argument("--served-name", default=None, metavar="NAME", help="model id reported by /v1/models (default: the folder name)")
    openai.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"), help="compute dtype (default: float32)")
    openai.set_defaults(func=_serve_openai)


def _serve_openai(args: argparse.Namespace) -> int:
    import sys

    from inftool_jax.errors import InputError

    if not 0 <= args.port <= 65535:
        raise InputError("<command line>", "--port", f"{args.port} is not a TCP port (0-65535)")
    if args.max_batch < 1:
        raise InputError("<command line>", "--max-batch", f"must be >= 1 (got {args.max_batch})")
    if args.max_tokens_limit < 1:
        raise InputError("<command line>", "--max-tokens-limit", f"must be >= 1 (got {args.max_tokens_limit})")

    import uvicorn

    from inftool_jax.serve.openai_server import build_app, load_engine

    engine = load_engine(args.model, max_batch=args.max_batch, dtype=args.dtype, model_name=args.served_name, max_tokens_limit=args.max_tokens_limit)
    print(f"inftool: OpenAI-compatible server for {engine.model_name} on http://{args.host}:{args.port}/v1", file=sys.stderr, flush=True)
    uvicorn.run(build_app(engine), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
