import Intake
import Postgres

/// The aggregator's database: the roster it owns, every applied event (facts, with the time of
/// the fact and the time it was recorded, so any figure can be asked as of a date and as known at
/// a date), the consumed offsets (stored with the facts), the quarantine, and the roster outbox.
enum AggregatorSchema {
    static let migrations: [Migration] = [
        Migration(1, "subjects", """
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
            """),
        Migration(2, "facts and offsets", """
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
                data jsonb NOT NULL
            );
            CREATE INDEX facts_by_record ON facts (record_id);
            CREATE INDEX facts_by_subject ON facts (subject);
            CREATE INDEX facts_by_type_time ON facts (type, occurred_at);
            -- The next offset to read per partition, written in the same transaction as the facts.
            CREATE TABLE consumer_offsets (
                topic text NOT NULL,
                partition integer NOT NULL,
                next_offset bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (topic, partition)
            );
            -- Every sequence number seen per source (applied or quarantined): gaps are what is missing.
            CREATE TABLE seen_sequences (
                source text NOT NULL,
                sequence bigint NOT NULL,
                PRIMARY KEY (source, sequence)
            );
            """),
        Migration(3, "quarantine", """
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
    ] + [IntakeSchema.migrations[1]].map { Migration(4, "roster outbox", $0.sql) }
}
