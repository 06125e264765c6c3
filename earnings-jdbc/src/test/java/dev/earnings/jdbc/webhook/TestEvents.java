package dev.earnings.jdbc.webhook;

import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The events and secrets the webhook tests send. */
final class TestEvents {
    /** A secret of exactly the shortest length allowed, 32 bytes. */
    static final byte[] SECRET = "webhook-test-secret-of-32-bytes!".getBytes(StandardCharsets.US_ASCII);

    /** Another secret of 32 bytes: the one a rotation replaces. */
    static final byte[] PREVIOUS_SECRET = "previous-webhook-secret-32-bytes".getBytes(StandardCharsets.US_ASCII);

    static final String PAYOUT_PAYLOAD = "{\"payoutId\":\"pay_7\",\"amount\":\"25.00\",\"currency\":\"USD\","
            + "\"status\":\"COMPLETED\",\"reference\":\"2026-03-ada\",\"actor\":\"ops-anna\",\"reason\":\"wire 7731\"}";

    private TestEvents() {
    }

    /** A completed payout of $25.00, the event of the pinned signature. */
    static EarningsEvent payoutCompleted() {
        return event(EventType.PAYOUT_COMPLETED, PAYOUT_PAYLOAD);
    }

    static EarningsEvent event(EventType type, String payload) {
        return new EarningsEvent("evt_0123456789abcdef0123456789abcdef", type, "creator-ada",
                Instant.parse("2026-04-01T09:30:00.123456Z"), 42, payload);
    }
}
