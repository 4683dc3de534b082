"""What an employer does: verify presentations and credentials, keep their history, pin trust."""
