"""Fresh-eyes review findings: inputs for which the engine produces a wrong migration (one GitHub would run
differently from what SPEC.md says), crashes, or refuses without naming file:line.

Each case is a small repository (CI workflow, post workflow, optional other files), an optional TOML
configuration, and a check that asserts what SPEC requires. Every case is `xfail(strict=True)`: the suite stays
green until the engine is fixed, and a fix shows up as an XPASS that asks for the mark to be removed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from ruamel.yaml import YAML

from codemod import expressions as ex
from codemod.config import parse_config
from codemod.engine import migrate_texts
from codemod.repofiles import RepoFiles

CI = ".github/workflows/main-ci-cd.yml"
POST = ".github/workflows/main-branch-post-processing.yml"
LISTENER = ".github/workflows/deploy.yml"
LIB = ".github/workflows/publish-libraries.yml"

CLEANUP_JOB = """\
  smart-staging-cleanup:
    needs: [e2e-tests, security-scanning]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: make clean
"""
BASE_CI = """\
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  e2e-tests:
    runs-on: ubuntu-latest
    steps:
      - run: make e2e
  security-scanning:
    runs-on: ubuntu-latest
    steps:
      - run: make scan
""" + CLEANUP_JOB
CI_NO_CLEANUP = BASE_CI.replace(CLEANUP_JOB, "")

TRIGGER = "workflow_run:\n    workflows: [CI]\n    types: [completed]"
DOCKER = "    runs-on: ubuntu-latest\n    steps:\n      - run: make publish-docker\n"
LIBS = "    runs-on: ubuntu-latest\n    steps:\n      - run: make publish-libs\n"


def post(docker: str = DOCKER, libs: str = LIBS, extra_jobs: str = "", top: str = "", trigger: str = TRIGGER) -> str:
    """A post workflow: `docker`/`libs` are the bodies of the two publish jobs (4-space indented)."""
    return (f"name: Post\non:\n  {trigger}\n{top}jobs:\n  publish-dockerhub:\n{docker}"
            f"  publish-client-libraries:\n{libs}{extra_jobs}")


def body(*lines: str) -> str:
    return "".join(f"    {line}\n" for line in lines)


# ---------------------------------------------------------------------------------------------- helpers


def run(files: dict[str, str], config: str = ""):
    cfg = parse_config(config).for_repo(None)
    blobs = {p: t.encode() for p, t in files.items()}
    return migrate_texts(RepoFiles.from_bytes(blobs), cfg, default_branch="main")


def new_text(result, path: str = CI) -> str | None:
    return next(c.new_text for c in result.changes if c.path == path)


def plain(text: str) -> Any:
    return YAML(typ="safe").load(text)


def ci_jobs(result) -> dict[str, Any]:
    return plain(new_text(result))["jobs"]


def names_file_and_line(reason: str | None) -> bool:
    return bool(reason) and re.search(r"\.ya?ml:\d+", reason) is not None


def refused_properly(result) -> bool:
    """An `unsupported`/`error` outcome whose reason names file:line (what SPEC asks of a refusal)."""
    return result.outcome in ("unsupported", "error") and names_file_and_line(result.reason)


def needs_of(spec: Any) -> list[str]:
    needs = spec.get("needs") if isinstance(spec, dict) else None
    return [needs] if isinstance(needs, str) else list(needs or [])


def job_with_step(jobs: dict[str, Any], text: str) -> tuple[str, dict, int]:
    for jid, spec in jobs.items():
        for i, step in enumerate(spec.get("steps") or []):
            if text in json.dumps(step):
                return jid, spec, i
    raise AssertionError(f"no step containing {text!r}")


def ancestors(jobs: dict[str, Any], job: str) -> set[str]:
    out, stack = set(), list(needs_of(jobs[job]))
    while stack:
        n = stack.pop()
        if n not in out and n in jobs:
            out.add(n)
            stack.extend(needs_of(jobs[n]))
    return out


def evaluates_true(condition: Any, github: dict, needs: dict | None = None, *, step: bool = False) -> bool:
    """A job or step `if:` as GitHub evaluates it (implicit `success()` when no status function)."""
    if condition is None:
        condition = "success()"
    node, _ = ex.parse_condition(str(condition).lower() if isinstance(condition, bool) else str(condition))
    if not ex.status_functions(node):
        node = ex.Binary("&&", ex.Call("success"), node)
    results = list((needs or {}).values())
    funcs = {"always": lambda: True, "cancelled": lambda: False,
             "success": lambda: step or all(r == "success" for r in results),
             "failure": lambda: not step and any(r == "failure" for r in results)}
    context = {"github": github, "needs": {k: {"result": v, "outputs": {}} for k, v in (needs or {}).items()},
               "vars": {}, "env": {}}
    return ex.truthy(ex.evaluate(node, context, funcs))


def effective(ci: dict, job: dict, step: dict, key: str) -> Any:
    """The value of env var `key` a step sees: step env, else job env, else workflow env."""
    for scope in (step, job, ci):
        env = scope.get("env") if isinstance(scope, dict) else None
        if isinstance(env, dict) and key in env:
            return env[key]
    return None


def effective_default(ci: dict, job: dict, step: dict, key: str) -> Any:
    """`shell` / `working-directory` a `run:` step gets: the step's, else job defaults.run, else workflow's."""
    if key in step:
        return step[key]
    for scope in (job, ci):
        run_defaults = ((scope.get("defaults") or {}).get("run") or {}) if isinstance(scope, dict) else {}
        if key in run_defaults:
            return run_defaults[key]
    return None


# ---------------------------------------------------------------------------------------------- checks


def check_no_self_needs(result) -> None:
    """Every `needs.<id>.` an expression of a job reads must be one of that job's `needs` (else it reads null)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    for jid, spec in ci_jobs(result).items():
        declared = {n.lower() for n in needs_of(spec)}
        for ref in re.findall(r"needs\.([A-Za-z_][A-Za-z0-9_-]*)\.", json.dumps({k: v for k, v in spec.items() if k != "needs"})):
            assert ref.lower() in declared, f"job `{jid}` reads needs.{ref} but needs only {sorted(declared)}"


def check_libs_before_docker(result) -> None:
    """publish-dockerhub `needs` publish-client-libraries: the libraries must be published first."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    djob, _, di = job_with_step(jobs, "make publish-docker")
    ljob, _, li = job_with_step(jobs, "make publish-libs")
    if djob == ljob:
        assert li < di, f"in `{djob}` the docker steps (index {di}) now run before the library steps (index {li})"
    else:
        assert ljob in ancestors(jobs, djob)


def check_announce_follows_docker_condition(result) -> None:
    """`announce-docker` ran only when publish-dockerhub ran (its job `if: vars.PUBLISH_DOCKER == 'true'`)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    announce = jobs["announce-docker"]
    guarded = [announce.get("if"), *[jobs[n].get("if") for n in ancestors(jobs, "announce-docker")]]
    assert any("vars.PUBLISH_DOCKER" in str(c) for c in guarded), (
        "announce-docker now runs whenever publish-production succeeds, although the docker steps were skipped")


def check_no_concurrency_deadlock(result) -> None:
    """A job-level concurrency group equal to the workflow-level one is cancelled by GitHub as a deadlock."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    data = plain(new_text(result))
    top = data.get("concurrency")
    top_group = top.get("group") if isinstance(top, dict) else top
    for jid, spec in data["jobs"].items():
        conc = spec.get("concurrency")
        group = conc.get("group") if isinstance(conc, dict) else conc
        assert group is None or group != top_group, f"`{jid}` uses the workflow's own concurrency group {group!r}"


def check_moved_steps_keep_shell_and_directory(result) -> None:
    """The post workflow had no defaults: its `run:` steps ran with bash in the workspace root."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    data = plain(new_text(result))
    jid, job, i = job_with_step(data["jobs"], "make publish-docker")
    step = job["steps"][i]
    assert effective_default(data, job, step, "shell") in (None, "bash"), f"`{jid}` now runs its steps with pwsh"
    assert effective_default(data, job, step, "working-directory") in (None, "."), (
        f"`{jid}` now runs its steps in the CI's working-directory")


def check_post_cleanup_job_settings_kept(result) -> None:
    """The post cleanup job ran on windows-latest in environment `production` with `packages: write`."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jid, job, _ = job_with_step(ci_jobs(result), "./delete-tags.ps1")
    assert job.get("runs-on") == "windows-latest", f"`{jid}` runs the PowerShell cleanup on {job.get('runs-on')}"
    assert job.get("environment") == "production", f"`{jid}` loses environment `production` (and its secrets)"
    assert (job.get("permissions") or {}).get("packages") == "write", f"`{jid}` loses `packages: write`"


def check_ci_cleanup_env_unchanged(result) -> None:
    """The CI's own staging cleanup step must still see the CI's REGISTRY (staging), not the post's (production)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    data = plain(new_text(result))
    jid, job, i = job_with_step(data["jobs"], "./delete-tag.sh")
    assert effective(data, job, job["steps"][i], "REGISTRY") == "ghcr.io/acme", (
        f"`{jid}`'s own staging cleanup now deletes from {effective(data, job, job['steps'][i], 'REGISTRY')}")
    jid, job, i = job_with_step(data["jobs"], "./delete-temp-tags.sh")
    assert effective(data, job, job["steps"][i], "REGISTRY") == "docker.io/acme"


def check_post_cleanup_not_on_develop(result) -> None:
    """The post cleanup ran only after CI on main; a push to develop must not run it."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    github = {"event_name": "push", "ref": "refs/heads/develop", "ref_name": "develop"}
    jid, job, i = job_with_step(jobs, "./delete-release-tags.sh")
    needs = {n: ("skipped" if n in ("publish-production",) else "success") for n in needs_of(job)}
    runs = evaluates_true(job.get("if"), github, needs) and evaluates_true(job["steps"][i].get("if"), github, step=True)
    assert not runs, f"`{jid}` runs the post workflow's release-tag cleanup on a push to develop"


def check_cleanup_on_tag_push_as_before(result) -> None:
    """The CI runs on tag pushes and cleaned staging up after them (`if: always()`); it must keep doing so."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    github = {"event_name": "push", "ref": "refs/tags/v1.0.0", "ref_name": "v1.0.0"}
    final = jobs["final-cleanup"]
    needs = {n: ("skipped" if n.startswith("publish-production") else "success") for n in needs_of(final)}
    assert evaluates_true(final.get("if"), github, needs), "final-cleanup no longer runs on tag pushes: staging leaks"


def check_new_cleanup_keeps_job_condition(result) -> None:
    """`cleanup-tags` ran only when `vars.CLEANUP_TAGS == 'true'`; without that variable it must not run."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    github = {"event_name": "push", "ref": "refs/heads/main", "ref_name": "main"}
    jid, job, i = job_with_step(jobs, "./delete-tags.sh")
    needs = {n: "success" for n in needs_of(job)}
    runs = evaluates_true(job.get("if"), github, needs) and evaluates_true(job["steps"][i].get("if"), github, step=True)
    assert not runs, f"`{jid}` deletes tags although vars.CLEANUP_TAGS is not 'true'"


def check_step_ids_unique(result) -> None:
    """GitHub rejects a workflow whose job has two steps with the same id (ids are case-insensitive)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    for jid, spec in ci_jobs(result).items():
        ids = [str(s["id"]).lower() for s in spec.get("steps") or [] if isinstance(s, dict) and "id" in s]
        assert len(ids) == len(set(ids)), f"`{jid}` has duplicate step ids {ids}"


def check_new_cleanup_keeps_env(result) -> None:
    """`./purge.sh` read CACHE (its job's env) and REGISTRY (the post workflow's env)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    data = plain(new_text(result))
    _, job, i = job_with_step(data["jobs"], "./purge.sh")
    step = job["steps"][i]
    assert effective(data, job, step, "CACHE") == "prod", "./purge.sh now runs with CACHE unset"
    assert effective(data, job, step, "REGISTRY") == "docker.io/acme", "./purge.sh now runs with REGISTRY unset"


def check_aliased_ci_job_unchanged(result) -> None:
    """`notify` shares the cleanup job's `needs`/`if` through YAML aliases; its behaviour must not change."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    notify = ci_jobs(result)["notify"]
    assert needs_of(notify) == ["e2e-tests", "security-scanning"], f"notify now needs {needs_of(notify)}"
    assert notify.get("if") == "always()", f"notify's condition is now {notify.get('if')!r}"


def check_refused(result) -> None:
    assert result.outcome == "unsupported", f"{result.outcome}: {result.reason}"
    assert names_file_and_line(result.reason), result.reason


def check_job_ids_unique(result) -> None:
    """Job ids are case-insensitive in GitHub: `Security-Scanning` duplicates `security-scanning`."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    ids = [j.lower() for j in ci_jobs(result)]
    assert len(ids) == len(set(ids)), f"duplicate job ids: {sorted(ids)}"


def check_step_reference_follows_rename(result) -> None:
    """`steps.META` in publish-client-libraries is its own `meta` step (contexts are case-insensitive)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    _, job, i = job_with_step(jobs, "npm publish")
    own = next(s["id"] for s in job["steps"] if "version=1" in json.dumps(s))
    ref = re.search(r"steps\.([A-Za-z0-9_-]+)\.outputs\.version", job["steps"][i]["run"]).group(1)
    assert ref.lower() == str(own).lower(), f"npm publish reads steps.{ref} (the docker job's step), not {own}"


def check_no_crash(result) -> None:
    """`migrate_texts` must not raise; a refusal names file:line."""
    assert result.outcome in ("migrated", "unsupported", "error")
    if result.outcome != "migrated":
        assert names_file_and_line(result.reason), result.reason


def check_error_with_location(result) -> None:
    assert result.outcome in ("error", "unsupported"), result.outcome
    assert names_file_and_line(result.reason), result.reason


def check_listener_only_release_branches(result) -> None:
    """The listener fired only after the post workflow, which ran only for main: it must not fire for develop."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    run_cfg = plain(new_text(result, LISTENER))["on"]["workflow_run"]
    branches = run_cfg.get("branches")
    assert branches is not None and set(branches) <= {"main"}, f"the listener now fires for CI runs on {branches}"


def check_listener_path_compare(result) -> None:
    """`github.event.workflow_run.path == '<post file>'` is never true once the listener follows the CI workflow."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    assert "main-branch-post-processing.yml'" not in new_text(result, LISTENER), "the deploy job can never run again"


def check_reason_has_line(result) -> None:
    assert result.outcome in ("unsupported", "error", "migrated")
    if result.outcome != "migrated":
        assert names_file_and_line(result.reason), result.reason


def check_oidc_noted(result) -> None:
    """OIDC claims (`workflow_ref`, `job_workflow_ref`) name the workflow file: trusted publishers configured for the
    post workflow reject tokens from the CI workflow. The PR must say so (or the repository be refused)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    assert any(re.search(r"id-token|OIDC|trusted publish", n.message, re.I) for n in result.notes), (
        [str(n) for n in result.notes])


def check_merged_timeout(result) -> None:
    """Each publish job had 10 minutes; one job carrying both must not get 10 minutes for both."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    djob, spec, _ = job_with_step(jobs, "make publish-docker")
    ljob, _, _ = job_with_step(jobs, "make publish-libs")
    if djob == ljob:
        assert int(spec.get("timeout-minutes", 360)) >= 20, f"`{djob}` has {spec.get('timeout-minutes')} minutes for both"


def check_gates_required(result) -> None:
    """With no gate job the publish group starts in parallel with the tests: refuse (or reject the config)."""
    assert result.outcome != "migrated" or all(needs_of(s) for j, s in ci_jobs(result).items()
                                                if j.startswith("publish-production")), "publish runs before the tests"


def check_in_repo_caller_on_push(result) -> None:
    """`release.yml` calls the CI workflow on push to main: each push would now publish twice (the CI's own run and
    the called run); the post workflow ran once (workflow_run does not fire for called runs)."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    assert any("release.yml" in n.message for n in result.notes), "double production publish on every push to main"


def check_artifact_producer_is_ancestor(result) -> None:
    """The artifact comes from CI job `client-bundle`: in the same run, publish-production must wait for it."""
    if refused_properly(result):
        return
    assert result.outcome == "migrated", result.reason
    jobs = ci_jobs(result)
    jid, _, _ = job_with_step(jobs, "actions/download-artifact")
    assert "client-bundle" in ancestors(jobs, jid), f"`{jid}` may download client-bundle before it is uploaded"


# ---------------------------------------------------------------------------------------------- inputs

MERGED_SIBLING_NEEDS = post(
    docker=body("runs-on: ubuntu-latest", "outputs:", "  digest: ${{ steps.d.outputs.digest }}", "steps:",
                "  - id: d", "    run: echo digest=1 >> \"$GITHUB_OUTPUT\""),
    libs=body("needs: publish-dockerhub", "if: needs.publish-dockerhub.result == 'success'", "runs-on: ubuntu-latest",
              "steps:", "  - run: make publish-libs --digest ${{ needs.publish-dockerhub.outputs.digest }}"))

MERGED_REVERSED = post(docker=body("needs: publish-client-libraries", "runs-on: ubuntu-latest", "steps:",
                                   "  - run: make publish-docker"))

CONDITIONAL_MERGED = post(
    docker=body("if: vars.PUBLISH_DOCKER == 'true'", "runs-on: ubuntu-latest", "steps:", "  - run: make publish-docker"),
    extra_jobs="  announce-docker:\n" + body("needs: publish-dockerhub", "runs-on: ubuntu-latest", "steps:",
                                              "  - run: ./announce.sh 'Docker image released'"))

CONCURRENCY = "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: false\n"

CI_DEFAULTS = BASE_CI.replace("jobs:\n", "defaults:\n  run:\n    shell: pwsh\n    working-directory: frontend\njobs:\n", 1)

POST_CLEANUP_SETTINGS = post(extra_jobs="  cleanup-tags:\n" + body(
    "needs: [publish-dockerhub]", "if: always()", "runs-on: windows-latest", "environment: production",
    "permissions:", "  packages: write", "steps:", "  - run: ./delete-tags.ps1"))

CI_ENV = BASE_CI.replace("jobs:\n", "env:\n  REGISTRY: ghcr.io/acme\njobs:\n", 1).replace(
    "      - run: make clean\n", "      - run: ./delete-tag.sh \"$REGISTRY\" \"sha-$GITHUB_SHA\"\n")
POST_ENV = post(top="env:\n  REGISTRY: docker.io/acme\n", extra_jobs="  cleanup-tags:\n" + body(
    "needs: [publish-dockerhub]", "if: always()", "runs-on: ubuntu-latest", "steps:",
    "  - run: ./delete-temp-tags.sh \"$REGISTRY\""))

CI_DEVELOP = BASE_CI.replace("branches: [main]", "branches: [main, develop]")
POST_RELEASE_CLEANUP = post(trigger=TRIGGER + "\n    branches: [main]", extra_jobs="  cleanup-release-tags:\n" + body(
    "needs: [publish-dockerhub]", "if: always()", "runs-on: ubuntu-latest", "steps:", "  - run: ./delete-release-tags.sh"))

CI_TAGS = BASE_CI.replace("    branches: [main]\n", "    branches: [main]\n    tags: ['v*']\n")

POST_TWO_CLEANUPS = post(top="env:\n  REGISTRY: docker.io/acme\n", extra_jobs=(
    "  cleanup-tags:\n" + body("needs: [publish-dockerhub]", "if: always() && vars.CLEANUP_TAGS == 'true'",
                               "runs-on: ubuntu-latest", "steps:", "  - id: del", "    run: ./delete-tags.sh \"$REGISTRY\"")
    + "  cleanup-cache:\n" + body("needs: [publish-dockerhub]", "runs-on: ubuntu-latest", "env:", "  CACHE: prod",
                                  "steps:", "  - id: del", "    run: ./purge.sh \"$CACHE\" \"$REGISTRY\"")))

CI_ALIASES = BASE_CI.replace("    needs: [e2e-tests, security-scanning]\n    if: always()\n",
                             "    needs: &gates [e2e-tests, security-scanning]\n    if: &always always()\n") + (
    "  notify:\n    needs: *gates\n    if: *always\n    runs-on: ubuntu-latest\n    steps:\n      - run: make notify\n")

REUSABLE_POST = post(libs=body("uses: ./.github/workflows/publish-libraries.yml", "secrets: inherit"))
REUSABLE_LIB = """\
name: Publish client libraries
on:
  workflow_call:
jobs:
  npm:
    if: github.event.workflow_run.conclusion == 'success'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.workflow_run.head_sha }}
      - run: npm publish
"""

WHOLE_EVENT = post(docker=body("runs-on: ubuntu-latest", "steps:", "  - run: ./scripts/promote.sh",
                               "    env:", "      EVENT_JSON: ${{ toJSON(github.event) }}"))

CASE_JOB_ID = post(extra_jobs="  Security-Scanning:\n" + body("needs: publish-dockerhub", "runs-on: ubuntu-latest",
                                                                "steps:", "  - run: ./scan-production.sh"))

CASE_STEP_REF = post(
    docker=body("runs-on: ubuntu-latest", "steps:", "  - id: meta", "    run: echo digest=1 >> \"$GITHUB_OUTPUT\""),
    libs=body("runs-on: ubuntu-latest", "steps:", "  - id: meta", "    run: echo version=1 >> \"$GITHUB_OUTPUT\"",
              "  - run: npm publish --tag \"${{ steps.META.outputs.version }}\""))

CASE_STEP_ID = post(
    docker=body("runs-on: ubuntu-latest", "steps:", "  - id: meta", "    run: echo digest=1 >> \"$GITHUB_OUTPUT\""),
    libs=body("runs-on: ubuntu-latest", "steps:", "  - id: Meta", "    run: echo version=1 >> \"$GITHUB_OUTPUT\""))

CI_BLOCK_IF_OTHER_JOB = BASE_CI.replace("  security-scanning:\n", (
    "  lint:\n    if: |\n      ${{ github.event_name == 'pull_request' }}\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: make lint\n  security-scanning:\n"))
CI_BLOCK_IF_CLEANUP = BASE_CI.replace("    if: always()\n", "    if: |\n      ${{ always() }}\n")
CI_BLOCK_IF_CLEANUP_STEP = BASE_CI.replace("      - run: make clean\n",
                                           "      - run: make clean\n        if: |\n          ${{ always() }}\n")
POST_WITH_CLEANUP = post(extra_jobs="  cleanup-tags:\n" + body("runs-on: ubuntu-latest", "steps:", "  - run: x"))

POST_NULL_JOB = post(libs="")

LISTENER_WIDER = """\
name: Deploy
on:
  workflow_run:
    workflows: [Post]
    types: [completed]
    branches: [main, develop]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
"""
LISTENER_PATH = """\
name: Deploy
on:
  workflow_run:
    workflows: [Post]
    types: [completed]
jobs:
  deploy:
    if: github.event.workflow_run.path == '.github/workflows/main-branch-post-processing.yml'
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy.sh
"""

ANCHORED_IF = post(docker=body("runs-on: ubuntu-latest", "if: &ok github.event.workflow_run.conclusion == 'success'",
                               "steps:", "  - run: make publish-docker", "  - if: *ok", "    run: echo published"))

OIDC = post(docker=body("runs-on: ubuntu-latest", "environment: pypi", "permissions:", "  id-token: write", "steps:",
                        "  - uses: pypa/gh-action-pypi-publish@release/v1"))

TIMEOUTS = post(docker=body("runs-on: ubuntu-latest", "timeout-minutes: 10", "steps:", "  - run: make publish-docker"),
                libs=body("runs-on: ubuntu-latest", "timeout-minutes: 10", "steps:", "  - run: make publish-libs"))

CI_CONTINUE_ON_ERROR = BASE_CI.replace("  e2e-tests:\n    runs-on", "  e2e-tests:\n    continue-on-error: true\n    runs-on")

CI_CALLABLE = BASE_CI.replace("  pull_request:\n", "  pull_request:\n  workflow_call:\n")
IN_REPO_CALLER = """\
name: Release
on:
  push:
    branches: [main]
jobs:
  ci:
    uses: ./.github/workflows/main-ci-cd.yml
    secrets: inherit
"""

CI_BUNDLE = BASE_CI.replace("  smart-staging-cleanup:", (
    "  client-bundle:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make bundle\n"
    "      - uses: actions/upload-artifact@v4\n        with:\n          name: client-bundle\n          path: dist/\n"
    "  smart-staging-cleanup:"))
POST_DOWNLOAD = post(docker=body(
    "runs-on: ubuntu-latest", "steps:", "  - uses: actions/download-artifact@v4", "    with:", "      name: client-bundle",
    "      run-id: ${{ github.event.workflow_run.id }}", "      github-token: ${{ secrets.GITHUB_TOKEN }}",
    "  - run: make publish-docker"))


# Findings the engine now handles: their cases run as ordinary tests.
FIXED: set[str] = {
    "listener-keeps-own-branches-and-fires-on-develop",
    "listener-compares-workflow-run-path-with-post-file",
    "post-concurrency-deadlocks-with-ci-concurrency",
    "oidc-publisher-moves-workflow-file-without-note",
    "download-artifact-races-the-uploading-ci-job",
    "merged-publish-job-reads-needs-of-itself",
    "merged-publish-steps-run-in-reverse-needs-order",
    "downstream-of-conditional-merged-job-runs-when-publish-skipped",
    "merged-publish-job-halves-timeout",
    "moved-job-id-collides-case-insensitively",
    "merged-step-rename-misses-case-variant-reference",
    "merged-step-ids-collide-case-insensitively",
    "called-reusable-workflow-reads-workflow-run-payload",
    "ci-alias-of-cleanup-needs-and-if-silently-changed",
    "ci-called-on-push-by-another-workflow-publishes-twice",
    "continue-on-error-gate-publishes-after-failure",
    "crash-block-scalar-if-on-ci-cleanup-job",
    "crash-block-scalar-if-on-ci-cleanup-step",
    "crash-block-scalar-if-on-unrelated-ci-job",
    "crash-post-job-without-body",
    "empty-gates-publish-without-tests",
    "final-cleanup-skipped-on-tag-push",
    "moved-jobs-inherit-ci-defaults-run",
    "new-final-cleanup-drops-env",
    "new-final-cleanup-drops-post-cleanup-condition",
    "new-final-cleanup-duplicate-step-ids",
    "post-cleanup-steps-lose-runs-on-environment-permissions",
    "post-cleanup-steps-run-on-non-release-push",
    "post-env-redirects-ci-staging-cleanup-to-production-registry",
    "whole-github-event-passed-to-moved-code",
}


def case(files: dict[str, str], check: Callable, reason: str, *, id: str, config: str = ""):
    marks = () if id in FIXED else pytest.mark.xfail(strict=True, reason=reason)
    return pytest.param(files, config, check, id=id, marks=marks)


FINDINGS = [
    case({CI: BASE_CI, POST: MERGED_SIBLING_NEEDS}, check_no_self_needs,
         "merged publish job reads needs.<its own id>: a sibling's needs/outputs become null, the step is skipped",
         id="merged-publish-job-reads-needs-of-itself"),
    case({CI: BASE_CI, POST: MERGED_REVERSED}, check_libs_before_docker,
         "publish jobs are merged in file order even when the first needs the second",
         id="merged-publish-steps-run-in-reverse-needs-order"),
    case({CI: BASE_CI, POST: CONDITIONAL_MERGED}, check_announce_follows_docker_condition,
         "a downstream job of a conditional publish job runs although that job's steps were skipped after merging",
         id="downstream-of-conditional-merged-job-runs-when-publish-skipped"),
    case({CI: BASE_CI.replace("jobs:\n", CONCURRENCY + "jobs:\n", 1), POST: post(top=CONCURRENCY)},
         check_no_concurrency_deadlock,
         "post concurrency `${{ github.workflow }}-...` becomes equal to the CI's workflow-level group: GitHub "
         "cancels publish-production as a deadlock", id="post-concurrency-deadlocks-with-ci-concurrency"),
    case({CI: CI_DEFAULTS, POST: post()}, check_moved_steps_keep_shell_and_directory,
         "moved jobs silently inherit the CI workflow's defaults.run (shell, working-directory)",
         id="moved-jobs-inherit-ci-defaults-run"),
    case({CI: BASE_CI, POST: POST_CLEANUP_SETTINGS}, check_post_cleanup_job_settings_kept,
         "post cleanup steps are appended to the CI cleanup job, dropping their runs-on/environment/permissions",
         id="post-cleanup-steps-lose-runs-on-environment-permissions"),
    case({CI: CI_ENV, POST: POST_ENV}, check_ci_cleanup_env_unchanged,
         "the post workflow's env is set job-level on final-cleanup and overrides the CI env for the CI's own steps",
         id="post-env-redirects-ci-staging-cleanup-to-production-registry"),
    case({CI: CI_DEVELOP, POST: POST_RELEASE_CLEANUP}, check_post_cleanup_not_on_develop,
         "appended post cleanup steps are guarded by `push` only and run on non-release pushes",
         id="post-cleanup-steps-run-on-non-release-push"),
    case({CI: CI_TAGS, POST: post()}, check_cleanup_on_tag_push_as_before,
         "pushes_beyond ignores `tags`: final-cleanup stops running on tag pushes",
         id="final-cleanup-skipped-on-tag-push"),
    case({CI: CI_NO_CLEANUP, POST: POST_TWO_CLEANUPS}, check_new_cleanup_keeps_job_condition,
         "a new final-cleanup (no CI cleanup job) drops the post cleanup job's own condition",
         id="new-final-cleanup-drops-post-cleanup-condition"),
    case({CI: CI_NO_CLEANUP, POST: POST_TWO_CLEANUPS}, check_step_ids_unique,
         "a new final-cleanup appends a second cleanup job's steps without renaming colliding step ids",
         id="new-final-cleanup-duplicate-step-ids"),
    case({CI: CI_NO_CLEANUP, POST: POST_TWO_CLEANUPS}, check_new_cleanup_keeps_env,
         "a new final-cleanup drops the post workflow's env and the second cleanup job's env",
         id="new-final-cleanup-drops-env"),
    case({CI: CI_ALIASES, POST: post()}, check_aliased_ci_job_unchanged,
         "editing the cleanup job's anchored needs/if also rewrites every CI job that aliases them",
         id="ci-alias-of-cleanup-needs-and-if-silently-changed"),
    case({CI: BASE_CI, POST: REUSABLE_POST, LIB: REUSABLE_LIB}, check_refused,
         "a local reusable workflow called by a publish job reads github.event.workflow_run: it now never publishes",
         id="called-reusable-workflow-reads-workflow-run-payload"),
    case({CI: BASE_CI, POST: WHOLE_EVENT}, check_refused,
         "toJSON(github.event) hands the (now push) payload to a script that expected workflow_run",
         id="whole-github-event-passed-to-moved-code"),
    case({CI: BASE_CI, POST: CASE_JOB_ID}, check_job_ids_unique,
         "job-id collision test is case-sensitive; GitHub job ids are not (duplicate job, invalid workflow)",
         id="moved-job-id-collides-case-insensitively"),
    case({CI: BASE_CI, POST: CASE_STEP_REF}, check_step_reference_follows_rename,
         "step-id renames in merged jobs miss references that spell the id in another case",
         id="merged-step-rename-misses-case-variant-reference"),
    case({CI: BASE_CI, POST: CASE_STEP_ID}, check_step_ids_unique,
         "step-id collision test is case-sensitive: `meta` and `Meta` end up in one job",
         id="merged-step-ids-collide-case-insensitively"),
    case({CI: CI_BLOCK_IF_OTHER_JOB, POST: post()}, check_no_crash,
         "ExpressionError from the truth-table simulator escapes migrate_texts",
         id="crash-block-scalar-if-on-unrelated-ci-job"),
    case({CI: CI_BLOCK_IF_CLEANUP, POST: post()}, check_no_crash,
         "ExpressionError from cleanup_condition escapes migrate_texts",
         id="crash-block-scalar-if-on-ci-cleanup-job"),
    case({CI: CI_BLOCK_IF_CLEANUP_STEP, POST: POST_WITH_CLEANUP}, check_no_crash,
         "ExpressionError from guard_step on the CI cleanup's steps escapes migrate_texts",
         id="crash-block-scalar-if-on-ci-cleanup-step"),
    case({CI: BASE_CI, POST: POST_NULL_JOB}, check_error_with_location,
         "a post job without a body raises TypeError out of migrate_texts", id="crash-post-job-without-body"),
    case({CI: CI_DEVELOP, POST: post(trigger=TRIGGER + "\n    branches: [main]"), LISTENER: LISTENER_WIDER},
         check_listener_only_release_branches,
         "a listener's own branches filter is kept, so it now fires for CI runs on non-release branches",
         id="listener-keeps-own-branches-and-fires-on-develop"),
    case({CI: BASE_CI, POST: post(), LISTENER: LISTENER_PATH}, check_listener_path_compare,
         "listener comparisons of workflow_run.path with the post file are not rewritten: the job never runs",
         id="listener-compares-workflow-run-path-with-post-file"),
    case({CI: BASE_CI, POST: ANCHORED_IF}, check_reason_has_line,
         "the read-back check of an edit refuses with a path but no line", id="unsupported-reason-without-line"),
    case({CI: BASE_CI, POST: OIDC}, check_oidc_noted,
         "an id-token: write publish job moves to another workflow file without a note (trusted publishing breaks)",
         id="oidc-publisher-moves-workflow-file-without-note"),
    case({CI: BASE_CI, POST: TIMEOUTS}, check_merged_timeout,
         "jobs with equal timeout-minutes merge into one job that has the time of one",
         id="merged-publish-job-halves-timeout"),
    case({CI: BASE_CI, POST: post()}, check_gates_required,
         "with jobs.gates = [] the publish group needs nothing and runs in parallel with the tests",
         id="empty-gates-publish-without-tests", config="[jobs]\ngates = []\n"),
    case({CI: CI_CONTINUE_ON_ERROR, POST: post()}, check_refused,
         "a gate with continue-on-error: true reports success when it fails: a failed gate publishes",
         id="continue-on-error-gate-publishes-after-failure"),
    case({CI: CI_CALLABLE, POST: post(), ".github/workflows/release.yml": IN_REPO_CALLER}, check_in_repo_caller_on_push,
         "a workflow_call CI that another workflow of the repository calls on push publishes twice per push",
         id="ci-called-on-push-by-another-workflow-publishes-twice"),
    case({CI: CI_BUNDLE, POST: POST_DOWNLOAD}, check_artifact_producer_is_ancestor,
         "download-artifact now reads the same run, but publish-production does not wait for the uploading job",
         id="download-artifact-races-the-uploading-ci-job"),
]


@pytest.mark.parametrize(("files", "config", "check"), FINDINGS)
def test_review_finding(files, config, check):
    try:
        cfg_ok = parse_config(config) is not None
    except Exception:  # a configuration the tool rejects is an acceptable answer
        return
    assert cfg_ok
    check(run(files, config))
