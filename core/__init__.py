"""Request, database and API plumbing that every app uses: problem documents, rendering,
pagination, throttling, middleware, the database backend. It imports no app of the project."""
