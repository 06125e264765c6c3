package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.EventType;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.jdbi.v3.core.Handle;

/**
 * Writer of {@code earnings_events}: the change's owner appends its events in the change's own
 * transaction, so an event exists exactly when its change committed, never for one rolled back.
 * Positions are given later, by the {@link EventDelivery} sequencer, once the events are committed.
 */
public final class Outbox {
    /** How many lanes a consumer's work is split into: up to this many instances work at once. */
    public static final int LANES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    /** An event to append. */
    public record NewEvent(String eventId, String type, String creatorId, int lane, Instant occurredAt, String payload) {
    }

    private static final ArrayColumns<NewEvent> EVENTS = new ArrayColumns<NewEvent>("e_")
            .add("event_id", "VARCHAR", NewEvent::eventId)
            .add("event_type", "VARCHAR", NewEvent::type)
            .add("creator_id", "VARCHAR", NewEvent::creatorId)
            .add("lane", "INTEGER", NewEvent::lane)
            .add("occurred_at", "TIMESTAMP WITH TIME ZONE", NewEvent::occurredAt)
            .add("payload", "VARCHAR", NewEvent::payload);

    private static final String INSERT = "INSERT INTO <t>earnings_events (" + EVENTS.names() + ") SELECT * FROM "
            + EVENTS.unnest("v");

    private final Clock clock;
    private final boolean useRecorded;

    /**
     * Creates the outbox.
     *
     * @param clock the clock for the events' times
     * @param useRecorded whether every recorded use is an event too
     */
    public Outbox(Clock clock, boolean useRecorded) {
        this.clock = clock;
        this.useRecorded = useRecorded;
    }

    /**
     * Whether recorded uses are events: the host turns it on, since it doubles recording's writes.
     *
     * @return whether {@link EventType#USE_RECORDED} is written
     */
    public boolean useRecorded() {
        return useRecorded;
    }

    /**
     * The lane of a creator: a stable hash of the id (the same in every process and version), so
     * that all of a creator's events are in one lane.
     *
     * @param creatorId the creator
     * @return 0 to {@link #LANES} - 1
     */
    public static int lane(String creatorId) {
        CRC32 crc = new CRC32();
        crc.update(creatorId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % LANES);
    }

    /**
     * An event of the change being made now, to append with {@link #append}.
     *
     * @param type what happened
     * @param creatorId the creator concerned
     * @param payload the payload's fields, in order (see {@link AuditLog#values})
     * @return the event
     */
    public NewEvent event(EventType type, String creatorId, Map<String, Object> payload) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return new NewEvent("evt_" + HEX.formatHex(id), type.wireName(), creatorId, lane(creatorId),
                clock.instant().truncatedTo(ChronoUnit.MICROS), AuditLog.json(payload));
    }

    /**
     * Appends one event in the change's transaction.
     *
     * @param h the change's transaction
     * @param type what happened
     * @param creatorId the creator concerned
     * @param payload the payload's fields
     */
    public void append(Handle h, EventType type, String creatorId, Map<String, Object> payload) {
        append(h, List.of(event(type, creatorId, payload)));
    }

    /**
     * Appends events in the change's transaction, in one statement, in the order given.
     *
     * @param h the change's transaction
     * @param events the events; nothing is done when empty
     */
    public void append(Handle h, List<NewEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        EVENTS.bind(h.createUpdate(INSERT), new ArrayList<>(events)).execute();
    }

}
