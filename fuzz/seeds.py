#!/usr/bin/env python3
# fuzz/seeds.py: the seed corpora of fuzz/'s targets, made from what the repository ships:
# scenarios/*.toml and tests/usage/*.toml (scenario_fuzz), every module body of the scenarios
# (statements_fuzz), the replay schedules and the shard reports of `racewin check --format json
# --shard i/2` on each scenario (schedule_fuzz, merge_fuzz), on one thread so that a report is
# the same on every machine.
# Usage: python3 fuzz/seeds.py RACEWIN OUT_DIR   (OUT_DIR/<target>/ is made anew)
import hashlib, json, pathlib, shlex, shutil, subprocess, sys, tomllib

root = pathlib.Path(__file__).resolve().parent.parent
racewin, out = sys.argv[1], pathlib.Path(sys.argv[2])
# statements_fuzz's first byte picks the function: its slots, in order (fuzz/statements_fuzz.cpp).
SLOTS = {"open": 0, "init": 1, "exit": 2, "kthread": 3, "work": 4}

def write(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    data = data.encode() if isinstance(data, str) else data
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)

def bodies(module):
    """(slot, statements) for each statement list of a [module.<name>] table."""
    for key, value in module.items():
        if isinstance(value, list) and all(isinstance(s, str) for s in value):
            yield SLOTS.get(key, SLOTS["open"]), value
        elif isinstance(value, dict):
            slot = {"kthread": SLOTS["kthread"], "work": SLOTS["work"], "timer": SLOTS["work"],
                    "rcu": SLOTS["work"]}.get(key, SLOTS["open"])
            for _, v in bodies(value):
                yield slot, v

for d in (out / t for t in ("scenario_fuzz", "statements_fuzz", "schedule_fuzz", "merge_fuzz")):
    shutil.rmtree(d, ignore_errors=True)
scenarios = sorted((root / "scenarios").glob("*.toml"))
for f in scenarios + sorted((root / "tests/usage").glob("*.toml")):
    write("scenario_fuzz", f.read_bytes())
for f in scenarios:
    for module in tomllib.loads(f.read_text()).get("module", {}).values():
        for slot, statements in bodies(module):
            write("statements_fuzz", bytes([slot]) + "\n".join(statements).encode())
    shards = []
    for i in range(2):
        run = subprocess.run([racewin, "check", str(f.relative_to(root)), "--format", "json", "--shard", f"{i}/2",
                              "--jobs", "1"],
                             cwd=root, capture_output=True, text=True)
        if run.returncode not in (0, 1):
            sys.exit(f"seeds: racewin check {f.name} --shard {i}/2 exited {run.returncode}: {run.stderr}")
        shards.append(run.stdout)
        for entry in json.loads(run.stdout)["scenarios"]:
            if "replay" not in entry.get("violation", {}):
                continue
            args = shlex.split(entry["violation"]["replay"])
            era = args[args.index("--kernel") + 1] if "--kernel" in args else ""
            write("schedule_fuzz", f"{f.stem}{' ' + era if era else ''}\n{args[args.index('--schedule') + 1]}")
    write("merge_fuzz", shards[0] + "---\n" + shards[1])
for t in ("scenario_fuzz", "statements_fuzz", "schedule_fuzz", "merge_fuzz"):
    print(f"seeds: {t}: {len(list((out / t).iterdir()))} inputs", file=sys.stderr)
