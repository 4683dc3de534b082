"""What a client and the server both speak: signed sync requests and records, issuance
log entries. Sits above store and vc, below services and the server."""
