"""What the gate reads from git: one ``git log`` over the reviewed range, approvals, trees.

Everything here goes through GitPython's command wrapper (``repo.git``), one process per
question; nothing walks commit objects in Python. Failures a user can fix (not a
repository, a shallow clone, a missing base ref, a detached HEAD where a branch is needed)
raise :class:`GitError` with a one-line message.
"""

from __future__ import annotations

import io
import os
import subprocess
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

#: ``git log`` fields, one NUL after each (``-z`` puts one more between commits). No field can
#: hold a NUL (git refuses them in messages), so subjects with any other control character, and
#: file names of any kind, cannot shift the parse.
_LOG_FIELDS = ("%H", "%P", "%ct", "%an", "%ae", "%s", "%(trailers:unfold,only)", "%b")
_LOG_FORMAT = "".join(f + "%x00" for f in _LOG_FIELDS)
_REF_FIELDS = ("%(refname)", "%(*objectname)", "%(objectname)", "%(taggerdate:unix)",
               "%(contents:body)")
#: The three places GitHub looks for CODEOWNERS, in its order.
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


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
    #: Whether the design content differs from the first parent's (a merge commit that
    #: brings design changes in changes the design too).
    touches_design: bool
    trailers: tuple[tuple[str, str], ...] = ()
    tree: str | None = None  # the design folder's tree id at this commit (None: no folder)
    body: str = ""  # the message after the subject, trailers included

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
    tag: str | None = None  # the tag's name (refs/tags/ removed), for a tag

    @property
    def pull_number(self) -> int | None:
        """The pull request a publish-workflow tag names (designgate/approved/pr-<n>)."""
        prefix = APPROVED_TAGS.removeprefix("refs/tags/") + "pr-"
        if self.tag and self.tag.startswith(prefix) and self.tag[len(prefix):].isdigit():
            return int(self.tag[len(prefix):])
        return None


@dataclass(slots=True)
class History:
    """The reviewed range, oldest commit first."""

    commits: list[Commit] = field(default_factory=list)
    head: str = ""
    base: str | None = None  # the commit the range starts after (base ref or baseline)
    branch: str | None = None  # None: detached HEAD
    head_tree: str | None = None  # the design folder's tree at HEAD

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

    def history(self, base: str | None = None, since: str | None = None,
                head: str | None = None) -> History:
        """Commits of ``base..HEAD`` (or ``since..HEAD``, or all of HEAD), oldest first.

        One ``git log`` gives the commits and their trailers, one ``git cat-file`` the design
        folder's tree at each commit and its first parent: a commit changes the design when
        the two trees differ, which holds for merge commits too (a merge that brings in a
        deleted endpoint changes the design), and is blind to file-name quoting.
        """
        head = self.resolve(head) if head else self.head()
        base_sha = self.resolve(base) if base else None
        stop = base_sha or since
        rev = f"{stop}..{head}" if stop else head
        out = self._git("log", "-z", "--reverse", "--no-color", f"--format={_LOG_FORMAT}",
                        rev, "--")
        raw = list(_records(out))
        wanted = {head, *(r[0] for r in raw), *(r[1].split()[0] for r in raw if r[1].split())}
        trees = self.design_trees(sorted(wanted))
        commits = [_commit(r, trees) for r in raw]
        start = base_sha or (self._full(since) if since else None)
        return History(commits, head, start, self.branch(), trees.get(head))

    def design_trees(self, commits: list[str]) -> dict[str, str | None]:
        """The design folder's tree id at each of ``commits`` (None: no folder, or unknown)."""
        if not commits:
            return {}
        spec = (lambda c: f"{c}:{self.design_path}") if self.design_path else (
            lambda c: f"{c}^{{tree}}")
        text = "".join(spec(c) + "\n" for c in commits)
        proc = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                              cwd=self.root, input=text.encode(), capture_output=True,
                              check=False)
        if proc.returncode != 0:
            raise GitError("git cat-file failed: "
                           + " ".join(proc.stderr.decode(errors="replace").split()))
        trees: dict[str, str | None] = {}
        for c, line in zip(commits, proc.stdout.decode().splitlines(), strict=False):
            oid, _, kind = line.partition(" ")
            trees[c] = oid if kind == "tree" else None
        return trees

    def design_tree_of(self, commit: str) -> str | None:
        return self.design_trees([commit]).get(commit)

    def has_commit(self, sha: str) -> bool:
        try:
            self._git("cat-file", "-e", f"{sha}^{{commit}}")
        except GitError:
            return False
        return True

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            return self._git("merge-base", a, b).strip() or None
        except GitError:
            return None

    def design_delta(self, commit: str, base: str) -> frozenset[tuple[str, str]] | None:
        """What ``commit`` itself changes in the design: its files against the fork point.

        ``(path, blob)`` for every design file that differs between the merge base of
        ``commit`` and ``base`` and ``commit`` (``-`` for a deleted file). A rebase that
        replays the same changes, a merge of the base branch, an amend of a message: none
        of them changes it. None when the commit is not in this repository.
        """
        if not self.has_commit(commit):
            return None
        fork = self.merge_base(commit, base)
        spec = self.design_path or "."
        if fork is None:
            out = self._git("ls-tree", "-r", "-z", "--full-tree", commit, "--", spec)
            return frozenset((entry.partition("\t")[2], entry.split()[2])
                             for entry in out.split("\0") if "\t" in entry)
        out = self._git("diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff",
                        fork, commit, "--", spec)
        parts = out.split("\0")
        delta: set[tuple[str, str]] = set()
        for meta, path in zip(parts[0::2], parts[1::2], strict=False):
            fields = meta.lstrip(":").split()
            if len(fields) >= 5:
                delta.add((path, "-" if fields[4].startswith("D") else fields[3]))
        return frozenset(delta)

    def changed_design_files(self, base: str, head: str) -> list[str]:
        """Design files ``head`` changes against its fork point from ``base``."""
        fork = self.merge_base(base, head) or base
        out = self._git("diff", "--name-only", "-z", "--no-renames", fork, head, "--",
                        self.design_path or ".")
        return [p for p in out.split("\0") if p]

    def text_at(self, commit: str, path: str) -> str | None:
        """The text of ``path`` (relative to the root) at ``commit``; None if absent."""
        try:
            return self._git("show", f"{commit}:{path}")
        except GitError:
            return None

    def codeowners_at(self, commit: str) -> tuple[str, str] | None:
        """GitHub's CODEOWNERS file at ``commit``: (path, text), the first that exists."""
        for path in CODEOWNERS_PATHS:
            text = self.text_at(commit, path)
            if text is not None:
                return path, text
        return None

    def approvals(self) -> list[ApprovalMark]:
        """Approved baselines on HEAD's history, newest first (trailer commits and tags)."""
        return self.newest_first([*self.trailer_approvals(), *self.tag_approvals()])

    def newest_first(self, marks: list[ApprovalMark]) -> list[ApprovalMark]:
        order = self._order([m.commit for m in marks])
        return sorted(marks, key=lambda m: (order.get(m.commit, -1), m.time), reverse=True)

    def trailer_approvals(self) -> list[ApprovalMark]:
        marks: list[ApprovalMark] = []
        out = self._git("log", "-z", "--no-color", f"--grep=^{TRAILER_STATE}: *approve",
                        "-i", f"--format={_LOG_FORMAT}", self.head(), "--")
        for c in (_commit(r, {}) for r in _records(out)):
            if (c.trailer(TRAILER_STATE) or "").lower().startswith("approve"):
                reviewed = c.trailer(TRAILER_REVIEWED) or (c.parents[0] if c.parents else c.sha)
                reviewers = tuple(v for k, v in c.trailers if k.lower() == TRAILER_REVIEWER.lower())
                marks.append(ApprovalMark(self._full(reviewed), c.time, reviewers or (c.author,),
                                          f"trailer {c.sha[:12]}"))
        return marks

    def tag_approvals(self) -> list[ApprovalMark]:
        marks: list[ApprovalMark] = []
        fmt = "".join(f + "%00" for f in _REF_FIELDS)
        out = self._git("for-each-ref", f"--format={fmt}", "--merged", self.head(),
                        APPROVED_TAGS)
        n = len(_REF_FIELDS)
        fields = out.split("\0")
        for i in range(0, len(fields) - n + 1, n):
            name, peeled, obj, tdate, body = (fields[i].lstrip("\n"), *fields[i + 1:i + n])
            if not name:
                continue
            when = datetime.fromtimestamp(int(tdate or 0), UTC) if tdate.isdigit() else \
                datetime.fromtimestamp(0, UTC)
            reviewers = tuple(v for k, v in _trailers(body) if k.lower() == TRAILER_REVIEWER.lower())
            short = name.removeprefix("refs/tags/")
            marks.append(ApprovalMark(peeled or obj, when, reviewers, f"tag {short}", short))
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
            out = self._git("ls-tree", "-r", "-z", "--name-only", "--full-tree", commit, "--",
                            folder)
        except GitError:
            return set()
        return {p for p in out.split("\0") if p}

    def parents(self, commit: str) -> list[str]:
        return self._git("rev-list", "--parents", "-n", "1", self.resolve(commit)).split()[1:]

    def changes_design(self, commit: str) -> bool:
        """Whether ``commit`` changes the design folder against its first parent."""
        parents = self.parents(commit)
        trees = self.design_trees([commit, *parents[:1]])
        if not parents:
            return trees.get(commit) is not None
        return trees.get(commit) != trees.get(parents[0])

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


def _records(out: str) -> Iterator[list[str]]:
    """The field lists of ``git log -z --format=<_LOG_FORMAT>`` output."""
    tokens = out.split("\0")
    n, i = len(_LOG_FIELDS), 0
    while i + n <= len(tokens):
        if not tokens[i]:
            i += 1  # the NUL -z puts between commits
            continue
        yield tokens[i:i + n]
        i += n


def _commit(fields: list[str], trees: dict[str, str | None]) -> Commit:
    sha, parents, ctime, author, email, subject, trailers, body = fields
    first = parents.split()[0] if parents.split() else None
    tree = trees.get(sha)
    touches = tree != (trees.get(first) if first else None)
    return Commit(sha, tuple(parents.split()), datetime.fromtimestamp(int(ctime), UTC), author,
                  email, subject, touches, tuple(_trailers(trailers)), tree, body)


def _trailers(text: str) -> Iterator[tuple[str, str]]:
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            yield key.strip(), value.strip()
