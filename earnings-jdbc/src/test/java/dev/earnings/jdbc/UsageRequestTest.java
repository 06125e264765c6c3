package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidInputException;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The public constructor refuses every null with an {@link InvalidInputException} naming the field. */
class UsageRequestTest {
    private static final Optional<String> NO_METADATA = Optional.empty();
    private static final Optional<String> NO_EVENT_ID = Optional.empty();
    private static final Optional<Instant> NOW = Optional.empty();

    private static void assertRefused(Runnable construction, String field, String message) {
        assertThatThrownBy(construction::run)
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", field)
                .hasMessage(message);
    }

    @Test
    void nullMetadataJson_isInvalidInputNamingTheField() {
        assertRefused(() -> new UsageRequest("u1", "m1", 5, "chat", null, NO_EVENT_ID, NOW), "metadataJson",
                "metadataJson is missing; allowed: an Optional holding a JSON object, or Optional.empty() for no"
                        + " metadata");
    }

    @Test
    void nullEventId_isInvalidInputNamingTheField() {
        assertRefused(() -> new UsageRequest("u1", "m1", 5, "chat", NO_METADATA, null, NOW), "eventId",
                "eventId is missing; allowed: an Optional holding 1 to 128 printable characters, or"
                        + " Optional.empty() for the library to assign one");
    }

    @Test
    void nullOccurredAt_isInvalidInputNamingTheField() {
        assertRefused(() -> new UsageRequest("u1", "m1", 5, "chat", NO_METADATA, NO_EVENT_ID, null), "occurredAt",
                "occurredAt is missing; allowed: an Optional holding an instant within the library's window, or"
                        + " Optional.empty() for now");
    }

    @Test
    void nullIdsAndUsageType_areInvalidInputNamingTheField() {
        assertThatThrownBy(() -> new UsageRequest(null, "m1", 5, "chat", NO_METADATA, NO_EVENT_ID, NOW))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "userId")
                .hasMessageStartingWith("userId is required;");
        assertThatThrownBy(() -> new UsageRequest("u1", null, 5, "chat", NO_METADATA, NO_EVENT_ID, NOW))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "modelId")
                .hasMessageStartingWith("modelId is required;");
        assertThatThrownBy(() -> new UsageRequest("u1", "m1", 5, null, NO_METADATA, NO_EVENT_ID, NOW))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "usageType")
                .hasMessageStartingWith("usageType is missing;");
    }

    @Test
    void everythingNull_reportsTheFirstFieldInParameterOrder() {
        assertThatThrownBy(() -> new UsageRequest(null, null, 0, null, null, null, null))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "userId");
        assertThatThrownBy(() -> new UsageRequest("u1", "m1", 0, "chat", null, null, null))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "metadataJson");
        assertThatThrownBy(() -> new UsageRequest("u1", "m1", 0, "chat", NO_METADATA, null, null))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "eventId");
    }

    @Test
    void presentValues_areCheckedAndCanonicalized() {
        UsageRequest request = new UsageRequest("u1", "m1", 5, "chat", Optional.of("{\"b\": 1, \"a\": \"x\"}"),
                Optional.of("e-1"), Optional.of(Instant.parse("2026-01-02T03:04:05.123456789Z")));
        assertThat(request.metadataJson()).contains("{\"a\":\"x\",\"b\":1}");
        assertThat(request.eventId()).contains("e-1");
        assertThat(request.occurredAt()).contains(Instant.parse("2026-01-02T03:04:05.123456Z"));

        assertThatThrownBy(() -> new UsageRequest("u1", "m1", 5, "chat", NO_METADATA, Optional.of(" "), NOW))
                .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "eventId");
    }

    @Test
    void emptyOptionals_stayEmpty() {
        UsageRequest request = new UsageRequest("u1", "m1", 0, "chat", NO_METADATA, NO_EVENT_ID, NOW);
        assertThat(request.metadataJson()).isEmpty();
        assertThat(request.eventId()).isEmpty();
        assertThat(request.occurredAt()).isEmpty();
        // An empty JSON object is no metadata.
        assertThat(new UsageRequest("u1", "m1", 0, "chat", Optional.of("{}"), NO_EVENT_ID, NOW).metadataJson())
                .isEmpty();
    }

    /** Guards: a host that logs a request or a recorded use logs neither the user id nor the metadata. */
    @Test
    void toString_showsNoUserIdAndNoMetadata() {
        UsageRequest request = UsageRequest.builder("alice@example.com", "m1").usageType("chat").tokensConsumed(12)
                .metadata(java.util.Map.of("prompt", "a secret about zebras")).eventId("e-1").build();
        org.assertj.core.api.Assertions.assertThat(request.toString())
                .isEqualTo("UsageRequest[userId=<17 characters>, modelId=m1, tokensConsumed=12, usageType=chat,"
                        + " metadata=<34 characters>, eventId=e-1, occurredAt=now]");
        try (Earnings earnings = Earnings.builder().jdbcUrl("jdbc:h2:mem:tostring_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1",
                "sa", "").build()) {
            earnings.models().register("m1", "c1", dev.earnings.core.ModelPricing.of("0.01", "0"));
            RecordedUse use = earnings.logModelUsage(request);
            org.assertj.core.api.Assertions.assertThat(use.toString()).contains("userId=<17 characters>")
                    .contains("eventId=e-1").doesNotContain("alice").doesNotContain("zebras");
        }
    }
}
