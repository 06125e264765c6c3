package dev.earnings.jdbc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.MetadataRules;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Validates usage metadata and turns it into the one canonical JSON string that is stored.
 *
 * <p>The contract, in two steps. {@link #canonical(String)} and {@link #canonical(Map)} check what
 * a request may hold: a JSON object at most {@value #MAX_DEPTH} levels deep (the top-level object
 * is level 1, every nested object or array adds one), of the types below, written canonically.
 * {@link #stored(String, MetadataRules)} then applies the deployment's {@link MetadataRules} when
 * a use is recorded: denied keys refused, prompt-like strings cut to
 * {@value MetadataRules#PROMPT_CODE_POINTS} code points, and the result at most
 * {@value #MAX_BYTES} bytes of UTF-8. {@link #fromJson} and {@link #fromMap} do both with the
 * default rules. Every rejection is an {@link InvalidInputException} for the field
 * {@code metadata}; messages name the offending key path and never echo the value.
 *
 * <p>The canonical form exists because idempotent replays compare stored metadata byte for byte,
 * so the same metadata must always give the same string:
 * <ul>
 *   <li>compact JSON (no whitespace), object keys sorted recursively by {@link String#compareTo};
 *   <li>no binary floating point anywhere: {@code Double}/{@code Float} values are rejected and
 *       JSON fractions are read as exact {@link BigDecimal}s;
 *   <li>numbers are written exactly as given, never with an exponent: a {@link BigDecimal} keeps
 *       its scale (trailing zeros are not stripped, {@code 1.50} stays {@code 1.50}), while an
 *       exponent is written out in full ({@code 1.5e3} becomes {@code 1500}); a zero with a
 *       positive exponent is plain {@code 0}, however large the exponent;
 *   <li>a number's written-out form may be at most {@value #MAX_NUMBER_CHARS} characters, the
 *       same limit the parser applies, so every stored string can be read back
 *       ({@code 1e400} is rejected rather than stored as 401 digits);
 *   <li>strings and keys must be well-formed Unicode (no unpaired surrogates), so that the UTF-8
 *       byte count is exact and any database can store them faithfully.
 * </ul>
 *
 * <p>How it is built: JSON text is read into Jackson's tree by a strictly configured mapper, a map
 * is turned into the same tree by a typed walk, and Jackson writes the tree (keys sorted, decimals
 * without exponent). Hand-written code covers only what Jackson cannot express: the Java type
 * whitelist of maps, the {@code prompt} cut, the depth rule with a key path in its message, the
 * byte size after the cut, the written-out length of numbers, and well-formed Unicode. Jackson's
 * failures are told apart by their type and by where the parser stood, never by their message
 * text, which is never shown because it may quote the input.
 */
public final class MetadataCodec {
    /** The largest canonical metadata, in bytes of UTF-8, after the prompt is cut. */
    public static final int MAX_BYTES = 8192;

    /** The deepest nesting allowed; the top-level object is level 1. */
    public static final int MAX_DEPTH = 10;

    /** Prompt-like strings are cut to this many Unicode code points. */
    public static final int PROMPT_CODE_POINTS = MetadataRules.PROMPT_CODE_POINTS;

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
     * tree so that its message names the path; this only stops absurd input early.
     */
    private static final int PARSER_MAX_NESTING = 32;

    /** Keys a message names by their text: field names of ASCII letters, digits, '_' and '-', 40 at most. */
    private static final java.util.regex.Pattern FIELD_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,40}");

    private static final String ALLOWED_TYPES = "null, String, Boolean, Integer, Long, Short, Byte, BigInteger,"
            + " BigDecimal, Map with String keys (an object) or List/Collection (an array)";

    private static final String SIZE_RULE = "at most " + MAX_BYTES + " bytes of UTF-8 JSON (after prompt-like strings"
            + " are cut to " + PROMPT_CODE_POINTS + " code points)";

    private static final String DEPTH_RULE = "at most " + MAX_DEPTH
            + " levels of nested objects and arrays, the top-level object being level 1";

    private static final String NUMBER_RULE = "at most " + MAX_NUMBER_CHARS
            + " characters per number when written out without exponent";

    private static final String INPUT_RULE = "at most " + MAX_INPUT_CHARS + " characters of input, and " + SIZE_RULE;


    /**
     * A private mapper: strict JSON only (no NaN/Infinity, comments, single quotes, unquoted keys
     * or trailing commas, which are Jackson's defaults and stated here for the reader), duplicate
     * keys rejected by the tree reader, fractions read as exact {@link BigDecimal}s with their
     * trailing zeros, keys written sorted and {@link BigDecimal}s written without exponent, and
     * parser limits that are this codec's own. Global Jackson defaults are never touched.
     */
    private static final JsonMapper MAPPER = createMapper();

    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    private MetadataCodec() {}

    /**
     * Checks metadata given as a map and writes it canonically, without applying any
     * {@link MetadataRules}: what a {@link dev.earnings.jdbc.UsageRequest} holds, so that callers
     * of the Java API and callers that pass JSON text are held to exactly the same rules.
     *
     * @param metadata the metadata; values may be null, String, Boolean, Integer, Long, Short,
     *     Byte, BigInteger, BigDecimal, Map with String keys or List/Collection, nested
     * @return the canonical JSON, or {@code null} for a null or empty map (no metadata)
     * @throws InvalidInputException if a value has another type (notably {@code Double} or
     *     {@code Float}), or the metadata is too deep or over 1,000,000 characters as JSON
     */
    public static @Nullable String canonical(@Nullable Map<String, ?> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return null;
        }
        String json = write(canonicalObject(treeOfMap(metadata, Path.ROOT, 1), Path.ROOT, 1));
        // The limit JSON text has as input, so that a map is held to the same rules as text.
        if (json.length() > MAX_INPUT_CHARS) {
            throw invalid(FIELD + " is " + json.length() + " characters as JSON; allowed: " + INPUT_RULE);
        }
        return json;
    }

    /**
     * Parses metadata given as JSON text and writes it canonically, without applying any
     * {@link MetadataRules}, so that the same metadata always gives the same string whatever its
     * whitespace or key order.
     *
     * @param json the JSON text of one object; at most 1,000,000 characters
     * @return the canonical JSON, or {@code null} for null, blank or {@code {}} input (no metadata)
     * @throws InvalidInputException if the text is not strict JSON, not an object, has duplicate
     *     keys or trailing content, or the metadata is too deep
     */
    public static @Nullable String canonical(@Nullable String json) {
        ObjectNode parsed = parseObject(json);
        return parsed == null ? null : write(canonicalObject(parsed, Path.ROOT, 1));
    }

    /**
     * Applies the deployment's rules to canonical metadata and checks the size of what is
     * stored: the one form a recorded use's metadata takes, and the one replays compare.
     *
     * @param canonical a string from {@link #canonical(String)} or {@link #canonical(Map)}, or null
     * @param rules the rules
     * @return the stored form, or {@code null} for no metadata
     * @throws InvalidInputException if the metadata holds a denied key, or is over
     *     {@value #MAX_BYTES} bytes after the cut
     */
    public static @Nullable String stored(@Nullable String canonical, MetadataRules rules) {
        ObjectNode parsed = parseObject(canonical);
        if (parsed == null) {
            return null;
        }
        String json = write((ObjectNode) redacted(parsed, Path.ROOT, false, rules));
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw invalid(FIELD + " is " + bytes + " bytes once serialized; allowed: " + SIZE_RULE);
        }
        return json;
    }

    /**
     * Checks metadata given as a map and returns what the default rules store.
     *
     * @param metadata the metadata, as for {@link #canonical(Map)}
     * @return the stored form, or {@code null} for no metadata
     * @throws InvalidInputException as {@link #canonical(Map)} and {@link #stored} do
     */
    public static @Nullable String fromMap(@Nullable Map<String, ?> metadata) {
        return stored(canonical(metadata), MetadataRules.defaults());
    }

    /**
     * Parses metadata given as JSON text and returns what the default rules store.
     *
     * @param json the JSON text, as for {@link #canonical(String)}
     * @return the stored form, or {@code null} for no metadata
     * @throws InvalidInputException as {@link #canonical(String)} and {@link #stored} do
     */
    public static @Nullable String fromJson(@Nullable String json) {
        return stored(canonical(json), MetadataRules.defaults());
    }

    private static @Nullable ObjectNode parseObject(@Nullable String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        JsonNode parsed = readStrict(json);
        if (!parsed.isObject()) {
            throw invalid(FIELD + " must be a JSON object, not " + describe(parsed)
                    + "; allowed: a JSON object such as {\"" + PROMPT_KEY + "\":\"...\"}");
        }
        return parsed.isEmpty() ? null : (ObjectNode) parsed;
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
        JsonNode parsed;
        try {
            parsed = readStrict(canonicalJson);
        } catch (InvalidInputException e) {
            throw new IllegalStateException("stored metadata is not valid JSON; it was not written by this library", e);
        }
        if (!parsed.isObject()) {
            throw new IllegalStateException("stored metadata is " + describe(parsed)
                    + ", not a JSON object; it was not written by this library");
        }
        return unmodifiableObject(parsed);
    }

    // ---------------------------------------------------------------------------------------------
    // Maps to trees: the one thing Jackson cannot do for us is hold maps to a whitelist of types.

    /** Builds the tree of a map; {@code depth} is the map's own level. */
    private static ObjectNode treeOfMap(Map<?, ?> map, Path path, int depth) {
        checkDepth(path, depth);
        ObjectNode node = NODES.objectNode();
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
            node.set(name, treeOfValue(entry.getValue(), path.key(name), depth));
        }
        return node;
    }

    /** Builds the node of one value found inside a container at level {@code parentDepth}. */
    private static JsonNode treeOfValue(Object value, Path path, int parentDepth) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof String) {
            return NODES.textNode((String) value);
        }
        if (value instanceof Boolean) {
            return NODES.booleanNode((Boolean) value);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof BigInteger) {
            return NODES.numberNode((BigInteger) value);
        }
        if (value instanceof BigDecimal) {
            return NODES.numberNode((BigDecimal) value);
        }
        if (value instanceof Double || value instanceof Float) {
            throw invalid(path.render() + " is a binary floating-point number ("
                    + value.getClass().getSimpleName() + "), which cannot hold amounts exactly;"
                    + " allowed: a BigDecimal or a String instead");
        }
        if (value instanceof Map) {
            return treeOfMap((Map<?, ?>) value, path, parentDepth + 1);
        }
        if (value instanceof Collection) {
            checkDepth(path, parentDepth + 1);
            ArrayNode array = NODES.arrayNode();
            int index = 0;
            for (Object element : (Collection<?>) value) {
                array.add(treeOfValue(element, path.index(index), parentDepth + 1));
                index++;
            }
            return array;
        }
        throw invalid(path.render() + " has the unsupported type " + value.getClass().getName()
                + "; allowed: " + ALLOWED_TYPES);
    }

    // ---------------------------------------------------------------------------------------------
    // The rules Jackson has no setting for, applied to the tree of either input

    private static String write(ObjectNode canonical) {
        try {
            return MAPPER.writeValueAsString(canonical);
        } catch (JsonProcessingException e) {
            // Every value was validated and the writer is a String; this is a bug, not input.
            throw new IllegalStateException("could not write validated metadata", e);
        }
    }

    /**
     * The rules Jackson has no setting for: a denied key anywhere is refused, under a prompt-like
     * key every string, at any depth, is cut, and then every key and string must be well-formed
     * Unicode (so the UTF-8 size is exact and any database stores it faithfully). The input is
     * canonical already, so the walk keeps its order and types.
     */
    private static JsonNode redacted(JsonNode value, Path path, boolean underPrompt, MetadataRules rules) {
        if (value.isObject()) {
            ObjectNode copy = NODES.objectNode();
            for (Map.Entry<String, JsonNode> property : value.properties()) {
                String name = property.getKey();
                Path child = path.key(name);
                if (!isWellFormed(name)) {
                    throw invalid(child.render() + " is a key with an unpaired UTF-16 surrogate;"
                            + " allowed: well-formed Unicode text only");
                }
                if (underPrompt && name.codePointCount(0, name.length()) > PROMPT_CODE_POINTS) {
                    // Text that a key holds instead of a value would not be cut: refused instead.
                    throw invalid(path.render() + " has a key of more than " + PROMPT_CODE_POINTS + " code points under a"
                            + " prompt-like key; allowed: keys of at most " + PROMPT_CODE_POINTS + " code points there");
                }
                if (rules.isDeniedKey(name)) {
                    throw invalid(child.render() + " is a denied key: metadata must not carry credentials or contact"
                            + " details; allowed: keys other than " + rules.deniedKeys()
                            + " (compared by letters and digits, ignoring case)");
                }
                copy.set(name, redacted(property.getValue(), child, underPrompt || rules.isPromptKey(name), rules));
            }
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = NODES.arrayNode(value.size());
            int index = 0;
            for (JsonNode element : value) {
                copy.add(redacted(element, path.index(index), underPrompt, rules));
                index++;
            }
            return copy;
        }
        if (value.isTextual()) {
            // Judged after the cut, so that what is cut away is never judged.
            String text = underPrompt ? cutPrompt(value.textValue()) : value.textValue();
            if (!isWellFormed(text)) {
                throw invalid(path.render() + " contains an unpaired UTF-16 surrogate;"
                        + " allowed: well-formed Unicode text only");
            }
            return underPrompt ? NODES.textNode(text) : value;
        }
        return value;
    }

    /** Checks an object's keys and values; {@code depth} is its own level. */
    private static ObjectNode canonicalObject(JsonNode object, Path path, int depth) {
        checkDepth(path, depth);
        ObjectNode copy = NODES.objectNode();
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            String name = property.getKey();
            Path child = path.key(name);
            copy.set(name, canonicalValue(property.getValue(), child, depth));
        }
        return copy;
    }

    /** Checks one value found inside a container at level {@code parentDepth}. */
    private static JsonNode canonicalValue(JsonNode value, Path path, int parentDepth) {
        if (value.isObject()) {
            return canonicalObject(value, path, parentDepth + 1);
        }
        if (value.isArray()) {
            checkDepth(path, parentDepth + 1);
            ArrayNode copy = NODES.arrayNode(value.size());
            int index = 0;
            for (JsonNode element : value) {
                copy.add(canonicalValue(element, path.index(index), parentDepth + 1));
                index++;
            }
            return copy;
        }
        if (value.isTextual()) {
            return value;
        }
        if (value.isBigDecimal()) {
            return checkDecimal(value.decimalValue(), path);
        }
        if (value.isBigInteger()) {
            return checkInteger(value.bigIntegerValue(), path);
        }
        if (value.isNull() || value.isBoolean() || value.isInt() || value.isLong() || value.isShort()) {
            return value;
        }
        // Neither the parser (fractions are BigDecimals) nor the map walk makes any other node.
        throw new IllegalStateException("not a metadata node: " + value.getNodeType());
    }

    private static void checkDepth(Path path, int depth) {
        if (depth > MAX_DEPTH) {
            throw invalid(FIELD + " is nested " + depth + " levels deep at " + path.render() + "; allowed: "
                    + DEPTH_RULE);
        }
    }

    /** Integers must fit the number-length limit so the stored string can be parsed again. */
    private static JsonNode checkInteger(BigInteger value, Path path) {
        if (value.bitLength() > MAX_NUMBER_BITS || value.toString().length() > MAX_NUMBER_CHARS) {
            throw invalid(path.render() + " is an integer of more than " + MAX_NUMBER_CHARS
                    + " characters; allowed: at most " + MAX_NUMBER_CHARS + " characters per number");
        }
        return NODES.numberNode(value);
    }

    /**
     * Decimals are stored exactly, written without exponent; the written-out form must fit the
     * number-length limit. The cheap scale and size checks come first so that a value such as
     * {@code 1e999999999} is never expanded.
     *
     * <p>A zero with a negative scale ({@code 0e99999}) is just zero and is stored as {@code 0}:
     * {@link BigDecimal#toPlainString} already writes any such zero as {@code 0}, so this changes
     * no stored string, and it keeps Jackson's writer from refusing a scale beyond its own limit.
     * A zero with a positive scale keeps it ({@code 0.00}), and so is held to the length rule.
     */
    private static JsonNode checkDecimal(BigDecimal value, Path path) {
        if (value.signum() == 0 && value.scale() < 0) {
            return NODES.numberNode(BigDecimal.ZERO);
        }
        int scale = value.scale();
        boolean tooLong = scale > MAX_NUMBER_CHARS
                || scale < -MAX_NUMBER_CHARS
                || value.unscaledValue().bitLength() > MAX_NUMBER_BITS
                || value.toPlainString().length() > MAX_NUMBER_CHARS;
        if (tooLong) {
            throw invalid(path.render() + " is a number of more than " + MAX_NUMBER_CHARS
                    + " characters when written out without exponent; allowed: " + NUMBER_RULE);
        }
        return NODES.numberNode(value);
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

    // ---------------------------------------------------------------------------------------------
    // Reading JSON text

    /**
     * Reads exactly one strict JSON value. Jackson's failures are told apart by type and place:
     * <ul>
     *   <li>a {@link StreamConstraintsException} is a parser limit; the parser's nesting depth at
     *       that moment says whether it was the nesting guard;
     *   <li>a {@link MismatchedInputException} while reading the tree is a duplicate key: with
     *       {@link DeserializationFeature#FAIL_ON_READING_DUP_TREE_KEY} the tree reader reports one
     *       through {@code reportInputMismatch}, and strict JSON text gives it no other mismatch
     *       (the parser's own duplicate detection is off: it would throw the same type as a
     *       syntax error);
     *   <li>a {@link NumberFormatException}, bare or as the cause of a parse failure, is a number
     *       whose exponent does not fit a {@link BigDecimal};
     *   <li>any other failure while reading the value is a syntax error;
     *   <li>anything but the end of input after the value, a token or a failure, is trailing
     *       content.
     * </ul>
     */
    private static JsonNode readStrict(String json) {
        if (json.length() > MAX_INPUT_CHARS) {
            throw invalid(FIELD + " is " + json.length() + " characters of JSON text; allowed: " + INPUT_RULE);
        }
        try (JsonParser parser = MAPPER.createParser(json)) {
            JsonNode root;
            try {
                root = MAPPER.readTree(parser);
            } catch (JsonProcessingException e) {
                throw translate(e, parser);
            } catch (NumberFormatException e) {
                // Thrown unwrapped when the tree reader asks for the BigDecimal of the number the
                // parser stands on, and the exponent does not fit an int (1e2147483648).
                throw exponentOutOfRange(pathOf(parser.getParsingContext()), parser.currentTokenLocation());
            }
            if (root == null) {
                throw invalid(FIELD + " is empty; allowed: one JSON object");
            }
            JsonToken next;
            try {
                next = parser.nextToken();
            } catch (JsonProcessingException e) {
                throw trailingContent(locationOf(e, parser));
            }
            if (next != null) {
                throw trailingContent(parser.currentTokenLocation());
            }
            return root;
        } catch (IOException e) {
            // A parser over a String does no I/O; nothing else is left to fail.
            throw new IllegalStateException("could not read metadata text", e);
        }
    }

    private static InvalidInputException translate(JsonProcessingException e, JsonParser parser) {
        StreamConstraintsException limit = findCause(e, StreamConstraintsException.class);
        if (limit != null) {
            if (parser.getParsingContext().getNestingDepth() > PARSER_MAX_NESTING) {
                return invalid(FIELD + " is nested more than " + PARSER_MAX_NESTING + " levels deep"
                        + where(parser.currentLocation()) + "; allowed: " + DEPTH_RULE);
            }
            // The other limits: the input length is checked before parsing, so that strings and
            // keys cannot reach theirs; what is left is a number token.
            return invalid(FIELD + " has a number of more than " + MAX_NUMBER_CHARS + " characters or another token"
                    + " beyond the parser's limits" + where(parser.currentLocation()) + "; allowed: " + NUMBER_RULE
                    + ", " + INPUT_RULE);
        }
        if (e instanceof MismatchedInputException) {
            // The reader finds the duplicate as soon as it has the new value's first token: a
            // scalar within the object, or the start of a nested container whose parent it is.
            JsonStreamContext object = parser.getParsingContext();
            if (parser.isExpectedStartObjectToken() || parser.isExpectedStartArrayToken()) {
                object = object.getParent();
            }
            return invalid(FIELD + " has a duplicate key " + pathOf(object).render() + where(locationOf(e, parser))
                    + "; allowed: each key at most once per object");
        }
        if (findCause(e, NumberFormatException.class) != null) {
            return exponentOutOfRange(pathOf(parser.getParsingContext()), locationOf(e, parser));
        }
        return invalid(FIELD + " is not valid JSON" + where(locationOf(e, parser))
                + "; allowed: one JSON object in strict JSON syntax (double-quoted keys and strings,"
                + " no comments, no NaN or Infinity)");
    }

    private static InvalidInputException exponentOutOfRange(Path path, JsonLocation location) {
        return invalid(path.render() + " is a number whose exponent is out of range" + where(location)
                + "; allowed: " + NUMBER_RULE);
    }

    private static InvalidInputException trailingContent(JsonLocation location) {
        return invalid(FIELD + " has more content after the JSON object" + where(location)
                + "; allowed: exactly one JSON object");
    }

    /** The key path of the value the parser stands on. */
    private static Path pathOf(JsonStreamContext context) {
        if (context == null || context.inRoot()) {
            return Path.ROOT;
        }
        Path parent = pathOf(context.getParent());
        if (context.inArray()) {
            return parent.index(Math.max(0, context.getCurrentIndex()));
        }
        String name = context.getCurrentName();
        return name == null ? parent : parent.key(name);
    }

    /** Where a failure happened: as Jackson reported it, or else where the parser stands. */
    private static JsonLocation locationOf(JsonProcessingException e, JsonParser parser) {
        JsonLocation location = e.getLocation();
        return location != null ? location : parser.currentLocation();
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

    private static String describe(JsonNode node) {
        switch (node.getNodeType()) {
            case ARRAY:
                return "an array";
            case STRING:
                return "a string";
            case BOOLEAN:
                return "a boolean";
            case NUMBER:
                return "a number";
            case NULL:
                return "null";
            default:
                return "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Trees to plain Java values

    private static Map<String, Object> unmodifiableObject(JsonNode object) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            copy.put(property.getKey(), plainValue(property.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }

    private static Object plainValue(JsonNode value) {
        if (value.isObject()) {
            return unmodifiableObject(value);
        }
        if (value.isArray()) {
            List<Object> copy = new ArrayList<>(value.size());
            for (JsonNode element : value) {
                copy.add(plainValue(element));
            }
            return Collections.unmodifiableList(copy);
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            // Integer, Long, BigInteger or BigDecimal, as the tree reader chose.
            return value.numberValue();
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Mapper set-up

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
                // Locations in messages must never quote the (possibly private) input.
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
                .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
                .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
                .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                // Explicitly off: the tree reader strips trailing zeros unless told not to.
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
                .build();
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
            } else if (FIELD_NAME.matcher(key).matches()) {
                out.append('.').append(key);
            } else {
                // A key that is not a plain field name may be data (an e-mail address, a name, a
                // prompt used as a key): named by its length only, never its text.
                out.append(".<a key of ").append(key.codePointCount(0, key.length())).append(" characters>");
            }
        }
    }
}
