package dev.earnings.jdbc.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.earnings.core.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A request body read strictly: at most a given number of bytes, UTF-8, one JSON object, each key
 * once at every level, nothing after it, and fractions as exact decimals, never {@code double}.
 * Its fields are read with checks whose refusals name the field ({@link InvalidInputException},
 * which {@link HttpProblem} answers with a 400; a body over the limit is a
 * {@link BodyTooLargeException}, a 413).
 *
 * <p>A lenient reader would turn {@code "amount": 0.1} into a double, keep the last of two
 * {@code eventId}s, or ignore a misspelt field: each of which can pay a creator a different amount
 * than the client meant. A member can also be had as the JSON text the client sent
 * ({@link #raw(String)}), which is how metadata reaches the library: its own parser then rules on
 * it, with the library's limits and messages, instead of on a copy already read and written again.
 */
public final class JsonRequest {
    /** Deep enough for the library's metadata depth limit plus the body around it. */
    private static final int MAX_NESTING = 16;
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final String ALLOWED = "allowed: one JSON object in UTF-8, each key once, nothing after it";

    private final String text;
    private final JsonNode tree;

    private JsonRequest(String text, JsonNode tree) {
        this.text = text;
        this.tree = tree;
    }

    /**
     * Reads a body from a stream, never more than {@code maxBytes} and one byte of it.
     *
     * @param in the body
     * @param maxBytes the largest body accepted
     * @return the body
     * @throws BodyTooLargeException if the body is longer than {@code maxBytes}
     * @throws InvalidInputException naming the field {@code body}, if it is not one strict JSON object
     * @throws IOException if the stream fails
     */
    public static JsonRequest read(InputStream in, int maxBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, not " + maxBytes);
        }
        byte[] bytes = in.readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw new BodyTooLargeException(maxBytes);
        }
        return parse(bytes);
    }

    /**
     * Reads a body.
     *
     * @param bytes the body as received
     * @return the body
     * @throws InvalidInputException naming the field {@code body}, if it is not one strict JSON object
     */
    public static JsonRequest parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("body", "the body is not UTF-8; " + ALLOWED);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            // Told apart by type and place, never by Jackson's message, which may quote the input.
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String problem = e instanceof StreamConstraintsException ? "is nested too deeply or has too long a value"
                    : e instanceof MismatchedInputException ? "has content after the JSON object"
                    : "is not well-formed JSON or repeats a key";
            throw new InvalidInputException("body", "the body " + problem + where + "; " + ALLOWED);
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidInputException("body", "the body must be a JSON object; " + ALLOWED);
        }
        return new JsonRequest(text, tree);
    }

    /**
     * Refuses a field the request does not know, so a misspelt field is not silently lost.
     *
     * @param what what the body is, for the message ("a use")
     * @param allowed the fields a body of it may have
     * @return this body
     * @throws InvalidInputException naming the first unknown field
     */
    public JsonRequest onlyFields(String what, Collection<String> allowed) {
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new InvalidInputException(name, name + " is not a field of " + what + "; allowed: " + new TreeSet<>(allowed));
            }
        }
        return this;
    }

    /**
     * Whether the body has the field, even as {@code null}.
     *
     * @param field the field
     * @return true if it is there
     */
    public boolean has(String field) {
        return tree.has(field);
    }

    /**
     * The body's fields, in the order sent.
     *
     * @return their names
     */
    public Set<String> fields() {
        Set<String> names = new LinkedHashSet<>();
        tree.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * A required string field.
     *
     * @param field the field
     * @return its value
     * @throws InvalidInputException if it is absent, {@code null} or not a string
     */
    public String text(String field) {
        return optionalText(field).orElseThrow(() -> new InvalidInputException(field, field + " is required"));
    }

    /**
     * An optional string field.
     *
     * @param field the field
     * @return its value, or empty when absent or {@code null}
     * @throws InvalidInputException if it is not a string
     */
    public Optional<String> optionalText(String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new InvalidInputException(field, field + " must be a string");
        }
        return Optional.of(node.asText());
    }

    /**
     * A required whole number that fits a {@code long}; {@code 1.0} and {@code "1"} are refused.
     *
     * @param field the field
     * @return its value
     * @throws InvalidInputException if it is absent or not a whole number
     */
    public long wholeNumber(String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidInputException(field, field + " is required");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new InvalidInputException(field, field + " must be a whole number");
        }
        return node.asLong();
    }

    /**
     * An optional boolean.
     *
     * @param field the field
     * @param fallback the value when absent or {@code null}
     * @return its value
     * @throws InvalidInputException if it is not {@code true} or {@code false}
     */
    public boolean bool(String field, boolean fallback) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw new InvalidInputException(field, field + " must be true or false");
        }
        return node.asBoolean();
    }

    /**
     * An optional non-negative decimal sent as a JSON string ({@code "0.005"}): as a JSON number,
     * most clients would have made it a double before sending it.
     *
     * @param field the field
     * @return its value, or empty when absent or {@code null}
     * @throws InvalidInputException if it is a JSON number or not digits with an optional fraction
     */
    public Optional<BigDecimal> decimal(String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || !DECIMAL.matcher(node.asText()).matches()) {
            throw new InvalidInputException(field, field + " must be a decimal in a string, digits with an optional fraction,"
                    + " as in \"0.005\"; a JSON number is refused, since most clients read it as floating point");
        }
        return Optional.of(new BigDecimal(node.asText()));
    }

    /**
     * The JSON text of a top-level member's value, exactly as sent.
     *
     * @param name the member
     * @return its value's text, or empty if the member is absent or {@code null}
     */
    public Optional<String> raw(String name) {
        JsonNode value = tree.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        // Hand-written because Jackson's tree keeps no source offsets: the parser is run again and
        // the value's text cut from between its first and last token.
        try (JsonParser parser = MAPPER.createParser(text)) {
            parser.nextToken(); // the object, which parse() has checked
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean wanted = parser.currentName().equals(name);
                JsonToken token = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                if (token.isStructStart()) {
                    parser.skipChildren();
                } else {
                    parser.finishToken();
                }
                if (wanted) {
                    int end = token.isStructStart() ? (int) parser.currentTokenLocation().getCharOffset() + 1
                            : (int) parser.currentLocation().getCharOffset();
                    return Optional.of(text.substring(start, end));
                }
            }
        } catch (IOException e) {
            // parse() read the same text without error, so a second read cannot fail.
            throw new UncheckedIOException("the body could not be read a second time", e);
        }
        throw new IllegalStateException("the member " + name + " is in the tree but was not found in the text");
    }

    /**
     * Whether the field holds a JSON object (for a field such as metadata that must be one).
     *
     * @param field the field
     * @return true if it is present and an object
     */
    public boolean isObject(String field) {
        JsonNode node = tree.get(field);
        return node != null && node.isObject();
    }

    @Override
    public String toString() {
        // Never the values: a body may hold prompts or personal data.
        return "JsonRequest" + fields();
    }
}
