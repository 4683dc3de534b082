"""VC-API exchanges: a QR code or link that does not hold a credential but starts an
exchange with the issuer's site, which answers with a presentation of the learner's
credentials. Pure: the POST is `fetching.Fetcher.post_json`, the import the backpack's.

The forms met in the wild:
- a VC-API exchange URL (W3C CCG VC-API, "Workflows and Exchanges":
  `https://…/workflows/{workflow}/exchanges/{exchange}`, or `…/exchanges/{exchange}`),
  started by POSTing `{}`;
- the DCC Learner Credential Wallet's links, `dccrequest://request?…`,
  `org.dcconsortium://request?…` and `https://lcw.app/request?…`, whose `request`
  parameter is a wallet API request naming the exchange in `protocols.vcapi`;
- DCC's older credential request links (`vc_request_url`, `challenge`, `auth_type`), which
  always ask for a DID Authentication presentation signed for the `challenge`.

An exchange that asks for DID Authentication, or for credentials, before it offers any is
one this wallet cannot answer yet: that is said by code, not attempted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wallet.vc.errors import MalformedInput, UnusableInput
from wallet.vc.verification import nested

DEEP_LINKS = (
    "dccrequest://request?",
    "org.dcconsortium://request?",
    "https://lcw.app/request?",
    "https://lcw.app/request.html?",
)
_MAX_URL = 2048
_DID_AUTH = ("DIDAuthentication", "DIDAuth")  # VPR query types (DIDAuth: the older name)


class ExchangeRefused(UnusableInput):
    """An exchange this wallet cannot complete; `code` says why (catalog keys
    `reason.exchange.<code>`): did-auth, asks-for-credentials, nothing-offered."""

    kind = "exchange"

    def __init__(self, message: str, code: str, url: str) -> None:
        super().__init__(message)
        self.code = code
        self.url = url
        self.params = {"why": nested(f"exchange.{code}"), "url": url[:200]}


@dataclass(frozen=True)
class Invitation:
    url: str  # the exchange's https URL, started by POSTing {}
    did_auth: bool  # the link itself says the exchange wants DID Authentication first


def _https(text: str) -> bool:
    return (
        text.startswith("https://")
        and len(text) <= _MAX_URL
        and text.isascii()
        and not any(c.isspace() for c in text)
        and bool(urlsplit(text).hostname)
    )


def is_exchange_url(text: str) -> bool:
    """An https URL whose path names an exchange: `…/exchanges/{id}` (VC-API)."""
    if not _https(text):
        return False
    segments = [s for s in urlsplit(text).path.split("/") if s]
    return any(
        name == "exchanges" and position + 1 < len(segments)
        for position, name in enumerate(segments)
    )


def invitation(text: str) -> Invitation | None:
    """The exchange a QR code's or link's text names; None when it names none. A DCC link
    that names no usable exchange is refused (`MalformedInput`)."""
    text = text.strip()
    if len(text) > 8 * _MAX_URL or not text.isascii():
        return None
    if text.startswith(DEEP_LINKS):
        query = parse_qs(urlsplit(text).query)
        request = query.get("request", [""])[0]
        legacy = query.get("vc_request_url", [""])[0]
        if request:
            url = _vcapi_of(request)
            return Invitation(url, did_auth=False)
        if _https(legacy):  # DCC's credential request flow: a signed DID Auth comes first
            return Invitation(legacy, did_auth=True)
        raise MalformedInput("the wallet link names no exchange this wallet can reach")
    if is_exchange_url(text):
        return Invitation(text, did_auth=False)
    return None


def _vcapi_of(request: str) -> str:
    """The VC-API exchange a wallet API request names (`protocols.vcapi`)."""
    try:
        found = json.loads(request)
    except ValueError:
        raise MalformedInput("the wallet link's request is not JSON") from None
    protocols = found.get("protocols") if isinstance(found, dict) else None
    url = protocols.get("vcapi") if isinstance(protocols, dict) else None
    if not isinstance(url, str) or not _https(url):
        raise MalformedInput("the wallet link names no VC-API exchange")
    return url


def offered(answer: Any, url: str) -> dict[str, Any]:
    """The presentation an exchange's answer offers (VC-API: `verifiablePresentation`);
    a request for more first (`verifiablePresentationRequest`) or an answer with nothing
    is refused by code."""
    if not isinstance(answer, dict):
        raise ExchangeRefused("the exchange answered with no object", "nothing-offered", url)
    presentation = answer.get("verifiablePresentation")
    if isinstance(presentation, dict):
        return presentation
    request = answer.get("verifiablePresentationRequest")
    if isinstance(request, dict):
        query = request.get("query")
        queries = query if isinstance(query, list) else [query]
        kinds = {q.get("type") for q in queries if isinstance(q, dict)}
        if kinds & set(_DID_AUTH):
            raise ExchangeRefused("the exchange asks for DID Authentication", "did-auth", url)
        raise ExchangeRefused("the exchange asks for credentials", "asks-for-credentials", url)
    raise ExchangeRefused("the exchange offered no credentials", "nothing-offered", url)
