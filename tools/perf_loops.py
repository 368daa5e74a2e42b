"""Sums `perf annotate --stdio` of one function by loop.

Reads the annotation on stdin; a loop is the code from a backward jump's
target to the jump, and each instruction counts for the smallest loop that
holds it (an outer loop keeps only what its inner loops do not). Prints each
loop with at least MIN percent of the function's samples (default 2): its
address range, share, and what its own instructions are (FMAs from memory: a
matmul streaming its weights; FMAs on registers with separate loads: a
register-blocked matmul; a spin count compare: a barrier's wait), then the
share outside every loop.
    perf annotate -i perf.jit.data --stdio -s SYMBOL | python3 tools/perf_loops.py [MIN]
"""
import collections
import re
import sys

minimum = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
line_re = re.compile(r"^\s*([0-9.]+)\s*:\s+([0-9a-f]+):\s+(\S+)\s*(.*)$")
jump_re = re.compile(r"^([0-9a-f]+)\s+<")

instructions = []  # (address, percent, mnemonic, operands)
for line in sys.stdin:
    match = line_re.match(line)
    if match:
        percent, address, mnemonic, operands = match.groups()
        instructions.append((int(address, 16), float(percent), mnemonic, operands))
if not instructions:
    sys.exit("perf_loops.py: no annotated instructions on stdin")

loops = []
for address, _, mnemonic, operands in instructions:
    jump = jump_re.match(operands)
    if mnemonic.startswith("j") and jump and int(jump.group(1), 16) < address:
        loops.append((int(jump.group(1), 16), address))


def tightest(address):
    holding = [(end - begin, begin, end) for begin, end in loops if begin <= address <= end]
    return min(holding)[1:] if holding else None


bodies = collections.defaultdict(list)
for instruction in instructions:
    bodies[tightest(instruction[0])].append(instruction)


def describe(body):
    kinds = collections.Counter()
    for _, _, mnemonic, operands in body:
        if mnemonic.startswith("vfmadd"):
            kinds["FMA from memory" if "(" in operands else "FMA"] += 1
        elif mnemonic.startswith("vbroadcast"):
            kinds["broadcast"] += 1
        elif mnemonic.startswith("vmov") and "(" in operands.split(",")[0]:
            kinds["vector load"] += 1
        elif mnemonic.startswith("vmov") and "(" in operands:
            kinds["vector store"] += 1
        elif mnemonic == "pause" or (mnemonic == "cmp" and "$0xfff," in operands):
            kinds["barrier spin"] += 1
    return ", ".join(f"{count} {kind}" for kind, count in kinds.most_common()) or "scalar code"


rows = []
for loop, body in bodies.items():
    share = sum(i[1] for i in body)
    if loop and share >= minimum:
        rows.append((share, loop[0], loop[1], describe(body)))
for share, begin, end, what in sorted(rows, reverse=True):
    print(f"{share:6.2f}%  loop {begin:#x}-{end:#x}: {what}")
print(f"{sum(i[1] for i in bodies.get(None, [])):6.2f}%  outside every loop")
