-- make test: the two roles of production (README, "Two database roles") on pg_virtualenv's
-- throwaway server, run by its superuser. The owner creates the test database, so it owns the
-- database, its public schema, every table and every trigger function; the application's role
-- owns nothing and is granted row access by migrate. Test-only passwords.
CREATE ROLE safeguarding_owner LOGIN CREATEDB PASSWORD 'owner-test-password';
CREATE ROLE safeguarding_app LOGIN PASSWORD 'app-test-password';
