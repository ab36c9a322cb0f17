-- Second half of the PostgreSQL baseline's load (see schema.sql), with
--   psql -v today=YYYYMMDD -f load.sql
-- Each profile's document id is its line number, as in vaardig after a first
-- import into an empty store, so both break ties the same way.
\set ON_ERROR_STOP on

-- What ranking needs, as vaardig keeps it: the position as float4 (own
-- location, else the municipality's point), hours as float4, availability
-- as YYYYMMDD, the municipality's CBS code.
CREATE TABLE jobseekers AS
SELECT r.docid, r.doc->>'id' AS id, vd_held(r.doc, :today) AS held,
       coalesce((r.doc->'location'->>'lat')::real, p.lat::real) AS lat,
       coalesce((r.doc->'location'->>'lon')::real, p.lon::real) AS lon,
       (r.doc->>'hours_per_week')::real AS hours,
       replace(r.doc->>'available_from', '-', '')::int AS available,
       p.code AS municipality,
       r.doc
FROM raw r LEFT JOIN places p ON p.name = r.doc->>'municipality'
ORDER BY r.docid;
DROP TABLE raw;

ALTER TABLE jobseekers ADD PRIMARY KEY (docid);
CREATE INDEX jobseekers_held ON jobseekers USING gin (held);
-- For the bounding box that narrows a distance query before the exact test.
CREATE INDEX jobseekers_lat ON jobseekers (lat);
VACUUM ANALYZE jobseekers;
