# requests.py — a small real service, for recording and measuring (make bench-record,
# make bench-fidelity): JSON requests parsed, answered from an LRU cache, answers built.
# Run with PYTHONMALLOC=malloc, or CPython's own allocator serves most requests.
# usage: python3 requests.py [REQUESTS] [STEPS]   marks: start-up, then every REQUESTS/STEPS
import ctypes, json, sys, random
from collections import OrderedDict

try:
    mark = ctypes.CDLL(None).gauntlet_mark  # only while gauntlet record records us
except AttributeError:
    mark = lambda label: None

requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 4
rng = random.Random(1)
cache, CACHE_SIZE = OrderedDict(), 2000
catalogue = {i: {"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 13)] * (i % 5)}
             for i in range(5000)}
mark(b"start-up")
served = 0
for n in range(1, requests + 1):
    key = rng.randrange(20000)
    body = json.dumps({"user": key, "want": [key % 5000, (key * 7) % 5000], "pad": "x" * (key % 400)})
    request = json.loads(body)
    answer = cache.get(key)
    if answer is None:
        answer = json.dumps([catalogue[i] for i in request["want"]] + [request["pad"]])
        cache[key] = answer
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    served += len(answer)
    if n % (requests // steps) == 0:
        mark(b"requests-%d" % n)
print(served)
