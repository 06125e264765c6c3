package dev.earnings.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.MetadataRules;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataCodecTest {
    private static final String EMOJI = "\uD83D\uDE00"; // U+1F600, a surrogate pair in UTF-16

    // ---------------------------------------------------------------------------------------------
    // Prompt cut

    @Test
    void promptLongerThan100CodePointsIsCutWithoutSplittingSurrogatePairs() {
        String prompt = "a" + EMOJI.repeat(150);

        String prompt1 = promptOf(MetadataCodec.fromMap(Map.of("prompt", prompt)));
        String prompt2 = promptOf(MetadataCodec.fromJson("{\"prompt\":\"" + prompt + "\"}"));

        String expected = "a" + EMOJI.repeat(99);
        assertThat(prompt1).isEqualTo(expected);
        assertThat(prompt2).isEqualTo(expected);
        assertThat(expected.codePointCount(0, expected.length())).isEqualTo(MetadataCodec.PROMPT_CODE_POINTS);
        assertThat(Character.isLowSurrogate(expected.charAt(expected.length() - 1))).isTrue();
    }

    @Test
    void promptMadeOnlyOfSurrogatePairsIsCutTo100WholeCharacters() {
        String cut = promptOf(MetadataCodec.fromMap(Map.of("prompt", EMOJI.repeat(101))));

        assertThat(cut).isEqualTo(EMOJI.repeat(100));
    }

    @Test
    void promptOfExactly100CodePointsIsKept() {
        String prompt = "x".repeat(50) + EMOJI.repeat(50);

        assertThat(promptOf(MetadataCodec.fromMap(Map.of("prompt", prompt)))).isEqualTo(prompt);
    }

    @Test
    void promptLikeKeysAreCutAtAnyDepth_caseAndSeparatorsIgnored_inArraysAndNestedObjectsToo() {
        String longText = "y".repeat(150);
        String cut = "y".repeat(100);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("Prompt", longText);
        metadata.put("negativePrompt", longText);
        metadata.put("input", Map.of("system-prompt", longText, "prompt", List.of(longText, 7, Map.of("text", longText))));
        metadata.put("list", List.of(Map.of("NEGATIVE_PROMPT", longText)));
        metadata.put("notes", longText);

        String json = MetadataCodec.fromMap(metadata);

        assertThat(json).isEqualTo("{\"Prompt\":\"" + cut + "\",\"input\":{\"prompt\":[\"" + cut + "\",7,{\"text\":\"" + cut
                + "\"}],\"system-prompt\":\"" + cut + "\"},\"list\":[{\"NEGATIVE_PROMPT\":\"" + cut + "\"}],"
                + "\"negativePrompt\":\"" + cut + "\",\"notes\":\"" + longText + "\"}");
    }

    @Test
    void nonStringPromptValuesAreKeptAsIs() {
        assertThat(MetadataCodec.fromMap(Map.of("prompt", 12345))).isEqualTo("{\"prompt\":12345}");
        assertThat(MetadataCodec.fromJson("{\"prompt\":[true,null,1.50]}")).isEqualTo("{\"prompt\":[true,null,1.50]}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"password", "api_key", "apiKey", "API-KEY", "token", "Token", "secret", "email", "E_mail",
        "api\u200Bkey", "\uFF45\uFF4D\uFF41\uFF49\uFF4C", "pass word", "ema\u0131l", "ap\u0131_key", "EMA\u0130L"})
    void deniedKeysAreRefusedAtAnyDepth_namingThePathNeverTheValue(String key) {
        String json = "{\"a\":[{\"b\":{\"" + key + "\":\"s3cr3t-value\"}}]}";
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> MetadataCodec.fromJson(json));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("metadata");
        // A plain field name is named; any other key only by its length, since it may be data.
        String named = key.matches("[A-Za-z0-9_-]+") ? key : "<a key of " + key.codePointCount(0, key.length()) + " characters>";
        assertThat(e.getMessage()).startsWith("metadata.a[0].b." + named + " is a denied key")
                .contains("(compared by letters and digits, ignoring case)")
                .contains("allowed: keys other than [api_key, email, password, secret, token]")
                .doesNotContain("s3cr3t-value");
    }

    @Test
    void keysLowerCasedInATurkishLocale_areStillTheirKeys() {
        java.util.Locale turkish = java.util.Locale.forLanguageTag("tr");
        String prompt = "NEGATIVE_PROMPT".toLowerCase(turkish);
        assertThat(prompt).contains("\u0131");
        assertThat(MetadataCodec.fromMap(Map.of(prompt, "n".repeat(150)))).isEqualTo("{\"" + prompt + "\":\"" + "n".repeat(100) + "\"}");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("EMAIL".toLowerCase(turkish), "a@b.c")), "is a denied key");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("API_KEY".toLowerCase(turkish), "k")), "is a denied key");
    }

    @Test
    void aKeyThatMayBeData_isNamedByItsLengthOnly() {
        InvalidInputException e = assertRejected(
                () -> MetadataCodec.fromJson("{\"recipients\":{\"alice@example.com\":{\"password\":\"x\"}}}"),
                "metadata.recipients.<a key of 17 characters>.password is a denied key");
        assertThat(e.getMessage()).doesNotContain("alice");
    }

    @Test
    void aLongKeyUnderAPromptLikeKey_isRefused_sinceItsTextWouldNotBeCut() {
        String longKey = "k".repeat(101);
        assertRejected(() -> MetadataCodec.fromJson("{\"prompt\":{\"" + longKey + "\":true}}"),
                "metadata.prompt has a key of more than 100 code points under a prompt-like key");
        assertThat(MetadataCodec.fromJson("{\"prompt\":{\"" + "k".repeat(100) + "\":true}}")).hasSize(100 + 20);
        assertThat(MetadataCodec.fromJson("{\"notes\":{\"" + longKey + "\":true}}")).contains(longKey);
    }

    @Test
    void onlyWholeKeysAreDenied() {
        assertThat(MetadataCodec.fromJson("{\"completion_tokens\":5,\"secretary\":\"x\",\"emails_sent\":2}"))
                .isEqualTo("{\"completion_tokens\":5,\"emails_sent\":2,\"secretary\":\"x\"}");
    }

    @Test
    void theCanonicalFormOfARequestIsNotCut_theRulesApplyWhenStored() {
        String longText = "z".repeat(150);
        String canonical = MetadataCodec.canonical("{ \"prompt\" : \"" + longText + "\", \"api_key\": \"k\" }");
        assertThat(canonical).isEqualTo("{\"api_key\":\"k\",\"prompt\":\"" + longText + "\"}");
        assertThat(MetadataCodec.canonical(Map.of("prompt", longText))).isEqualTo("{\"prompt\":\"" + longText + "\"}");

        MetadataRules custom = MetadataRules.of(List.of("caption"), List.of("phone"));
        String stored = MetadataCodec.stored("{\"api_key\":\"k\",\"caption\":\"" + longText + "\",\"prompt\":\""
                + longText + "\"}", custom);
        assertThat(stored).isEqualTo("{\"api_key\":\"k\",\"caption\":\"" + "z".repeat(100) + "\",\"prompt\":\""
                + longText + "\"}");
        assertRejected(() -> MetadataCodec.stored("{\"x\":{\"Phone\":1}}", custom), "metadata.x.Phone is a denied key");
        MetadataRules none = MetadataRules.of(List.of(), List.of());
        assertThat(MetadataCodec.stored(canonical, none)).isEqualTo(canonical);
        assertThat(MetadataCodec.stored(null, none)).isNull();
    }

    @Test
    void theStoredSizeIsJudgedAfterTheCut() {
        // 8,000 characters of prompt in a nested key: over 8 KiB as given, far under once cut.
        String json = "{\"input\":{\"negative_prompt\":\"" + "q".repeat(8000) + "\"},\"n\":\"" + "r".repeat(8100) + "\"}";
        String canonical = MetadataCodec.canonical(json);
        assertThat(canonical).hasSizeGreaterThan(16_000);
        assertRejected(() -> MetadataCodec.stored(canonical, MetadataRules.defaults()), "metadata is 8", "bytes once serialized");
        String fits = "{\"input\":{\"negative_prompt\":\"" + "q".repeat(8000) + "\"},\"n\":\"" + "r".repeat(7000) + "\"}";
        assertThat(MetadataCodec.fromJson(fits)).hasSize(7000 + 100 + "{\"input\":{\"negative_prompt\":\"\"},\"n\":\"\"}".length());
    }

    // ---------------------------------------------------------------------------------------------
    // Canonical form

    @Test
    void mapsWithDifferentInsertionOrderGiveTheSameSortedString() {
        Map<String, Object> innerA = new LinkedHashMap<>();
        innerA.put("z", 1);
        innerA.put("a", "x");
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("b", true);
        first.put("a", innerA);
        first.put("c", null);

        Map<String, Object> innerB = new LinkedHashMap<>();
        innerB.put("a", "x");
        innerB.put("z", 1);
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("c", null);
        second.put("a", innerB);
        second.put("b", true);

        String json = MetadataCodec.fromMap(first);

        assertThat(json).isEqualTo("{\"a\":{\"a\":\"x\",\"z\":1},\"b\":true,\"c\":null}");
        assertThat(MetadataCodec.fromMap(second)).isEqualTo(json);
    }

    @Test
    void jsonWithDifferentWhitespaceAndKeyOrderGivesTheSameString() {
        String compact = MetadataCodec.fromJson("{\"b\":[1,{\"y\":2,\"x\":1}],\"a\":\"s\"}");
        String spaced = MetadataCodec.fromJson(" {\n  \"a\" : \"s\",\r\n\t\"b\" : [ 1 , { \"x\" : 1 , \"y\" : 2 } ]\n} ");

        assertThat(compact).isEqualTo("{\"a\":\"s\",\"b\":[1,{\"x\":1,\"y\":2}]}");
        assertThat(spaced).isEqualTo(compact);
    }

    @Test
    void keysAreSortedByStringCompareToThatIsByUtf16CodeUnits() {
        // U+FFFF sorts after U+1F600 here: its one code unit is above the pair's high surrogate.
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("\uFFFF", 1);
        metadata.put(EMOJI, 2);
        metadata.put("b", 3);
        metadata.put("B", 4);
        metadata.put("", 5);
        metadata.put("a", Map.of("\u00e9", 6, "z", 7, "e", 8));

        String expected = "{\"\":5,\"B\":4,\"a\":{\"e\":8,\"z\":7,\"\u00e9\":6},\"b\":3,\"" + EMOJI + "\":2,\"\uFFFF\":1}";
        assertThat(MetadataCodec.fromMap(metadata)).isEqualTo(expected);
        assertThat(MetadataCodec.fromJson("{\"\\uffff\":1,\"\\ud83d\\ude00\":2,\"b\":3,\"B\":4,\"\":5,"
                + "\"a\":{\"\u00e9\":6,\"z\":7,\"e\":8}}")).isEqualTo(expected);
    }

    @Test
    void mapAndJsonOfTheSameMetadataGiveTheSameString() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("prompt", "hello");
        metadata.put("amount", new BigDecimal("12.50"));
        metadata.put("count", 3);
        metadata.put("tags", List.of("a", "b"));

        assertThat(MetadataCodec.fromMap(metadata))
                .isEqualTo(MetadataCodec.fromJson("{\"tags\":[\"a\",\"b\"],\"count\":3,\"amount\":12.50,\"prompt\":\"hello\"}"))
                .isEqualTo("{\"amount\":12.50,\"count\":3,\"prompt\":\"hello\",\"tags\":[\"a\",\"b\"]}");
    }

    @Test
    void canonicalStringIsAFixedPointOfFromJson() {
        String canonical = MetadataCodec.fromJson("{\"b\":{\"d\":1.0,\"c\":null},\"a\":[true,\"\\u00e9\\n\"]}");

        assertThat(MetadataCodec.fromJson(canonical)).isEqualTo(canonical);
    }

    @Test
    void allIntegerTypesAreWrittenTheSame() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("byte", (byte) 7);
        metadata.put("short", (short) 7);
        metadata.put("int", 7);
        metadata.put("long", 7L);
        metadata.put("big", BigInteger.valueOf(7));

        assertThat(MetadataCodec.fromMap(metadata)).isEqualTo("{\"big\":7,\"byte\":7,\"int\":7,\"long\":7,\"short\":7}");
    }

    // ---------------------------------------------------------------------------------------------
    // Numbers

    @Test
    void fractionsFromJsonAreKeptExactlyAndExponentsAreWrittenOut() {
        String json = MetadataCodec.fromJson("{\"a\":0.1,\"b\":1.50,\"c\":1.5e3,\"d\":2.5E-3,\"e\":-0.0,\"f\":1e50}");

        assertThat(json).isEqualTo("{\"a\":0.1,\"b\":1.50,\"c\":1500,\"d\":0.0025,\"e\":0.0,\"f\":1" + "0".repeat(50) + "}");
        Map<String, Object> back = MetadataCodec.toMap(json);
        assertThat(back.get("a")).isEqualTo(new BigDecimal("0.1"));
        assertThat(back.get("b")).isEqualTo(new BigDecimal("1.50"));
    }

    @Test
    void bigDecimalsFromMapsKeepTheirScaleAndNeverUseAnExponent() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("price", new BigDecimal("1.50"));
        metadata.put("tiny", new BigDecimal("1E-7"));
        metadata.put("large", new BigDecimal("1E+3"));

        assertThat(MetadataCodec.fromMap(metadata)).isEqualTo("{\"large\":1000,\"price\":1.50,\"tiny\":0.0000001}");
    }

    @Test
    void numberWhoseWrittenOutFormExceeds100CharactersIsRejectedNotExpanded() {
        assertRejected(() -> MetadataCodec.fromJson("{\"x\":1e400}"), "metadata.x is a number of more than 100 characters");
        assertRejected(() -> MetadataCodec.fromJson("{\"x\":1e999999999}"), "metadata.x", "at most 100 characters per number");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("x", new BigDecimal("1E-200"))), "metadata.x");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("x", new BigDecimal("1" + "0".repeat(100)))), "metadata.x");
    }

    @Test
    void integerOf100DigitsIsAcceptedAnd101DigitsRejected() {
        String hundred = "9".repeat(100);

        assertThat(MetadataCodec.fromJson("{\"n\":" + hundred + "}")).isEqualTo("{\"n\":" + hundred + "}");
        assertThat(MetadataCodec.fromMap(Map.of("n", new BigInteger(hundred)))).isEqualTo("{\"n\":" + hundred + "}");
        assertRejected(() -> MetadataCodec.fromJson("{\"n\":" + hundred + "9}"), "number of more than 100 characters");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("n", new BigInteger(hundred + "9"))),
                "metadata.n is an integer of more than 100 characters");
    }

    /** Decision: a zero with a huge negative scale is just zero, so it is stored as {@code 0}. */
    @ParameterizedTest
    @ValueSource(strings = {"0e99999", "0E+99999", "-0e99999", "0.0e99999", "0e2147483647", "0e5"})
    void zeroWithAHugeExponentIsStoredAsPlainZero(String number) {
        assertThat(MetadataCodec.fromJson("{\"a\": " + number + "}")).isEqualTo("{\"a\":0}");
    }

    @Test
    void zeroBigDecimalWithAHugeNegativeScaleIsStoredAsPlainZero() {
        assertThat(MetadataCodec.fromMap(Map.of("a", new BigDecimal("0E+99999")))).isEqualTo("{\"a\":0}");
        assertThat(MetadataCodec.fromMap(Map.of("a", new BigDecimal(BigInteger.ZERO, Integer.MIN_VALUE))))
                .isEqualTo("{\"a\":0}");
    }

    /** Decision: a zero with a huge positive scale keeps its zeros, so its written-out form is too long. */
    @ParameterizedTest
    @ValueSource(strings = {"0e-99999", "0.0e-101", "1e-99999", "1E+100", "-1E+100", "1e99999", "1e2147483647",
        "-1e2147483647", "1e-2147483647"})
    void numbersWhoseWrittenOutFormIsOver100CharactersAreRejectedWithoutBeingExpanded(String number) {
        InvalidInputException e = assertRejected(() -> MetadataCodec.fromJson("{\"a\":" + number + "}"),
                "metadata.a is a number of more than 100 characters", "allowed: at most 100 characters per number");

        assertThat(e.getMessage()).doesNotContain(number);
    }

    @Test
    void aNumberOfExactly100CharactersWrittenOutIsAccepted() {
        assertThat(MetadataCodec.fromJson("{\"a\":1E+99}")).isEqualTo("{\"a\":1" + "0".repeat(99) + "}");
        assertThat(MetadataCodec.fromJson("{\"a\":-1E+98}")).isEqualTo("{\"a\":-1" + "0".repeat(98) + "}");
        assertThat(MetadataCodec.fromJson("{\"a\":1e-98}")).isEqualTo("{\"a\":0." + "0".repeat(97) + "1}");
        assertRejected(() -> MetadataCodec.fromJson("{\"a\":1e-99}"), "metadata.a is a number of more than 100");
    }

    @Test
    void negativeZeroIsZeroWithItsScale() {
        assertThat(MetadataCodec.fromJson("{\"a\":-0.0,\"b\":-0,\"c\":-0.00e1}")).isEqualTo("{\"a\":0.0,\"b\":0,\"c\":0.0}");
        assertThat(MetadataCodec.fromMap(Map.of("a", new BigDecimal("-0.0")))).isEqualTo("{\"a\":0.0}");
    }

    /** An exponent that does not fit an int used to escape as a NumberFormatException quoting the number. */
    @ParameterizedTest
    @ValueSource(strings = {"1e2147483648", "1e-2147483648", "-1e99999999999", "0e-2147483648", "0e2147483648",
        "1.5E+9999999999999999999"})
    void exponentBeyondTheRangeOfABigDecimalIsRejectedAsInvalidInput(String number) {
        InvalidInputException e = assertRejected(() -> MetadataCodec.fromJson("{\"o\":{\"n\":[" + number + "]}}"),
                "metadata.o.n[0] is a number whose exponent is out of range", "(at line 1, column ",
                "allowed: at most 100 characters per number");

        assertThat(e.getMessage()).doesNotContain(number);
    }

    @Test
    void bigDecimalsFromMapsAtTheEdgesOfTheScaleRange() {
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE))),
                "metadata.a is a number of more than 100 characters");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", new BigDecimal(BigInteger.ONE, Integer.MAX_VALUE))),
                "metadata.a is a number of more than 100 characters");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", new BigDecimal(BigInteger.ZERO, Integer.MAX_VALUE))),
                "metadata.a is a number of more than 100 characters");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", new BigDecimal(BigInteger.TEN.pow(5000), 4950))),
                "metadata.a is a number of more than 100 characters");
    }

    @Test
    void numberTokenLongerThanTheParserLimitIsRejectedWithItsLocation() {
        String token = "1" + "0".repeat(150) + ".5";

        InvalidInputException e = assertRejected(() -> MetadataCodec.fromJson("{\"a\":" + token + "}"),
                "metadata has a number of more than 100 characters", "(at line 1, column ", "beyond the parser's limits");
        assertThat(e.getMessage()).doesNotContain("0000000000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":+1}"})
    void nonStandardNumbersAreRejected(String json) {
        assertRejected(() -> MetadataCodec.fromJson(json), "metadata is not valid JSON", "no NaN or Infinity");
    }

    @Test
    void doubleIsRejectedWithItsPathAndAnExactAlternative() {
        Map<String, Object> metadata = Map.of("items", List.of("ok", Map.of("cost", 0.1d)));

        assertRejected(() -> MetadataCodec.fromMap(metadata),
                "metadata.items[1].cost is a binary floating-point number (Double)", "allowed: a BigDecimal or a String");
    }

    @Test
    void floatIsRejected() {
        assertRejected(() -> MetadataCodec.fromMap(Map.of("rate", 1.5f)),
                "metadata.rate is a binary floating-point number (Float)", "BigDecimal or a String");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("nan", Double.NaN)), "metadata.nan", "(Double)");
    }

    @Test
    void unsupportedTypesAreRejectedWithTheAllowedList() {
        assertRejected(() -> MetadataCodec.fromMap(Map.of("when", Instant.EPOCH)),
                "metadata.when has the unsupported type java.time.Instant", "allowed: null, String, Boolean");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("n", new AtomicInteger(1))),
                "unsupported type java.util.concurrent.atomic.AtomicInteger");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("arr", new String[] {"a"})), "metadata.arr has the unsupported type");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("c", 'c')), "unsupported type java.lang.Character");
    }

    @Test
    void setsAreWrittenAsArrays() {
        assertThat(MetadataCodec.fromMap(Map.of("s", Set.of("only")))).isEqualTo("{\"s\":[\"only\"]}");
    }

    @Test
    void nonStringKeysInNestedMapsAreRejected() {
        Map<Object, Object> nested = new HashMap<>();
        nested.put(1, "x");
        Map<Object, Object> withNullKey = new HashMap<>();
        withNullKey.put(null, "x");

        assertRejected(() -> MetadataCodec.fromMap(Map.of("o", nested)),
                "metadata.o has a key of type java.lang.Integer", "allowed: String keys only");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("o", withNullKey)), "metadata.o has a null key");
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        assertRejected(() -> MetadataCodec.fromJson("{\"a\":\"\\ud800\"}"), "metadata.a contains an unpaired UTF-16 surrogate");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", List.of("x\uDC00"))), "metadata.a[0] contains an unpaired");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("\uD800", 1)), "key with an unpaired UTF-16 surrogate");
    }

    // ---------------------------------------------------------------------------------------------
    // Size

    @Test
    void exactly8192BytesIsAcceptedAnd8193Rejected() {
        String fits = "{\"k\":\"" + "x".repeat(8192 - 8) + "\"}";
        String over = "{\"k\":\"" + "x".repeat(8192 - 7) + "\"}";

        assertThat(MetadataCodec.fromJson(fits)).isEqualTo(fits).hasSize(MetadataCodec.MAX_BYTES);
        assertThat(MetadataCodec.fromMap(Map.of("k", "x".repeat(8184)))).isEqualTo(fits);
        InvalidInputException e = assertRejected(() -> MetadataCodec.fromJson(over),
                "metadata is 8193 bytes once serialized", "allowed: at most 8192 bytes of UTF-8 JSON");
        assertThat(e.getMessage()).doesNotContain("xxxxxxxxxx");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("k", "x".repeat(8185))), "metadata is 8193 bytes");
    }

    @Test
    void sizeIsCountedInUtf8BytesNotCharacters() {
        String fits = MetadataCodec.fromMap(Map.of("k", "\u00e9".repeat(4092)));

        assertThat(fits.getBytes(StandardCharsets.UTF_8)).hasSize(8192);
        assertRejected(() -> MetadataCodec.fromMap(Map.of("k", "\u00e9".repeat(4093))), "metadata is 8194 bytes once serialized");
    }

    @Test
    void sizeIsMeasuredAfterThePromptIsCut() {
        // {"k":"<n>","prompt":"<100>"} is 120 + n bytes.
        String prompt = "p".repeat(5000);
        Map<String, Object> fits = Map.of("k", "x".repeat(8072), "prompt", prompt);
        Map<String, Object> over = Map.of("k", "x".repeat(8073), "prompt", prompt);

        assertThat(MetadataCodec.fromMap(fits)).hasSize(8192);
        assertRejected(() -> MetadataCodec.fromMap(over), "metadata is 8193 bytes once serialized", "after prompt-like strings are cut");
    }

    @Test
    void longPromptMakingRawJsonLargerThan8KiBIsAcceptedOnceCut() {
        String raw = "{\"note\":\"" + "n".repeat(4000) + "\",\"prompt\":\"" + "p".repeat(50_000) + "\"}";

        String json = MetadataCodec.fromJson(raw);

        assertThat(raw.length()).isGreaterThan(MetadataCodec.MAX_BYTES);
        assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(MetadataCodec.MAX_BYTES);
        assertThat(promptOf(json)).isEqualTo("p".repeat(100));
    }

    @Test
    void millionCharacterStringsAreRejectedBySizeWithoutBeingQuoted() {
        String text = "s".repeat(1_000_000);
        String json = "{\"k\":\"" + "s".repeat(1_000_000 - 8) + "\"}";

        // A map is held to the input limit of text, on its JSON form.
        InvalidInputException fromMap = assertRejected(() -> MetadataCodec.fromMap(Map.of("k", text)),
                "metadata is 1000008 characters as JSON; allowed: at most 1000000 characters of input");
        InvalidInputException fromJson = assertRejected(() -> MetadataCodec.fromJson(json), "metadata is 1000000 bytes once serialized");
        assertRejected(() -> MetadataCodec.fromMap(Map.of(text, 1)), "metadata is 1000006 characters as JSON");
        assertThat(fromMap.getMessage()).doesNotContain("ssssssssss");
        assertThat(fromJson.getMessage()).doesNotContain("ssssssssss");
    }

    @Test
    void promptIsCutBeforeItIsCheckedSoWhatIsCutAwayIsNeverJudged() {
        String prompt = "a".repeat(100) + "\uD800" + "b";

        assertThat(promptOf(MetadataCodec.fromMap(Map.of("prompt", prompt)))).isEqualTo("a".repeat(100));
        assertThat(promptOf(MetadataCodec.fromJson("{\"prompt\":\"" + "a".repeat(100) + "\\ud800b\"}")))
                .isEqualTo("a".repeat(100));
        assertRejected(() -> MetadataCodec.fromMap(Map.of("prompt", "a".repeat(99) + "\uD800" + "b")),
                "metadata.prompt contains an unpaired UTF-16 surrogate");
    }

    @Test
    void rawJsonNearTheInputLimitIsAcceptedAndOverItRejected() {
        String wrapperStart = "{\"prompt\":\"";
        String wrapperEnd = "\"}";
        int maxPrompt = 1_000_000 - wrapperStart.length() - wrapperEnd.length();

        assertThat(promptOf(MetadataCodec.fromJson(wrapperStart + "p".repeat(maxPrompt) + wrapperEnd))).hasSize(100);
        InvalidInputException e = assertRejected(
                () -> MetadataCodec.fromJson(wrapperStart + "p".repeat(maxPrompt + 1) + wrapperEnd),
                "metadata is 1000001 characters of JSON text", "allowed: at most 1000000 characters of input");
        assertThat(e.getMessage()).doesNotContain("pppppppppp");
    }

    // ---------------------------------------------------------------------------------------------
    // Depth

    @Test
    void tenLevelsOfObjectsAreAcceptedAndElevenRejected() {
        assertThat(MetadataCodec.fromMap(nestedObjects(10))).isEqualTo(nestedObjectsJson(10));
        assertThat(MetadataCodec.fromJson(nestedObjectsJson(10))).isEqualTo(nestedObjectsJson(10));

        String path = "metadata" + ".a".repeat(10);
        assertRejected(() -> MetadataCodec.fromMap(nestedObjects(11)),
                "metadata is nested 11 levels deep at " + path, "allowed: at most 10 levels");
        assertRejected(() -> MetadataCodec.fromJson(nestedObjectsJson(11)),
                "metadata is nested 11 levels deep at " + path, "the top-level object being level 1");
    }

    @Test
    void tenLevelsWithArraysAreAcceptedAndElevenRejected() {
        assertThat(MetadataCodec.fromMap(nestedArrays(10))).isEqualTo(nestedArraysJson(10));
        assertThat(MetadataCodec.fromJson(nestedArraysJson(10))).isEqualTo(nestedArraysJson(10));

        String path = "metadata.a" + "[0]".repeat(9);
        assertRejected(() -> MetadataCodec.fromMap(nestedArrays(11)), "metadata is nested 11 levels deep at " + path);
        assertRejected(() -> MetadataCodec.fromJson(nestedArraysJson(11)), "metadata is nested 11 levels deep at " + path);
    }

    @Test
    void emptyNestedContainersCountAsLevels() {
        String ten = "{\"a\":" + "[".repeat(9) + "]".repeat(9) + "}";
        String eleven = "{\"a\":" + "[".repeat(10) + "]".repeat(10) + "}";

        assertThat(MetadataCodec.fromJson(ten)).isEqualTo(ten);
        assertRejected(() -> MetadataCodec.fromJson(eleven), "nested 11 levels deep");
    }

    @Test
    void absurdlyDeepJsonIsStoppedByTheParserWithTheDepthRule() {
        String deep = "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}";

        assertRejected(() -> MetadataCodec.fromJson(deep), "metadata is nested more than 32 levels deep",
                "allowed: at most 10 levels");
    }

    @Test
    void deeplyNestedArraysAreStoppedEarly() {
        String deepJson = "{\"a\":" + "[".repeat(400_000) + "]".repeat(400_000) + "}";
        Object deepList = 1;
        for (int i = 0; i < 100_000; i++) {
            deepList = List.of(deepList);
        }
        Object deep = deepList;

        assertRejected(() -> MetadataCodec.fromJson(deepJson), "metadata is nested more than 32 levels deep");
        assertRejected(() -> MetadataCodec.fromJson("[".repeat(999_999)), "metadata is nested more than 32 levels deep");
        assertRejected(() -> MetadataCodec.fromMap(Map.of("a", deep)), "metadata is nested 11 levels deep at metadata.a[0]");
    }

    @Test
    void nestingBetweenTheRuleAndTheParserGuardNamesThePath() {
        String json = "{\"x\":{\"y\":" + "[".repeat(30) + "]".repeat(30) + "}}";

        assertRejected(() -> MetadataCodec.fromJson(json), "metadata is nested 11 levels deep at metadata.x.y" + "[0]".repeat(7));
    }

    @Test
    void selfReferencingMapIsRejectedByTheDepthRule() {
        Map<String, Object> loop = new HashMap<>();
        loop.put("self", loop);

        assertRejected(() -> MetadataCodec.fromMap(loop), "metadata is nested 11 levels deep");
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed JSON

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"a\":1}]", "1", "\"s\"", "true", "null"})
    void jsonThatIsNotAnObjectIsRejected(String json) {
        assertRejected(() -> MetadataCodec.fromJson(json), "metadata must be a JSON object", "allowed: a JSON object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{a:1}", "{'a':1}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 // c\n}", "{\"a\":tru}"})
    void malformedJsonIsRejectedWithALocation(String json) {
        assertRejected(() -> MetadataCodec.fromJson(json), "metadata is not valid JSON", "(at line 1, column ");
    }

    @Test
    void malformedJsonMessageNeverQuotesTheInput() {
        InvalidInputException e = assertRejected(() -> MetadataCodec.fromJson("{\"card\": s3cretValue}"),
                "metadata is not valid JSON");

        assertThat(e.getMessage()).doesNotContain("s3cret").doesNotContain("card");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1} {\"b\":2}", "{}[]", "{\"a\":1} 2", "{\"a\":1}\"x\""})
    void trailingTokensAreRejected(String json) {
        assertRejected(() -> MetadataCodec.fromJson(json), "metadata has more content after the JSON object",
                "allowed: exactly one JSON object");
    }

    @Test
    void duplicateKeysAreRejectedAtAnyLevel() {
        assertRejected(() -> MetadataCodec.fromJson("{\"a\":1,\"a\":2}"), "metadata has a duplicate key",
                "allowed: each key at most once per object");
        assertRejected(() -> MetadataCodec.fromJson("{\"o\":{\"x\":1,\"x\":1}}"), "metadata has a duplicate key");
    }

    @Test
    void duplicateKeyMessageNamesThePathAndTheLocationButNoValue() {
        InvalidInputException e = assertRejected(
                () -> MetadataCodec.fromJson("{\"o\":{\"l\":[{\"x\":\"s3cret\",\"x\":{\"v\":\"t0ken\"}}]}}"),
                "metadata has a duplicate key metadata.o.l[0].x (at line 1, column ");

        assertThat(e.getMessage()).doesNotContain("s3cret").doesNotContain("t0ken");
        assertRejected(() -> MetadataCodec.fromJson("{\"a\":[1],\"a\":[1]}"), "metadata has a duplicate key metadata.a (");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} x", "{}]", "{\"a\":1}}", "{\"a\":1}\u0000", "{\"a\":1} 1e2147483648",
        "{\"a\":1} " + "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":1} 1"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"})
    void trailingContentThatIsNotEvenJsonIsRejectedAsTrailingContent(String json) {
        assertRejected(() -> MetadataCodec.fromJson(json), "metadata has more content after the JSON object",
                "(at line 1, column ", "allowed: exactly one JSON object");
    }

    // ---------------------------------------------------------------------------------------------
    // No metadata and reading back

    @Test
    void nullOrEmptyMetadataMeansNoMetadata() {
        assertThat(MetadataCodec.fromMap(null)).isNull();
        assertThat(MetadataCodec.fromMap(Map.of())).isNull();
        assertThat(MetadataCodec.fromJson(null)).isNull();
        assertThat(MetadataCodec.fromJson("")).isNull();
        assertThat(MetadataCodec.fromJson(" \n\t")).isNull();
        assertThat(MetadataCodec.fromJson("{}")).isNull();
        assertThat(MetadataCodec.fromJson(" { } ")).isNull();
        assertThat(MetadataCodec.toMap(null)).isEmpty();
    }

    @Test
    void toMapReadsBackTheSameValuesAndTypes() {
        String json = MetadataCodec.fromJson("{\"i\":1,\"l\":10000000000,\"b\":123456789012345678901234567890,"
                + "\"d\":0.10,\"s\":\"t\",\"t\":true,\"n\":null,\"o\":{\"x\":[1,\"y\"]}}");

        Map<String, Object> map = MetadataCodec.toMap(json);

        assertThat(map).containsOnlyKeys("b", "d", "i", "l", "n", "o", "s", "t");
        assertThat(new ArrayList<>(map.keySet())).containsExactly("b", "d", "i", "l", "n", "o", "s", "t");
        assertThat(map.get("i")).isEqualTo(1);
        assertThat(map.get("l")).isEqualTo(10_000_000_000L);
        assertThat(map.get("b")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(map.get("d")).isEqualTo(new BigDecimal("0.10"));
        assertThat(map.get("s")).isEqualTo("t");
        assertThat(map.get("t")).isEqualTo(true);
        assertThat(map).containsEntry("n", null);
        assertThat(map.get("o")).isEqualTo(Map.of("x", List.of(1, "y")));
        assertThat(MetadataCodec.fromMap(map)).isEqualTo(json);
    }

    @Test
    void toMapResultIsUnmodifiableAllTheWayDown() {
        Map<String, Object> map = MetadataCodec.toMap("{\"o\":{\"x\":1},\"l\":[1]}");
        Map<?, ?> nested = (Map<?, ?>) map.get("o");
        List<?> list = (List<?>) map.get("l");

        assertThatThrownBy(() -> map.put("z", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(nested::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> list.remove(0)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toMapRejectsStoredTextThatIsNotAnObject() {
        assertThatThrownBy(() -> MetadataCodec.toMap("[1]")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> MetadataCodec.toMap("{oops")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stored metadata is not valid JSON");
        assertThatThrownBy(() -> MetadataCodec.toMap("{\"a\":1,\"a\":2}")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stored metadata is not valid JSON");
        assertThatThrownBy(() -> MetadataCodec.toMap("{\"a\":1} {}")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stored metadata is not valid JSON");
    }

    @Test
    void toMapRoundTripsThroughFromMapForEveryKindOfValue() {
        String json = MetadataCodec.fromJson("{\"z\":[0,-1,2147483648,-9223372036854775809,0.000,1.5e3,\"\",null,false,{}],"
                + "\"\":{\"A\":[[]]},\"\u00e9\":\"\\uD83D\\uDE00\"}");

        assertThat(MetadataCodec.fromMap(MetadataCodec.toMap(json))).isEqualTo(json);
        assertThat(MetadataCodec.fromJson(json)).isEqualTo(json);
        assertThat(json).isEqualTo("{\"\":{\"A\":[[]]},\"z\":[0,-1,2147483648,-9223372036854775809,0.000,1500,\"\",null,false,{}],"
                + "\"\u00e9\":\"\uD83D\uDE00\"}");
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** Asserts an {@link InvalidInputException} for {@code metadata} whose message has every fragment. */
    private static InvalidInputException assertRejected(ThrowingCallable call, String... fragments) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(InvalidInputException.class);
        InvalidInputException e = (InvalidInputException) thrown;
        assertThat(e.field()).isEqualTo("metadata");
        assertThat(e.getMessage()).contains(fragments);
        return e;
    }

    private static String promptOf(String canonicalJson) {
        return (String) MetadataCodec.toMap(canonicalJson).get("prompt");
    }

    /** {"a":{"a":...{"leaf":1}}} with {@code levels} objects, the top-level one included. */
    private static Map<String, Object> nestedObjects(int levels) {
        Map<String, Object> map = Map.of("leaf", 1);
        for (int i = 1; i < levels; i++) {
            map = Map.of("a", map);
        }
        return map;
    }

    private static String nestedObjectsJson(int levels) {
        return "{\"a\":".repeat(levels - 1) + "{\"leaf\":1}" + "}".repeat(levels - 1);
    }

    /** {"a":[[...[1]...]]} with the top-level object and {@code levels - 1} arrays. */
    private static Map<String, Object> nestedArrays(int levels) {
        Object value = 1;
        for (int i = 1; i < levels; i++) {
            value = List.of(value);
        }
        return Map.of("a", value);
    }

    private static String nestedArraysJson(int levels) {
        return "{\"a\":" + "[".repeat(levels - 1) + "1" + "]".repeat(levels - 1) + "}";
    }
}
