#!/usr/bin/env python3
"""Static checks of the Dockerfile (tests/deploy/image_test.sh builds and runs it with podman).

    dockerfile_check.py lint   DOCKERFILE --port PORT --version VERSION
    dockerfile_check.py libs   DOCKERFILE --binary FILE
    dockerfile_check.py healthcheck-cmd DOCKERFILE

lint    the rules that matter for this image (a small hadolint of our own, which Debian lacks):
        pinned bases of one Debian release, multi-stage, build stage runs scripts/install-deps.sh,
        no ADD of URLs, no curl/wget, apt lists removed and --no-install-recommends, non-root
        numeric USER, EXPOSE = the binary's default port, ENTRYPOINT and CMD in exec form with
        the entrypoint the binary the final stage copies, a HEALTHCHECK in exec form that runs
        the binary's `healthcheck` subcommand, OCI labels, VERSION = CMake's.
libs    ldd of the binary, dpkg -S: every library the binary names itself (NEEDED) belongs to
        a package of the final stage's `apt-get install` list (libc6 excepted); every library
        loaded belongs to a listed package or one of their dependencies (Depends and Pre-Depends,
        recursively, as installed here); every listed package owns a NEEDED library. Nothing is
        left to what the base image happens to hold.
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
    def __init__(self, index, image, name, lineno):
        self.index = index
        self.image = image
        self.name = name
        self.lineno = lineno
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
            fm = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", args, re.I)
            if not fm:
                raise SystemExit(f"{path}:{start}: cannot parse FROM {args!r}")
            stages.append(Stage(len(stages), fm.group(1), fm.group(2), start))
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

    # Bases: pinned, one Debian point release for every stage.
    releases = set()
    for s in stages:
        if s.image in names:
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
    elif not final.image.split("@")[0].endswith("-slim"):
        err(final.lineno, "the runtime stage should start from a -slim image")

    copies_from = [(ins, *copy_args(ins)) for ins in final.instructions
                   if ins.cmd == "COPY" and "from" in copy_args(ins)[0]]
    if len(stages) >= 2 and not copies_from:
        err(final.lineno, "the final stage copies nothing from a build stage")

    for s in stages[:-1]:
        runs = [ins for ins in s.instructions if ins.cmd == "RUN"]
        if s.name and any(f.get("from") == s.name for _, f, _ in copies_from):
            if not any("scripts/install-deps.sh" in ins.args for ins in runs):
                err(s.lineno, "the build stage must install its packages with scripts/install-deps.sh, as README does")
            workdirs = [ins.args.strip() for ins in s.instructions if ins.cmd == "WORKDIR"]
            if not workdirs:
                err(s.lineno, "the build stage has no WORKDIR")
            for ins, flags, srcs in copies_from:
                if flags.get("from") != s.name:
                    continue
                for src in srcs[:-1]:
                    if not workdirs or not src.startswith(workdirs[-1].rstrip("/") + "/"):
                        err(ins, f"COPY --from={s.name} {src}: copy only from under the build "
                                 f"stage's WORKDIR (the tests map that directory outside Docker)")
            # The tests run these RUN lines outside Docker, in a temporary folder standing for
            # the WORKDIR: an absolute path would write to the machine running them.
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

    # Runtime stage: apt hygiene, only runtime libraries, no download tools.
    for ins in final.instructions:
        if ins.cmd != "RUN" or not re.search(r"\bapt(-get)?\s+install\b", ins.args):
            continue
        if "--no-install-recommends" not in ins.args:
            err(ins, "apt-get install without --no-install-recommends")
        if not re.search(r"\s-y\b|--yes|--assume-yes", ins.args):
            err(ins, "apt-get install without -y")
        if "apt-get update" not in ins.args:
            err(ins, "apt-get install without apt-get update in the same RUN (stale cached lists)")
        if not re.search(r"rm -rf /var/lib/apt/lists/\*?", ins.args):
            err(ins, "apt lists not removed in the same RUN (rm -rf /var/lib/apt/lists/*)")
    for package in apt_packages(final):
        if package in ("curl", "wget") or package.endswith("-dev") or package in (
                "build-essential", "cmake", "ninja-build", "g++", "gcc", "clang", "pkg-config"):
            err(final.lineno, f"runtime stage installs {package}: only runtime libraries belong there")

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
                err(ins, "HEALTHCHECK CMD in shell form: the slim image's /bin/sh is not the point; use the exec form")
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
# libs: the runtime stage's packages against ldd


def run(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        for a, b in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/")):
            if p.startswith(a):
                candidates.append(b + p[len(a):])
    for p in candidates:
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    return None


def depends(package):
    out = run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package])
    names = []
    for item in out.split(","):
        # "libc6 (>= 2.34)", "a | b": take every alternative that is installed.
        for alt in item.split("|"):
            name = alt.strip().split(" ")[0].split(":")[0]
            if name:
                names.append(name)
    return names


def installed(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def closure(packages):
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p in seen or not installed(p):
            continue
        seen.add(p)
        todo += depends(p)
    return seen


def ldd(binary):
    libs = {}
    for line in run(["ldd", binary]).splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
        if m:
            if m.group(2) == "not":
                raise SystemExit(f"ldd {binary}: {m.group(1)} not found on this machine")
            libs[m.group(1)] = m.group(2)
        else:
            m = re.match(r"\s*(/\S+)\s+\(", line)  # the dynamic loader
            if m:
                libs[os.path.basename(m.group(1))] = m.group(1)
    return libs


def needed(binary):
    return [l.split()[1] for l in run(["objdump", "-p", binary]).splitlines() if l.strip().startswith("NEEDED")]


def libs_check(path, binary):
    """Every library the binary names itself (NEEDED) must come from a listed package (libc6
    excepted: every Debian image is built around it); every library ldd loads must come from a
    listed package or its dependencies; every listed package must own a NEEDED library."""
    final = parse(path)[-1]
    listed = apt_packages(final)
    errors = []
    if not listed:
        return [f"{path}: the runtime stage installs no package"]
    for p in listed:
        if not installed(p):
            errors.append(f"runtime package {p} is not installed here: cannot check it (scripts/install-deps.sh installs its -dev package)")
    provided = closure(listed)
    direct = set(needed(binary))
    owners_of_direct = set()
    print(f"{'library':32} {'package':28} {'NEEDED':7} provided by")
    for lib, where in sorted(ldd(binary).items()):
        pkg = package_of(where)
        how = "listed" if pkg in listed else "dependency of the list" if pkg in provided else None
        if lib in direct and pkg:
            owners_of_direct.add(pkg)
        print(f"{lib:32} {pkg or '?':28} {'yes' if lib in direct else '':7} {how or 'NOTHING'}")
        if pkg is None:
            errors.append(f"{lib} ({where}): no Debian package owns it")
        elif lib in direct and pkg not in listed and pkg != "libc6":
            errors.append(f"the binary links {lib} itself: add its package {pkg} to the runtime stage's apt-get install list")
        elif how is None:
            errors.append(f"{lib} is in package {pkg}, which the runtime stage does not install: add it to the apt-get install list")
    for p in listed:
        if p not in owners_of_direct:
            errors.append(f"runtime package {p} provides no library the binary names (NEEDED): remove it")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["lint", "libs", "healthcheck-cmd"])
    ap.add_argument("dockerfile")
    ap.add_argument("--port")
    ap.add_argument("--version")
    ap.add_argument("--binary")
    a = ap.parse_args()
    if a.command == "lint":
        errors = lint(a.dockerfile, a.port, a.version)
    elif a.command == "libs":
        errors = libs_check(a.dockerfile, a.binary)
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
