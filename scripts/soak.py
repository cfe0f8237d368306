#!/usr/bin/env python3
"""Soak: drives the copydesk binary over stdio for a bounded time with edits
and requests interleaved, samples its resident memory from /proc, and fails
if memory keeps growing. Not part of CI; see RELIABILITY.md.

    scripts/soak.py BINARY [SECONDS]
"""
import json, os, shutil, subprocess, sys, tempfile, threading, time, queue

binary = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 300.0
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ws = tempfile.mkdtemp(prefix="copydesk-soak-")
for f in ["sochi-putin-erdogan.txt", "sochi.lexicon.json"]:
    shutil.copy(os.path.join(repo, "tests/fixtures", f), ws)
article = open(os.path.join(ws, "sochi-putin-erdogan.txt"), encoding="utf-8").read()

proc = subprocess.Popen([binary, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, cwd=ws)
responses = queue.Queue()

def reader():
    out = proc.stdout
    while True:
        length = None
        while True:
            line = out.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        msg = json.loads(out.read(length))
        if "id" in msg and "method" in msg:  # a request from the server
            result = [None] if msg["method"] == "workspace/configuration" else None
            send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        elif "id" in msg:
            responses.put(msg)

lock = threading.Lock()
def send(msg):
    body = json.dumps(msg).encode()
    with lock:
        proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        proc.stdin.flush()

threading.Thread(target=reader, daemon=True).start()
next_id = [0]
def request(method, params):
    next_id[0] += 1
    send({"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params})
    return next_id[0]

def wait(ids):
    pending = set(ids)
    while pending:
        msg = responses.get(timeout=120)
        if "error" in msg:
            raise SystemExit(f"error answer: {msg}")
        pending.discard(msg["id"])

def rss_kb():
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

root = "file://" + ws
wait([request("initialize", {"processId": None, "rootUri": root, "capabilities": {},
                             "initializationOptions": {"lexicons": ["sochi.lexicon.json"]}})])
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2

start = time.time()
samples, answered, version, cycle = [], 0, 1, 0
next_sample = start
while time.time() - start < seconds:
    cycle += 1
    uri = f"{root}/draft{cycle % 4}.txt"
    text = article
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "plaintext", "version": 1, "text": text}}})
    lines = text.split("\n")
    end = {"line": len(lines) - 1, "character": utf16_len(lines[-1])}
    ids = []
    for v in range(2, 60):
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": v},
            "contentChanges": [{"range": {"start": end, "end": end}, "text": " Putin."}]}})
        end = {"line": end["line"], "character": end["character"] + 7}
        pos = {"line": 0, "character": 130}
        for m in ["textDocument/hover", "textDocument/documentHighlight", "textDocument/definition"]:
            ids.append(request(m, {"textDocument": {"uri": uri}, "position": pos}))
        ids.append(request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}))
        ids.append(request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}}))
        ids.append(request("textDocument/completion", {"textDocument": {"uri": uri},
                   "position": {"line": end["line"], "character": end["character"] - 3}}))
    wait(ids)
    answered += len(ids)
    send({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
    if time.time() >= next_sample:
        samples.append((round(time.time() - start), rss_kb()))
        next_sample += max(seconds / 40, 1)

wait([request("shutdown", None)])
send({"jsonrpc": "2.0", "method": "exit"})
proc.wait(timeout=30)
shutil.rmtree(ws)

quarter = max(len(samples) // 4, 1)
early = sorted(s for _, s in samples[quarter:2 * quarter] or samples[:1])[0]
late = max(s for _, s in samples[-quarter:])
print(f"soak: {seconds:.0f} s, {answered} requests answered, {cycle} open/edit/close cycles")
print("rss samples (s, KiB):", " ".join(f"{t}:{k}" for t, k in samples))
print(f"rss after warm-up {early} KiB, at the end at most {late} KiB")
# Flat: the end may not exceed the level after warm-up by more than 20 %.
if late > early * 1.2 + 4096:
    raise SystemExit("memory grew during the soak")
print("memory flat")
