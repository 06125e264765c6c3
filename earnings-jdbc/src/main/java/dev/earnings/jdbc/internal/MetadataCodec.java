package dev.earnings.jdbc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.earnings.core.InvalidInputException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates usage metadata and turns it into the one canonical JSON string that is stored.
 *
 * <p>The contract: metadata is a JSON object; its top-level {@code prompt} string is cut to
 * {@value #PROMPT_CODE_POINTS} Unicode code points; after that cut the serialized form may be at
 * most {@value #MAX_BYTES} bytes of UTF-8 and at most {@value #MAX_DEPTH} levels deep (the
 * top-level object is level 1, every nested object or array adds one). Every rejection is an
 * {@link InvalidInputException} for the field {@code metadata}; messages name the offending key
 * path and never echo the value.
 *
 * <p>The canonical form exists because idempotent replays compare stored metadata byte for byte,
 * so the same metadata must always give the same string:
 * <ul>
 *   <li>compact JSON (no whitespace), object keys sorted recursively by {@link String#compareTo};
 *   <li>no binary floating point anywhere: {@code Double}/{@code Float} values are rejected and
 *       JSON fractions are read as exact {@link BigDecimal}s;
 *   <li>numbers are written exactly as given, never with an exponent: a {@link BigDecimal} keeps
 *       its scale (trailing zeros are not stripped, {@code 1.50} stays {@code 1.50}), while an
 *       exponent is written out in full ({@code 1.5e3} becomes {@code 1500});
 *   <li>a number's written-out form may be at most {@value #MAX_NUMBER_CHARS} characters, the
 *       same limit the parser applies, so every stored string can be read back
 *       ({@code 1e400} is rejected rather than stored as 401 digits);
 *   <li>strings and keys must be well-formed Unicode (no unpaired surrogates), so that the UTF-8
 *       byte count is exact and any database can store them faithfully.
 * </ul>
 */
public final class MetadataCodec {
    /** The largest canonical metadata, in bytes of UTF-8, after the prompt is cut. */
    public static final int MAX_BYTES = 8192;

    /** The deepest nesting allowed; the top-level object is level 1. */
    public static final int MAX_DEPTH = 10;

    /** The top-level {@code prompt} string is cut to this many Unicode code points. */
    public static final int PROMPT_CODE_POINTS = 100;

    private static final String FIELD = "metadata";
    private static final String PROMPT_KEY = "prompt";

    /** Raw JSON may exceed {@link #MAX_BYTES} (a long prompt is cut), but not this. */
    private static final int MAX_INPUT_CHARS = 1_000_000;

    /** Longest number, written without exponent; also the parser's number-token limit. */
    private static final int MAX_NUMBER_CHARS = 100;

    /** No 100-character number needs more bits than this; a cheap guard before toString. */
    private static final int MAX_NUMBER_BITS = 340;

    /**
     * The parser's own stack guard. The real rule ({@link #MAX_DEPTH}) is checked on the parsed
     * value so that its message names the path; this only stops absurd input early.
     */
    private static final int PARSER_MAX_NESTING = 32;

    /** Keys longer than this are shortened when a message names a path. */
    private static final int MAX_KEY_CHARS_IN_MESSAGE = 40;

    private static final String ALLOWED_TYPES = "null, String, Boolean, Integer, Long, Short, Byte, BigInteger,"
            + " BigDecimal, Map with String keys (an object) or List/Collection (an array)";

    private static final String SIZE_RULE = "at most " + MAX_BYTES + " bytes of UTF-8 JSON (after " + PROMPT_KEY
            + " is cut to " + PROMPT_CODE_POINTS + " code points)";

    private static final String DEPTH_RULE = "at most " + MAX_DEPTH
            + " levels of nested objects and arrays, the top-level object being level 1";

    /**
     * A private mapper: strict JSON only (no NaN/Infinity, comments or single quotes, which are
     * Jackson's defaults and stated here for the reader), duplicate keys and trailing content
     * rejected, fractions read as exact {@link BigDecimal}s, {@link BigDecimal}s written without
     * exponent, and parser limits that are this codec's own. Global Jackson defaults are never
     * touched.
     */
    private static final JsonMapper MAPPER = createMapper();

    private MetadataCodec() {}

    /**
     * Validates metadata given as a map and returns its canonical JSON, so that callers of the
     * Java API and callers that pass JSON text are held to exactly the same rules.
     *
     * @param metadata the metadata; values may be null, String, Boolean, Integer, Long, Short,
     *     Byte, BigInteger, BigDecimal, Map with String keys or List/Collection, nested
     * @return the canonical JSON, or {@code null} for a null or empty map (no metadata)
     * @throws InvalidInputException if a value has another type (notably {@code Double} or
     *     {@code Float}), or the metadata is too big or too deep
     */
    public static String fromMap(Map<String, ?> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return null;
        }
        return encode(metadata);
    }

    /**
     * Parses metadata given as JSON text and returns its canonical JSON, so that the same
     * metadata always gives the same stored string whatever its whitespace or key order.
     *
     * @param json the JSON text of one object; at most 1,000,000 characters
     * @return the canonical JSON, or {@code null} for null, blank or {@code {}} input (no metadata)
     * @throws InvalidInputException if the text is not strict JSON, not an object, has duplicate
     *     keys or trailing content, or the metadata is too big or too deep
     */
    public static String fromJson(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        if (json.length() > MAX_INPUT_CHARS) {
            throw invalid(FIELD + " is " + json.length() + " characters of JSON text; allowed: at most "
                    + MAX_INPUT_CHARS + " characters of input, and " + SIZE_RULE);
        }
        Object parsed;
        try {
            parsed = MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw translate(e);
        }
        if (!(parsed instanceof Map)) {
            throw invalid(FIELD + " must be a JSON object, not " + describeJsonType(parsed)
                    + "; allowed: a JSON object such as {\"" + PROMPT_KEY + "\":\"...\"}");
        }
        Map<?, ?> map = (Map<?, ?>) parsed;
        if (map.isEmpty()) {
            return null;
        }
        return encode(map);
    }

    /**
     * Reads a stored canonical string back, so that hosts see their metadata as plain Java values
     * that cannot be changed behind the store's back.
     *
     * @param canonicalJson a string returned by {@link #fromMap} or {@link #fromJson}, or null
     * @return an unmodifiable map in canonical key order (nested maps and lists unmodifiable too;
     *     numbers as Integer, Long, BigInteger or BigDecimal); empty for null or blank input
     * @throws IllegalStateException if the string is not a JSON object (the stored data was not
     *     written by this codec)
     */
    public static Map<String, Object> toMap(String canonicalJson) {
        if (canonicalJson == null || canonicalJson.isBlank()) {
            return Map.of();
        }
        Object parsed;
        try {
            parsed = MAPPER.readValue(canonicalJson, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not valid JSON" + where(e.getLocation())
                    + "; it was not written by this library", e);
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalStateException("stored metadata is " + describeJsonType(parsed)
                    + ", not a JSON object; it was not written by this library");
        }
        return unmodifiableObject((Map<?, ?>) parsed);
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding

    /** Validates a non-empty top-level map, cuts the prompt, writes it canonically, checks size. */
    private static String encode(Map<?, ?> metadata) {
        Object canonical = canonicalObject(metadata, Path.ROOT, 1);
        String json = write(canonical);
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw invalid(FIELD + " is " + bytes + " bytes once serialized; allowed: " + SIZE_RULE);
        }
        return json;
    }

    /** Copies an object into a sorted map of validated values; {@code depth} is its own level. */
    private static TreeMap<String, Object> canonicalObject(Map<?, ?> map, Path path, int depth) {
        checkDepth(path, depth);
        TreeMap<String, Object> sorted = new TreeMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object key = entry.getKey();
            if (key == null) {
                throw invalid(path.render() + " has a null key; allowed: String keys only");
            }
            if (!(key instanceof String)) {
                throw invalid(path.render() + " has a key of type " + key.getClass().getName()
                        + "; allowed: String keys only");
            }
            String name = (String) key;
            Path child = path.key(name);
            if (!isWellFormed(name)) {
                throw invalid(child.render() + " is a key with an unpaired UTF-16 surrogate;"
                        + " allowed: well-formed Unicode text only");
            }
            Object value = entry.getValue();
            if (depth == 1 && PROMPT_KEY.equals(name) && value instanceof String) {
                value = cutPrompt((String) value);
            }
            sorted.put(name, canonicalValue(value, child, depth));
        }
        return sorted;
    }

    /** Validates one value found inside a container at level {@code parentDepth}. */
    private static Object canonicalValue(Object value, Path path, int parentDepth) {
        if (value == null || value instanceof Boolean) {
            return value;
        }
        if (value instanceof String) {
            String text = (String) value;
            if (!isWellFormed(text)) {
                throw invalid(path.render() + " contains an unpaired UTF-16 surrogate;"
                        + " allowed: well-formed Unicode text only");
            }
            return text;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger) {
            return checkInteger((BigInteger) value, path);
        }
        if (value instanceof BigDecimal) {
            return checkDecimal((BigDecimal) value, path);
        }
        if (value instanceof Double || value instanceof Float) {
            throw invalid(path.render() + " is a binary floating-point number ("
                    + value.getClass().getSimpleName() + "), which cannot hold amounts exactly;"
                    + " allowed: a BigDecimal or a String instead");
        }
        if (value instanceof Map) {
            return canonicalObject((Map<?, ?>) value, path, parentDepth + 1);
        }
        if (value instanceof Collection) {
            return canonicalArray((Collection<?>) value, path, parentDepth + 1);
        }
        throw invalid(path.render() + " has the unsupported type " + value.getClass().getName()
                + "; allowed: " + ALLOWED_TYPES);
    }

    private static List<Object> canonicalArray(Collection<?> values, Path path, int depth) {
        checkDepth(path, depth);
        List<Object> copy = new ArrayList<>(values.size());
        int index = 0;
        for (Object value : values) {
            copy.add(canonicalValue(value, path.index(index), depth));
            index++;
        }
        return copy;
    }

    private static void checkDepth(Path path, int depth) {
        if (depth > MAX_DEPTH) {
            throw invalid(FIELD + " is nested " + depth + " levels deep at " + path.render() + "; allowed: "
                    + DEPTH_RULE);
        }
    }

    /** Integers must fit the number-length limit so the stored string can be parsed again. */
    private static BigInteger checkInteger(BigInteger value, Path path) {
        if (value.bitLength() > MAX_NUMBER_BITS || value.toString().length() > MAX_NUMBER_CHARS) {
            throw invalid(path.render() + " is an integer of more than " + MAX_NUMBER_CHARS
                    + " characters; allowed: at most " + MAX_NUMBER_CHARS + " characters per number");
        }
        return value;
    }

    /**
     * Decimals are stored exactly, written without exponent; the written-out form must fit the
     * number-length limit. The cheap scale and size checks come first so that a value such as
     * {@code 1e999999999} is never expanded.
     */
    private static BigDecimal checkDecimal(BigDecimal value, Path path) {
        int scale = value.scale();
        boolean tooLong = scale > MAX_NUMBER_CHARS
                || (scale < -MAX_NUMBER_CHARS && value.signum() != 0)
                || value.unscaledValue().bitLength() > MAX_NUMBER_BITS
                || value.toPlainString().length() > MAX_NUMBER_CHARS;
        if (tooLong) {
            throw invalid(path.render() + " is a number of more than " + MAX_NUMBER_CHARS
                    + " characters when written out without exponent; allowed: at most " + MAX_NUMBER_CHARS
                    + " characters per number");
        }
        return value;
    }

    /** Cuts to the first {@value #PROMPT_CODE_POINTS} code points, never splitting a surrogate pair. */
    private static String cutPrompt(String prompt) {
        if (prompt.codePointCount(0, prompt.length()) <= PROMPT_CODE_POINTS) {
            return prompt;
        }
        return prompt.substring(0, prompt.offsetByCodePoints(0, PROMPT_CODE_POINTS));
    }

    private static boolean isWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return false;
            }
            if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Writes an already validated canonical tree; keys are already sorted by the TreeMaps. */
    private static String write(Object canonical) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = MAPPER.getFactory().createGenerator(out)) {
            writeValue(generator, canonical);
        } catch (IOException e) {
            // A StringWriter never fails and every value was validated; this is a bug, not input.
            throw new UncheckedIOException("could not write validated metadata", e);
        }
        return out.toString();
    }

    private static void writeValue(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof String) {
            generator.writeString((String) value);
        } else if (value instanceof Boolean) {
            generator.writeBoolean((Boolean) value);
        } else if (value instanceof Long) {
            generator.writeNumber((Long) value);
        } else if (value instanceof BigInteger) {
            generator.writeNumber((BigInteger) value);
        } else if (value instanceof BigDecimal) {
            generator.writeNumber((BigDecimal) value);
        } else if (value instanceof Map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                generator.writeFieldName((String) entry.getKey());
                writeValue(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof List) {
            generator.writeStartArray();
            for (Object element : (List<?>) value) {
                writeValue(generator, element);
            }
            generator.writeEndArray();
        } else {
            throw new IllegalStateException("not a canonical metadata value: " + value.getClass().getName());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding

    private static Map<String, Object> unmodifiableObject(Map<?, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            copy.put((String) entry.getKey(), unmodifiableValue(entry.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }

    private static Object unmodifiableValue(Object value) {
        if (value instanceof Map) {
            return unmodifiableObject((Map<?, ?>) value);
        }
        if (value instanceof List) {
            List<Object> copy = new ArrayList<>();
            for (Object element : (List<?>) value) {
                copy.add(unmodifiableValue(element));
            }
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    // ---------------------------------------------------------------------------------------------
    // Parser set-up and error translation

    private static JsonMapper createMapper() {
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxNestingDepth(PARSER_MAX_NESTING)
                .maxDocumentLength(MAX_INPUT_CHARS)
                .maxStringLength(MAX_INPUT_CHARS)
                .maxNameLength(MAX_INPUT_CHARS)
                .maxNumberLength(MAX_NUMBER_CHARS)
                .build();
        JsonFactory factory = new JsonFactoryBuilder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // Locations in messages must never quote the (possibly private) input.
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }

    /**
     * Turns a Jackson failure into a message that says what is wrong and where, without the
     * input text: Jackson's own messages may quote tokens of it, so only its location is kept
     * (plus the numbers-only text of a limit violation).
     */
    private static InvalidInputException translate(JsonProcessingException e) {
        StreamConstraintsException limit = findCause(e, StreamConstraintsException.class);
        if (limit != null) {
            String reason = String.valueOf(limit.getOriginalMessage());
            if (reason.contains("nesting depth")) {
                return invalid(FIELD + " is nested more than " + PARSER_MAX_NESTING + " levels deep"
                        + where(limit.getLocation()) + "; allowed: " + DEPTH_RULE);
            }
            if (reason.contains("Document length")) {
                return invalid(FIELD + " is more than " + MAX_INPUT_CHARS + " characters of JSON text; allowed: at most "
                        + MAX_INPUT_CHARS + " characters of input, and " + SIZE_RULE);
            }
            if (reason.contains("Number value length")) {
                return invalid(FIELD + " has a number of more than " + MAX_NUMBER_CHARS + " characters"
                        + where(limit.getLocation()) + "; allowed: at most " + MAX_NUMBER_CHARS
                        + " characters per number");
            }
            // Constraint messages hold only lengths and limits, never input text.
            return invalid(FIELD + " exceeds a parser limit (" + reason + "); allowed: " + SIZE_RULE);
        }
        MismatchedInputException mismatch = findCause(e, MismatchedInputException.class);
        if (mismatch != null && String.valueOf(mismatch.getOriginalMessage()).startsWith("Trailing token")) {
            return invalid(FIELD + " has more content after the JSON object" + where(mismatch.getLocation())
                    + "; allowed: exactly one JSON object");
        }
        JsonParseException parse = findCause(e, JsonParseException.class);
        if (parse != null && String.valueOf(parse.getOriginalMessage()).startsWith("Duplicate field")) {
            return invalid(FIELD + " has a duplicate key" + where(parse.getLocation())
                    + "; allowed: each key at most once per object");
        }
        return invalid(FIELD + " is not valid JSON" + where(e.getLocation())
                + "; allowed: one JSON object in strict JSON syntax (double-quoted keys and strings,"
                + " no comments, no NaN or Infinity)");
    }

    private static <T extends Throwable> T findCause(Throwable thrown, Class<T> type) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (at line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String describeJsonType(Object parsed) {
        if (parsed == null) {
            return "null";
        }
        if (parsed instanceof List) {
            return "an array";
        }
        if (parsed instanceof String) {
            return "a string";
        }
        if (parsed instanceof Boolean) {
            return "a boolean";
        }
        if (parsed instanceof Number) {
            return "a number";
        }
        return "a " + parsed.getClass().getSimpleName();
    }

    private static InvalidInputException invalid(String message) {
        return new InvalidInputException(FIELD, message);
    }

    /** A key path for messages, built only when a message needs it. */
    private static final class Path {
        static final Path ROOT = new Path(null, null, -1);

        private final Path parent;
        private final String key;
        private final int index;

        private Path(Path parent, String key, int index) {
            this.parent = parent;
            this.key = key;
            this.index = index;
        }

        Path key(String name) {
            return new Path(this, name, -1);
        }

        Path index(int position) {
            return new Path(this, null, position);
        }

        String render() {
            StringBuilder out = new StringBuilder();
            render(out);
            return out.toString();
        }

        private void render(StringBuilder out) {
            if (parent == null) {
                out.append(FIELD);
                return;
            }
            parent.render(out);
            if (key == null) {
                out.append('[').append(index).append(']');
            } else if (key.codePointCount(0, key.length()) > MAX_KEY_CHARS_IN_MESSAGE) {
                out.append('.').append(key, 0, key.offsetByCodePoints(0, MAX_KEY_CHARS_IN_MESSAGE)).append("...");
            } else {
                out.append('.').append(key);
            }
        }
    }
}
