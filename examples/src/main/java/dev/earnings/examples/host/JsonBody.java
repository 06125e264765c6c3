package dev.earnings.examples.host;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A request body read strictly: UTF-8, one JSON object, each key once at every level, nothing
 * after it, and fractions as exact decimals, never {@code double}.
 *
 * <p>A member can also be had as the JSON text the client sent ({@link #raw(String)}), which is how
 * the metadata reaches the library: its own parser then rules on it, with the library's limits and
 * messages, instead of on a copy the app has already read and written again.
 */
final class JsonBody {
    /** Deep enough for the library's metadata depth limit plus the body around it. */
    private static final int MAX_NESTING = 16;

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

    private JsonBody(String text, JsonNode tree) {
        this.text = text;
        this.tree = tree;
    }

    /**
     * Reads a body.
     *
     * @param bytes the body as received
     * @return the body
     * @throws HttpError 400 naming the field {@code body}, if it is not one strict JSON object
     */
    static JsonBody parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "body", "the body is not UTF-8; " + ALLOWED);
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
            throw new HttpError(400, "body", "the body " + problem + where + "; " + ALLOWED);
        }
        if (tree == null || !tree.isObject()) {
            throw new HttpError(400, "body", "the body must be a JSON object; " + ALLOWED);
        }
        return new JsonBody(text, tree);
    }

    /** The parsed object. */
    JsonNode tree() {
        return tree;
    }

    /**
     * The JSON text of a top-level member's value, exactly as sent.
     *
     * @param name the member
     * @return its value's text, or empty if the member is absent or {@code null}
     */
    Optional<String> raw(String name) {
        JsonNode value = tree.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
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
}
