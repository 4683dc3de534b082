"""Preset DEFLATE dictionaries for sealed records, one per format. Frozen: records sealed
with one must open forever, so a dictionary never changes; a new one means a new format.

Only structure, no content: the JSON shape of an Open Badges 3.0 / VC 2.0 credential and of
our verification report, with empty values. It saves most of the size of small records,
where plain zlib has nothing earlier in the stream to refer back to.
"""

# Format 2: reports whose checks were English sentences.
DICTIONARY_2 = (
    b'{"credential":{"@context":["https://www.w3.org/ns/credentials/v2",'
    b'"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],"id":"urn:uuid:",'
    b'"type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{"id":"did:key:z6Mk",'
    b'"type":["Profile"],"name":"","url":"https://","email":""},"validFrom":"20",'
    b'"validUntil":"20","name":"","description":"","image":{"id":"","type":"Image"},'
    b'"credentialSubject":{"id":"did:key:z6Mk","type":["AchievementSubject"],"name":"",'
    b'"achievement":{"id":"https://","type":["Achievement"],"achievementType":"",'
    b'"criteria":{"narrative":""},"description":"","name":"","image":{"id":"","type":"Image"},'
    b'"alignment":[{"type":["Alignment"],"targetName":"","targetUrl":"https://"}]}},'
    b'"credentialStatus":{"id":"","type":"BitstringStatusListEntry","statusPurpose":"revocation",'
    b'"statusListIndex":"","statusListCredential":"https://"},'
    b'"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","created":"20",'
    b'"verificationMethod":"did:key:z6Mk","proofPurpose":"assertionMethod","proofValue":"z"}},'
    b'"holder":null,"report":{"verified":true,"checks":['
    b'{"id":"structure","ok":true,"message":"Well-formed Open Badge 3.0.","warning":false},'
    b'{"id":"signature","ok":true,"message":"eddsa-rdfc-2022: The signature is valid.","warning":false},'
    b'{"id":"issuer","ok":true,"message":"Signed by the issuer did:key:z","warning":false},'
    b'{"id":"validity","ok":true,"message":"Valid, with no expiry date.","warning":false},'
    b'{"id":"status","ok":true,"message":"The issuer publishes no status: it cannot be revoked.",'
    b'"warning":false}]},"checked":"20","tags":[],"tags_updated":0}'
    b"ecdsa-sd-2023 ecdsa-rdfc-2019 https://www.w3.org/2018/credentials/v1 Not revoked"
)

_CREDENTIAL_SHAPE = DICTIONARY_2[: DICTIONARY_2.index(b'"holder":null')]

# Format 3: reports as codes and params (vc.verification.Check.to_json), in the order the
# backpack writes a card's payload, and the words its other records repeat.
DICTIONARY_3 = (
    b"ecdsa-sd-2023 ecdsa-rdfc-2019 https://www.w3.org/2018/credentials/v1 eddsa-jcs-2022 "
    b"BitstringStatusListCredential StatusList2021Entry EndorsementCredential ClrCredential "
    b'"type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{"id":"did:web:'
    + _CREDENTIAL_SHAPE
    + b'"holder":null,"checked":"20","tags":[],"tags_updated":0,"report":{"verified":true,'
    b'"checks":[{"id":"structure","code":"structure.ok","params":{"kind":"Open Badge 3.0"}},'
    b'{"id":"signature","code":"signature.proof","params":{"suite":"ecdsa-sd-2023",'
    b'"reason":{"code":"proof.valid","params":{}}}},'
    b'{"id":"signature","code":"signature.proof","params":{"suite":"eddsa-rdfc-2022",'
    b'"reason":{"code":"proof.valid","params":{}}}},'
    b'{"id":"issuer","code":"issuer.signed","params":{"issuer":"did:key:z6Mk"}},'
    b'{"id":"validity","code":"validity.until","params":{"until":"20"}},'
    b'{"id":"status","code":"status.clear","params":{"purpose":"revocation"}},'
    b'{"id":"validity","code":"validity.no-expiry"},{"id":"status","code":"status.none"}]}}'
)
