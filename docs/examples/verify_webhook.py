"""Verifies one Invite Users webhook delivery (Standard Webhooks), with the standard library only.

Usage in a receiver: call `verify(secret, headers, body)` with the endpoint's `whsec_…` secret,
the request's headers (any case) and its raw body bytes, before parsing the JSON. It raises
`ValueError` when the delivery is not authentic or too old; then answer 400 and do nothing.

From a shell (as the Invite Users tests run it):
    python3 verify_webhook.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
"""

import base64
import hashlib
import hmac
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict, body: bytes, now: float | None = None) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = lower["webhook-timestamp"]
        signatures = lower["webhook-signature"]
    except KeyError as missing:
        raise ValueError(f"missing header {missing}") from None
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("webhook-timestamp is too far from now (replayed?)")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # While a secret is rotated, the header carries several space-separated signatures.
    for candidate in signatures.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise ValueError("no signature matches")


if __name__ == "__main__":
    secret, msg_id, timestamp, signature, body_file = sys.argv[1:6]
    with open(body_file, "rb") as f:
        body = f.read()
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    try:
        verify(secret, headers, body)
    except ValueError as error:
        print(f"refused: {error}")
        sys.exit(1)
    print("verified")
