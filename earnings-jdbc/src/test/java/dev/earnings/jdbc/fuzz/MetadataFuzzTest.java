package dev.earnings.jdbc.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.MetadataRules;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.jdbc.internal.MetadataCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzz target for metadata and for {@link UsageRequest} validation, through the
 * public API only.
 *
 * <p>The property: every input is either accepted or rejected with an {@link EarningsException}
 * (for the metadata codec, an {@link InvalidInputException} for the field {@code metadata});
 * anything else thrown is a finding. Accepted metadata must also be canonical: {@code fromJson}
 * of the stored string gives the same string, and {@code toMap} of it goes back through
 * {@code fromMap} to the same string, of at most {@link MetadataCodec#MAX_BYTES} bytes.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test over the inputs in
 * {@code src/test/resources/dev/earnings/jdbc/fuzz/MetadataFuzzTestInputs/}; with it, Jazzer
 * fuzzes. See {@code docs/fuzzing.md}.
 *
 * <p>The first byte picks what is fuzzed (its value modulo 4):
 * <ol start="0">
 *   <li>{@code fromJson} of the rest as UTF-8 text;
 *   <li>the same, after a middle part marked by two {@code 0x01} bytes is repeated a number of
 *       times read from the next three bytes (see {@link #repeat}), to reach the size and depth
 *       limits;
 *   <li>{@code fromMap} of a map decoded from the rest (see {@link #value});
 *   <li>a {@link UsageRequest} built from the rest.
 * </ol>
 */
class MetadataFuzzTest {
    /** Repeated input is kept below this many characters, a little over the codec's input limit. */
    private static final int MAX_REPEATED_CHARS = 1_100_000;

    /** Unless asked for more, repeated input stays small enough to keep the fuzzer fast. */
    private static final int USUAL_REPEATED_CHARS = 20_000;

    /** Decoded maps and lists nest at most this deep by recursion; deeper nesting is built by a loop. */
    private static final int MAX_DECODE_DEPTH = 14;

    /**
     * The build turns Jazzer's hooks off, since it only replays seeds; fuzzing without them would
     * run blind, without coverage feedback, so it stops here instead.
     */
    @BeforeAll
    static void fuzzingNeedsJazzerHooks() {
        String fuzzEnv = System.getenv("JAZZER_FUZZ");
        boolean fuzzing = (fuzzEnv != null && !fuzzEnv.isEmpty()) || Boolean.getBoolean("jazzer.fuzz");
        if (fuzzing && "false".equals(System.getProperty("jazzer.hooks"))) {
            throw new IllegalStateException("fuzzing with jazzer.hooks=false gets no coverage feedback;"
                    + " add -Djazzer.hooks=true (see docs/fuzzing.md)");
        }
    }

    @FuzzTest(maxDuration = "2m")
    @DictionaryEntries({"\"prompt\"", "{\"", "\":", "\"}", "[", "]", "{}", "e99999", "E+", "e-", "1e2147483648",
        "0e-2147483648", "-0.0", "1.50", "\\ud800", "\\udc00", "\\uD83D\\uDE00", "\\u0000", "null", "true", "false",
        "NaN", "Infinity", "//", "/*", "'", "9223372036854775808", "\u0001", "\"Negative-Prompt\"", "\"system_prompt\"",
        "\"apiKey\"", "\"E_mail\""})
    void metadataAndUsageRequests(byte[] input) {
        FuzzBytes in = new FuzzBytes(input);
        switch (in.u8() % 4) {
            case 0:
                fromJson(in.rest());
                break;
            case 1:
                fromJson(repeated(in));
                break;
            case 2:
                fromMap(topLevelMap(in));
                break;
            default:
                usageRequest(in);
                break;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Targets

    private static void fromJson(String json) {
        String canonical;
        try {
            canonical = MetadataCodec.fromJson(json);
        } catch (InvalidInputException e) {
            requireMetadataField(e);
            return;
        }
        requireCanonical(canonical);
    }

    private static void fromMap(Map<String, ?> metadata) {
        String canonical;
        try {
            canonical = MetadataCodec.fromMap(metadata);
        } catch (InvalidInputException e) {
            requireMetadataField(e);
            return;
        }
        requireCanonical(canonical);
    }

    private static void usageRequest(FuzzBytes in) {
        String userId = in.bool() ? null : in.string();
        String modelId = in.bool() ? null : in.string();
        long tokens = in.i64();
        int flags = in.u8();
        String usageType = (flags & 1) != 0 ? in.string() : null;
        String eventId = (flags & 2) != 0 ? in.string() : null;
        Instant occurredAt = (flags & 4) != 0 ? instant(in) : null;
        Map<String, ?> metadata = (flags & 16) != 0 ? topLevelMap(in) : null;
        String metadataJson = (flags & 32) != 0 ? in.string() : null;
        UsageRequest request;
        try {
            if ((flags & 64) != 0) {
                // The record's own constructor is public too, and canonicalizes what it is given.
                request = new UsageRequest(userId, modelId, tokens, usageType, Optional.ofNullable(metadataJson),
                        Optional.ofNullable(eventId), Optional.ofNullable(occurredAt));
            } else {
                UsageRequest.Builder builder = UsageRequest.builder(userId, modelId).tokensConsumed(tokens)
                        .usageType(usageType);
                if (eventId != null) {
                    builder.eventId(eventId);
                }
                if (occurredAt != null || (flags & 8) != 0) {
                    builder.occurredAt(occurredAt);
                }
                if ((flags & 128) != 0) {
                    builder.metadata(metadata).metadataJson(metadataJson);
                } else {
                    builder.metadataJson(metadataJson).metadata(metadata);
                }
                request = builder.build();
            }
        } catch (EarningsException e) {
            return;
        }
        String held = request.metadataJson().orElse(null);
        if (held == null) {
            return;
        }
        // A request holds the canonical form as given, a fixed point of canonical(); the rules
        // turn it into what is stored, or refuse it for the field metadata.
        String again = MetadataCodec.canonical(held);
        if (!held.equals(again)) {
            throw new AssertionError("canonical(held) differs from held: " + held + " -> " + again);
        }
        String stored;
        try {
            stored = MetadataCodec.stored(held, MetadataRules.defaults());
        } catch (InvalidInputException e) {
            requireMetadataField(e);
            return;
        }
        requireCanonical(stored);
    }

    // ---------------------------------------------------------------------------------------------
    // Properties

    private static void requireMetadataField(InvalidInputException e) {
        if (!"metadata".equals(e.field())) {
            throw new AssertionError("metadata rejected for the field " + e.field(), e);
        }
    }

    /** Stored metadata is a fixed point of fromJson, and toMap goes back through fromMap to it. */
    private static void requireCanonical(String canonical) {
        if (canonical == null) {
            return;
        }
        int bytes = canonical.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MetadataCodec.MAX_BYTES) {
            throw new AssertionError("accepted metadata of " + bytes + " bytes");
        }
        String again = MetadataCodec.fromJson(canonical);
        if (!canonical.equals(again)) {
            throw new AssertionError("fromJson(canonical) differs from canonical: " + canonical + " -> " + again);
        }
        String throughMap = MetadataCodec.fromMap(MetadataCodec.toMap(canonical));
        if (!canonical.equals(throughMap)) {
            throw new AssertionError("fromMap(toMap(canonical)) differs from canonical: " + canonical + " -> "
                    + throughMap);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Decoding

    /** Text with the part between two {@code 0x01} characters repeated, within a size budget. */
    private static String repeated(FuzzBytes in) {
        int times = in.u16();
        boolean large = in.u8() == 0xFF;
        String text = in.rest();
        int open = text.indexOf('\u0001');
        int close = open < 0 ? -1 : text.indexOf('\u0001', open + 1);
        if (close < 0) {
            return text;
        }
        return text.substring(0, open) + repeat(text.substring(open + 1, close), times, large)
                + text.substring(close + 1);
    }

    /**
     * A part repeated up to 65,535 times within {@value #USUAL_REPEATED_CHARS} characters, or, when
     * {@code large}, 16 times as often within {@value #MAX_REPEATED_CHARS}: input of a million
     * characters is slow to parse, so the fuzzer makes it only when asked precisely.
     */
    private static String repeat(String part, int times, boolean large) {
        if (part.isEmpty()) {
            return part;
        }
        int budget = large ? MAX_REPEATED_CHARS : USUAL_REPEATED_CHARS;
        return part.repeat(Math.min(large ? times * 16 : times, budget / part.length()));
    }

    /** A top-level map; its keys are Strings, except when the input asks for another type. */
    @SuppressWarnings("unchecked")
    private static Map<String, ?> topLevelMap(FuzzBytes in) {
        return (Map<String, ?>) (Map<?, ?>) map(in, 1);
    }

    private static Map<Object, Object> map(FuzzBytes in, int depth) {
        int size = in.u8() % 8;
        Map<Object, Object> map = in.bool() ? new LinkedHashMap<>() : new HashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(key(in), value(in, depth));
        }
        return map;
    }

    private static Object key(FuzzBytes in) {
        int kind = in.u8() % 32;
        if (kind == 0) {
            return "prompt";
        }
        if (kind == 1) {
            return null;
        }
        if (kind == 2) {
            return in.i32();
        }
        return in.string();
    }

    /**
     * One value, by a tag byte (modulo 18): null, String, Boolean, Integer, Long, Short, Byte,
     * BigInteger, BigDecimal of any unscaled value and scale, BigDecimal from a literal, Double,
     * Float, Map, List, Set, an unsupported type, values nested deeper than the rule allows, and
     * a long repeated string.
     */
    private static Object value(FuzzBytes in, int depth) {
        int tag = in.u8() % 18;
        switch (tag) {
            case 0:
                return null;
            case 1:
                return in.string();
            case 2:
                return in.bool();
            case 3:
                return in.i32();
            case 4:
                return in.i64();
            case 5:
                return (short) in.u16();
            case 6:
                return (byte) in.u8();
            case 7:
                return bigInteger(in);
            case 8:
                return new BigDecimal(bigInteger(in), in.i32());
            case 9:
                return decimalLiteral(in.string());
            case 10:
                return Double.longBitsToDouble(in.i64());
            case 11:
                return Float.intBitsToFloat(in.i32());
            case 12:
                return depth < MAX_DECODE_DEPTH ? map(in, depth + 1) : null;
            case 13:
                return depth < MAX_DECODE_DEPTH ? list(in, depth + 1) : null;
            case 14:
                return depth < MAX_DECODE_DEPTH ? new LinkedHashSet<>(list(in, depth + 1)) : null;
            case 15:
                return unsupported(in);
            case 16:
                return nested(in, depth);
            default:
                String part = in.string();
                int times = in.u16();
                return repeat(part, times, in.u8() == 0xFF);
        }
    }

    private static List<Object> list(FuzzBytes in, int depth) {
        int size = in.u8() % 8;
        List<Object> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(value(in, depth));
        }
        return list;
    }

    /** A value wrapped in up to 255 lists or single-key maps, built without recursion. */
    private static Object nested(FuzzBytes in, int depth) {
        int levels = in.u8();
        boolean maps = in.bool();
        Object value = depth < MAX_DECODE_DEPTH ? value(in, depth + 1) : null;
        for (int i = 0; i < levels; i++) {
            value = maps ? Map.of("a", value == null ? "" : value) : Collections.singletonList(value);
        }
        return value;
    }

    private static BigInteger bigInteger(FuzzBytes in) {
        byte[] magnitude = in.bytes(in.u8() % 64);
        return magnitude.length == 0 ? BigInteger.ZERO : new BigInteger(magnitude);
    }

    private static Object decimalLiteral(String literal) {
        try {
            return new BigDecimal(literal);
        } catch (NumberFormatException e) {
            return literal;
        }
    }

    private static Object unsupported(FuzzBytes in) {
        switch (in.u8() % 6) {
            case 0:
                return (char) in.u16();
            case 1:
                return Instant.ofEpochSecond(in.i32());
            case 2:
                return new AtomicLong(in.i64());
            case 3:
                return new int[] {in.i32()};
            case 4:
                return new UUID(in.i64(), in.i64());
            default:
                return Optional.of(in.string());
        }
    }

    private static Instant instant(FuzzBytes in) {
        long span = Instant.MAX.getEpochSecond() - Instant.MIN.getEpochSecond() + 1;
        long seconds = Instant.MIN.getEpochSecond() + Math.floorMod(in.i64(), span);
        return Instant.ofEpochSecond(seconds, Math.floorMod(in.i32(), 1_000_000_000));
    }
}
