"""jupyter_client's Session as the reference codec for the kernel's wire format.

usage: kernel_wire.py serialize KEY    stdin: {"msg_type", "content", "metadata", "buffers_hex"}
                                       stdout: JSON list of hex frames [ident, <IDS|MSG>, hmac, 4 JSON, buffers]
       kernel_wire.py deserialize KEY  stdin: JSON list of hex frames
                                       stdout: {"msg_type", "content", "metadata", "buffers_hex"} or
                                               {"error": "..."} when Session rejects the message
"""
import json
import sys

from jupyter_client.session import Session

mode, key = sys.argv[1], sys.argv[2].encode()
session = Session(key=key, signature_scheme="hmac-sha256")
data = json.load(sys.stdin)

if mode == "serialize":
    msg = session.msg(data["msg_type"], content=data["content"], metadata=data.get("metadata", {}))
    frames = session.serialize(msg, ident=[b"client-ident"])
    frames += [bytes.fromhex(b) for b in data.get("buffers_hex", [])]
    print(json.dumps([bytes(f).hex() for f in frames]))
else:
    frames = [bytes.fromhex(f) for f in data]
    idents, rest = session.feed_identities(frames, copy=True)
    try:
        msg = session.deserialize(rest, content=True, copy=True)
    except Exception as e:  # noqa: BLE001 - report the rejection
        print(json.dumps({"error": repr(e)}))
        sys.exit(0)
    print(json.dumps({
        "msg_type": msg["header"]["msg_type"],
        "content": msg["content"],
        "metadata": msg["metadata"],
        "parent_msg_id": msg["parent_header"].get("msg_id"),
        "buffers_hex": [bytes(b).hex() for b in msg["buffers"]],
        "idents_hex": [i.hex() for i in idents],
    }))
