"""What a trainer and an organisation do: sign badges, authorise trainers, keep the issuance log."""
