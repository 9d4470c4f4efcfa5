#!/usr/bin/env python3
"""Regenerate the contract subsets of GitHub's official API descriptions used by the local test server.

Downloads `@octokit/openapi` (GitHub's REST description) and `@octokit/graphql-schema` with `npm pack`,
then writes, under tests/github_server/:

- openapi-subset.json: the operations in tests/github_server/operations.py with every component they
  reference (transitively), `$ref`s kept as in the original so the subset stays a valid OpenAPI document;
- graphql-subset.graphql: the types and fields that the product's GraphQL documents
  (codemod.github.GRAPHQL_DOCUMENTS) select, with their arguments' input types, enums and scalars.

Usage: .venv/bin/python scripts/refresh_openapi.py [--from DIR]   (DIR: already unpacked packages)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "github_server"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

REST_PACKAGE = "@octokit/openapi"
GRAPHQL_PACKAGE = "@octokit/graphql-schema"
DROP_KEYS = {"examples", "example", "x-github", "externalDocs"}


def npm_unpack(package: str, into: Path) -> Path:
    out = subprocess.run(["npm", "pack", package, "--silent"], cwd=into, check=True, capture_output=True, text=True)
    tgz = into / out.stdout.strip().splitlines()[-1]
    dest = into / tgz.stem
    with tarfile.open(tgz) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


# --- REST ---------------------------------------------------------------------------------------------------


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in DROP_KEYS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _resolve(doc: dict, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def rest_subset(full: dict, operations: list[tuple[str, str]]) -> dict:
    paths: dict = {}
    for method, template in operations:
        item = full["paths"][template]
        kept = paths.setdefault(template, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = _strip(item[method])
    subset = {"openapi": full["openapi"], "info": {**full["info"], "x-subset-of": REST_PACKAGE}, "paths": paths,
              "components": {}}
    from github_server.operations import EXTRA_SCHEMAS

    pending = {f"#/components/schemas/{name}" for name in EXTRA_SCHEMAS}
    _refs(paths, pending)
    done: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = _strip(_resolve(full, ref))
        subset["components"].setdefault(kind, {})[name] = node
        _refs(node, pending)
    subset["components"] = {kind: dict(sorted(found.items())) for kind, found in sorted(subset["components"].items())}
    return subset


# --- GraphQL ------------------------------------------------------------------------------------------------


def graphql_subset(sdl: str, documents: list[str]) -> str:
    import graphql

    # The official SDL repeats a few fields and deprecates some interface fields only on implementations:
    # graphql-core's strict schema checks reject that, GitHub does not; queries are still fully validated.
    schema = graphql.build_schema(sdl, assume_valid_sdl=True)
    schema._validation_errors = []
    used: dict[str, set[str]] = {}
    for text in documents:
        doc = graphql.parse(text)
        errors = graphql.validate(schema, doc)
        if errors:
            raise SystemExit(f"a product GraphQL document is invalid against {GRAPHQL_PACKAGE}: {errors[0]}")
        _collect(schema, doc, used)
    return _print_subset(schema, used)


def _collect(schema, doc, used: dict[str, set[str]]) -> None:
    import graphql

    info = graphql.TypeInfo(schema)

    class Visitor(graphql.Visitor):
        def enter_field(self, node, *_):
            parent = info.get_parent_type()
            if parent is not None and not node.name.value.startswith("__"):
                used.setdefault(parent.name, set()).add(node.name.value)

        def enter_inline_fragment(self, node, *_):
            if node.type_condition:
                used.setdefault(node.type_condition.name.value, set())

        def enter_variable_definition(self, node, *_):
            named = node.type
            while not isinstance(named, graphql.NamedTypeNode):
                named = named.type
            used.setdefault(named.name.value, set())

    graphql.visit(doc, graphql.TypeInfoVisitor(info, Visitor()))
    used.setdefault("Query", set())


def _print_subset(schema, used: dict[str, set[str]]) -> str:
    import graphql

    keep: dict[str, set[str] | None] = {name: set(fields) for name, fields in used.items()}
    _add_interface_fields(schema, keep)
    pending = list(keep)
    while pending:
        named = schema.get_type(pending.pop())
        for dep in _dependencies(named, keep.get(named.name)):
            if dep not in keep:
                keep[dep] = None  # whole type (scalars, enums, input objects)
                pending.append(dep)
    chunks = []
    for name in sorted(keep):
        named = schema.get_type(name)
        if graphql.is_specified_scalar_type(named):
            continue
        chunks.append(_print_type(named, keep[name], keep))
    return "\n\n".join(chunks) + "\n"


def _add_interface_fields(schema, keep: dict[str, set[str] | None]) -> None:
    """A kept type implementing a kept interface needs the interface's kept fields (a valid schema)."""
    import graphql

    for name, fields in keep.items():
        named = schema.get_type(name)
        if fields is None or not isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
            continue
        for interface in named.interfaces:
            fields.update(keep.get(interface.name) or ())


def _dependencies(named, fields: set[str] | None) -> list[str]:
    import graphql

    deps: list[str] = []
    if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
        for fname, fdef in named.fields.items():
            if fields is not None and fname not in fields:
                continue
            deps.append(graphql.get_named_type(fdef.type).name)
            deps.extend(graphql.get_named_type(a.type).name for a in fdef.args.values())
    elif isinstance(named, graphql.GraphQLInputObjectType):
        deps.extend(graphql.get_named_type(f.type).name for f in named.fields.values())
    return deps


def _print_type(named, fields: set[str] | None, keep: dict) -> str:
    import graphql
    from graphql.utilities.print_schema import print_type

    if isinstance(named, graphql.GraphQLUnionType):
        members = [t.name for t in named.types if t.name in keep]
        return f"union {named.name} = {' | '.join(members)}"
    if not isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
        return print_type(named)
    kind = "interface" if isinstance(named, graphql.GraphQLInterfaceType) else "type"
    interfaces = [i.name for i in named.interfaces if i.name in keep]
    implements = f" implements {' & '.join(interfaces)}" if interfaces else ""
    lines = [f"{kind} {named.name}{implements} {{"]
    for fname in sorted(fields or ()):
        fdef = named.fields[fname]
        args = ", ".join(_print_arg(aname, adef) for aname, adef in fdef.args.items())
        lines.append(f"  {fname}{f'({args})' if args else ''}: {fdef.type}")
    lines.append("}")
    return "\n".join(lines)


def _print_arg(name, arg) -> str:
    import graphql

    text = f"{name}: {arg.type}"
    default_ast = getattr(arg.ast_node, "default_value", None)
    if default_ast is not None:
        text += f" = {graphql.print_ast(default_ast)}"
    elif arg.default_value is not graphql.Undefined:
        text += f" = {graphql.print_ast(graphql.ast_from_value(arg.default_value, arg.type))}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a folder holding unpacked openapi/ and gql/")
    args = parser.parse_args(argv)
    from github_server.operations import OPERATIONS

    from codemod.github import GRAPHQL_DOCUMENTS

    with tempfile.TemporaryDirectory() as tmp:
        rest_dir = args.source / "openapi" if args.source else npm_unpack(REST_PACKAGE, Path(tmp))
        gql_dir = args.source / "gql" if args.source else npm_unpack(GRAPHQL_PACKAGE, Path(tmp))
        full = json.loads((rest_dir / "generated" / "api.github.com.json").read_text())
        package = rest_dir / "package.json"
        rest_version = json.loads(package.read_text())["version"] if package.is_file() else "local"
        sdl = (gql_dir / "schema.graphql").read_text()
    subset = rest_subset(full, OPERATIONS)
    subset["info"]["x-subset-version"] = rest_version
    (OUT / "openapi-subset.json").write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n")
    header = f"# Subset of {GRAPHQL_PACKAGE}'s schema.graphql: what codemod.github's documents select.\n"
    (OUT / "graphql-subset.graphql").write_text(header + graphql_subset(sdl, list(GRAPHQL_DOCUMENTS.values())))
    print(f"wrote {OUT / 'openapi-subset.json'} ({len(subset['paths'])} paths) and graphql-subset.graphql")
    return 0


if __name__ == "__main__":
    sys.exit(main())
