"""The one place credentials touch the network: what a badge needs once, fetched when the
user allows it ("use the network to check credentials"), cached with its date, so every
later check works offline and says how old its data is.

What is fetched: the DID documents of did:web issuers and the JWT VC Issuer Metadata
(with its `jwks_uri`) of VC-JWT and SD-JWT VC issuers named by an https URL (both
pinned on first fetch: `key_cache.py`), the status lists credentials name (again once
their `ttl` has passed), Open Badges 2.0 hosted assertions with their badge class and
issuer profile (checked the OB 2.0 way, the verdict kept with its date), the keys signed
OB 2.0 assertions name, with their issuer profile and its revocation list, and what a
VC-API exchange offers (`post_json`). Verification never calls this module.

Connection rules are the sync client's (`services/http.py`): https only here, a timeout
on every socket operation and a deadline per fetch, a size cap, at most three redirects
(each https), and a typed `FetchError` with a code for every failure. One failed URL
never stops the others.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from wallet.services import http as transport
from wallet.services.learner import intake, settings
from wallet.services.learner.backpack import Backpack
from wallet.services.learner.key_cache import IssuerMetadata, KeyChange
from wallet.vc import (
    bitstring_status_list,
    did_web,
    json_document,
    jwt_keys,
    open_badges_v2,
    vc_data_model,
)
from wallet.vc.errors import UnusableInput
from wallet.vc.rdfc import DEFAULT_LIMITS
from wallet.vc.verification import nested

NETWORK_SETTING = "network_checks"  # the user's switch; off unless they turn it on
EMAIL_SETTING = settings.RECIPIENT_EMAILS  # what OB 2.0 recipient hashes are compared with
TIMEOUT_SECONDS = 15.0  # per socket operation
DEADLINE_SECONDS = 30.0  # per fetch, however the server trickles
MAX_BYTES = DEFAULT_LIMITS.max_bytes  # what the engine would read anyway (1 MB)
MAX_REDIRECTS = 3
DID_REFRESH = timedelta(days=7)  # a pinned document is fetched again to notice key changes
# Bitstring Status List 2.2: a list without `ttl` assumes no default; ours is a day
DEFAULT_STATUS_TTL = timedelta(days=1)
_ACCEPT = "application/ld+json, application/json;q=0.9"
_WHO = "the issuer's server"


class FetchError(UnusableInput):
    """A fetch that did not bring a usable document; `code` says why (catalog keys
    `reason.fetch.<code>`): network-off, bad-url, unreachable, http-status, too-large,
    too-slow, bad-encoding, redirects, unreadable. The message is a developer's detail."""

    kind = "fetch"

    def __init__(self, message: str, code: str, /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = {"why": nested(f"fetch.{code}", **params)}


@dataclass(frozen=True)
class Fetched:
    url: str  # where the document was finally found (after redirects)
    status: int  # 200, or 410 Gone (an OB 2.0 assertion the issuer revoked)
    document: dict[str, Any] | None


class Fetcher:
    """GET JSON over https, under the connection rules. `allowed` is the user's switch:
    off, every fetch fails with `network-off` before a socket is opened."""

    def __init__(
        self,
        *,
        allowed: bool,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT_SECONDS,
        deadline: float = DEADLINE_SECONDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.allowed = allowed
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._deadline = deadline
        self._max_bytes = max_bytes

    def get_json(self, url: str, *, gone_ok: bool = False) -> Fetched:
        if not self.allowed:
            raise FetchError(
                "using the network to check credentials is switched off", "network-off"
            )
        ends = time.monotonic() + self._deadline
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = self._get(url, ends)
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            if status == 410 and gone_ok:
                return Fetched(url, status, None)
            if status != 200:
                raise FetchError(f"{_WHO} answered HTTP {status} for {url:.200}", "http-status")
            try:
                return Fetched(url, status, json_document.parse(body, DEFAULT_LIMITS))
            except UnusableInput as error:
                raise FetchError(f"{_WHO} sent no usable JSON: {error}", "unreadable") from None
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url:.200}", "redirects")

    def post_json(self, url: str, document: dict[str, Any]) -> Fetched:
        """POST a JSON body (a VC-API exchange's step) and read the JSON answer, under the
        same rules; a redirect is not followed (it would need the body sent again)."""
        if not self.allowed:
            raise FetchError(
                "using the network to check credentials is switched off", "network-off"
            )
        body = json.dumps(document).encode()
        status, _, answer = self._get(url, time.monotonic() + self._deadline, body)
        if status not in (200, 201):
            raise FetchError(f"{_WHO} answered HTTP {status} for {url:.200}", "http-status")
        try:
            return Fetched(url, status, json_document.parse(answer, DEFAULT_LIMITS))
        except UnusableInput as error:
            raise FetchError(f"{_WHO} sent no usable JSON: {error}", "unreadable") from None

    def _get(
        self, url: str, ends: float, body: bytes | None = None
    ) -> tuple[int, str | None, bytes]:
        """GET `url`, or POST `body` to it."""
        parts = transport.split_url(url, schemes=("https",), fail=FetchError)
        connection = transport.connect(parts, timeout=self._timeout, ssl_context=self._ssl_context)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"Host": parts.netloc, "Accept": _ACCEPT, "Accept-Encoding": "gzip"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.request("GET" if body is None else "POST", target, body, headers)
            response = connection.getresponse()
            body = transport.read_body(
                response, max_bytes=self._max_bytes, who=_WHO, fail=FetchError, deadline=ends
            )
            return response.status, response.getheader("Location"), body
        except (OSError, ssl.SSLError) as error:
            raise FetchError(f"{_WHO} could not be reached: {error}", "unreachable") from None
        except http.client.HTTPException as error:
            raise FetchError(f"{_WHO} broke the answer off: {error}", "unreachable") from None
        finally:
            connection.close()


@dataclass
class FetchReport:
    """What one round of fetching did. `off`: the switch is off, nothing was fetched."""

    off: bool = False
    fetched: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # url -> FetchError code
    key_changes: list[KeyChange] = field(default_factory=list)
    rechecked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "off": self.off,
            "fetched": self.fetched,
            "failed": self.failed,
            "key_changes": [change.did for change in self.key_changes],
            "rechecked": self.rechecked,
        }


class OnlineChecks:
    """Bring held credentials what they need from the network, then check them again."""

    def __init__(
        self,
        backpack: Backpack,
        fetcher: Fetcher,
        *,
        identities: list[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backpack = backpack
        self.fetcher = fetcher
        self.identities = identities or []
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def run(self, record_ids: list[str] | None = None) -> FetchReport:
        report = FetchReport(off=not self.fetcher.allowed)
        if report.off:
            return report
        ids = record_ids if record_ids is not None else self.backpack.vault.ids("credential")
        touched: list[str] = []
        # what this round brought, so each URL is fetched once however many badges name it:
        # list URL -> the list (None: not fetched again, or failed); did (or an OB 2.0
        # key's URL) -> its keys are new or changed
        lists: dict[str, dict[str, Any] | None] = {}
        renewed: dict[str, bool] = {}
        for record_id in ids:
            held = self.backpack.show(record_id)
            credential = held.credential
            if open_badges_v2.is_assertion(credential):
                if open_badges_v2.verification_type(credential) == "hosted":
                    self._check_hosted(record_id, credential, report)
                    continue
                key_url = open_badges_v2.creator(credential)
                if key_url is not None and key_url not in renewed:  # each key once a round
                    renewed[key_url] = self._fetch_signing_key(credential, report)
                if (
                    key_url is not None
                    and renewed[key_url]
                    and not self._fetch_badge_class(record_id, credential, report)
                ):
                    touched.append(record_id)  # the badge class check re-checked it already
                continue
            urls = _status_list_urls(credential)
            for url in urls:
                if url not in lists:
                    lists[url] = self._refresh_status_list(url, report)
            brought = [found for url in urls if (found := lists[url]) is not None]
            dids = intake.web_controllers(credential).union(
                *(intake.web_controllers(found) for found in brought)
            )
            for did in sorted(dids - renewed.keys()):
                renewed[did] = self._refresh_did(did, report)
            https_issuer = IssuerMetadata.issuer_of(held.format, credential)
            if https_issuer is not None:
                if https_issuer not in renewed:
                    renewed[https_issuer] = self._refresh_issuer_metadata(https_issuer, report)
                dids.add(https_issuer)
            if brought or any(renewed[did] for did in dids):
                touched.append(record_id)
        report.rechecked += self.backpack.reverify(touched)
        return report

    def _fetch(self, url: str, report: FetchReport, *, gone_ok: bool = False) -> Fetched | None:
        try:
            fetched = self.fetcher.get_json(url, gone_ok=gone_ok)
        except FetchError as error:
            report.failed[url] = error.code
            return None
        report.fetched.append(url)
        return fetched

    def _refresh_status_list(self, url: str, report: FetchReport) -> dict[str, Any] | None:
        """The list at `url`, fetched when it is not cached or is past its ttl."""
        cached = self.backpack.status_list_payload(url)
        if cached is not None and not _stale(cached, self._now()):
            return None
        fetched = self._fetch(url, report)
        if fetched is None or fetched.document is None:
            return None
        self.backpack.cache_status_list(fetched.document, self._now(), url=url)
        return fetched.document

    def _refresh_did(self, did: str, report: FetchReport) -> bool:
        """Fetch a did:web document when it is not held, or is due a look for changes.
        True when the pinned keys are new (credentials need checking again)."""
        documents = self.backpack.did_documents
        cached = documents.get(did)
        if cached is not None and self._now() - cached.fetched < DID_REFRESH:
            return False
        try:
            url = did_web.location(did)
        except did_web.NotDidWeb:
            report.failed[did] = "bad-url"
            return False
        fetched = self._fetch(url, report)
        if fetched is None or fetched.document is None:
            return False
        try:
            change = documents.store(did, fetched.document, self._now())
        except UnusableInput:
            report.failed[url] = "unreadable"  # not this DID's document
            return False
        if change is not None:
            report.key_changes.append(change)
        return cached is None or change is not None

    def _refresh_issuer_metadata(self, issuer: str, report: FetchReport) -> bool:
        """An https token issuer's JWT VC Issuer Metadata, and the JWKS its `jwks_uri`
        names, fetched when not held or due a look for changes, as a did:web document is.
        True when the pinned keys are new (credentials need checking again)."""
        metadata = self.backpack.issuer_metadata
        fetched_at = metadata.fetched(issuer)
        if fetched_at is not None and self._now() - fetched_at < DID_REFRESH:
            return False
        url = jwt_keys.metadata_url(issuer)
        found = self._fetch(url, report) if url is not None else None
        if url is None or found is None or found.document is None:
            return False
        jwks: dict[str, Any] | None = None
        jwks_uri = found.document.get("jwks_uri")
        if isinstance(jwks_uri, str) and "jwks" not in found.document:
            listed = self._fetch(jwks_uri, report)  # https only, as every fetch
            if listed is None or listed.document is None:
                return False
            jwks = listed.document
        try:
            change = metadata.store(issuer, found.document, jwks, self._now())
        except UnusableInput:
            report.failed[url] = "unreadable"  # another issuer's, or no usable key
            return False
        if change is not None:
            report.key_changes.append(change)
        return fetched_at is None or change is not None

    def _check_hosted(self, record_id: str, assertion: dict[str, Any], report: FetchReport) -> None:
        """OB 2.0 hosted verification: the assertion, its badge class and issuer profile;
        the verdict is kept with the record, which is checked again with it."""
        assertion_id = open_badges_v2.reference(assertion)
        if assertion_id is None:
            return
        hosted = self._fetch(assertion_id, report, gone_ok=True)
        if hosted is None:
            return
        badge_class: dict[str, Any] = {}
        issuer: dict[str, Any] = {}
        if hosted.document is not None:
            badge_class = self._embedded_or_fetched(hosted.document.get("badge"), report)
            issuer = self._embedded_or_fetched(badge_class.get("issuer"), report)
            if not badge_class or not issuer:
                return
        checks = open_badges_v2.hosted_checks(
            assertion, hosted.document, badge_class, issuer, self.identities, self._now()
        )
        self.backpack.record_online_check(
            record_id,
            {
                "checked": self._now().isoformat(timespec="seconds"),
                "checks": [check.to_json() for check in checks],
                "badge": badge_class,
                "issuer": issuer,
                "expires": (hosted.document or {}).get("expires"),
            },
        )
        report.rechecked += 1

    def _fetch_signing_key(self, assertion: dict[str, Any], report: FetchReport) -> bool:
        """OB 2.0 signed verification needs, once: the key the assertion names, the issuer
        profile that owns it, and that profile's revocation list. The key is pinned by the
        first fetch and looked at again with the list (a key document now holding another
        key is reported, as a did:web one is). True when the credential needs checking
        again."""
        url = open_badges_v2.creator(assertion)
        keys = self.backpack.signing_keys
        held = keys.stored(url) if url is not None else None
        if url is None or (held is not None and not self._signing_key_due(held)):
            return False
        key = self._embedded_or_fetched(url, report)
        same = held is not None and held["document"] == key
        profile = held["profile"] if held and same else {}
        profile = profile or (self._embedded_or_fetched(key.get("owner"), report) if key else {})
        if not key or not profile:
            return False
        pinned = held["profile"] if held else profile  # the revocation list the pinned key's
        listed = open_badges_v2.reference(pinned.get("revocationList"))
        revocation_list = self._embedded_or_fetched(listed, report) if listed else None
        if listed and not revocation_list:
            return False  # try again next time rather than say "not revoked"
        try:
            change = keys.store(url, key, profile, revocation_list, self._now())
        except UnusableInput:
            report.failed[url] = "unreadable"
            return False
        if change is not None:
            report.key_changes.append(change)
        return True

    def _fetch_badge_class(
        self, record_id: str, assertion: dict[str, Any], report: FetchReport
    ) -> bool:
        """A signed assertion that names its badge class by URL: the class, fetched with its
        key, so the card shows its name and the issuer check compares its issuer with the
        key's owner. True when it was kept (and the record checked again)."""
        badge = assertion.get("badge")
        if not isinstance(badge, str) or self.backpack.show(record_id).online is not None:
            return False
        badge_class = self._embedded_or_fetched(badge, report)
        if open_badges_v2.reference(badge_class) != badge:
            return False
        when = self._now().isoformat(timespec="seconds")
        online = {"checked": when, "checks": [], "badge": badge_class, "issuer": {}}
        self.backpack.record_online_check(record_id, online)
        report.rechecked += 1
        return True

    def _signing_key_due(self, held: dict[str, Any]) -> bool:
        """A day after the revocation list was fetched, like a status list without a ttl;
        with no list, when a did:web document would be looked at again."""
        named = held["profile"].get("revocationList")
        fetched = datetime.fromisoformat(held["lists_fetched"])
        return self._now() - fetched >= (DEFAULT_STATUS_TTL if named else DID_REFRESH)

    def _embedded_or_fetched(self, value: Any, report: FetchReport) -> dict[str, Any]:
        if isinstance(value, dict) and len(value) > 1:
            return value  # embedded (OB 2.0 allows the badge class and issuer inline)
        url = open_badges_v2.reference(value)
        if url is None:
            return {}
        fetched = self._fetch(url, report)
        return {} if fetched is None or fetched.document is None else fetched.document


def _stale(cached: dict[str, Any], now: datetime) -> bool:
    fetched = datetime.fromisoformat(cached["fetched"])
    subject = cached["credential"].get("credentialSubject")
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    lifetime = (
        timedelta(milliseconds=ttl)
        if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0
        else DEFAULT_STATUS_TTL
    )
    return now - fetched >= lifetime


def _status_list_urls(credential: dict[str, Any]) -> list[str]:
    urls = []
    for entry in vc_data_model.as_list(credential.get("credentialStatus")):
        if isinstance(entry, dict) and entry.get("type") in bitstring_status_list.ENTRY_TYPES:
            url = entry.get("statusListCredential")
            if isinstance(url, str) and url.startswith("https://") and url not in urls:
                urls.append(url)
    return urls
