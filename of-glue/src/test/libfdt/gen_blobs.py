#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds the blob set for compare.sh (the libfdt differential check of dev.iommufw.of.Fdt).

Usage: gen_blobs.py DTC_TESTS OUT_DIR [MUTANTS]

DTC_TESTS is a copy of dtc's tests/ directory (https://git.kernel.org/pub/scm/utils/dtc/dtc.git,
mirrored at github.com/dgibson/dtc): its trees.S (the hand-made trees, good and malformed, with
testdata.h) and its *.dts sources. Nothing from it is copied into the project; the blobs are
written to OUT_DIR only. Needs gcc, objcopy, nm and dtc on the PATH.

Written to OUT_DIR, one family per file-name prefix:
  trees/   every tree of trees.S (test_tree1, truncated_property, two_roots, ...)
  dts/     every *.dts that dtc compiles (sources dtc rejects are skipped)
  ver/     test_tree1 rewritten by dtc -V 1/2/3/16/17, and header version pairs
           (version, last_comp_version) as libfdt's header checks see them
  layout/  test_tree1 with its three blocks in all six orders, as v17 and v16 (like dtc's
           mangle-layout test), blocks at their natural alignment
  align/   test_tree1 with the reservation, structure or strings block moved by 1..7 bytes
  nop/     test_tree1 with a NOP token after every token
  trunc/   every prefix of test_tree1, with totalsize left alone and with totalsize patched
  mut/     MUTANTS (default 3000) seeded single-byte and single-word corruptions of test_tree1
           and of the dts blobs
"""
import os
import random
import struct
import subprocess
import sys

FDT_MAGIC = 0xD00DFEED
BEGIN_NODE, END_NODE, PROP, NOP, END = 1, 2, 3, 4, 9


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def write(out, rel, data):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def be32(b, off):
    return struct.unpack_from(">I", b, off)[0]


def trees_from_asm(tests, work):
    """Assembles trees.S and cuts every global tree out of its data section."""
    obj = os.path.join(work, "trees.o")
    data = os.path.join(work, "trees.data")
    run("gcc", "-D__ASSEMBLY__", "-I", tests, "-c", os.path.join(tests, "trees.S"), "-o", obj)
    run("objcopy", "-O", "binary", "--only-section=.data", obj, data)
    with open(data, "rb") as f:
        image = f.read()
    trees = {}
    for line in run("nm", obj, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "D":
            off = int(parts[0], 16)
            if off + 8 <= len(image) and be32(image, off) == FDT_MAGIC:
                size = be32(image, off + 4)
                trees[parts[2]] = image[off:off + size]
    return trees


def header(b):
    return list(struct.unpack_from(">10I", b, 0))


def blocks(b):
    """(rsvmap bytes incl. terminator, struct bytes, strings bytes, boot cpu) of a good v17 blob."""
    h = header(b)
    rsv_off, n = h[4], 0
    while True:
        a, s = struct.unpack_from(">QQ", b, rsv_off + 16 * n)
        n += 1
        if a == 0 and s == 0:
            break
    return (b[rsv_off:rsv_off + 16 * n], b[h[2]:h[2] + h[9]], b[h[3]:h[3] + h[8]], h[7])


def assemble(rsv, strct, strings, boot, order="mts", version=17, last_comp=16):
    """Lays the blocks out in the given order (m = rsvmap, t = struct, s = strings)."""
    hdr_size = 40 if version >= 17 else 36
    align = {"m": 8, "t": 4, "s": 1}
    body = {"m": rsv, "t": strct, "s": strings}
    out = bytearray(hdr_size)
    offs = {}
    for k in order:
        while len(out) % align[k]:
            out.append(0)
        offs[k] = len(out)
        out += body[k]
    fields = [FDT_MAGIC, len(out), offs["t"], offs["s"], offs["m"], version, last_comp, boot,
              len(strings), len(strct)]
    struct.pack_into(">9I", out, 0, *fields[:9])
    if version >= 17:
        struct.pack_into(">I", out, 36, fields[9])
    return bytes(out)


def tokens(strct):
    """Offsets (relative to the block) of every token of a good structure block."""
    p, out = 0, []
    while p < len(strct):
        out.append(p)
        t = be32(strct, p)
        if t == BEGIN_NODE:
            p = (strct.index(b"\0", p + 4) + 1 + 3) & ~3
        elif t == PROP:
            p = (p + 12 + be32(strct, p + 4) + 3) & ~3
        elif t == END:
            break
        else:
            p += 4
    return out


def with_nops(strct):
    toks = tokens(strct) + [len(strct)]
    out = bytearray()
    for a, b in zip(toks, toks[1:]):
        out += strct[a:b] + struct.pack(">I", NOP)
    return bytes(out)


def shifted(b, field, gap):
    """Inserts gap zero bytes in front of the block whose offset is in header field 8/12/16."""
    at = be32(b, field)
    out = bytearray(b[:at]) + bytearray(gap) + bytearray(b[at:])
    struct.pack_into(">I", out, 4, len(out))
    for f in (8, 12, 16):
        if be32(out, f) >= at:
            struct.pack_into(">I", out, f, be32(out, f) + gap)
    return bytes(out)


def main():
    tests, out = sys.argv[1], sys.argv[2]
    mutants = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    work = os.path.join(out, ".work")
    os.makedirs(work, exist_ok=True)

    trees = trees_from_asm(tests, work)
    for name, b in sorted(trees.items()):
        write(out, f"trees/{name}.dtb", b)
    tree1 = trees["test_tree1"]
    write(os.path.join(work), "test_tree1.dtb", tree1)

    dts_blobs = {}
    for name in sorted(os.listdir(tests)):
        if not name.endswith(".dts"):
            continue
        dst = os.path.join(work, name[:-4] + ".dtb")
        r = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dst,
                            os.path.join(tests, name)], cwd=tests, capture_output=True)
        if r.returncode == 0:
            with open(dst, "rb") as f:
                dts_blobs[name[:-4]] = f.read()
            write(out, f"dts/{name[:-4]}.dtb", dts_blobs[name[:-4]])

    src = os.path.join(work, "test_tree1.dtb")
    for v in (1, 2, 3, 16, 17):
        dst = os.path.join(out, "ver", f"dtc-V{v}_test_tree1.dtb")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        run("dtc", "-q", "-I", "dtb", "-O", "dtb", f"-V{v}", "-o", dst, src)
    for v, lc in [(16, 16), (16, 17), (17, 16), (17, 17), (17, 18), (18, 17), (18, 18), (16, 2),
                  (17, 0), (16, 1), (2, 2), (1, 1), (15, 15), (0x11, 0x10), (0xffffffff, 16)]:
        b = bytearray(tree1)
        struct.pack_into(">II", b, 20, v, lc)
        write(out, f"ver/hdr_v{v}_lc{lc}.dtb", b)

    rsv, strct, strings, boot = blocks(tree1)
    for version, last_comp in ((17, 16), (16, 16)):
        for order in ("mts", "mst", "tms", "tsm", "smt", "stm"):
            write(out, f"layout/v{version}.{order}.test_tree1.dtb",
                  assemble(rsv, strct, strings, boot, order, version, last_comp))

    for field, name in ((16, "rsvmap"), (8, "struct"), (12, "strings")):
        for gap in range(0, 8):
            write(out, f"align/{name}_plus{gap}.dtb", shifted(tree1, field, gap))
    v16 = assemble(rsv, strct, strings, boot, "mts", 16, 16)
    for gap in range(1, 8):
        write(out, f"align/v16_struct_plus{gap}.dtb", shifted(v16, 8, gap))

    write(out, "nop/noppy.test_tree1.dtb", assemble(rsv, with_nops(strct), strings, boot))

    for n in range(len(tree1)):
        write(out, f"trunc/prefix{n:04d}.dtb", tree1[:n])
        if n >= 40:
            b = bytearray(tree1[:n])
            struct.pack_into(">I", b, 4, n)
            write(out, f"trunc/resized{n:04d}.dtb", b)

    rnd = random.Random(20261203)
    bases = [("test_tree1", tree1)] + sorted(dts_blobs.items())
    for i in range(mutants):
        name, base = bases[i % len(bases)]
        b = bytearray(base)
        if i % 2 == 0:
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        else:
            pos = rnd.randrange(len(b) // 4) * 4
            struct.pack_into(">I", b, pos, rnd.choice(
                [0, 1, 2, 3, 4, 9, 0xffffffff, 0x7fffffff, 16, 17, 36, 40, 44, len(b), len(b) - 4,
                 len(b) + 4, rnd.randrange(1 << 32)]))
        write(out, f"mut/{name}.{i:05d}.dtb", b)


if __name__ == "__main__":
    main()
