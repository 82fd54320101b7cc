"""``POST /hooks/content``: the git server says the content repository changed.

The request only signals: it writes a new request token, which a running ``flask kb watch``
picks up; without one it starts ``flask kb sync --if-idle`` in a process of its own, unless
one runs already (that one goes round again). It answers 202; a GitHub delivery received
before answers 200 and starts nothing. The web worker never pulls or writes the index itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from ..accounts import csrf
from ..repository.deliveries import first_delivery
from ..repository.updater import claim_updater, request_update
from ..repository.watcher import watcher_running
from .context import start_kb_command

bp = Blueprint("hooks", __name__)


def signature_ok(secret: str, body: Callable[[], bytes], gitlab_token: str | None, github_signature: str | None) -> bool:
    """GitLab's ``X-Gitlab-Token`` (the secret itself) or GitHub's ``X-Hub-Signature-256``
    (``sha256=`` + HMAC-SHA256 of the body), compared in constant time.

    ``body`` is called only for a GitHub signature: a request with a wrong or no token is
    refused without its body ever being read (and a body over ``KB_MAX_CONTENT_LENGTH`` is 413).
    """
    if gitlab_token is not None and hmac.compare_digest(gitlab_token.encode(), secret.encode()):
        return True
    if github_signature is not None:
        expected = "sha256=" + hmac.new(secret.encode(), body(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(github_signature.encode(), expected.encode())
    return False


@bp.post("/hooks/content")
@csrf.exempt  # the git server authenticates with the shared secret, not a form token
def content_changed():
    secret = current_app.config["WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    if not signature_ok(secret, request.get_data, request.headers.get("X-Gitlab-Token"), request.headers.get("X-Hub-Signature-256")):
        return jsonify({"error": "Unauthorized", "message": "missing or wrong webhook secret"}), 401
    if not first_delivery(current_app.instance_path, request.headers.get("X-GitHub-Delivery")):
        return jsonify({"status": "ignored", "message": "this delivery was received before"}), 200
    start_updater(current_app._get_current_object())
    return jsonify({"status": "accepted", "message": "content sync started"}), 202


def start_updater(app: Flask) -> None:
    """Record the request (a running ``kb watch`` acts on it), else start ``flask kb sync --if-idle`` in a new session.

    At most one updater runs per index folder: the updater lock is taken here, for the process
    started, so a request that finds it taken starts nothing. The running updater goes round
    once more instead, because the request token changed (it reads the token after it let go
    of the lock, so no request falls between the two).
    """
    request_update(app.config["INDEX_DIR"])
    if watcher_running(app.config["INDEX_DIR"]):
        return
    lock_fd = claim_updater(app.config["INDEX_DIR"])
    if lock_fd is None:
        return
    starter = app.extensions.get("kb.start_updater")
    if starter is not None:  # tests replace the process with a call
        os.close(lock_fd)
        starter()
        return
    start_kb_command(app, "sync", "--if-idle", lock_fd=lock_fd)
