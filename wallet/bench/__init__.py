"""`wallet bench`: speed figures, one `name value unit` line each. Not part of the app:
`flet build` leaves this package out (`[tool.flet.app] exclude`)."""
