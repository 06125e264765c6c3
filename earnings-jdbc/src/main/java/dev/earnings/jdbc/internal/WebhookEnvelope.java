package dev.earnings.jdbc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.earnings.jdbc.EarningsEvent;
import dev.earnings.jdbc.EventType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The body of a webhook request: one JSON object holding the event,
 * {@code {"id":…,"type":…,"creatorId":…,"occurredAt":…,"position":…,"data":{…}}}, in that order,
 * compact, UTF-8. {@code type} is the wire name, {@code occurredAt} ISO-8601 in UTC, and
 * {@code data} the event's payload as the JSON object it is, written byte for byte as stored, so
 * that amounts held as strings reach the receiver exactly as recorded.
 *
 * <p>Reading takes the same shape back, with {@code data} cut out of the body as it stands, so an
 * event read from a body equals the event it was written from. Fields it does not know are
 * skipped, so that a later version may add to the envelope. Failures say what was wrong, never
 * what the body held.
 */
public final class WebhookEnvelope {
    private static final JsonFactory JSON = new JsonFactoryBuilder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .build();

    private WebhookEnvelope() {
    }

    /**
     * The body that carries an event.
     *
     * @param event the event
     * @return the envelope as UTF-8 bytes
     * @throws IllegalArgumentException if the event's payload is not one JSON object
     */
    public static byte[] write(EarningsEvent event) {
        requireObject(event.payload());
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + event.payload().length());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", event.id());
            json.writeStringField("type", event.type().wireName());
            json.writeStringField("creatorId", event.creatorId());
            json.writeStringField("occurredAt", event.occurredAt().toString());
            json.writeNumberField("position", event.position());
            json.writeFieldName("data");
            json.writeRawValue(event.payload());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The event a body carries.
     *
     * @param body the envelope as UTF-8 bytes
     * @return the event, its payload the body's {@code data} as written
     * @throws IllegalArgumentException if the body is not an envelope of a known event type; the
     *     message names the field at fault
     */
    public static EarningsEvent read(byte[] body) {
        String id = null;
        String type = null;
        String creatorId = null;
        String occurredAt = null;
        Long position = null;
        String data = null;
        try (JsonParser json = JSON.createParser(body)) {
            expect(json.nextToken() == JsonToken.START_OBJECT, "the body is not a JSON object");
            for (JsonToken token = json.nextToken(); token == JsonToken.FIELD_NAME; token = json.nextToken()) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "id" -> id = text(json, value, field);
                    case "type" -> type = text(json, value, field);
                    case "creatorId" -> creatorId = text(json, value, field);
                    case "occurredAt" -> occurredAt = text(json, value, field);
                    case "position" -> {
                        expect(value == JsonToken.VALUE_NUMBER_INT && json.getNumberType() != JsonParser.NumberType.BIG_INTEGER,
                                "position is not a whole number of at most 64 bits");
                        position = json.getLongValue();
                    }
                    case "data" -> {
                        expect(value == JsonToken.START_OBJECT, "data is not a JSON object");
                        int start = (int) json.currentTokenLocation().getByteOffset();
                        json.skipChildren();
                        int end = (int) json.currentTokenLocation().getByteOffset() + 1;
                        data = new String(body, start, end - start, StandardCharsets.UTF_8);
                    }
                    default -> json.skipChildren();
                }
            }
            expect(json.currentToken() == JsonToken.END_OBJECT && json.nextToken() == null,
                    "the body is not one JSON object");
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not well-formed JSON");
        }
        EventType eventType;
        try {
            eventType = EventType.ofWireName(present(type, "type"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("type is not an event type this version knows", e);
        }
        Instant occurred;
        try {
            occurred = Instant.parse(present(occurredAt, "occurredAt"));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("occurredAt is not an ISO-8601 instant", e);
        }
        return new EarningsEvent(present(id, "id"), eventType, present(creatorId, "creatorId"), occurred,
                present(position, "position"), present(data, "data"));
    }

    private static void requireObject(String payload) {
        try (JsonParser json = JSON.createParser(payload)) {
            expect(json.nextToken() == JsonToken.START_OBJECT, "the event's payload is not a JSON object");
            json.skipChildren();
            expect(json.nextToken() == null, "the event's payload is not one JSON object");
        } catch (IOException e) {
            throw new IllegalArgumentException("the event's payload is not well-formed JSON");
        }
    }

    private static String text(JsonParser json, @Nullable JsonToken value, String field) throws IOException {
        expect(value == JsonToken.VALUE_STRING, field + " is not a string");
        return json.getText();
    }

    private static <T> T present(@Nullable T value, String field) {
        expect(value != null, field + " is missing");
        return value;
    }

    private static void expect(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }
}
