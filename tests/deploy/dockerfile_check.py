#!/usr/bin/env python3
"""Static checks of the Dockerfile (tests/deploy/image_test.sh builds and runs it with podman).

    dockerfile_check.py lint   DOCKERFILE --port PORT --version VERSION
    dockerfile_check.py libs   DOCKERFILE --binary FILE --rootfs DIR
    dockerfile_check.py runtime-packages DOCKERFILE
    dockerfile_check.py healthcheck-cmd DOCKERFILE

lint    the rules that matter for this image (a small hadolint of our own, which Debian lacks):
        pinned bases of one Debian release, multi-stage, every stage that runs something on the
        build platform (FROM --platform=$BUILDPLATFORM: nothing of the target runs, so an arm64
        image builds on amd64 without emulation), the build stage runs scripts/install-deps.sh,
        the final stage FROM scratch with no RUN and its root file system from a stage that
        unpacks Debian packages (scripts/debian-unpack.sh), no ADD of URLs, no curl/wget, no
        apt-get in the root-file-system stage, non-root numeric USER, EXPOSE = the binary's
        default port, ENTRYPOINT and CMD in exec form with the entrypoint the binary the final
        stage copies, a HEALTHCHECK in exec form that runs the binary's `healthcheck`
        subcommand, OCI labels, VERSION = CMake's.
libs    the binary (any architecture: readelf, nothing run) against the image's root file
        system DIR (exported from the image): every library the binary needs, recursively, is
        in DIR and built for the binary's machine; every library the binary names itself
        (NEEDED) belongs to a package of the root-file-system stage's list (libc6 excepted);
        every library loaded belongs to a listed package or one of their dependencies (Depends
        and Pre-Depends, recursively, from DIR's package records); every listed package owns a
        NEEDED library; every package in DIR is listed, a dependency, or one of the stage's
        data packages (unpacked --without-depends). Package records and file lists: DIR's
        /var/lib/dpkg/status.d/ (scripts/debian-unpack.sh writes them).
runtime-packages  prints the root-file-system stage's package list (with dependencies), one a
        line, then "--without-depends" and the data packages.
healthcheck-cmd  prints the final stage's HEALTHCHECK command (exec form), one argument a line.

Exit status 0 when every check passes, 1 otherwise, with one line per failure.
"""

import argparse
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys

# ---------------------------------------------------------------------------------------------
# Parsing


def exec_form(text):
    """A Dockerfile exec-form argument list (a JSON array of strings), or None (shell form)."""
    text = text.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


class Instruction:
    def __init__(self, lineno, cmd, args, stage):
        self.lineno = lineno
        self.cmd = cmd          # upper case
        self.args = args        # the text after the keyword, continuation lines joined
        self.stage = stage      # index of the stage (FROM starts a new one)

    def json_form(self):
        return exec_form(self.args)

    def __repr__(self):
        return f"line {self.lineno}: {self.cmd} {self.args[:60]}"


class Stage:
    def __init__(self, index, image, name, lineno, platform=None):
        self.index = index
        self.image = image
        self.name = name
        self.lineno = lineno
        self.platform = platform  # FROM --platform=..., or None
        self.instructions = []


def parse(path):
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    stages, instructions = [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        start = i + 1
        i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        text = line.rstrip()
        # Continuation lines; comment lines inside a continuation are dropped, as Docker does.
        while text.endswith("\\"):
            text = text[:-1]
            while i < len(lines) and lines[i].strip().startswith("#"):
                i += 1
            if i >= len(lines):
                break
            text += " " + lines[i].strip()
            text = text.rstrip()
            i += 1
        m = re.match(r"\s*([A-Za-z]+)\s*(.*)$", text)
        if not m:
            raise SystemExit(f"{path}:{start}: cannot parse {text!r}")
        cmd, args = m.group(1).upper(), m.group(2)
        if cmd == "FROM":
            fm = re.match(r"(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", args, re.I)
            if not fm:
                raise SystemExit(f"{path}:{start}: cannot parse FROM {args!r}")
            stages.append(Stage(len(stages), fm.group(2), fm.group(3), start, fm.group(1)))
        if not stages and cmd not in ("ARG",):
            raise SystemExit(f"{path}:{start}: {cmd} before the first FROM")
        ins = Instruction(start, cmd, args, len(stages) - 1)
        instructions.append(ins)
        if stages:
            stages[-1].instructions.append(ins)
    if not stages:
        raise SystemExit(f"{path}: no FROM")
    return stages


def split_flags(args):
    """'--from=build --chown=1:1 a b c' -> ({'from': 'build', 'chown': '1:1'}, ['a', 'b', 'c'])."""
    tokens = shlex.split(args)
    flags = {}
    while tokens and tokens[0].startswith("--"):
        key, _, value = tokens.pop(0)[2:].partition("=")
        flags[key] = value
    return flags, tokens


def copy_args(ins):
    value = ins.json_form()
    if value is not None:
        flags = {}
        while value and value[0].startswith("--"):
            key, _, v = value.pop(0)[2:].partition("=")
            flags[key] = v
        return flags, value
    return split_flags(ins.args)


def labels(stage):
    out = {}
    for ins in stage.instructions:
        if ins.cmd != "LABEL":
            continue
        for token in shlex.split(ins.args):
            key, sep, value = token.partition("=")
            if sep:
                out[key] = value
    return out


def args_defaults(stage):
    out = {}
    for ins in stage.instructions:
        if ins.cmd == "ARG":
            name, _, default = ins.args.strip().partition("=")
            out[name.strip()] = default.strip().strip('"')
    return out


def apt_packages(stage):
    """Packages named by `apt-get install` in the stage's RUN lines."""
    packages = []
    for ins in stage.instructions:
        if ins.cmd != "RUN":
            continue
        for segment in re.split(r"&&|;|\|\|", ins.args):
            tokens = shlex.split(segment)
            if len(tokens) >= 2 and tokens[0] in ("apt-get", "apt") and "install" in tokens:
                after = tokens[tokens.index("install") + 1:]
                packages += [t for t in after if not t.startswith("-")]
    return packages


UNPACK = "scripts/debian-unpack.sh"


def unpack_packages(stage):
    """The packages the stage's RUN lines unpack with scripts/debian-unpack.sh: (with their
    dependencies, without them)."""
    with_deps, without = [], []
    for ins in stage.instructions:
        if ins.cmd != "RUN":
            continue
        for segment in re.split(r"&&|;|\|\|", ins.args):
            try:
                tokens = shlex.split(segment)
            except ValueError:
                continue
            if not tokens or not tokens[0].endswith(UNPACK):
                continue
            packages, plain, i = [], True, 1
            while i < len(tokens):
                t = tokens[i]
                if t in ("--arch", "--into"):
                    i += 2
                    continue
                if t == "--without-depends":
                    plain = False
                elif not t.startswith("-"):
                    packages.append(t)
                i += 1
            (with_deps if plain else without).extend(packages)
    return with_deps, without


def lineage(stages, stage):
    """The stage and the stages it is built FROM (by name), nearest first."""
    by_name = {s.name: s for s in stages if s.name}
    chain = [stage]
    while chain[-1].image in by_name and by_name[chain[-1].image] not in chain:
        chain.append(by_name[chain[-1].image])
    return chain


def rootfs_stage(stages):
    """The stage whose RUN lines unpack Debian packages (the final stage's root file system)."""
    for s in stages[:-1]:
        if any(ins.cmd == "RUN" and UNPACK in ins.args for ins in s.instructions):
            return s
    return None


# ---------------------------------------------------------------------------------------------
# lint

DEBIAN_RELEASE = re.compile(r"^(?:docker\.io/)?(?:library/)?debian:(\d+\.\d+)(?:-slim)?(?:@sha256:[0-9a-f]{64})?$")


def healthcheck_command(ins):
    """The exec-form command of a HEALTHCHECK instruction (options before CMD skipped), or None."""
    value = exec_form(re.sub(r"^(--\S+\s+)*CMD\s+", "", ins.args.strip()))
    return value or None


def lint(path, port, version):
    stages = parse(path)
    errors = []
    final = stages[-1]
    names = {s.name for s in stages if s.name}

    def err(ins_or_line, message):
        line = ins_or_line.lineno if hasattr(ins_or_line, "lineno") else ins_or_line
        errors.append(f"{path}:{line}: {message}")

    # Bases: pinned, one Debian point release for every stage; the final stage FROM scratch.
    releases = set()
    for s in stages:
        if s.image in names or (s is final and s.image == "scratch"):
            continue
        if "@sha256:" not in s.image and (":" not in s.image or s.image.endswith(":latest")):
            err(s.lineno, f"base image {s.image} is not pinned (tag it with a release, or a digest)")
        m = DEBIAN_RELEASE.match(s.image)
        if not m:
            err(s.lineno, f"base image {s.image}: expected debian:<12.N>[-slim] (a Debian point release)")
        else:
            releases.add(m.group(1))
            if not m.group(1).startswith("12."):
                err(s.lineno, f"base image {s.image}: the project builds on Debian 12")
    if len(releases) > 1:
        errors.append(f"{path}: stages use different Debian releases {sorted(releases)}: the "
                      "runtime libraries must be those the binary was built against")
    if len(stages) < 2:
        errors.append(f"{path}: not multi-stage: build and runtime must be separate stages")
    elif final.image != "scratch":
        err(final.lineno, f"the final stage is FROM {final.image}: it must be FROM scratch, its root "
                          f"file system unpacked from the target's Debian packages by a stage that "
                          f"runs on the build platform (no base image of the target is pulled)")

    # Nothing of the target platform runs: every stage that runs something runs on the build
    # platform, and the final stage runs nothing.
    for s in stages:
        runs = [ins for ins in s.instructions if ins.cmd == "RUN"]
        if s is final:
            for ins in runs:
                err(ins, "RUN in the final stage: it would run the target platform's code (an arm64 "
                         "image built on amd64); prepare files in a stage FROM --platform=$BUILDPLATFORM")
        elif runs and lineage(stages, s)[-1].platform not in ("$BUILDPLATFORM", "${BUILDPLATFORM}"):
            err(s.lineno, f"stage {s.name or s.index} runs commands but is not FROM --platform=$BUILDPLATFORM: "
                          f"for another platform they would need emulation")

    copies_from = [(ins, *copy_args(ins)) for ins in final.instructions
                   if ins.cmd == "COPY" and "from" in copy_args(ins)[0]]
    if len(stages) >= 2 and not copies_from:
        err(final.lineno, "the final stage copies nothing from a build stage")
    rootfs = rootfs_stage(stages)
    if rootfs is None:
        err(final.lineno, f"no stage unpacks the runtime packages with {UNPACK}")
    elif not any(f.get("from") == rootfs.name and dest and dest[-1] == "/" for _, f, dest in copies_from):
        err(final.lineno, f"the final stage does not copy stage {rootfs.name}'s root file system to /")

    for s in stages[:-1]:
        runs = [ins for ins in s.instructions if ins.cmd == "RUN"]
        if s.name and any(f.get("from") == s.name for _, f, _ in copies_from):
            if s is rootfs:
                if apt_packages(s):
                    err(s.lineno, f"stage {s.name} installs packages with apt-get: the root file system "
                                  f"holds only what {UNPACK} unpacks")
                for package in unpack_packages(s)[0] + unpack_packages(s)[1]:
                    if package in ("curl", "wget") or package.endswith("-dev") or package in (
                            "build-essential", "cmake", "ninja-build", "g++", "gcc", "clang", "pkg-config",
                            "bash", "dash", "coreutils", "apt", "dpkg"):
                        err(s.lineno, f"the root file system unpacks {package}: only what the binary needs at run time belongs there")
            elif not any("scripts/install-deps.sh" in ins.args for t in lineage(stages, s)
                         for ins in t.instructions if ins.cmd == "RUN"):
                err(s.lineno, "the build stage must install its packages with scripts/install-deps.sh, as README does")
            workdirs = [ins.args.strip() for t in reversed(lineage(stages, s))
                        for ins in t.instructions if ins.cmd == "WORKDIR"]
            if not workdirs:
                err(s.lineno, f"stage {s.name} has no WORKDIR")
            for ins, flags, srcs in copies_from:
                if flags.get("from") != s.name:
                    continue
                for src in srcs[:-1]:
                    if not workdirs or not src.startswith(workdirs[-1].rstrip("/") + "/"):
                        err(ins, f"COPY --from={s.name} {src}: copy only from under the stage's "
                                 f"WORKDIR")
            # A build stage's files stay under its WORKDIR: an absolute path would write
            # outside the tree the final stage copies from.
            for ins in runs:
                for token in re.split(r"[\s=\"']+", ins.args):
                    if token.startswith("/") and not token.startswith(("/usr/", "/etc/", "/dev/null", "/var/lib/apt/")):
                        err(ins, f"absolute path {token} in a build-stage RUN: use paths relative to the WORKDIR")

    for s in stages:
        for ins in s.instructions:
            if ins.cmd == "ADD":
                if re.search(r"\b(https?|ftp|git)://|git@", ins.args):
                    err(ins, "ADD of a URL: nothing is downloaded at build time")
                else:
                    err(ins, "ADD: use COPY (ADD also unpacks archives and fetches URLs)")
            if ins.cmd == "RUN" and re.search(r"\b(curl|wget)\b", ins.args):
                err(ins, "curl/wget in a RUN: nothing is downloaded at build time")
            if ins.cmd == "RUN" and re.search(r"\bsudo\b", ins.args):
                err(ins, "sudo in a RUN")
            if ins.cmd in ("ENV", "ARG") and re.search(r"(PASSWORD|SECRET|TOKEN|API_KEY)", ins.args, re.I):
                err(ins, f"{ins.cmd} looks like a secret: it would stay in the image history")
            if ins.cmd == "MAINTAINER":
                err(ins, "MAINTAINER is deprecated: use the OCI labels")

    users = [ins for ins in final.instructions if ins.cmd == "USER"]
    if not users:
        err(final.lineno, "no USER in the final stage: the image would run as root")
    else:
        user = users[-1].args.strip()
        m = re.match(r"^(\d+)(?::(\d+))?$", user)
        if not m:
            err(users[-1], f"USER {user}: use a numeric uid:gid (Kubernetes runAsNonRoot can only check a number)")
        elif int(m.group(1)) == 0 or (m.group(2) is not None and int(m.group(2)) == 0):
            err(users[-1], f"USER {user}: root")

    exposes = [ins for ins in final.instructions if ins.cmd == "EXPOSE"]
    exposed = {p.split("/")[0] for ins in exposes for p in ins.args.split()}
    if exposed != {str(port)}:
        err(exposes[-1] if exposes else final.lineno,
            f"EXPOSE {sorted(exposed)}: expected exactly the default port {port}")

    entrypoints = [ins for ins in final.instructions if ins.cmd == "ENTRYPOINT"]
    if not entrypoints:
        err(final.lineno, "no ENTRYPOINT")
    else:
        ep = entrypoints[-1].json_form()
        if ep is None:
            err(entrypoints[-1], "ENTRYPOINT in shell form: signals (SIGTERM, SIGHUP) would go to /bin/sh; use the exec form")
        else:
            destinations = {c[2][-1] for c in copies_from if c[2]}
            if ep[0] not in destinations:
                err(entrypoints[-1], f"ENTRYPOINT {ep[0]} is not the binary copied from the build stage {sorted(destinations)}")
    for ins in final.instructions:
        if ins.cmd == "CMD" and ins.json_form() is None:
            err(ins, "CMD in shell form: with an exec-form ENTRYPOINT it must be a JSON array")
        if ins.cmd == "HEALTHCHECK" and ins.args.strip().upper() != "NONE":
            if re.search(r"\b(curl|wget)\b", ins.args):
                err(ins, "HEALTHCHECK uses curl/wget, which the image does not have")
            cmd = healthcheck_command(ins)
            if cmd is None:
                err(ins, "HEALTHCHECK CMD in shell form: the image has no /bin/sh; use the exec form")
            elif entrypoints and entrypoints[-1].json_form() and (
                    cmd[0] != entrypoints[-1].json_form()[0] or cmd[1:2] != ["healthcheck"]):
                err(ins, f"HEALTHCHECK runs {cmd[:2]}: expected the binary's own probe, "
                         f"[{entrypoints[-1].json_form()[0]!r}, 'healthcheck', ...]")
    if not any(i.cmd == "HEALTHCHECK" for i in final.instructions):
        err(final.lineno, "no HEALTHCHECK in the final stage: use the binary's `healthcheck` subcommand")

    found = labels(final)
    for key in ("title", "description", "version", "revision", "created", "source"):
        if f"org.opencontainers.image.{key}" not in found:
            err(final.lineno, f"missing label org.opencontainers.image.{key}")
    arg_version = args_defaults(final).get("VERSION")
    if arg_version != version:
        err(final.lineno, f"ARG VERSION={arg_version} but CMakeLists.txt says project VERSION {version}")
    return errors


# ---------------------------------------------------------------------------------------------
# libs: the root-file-system stage's packages against the binary, in the image's root file system


def run(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def elf_machine(path):
    m = re.search(r"^\s*Machine:\s*(.+)$", run(["readelf", "-h", path]), re.M)
    return m.group(1).strip() if m else None


def needed(path):
    """The NEEDED entries of an ELF file of any architecture (readelf reads them all)."""
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", path]))


class Rootfs:
    """An unpacked root file system with scripts/debian-unpack.sh's package records."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.records = {}  # package -> control fields
        self.owner = {}    # path relative to root, /usr merged -> package
        status = self.root / "var/lib/dpkg/status.d"
        for f in sorted(status.glob("*")) if status.is_dir() else []:
            if f.name.endswith(".md5sums"):
                package = f.name[: -len(".md5sums")]
                for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                    parts = line.split(None, 1)
                    if len(parts) == 2:
                        self.owner[self.merged(parts[1])] = package
            else:
                fields, key = {}, None
                for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                    if line[:1] in (" ", "\t") and key:
                        fields[key] += "\n" + line
                    elif ":" in line:
                        key, _, value = line.partition(":")
                        fields[key] = value.strip()
                self.records[fields.get("Package", f.name)] = fields

    @staticmethod
    def merged(relative):
        """A path as merged /usr lays it: lib/x -> usr/lib/x (as the image resolves it)."""
        relative = relative.lstrip("./")
        for d in ("bin/", "sbin/", "lib/"):
            if relative.startswith(d):
                return "usr/" + relative
        return relative

    def resolve(self, path):
        """realpath of an absolute path inside the root file system (symlinks resolved in it)."""
        parts, current, hops = [p for p in path.split("/") if p], [], 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if current:
                    current.pop()
                continue
            if part == ".":
                continue
            candidate = self.root.joinpath(*current, part)
            if candidate.is_symlink():
                hops += 1
                if hops > 40:
                    return None
                target = os.readlink(candidate)
                parts = [p for p in target.split("/") if p] + parts
                if target.startswith("/"):
                    current = []
                continue
            current.append(part)
        return "/".join(current)

    def find_library(self, soname, machine):
        """The library a dynamic loader would find for soname (Debian's multiarch paths)."""
        dirs = [str(d.relative_to(self.root)) for d in sorted(self.root.joinpath("usr/lib").glob("*-linux-gnu"))]
        for d in dirs + ["usr/lib", "usr/lib64"]:
            real = self.resolve(f"{d}/{soname}")
            if real and self.root.joinpath(real).is_file() and elf_machine(self.root / real) == machine:
                return real
        return None

    def closure(self, packages):
        seen, todo = set(), list(packages)
        while todo:
            p = todo.pop()
            if p in seen or p not in self.records:
                continue
            seen.add(p)
            for field in ("Depends", "Pre-Depends"):
                for item in self.records[p].get(field, "").split(","):
                    for alt in item.split("|"):
                        name = alt.strip().split(" ")[0].split(":")[0]
                        if name:
                            todo.append(name)
        return seen


def libs_check(path, binary, root):
    """The binary's libraries against the image's root file system (see the module's doc)."""
    stages = parse(path)
    stage = rootfs_stage(stages)
    if stage is None:
        return [f"{path}: no stage unpacks the runtime packages with {UNPACK}"]
    listed, data = unpack_packages(stage)
    errors = []
    if not listed:
        return [f"{path}: the root-file-system stage unpacks no package"]
    rootfs = Rootfs(root)
    if not rootfs.records:
        return [f"{root}: no package records in var/lib/dpkg/status.d"]
    machine = elf_machine(binary)
    interpreter = re.search(r"Requesting program interpreter: (\S+?)\]", run(["readelf", "-l", binary]))
    if interpreter:
        real = rootfs.resolve(interpreter.group(1))
        if not real or not rootfs.root.joinpath(real).is_file():
            errors.append(f"the binary's dynamic loader {interpreter.group(1)} is not in the image's root file system")
    provided = rootfs.closure(listed)
    direct = set(needed(binary))
    # The libraries the loader maps, breadth first from the binary's NEEDED entries.
    loaded, todo, owners_of_direct = {}, [(n, True) for n in sorted(direct)], set()
    while todo:
        soname, is_direct = todo.pop(0)
        if soname in loaded:
            continue
        real = rootfs.find_library(soname, machine)
        loaded[soname] = real
        if real is None:
            errors.append(f"{soname}: not in the image's root file system (for {machine})")
            continue
        pkg = rootfs.owner.get(rootfs.merged(real))
        if is_direct and pkg:
            owners_of_direct.add(pkg)
        how = "listed" if pkg in listed else "dependency of the list" if pkg in provided else None
        print(f"{soname:32} {pkg or '?':28} {'yes' if is_direct else '':7} {how or 'NOTHING'}")
        if pkg is None:
            errors.append(f"{soname} (/{real}): no package of the root file system owns it")
        elif is_direct and pkg not in listed and pkg != "libc6":
            errors.append(f"the binary links {soname} itself: add its package {pkg} to the root-file-system stage's list")
        elif how is None:
            errors.append(f"{soname} is in package {pkg}, which the root-file-system stage does not unpack: add it to the list")
        todo += [(n, False) for n in needed(str(rootfs.root / real))]
    for p in listed:
        if p not in owners_of_direct:
            errors.append(f"runtime package {p} provides no library the binary names (NEEDED): remove it")
    for p in sorted(rootfs.records):
        if p not in provided and p not in data:
            errors.append(f"package {p} is in the root file system but neither listed, a dependency nor a data package")
    for p in data:
        if p not in rootfs.records:
            errors.append(f"data package {p} is not in the root file system")
    print(f"{machine}: {len(direct)} libraries named, {len(loaded)} loaded; {len(rootfs.records)} packages "
          f"({len(listed)} listed, {len(provided) - len(listed)} their dependencies, {len(data)} data)")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["lint", "libs", "runtime-packages", "healthcheck-cmd"])
    ap.add_argument("dockerfile")
    ap.add_argument("--port")
    ap.add_argument("--version")
    ap.add_argument("--binary")
    ap.add_argument("--rootfs")
    a = ap.parse_args()
    if a.command == "lint":
        errors = lint(a.dockerfile, a.port, a.version)
    elif a.command == "libs":
        errors = libs_check(a.dockerfile, a.binary, a.rootfs)
    elif a.command == "runtime-packages":
        stage = rootfs_stage(parse(a.dockerfile))
        listed, data = unpack_packages(stage) if stage else ([], [])
        print("\n".join(listed + ["--without-depends"] + data))
        errors = [] if listed else [f"{a.dockerfile}: no stage unpacks the runtime packages with {UNPACK}"]
    elif a.command == "healthcheck-cmd":
        checks = [i for i in parse(a.dockerfile)[-1].instructions if i.cmd == "HEALTHCHECK"]
        cmd = healthcheck_command(checks[-1]) if checks else None
        if cmd is None:
            errors = ["no exec-form HEALTHCHECK in the final stage"]
        else:
            print("\n".join(cmd))
            errors = []
    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
