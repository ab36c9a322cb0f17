-- The PostgreSQL baseline of `make bench`: the same NDJSON profiles, the same
-- requirement terms as vaardig indexes (server/profile_terms.c,
-- vd_profile_held), a GIN index on them. bench_pg.py runs this file, then
--   \copy places FROM 'data/places/gemeenten.csv' (CSV, header)
--   \copy raw (doc) FROM 'people.ndjson' (CSV with quote and delimiter bytes
--       that JSON never contains, so that backslash escapes stay intact)
-- then load.sql with -v today=YYYYMMDD.
\set ON_ERROR_STOP on

-- The gazetteer, as text so that coordinates convert the way vaardig's do
-- (the CSV's 5 decimals parsed straight to float4 for a person, to float8
-- for the place a query measures from).
CREATE TABLE places (
	code text PRIMARY KEY, name text UNIQUE, province text,
	lat text, lon text, population bigint);

-- One JSON document per line, numbered in file order.
CREATE TABLE raw (docid bigserial, doc jsonb NOT NULL);

-- Held through the end of the date: today <= until.
CREATE FUNCTION vd_valid(until text, today int) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT until IS NULL OR replace(until, '-', '')::int >= today
$$;

-- CEFR rank; Dutch 1F..4F compare as A2, B1, B2, C1 (API.md).
CREATE FUNCTION vd_level_rank(level text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE level WHEN 'A1' THEN 1 WHEN 'A2' THEN 2 WHEN 'B1' THEN 3 WHEN 'B2' THEN 4
		WHEN 'C1' THEN 5 WHEN 'C2' THEN 6 WHEN '1F' THEN 2 WHEN '2F' THEN 3
		WHEN '3F' THEN 4 WHEN '4F' THEN 5 ELSE 0 END
$$;

-- The requirement terms a profile holds on day today (YYYYMMDD): what
-- vd_profile_held gives, written again in SQL from API.md's rules.
CREATE FUNCTION vd_held(doc jsonb, today int) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(t), '{}') FROM (
		SELECT 'licence:' || (l->>'category') AS t
		FROM jsonb_array_elements(coalesce(doc->'licences', '[]')) l
		WHERE vd_valid(l->>'valid_until', today)
		UNION ALL
		SELECT 'code95:' || (l->>'category')
		FROM jsonb_array_elements(coalesce(doc->'licences', '[]')) l
		WHERE l ? 'code95_until' AND vd_valid(l->>'valid_until', today)
		  AND vd_valid(l->>'code95_until', today)
		UNION ALL
		SELECT 'language:' || (g->>'code')
		FROM jsonb_array_elements(coalesce(doc->'languages', '[]')) g
		WHERE vd_level_rank(g->>'level') > 0
		UNION ALL
		SELECT 'language:' || (g->>'code') || ':' || lv.level
		FROM jsonb_array_elements(coalesce(doc->'languages', '[]')) g,
		     unnest(ARRAY['A1', 'A2', 'B1', 'B2', 'C1', 'C2']) WITH ORDINALITY lv(level, rank)
		WHERE lv.rank <= vd_level_rank(g->>'level')
		UNION ALL
		SELECT 'certificate:' || (c->>'code')
		FROM jsonb_array_elements(coalesce(doc->'certificates', '[]')) c
		WHERE vd_valid(c->>'valid_until', today)
		UNION ALL
		SELECT 'skill:' || s FROM jsonb_array_elements_text(coalesce(doc->'skills', '[]')) s
		UNION ALL
		SELECT 'experience:' || (e->>'occupation')
		FROM jsonb_array_elements(coalesce(doc->'experience', '[]')) e
	) held
$$;
