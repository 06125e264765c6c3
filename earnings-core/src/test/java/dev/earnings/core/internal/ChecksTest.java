package dev.earnings.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.InvalidConfigurationException;
import dev.earnings.core.InvalidInputException;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChecksTest {
    private static final String ALLOWED =
            "allowed: printable characters only (letters, marks, numbers, punctuation, symbols and spaces)";
    @Test
    void acceptsPrintableIdsUpTo128CodePoints() {
        assertThat(Checks.requireId("userId", "user-1")).isEqualTo("user-1");
        assertThat(Checks.requireId("userId", "x".repeat(128))).hasSize(128);
        // 128 code points outside the BMP are 256 chars, and allowed.
        String emoji = "\uD83D\uDE00".repeat(128);
        assertThat(Checks.requireId("userId", emoji)).isEqualTo(emoji);
    }

    @Test
    void refusesMissingBlankLongAndControlCharacters() {
        assertThatThrownBy(() -> Checks.requireId("modelId", null))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("modelId is required");
        assertThatThrownBy(() -> Checks.requireId("modelId", " \t"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("modelId must not be blank");
        assertThatThrownBy(() -> Checks.requireId("modelId", "x".repeat(129)))
                .isInstanceOf(InvalidInputException.class).hasMessage("modelId is 129 characters long; allowed: at most 128 characters");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\u0000b"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("control character U+0000 at index 1");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\nb"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+000A");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\u0085"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+0085");
        assertThatThrownBy(() -> Checks.requireId("userId", "\u00A0\u2003"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("userId must not be blank");
        assertThatThrownBy(() -> Checks.requireId("userId", "admin\u200B"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("invisible format character U+200B");
        assertThatThrownBy(() -> Checks.requireId("userId", "abc\u202Efed"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+202E at index 3");
        assertThatThrownBy(() -> Checks.requireId("eventId", "a\uD800b"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unpaired surrogate at index 1");
    }

    /** A code point as a string, one or two chars. */
    private static String cp(int codePoint) {
        return new String(Character.toChars(codePoint));
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(strings = {"2028", "2029"})
    void refusesLineAndParagraphSeparators(String hex) {
        int codePoint = Integer.parseInt(hex, 16);
        assertThatThrownBy(() -> Checks.requireId("userId", "ab" + cp(codePoint) + "c"))
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", "userId")
                .hasMessage("userId contains the line or paragraph separator U+" + hex + " at index 2; " + ALLOWED);
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(strings = {"FDD0", "FDE7", "FDEF", "FFFE", "FFFF", "1FFFE", "1FFFF", "EFFFE", "10FFFE", "10FFFF"})
    void refusesNoncharacters(String hex) {
        int codePoint = Integer.parseInt(hex, 16);
        assertThatThrownBy(() -> Checks.requireId("eventId", "e" + cp(codePoint)))
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", "eventId")
                .hasMessage("eventId contains the noncharacter U+" + hex + " at index 1; " + ALLOWED);
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(strings = {"E000", "F8FF", "F0000", "FFFFD", "100000", "10FFFD"})
    void refusesPrivateUseCharacters(String hex) {
        int codePoint = Integer.parseInt(hex, 16);
        assertThatThrownBy(() -> Checks.requireId("modelId", cp(codePoint) + "model"))
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", "modelId")
                .hasMessage("modelId contains the private-use character U+" + hex + " at index 0; " + ALLOWED);
    }

    @ParameterizedTest(name = "U+{0}")
    // Unassigned in every Unicode version so far (a gap in Greek, the end of a reserved block, a
    // gap after the tag characters, plane 14's last ordinary code point), so the test holds on any JDK.
    @ValueSource(strings = {"0378", "2FE0", "E0080", "EFFFD"})
    void refusesUnassignedCodePoints(String hex) {
        int codePoint = Integer.parseInt(hex, 16);
        String feature = String.valueOf(Runtime.version().feature());
        assertThatThrownBy(() -> Checks.requireId("creatorId", "c-" + cp(codePoint)))
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", "creatorId")
                .hasMessage("creatorId contains the unassigned code point U+" + hex + " (Unicode data of Java " + feature
                        + ") at index 2; " + ALLOWED);
    }

    @ParameterizedTest(name = "U+{0}")
    // Soft hyphen, Arabic letter mark, zero-width space, non-joiner and joiner, left-to-right mark,
    // right-to-left override, left-to-right isolate, word joiner, byte order mark, the interlinear
    // annotation anchor, and two tag characters outside the BMP.
    @ValueSource(strings = {"00AD", "061C", "200B", "200C", "200D", "200E", "202E", "2066", "2060", "FEFF", "FFF9",
            "E0001", "E0041"})
    void refusesEveryFormatCharacter(String hex) {
        int codePoint = Integer.parseInt(hex, 16);
        assertThatThrownBy(() -> Checks.requireId("reference", "ref" + cp(codePoint)))
                .isInstanceOf(InvalidInputException.class)
                .hasFieldOrPropertyWithValue("field", "reference")
                .hasMessage("reference contains the invisible format character U+" + hex + " at index 3; " + ALLOWED);
    }

    @Test
    void reportsTheFirstOffendingCodePointByItsCharIndex() {
        // The emoji takes two chars, so the separator after it is at char index 3.
        assertThatThrownBy(() -> Checks.requireId("userId", "a\uD83D\uDE00\u2028\uE000"))
                .hasMessageStartingWith("userId contains the line or paragraph separator U+2028 at index 3;");
    }

    @Test
    void messagesNeverRepeatTheRejectedValue() {
        String secret = "alice@example.com";
        for (String value : List.of(secret + "\u0007", secret + "\u2028", secret + "\uFFFF", secret + "\uE000",
                secret + "\u0378", secret + "\u202E", secret + "\uD800", secret.repeat(8))) {
            assertThatThrownBy(() -> Checks.requireId("userId", value))
                    .isInstanceOf(InvalidInputException.class)
                    .message().doesNotContain("alice").doesNotContain("example");
        }
    }

    @Test
    void acceptsPrintableCharactersNextToTheRefusedRanges() {
        // Just outside the noncharacter and private-use ranges: an Arabic ligature after U+FDEF,
        // the replacement character before U+FFFE, a CJK compatibility ideograph after U+F8FF and
        // a digit from plane 1; spaces inside an id, combining marks and variation selectors are
        // printable, and so are letters of any script, emoji and plane-2 ideographs.
        for (String id : List.of("\uFDF0", "\uFFFD", "\uF900", cp(0x1FBF9),
                "user 1", "e\u0301", "\u2764\uFE0F", "\u00E9l\u00E8ve", "\u4E2D\u6587",
                cp(0x1F600), cp(0x20000), "$%&*+,-./:;<=>?@[]^_`{|}~")) {
            assertThat(Checks.requireId("userId", id)).isEqualTo(id);
        }
    }

    @Test
    void multipliersAreCheckedAtTheirBoundsAndMadeCanonical() {
        BigDecimal max = new BigDecimal("100");
        assertThat(Checks.requireMultiplier("m", new BigDecimal("100.000"), max)).isEqualTo(new BigDecimal("100"));
        assertThat(Checks.requireMultiplier("m", new BigDecimal("0.000000000001"), max))
                .isEqualTo(new BigDecimal("0.000000000001"));
        assertThat(Checks.requireMultiplier("m", new BigDecimal("1.2000000000000000"), max))
                .isEqualTo(new BigDecimal("1.2"));
        assertThatThrownBy(() -> Checks.requireMultiplier("m", new BigDecimal("100.000000000001"), max))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("m is 100.000000000001; allowed: greater than 0 and at most 100");
        assertThatThrownBy(() -> Checks.requireMultiplier("m", BigDecimal.ZERO, max))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("m is 0; allowed: greater than 0 and at most 100");
        assertThatThrownBy(() -> Checks.requireMultiplier("m", new BigDecimal("0.0000000000001"), max))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("m is 0.0000000000001, which has 13 decimal places; allowed: at most 12");
        assertThatThrownBy(() -> Checks.requireMultiplier("tiers[1].multiplier", null, max))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("tiers[1].multiplier is required; allowed: a decimal greater than 0 and at most 100")
                .extracting(e -> ((InvalidConfigurationException) e).setting()).isEqualTo("tiers[1].multiplier");
    }

    @Test
    void scaleIgnoresTrailingZerosAndCanonicalFormsHaveNoExponent() {
        assertThat(Checks.significantScale(new BigDecimal("0.0100"))).isEqualTo(2);
        assertThat(Checks.significantScale(new BigDecimal("0.000"))).isZero();
        assertThat(Checks.significantScale(new BigDecimal("1E+3"))).isZero();
        assertThat(Checks.significantScale(new BigDecimal("-2.50"))).isEqualTo(1);
        assertThat(Checks.canonical(new BigDecimal("0.0100"))).hasToString("0.01");
        assertThat(Checks.canonical(new BigDecimal("100"))).hasToString("100");
        assertThat(Checks.canonical(new BigDecimal("1E+3"))).hasToString("1000");
        assertThat(Checks.canonical(new BigDecimal("0.00"))).hasToString("0");
    }

    @Test
    void decimalsFromConfigurationAreParsedOrRefusedNamingTheSetting() {
        assertThat(Checks.parseDecimal("s", " 1.25 ")).isEqualTo(new BigDecimal("1.25"));
        assertThatThrownBy(() -> Checks.parseDecimal("usageTypes.chat", "1,25"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("usageTypes.chat is '1,25', which is not a decimal number; write it like 1.25");
        assertThatThrownBy(() -> Checks.parseDecimal("usageTypes.chat", null))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("usageTypes.chat is required");
    }
}
