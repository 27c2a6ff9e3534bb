#!/usr/bin/env python3
"""Compares weft's public API with tokio's, module by module.

How to run (from the repository root):

    scripts/api-diff.py                 # build both rustdoc JSON files, then compare
    scripts/api-diff.py --no-build      # compare the JSON files built last time
    scripts/api-diff.py --module net    # only paths under tokio::net / weft::net
    scripts/api-diff.py --markdown out.md   # also write the report as Markdown

It needs the nightly toolchain (rustdoc's JSON output is unstable) and the
network once, to fetch the tokio version the workspace locks and its
dependencies. Both JSON files go to `target/hack/doc/` (`weft.json`,
`tokio.json`); tokio is documented from a throwaway crate that the script
writes to `target/hack/api-diff/tokio-doc/`, with every tokio feature weft
mirrors (`full` without `parking_lot`, plus `test-util`).

What it compares: every public path tokio's documentation shows — modules,
free functions, macros, types, traits, type aliases, constants — and, for
every type and trait, its inherent associated items (`TcpStream::peek`),
the names of the traits it implements (`TcpStream: AsFd`), its enum
variants and its trait's items. A tokio path is "missing" when weft has
nothing under the same path (`tokio::` read as `weft::`).

Each missing path is tagged, from tokio's own `#[cfg]`/`doc(cfg)`
attributes on the item or on any item that encloses it:

* `windows`        — exists only on Windows;
* `tokio_unstable` — exists only under `--cfg tokio_unstable` (tokio is
                     documented with it, so these show up, tagged);
* `deprecated`     — deprecated in tokio;
* `<os>-only`      — exists only on the named systems (`freebsd-only`);
* `docs-only`      — exists only in tokio's rendered documentation
                     (`tokio::doc`, compiled under `cfg(docsrs)` alone);
* (untagged)       — a stable, portable item: a real gap.

The report ends with the paths weft has and tokio does not, for reference.

Known blind spots:

* Names only. A path that exists on both sides counts as present even when
  its signature differs (weft's `read_buf` takes a `Vec<u8>` where tokio's
  takes a `bytes::BufMut`; the rustdoc of such items says so under
  "Differences from tokio"). Struct fields are not compared.
* A type alias counts as having the items of the type it names (weft's
  `io::Stdout` is an alias of `StdWriter<..>`).
* Trait implementations are compared by trait name, without generic
  arguments: `From<X>` counts as present if any `From` impl exists.
  Blanket and auto-trait impls (`Send`, `Unpin`, `Borrow<T>`, ...) and
  `Drop` impls are skipped; so are impls that rustdoc attaches to a different path.
* tokio is documented with `--cfg docsrs`, so Windows and unstable items
  appear; an item gated by something the tagger does not recognise (a
  target feature, an OS other than Windows) shows up untagged.
* Items tokio hides (`#[doc(hidden)]`) are not in the JSON and not
  compared; items weft hides are likewise invisible.
* A re-export of an item from another crate (tokio's `io::Error` is
  std's) is compared by name only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HACK = os.path.join(ROOT, "target", "hack")
DOC = os.path.join(HACK, "doc")
TOKIO_FEATURES = [
    "fs", "io-util", "io-std", "macros", "net", "process", "rt",
    "rt-multi-thread", "signal", "sync", "time", "test-util",
]
# Traits every type gets from the compiler or a blanket impl: not compared.
SKIP_TRAITS = {
    "Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe", "Freeze",
    "Any", "Borrow", "BorrowMut", "Into", "TryInto", "ToOwned", "CloneToUninit",
    "ToString", "StructuralPartialEq",
    # Whether a type has drop glue of its own is not part of what a port
    # sees (weft's futures often keep theirs in an inner field).
    "Drop",
}


def locked_tokio_version():
    with open(os.path.join(ROOT, "Cargo.lock")) as lock:
        text = lock.read()
    m = re.search(r'name = "tokio"\nversion = "([^"]+)"', text)
    if not m:
        sys.exit("no tokio in Cargo.lock")
    return m.group(1)


def run(cmd, cwd, env_extra):
    env = dict(os.environ, CARGO_TARGET_DIR=HACK, CARGO_INCREMENTAL="0", **env_extra)
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, env=env, check=True)


def build():
    json_flags = ["--", "-Z", "unstable-options", "--output-format", "json"]
    run(
        ["cargo", "+nightly", "rustdoc", "-j2", "-p", "weft-rt", "--all-features"] + json_flags,
        ROOT,
        {"RUSTDOCFLAGS": "--cfg docsrs"},
    )
    crate = os.path.join(HACK, "api-diff", "tokio-doc")
    os.makedirs(os.path.join(crate, "src"), exist_ok=True)
    features = ", ".join(f'"{f}"' for f in TOKIO_FEATURES)
    with open(os.path.join(crate, "Cargo.toml"), "w") as manifest:
        manifest.write(
            "[package]\nname = \"tokio-doc\"\nversion = \"0.0.0\"\nedition = \"2021\"\n"
            "publish = false\n\n[workspace]\n\n[dependencies]\n"
            f"tokio = {{ version = \"={locked_tokio_version()}\", features = [{features}] }}\n"
        )
    with open(os.path.join(crate, "src", "lib.rs"), "w") as lib:
        lib.write("// Only here so that cargo documents tokio.\n")
    run(
        ["cargo", "+nightly", "rustdoc", "-j2", "-p", "tokio"] + json_flags,
        crate,
        {"RUSTDOCFLAGS": "--cfg docsrs --cfg tokio_unstable"},
    )


def attr_text(item):
    out = []
    for attr in item.get("attrs", []):
        out.append(json.dumps(attr) if not isinstance(attr, str) else attr)
    return " ".join(out)


def tags_of(item):
    text = attr_text(item)
    tags = set()
    if "tokio_unstable" in text:
        tags.add("tokio_unstable")
    # `doc(cfg(...windows...))` without `not(windows)`: Windows only.
    for cfg in re.findall(r"doc\(cfg\((.*?)\)\)\]", text):
        if "windows" in cfg and "not(windows" not in cfg:
            tags.add("windows")
    for cfg in re.findall(r"doc\(cfg\((.*?)\)\)\]", text):
        oses = set(re.findall(r'target_os = \\?"(\w+)\\?"', cfg))
        if oses and "linux" not in oses and "not(" not in cfg:
            tags.add("/".join(sorted(oses)) + "-only")
    # `#[cfg(all(docsrs, unix))]`: a page of tokio's rendered docs only.
    if re.search(r'CfgTrace\(\[All\(\[NameValue \{ name: \\?"docsrs\\?"', text):
        tags.add("docs-only")
    if item.get("deprecation"):
        tags.add("deprecated")
    return tags


class Api:
    """The public paths of one crate: path -> (kind, tags)."""

    def __init__(self, path, crate_name):
        with open(path) as f:
            data = json.load(f)
        self.index = data["index"]
        self.crate = crate_name
        self.paths = {}
        self.seen_modules = set()
        # Impls on a concrete instance of a generic type (`impl AsFd for
        # StdWriter<Stdout>`) are not in the type's own `impls` list: find
        # every impl by the type it is for.
        self.impls_for = defaultdict(list)
        for id_, item in self.index.items():
            impl = item["inner"].get("impl") if isinstance(item.get("inner"), dict) else None
            target = impl and impl.get("for", {}).get("resolved_path")
            if target and target.get("id") is not None:
                self.impls_for[target["id"]].append(id_)
        root = self.index[str(data["root"])]
        self.walk_module(root, [crate_name], set())

    def item(self, id_):
        return self.index.get(str(id_)) if id_ is not None else None

    def add(self, path, kind, tags):
        key = "::".join(path)
        if key not in self.paths:
            self.paths[key] = (kind, frozenset(tags))

    def walk_module(self, module, path, tags):
        key = (module["id"], tuple(path))
        if key in self.seen_modules:
            return
        self.seen_modules.add(key)
        for child_id in module["inner"]["module"]["items"]:
            child = self.item(child_id)
            if child is None:
                continue
            self.walk_item(child, path, tags)

    def walk_item(self, item, path, tags, name=None):
        if item.get("visibility") != "public" and "use" not in item["inner"]:
            return
        kind = next(iter(item["inner"]))
        tags = tags | tags_of(item)
        name = name or item.get("name")
        if kind == "use":
            use = item["inner"]["use"]
            target = self.item(use.get("id"))
            if use.get("is_glob"):
                if target is not None and "module" in target["inner"]:
                    self.walk_module(target, path, tags)
                return
            if target is None:
                self.add(path + [use["name"]], "reexport", tags)
                return
            self.walk_item(target, path, tags, name=use["name"])
            return
        if name is None:
            return
        here = path + [name]
        if kind == "module":
            self.add(here, "module", tags)
            self.walk_module(item, here, tags)
            return
        self.add(here, kind, tags)
        inner = item["inner"][kind]
        if kind == "type_alias":
            # `type Stdout = StdWriter<..>`: the alias has its target's items.
            target = inner.get("type", {}).get("resolved_path")
            target = self.item(target.get("id")) if target else None
            if target is not None and next(iter(target["inner"])) in ("struct", "enum"):
                for impl_id in self.impls_of(target):
                    self.walk_impl(self.item(impl_id), here, tags)
            return
        if kind in ("struct", "enum", "union"):
            if kind == "enum":
                for v in inner.get("variants", []):
                    variant = self.item(v)
                    if variant is not None:
                        self.add(here + [variant["name"]], "variant", tags | tags_of(variant))
            for impl_id in self.impls_of(item):
                self.walk_impl(self.item(impl_id), here, tags)
        elif kind == "trait":
            for member_id in inner.get("items", []):
                member = self.item(member_id)
                if member is not None and member.get("name"):
                    self.add(here + [member["name"]], "trait item", tags | tags_of(member))

    def impls_of(self, item):
        kind = next(iter(item["inner"]))
        listed = [str(i) for i in item["inner"][kind].get("impls", [])]
        return listed + [i for i in self.impls_for.get(item["id"], []) if i not in listed]

    def walk_impl(self, impl_item, here, tags):
        if impl_item is None:
            return
        impl = impl_item["inner"]["impl"]
        if impl.get("is_synthetic") or impl.get("blanket_impl") is not None:
            return
        tags = tags | tags_of(impl_item)
        trait = impl.get("trait")
        if trait is not None:
            name = trait["path"].split("::")[-1]
            if name not in SKIP_TRAITS and not impl.get("is_negative"):
                self.add(here + [f"impl {name}"], "trait impl", tags)
            return
        for member_id in impl.get("items", []):
            member = self.item(member_id)
            if member is None or member.get("visibility") != "public":
                continue
            self.add(here + [member["name"]], "method", tags | tags_of(member))


def top_module(path):
    parts = path.split("::")
    return parts[1] if len(parts) > 2 else "(crate root)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-build", action="store_true", help="reuse the JSON files")
    parser.add_argument("--module", help="only paths under this top-level module")
    parser.add_argument("--markdown", help="also write the report to this file")
    args = parser.parse_args()
    if not args.no_build:
        build()
    tokio = Api(os.path.join(DOC, "tokio.json"), "tokio")
    weft = Api(os.path.join(DOC, "weft.json"), "weft")
    weft_paths = {p.replace("weft::", "tokio::", 1) for p in weft.paths}

    missing = defaultdict(list)
    for path, (kind, tags) in sorted(tokio.paths.items()):
        if path in weft_paths:
            continue
        module = top_module(path)
        if args.module and module != args.module:
            continue
        missing[module].append((path.replace("tokio::", "", 1), kind, sorted(tags)))
    extra = defaultdict(list)
    tokio_paths = set(tokio.paths)
    for path, (kind, _) in sorted(weft.paths.items()):
        as_tokio = path.replace("weft::", "tokio::", 1)
        module = top_module(as_tokio)
        if as_tokio in tokio_paths or (args.module and module != args.module):
            continue
        extra[module].append((path.replace("weft::", "", 1), kind))

    lines = [f"# weft vs tokio {locked_tokio_version()}: public paths tokio has and weft has not", ""]
    total = defaultdict(int)
    for module in sorted(missing):
        lines.append(f"## {module}")
        lines.append("")
        for path, kind, tags in missing[module]:
            label = ", ".join(tags) if tags else "GAP"
            lines.append(f"- `{path}` ({kind}) — {label}")
            if not tags:
                total["gap"] += 1
            for t in tags:
                total[t] += 1
        lines.append("")
    lines.append(
        f"Totals: {total['gap']} untagged gaps; "
        + ", ".join(f"{n} {tag}" for tag, n in sorted(total.items()) if tag != "gap")
        + "."
    )
    lines.append("")
    lines.append("# Paths weft has and tokio has not")
    lines.append("")
    for module in sorted(extra):
        names = ", ".join(f"`{p}`" for p, _ in extra[module])
        lines.append(f"- {module}: {names}")
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(report)


if __name__ == "__main__":
    main()
