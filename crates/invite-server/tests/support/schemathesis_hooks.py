"""Schemathesis hooks for the API fuzz test (tests/api/fuzz.rs).

A client makes a new Idempotency-Key for each new request, and reuses one only to retry the
same request. Generated requests reuse generated keys with other bodies, which the server
rightly refuses (422, as the IETF Idempotency-Key draft says); so each request sent gets a
fresh key, as a client's would. The header's shape is still checked: a key the document
forbids is not replaced.
"""

import re
import uuid

import schemathesis

KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and KEY.match(headers[name]):
            headers[name] = str(uuid.uuid4())
