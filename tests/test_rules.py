"""The SPEC rules one construct at a time: small inline repositories through the engine.

Each case is a CI workflow and a post workflow (plus optional other files), the expected outcome, and a text
the one-line reason (or, for migrated cases, the new CI workflow) must contain."""

from __future__ import annotations

import pytest

from codemod.config import parse_config
from codemod.engine import migrate_texts
from codemod.repofiles import RepoFiles

CI = ".github/workflows/main-ci-cd.yml"
POST = ".github/workflows/main-branch-post-processing.yml"

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
  smart-staging-cleanup:
    needs: [e2e-tests, security-scanning]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: make clean
"""


DOCKER = "    runs-on: ubuntu-latest\n    steps:\n      - run: make publish-docker\n"


def post(trigger: str = "workflow_run:\n    workflows: [CI]\n    types: [completed]", docker: str = DOCKER,
         extra_jobs: str = "") -> str:
    """A post workflow: `docker` is the body of publish-dockerhub (4-space indented), `extra_jobs` more jobs."""
    return (f"name: Post\non:\n  {trigger}\njobs:\n  publish-dockerhub:\n{docker}"
            "  publish-client-libraries:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make publish-libs\n"
            + extra_jobs)


def job(*lines: str) -> str:
    """The body of a job from its lines (each 4-space indented)."""
    return "".join(f"    {line}\n" for line in lines)


DETECT = "  detect-changes:\n    runs-on: x\n    steps:\n      - run: x\n"
CLEANUP = "  cleanup-tags:\n    runs-on: x\n    steps:\n      - run: x\n"


def run(files: dict[str, str | bytes], config: str = "", symlinks: tuple[str, ...] = ()):
    blobs = {p: t.encode() if isinstance(t, str) else t for p, t in files.items()}
    cfg = parse_config(config).for_repo(None)
    return migrate_texts(RepoFiles.from_bytes(blobs, symlinks), cfg, default_branch="main")


UPLOAD_CI = BASE_CI.replace("jobs:\n", (
    "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/upload-artifact@v4\n"
    "        with:\n          name: dist\n          path: dist/\n"), 1).replace(
    "  e2e-tests:\n    runs-on", "  e2e-tests:\n    needs: build\n    runs-on")


def ci_after(result) -> str:
    return next(c.new_text for c in result.changes if c.path == CI)


UNSUPPORTED = [
    pytest.param({CI: BASE_CI.replace("  pull_request:", "  workflow_run:\n    workflows: [Build]"), POST: post()},
                 "the CI workflow is itself triggered by workflow_run", id="CI is workflow_run-triggered"),
    pytest.param({CI: BASE_CI, POST: post("push:\n    branches: [main]")},
                 "not triggered by workflow_run", id="post has no workflow_run"),
    pytest.param({CI: BASE_CI, POST: post("workflow_run:\n    workflows: [CI]\n    types: [requested]")},
                 "not after the CI workflow completed", id="types requested"),
    pytest.param({CI: BASE_CI, POST: post("workflow_run:\n    workflows: [CI]\n    branches-ignore: [dev]")},
                 "branches-ignore cannot be expressed", id="branches-ignore"),
    pytest.param({CI: BASE_CI, POST: post("workflow_run:\n    workflows: [CI]\n    branches: ['release/*']")},
                 "release branch pattern 'release/*' cannot be expressed", id="wildcard release branch"),
    pytest.param({CI: BASE_CI.replace("    branches: [main]", "    tags: ['v*']"), POST: post()},
                 "does not run on push to release branch 'main'", id="CI pushes only tags"),
    pytest.param({CI: BASE_CI.replace("    branches: [main]", "    branches-ignore: [main]"), POST: post()},
                 "does not run on push to release branch 'main'", id="CI ignores the release branch"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("if: github.event.workflow_run.conclusion == 'failure'") + DOCKER)},
                 "workflow_run.conclusion == 'failure'", id="conclusion other than success"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("needs: detect-changes", "if: needs.detect-changes.outputs.kind == 'docker'") + DOCKER,
                                          extra_jobs=DETECT)},
                 "compared with 'docker', not used as a boolean", id="change-detection output compared with a string"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("needs: detect-changes", "env:", "  K: ${{ needs.detect-changes.outputs.kind }}") + DOCKER,
                                          extra_jobs=DETECT)},
                 "other than as a boolean output", id="change-detection output used as a value"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("runs-on: x", "steps:", "  - run: jq .workflow_run.head_sha \"$GITHUB_EVENT_PATH\""))},
                 "reads the workflow_run event payload outside an expression", id="payload read from the event file"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("needs: cleanup-tags") + DOCKER, extra_jobs=CLEANUP)},
                 "needs post cleanup job `cleanup-tags`", id="moved job needs a cleanup job"),
    pytest.param({CI: BASE_CI, POST: post(), ".github/workflows/release.yml":
                  "on: push\njobs:\n  post:\n    uses: ./.github/workflows/main-branch-post-processing.yml\n"},
                 "calls the post workflow with `uses:`", id="post workflow called as reusable"),
    pytest.param({CI: BASE_CI.replace("  smart-staging-cleanup:", "  publish-production:\n    runs-on: x\n    steps:\n      - run: x\n  smart-staging-cleanup:"),
                  POST: post()},
                 "already has a `publish-production` job while the post workflow still exists", id="half-done migration"),
    pytest.param({CI: BASE_CI, POST: post()}, "publish job(s) publish-npm not found", id="configured publish job missing",
                 marks=[]),
]


@pytest.mark.parametrize(("files", "reason"), UNSUPPORTED)
def test_unsupported(files, reason):
    config = '[jobs]\npublish = ["publish-dockerhub", "publish-npm"]\n' if "publish-npm" in reason else ""
    result = run(files, config)
    assert result.outcome == "unsupported", result.reason
    assert reason in result.reason
    assert result.changes == []


ERRORS = [
    pytest.param({CI: BASE_CI.replace("  pull_request:", "  pull_request:\n  push:"), POST: post()},
                 f"{CI}:", "duplicate", id="duplicate key"),
    pytest.param({CI: b"name: CI\non: push\njobs:\n  a:\n    runs-on: \xff\n", POST: post()},
                 f"{CI}:5:14:", "not UTF-8", id="undecodable bytes"),
    pytest.param({CI: BASE_CI, POST: "name: Post\non: [workflow_run\n"}, f"{POST}:", "", id="invalid YAML"),
]


@pytest.mark.parametrize(("files", "where", "what"), ERRORS)
def test_errors_name_file_line_and_column(files, where, what):
    result = run(files)
    assert result.outcome == "error", result.reason
    assert result.reason.startswith(where)
    assert what in result.reason
    assert "\n" not in result.reason


def test_symlinked_workflow_is_an_error():
    result = run({CI: BASE_CI, POST: post()}, symlinks=(POST,))
    assert result.outcome == "error"
    assert result.reason == f"{POST}: is a symbolic link; the codemod edits only regular files"


MIGRATED = [
    pytest.param({CI: BASE_CI, POST: post("workflow_run:\n    workflows: [main-ci-cd.yml]\n    types: [completed]")},
                 "publish-production:", id="post names the CI workflow by file"),
    pytest.param({CI: BASE_CI.replace("[main]", "[main, 'release/**']"),
                  POST: post("workflow_run:\n    workflows: [CI]\n    branches: [main, 'release/**']")},
                 "startsWith(github.ref, 'refs/heads/release/')", id="release/** becomes startsWith"),
    pytest.param({CI: BASE_CI, POST: post(docker=job("if: github.event_name == 'workflow_run'") + DOCKER)},
                 "github.event_name == 'push'", id="event_name workflow_run becomes push"),
    pytest.param({CI: UPLOAD_CI, POST: post(docker=job("runs-on: x", "steps:", "  - uses: actions/download-artifact@v4", "    with:",
                                              "      name: dist", "      run-id: ${{ github.event.workflow_run.id }}",
                                              "      github-token: ${{ secrets.GITHUB_TOKEN }}"))},
                 "name: dist\n", id="download-artifact loses run-id and github-token"),
    pytest.param({CI: BASE_CI, POST: post(extra_jobs="  report:\n    needs: publish-dockerhub\n    if: ${{ always() }}\n"
                                          "    runs-on: x\n    steps:\n      - run: x\n")},
                 "if: ${{ github.event_name == 'push' && github.ref == 'refs/heads/main' && "
                 "needs.e2e-tests.result == 'success' && needs.security-scanning.result == 'success' && always() }}",
                 id="a wrapped condition stays wrapped, with gate results next to always()"),
]


@pytest.mark.parametrize(("files", "expected"), MIGRATED)
def test_migrated(files, expected):
    result = run(files)
    assert result.outcome == "migrated", result.reason
    text = ci_after(result)
    assert expected in text
    assert "workflow_run" not in text
    assert "run-id" not in text and "github-token" not in text


def test_other_triggers_are_dropped_and_listed():
    result = run({CI: BASE_CI, POST: post("workflow_run:\n    workflows: [CI]\n  workflow_dispatch:\n  schedule:\n    - cron: '0 3 * * *'")})
    assert result.outcome == "migrated", result.reason
    triggers = [n.message for n in result.notes if n.category == "trigger"]
    assert any("`workflow_dispatch`" in t for t in triggers)
    assert any("`schedule`" in t for t in triggers)


MERGE_POST = """\
name: Post
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
jobs:
  detect-changes:
    runs-on: ubuntu-latest
    outputs:
      docker: ${{ steps.f.outputs.docker }}
    steps:
      - id: f
        run: echo docker=true >> "$GITHUB_OUTPUT"
  publish-dockerhub:
    needs: detect-changes
    if: needs.detect-changes.outputs.docker == 'true' && github.repository_owner == 'acme'
    runs-on: ubuntu-latest
    outputs:
      digest: ${{ steps.meta.outputs.digest }}
    steps:
      - id: meta
        run: echo digest=1 >> "$GITHUB_OUTPUT"
  publish-client-libraries:
    if: github.repository_owner == 'acme'
    runs-on: ubuntu-latest
    outputs:
      version: ${{ steps.meta.outputs.version }}
    steps:
      - id: meta
        if: hashFiles('package.json') != ''
        run: echo version=1 >> "$GITHUB_OUTPUT"
      - run: npm publish --tag "${{ steps.meta.outputs.version }}"
"""
ANNOUNCE = """\
  announce:
    needs: [publish-dockerhub, publish-client-libraries]
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ needs.publish-client-libraries.outputs.version }} ${{ needs.publish-dockerhub.outputs.digest }}"
"""


def test_merged_publish_jobs_carry_conditions_into_steps_and_rename_colliding_step_ids():
    result = run({CI: BASE_CI, POST: MERGE_POST})
    assert result.outcome == "migrated", result.reason
    text = ci_after(result)
    # each source job's condition guards its own steps (the change-detection output folded away)
    assert "        if: github.repository_owner == 'acme'\n        run: echo digest=1" in text
    assert "if: github.repository_owner == 'acme' && hashFiles('package.json') != ''" in text
    # the second `meta` step is renamed, and so is every `steps.meta.` reference of its job
    assert "id: meta-publish-client-libraries" in text
    assert "--tag \"${{ steps.meta-publish-client-libraries.outputs.version }}\"" in text
    assert "version: ${{ steps.meta-publish-client-libraries.outputs.version }}" in text
    assert "digest: ${{ steps.meta.outputs.digest }}" in text
    renamed = [n.message for n in result.notes if n.category == "renamed"]
    assert any("`meta`" in m for m in renamed)


CONTEXT_POST = """\
name: Post
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
defaults:
  run:
    shell: bash
    working-directory: release
env:
  CHANNEL: stable
jobs:
  publish-dockerhub:
    runs-on: ubuntu-latest
    env:
      CHANNEL: beta
    steps:
      - run: make publish-docker
  publish-client-libraries:
    uses: ./.github/workflows/libs.yml
    secrets: inherit
"""


def test_workflow_context_moves_to_job_level_and_job_keys_win():
    ci = BASE_CI.replace("jobs:\n", "concurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: true\npermissions:\n  contents: read\njobs:\n", 1)
    ci = ci.replace("branches: [main]", "branches: [main]\n    paths: ['src/**']")
    result = run({CI: ci, POST: CONTEXT_POST})
    assert result.outcome == "migrated", result.reason
    text = ci_after(result)
    step_job = text[text.index("  publish-production:"):text.index("  publish-production-client-libraries:")]
    assert "CHANNEL: beta" in step_job and "CHANNEL: stable" not in step_job  # the job's own value wins
    assert "defaults:\n      run:\n        shell: bash\n        working-directory: release" in step_job
    reusable = text[text.index("  publish-production-client-libraries:"):text.index("  smart-staging-cleanup:") if "smart-staging-cleanup:" in text else text.index("  final-cleanup:")]
    assert "defaults:" not in reusable and "env:" not in reusable  # not allowed on reusable-workflow calls
    categories = {n.category for n in result.notes}
    assert {"secret", "concurrency", "permission", "follow-up"} <= categories
    assert any("secrets: inherit" in n.message for n in result.notes)
    assert any("cancel-in-progress" in n.message for n in result.notes)
    assert any("`paths`" in n.message for n in result.notes)


def test_conditional_publish_jobs_that_other_jobs_need_stay_separate():
    """Merged, a job that needs them could not tell whether their steps ran: they stay separate jobs of the group,
    and the downstream job follows the renamed jobs' outputs."""
    result = run({CI: BASE_CI, POST: MERGE_POST + ANNOUNCE})
    assert result.outcome == "migrated", result.reason
    text = ci_after(result)
    assert "  publish-production:\n" in text and "  publish-production-client-libraries:\n" in text
    assert ("${{ needs.publish-production-client-libraries.outputs.version }} "
            "${{ needs.publish-production.outputs.digest }}") in text
    assert any("stays a separate job" in n.message and "other jobs need it" in n.message for n in result.notes)


@pytest.mark.parametrize(
    ("ci", "reason"),
    [
        pytest.param(BASE_CI, "artifact `dist` is not uploaded by any job of the CI workflow", id="no uploader"),
        pytest.param(UPLOAD_CI.replace("    needs: build\n", ""), "is uploaded by `build`, which the gates do not wait for",
                     id="uploader not before the gates"),
    ],
)
def test_download_of_an_artifact_the_gates_do_not_wait_for_is_refused(ci, reason):
    download = job("runs-on: x", "steps:", "  - uses: actions/download-artifact@v4", "    with:", "      name: dist",
                   "      run-id: ${{ github.event.workflow_run.id }}")
    result = run({CI: ci, POST: post(docker=download)})
    assert result.outcome == "unsupported"
    assert reason in result.reason
