/// The tables of publishing: the outbox, the relay's lease, and the partitions it published to.
/// Every publisher's database has them — each department's, and the aggregator's (for the roster,
/// and a second set for supervision).
public enum OutboxSchema {
    /// The outbox and the relay's lease: the departments' and the aggregator's (for the roster) alike.
    public static let outbox = outbox(.events)

    /// The partitions the relay published to (it notices a broker that lost them).
    public static let partitions = partitions(.events)

    /// Every table of an outbox named by `tables`.
    public static func create(_ tables: OutboxTables) -> String { outbox(tables) + partitions(tables) }

    static func outbox(_ tables: OutboxTables) -> String {
        """
        CREATE TABLE \(tables.outbox) (
            position bigserial PRIMARY KEY,
            event_id uuid NOT NULL UNIQUE,
            type text NOT NULL,
            subject text NOT NULL,
            time text NOT NULL,
            data jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            -- the event's `sequence`, given when it is first published (gap-free per source)
            sequence bigint UNIQUE,
            published_at timestamptz
        );
        CREATE INDEX \(tables.outbox)_unpublished ON \(tables.outbox) (position) WHERE published_at IS NULL;
        -- One relay publishes at a time: whoever holds the lease.
        CREATE TABLE \(tables.relay) (
            id integer PRIMARY KEY CHECK (id = 1),
            next_sequence bigint NOT NULL,
            leader text,
            lease_until timestamptz
        );
        INSERT INTO \(tables.relay) (id, next_sequence) VALUES (1, 1);

        """
    }

    static func partitions(_ tables: OutboxTables) -> String {
        """
        CREATE TABLE \(tables.partitions) (
            partition integer PRIMARY KEY,
            last_offset bigint NOT NULL
        );

        """
    }
}
