"""R4 The gate: every moved job runs only on a push to a release branch, moved jobs that need no other moved
job need every gate job, and a moved condition with a status function gets explicit gate-result terms."""

from __future__ import annotations

from codemod import expressions as ex


def ref_test(branch: str) -> ex.Node:
    """`github.ref == 'refs/heads/<branch>'`, or `startsWith(github.ref, 'refs/heads/<prefix>')` for `<prefix>**`."""
    ref = ex.make_reference("github", "ref")
    if branch.endswith("**"):
        return ex.Call("startsWith", (ref, ex.Literal(f"refs/heads/{branch[:-2]}")))
    return ex.Binary("==", ref, ex.Literal(f"refs/heads/{branch}"))


def any_of(nodes: list[ex.Node]) -> ex.Node:
    out = nodes[0]
    for node in nodes[1:]:
        out = ex.Binary("||", out, node)
    return out


def all_of(nodes: list[ex.Node]) -> ex.Node:
    out = nodes[0]
    for node in nodes[1:]:
        out = ex.Binary("&&", out, node)
    return out


def event_is(event: str) -> ex.Node:
    return ex.Binary("==", ex.make_reference("github", "event_name"), ex.Literal(event))


def result_is_success(job: str) -> ex.Node:
    return ex.Binary("==", ex.make_reference("needs", job, "result"), ex.Literal("success"))


def release_gate(branches: list[str]) -> ex.Node:
    """`github.event_name == 'push' && <a release branch's ref>`."""
    return ex.Binary("&&", event_is("push"), any_of([ref_test(b) for b in branches]))


def gated(original: ex.Node | None, branches: list[str], gates: list[str]) -> tuple[ex.Node, bool]:
    """The job condition of a moved job, and whether it must `needs` the gates (it names their results).

    Without a status function GitHub adds `success()`, so the job is skipped unless its needs succeeded; with
    one (`always()`, `failure()`...), nothing stops it after a failed gate but explicit result terms."""
    terms = [release_gate(branches)]
    status = bool(original is not None and ex.status_functions(original))
    if status:
        terms.extend(result_is_success(g) for g in gates)
    if original is not None:
        terms.append(original)
    return ex.fold(all_of(terms), boolean=True), status
