import ComplianceRules
import Postgres
import Publishing

/// The aggregator's database: the roster it owns, every applied event (facts, with the time of
/// the fact and the time it was recorded, so any figure can be asked as of a date and as known at
/// a date), the consumed offsets (stored with the facts), the quarantine, the roster outbox, and
/// the incrementally maintained view (record states, breaches per subject and year, figures).
enum AggregatorSchema {
    static let migrations: [Migration] =
        [
            Migration(
                1, "subjects",
                """
                CREATE TABLE subjects (
                    code text PRIMARY KEY,
                    name text NOT NULL,
                    type text NOT NULL,
                    county text NOT NULL,
                    township text,
                    active boolean NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX subjects_by_county ON subjects (county, type) WHERE active;
                -- Every version of every subject, so figures as known at a past time see the roster as it was then.
                CREATE TABLE subject_versions (
                    id bigserial PRIMARY KEY,
                    code text NOT NULL,
                    type text NOT NULL,
                    county text NOT NULL,
                    active boolean NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX subject_versions_by_code ON subject_versions (code, recorded_at);
                """),
            Migration(
                2, "facts and offsets",
                """
                -- One row per applied event: the fields the figures use, typed, and the event as received.
                CREATE TABLE facts (
                    event_id uuid PRIMARY KEY,
                    source text NOT NULL,
                    sequence bigint NOT NULL,
                    type text NOT NULL,
                    entity text NOT NULL,
                    record_id uuid NOT NULL,
                    subject text NOT NULL,
                    county text NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now(),
                    category text,
                    persons integer,
                    channel text,
                    origin text,
                    lodged_level text,
                    collective boolean,
                    level text,
                    deaths integer,
                    injuries integer,
                    kind text,
                    major_impact boolean,
                    deadline timestamptz,
                    event text NOT NULL
                );
                CREATE INDEX facts_by_subject ON facts (subject);
                -- The next offset to read per partition, written in the same transaction as the facts.
                CREATE TABLE consumer_offsets (
                    topic text NOT NULL,
                    partition integer NOT NULL,
                    next_offset bigint NOT NULL,
                    high_watermark bigint,          -- as the consumer last saw it: lag = high_watermark - next_offset
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (topic, partition)
                );
                -- Runs of sequence numbers seen per source (applied or quarantined): gaps are what lies between.
                CREATE TABLE sequence_runs (
                    source text NOT NULL,
                    first bigint NOT NULL,
                    last bigint NOT NULL
                );
                CREATE INDEX sequence_runs_by_source ON sequence_runs (source, first);
                """),
            Migration(
                3, "quarantine",
                """
                CREATE TABLE quarantine (
                    id bigserial PRIMARY KEY,
                    topic text NOT NULL,
                    partition integer NOT NULL,
                    "offset" bigint NOT NULL,
                    reason text NOT NULL,
                    -- unknown_subject events are applied once the subject is on the roster
                    kind text NOT NULL,
                    subject text,
                    raw bytea NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    released_at timestamptz,
                    UNIQUE (topic, partition, "offset")
                );
                CREATE INDEX quarantine_waiting ON quarantine (subject) WHERE kind = 'unknown_subject' AND released_at IS NULL;
                """),
            Migration(4, "roster outbox", OutboxSchema.outbox),
            Migration(
                5, "maintained view",
                """
                -- Each record (petition, dispute, hazard, accident, case, public-security problem) as all
                -- its facts so far make it: merged per new fact, whatever order the facts arrive in.
                CREATE TABLE record_state (
                    record_id uuid PRIMARY KEY,
                    entity text,                    -- null until the registering fact has arrived
                    subject text NOT NULL,
                    county text NOT NULL,
                    year integer,                   -- China Standard Time year of registration
                    registered_at timestamptz,
                    registered_event uuid,
                    deadline timestamptz,
                    persons integer,
                    online boolean,
                    origin text,
                    breach text,                    -- the zero it breaches: petition, accident, case, or null
                    criminal boolean,
                    proxy_level integer NOT NULL DEFAULT 0,  -- highest proxy: 1 village … 4 city
                    resolved_at timestamptz,
                    voided_at timestamptz,
                    due_at timestamptz              -- problems: deadline, or registration + the default days
                );
                -- Open problems by when they fall due: the counters hold whole months, this index the month in progress.
                CREATE INDEX record_state_open_problems ON record_state (year, due_at) INCLUDE (county, entity)
                    WHERE entity IN \(ProblemKind.entitiesSQL) AND resolved_at IS NULL AND voided_at IS NULL;
                CREATE INDEX record_state_compared ON record_state (registered_at)
                    WHERE entity = 'petition' OR entity = 'accident' OR (entity = 'case' AND criminal);
                -- Live breaching records per subject and year: a subject is compliant in a year with none.
                CREATE TABLE subject_year (
                    subject text NOT NULL,
                    year integer NOT NULL,
                    petition integer NOT NULL,
                    accident integer NOT NULL,
                    "case" integer NOT NULL,
                    PRIMARY KEY (subject, year)
                );
                -- Counters per registration year and county (year 0: the roster's active subjects).
                CREATE TABLE figures (
                    year integer NOT NULL,
                    county text NOT NULL,
                    metric text NOT NULL,
                    value bigint NOT NULL,
                    PRIMARY KEY (year, county, metric)
                );
                -- Per department feed: the newest fact time, when the feed last moved the view, how many facts.
                -- Maintained figures answer for any asOf at or after the newest fact of all feeds.
                CREATE TABLE feeds (
                    source text PRIMARY KEY,
                    newest_fact timestamptz NOT NULL,
                    last_applied_at timestamptz NOT NULL,
                    facts bigint NOT NULL
                );
                -- Conservation checks: the latest result of each.
                CREATE TABLE conservation_checks (
                    name text PRIMARY KEY,
                    ok boolean NOT NULL,
                    detail text NOT NULL,
                    checked_at timestamptz NOT NULL
                );
                -- Rankings the office saved (排名通报): the next ranking shows each county's change since the latest.
                CREATE TABLE saved_rankings (
                    id bigserial PRIMARY KEY,
                    as_of timestamptz NOT NULL,
                    saved_at timestamptz NOT NULL DEFAULT now(),
                    saved_by text NOT NULL,
                    content_hash text NOT NULL,
                    ranking jsonb NOT NULL
                );
                """),
            Migration(6, "views for BI tools", biViews),
            Migration(7, "roster outbox partitions", OutboxSchema.partitions),
            // The subject page reads a subject's breaching registrations and voids (~6 % of the facts
            // in a simulated year); indexing every fact by subject cost a replay ~4 µs per event.
            Migration(
                8, "subject page index",
                """
                DROP INDEX facts_by_subject;
                CREATE INDEX facts_behind_breaches ON facts (subject) WHERE \(Zero.behindBreachesSQL);
                """),
            // A batch's sequence numbers were ~2,500 rows of runs (partitions interleave); now one
            // multirange per source and batch.
            Migration(
                9, "sequence numbers as multiranges",
                """
                CREATE TABLE sequence_seen (source text NOT NULL, seen int8multirange NOT NULL);
                INSERT INTO sequence_seen (source, seen)
                    SELECT source, range_agg(int8range(first, last, '[]')) FROM sequence_runs GROUP BY source;
                DROP TABLE sequence_runs;
                """),
            // The counters change in place every batch: room on each page lets an update stay on its
            // page without a new index entry (a HOT update). `facts` only grows: vacuums triggered by
            // its inserts (every 20 % of growth) took ~7 % of the machine during a province replay and
            // serve no query (none reads it index-only); anti-wraparound vacuums still freeze it.
            Migration(
                10, "room for counter updates; no insert-driven vacuum of facts",
                """
                ALTER TABLE figures SET (fillfactor = 50);
                ALTER TABLE subject_year SET (fillfactor = 70);
                ALTER TABLE facts SET (autovacuum_vacuum_insert_threshold = -1);
                """),
            // A batch's multirange holds thousands of runs (partitions interleave a source's numbers):
            // compressing it took half the time of storing it; compaction makes the stored ones small.
            Migration(
                11, "sequence multiranges stored uncompressed",
                """
                ALTER TABLE sequence_seen ALTER COLUMN seen SET STORAGE EXTERNAL;
                """),
            // A broker that lost its log gives its offsets out again: keyed by offset, a different
            // message at a reused offset was dropped. Now a message is known by its topic and its
            // bytes' SHA-256 (an event delivered again is kept once), and its event id is kept where it has one.
            Migration(
                12, "quarantine keyed by message",
                """
                ALTER TABLE quarantine ADD COLUMN event_id text, ADD COLUMN digest bytea;
                UPDATE quarantine SET digest = sha256(raw);
                DELETE FROM quarantine q USING quarantine older WHERE q.topic = older.topic AND q.digest = older.digest AND q.id > older.id;
                ALTER TABLE quarantine ALTER COLUMN digest SET NOT NULL, DROP CONSTRAINT quarantine_topic_partition_offset_key;
                CREATE UNIQUE INDEX quarantine_by_message ON quarantine (topic, digest);
                CREATE INDEX quarantine_unknown_types ON quarantine (id) WHERE kind = 'unknown_type' AND released_at IS NULL;
                """),
            // Offsets a consumer found below the log's start (retention, a restore of an old backup):
            // their events can no longer be read; `/quality` lists them.
            Migration(
                13, "offsets that can no longer be read",
                """
                CREATE TABLE offsets_unreadable (
                    topic text NOT NULL,
                    partition integer NOT NULL,
                    from_offset bigint NOT NULL,
                    to_offset bigint NOT NULL,      -- exclusive: the log's first offset then
                    noticed_at timestamptz NOT NULL DEFAULT now()
                );
                """),
            // Who changed a subject, how, and what it then was (name and township too). A table of its
            // own: `subject_versions` stays as narrow as the reads that need it — every as-of
            // recomputation reads it whole, and the consumer follows it before each batch.
            Migration(
                14, "roster changes say who made them",
                """
                CREATE TABLE subject_changes (
                    version_id bigint PRIMARY KEY REFERENCES subject_versions (id),
                    name text NOT NULL,
                    township text,
                    changed_by text NOT NULL,
                    changed_via text NOT NULL       -- api, import, command_line, system
                );
                """),
            Migration(15, "four levels: the division directory and townships", townships),
            // Summing ~1,300 townships' counters per query made the city's and the counties' figures
            // three times slower to read than before the townships: each level has its own counters now.
            Migration(16, "counters at every level", countersAtEveryLevel),
            Migration(
                17, "where subjects are, for the map",
                """
                ALTER TABLE subjects ADD COLUMN lon double precision, ADD COLUMN lat double precision;
                ALTER TABLE subject_changes ADD COLUMN lon double precision, ADD COLUMN lat double precision;
                """),
        ]
}
