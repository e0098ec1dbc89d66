import Postgres
import Publishing

/// The tables every department service keeps in its own database: records with their history,
/// the outbox, idempotency keys, and the local copy of the roster.
public enum IntakeSchema {
    public static let migrations: [Migration] = [
        Migration(
            1, "records and history",
            """
            CREATE TABLE records (
                id uuid PRIMARY KEY,
                entity text NOT NULL,
                subject text NOT NULL,
                county text NOT NULL,
                status text NOT NULL,
                -- when the fact happened in the world, and when it is due (hazards, problems)
                occurred_at timestamptz NOT NULL,
                deadline timestamptz,
                -- the record's fields as its registering event carries them
                data jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX records_by_subject ON records (entity, subject);
            CREATE INDEX records_by_status ON records (entity, status, deadline);
            CREATE INDEX records_by_county ON records (entity, county);
            CREATE TABLE record_history (
                id bigserial PRIMARY KEY,
                record_id uuid NOT NULL REFERENCES records (id),
                action text NOT NULL,
                status text NOT NULL,
                actor text NOT NULL,
                occurred_at timestamptz NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                details jsonb NOT NULL
            );
            CREATE INDEX record_history_by_record ON record_history (record_id, id);
            """),
        Migration(2, "outbox", OutboxSchema.outbox),
        Migration(
            3, "idempotency keys",
            """
            CREATE TABLE idempotency_keys (
                principal text NOT NULL,
                key text NOT NULL,
                request_hash bytea NOT NULL,
                status integer NOT NULL,
                body bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (principal, key)
            );
            """),
        Migration(
            4, "roster",
            """
            CREATE TABLE roster (
                code text PRIMARY KEY,
                name text NOT NULL,
                type text NOT NULL,
                county text NOT NULL,
                township text,
                active boolean NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE roster_offsets (
                topic text NOT NULL,
                partition integer NOT NULL,
                next_offset bigint NOT NULL,
                PRIMARY KEY (topic, partition)
            );
            """),
        Migration(5, "outbox partitions", OutboxSchema.partitions),
    ]

    /// The last offset acknowledged on each partition of the relay's topic: a restarted relay still
    /// knows where it published, to notice a broker that lost those partitions.

}
