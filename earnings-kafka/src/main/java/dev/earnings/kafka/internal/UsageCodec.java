package dev.earnings.kafka.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.UsageRequest;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Set;

/**
 * A use as a Kafka record's value: a JSON object of version 1. The metadata travels as the
 * canonical JSON text the request holds ({@code metadataJson}), so it is never re-read as numbers
 * and comes back byte for byte. Every field is checked again on the way in: a record is input from
 * outside, whatever published it.
 */
public final class UsageCodec {
    /** The only version this library writes and reads. */
    public static final int VERSION = 1;
    private static final Set<String> FIELDS = Set.of("v", "eventId", "userId", "modelId", "tokensConsumed", "usageType",
            "occurredAt", "metadataJson");
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageCodec() {
    }

    /**
     * Writes a use that has its eventId and occurredAt.
     *
     * @param request the use
     * @return the record's value
     * @throws IllegalArgumentException if the eventId or occurredAt is missing
     */
    public static String encode(UsageRequest request) {
        ObjectNode node = JSON.createObjectNode();
        node.put("v", VERSION);
        node.put("eventId", request.eventId().orElseThrow(() -> new IllegalArgumentException("a published use has its eventId")));
        node.put("userId", request.userId());
        node.put("modelId", request.modelId());
        node.put("tokensConsumed", request.tokensConsumed());
        node.put("usageType", request.usageType());
        node.put("occurredAt", request.occurredAt()
                .orElseThrow(() -> new IllegalArgumentException("a published use has its occurredAt")).toString());
        request.metadataJson().ifPresent(m -> node.put("metadataJson", m));
        return node.toString();
    }

    /**
     * Reads a use.
     *
     * @param value the record's value
     * @return the use, with its eventId and occurredAt
     * @throws InvalidInputException naming the field, if the value is not a use of version 1
     */
    public static UsageRequest decode(String value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("value", "the record is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidInputException("value", "the record is not a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidInputException(name, "the record has a field '" + name + "' that a use of version "
                        + VERSION + " does not have");
            }
        }
        JsonNode v = node.get("v");
        if (v == null || !v.isInt() || v.intValue() != VERSION) {
            throw new InvalidInputException("v", "the record's version is " + v + "; allowed: " + VERSION);
        }
        JsonNode tokens = node.get("tokensConsumed");
        if (tokens == null || !tokens.isIntegralNumber() || !tokens.canConvertToLong()) {
            throw new InvalidInputException("tokensConsumed", "tokensConsumed is " + tokens + "; allowed: a whole number");
        }
        Instant occurredAt;
        try {
            occurredAt = Instant.parse(text(node, "occurredAt"));
        } catch (DateTimeException e) {
            throw new InvalidInputException("occurredAt", "occurredAt is not an ISO-8601 instant");
        }
        UsageRequest.Builder builder = UsageRequest.builder(text(node, "userId"), text(node, "modelId"))
                .eventId(text(node, "eventId")).tokensConsumed(tokens.longValue()).usageType(text(node, "usageType"))
                .occurredAt(occurredAt);
        JsonNode metadata = node.get("metadataJson");
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isTextual()) {
                throw new InvalidInputException("metadataJson", "metadataJson is not a JSON object's text");
            }
            builder.metadataJson(metadata.textValue());
        }
        return builder.build();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidInputException(field, field + " is " + (value == null ? "missing" : "not a string"));
        }
        return value.textValue();
    }
}
