#!/usr/bin/env python3
"""Where the package's wasm bytes go: code size per crate and the biggest functions.

Reads the cargo output (before wasm-bindgen, which still has its name section):

    cargo build --lib --target wasm32-unknown-unknown --profile wasm-release
    python3 bench/wasm-size.py target/wasm32-unknown-unknown/wasm-release/studio_store.wasm

Names are demangled with c++filt (binutils), which reads Rust's legacy mangling. The
crate of a function is the first path segment of its demangled name (for a trait impl,
of the implementing type), so generic code lands in the crate of the type it was
instantiated for, roughly. twiggy gives a finer picture (dominators, retained sizes);
this is the quick, dependency-free view.
"""

import collections
import re
import subprocess
import sys


def leb(data, p):
    result = shift = 0
    while True:
        b = data[p]
        p += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, p


def sections(data):
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        yield sid, pos, size
        pos += size


def imported_functions(data, p):
    n, q = leb(data, p)
    count = 0
    for _ in range(n):
        for _ in range(2):  # module and field names
            length, q = leb(data, q)
            q += length
        kind = data[q]
        q += 1
        if kind == 0:  # function: type index
            _, q = leb(data, q)
            count += 1
        elif kind == 1:  # table: reftype + limits
            q += 1
            flags = data[q]
            _, q = leb(data, q + 1)
            if flags & 1:
                _, q = leb(data, q)
        elif kind == 2:  # memory: limits
            flags = data[q]
            _, q = leb(data, q + 1)
            if flags & 1:
                _, q = leb(data, q)
        elif kind == 3:  # global: valtype + mutability
            q += 2
    return count


def main(path, top=25):
    data = open(path, "rb").read()
    n_imports, bodies, names, other = 0, [], {}, {}
    for sid, p, size in sections(data):
        if sid == 2:
            n_imports = imported_functions(data, p)
        elif sid == 10:
            n, q = leb(data, p)
            for i in range(n):
                sz, q = leb(data, q)
                bodies.append((n_imports + i, sz))
                q += sz
        elif sid == 0:
            length, q = leb(data, p)
            name = data[q : q + length].decode()
            other[f"custom section {name}"] = size
            if name != "name":
                continue
            q += length
            while q < p + size:
                sub = data[q]
                ssz, q = leb(data, q + 1)
                if sub == 1:
                    n, r = leb(data, q)
                    for _ in range(n):
                        idx, r = leb(data, r)
                        length, r = leb(data, r)
                        names[idx] = data[r : r + length].decode("utf8", "replace")
                        r += length
                q += ssz
        elif sid == 11:
            other["data section"] = size
    raw = [names.get(i, "?") for i, _ in bodies]
    try:
        demangled = subprocess.run(
            ["c++filt"], input="\n".join(raw), capture_output=True, text=True, check=True
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        demangled = raw
    by_crate, count = collections.Counter(), collections.Counter()
    for (_, sz), name in zip(bodies, demangled):
        m = re.match(r"^<?(?:&mut |&)?([A-Za-z0-9_]+)", name)
        crate = m.group(1) if m else "?"
        by_crate[crate] += sz
        count[crate] += 1
    total = sum(sz for _, sz in bodies)
    print(f"{path}: {len(data)} bytes, code {total} bytes in {len(bodies)} functions")
    for k, v in other.items():
        print(f"  {k}: {v} bytes")
    print("\n| crate | code bytes | share | functions |\n|---|---:|---:|---:|")
    for crate, sz in by_crate.most_common(top):
        print(f"| {crate} | {sz} | {100 * sz / total:.1f} % | {count[crate]} |")
    print(f"\n| biggest functions | bytes |\n|---|---:|")
    ranked = sorted(zip(bodies, demangled), key=lambda x: -x[0][1])[:top]
    for (_, sz), name in ranked:
        print(f"| `{name[:110]}` | {sz} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
