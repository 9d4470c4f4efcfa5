"""R2 What moves: every post job moves except the change-detection jobs (dropped), the post cleanup jobs
(merged into final-cleanup by R7) and `jobs.drop`. Moved jobs whose id exists in the CI workflow are renamed."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemod.errors import InputError
from codemod.migration.context import Migration
from codemod.result import Category


@dataclass
class Moves:
    dropped: dict[str, str] = field(default_factory=dict)  # post job id -> reason
    cleanup: list[str] = field(default_factory=list)  # post cleanup jobs, merged into final-cleanup
    publish: list[str] = field(default_factory=list)  # the publish jobs, in post order
    others: list[str] = field(default_factory=list)  # helpers, downstream and other moved jobs, in post order
    target: dict[str, str] = field(default_factory=dict)  # moved post job id -> its id in the CI workflow

    def is_moved(self, job: str) -> bool:
        return job in self.target


def check_bodies(m: Migration) -> None:
    """Every job of both workflows is a mapping (a job without a body is bad input)."""
    for wf in (m.post, m.ci):
        for job, spec in wf.jobs.items():
            if not isinstance(spec, dict):
                where = wf.location(("jobs", job))
                raise InputError(f"job `{job}` has no body (a mapping with runs-on/steps or uses)", where.path,
                                 where.line, where.col)


def classify(m: Migration) -> Moves:
    jobs = m.config.jobs
    post_jobs = list(m.post.jobs)
    missing = [j for j in jobs.publish if j not in m.post.jobs]
    if missing:
        raise m.refuse(
            f"publish job(s) {', '.join(missing)} not found in the post workflow (jobs.publish)",
            m.post.location(("jobs",)),
        )
    moves = Moves()
    for job in post_jobs:
        if job in jobs.publish:
            moves.publish.append(job)
        elif job in jobs.change_detection:
            moves.dropped[job] = "change detection: production publishing now always follows a green build of the same commit"
        elif job in jobs.drop:
            moves.dropped[job] = "listed in jobs.drop"
        elif _is_post_cleanup(job, jobs.post_cleanup):
            moves.cleanup.append(job)
        else:
            moves.others.append(job)
    for job, reason in moves.dropped.items():
        m.note(Category.DROPPED, f"post job `{job}` is dropped: {reason}", m.post.location(("jobs", job)))
    return moves


def _is_post_cleanup(job: str, configured: tuple[str, ...]) -> bool:
    return job in configured if configured else "cleanup" in job


def unique_id(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... whichever is not taken (`taken` is lower-cased: job ids are
    case-insensitive in GitHub)."""
    if wanted.lower() not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}".lower() in taken:
        n += 1
    return f"{wanted}-{n}"


def assign_other_ids(m: Migration, moves: Moves, taken: set[str]) -> None:
    """Ids in the CI workflow for the moved jobs that are not publish jobs (R2 collision renames)."""
    for job in moves.others:
        new = job
        if job.lower() in taken:
            new = unique_id(f"{job}-production", taken)
            m.note(
                Category.RENAMED,
                f"post job `{job}` is renamed `{new}`: the CI workflow already has a job `{job}`; "
                "its `needs:` and `needs.{job}.` references are rewritten",
                m.post.location(("jobs", job)),
            )
        taken.add(new.lower())
        moves.target[job] = new


def check_needs(m: Migration, moves: Moves) -> None:
    """A moved job may need only moved or dropped jobs: needing a post cleanup job cannot be expressed."""
    for job in moves.publish + moves.others:
        for need in needs_of(m.post.jobs[job]):
            if need in moves.cleanup:
                raise m.refuse(
                    f"moved job `{job}` needs post cleanup job `{need}`, which is merged into the final cleanup",
                    m.post.location(("jobs", job, "needs")),
                )
            if need not in m.post.jobs:
                raise m.refuse(f"job `{job}` needs unknown job `{need}`", m.post.location(("jobs", job, "needs")))


def needs_of(job: object) -> list[str]:
    if not isinstance(job, dict):
        return []
    needs = job.get("needs")
    if isinstance(needs, str):
        return [needs]
    if isinstance(needs, list):
        return [str(n) for n in needs]
    return []
