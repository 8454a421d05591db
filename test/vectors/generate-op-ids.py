"""Regenerate op-ids.reference.json with Muse's Python reference (an independent implementation).

usage: python3 test/vectors/generate-op-ids.py ../shared/reference > test/vectors/op-ids.reference.json

Each vector: the hashed fields, the canonical bytes (what content_hash hashes) and the op_id the
reference's make_op_entry computes. Values are strings and integers only: for those the
reference's compact, key-sorted JSON equals RFC 8785.
"""
import hashlib
import json
import sys

sys.path.insert(0, sys.argv[1])
from seed import load_op_log  # noqa: E402

m = load_op_log()
H = lambda s: hashlib.sha256(s.encode()).hexdigest()
cases = [
    ("root insert", "actor-0", "midi", {"op": "insert", "address": "note:0", "position": 0, "content_id": H("note-0"), "content_summary": "C4 vel=80 tick=0"}, 1, [], "", ""),
    ("one parent", "actor-1", "midi", {"op": "delete", "address": "note:7", "position": 7, "content_id": H("note-7"), "content_summary": "E4"}, 2, [H("p1")], "", ""),
    ("parents given unsorted", "bot", "midi", {"op": "move", "address": "note:3", "from_position": 3, "to_position": 9, "content_id": H("x")}, 10, [H("zz"), H("aa"), H("mm")], "intent-1", "res-9"),
    ("unicode strings", "Zoë 🎹", "midi", {"op": "replace", "address": "note:♪", "position": 1, "old_content_id": H("a"), "new_content_id": H("b"), "old_summary": "日本語", "new_summary": "naïve \"quoted\" \\ back"}, 3, [], "", ""),
    ("control characters", "a\tb", "code", {"op": "patch", "address": "src/x.py", "child_ops": [{"op": "insert", "address": "line:1", "position": None, "content_id": H("l"), "content_summary": "line\nbreak \u0001 \u001f \u007f"}], "child_domain": "text", "child_summary": "1 insert"}, 4, [], "", ""),
    ("nested mutate", "actor-2", "midi", {"op": "mutate", "address": "track:1", "entity_id": "e-1", "old_content_id": H("o"), "new_content_id": H("n"), "fields": {"velocity": {"old": "80", "new": "96"}, "Pitch": {"old": "60", "new": "62"}}, "old_summary": "v80", "new_summary": "v96", "position": 12}, 5, [H("q")], "", ""),
    ("generic op, big integers, booleans, null", "actor-3", "custom", {"op": "set-tempo", "bpm": 120, "ticks": 9007199254740991, "neg": -42, "swing": False, "ok": True, "none": None, "list": [1, "two", [3], {}]}, 9007199254740991, [], "", ""),
    ("empty strings", "", "", {"op": ""}, 0, [], "", ""),
]
out = []
for name, actor, domain, op, ts, parents, intent, res in cases:
    e = m.make_op_entry(actor, domain, op, ts, parent_op_ids=parents, intent_id=intent, reservation_id=res)
    fields = {"actor_id": actor, "domain": domain, "domain_op": op, "intent_id": intent, "lamport_ts": ts, "parent_op_ids": sorted(parents), "reservation_id": res}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == e["op_id"]
    out.append({"name": name, "fields": {**fields, "parent_op_ids": parents}, "canonical": canonical, "op_id": e["op_id"]})
print(json.dumps({"source": "Muse reference op_log.py make_op_entry (python3)", "vectors": out}, indent=2, ensure_ascii=False))
