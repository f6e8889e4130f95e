"""What the gate reads from git: one ``git log`` over the reviewed range, approvals, trees.

Everything here goes through GitPython's command wrapper (``repo.git``), one process per
question; nothing walks commit objects in Python. Failures a user can fix (not a
repository, a shallow clone, a missing base ref, a detached HEAD where a branch is needed)
raise :class:`GitError` with a one-line message.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import git

#: Commit trailers ``designgate gate record`` writes (``git interpret-trailers`` syntax).
TRAILER_STATE = "Design-Gate"
TRAILER_REVIEWER = "Design-Gate-Reviewer"
TRAILER_REVIEWED = "Design-Gate-Reviewed"
#: Annotated tags that mark an approved baseline (``designgate gate tag`` creates them).
APPROVED_TAGS = "refs/tags/designgate/approved/"

_RS, _US = "\x1e", "\x1f"
_LOG_FORMAT = _RS + _US.join(["%H", "%P", "%ct", "%an", "%ae", "%s", "%(trailers:unfold)"]) + _US


class GitError(Exception):
    """The repository cannot answer the gate's question; the message is one line."""


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    time: datetime
    author: str
    email: str
    subject: str
    touches_design: bool
    trailers: tuple[tuple[str, str], ...] = ()

    def trailer(self, key: str) -> str | None:
        for k, v in self.trailers:
            if k.lower() == key.lower():
                return v
        return None


@dataclass(frozen=True, slots=True)
class ApprovalMark:
    """An approved baseline recorded in git: a trailer commit or an annotated tag."""

    commit: str  # the approved commit
    time: datetime
    reviewers: tuple[str, ...]
    source: str  # "trailer <sha>" or "tag <name>"


@dataclass(slots=True)
class History:
    """The reviewed range, oldest commit first."""

    commits: list[Commit] = field(default_factory=list)
    head: str = ""
    base: str | None = None  # the commit the range starts after (base ref or baseline)
    branch: str | None = None  # None: detached HEAD

    def index(self) -> dict[str, int]:
        return {c.sha: i for i, c in enumerate(self.commits)}


class Repo:
    """A git repository holding the design, opened from the design folder."""

    def __init__(self, design_dir: str | os.PathLike[str]) -> None:
        path = Path(design_dir).resolve()
        try:
            self.repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(f"'{design_dir}' is not inside a git repository; the gate reads "
                           "reviews and revision cycles from git history (git init, or "
                           "run it in a clone)") from None
        except git.GitCommandNotFound:
            raise GitError("git is not installed or not on PATH") from None
        if self.repo.bare or self.repo.working_tree_dir is None:
            raise GitError(f"'{design_dir}' is in a bare repository; run in a work tree")
        self.root = Path(self.repo.working_tree_dir).resolve()
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            raise GitError(f"'{design_dir}' is outside the repository's work tree") from None
        #: The design folder, relative to the root, as git prints paths ('' = the root).
        self.design_path = PurePosixPath(*rel.parts).as_posix() if rel.parts else ""

    # --- state of the repository -------------------------------------------------------

    def _git(self, *args: str) -> str:
        try:
            return str(self.repo.git.execute(["git", *args], stdout_as_string=True))
        except git.GitCommandError as exc:
            detail = " ".join(str(exc.stderr or exc).split()).removeprefix("stderr: ")
            raise GitError(f"git {args[0]} failed: {detail.strip(chr(39))}") from None

    def is_shallow(self) -> bool:
        return self._git("rev-parse", "--is-shallow-repository").strip() == "true"

    def require_full_history(self) -> None:
        if self.is_shallow():
            raise GitError(
                "this clone is shallow, so revision cycles cannot be counted from its history; "
                "fetch it whole ('git fetch --unshallow', or 'fetch-depth: 0' on "
                "actions/checkout)"
            )

    def head(self) -> str:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            raise GitError("the repository has no commits yet; commit the design first") from None

    def branch(self) -> str | None:
        return None if self.repo.head.is_detached else self.repo.active_branch.name

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names, or a one-line error saying how to get it."""
        if ref.startswith("-"):
            raise GitError(f"base ref '{ref}' is not a ref")
        try:
            return self._git("rev-parse", "--verify", "--quiet", "--end-of-options",
                             f"{ref}^{{commit}}").strip()
        except GitError:
            hint = (f" (fetch it: git fetch origin {ref.removeprefix('origin/')})"
                    if ref.startswith("origin/") else "")
            raise GitError(f"base ref '{ref}' is not a commit in this repository{hint}") from None

    # --- history ---------------------------------------------------------------------

    def history(self, base: str | None = None, since: str | None = None) -> History:
        """Commits of ``base..HEAD`` (or ``since..HEAD``, or all of HEAD), oldest first.

        One ``git log`` call gives every commit with its trailers and the files it changed.
        Merge commits list no files (git's default), so merging the base branch into a pull
        request never counts as a design change.
        """
        head = self.head()
        base_sha = self.resolve(base) if base else None
        stop = base_sha or since
        rev = f"{stop}..{head}" if stop else head
        out = self._git("log", "--reverse", "--no-color", "--no-renames", "--name-only",
                        f"--format={_LOG_FORMAT}", rev, "--")
        start = base_sha or (self._full(since) if since else None)
        return History(list(self._parse_log(out)), head, start, self.branch())

    def _parse_log(self, out: str) -> Iterator[Commit]:
        prefix = self.design_path + "/" if self.design_path else ""
        for record in out.split(_RS)[1:]:
            fields = record.split(_US)
            sha, parents, ctime, author, email, subject, trailers = fields[:7]
            files = fields[7].split("\n") if len(fields) > 7 else []
            touches = any(f and f.startswith(prefix) for f in files)
            yield Commit(sha, tuple(parents.split()),
                         datetime.fromtimestamp(int(ctime), UTC), author, email, subject,
                         touches, tuple(_trailers(trailers)))

    def approvals(self) -> list[ApprovalMark]:
        """Approved baselines on HEAD's history, newest first (trailer commits and tags)."""
        marks: list[ApprovalMark] = []
        head = self.head()
        out = self._git("log", "--no-color", f"--grep=^{TRAILER_STATE}: *approve",
                        "-i", f"--format={_LOG_FORMAT}", head, "--")
        for c in self._parse_log(out):
            if (c.trailer(TRAILER_STATE) or "").lower().startswith("approve"):
                reviewed = c.trailer(TRAILER_REVIEWED) or (c.parents[0] if c.parents else c.sha)
                reviewers = tuple(v for k, v in c.trailers if k.lower() == TRAILER_REVIEWER.lower())
                marks.append(ApprovalMark(self._full(reviewed), c.time, reviewers or (c.author,),
                                          f"trailer {c.sha[:12]}"))
        fmt = _US.join(["%(refname)", "%(*objectname)", "%(objectname)", "%(taggerdate:unix)",
                        "%(contents:body)"]) + _RS
        refs = self._git("for-each-ref", f"--format={fmt}", "--merged", head, APPROVED_TAGS)
        for rec in refs.split(_RS):
            parts = rec.strip("\n").split(_US)
            if len(parts) < 5:
                continue
            name, peeled, obj, tdate, body = parts[:5]
            when = datetime.fromtimestamp(int(tdate or 0), UTC)
            reviewers = tuple(v for k, v in _trailers(body) if k.lower() == TRAILER_REVIEWER.lower())
            marks.append(ApprovalMark(peeled or obj, when, reviewers,
                                      f"tag {name.removeprefix('refs/tags/')}"))
        order = self._order([m.commit for m in marks])
        marks.sort(key=lambda m: (order.get(m.commit, -1), m.time), reverse=True)
        return marks

    def _full(self, ref: str) -> str:
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except GitError:
            return ref

    def _order(self, shas: list[str]) -> dict[str, int]:
        """Topological position on HEAD's history (larger = newer) of each known sha."""
        if not shas:
            return {}
        wanted = set(shas)
        out = self._git("rev-list", "--topo-order", "--reverse", self.head())
        return {sha: i for i, sha in enumerate(out.split()) if sha in wanted}

    def design_tree(self, commit: str, dest: Path) -> Path | None:
        """Extract the design folder as it was at ``commit`` into ``dest``; None if absent."""
        spec = self.design_path or "."
        try:
            data = self.repo.git.execute(["git", "archive", "--format=tar", commit, "--", spec],
                                         stdout_as_string=False)
        except git.GitCommandError:
            return None
        with tarfile.open(fileobj=io.BytesIO(bytes(data))) as tar:
            _extract(tar, dest)
        out = dest / self.design_path if self.design_path else dest
        return out if out.is_dir() else None

    def paths_at(self, commit: str, folder: str) -> set[str]:
        """Files under ``folder`` (relative to the root) in ``commit``'s tree."""
        try:
            out = self._git("ls-tree", "-r", "--name-only", commit, "--", folder)
        except GitError:
            return set()
        return {line for line in out.splitlines() if line}

    def changes_design(self, commit: str) -> bool:
        """Whether ``commit`` changes the design folder against its first parent."""
        spec = self.design_path or "."
        parents = self._git("rev-list", "--parents", "-n", "1", commit).split()[1:]
        if not parents:
            return bool(self._git("ls-tree", "-r", "--name-only", commit, "--", spec).strip())
        return bool(self._git("diff", "--name-only", parents[0], commit, "--", spec).strip())

    def tag(self, name: str, commit: str, message: str) -> None:
        """An annotated tag, locally (kept if it exists)."""
        if self._git("tag", "--list", name).strip():
            return
        self._git("-c", "user.name=designgate", "-c", "user.email=designgate@localhost",
                  "tag", "-a", name, "-m", message, commit)

    def commit_empty(self, message: str) -> str:
        """Record ``message`` as an empty commit on the current branch; its sha."""
        self._git("commit", "--allow-empty", "--no-verify", "-q", "-m", message)
        return self.head()


def _extract(tar: tarfile.TarFile, dest: Path) -> None:
    """Extract regular files and folders only, never outside ``dest`` (git archive output)."""
    if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and newer
        tar.extractall(dest, filter="data")
        return
    root = dest.resolve()
    for member in tar.getmembers():
        target = (dest / member.name).resolve()
        if not target.is_relative_to(root) or not (member.isfile() or member.isdir()):
            continue
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is not None:
            target.write_bytes(source.read())


def _trailers(text: str) -> Iterator[tuple[str, str]]:
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            yield key.strip(), value.strip()
