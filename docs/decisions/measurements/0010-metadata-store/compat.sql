-- @@ schema: text/bigint/jsonb/bytea/boolean, FK, unique
CREATE TABLE counters (name text PRIMARY KEY, v bigint NOT NULL);
-- @@ schema: docs with jsonb body
CREATE TABLE docs (id text PRIMARY KEY, rev integer NOT NULL, seq bigint NOT NULL, deleted boolean NOT NULL DEFAULT false, body jsonb NOT NULL);
-- @@ schema: changes
CREATE TABLE changes (seq bigint PRIMARY KEY, id text NOT NULL, rev integer NOT NULL);
-- @@ schema: accounts + tokens (bytea, FK)
CREATE TABLE accounts (id text PRIMARY KEY, email text UNIQUE NOT NULL, role text NOT NULL);
CREATE TABLE tokens (hash bytea PRIMARY KEY, account text NOT NULL REFERENCES accounts(id), created bigint NOT NULL);
-- @@ insert ... ON CONFLICT DO NOTHING
INSERT INTO counters VALUES ('seq', 0) ON CONFLICT DO NOTHING;
-- @@ counter bump with UPDATE ... RETURNING
UPDATE counters SET v = v + 2 WHERE name = 'seq' RETURNING v;
-- @@ upsert ON CONFLICT (id) DO UPDATE ... excluded ... RETURNING
INSERT INTO docs (id, rev, seq, body) VALUES ('annotation/a', 1, 1, '{"type":"annotation","site":"site/1","tags":["pump"]}') ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1, seq = excluded.seq, body = excluded.body RETURNING rev;
-- @@ same upsert again (update path)
INSERT INTO docs (id, rev, seq, body) VALUES ('annotation/a', 1, 2, '{"type":"annotation","site":"site/2","tags":["valve"]}') ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1, seq = excluded.seq, body = excluded.body RETURNING rev;
-- @@ conditional update WHERE id AND rev, RETURNING
UPDATE docs SET rev = rev + 1, seq = 3 WHERE id = 'annotation/a' AND rev = 2 RETURNING rev;
-- @@ JSON ->> operator
SELECT id FROM docs WHERE body->>'site' = 'site/2';
-- @@ JSON -> then ->> (nested)
SELECT body->'tags'->>0 AS t FROM docs;
-- @@ jsonb containment @>
SELECT id FROM docs WHERE body @> '{"type":"annotation"}';
-- @@ cast ::jsonb
SELECT '{"a":1}'::jsonb ->> 'a' AS a;
-- @@ jsonb_set
UPDATE docs SET body = jsonb_set(body, '{site}', '"site/3"') RETURNING body->>'site' AS site;
-- @@ json_extract (SQLite spelling)
SELECT json_extract(body, '$.site') AS s FROM docs;
-- @@ expression index on a JSON field
CREATE INDEX docs_site ON docs ((body->>'site'));
-- @@ GIN index on jsonb
CREATE INDEX docs_body ON docs USING gin (body jsonb_path_ops);
-- @@ CREATE SEQUENCE + nextval
CREATE SEQUENCE change_seq;
SELECT nextval('change_seq') AS s;
-- @@ identity column
CREATE TABLE t_ident (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x text);
-- @@ writable CTE + jsonb_to_recordset (one-statement batch)
WITH input AS (SELECT * FROM jsonb_to_recordset('[{"id":"annotation/b","seq":10,"body":{"k":1}}]'::jsonb) AS x(id text, seq bigint, body jsonb)), up AS (INSERT INTO docs (id, rev, seq, body) SELECT id, 1, seq, body FROM input ON CONFLICT (id) DO UPDATE SET rev = docs.rev + 1 RETURNING id, rev, seq) INSERT INTO changes (seq, id, rev) SELECT seq, id, rev FROM up;
-- @@ MERGE (PostgreSQL 15+)
MERGE INTO docs d USING (VALUES ('annotation/c', 20)) AS s(id, seq) ON d.id = s.id WHEN MATCHED THEN UPDATE SET seq = s.seq WHEN NOT MATCHED THEN INSERT (id, rev, seq, body) VALUES (s.id, 1, s.seq, '{}');
-- @@ MERGE ... RETURNING (PostgreSQL 17+)
MERGE INTO docs d USING (VALUES ('annotation/d', 21)) AS s(id, seq) ON d.id = s.id WHEN NOT MATCHED THEN INSERT (id, rev, seq, body) VALUES (s.id, 1, s.seq, '{}') RETURNING d.id;
-- @@ JSON_TABLE (PostgreSQL 17+)
SELECT * FROM JSON_TABLE('[{"a":1}]'::jsonb, '$[*]' COLUMNS (a int PATH '$.a')) AS jt;
-- @@ SELECT ... FOR UPDATE
SELECT v FROM counters WHERE name = 'seq' FOR UPDATE;
-- @@ advisory transaction lock
SELECT pg_advisory_xact_lock(42);
-- @@ change feed page
SELECT seq, id, rev FROM changes WHERE seq > 0 ORDER BY seq LIMIT 1000;
